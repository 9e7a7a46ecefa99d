// PEM (RFC 7468) text armour: every block in a text with its label, and DER back to 64-column text.

import { badInput } from '../errors.js';

/** One `-----BEGIN label-----` … `-----END label-----` block. */
export interface PemBlock {
  /** The label as written, e.g. `CERTIFICATE`, `PRIVATE KEY`, `PKCS7`. */
  label: string;
  der: Uint8Array;
  /**
   * RFC 1421 headers (`Proc-Type`, `DEK-Info`) that OpenSSL's "traditional" encrypted keys carry
   * before the base64; absent when the block has none.
   */
  headers?: Record<string, string>;
}

// RFC 7468 §2: labels are printable ASCII without hyphens at either end; some writers put
// spaces inside (`X509 CRL`, `NEW CERTIFICATE REQUEST`).
const BLOCK = /-----BEGIN ([\x21-\x2c\x2e-\x7e](?:[\x20-\x7e]*[\x21-\x2c\x2e-\x7e])?)?-----([\s\S]*?)-----END ([\x20-\x7e]*?)-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEADER = /^([A-Za-z0-9-]+):\s*(.*)$/;

const decoder = new TextDecoder('latin1');

/** Whether the bytes look like PEM text (a BEGIN line near the start or anywhere in a text file). */
export function isPem(bytes: Uint8Array | string): boolean {
  const text = typeof bytes === 'string' ? bytes : decoder.decode(bytes.subarray(0, 64 * 1024));
  return text.includes('-----BEGIN ');
}

/**
 * Every PEM block in `input`, in order. Text around and between blocks (OpenSSL's
 * "Bag Attributes", `subject=` lines, comments) is skipped, as RFC 7468 §2 allows; CRLF and
 * stray whitespace inside the base64 are fine. Returns [] when there is no block; throws
 * BAD_INPUT when a block is broken (no END, mismatched END, bad base64).
 */
export function decodePem(input: Uint8Array | string): PemBlock[] {
  const text = typeof input === 'string' ? input : decoder.decode(input);
  const blocks: PemBlock[] = [];
  BLOCK.lastIndex = 0;
  let lastEnd = 0;
  for (let m = BLOCK.exec(text); m; m = BLOCK.exec(text)) {
    const label = m[1] ?? '';
    const between = text.slice(lastEnd, m.index);
    if (between.includes('-----BEGIN ')) throw badInput(`PEM block "${labelOfBegin(between)}" has no END line`);
    lastEnd = m.index + m[0].length;
    if (m[2].includes('-----BEGIN ')) throw badInput(`PEM block "${label}" has no END line`);
    if (m[3] !== label) throw badInput(`PEM block "${label}" ends with "-----END ${m[3]}-----"`);
    const { headers, body } = splitHeaders(m[2]);
    const b64 = body.replace(/[\s]+/g, '');
    if (!BASE64.test(b64) || b64.length % 4 === 1) throw badInput(`PEM block "${label}" holds text that is not base64`);
    const der = Uint8Array.from(Buffer.from(b64, 'base64'));
    blocks.push(headers ? { label, der, headers } : { label, der });
  }
  const rest = text.slice(lastEnd);
  if (rest.includes('-----BEGIN ')) throw badInput(`PEM block "${labelOfBegin(rest)}" has no END line: the file is truncated`);
  return blocks;
}

function labelOfBegin(text: string): string {
  const m = /-----BEGIN ([^-\r\n]*)-----/.exec(text);
  return m ? m[1] : '?';
}

// RFC 1421 headers sit before a blank line; without a colon on the first line there are none.
function splitHeaders(inner: string): { headers?: Record<string, string>; body: string } {
  const lines = inner.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  if (i >= lines.length || !HEADER.test(lines[i].trim())) return { body: inner };
  const headers: Record<string, string> = {};
  let lastKey: string | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') break;
    if (/^[ \t]/.test(line) && lastKey) {
      // A continuation line (RFC 1421 §4.2 folds long headers).
      headers[lastKey] += line.trim();
      continue;
    }
    const h = HEADER.exec(line.trim());
    if (!h) break;
    lastKey = h[1];
    headers[lastKey] = h[2].trim();
  }
  return { headers, body: lines.slice(i).join('\n') };
}

/** One PEM block: RFC 7468 §2 "strict" form, 64 columns, LF line ends, a final newline. */
export function encodePem(label: string, der: Uint8Array, headers?: Record<string, string>): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines: string[] = [`-----BEGIN ${label}-----`];
  if (headers && Object.keys(headers).length > 0) {
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    lines.push('');
  }
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  lines.push(`-----END ${label}-----`, '');
  return lines.join('\n');
}

/** Several blocks one after another, as a chain file holds them. */
export function encodePemBlocks(blocks: readonly PemBlock[]): string {
  return blocks.map((b) => encodePem(b.label, b.der, b.headers)).join('');
}
