// Entry labels: what kyman accepts as a label before anything is written.

import { usage } from '../errors.js';

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
