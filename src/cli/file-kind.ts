// What kind of file to write: the flag that names it when given, else what the file's extension says, else a fallback; a flag that contradicts the name is warned.

import type { ExportFormat } from '../core/keystore/transfer.js';

export type DatabaseType = 'cms' | 'pkcs12';

/** The kinds one flag chooses between: those an extension names beyond doubt, and each kind in words. */
interface Kinds<T extends string> {
  readonly flag: string;
  readonly byExtension: Readonly<Record<string, T>>;
  readonly described: Readonly<Record<T, string>>;
}

/** gskkyman's .kdb; .p12 and .pfx as openssl and Windows name PKCS #12. */
const DATABASE_TYPES: Kinds<DatabaseType> = {
  flag: 'type',
  byExtension: { '.kdb': 'cms', '.p12': 'pkcs12', '.pfx': 'pkcs12' },
  described: { cms: 'a CMS key database', pkcs12: 'PKCS #12' },
};

/** .crt, .cer and .pem are left to the fallback, PEM: they are used for both encodings. */
const EXPORT_FORMATS: Kinds<ExportFormat> = {
  flag: 'format',
  byExtension: { '.p12': 'pkcs12', '.pfx': 'pkcs12', '.der': 'der', '.p7b': 'pkcs7' },
  described: { pem: 'PEM', der: 'DER', pkcs7: 'PKCS #7', 'pkcs7-pem': 'PKCS #7 in PEM', pkcs12: 'PKCS #12' },
};

function choose<T extends string>(kinds: Kinds<T>, file: string, flag: string | undefined, fallback: T, warn: (message: string) => void): T {
  const m = /(\.[^./\\]+)$/.exec(file);
  const named = m ? kinds.byExtension[m[1].toLowerCase()] : undefined;
  if (flag === undefined) return named ?? fallback;
  const kind = flag as T;
  if (named !== undefined && named !== kind) {
    warn(`${file} is named as ${kinds.described[named]} but --${kinds.flag} ${kind} writes ${kinds.described[kind]}: other tools may be misled by the name`);
  }
  return kind;
}

/** The type of a new key database (`db create`, `db convert`): --type, else .kdb/.p12/.pfx, else `fallback`. */
export function newDatabaseType(file: string, flag: string | undefined, fallback: DatabaseType, warn: (message: string) => void): DatabaseType {
  return choose(DATABASE_TYPES, file, flag, fallback, warn);
}

/** The format `cert export` writes: --format, else .p12/.pfx/.der/.p7b, else PEM. */
export function exportFormat(out: string, flag: string | undefined, warn: (message: string) => void): ExportFormat {
  return choose(EXPORT_FORMATS, out, flag, 'pem', warn);
}
