// What the req commands share: writing a request file, and rendering a request for people and scripts.

import { conflict, describeRequestKey, encodePem, fileExists, writeFileAtomic, type RequestInfo } from '../core/index.js';
import { fields } from './output.js';

/**
 * Writes a request (PEM unless `der`), refusing to replace a file without --force. With no
 * bytes, only checks that the file may be written, so a refusal comes before any work.
 */
export async function writeRequestFile(out: string, request: Uint8Array | undefined, flags: { der?: boolean; force?: boolean }): Promise<void> {
  if (!flags.force && (await fileExists(out))) {
    throw conflict(`${out} already exists: choose another name or give --force`);
  }
  if (!request) return;
  const bytes = flags.der ? request : new TextEncoder().encode(encodePem('CERTIFICATE REQUEST', request));
  // A request is public: it holds no secret, so it is readable like a certificate.
  await writeFileAtomic(out, bytes, 0o644);
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
