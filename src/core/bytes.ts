// Byte-string helpers every layer uses: joining, comparing, ordering and hex.

/**
 * Text as its UTF-16 code units, two bytes each, high byte first: characters beyond the BMP come
 * out as their surrogate pairs. A BMPString's content, PKCS #12's password form (RFC 7292 B.1) and
 * what Java's keystores feed to SHA-1 as the password.
 */
export function utf16beBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out[2 * i] = unit >> 8;
    out[2 * i + 1] = unit & 0xff;
  }
  return out;
}

/**
 * `n` bytes, not zeroed, for a caller that writes every one of them: a plain Uint8Array over Node's
 * Buffer pool (a slice of a shared block below 4 KiB, as Buffer.allocUnsafe gives). `new
 * Uint8Array(n)` above 64 bytes is an ArrayBuffer of its own outside V8's heap, zeroed, which costs
 * about ten times as much to make and free; a handshake makes dozens of such byte strings.
 */
export function allocBytes(n: number): Uint8Array {
  const b = Buffer.allocUnsafe(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

/**
 * Copies with an ArrayBuffer each of their own, for byte strings kept after the handshake that read
 * them (a session's certificates): the handshake's byte strings are slices of Node's shared Buffer
 * pool (allocBytes), and a kept slice would keep its whole block alive.
 */
export const ownCopies = (list: readonly Uint8Array[]): Uint8Array[] => list.map((b) => Uint8Array.from(b));

/** The parts joined into one new array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = allocBytes(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Compares two byte strings without stopping at the first difference: for MACs, check values and anything a peer sent. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * Whether two byte strings are the same, compared natively and stopping at the first difference:
 * for public data (certificates, public keys, whole files), where equalBytes's JavaScript loop
 * would only cost time.
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Orders byte strings as DER orders a SET OF (X.690 §11.6): byte by byte, a shorter prefix first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of `bytes`, optionally joined by `separator`. */
export function toHex(bytes: Uint8Array, separator = ''): string {
  if (!separator) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i ? separator : '') + HEX[bytes[i]];
  return s;
}

/** A view of any buffer or typed array as bytes, without copying. */
export const asBytes = (b: ArrayBuffer | ArrayBufferView): Uint8Array =>
  b instanceof Uint8Array ? b : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
