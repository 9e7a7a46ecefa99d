// The wire format's reader and writer (RFC 8446 §3): big-endian integers and length-prefixed vectors.

import { allocBytes } from '../bytes.js';
import { fatal } from './alerts.js';

/**
 * Reads a TLS structure. Every read is bounds-checked; running off the end is the peer's fault,
 * so it is a decode_error alert (RFC 8446 §6.2), never a RangeError.
 */
export class Reader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) throw fatal('decode_error', `truncated ${what}: ${n} bytes wanted, ${this.end - this.pos} left`);
  }

  u8(what = 'uint8'): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  u16(what = 'uint16'): number {
    this.need(2, what);
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u24(what = 'uint24'): number {
    this.need(3, what);
    const v = (this.buf[this.pos] << 16) | (this.buf[this.pos + 1] << 8) | this.buf[this.pos + 2];
    this.pos += 3;
    return v;
  }

  u32(what = 'uint32'): number {
    this.need(4, what);
    const v = ((this.buf[this.pos] << 24) >>> 0) + ((this.buf[this.pos + 1] << 16) | (this.buf[this.pos + 2] << 8) | this.buf[this.pos + 3]);
    this.pos += 4;
    return v;
  }

  /** A view (not a copy) of the next n bytes. */
  bytes(n: number, what = 'opaque'): Uint8Array {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** opaque x<min..2^8-1> */
  vec8(what: string, min = 0): Uint8Array {
    return this.checked(this.bytes(this.u8(what), what), min, what);
  }

  /** opaque x<min..2^16-1> */
  vec16(what: string, min = 0): Uint8Array {
    return this.checked(this.bytes(this.u16(what), what), min, what);
  }

  /** opaque x<min..2^24-1> */
  vec24(what: string, min = 0): Uint8Array {
    return this.checked(this.bytes(this.u24(what), what), min, what);
  }

  private checked(v: Uint8Array, min: number, what: string): Uint8Array {
    if (v.length < min) throw fatal('decode_error', `${what} is shorter than its minimum of ${min} bytes`);
    return v;
  }

  /** A reader over a length-prefixed sub-structure: vector<…> of elements. */
  sub(lengthBytes: 1 | 2 | 3, what: string, min = 0): Reader {
    const v = lengthBytes === 1 ? this.vec8(what, min) : lengthBytes === 2 ? this.vec16(what, min) : this.vec24(what, min);
    return new Reader(v);
  }

  /** Bytes left over after a structure are a decode_error (RFC 8446 §4: messages are parsed exactly). */
  expectEnd(what: string): void {
    if (this.pos !== this.end) throw fatal('decode_error', `${this.end - this.pos} trailing bytes after ${what}`);
  }
}

/** Builds a TLS structure in one growing buffer; vectors get their length filled in when closed. */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initial = 256) {
    // Not zeroed: every byte before pos is written (a vector's length is filled in when it closes).
    this.buf = allocBytes(initial);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = allocBytes(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u24(v: number): this {
    this.room(3);
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  bytes(v: Uint8Array): this {
    this.room(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** A vector with a 1-, 2- or 3-byte length prefix whose body `body` writes. */
  vec(lengthBytes: 1 | 2 | 3, body: (w: this) => void): this {
    this.room(lengthBytes);
    const at = this.pos;
    this.pos += lengthBytes;
    body(this);
    const n = this.pos - at - lengthBytes;
    const max = lengthBytes === 1 ? 0xff : lengthBytes === 2 ? 0xffff : 0xffffff;
    if (n > max) throw new RangeError(`vector of ${n} bytes does not fit a ${lengthBytes}-byte length`);
    for (let i = lengthBytes - 1, v = n; i >= 0; i--, v >>>= 8) this.buf[at + i] = v & 0xff;
    return this;
  }

  vec8(v: Uint8Array): this {
    return this.vec(1, (w) => w.bytes(v));
  }

  vec16(v: Uint8Array): this {
    return this.vec(2, (w) => w.bytes(v));
  }

  vec24(v: Uint8Array): this {
    return this.vec(3, (w) => w.bytes(v));
  }

  /** The bytes written, as a copy the caller owns. */
  finish(): Uint8Array {
    const out = allocBytes(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    return out;
  }
}



/** Runs `f` on a fresh Writer and returns what it wrote. */
export function build(f: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  f(w);
  return w.finish();
}

/** Reads `data` completely with `f`: leftovers are a decode_error (RFC 8446 §4: a length must match its content). */
export function parseAll<T>(data: Uint8Array, what: string, f: (r: Reader) => T): T {
  const r = new Reader(data);
  const v = f(r);
  r.expectEnd(what);
  return v;
}

/** A vector of uint16 already cut out of its length prefix (cipher_suites, NamedGroupList, SignatureSchemeList). */
export function readU16List(r: Reader, what: string): number[] {
  if (r.remaining % 2) throw fatal('decode_error', `${what} has an odd length`);
  const out: number[] = [];
  while (r.remaining > 0) out.push(r.u16(what));
  return out;
}
