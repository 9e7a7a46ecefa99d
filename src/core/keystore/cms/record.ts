// One CMS record: its DER (IBM's own SEQUENCE), its slot layout and the five SHA-1 digests.
//
// Record DER, as IBM writes it (format facts, "Record slots"):
//   SEQUENCE {
//     INTEGER recordNumber,
//     CHOICE { [1] EXPLICIT Certificate,
//              [2] EXPLICIT SEQUENCE { Certificate, EncryptedPrivateKeyInfo },
//              [0] request (unverified), [3] secret (unverified) },
//     VisibleString label,
//     BIT STRING flags }
// Slot: recordType u32 (1), recordNumber u32, derLength u32, der, labelLength u32, label,
// reserved u32, then five (u32 20, SHA-1) pairs, then zero padding to the record length.

import type { CryptoProvider } from '../../crypto/provider.js';
import { badInput, usage, type KymanError } from '../../errors.js';
import * as DER from '../../der/writer.js';
import { isConstructed, TAG_CLASS, tagClassOf, tagNumberOf, tryReadTlv, valueOf, wholeOf } from '../../der/reader.js';
import { issuerAndSerialNumber, sliceCertificate } from './certificate-parts.js';
import { equalBytes } from '../../bytes.js';
import type { CmsRecord, CmsRecordKind, CmsVersion } from './types.js';

const RECORD_TYPE = 1;
const DIGEST_COUNT = 5;
const DIGEST_SIZE = 20;
/** Five (u32 length, SHA-1) pairs. */
const DIGESTS_SIZE = DIGEST_COUNT * (4 + DIGEST_SIZE);
/** recordType, recordNumber, derLength before the DER; labelLength and reserved after it. */
const FIXED_FIELDS_SIZE = 4 + 4 + 4 + 4 + 4;

const CHOICE_KIND: Readonly<Record<number, CmsRecordKind>> = { 0: 'request', 1: 'certificate', 2: 'key-pair', 3: 'secret' };

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The digest block (five pairs, 120 bytes) each certificate read from a file came with, keyed by
 * the certificate view handed out. Saving a database rewrites every slot, and recomputing five
 * SHA-1 and re-slicing each certificate is most of that work; a certificate that comes back
 * unchanged (the same view: callers do not edit certificate bytes in place) reuses its block.
 * The integrity MAC covered the block when it was read.
 */
const digestsRead = new WeakMap<Uint8Array, Uint8Array>();
const utf8Encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Flags

/**
 * Flag bits from a BIT STRING's content (unused-bits octet, then the bits, first bit = bit 0).
 * Undefined when the unused-bits octet is impossible.
 */
function decodeFlags(content: Uint8Array): { trusted: boolean; isDefault: boolean; otherFlags: number } | undefined {
  if (content.length === 0) return undefined;
  const unused = content[0];
  if (unused > 7 || (content.length === 1 && unused !== 0)) return undefined;
  const bitCount = (content.length - 1) * 8 - unused;
  const bit = (i: number) => i < bitCount && (content[1 + (i >> 3)] & (0x80 >> (i & 7))) !== 0;
  let otherFlags = 0;
  // Bits past 52 could not be held in a number; no IBM record has more than two.
  for (let i = 2; i < Math.min(bitCount, 53); i++) if (bit(i)) otherFlags += 2 ** i;
  return { trusted: bit(0), isDefault: bit(1), otherFlags };
}

/**
 * The flags as a DER named-bit BIT STRING: trailing zero bits dropped, so trusted is `07 80` and
 * trusted + default `06 C0`, exactly as the samples hold them. No flag at all is `03 01 00`
 * (*unverified*: no sample has an untrusted record).
 */
function encodeFlags(record: CmsRecord): Uint8Array {
  const bits: number[] = [];
  if (record.trusted) bits.push(0);
  if (record.isDefault) bits.push(1);
  const other = record.otherFlags ?? 0;
  for (let i = 2; i < 53 && 2 ** i <= other; i++) if (Math.floor(other / 2 ** i) % 2 === 1) bits.push(i);
  if (bits.length === 0) return DER.tlv(DER.TAG.BIT_STRING, Uint8Array.of(0));
  const bitCount = bits[bits.length - 1] + 1;
  const bytes = new Uint8Array(Math.ceil(bitCount / 8));
  for (const i of bits) bytes[i >> 3] |= 0x80 >> (i & 7);
  return DER.tlv(DER.TAG.BIT_STRING, Uint8Array.of(bytes.length * 8 - bitCount), bytes);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** A record encoded for slot `recordNumber`, ready to be placed. */
export interface PreparedSlot {
  readonly record: CmsRecord;
  readonly recordNumber: number;
  readonly der: Uint8Array;
  readonly label: Uint8Array;
  /** The bytes after the reserved field when they are carried, not computed (raw kinds). */
  readonly tail?: Uint8Array;
  /** Bytes the slot needs, padding excluded. */
  readonly size: number;
}

/** A whole DER SEQUENCE, or an error naming what it should have been. */
function singleSequence(der: Uint8Array | undefined, what: string, label: string): Uint8Array {
  if (!der) throw usage(`entry "${label}" has no ${what}`);
  const tlv = tryReadTlv(der, 0, der.length, DER.TAG.SEQUENCE);
  if (!tlv || tlv.end !== der.length) throw badInput(`entry "${label}": its ${what} is not DER`);
  return der;
}

/** The CHOICE element of a raw record DER (the part kyman carries without modelling it). */
function rawChoice(record: CmsRecord): Uint8Array {
  const raw = record.raw;
  if (!raw) throw usage(`entry "${record.label}" is a ${record.kind} record kept as it was read, but its DER is missing`);
  const seq = tryReadTlv(raw, 0, raw.length, DER.TAG.SEQUENCE);
  const int = seq && tryReadTlv(raw, seq.valueStart, seq.end, DER.TAG.INTEGER);
  const choice = int && tryReadTlv(raw, int.end, seq.end);
  if (!choice || tagClassOf(choice.tag) !== TAG_CLASS.CONTEXT) throw badInput(`entry "${record.label}": its record DER is not a CMS record`);
  return wholeOf(raw, choice);
}

/** The record CHOICE's alternatives, context-specific and constructed: [1] a certificate, [2] a key pair. */
const CHOICE_CERTIFICATE = 0xa1;
const CHOICE_KEY_PAIR = 0xa2;

/** The CHOICE element's DER, the record's own parts carried as they are. */
function choiceElement(record: CmsRecord): Uint8Array {
  switch (record.kind) {
    case 'certificate':
      return DER.tlv(CHOICE_CERTIFICATE, singleSequence(record.certificate, 'certificate', record.label));
    case 'key-pair':
      return DER.tlv(
        CHOICE_KEY_PAIR,
        DER.sequence(
          singleSequence(record.certificate, 'certificate', record.label),
          singleSequence(record.encryptedPrivateKey, 'encrypted private key', record.label),
        ),
      );
    default:
      return rawChoice(record);
  }
}

/** Encodes a record for slot `recordNumber` (1-based) without placing it. */
export function prepareSlot(record: CmsRecord, recordNumber: number): PreparedSlot {
  if (!record.label) throw usage('an entry needs a label');
  const label = utf8Encoder.encode(record.label);
  // Written with the DER writer, not asn1js, which took ~120 µs a record: more than the rest of
  // writing a slot. The VisibleString holds the label's own bytes (UTF-8, as the slot holds it).
  const der = DER.sequence(DER.integer(recordNumber), choiceElement(record), DER.tlv(DER.TAG.VISIBLE_STRING, label), encodeFlags(record));
  const modelled = record.kind === 'certificate' || record.kind === 'key-pair';
  // A raw record read without its slot tail gets five empty pairs (u32 20, 20 zero bytes):
  // *unverified*, no IBM file with such a record has been seen.
  const tail = modelled ? undefined : (record.slotTail ?? emptyDigests());
  const size = FIXED_FIELDS_SIZE + der.length + label.length + (tail ? tail.length : DIGESTS_SIZE);
  return { record, recordNumber, der, label, tail, size };
}

function emptyDigests(): Uint8Array {
  const out = new Uint8Array(DIGESTS_SIZE);
  const view = new DataView(out.buffer);
  for (let i = 0; i < DIGEST_COUNT; i++) view.setUint32(i * (4 + DIGEST_SIZE), DIGEST_SIZE);
  return out;
}

/** Bytes `record` needs in its slot when it is record number `recordNumber` (1-based). */
export function recordSize(record: CmsRecord, recordNumber: number): number {
  return prepareSlot(record, recordNumber).size;
}

/**
 * The five digests, in slot order: signature BIT STRING, tbsCertificate, subject, SPKI,
 * SEQUENCE { issuer, serialNumber }; each over the whole TLV.
 */
export function certificateDigests(provider: CryptoProvider, certificate: Uint8Array): Uint8Array[] | undefined {
  const parts = sliceCertificate(certificate);
  if (!parts) return undefined;
  return [
    parts.signatureValue,
    parts.tbsCertificate,
    parts.subject,
    parts.subjectPublicKeyInfo,
    issuerAndSerialNumber(parts.issuer, parts.serialNumber),
  ].map((tlv) => provider.hash('SHA-1', tlv));
}

/** Places a prepared record in the slot at `offset`; the slot must be zeroed and big enough. */
export function writeSlot(provider: CryptoProvider, out: Uint8Array, offset: number, version: CmsVersion, slot: PreparedSlot): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let p = offset;
  view.setUint32(p, RECORD_TYPE);
  view.setUint32(p + 4, slot.recordNumber);
  view.setUint32(p + 8, slot.der.length);
  p += 12;
  out.set(slot.der, p);
  p += slot.der.length;
  view.setUint32(p, slot.label.length);
  out.set(slot.label, p + 4);
  p += 4 + slot.label.length;
  // Reserved: GSKit 8 writes 0; the z/OS gskkyman v3 sample holds the record number here.
  view.setUint32(p, version === 3 ? slot.recordNumber : 0);
  p += 4;
  if (slot.tail) {
    out.set(slot.tail, p);
    return;
  }
  const known = digestsRead.get(slot.record.certificate!);
  if (known) {
    out.set(known, p);
    return;
  }
  const digests = certificateDigests(provider, slot.record.certificate!);
  if (!digests) throw badInput(`entry "${slot.record.label}": its certificate is not an X.509 certificate kyman can read`);
  for (const digest of digests) {
    view.setUint32(p, DIGEST_SIZE);
    out.set(digest, p + 4);
    p += 4 + DIGEST_SIZE;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface SlotReadContext {
  /** The whole file. */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly recordLength: number;
  /** When set, the five digests are recomputed and compared (costs five SHA-1 a record). */
  readonly digestProvider?: CryptoProvider;
  /** Makes the error for a slot that is not what IBM writes. */
  readonly damaged: (recordNumber: number, what: string) => KymanError;
}

/** An INTEGER's value when it is a small non-negative one, else -1. */
function smallInteger(content: Uint8Array): number {
  if (content.length === 0 || content.length > 5 || content[0] & 0x80) return -1;
  let value = 0;
  for (const b of content) value = value * 256 + b;
  return value;
}

/** Drops trailing zero bytes (slot padding). */
function trimZeros(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
}

/**
 * Reads the slot at `offset`, which must hold record `recordNumber` (1-based). Certificates and
 * keys come back as views into the file's bytes: nothing is copied or parsed further.
 */
export function readSlot(ctx: SlotReadContext, offset: number, recordNumber: number): CmsRecord {
  const { bytes, view, recordLength } = ctx;
  const damaged = (what: string) => ctx.damaged(recordNumber, what);
  const end = offset + recordLength;
  if (recordLength < FIXED_FIELDS_SIZE) throw damaged('its slot is too small to hold a record');

  const recordType = view.getUint32(offset);
  if (recordType !== RECORD_TYPE) throw damaged(`its record type is ${recordType}, which kyman does not know`);
  const number = view.getUint32(offset + 4);
  if (number !== recordNumber) throw damaged(`its slot holds record number ${number}`);
  const derLength = view.getUint32(offset + 8);
  let p = offset + 12;
  if (derLength > end - p - 8) throw damaged('its DER runs past the end of its slot');
  const derEnd = p + derLength;

  // The record DER.
  const seq = tryReadTlv(bytes, p, derEnd, DER.TAG.SEQUENCE);
  if (!seq || seq.end !== derEnd) throw damaged('its DER is not a SEQUENCE of the length its slot gives');
  const int = tryReadTlv(bytes, seq.valueStart, seq.end, DER.TAG.INTEGER);
  if (!int || smallInteger(valueOf(bytes, int)) !== recordNumber) throw damaged('its DER holds another record number');
  const choice = tryReadTlv(bytes, int.end, seq.end);
  if (!choice || tagClassOf(choice.tag) !== TAG_CLASS.CONTEXT || !isConstructed(choice.tag)) throw damaged('its DER holds no [n] entry element');
  const labelTlv = tryReadTlv(bytes, choice.end, seq.end, DER.TAG.VISIBLE_STRING);
  const flagsTlv = labelTlv && tryReadTlv(bytes, labelTlv.end, seq.end, DER.TAG.BIT_STRING);
  if (!labelTlv || !flagsTlv || flagsTlv.end !== seq.end) throw damaged('its DER does not end in a label and flags');
  const flags = decodeFlags(valueOf(bytes, flagsTlv));
  if (!flags) throw damaged('its flags are not a BIT STRING');

  // The label, then the reserved field.
  p = derEnd;
  const labelLength = view.getUint32(p);
  p += 4;
  if (labelLength > end - p - 4) throw damaged('its label runs past the end of its slot');
  const labelBytes = bytes.subarray(p, p + labelLength);
  if (!equalBytes(labelBytes, valueOf(bytes, labelTlv))) throw damaged('the label in its slot differs from the label in its DER');
  let label: string;
  try {
    label = utf8Decoder.decode(labelBytes);
  } catch {
    throw damaged('its label is not UTF-8');
  }
  p += labelLength + 4; // reserved: not checked, GSKit 8 and z/OS put different things there

  const kind: CmsRecordKind = CHOICE_KIND[tagNumberOf(choice.tag)] ?? 'unknown';
  const record: CmsRecord = { label, kind, trusted: flags.trusted, isDefault: flags.isDefault };
  if (flags.otherFlags) record.otherFlags = flags.otherFlags;

  if (kind !== 'certificate' && kind !== 'key-pair') {
    record.raw = bytes.subarray(offset + 12, derEnd);
    record.slotTail = trimZeros(bytes.subarray(p, end));
    return record;
  }

  if (kind === 'certificate') {
    const certificate = tryReadTlv(bytes, choice.valueStart, choice.end, DER.TAG.SEQUENCE);
    if (!certificate || certificate.end !== choice.end) throw damaged('its [1] element is not one certificate');
    record.certificate = wholeOf(bytes, certificate);
  } else {
    const pair = tryReadTlv(bytes, choice.valueStart, choice.end, DER.TAG.SEQUENCE);
    const certificate = pair && tryReadTlv(bytes, pair.valueStart, pair.end, DER.TAG.SEQUENCE);
    const key = pair && certificate && tryReadTlv(bytes, certificate.end, pair.end, DER.TAG.SEQUENCE);
    if (!pair || pair.end !== choice.end || !certificate || !key || key.end !== pair.end) {
      throw damaged('its [2] element is not a certificate and an encrypted private key');
    }
    record.certificate = wholeOf(bytes, certificate);
    record.encryptedPrivateKey = wholeOf(bytes, key);
  }

  // The five digests.
  if (p + DIGESTS_SIZE > end) throw damaged('its digests run past the end of its slot');
  for (let i = 0; i < DIGEST_COUNT; i++) {
    if (view.getUint32(p + i * (4 + DIGEST_SIZE)) !== DIGEST_SIZE) throw damaged('its digests are not five SHA-1 values');
  }
  if (ctx.digestProvider) {
    const digests = certificateDigests(ctx.digestProvider, record.certificate!);
    if (!digests) throw damaged('its certificate is not an X.509 certificate');
    digests.forEach((digest, i) => {
      const at = p + i * (4 + DIGEST_SIZE) + 4;
      if (!equalBytes(digest, bytes.subarray(at, at + DIGEST_SIZE))) throw damaged(`its certificate digest ${i + 1} does not match`);
    });
  }
  digestsRead.set(record.certificate!, bytes.subarray(p, p + DIGESTS_SIZE));
  return record;
}
