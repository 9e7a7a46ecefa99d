// A cursor over the big-endian primitives Java's DataOutputStream writes, as keystore files hold them.

import { badInput } from '../../errors.js';

/**
 * Reads ints, longs and `writeUTF` strings in order; every read is bounds-checked, and a read past
 * the end is BAD_INPUT naming the file, since a keystore cut short is damaged, not foreign.
 */
export class DataInput {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  readonly #name: string;
  offset = 0;

  constructor(bytes: Uint8Array, name: string, offset = 0) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#name = name;
    this.offset = offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Fails unless `length` more bytes are there. */
  need(length: number, what: string): void {
    if (length < 0 || length > this.remaining) throw badInput(`${this.#name} is cut short or damaged: ${what} at offset ${this.offset} runs past the end of the file`);
  }

  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.bytes[this.offset++];
  }

  u16(what = 'a short'): number {
    this.need(2, what);
    const v = this.#view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }

  /** A signed 32-bit int, as Java's readInt. */
  i32(what = 'an int'): number {
    this.need(4, what);
    const v = this.#view.getInt32(this.offset);
    this.offset += 4;
    return v;
  }

  /** A signed 64-bit long, as a bigint: dates are the only longs read, and they fit a number, but lengths must not be trusted to. */
  i64(what = 'a long'): bigint {
    this.need(8, what);
    const v = this.#view.getBigInt64(this.offset);
    this.offset += 8;
    return v;
  }

  /** `length` bytes, as a view into the file. */
  take(length: number, what: string): Uint8Array {
    this.need(length, what);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  skip(length: number, what: string): void {
    this.need(length, what);
    this.offset += length;
  }

  /** A `writeUTF` string: a two-byte length, then modified UTF-8 (DataInput's readUTF). */
  utf(what = 'a string'): string {
    const length = this.u16(what);
    return decodeModifiedUtf8(this.take(length, what), () => badInput(`${this.#name} is damaged: ${what} at offset ${this.offset - length} is not modified UTF-8`));
  }
}

/**
 * Java's modified UTF-8 (java.io.DataInput): UTF-16 code units in one to three bytes each, NUL as
 * C0 80, characters outside the BMP as their two surrogates of three bytes each. Decoded unit by
 * unit, so surrogate pairs come back as the characters they are.
 */
export function decodeModifiedUtf8(bytes: Uint8Array, fail: () => Error): string {
  const units: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const a = bytes[i];
    if (a < 0x80 && a !== 0) {
      units.push(a);
      i += 1;
    } else if ((a & 0xe0) === 0xc0) {
      if (i + 1 >= bytes.length || (bytes[i + 1] & 0xc0) !== 0x80) throw fail();
      units.push(((a & 0x1f) << 6) | (bytes[i + 1] & 0x3f));
      i += 2;
    } else if ((a & 0xf0) === 0xe0) {
      if (i + 2 >= bytes.length || (bytes[i + 1] & 0xc0) !== 0x80 || (bytes[i + 2] & 0xc0) !== 0x80) throw fail();
      units.push(((a & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f));
      i += 3;
    } else {
      throw fail();
    }
  }
  let text = '';
  // In slices: String.fromCharCode takes its units as arguments, and argument lists are bounded.
  for (let i = 0; i < units.length; i += 4096) text += String.fromCharCode(...units.slice(i, i + 4096));
  return text;
}
