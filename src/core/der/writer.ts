// The DER writer for everything kyman writes: TLVs assembled from parts already encoded or fixed (X.690).
//
// @peculiar/asn1-schema builds a tree of asn1js objects and walks it twice to write a few hundred
// bytes: about a millisecond for a small certificate, most of the cost of issuing one. The shapes
// kyman writes are fixed and most parts come already encoded (a TBSCertificate, an
// EncryptedPrivateKeyInfo, a CMS record, a PKCS #12 bag), so writing the TLVs directly is far
// cheaper, and one writer means one set of DER rules (minimal INTEGERs, definite lengths, sorted
// SET OF members where the caller sorts them). The schema classes only read.

import { utf16beBytes } from '../bytes.js';

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OBJECT_IDENTIFIER: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Octets the definite length `n` takes (X.690 §8.1.3). */
function lengthSize(n: number): number {
  if (n < 0x80) return 1;
  let octets = 0;
  for (let m = n; m > 0; m = Math.floor(m / 256)) octets++;
  return 1 + octets;
}

function writeLength(out: Uint8Array, at: number, n: number): number {
  if (n < 0x80) {
    out[at] = n;
    return at + 1;
  }
  const size = lengthSize(n) - 1;
  out[at] = 0x80 | size;
  for (let i = size; i > 0; i--) {
    out[at + i] = n & 0xff;
    n = Math.floor(n / 256);
  }
  return at + 1 + size;
}

/** One TLV with a low-number tag whose contents are `parts`, one after another. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(1 + lengthSize(length) + length);
  out[0] = tag;
  let at = writeLength(out, 1, length);
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const sequence = (...parts: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, ...parts);

/** A non-negative INTEGER in its minimal form (X.690 §8.3.2): a zero octet first when the top bit is set. */
export function integer(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a non-negative integer: ${value}`);
  const octets: number[] = [];
  do {
    octets.unshift(value % 256);
    value = Math.floor(value / 256);
  } while (value > 0);
  if (octets[0] & 0x80) octets.unshift(0);
  return tlv(TAG.INTEGER, Uint8Array.from(octets));
}

/**
 * A non-negative INTEGER from an unsigned big-endian magnitude (an RSA modulus, an ECDSA r or s):
 * leading zero octets dropped, one put back where the top bit is set (X.690 §8.3.2).
 */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const minimal = magnitude.subarray(i);
  if (minimal.length === 0) return tlv(TAG.INTEGER, Uint8Array.of(0));
  return minimal[0] & 0x80 ? tlv(TAG.INTEGER, Uint8Array.of(0), minimal) : tlv(TAG.INTEGER, minimal);
}

/** An INTEGER from the content octets a caller has already made minimal. */
export const integerOctets = (content: Uint8Array): Uint8Array => tlv(TAG.INTEGER, content);

/** Bounded: OIDs can come from what people type (name attributes, key purposes). */
const OID_CACHE_SIZE = 1024;
const oids = new Map<string, Uint8Array>();

/** An OBJECT IDENTIFIER TLV from dotted text (X.690 §8.19); the same few recur, so each is encoded once. */
export function oid(dotted: string): Uint8Array {
  let der = oids.get(dotted);
  if (der) return der;
  if (!/^\d+(\.\d+)+$/.test(dotted)) throw new RangeError(`not an object identifier: ${dotted}`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs[0] > 2n || (arcs[0] < 2n && arcs[1] >= 40n)) throw new RangeError(`not an object identifier: ${dotted}`);
  const content: number[] = [];
  for (const arc of [arcs[0] * 40n + arcs[1], ...arcs.slice(2)]) {
    const base128 = [Number(arc & 0x7fn)];
    for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) base128.unshift(Number(rest & 0x7fn) | 0x80);
    content.push(...base128);
  }
  der = tlv(TAG.OBJECT_IDENTIFIER, Uint8Array.from(content));
  if (oids.size < OID_CACHE_SIZE) oids.set(dotted, der);
  return der;
}

export const BOOLEAN_TRUE = Uint8Array.of(TAG.BOOLEAN, 1, 0xff);
export const NULL = Uint8Array.of(TAG.NULL, 0);
export const EMPTY = new Uint8Array(0);

/** A BIT STRING whose every bit is content (no unused bits): a signature, a public key. */
export const bitString = (bytes: Uint8Array): Uint8Array => tlv(TAG.BIT_STRING, Uint8Array.of(0), bytes);

export const octetString = (bytes: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, bytes);

/** One octet a UTF-16 code unit, its low eight bits: the string types whose characters are octets (PrintableString, IA5String, TeletexString). */
export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/**
 * A BMPString (X.680 §41.16): each UTF-16 code unit as two octets, big-endian. Characters beyond
 * the BMP come out as their surrogate pairs, as OpenSSL and Java write a PKCS #12 friendlyName.
 */
export function bmpString(text: string): Uint8Array {
  return tlv(TAG.BMP_STRING, utf16beBytes(text));
}

/** A UniversalString (X.680 §41.16): each code point as four octets, big-endian (UCS-4). */
export function universalString(text: string): Uint8Array {
  const points = Array.from(text, (c) => c.codePointAt(0)!);
  const content = new Uint8Array(points.length * 4);
  const view = new DataView(content.buffer);
  points.forEach((p, i) => view.setUint32(4 * i, p));
  return tlv(TAG.UNIVERSAL_STRING, content);
}

/**
 * RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) for 1950 through 2049, GeneralizedTime
 * (YYYYMMDDHHMMSSZ) otherwise; seconds always present, no fraction, always Z.
 */
export function time(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  const two = (n: number) => String(n).padStart(2, '0');
  const rest = two(date.getUTCMonth() + 1) + two(date.getUTCDate()) + two(date.getUTCHours()) + two(date.getUTCMinutes()) + two(date.getUTCSeconds()) + 'Z';
  return year >= 1950 && year <= 2049
    ? tlv(TAG.UTC_TIME, latin1Bytes(two(year % 100) + rest))
    : tlv(TAG.GENERALIZED_TIME, latin1Bytes(String(year).padStart(4, '0') + rest));
}
