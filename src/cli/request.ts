// What the req commands share: writing a request file, and rendering a request for people and scripts.

import { conflict } from '../core/errors.js';
import { fileExists } from '../core/keystore/file-io.js';
import { describeRequestKey } from '../core/keystore/requests/view.js';
import type { RequestInfo } from '../core/pki/csr.js';
import { encodePem } from '../core/pki/pem.js';
import { isStdout, prepareOutput, writeOutput } from './output-file.js';
import { fields } from './output.js';

/**
 * Writes a request (PEM unless `der`) to a file or standard output (`-`), refusing to replace a
 * file without --force. With no bytes, only checks that it may be written (asking on a terminal),
 * so a refusal comes before any work; the write after that check says `force`.
 */
export async function writeRequestFile(out: string, request: Uint8Array | undefined, flags: { der?: boolean; force?: boolean; json?: boolean }): Promise<void> {
  if (!request) return prepareOutput(out, { binary: Boolean(flags.der), force: flags.force, json: flags.json });
  if (!flags.force && !isStdout(out) && (await fileExists(out))) {
    throw conflict(`${out} already exists: choose another name or give --force`);
  }
  const bytes = flags.der ? request : new TextEncoder().encode(encodePem('CERTIFICATE REQUEST', request));
  // A request is public: it holds no secret, so it is readable like a certificate.
  await writeOutput(out, bytes, { secret: false });
}

export function requestText(info: RequestInfo, extra: ReadonlyArray<readonly [string, string | undefined]> = []): string {
  return fields([
    ...extra,
    ['Subject', info.subject || '(empty)'],
    ['Key', describeRequestKey(info)],
    ['Alt names', info.subjectAltNames.length ? info.subjectAltNames.join(', ') : undefined],
    ['Asks for CA', info.isCA ? 'yes' : undefined],
    ['Signature', `${info.signatureAlgorithm}, ${info.signatureValid ? 'verifies' : 'DOES NOT VERIFY'}`],
  ]);
}

export function requestJson(info: RequestInfo) {
  return {
    subject: info.subject,
    key: describeRequestKey(info),
    subjectAltNames: info.subjectAltNames,
    isCA: info.isCA,
    signatureAlgorithm: info.signatureAlgorithm,
    signatureValid: info.signatureValid,
    extensions: info.extensions.map((e) => ({ oid: e.oid, critical: e.critical, value: Buffer.from(e.value).toString('hex') })),
    pem: encodePem('CERTIFICATE REQUEST', info.der),
  };
}
