// The DER reader every layer shares: tag-length-value headers, read in place without building a tree (X.690).
//
// asn1js.fromBER spends ~55 µs on a three-attribute Name and ~300 µs on a certificate; listing
// 10,000 entries must take well under a second, so the read-only hot paths (formatName,
// summarizeCertificate, CMS records, a TLS peer's key kind) walk TLV headers here instead and hand
// out offsets into the caller's buffer. Structures that are easier to read with a schema still go
// through @peculiar/asn1-schema.

import { badInput } from '../errors.js';

/** One DER tag-length-value: `der[valueStart, end)` is the contents, `der[start, end)` the whole. */
export interface Tlv {
  /** The identifier octet: class (top two bits), constructed (0x20) and a low tag number. */
  readonly tag: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

/** The identifier octet's class bits (X.690 §8.1.2.2). */
export const TAG_CLASS = { UNIVERSAL: 0x00, APPLICATION: 0x40, CONTEXT: 0x80, PRIVATE: 0xc0 } as const;
/** The identifier octet's constructed bit (X.690 §8.1.2.5). */
export const CONSTRUCTED = 0x20;

export const tagClassOf = (tag: number): number => tag & 0xc0;
export const isConstructed = (tag: number): boolean => (tag & CONSTRUCTED) !== 0;
/** The tag number of a low-number tag (0–30). */
export const tagNumberOf = (tag: number): number => tag & 0x1f;
/** `[n]` context-specific, constructed unless told: the identifier octet of an EXPLICIT or constructed IMPLICIT tag. */
export const contextTag = (n: number, constructed = true): number => TAG_CLASS.CONTEXT | (constructed ? CONSTRUCTED : 0) | n;

/** DER lengths over 16 MiB are not certificates, keys or records; refusing them keeps the arithmetic exact. */
export const MAX_DER_LENGTH_OCTETS = 3;

/**
 * Reads the TLV at `offset`, which must end by `limit` (its container's end). Only what DER and
 * the structures kyman reads use: low tag numbers (0–30) and definite lengths (X.690 §10.1
 * forbids the indefinite form in DER). BAD_INPUT otherwise.
 */
export function readTlv(der: Uint8Array, offset: number, limit: number = der.length): Tlv {
  if (offset + 2 > limit) throw badInput(`truncated DER at offset ${offset}`);
  const tag = der[offset];
  if ((tag & 0x1f) === 0x1f) throw badInput(`unsupported high-number DER tag at offset ${offset}`);
  let length = der[offset + 1];
  let valueStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0) throw badInput(`indefinite length at offset ${offset}: not DER`);
    if (octets > MAX_DER_LENGTH_OCTETS || valueStart + octets > limit) throw badInput(`bad DER length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[valueStart + i];
    valueStart += octets;
  }
  const end = valueStart + length;
  if (end > limit) throw badInput(`DER value at offset ${offset} runs past its container`);
  return { tag, start: offset, valueStart, end };
}

/** Reads the TLV at `offset` and insists on its tag; `what` names it in the error. */
export function expectTlv(der: Uint8Array, offset: number, limit: number, tag: number, what: string): Tlv {
  const tlv = readTlv(der, offset, limit);
  if (tlv.tag !== tag) throw badInput(`expected ${what} at offset ${offset}`);
  return tlv;
}

/**
 * The TLV at `offset`, or undefined when there is none there that fits by `limit` (or, with
 * `tag`, none of that tag): for readers that turn any misfit into one error of their own.
 */
export function tryReadTlv(der: Uint8Array, offset: number, limit: number, tag?: number): Tlv | undefined {
  if (offset >= limit) return undefined;
  let tlv: Tlv;
  try {
    tlv = readTlv(der, offset, limit);
  } catch {
    return undefined;
  }
  return tag === undefined || tlv.tag === tag ? tlv : undefined;
}

/** The TLVs inside a constructed `tlv`, in order; BAD_INPUT when they do not fill it exactly. */
export function childrenOf(der: Uint8Array, tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = tlv.valueStart; p < tlv.end; ) {
    const child = readTlv(der, p, tlv.end);
    out.push(child);
    p = child.end;
  }
  return out;
}

/** The contents of `tlv`, as a view (no copy). */
export const valueOf = (der: Uint8Array, tlv: Tlv): Uint8Array => der.subarray(tlv.valueStart, tlv.end);
/** The whole of `tlv`, header included, as a view (no copy). */
export const wholeOf = (der: Uint8Array, tlv: Tlv): Uint8Array => der.subarray(tlv.start, tlv.end);

/**
 * The number of octets a BER tag and length take at `offset`, or -1 when there is no well-formed
 * header. Unlike readTlv it accepts the indefinite form, since it only sniffs formats that other
 * tools write in BER (a PKCS #7 bundle).
 */
export function berHeaderLength(bytes: Uint8Array, offset: number): number {
  if (offset + 2 > bytes.length) return -1;
  const l = bytes[offset + 1];
  if (l <= 0x80) return 2; // short form, or BER indefinite length
  const n = l & 0x7f;
  return n > 4 || offset + 2 + n > bytes.length ? -1 : 2 + n;
}

/** Dotted-decimal text of an OBJECT IDENTIFIER's contents `der[start, end)` (X.690 §8.19). */
export function decodeOid(der: Uint8Array, start: number, end: number): string {
  if (start >= end || (der[end - 1] & 0x80) !== 0) throw badInput(`malformed OBJECT IDENTIFIER at offset ${start}`);
  let text = '';
  let value = 0;
  let big: bigint | undefined;
  let first = true;
  for (let i = start; i < end; i++) {
    const b = der[i];
    if (big !== undefined) big = (big << 7n) | BigInt(b & 0x7f);
    else if (value > 0x3ffffffffff) big = (BigInt(value) << 7n) | BigInt(b & 0x7f); // past 2^42: stay exact
    else value = value * 128 + (b & 0x7f);
    if (b & 0x80) continue;
    const arc = big ?? BigInt(value);
    if (first) {
      // The first octets carry two arcs: 40 * X + Y, with X at most 2 (X.690 §8.19.4).
      const x = arc < 40n ? 0n : arc < 80n ? 1n : 2n;
      text = `${x}.${arc - 40n * x}`;
      first = false;
    } else {
      text += `.${big ?? value}`;
    }
    value = 0;
    big = undefined;
  }
  return text;
}

/** The dotted text of the OBJECT IDENTIFIER `tlv` (tag checked). */
export function readOid(der: Uint8Array, tlv: Tlv, what = 'an OBJECT IDENTIFIER'): string {
  if (tlv.tag !== 0x06) throw badInput(`expected ${what} at offset ${tlv.start}`);
  return decodeOid(der, tlv.valueStart, tlv.end);
}
