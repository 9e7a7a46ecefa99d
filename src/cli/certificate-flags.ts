// Flags that shape a certificate kyman signs (cert create, issue, sign): validity dates, serial number, key usages.

import { Flags } from '@oclif/core';
import { usage } from '../core/errors.js';

/** The longest serial number RFC 5280 §4.1.2.2 allows: 20 octets. */
const MAX_SERIAL_OCTETS = 20;

export const certificateFlags = {
  'not-before': Flags.string({ summary: 'Start of validity, ISO 8601 (2026-01-01 or 2026-01-01T00:00:00Z). Default: now, less a few minutes.', helpValue: 'DATE' }),
  'not-after': Flags.string({ summary: 'End of validity, ISO 8601, instead of --days (never beyond an issuing CA\'s).', helpValue: 'DATE' }),
  serial: Flags.string({ summary: 'Serial number, hexadecimal (0x1f or 1F:2A) or decimal, instead of 128 random bits; at most 20 octets.', helpValue: 'NUMBER' }),
  'key-usage': Flags.string({ summary: 'Key usage instead of the default, comma-separated: digitalSignature, keyEncipherment, keyAgreement, keyCertSign, cRLSign, …', helpValue: 'NAMES' }),
  'ext-key-usage': Flags.string({ summary: 'Extended key usage instead of the default, comma-separated names or dotted OIDs: serverAuth, clientAuth, codeSigning, emailProtection, 1.3.6.1.5.5.7.3.9, …', helpValue: 'NAMES' }),
};

/** Examples that show the flags above at work, for a command whose line starts as `head`. */
export function certificateFlagExamples(head: string): Array<{ description: string; command: string }> {
  return [
    { description: 'Fixed validity dates and serial number', command: `${head} --not-before 2026-01-01 --not-after 2027-01-01T00:00:00Z --serial 0x1001` },
    { description: 'Custom key usage and extended key usage (names or OIDs)', command: `${head} --key-usage digitalSignature --ext-key-usage codeSigning,1.3.6.1.5.5.7.3.9` },
  ];
}

function dateFlag(name: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime())) throw usage(`--${name}: "${text}" is not an ISO 8601 date (2026-01-01 or 2026-01-01T12:00:00Z)`);
  return date;
}

/** A serial number's INTEGER content octets, positive, from hex (0x…, or with colons) or decimal. */
export function parseSerial(text: string): Uint8Array {
  const hex = /^0x([0-9a-f]+)$/i.exec(text)?.[1] ?? (/^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(text) ? text.replace(/:/g, '') : undefined);
  let value: bigint;
  if (hex !== undefined) value = BigInt(`0x${hex}`);
  else if (/^[0-9]+$/.test(text)) value = BigInt(text);
  else throw usage(`--serial: "${text}" is not a number (decimal, 0x-prefixed hexadecimal, or octets like 1F:2A)`);
  if (value === 0n) throw usage('--serial: a serial number must be positive (RFC 5280 §4.1.2.2)');
  let digits = value.toString(16);
  if (digits.length % 2) digits = `0${digits}`;
  // A top bit set would read as negative: DER then needs a zero octet in front.
  if (parseInt(digits.slice(0, 2), 16) & 0x80) digits = `00${digits}`;
  const octets = Uint8Array.from(Buffer.from(digits, 'hex'));
  if (octets.length > MAX_SERIAL_OCTETS) throw usage(`--serial: ${text} is longer than ${MAX_SERIAL_OCTETS} octets (RFC 5280 §4.1.2.2)`);
  return octets;
}

const list = (text: string | undefined) => text?.split(',').map((s) => s.trim()).filter(Boolean);

/** The core options the flags above ask for. */
export function certificateFlagOptions(flags: { 'not-before'?: string; 'not-after'?: string; serial?: string; 'key-usage'?: string; 'ext-key-usage'?: string }) {
  return {
    notBefore: dateFlag('not-before', flags['not-before']),
    notAfter: dateFlag('not-after', flags['not-after']),
    serialNumber: flags.serial === undefined ? undefined : parseSerial(flags.serial),
    keyUsage: list(flags['key-usage']),
    extendedKeyUsage: list(flags['ext-key-usage']),
  };
}
