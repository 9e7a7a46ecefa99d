// The format of an exported file: --format when given, else what the --out file's extension says, else PEM.

import type { ExportFormat } from '../core/keystore/transfer.js';

/** Extensions whose format is not in doubt (.crt, .cer and .pem are left to the default, PEM: they are used for both encodings). */
const FORMAT_BY_EXTENSION: Readonly<Record<string, ExportFormat>> = { '.p12': 'pkcs12', '.pfx': 'pkcs12', '.der': 'der', '.p7b': 'pkcs7' };

const DESCRIBED: Readonly<Record<ExportFormat, string>> = { pem: 'PEM', der: 'DER', pkcs7: 'PKCS #7', 'pkcs7-pem': 'PKCS #7 in PEM', pkcs12: 'PKCS #12' };

/** The format the file's name says, when it says one. */
export function formatFromExtension(file: string): ExportFormat | undefined {
  const m = /(\.[^./\\]+)$/.exec(file);
  return m ? FORMAT_BY_EXTENSION[m[1].toLowerCase()] : undefined;
}

/** --format wins, a mismatch with the extension is warned; without --format the extension decides, else PEM. */
export function exportFormat(out: string, flag: string | undefined, warn: (message: string) => void): ExportFormat {
  const named = formatFromExtension(out);
  if (flag === undefined) return named ?? 'pem';
  const format = flag as ExportFormat;
  if (named !== undefined && named !== format) warn(`${out} is named as ${DESCRIBED[named]} but --format ${format} writes ${DESCRIBED[format]}: other tools may be misled by the name`);
  return format;
}
