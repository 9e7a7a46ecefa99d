// Entry labels: what kyman accepts before anything is written, and what a certificate that came without one is called.

import { usage } from '../errors.js';
import { summarizeCertificate } from '../pki/certificate/index.js';

/** The longest label kyman accepts, as gskkyman limits it. */
export const MAX_LABEL_LENGTH = 127;

/** Checks a label before anything is written: printable, not empty, not too long. */
export function checkLabel(label: string): string {
  if (label.length === 0 || label.trim() !== label) throw usage(`label "${label}" must not be empty or start or end with spaces`);
  if (label.length > MAX_LABEL_LENGTH) throw usage(`label "${label.slice(0, 20)}…" is longer than ${MAX_LABEL_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(label)) throw usage('a label must not contain control characters');
  return label;
}

/** A label for a certificate that came without one: its subject's CN, else the whole subject. */
export function labelFor(certificate: Uint8Array, taken: (label: string) => boolean): string {
  const subject = summarizeCertificate(certificate).subject;
  const cn = /(?:^|,)CN=((?:\\.|[^,])+)/.exec(subject)?.[1]?.replace(/\\(.)/g, '$1');
  const base = (cn ?? subject ?? 'certificate').slice(0, 100) || 'certificate';
  let label = base;
  for (let n = 2; taken(label); n++) label = `${base} (${n})`;
  return label;
}
