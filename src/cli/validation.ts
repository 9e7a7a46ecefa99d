// How a chain validation reads, for `cert validate` and the menu's "Validate certificate".

import type { CertificateInfo } from '../core/pki/certificate/types.js';
import type { ValidationResult } from '../core/pki/validate.js';
import { dateText, dayText, out, table } from './output.js';

/** Tells whether a certificate of the chain is one of the anchors it was validated against. */
export function anchorTest(anchors: readonly Uint8Array[]): (c: CertificateInfo) => boolean {
  const keys = new Set(anchors.map((d) => Buffer.from(d).toString('base64')));
  return (c) => keys.has(Buffer.from(c.der).toString('base64'));
}

/** The chain as a table, then "valid" or "not valid: the first reason". `given` says whether `at` was asked for. */
export function validationText(result: ValidationResult, isAnchor: (c: CertificateInfo) => boolean, at: Date, given: boolean): string {
  const rows = result.chain.map((c, i) => ({ c, i }));
  const chain = table(rows, [
    { header: '#', get: (r) => String(r.i), right: true },
    { header: 'SUBJECT', get: (r) => r.c.subject || '(empty)' },
    { header: 'ISSUER', get: (r) => r.c.issuer || '(empty)' },
    { header: 'EXPIRES', get: (r) => (r.c.notAfter.getTime() < at.getTime() ? out.red(dayText(r.c.notAfter)) : dayText(r.c.notAfter)) },
    { header: 'TRUST', get: (r) => (isAnchor(r.c) ? 'anchor' : '') },
  ]);
  const when = given ? ` at ${dateText(at)}` : '';
  return `${chain}\n${result.valid ? out.green(`valid${when}`) : `${out.red('not valid')}${when}: ${result.reason!.message}`}`;
}
