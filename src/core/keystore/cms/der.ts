// DER slicing and splicing for CMS records: find a TLV's bounds without parsing what is inside it.
//
// Reading must stay fast on databases of thousands of entries, and asn1js.fromBER parses every
// node of a certificate (about 350 µs a record, 3.5 s for 10,000). So records are read by walking
// only the few TLV headers needed and handing out subarrays of the file; certificates are parsed
// later, by whoever wants them.

import * as asn1js from 'asn1js';
import { sequence } from '../../pki/der-writer.js';
import { readTlv } from '../../pki/name.js';

/** One TLV's place in a buffer. `start`: identifier octet; `contentStart`..`end`: the content. */
export interface Tlv {
  readonly tagClass: number; // asn1js numbering: 1 universal, 2 application, 3 context, 4 private
  readonly tagNumber: number;
  readonly constructed: boolean;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export const UNIVERSAL = 1;
export const CONTEXT = 3;
export const TAG = { INTEGER: 2, BIT_STRING: 3, SEQUENCE: 16, VISIBLE_STRING: 26 } as const;

/** Reads TLV headers from one buffer, with pki's DER header reader (no allocation beyond the result). */
export class TlvReader {
  constructor(readonly bytes: Uint8Array) {}

  /**
   * The TLV that starts at `offset` and must end by `limit`, or undefined when the bytes there
   * are no definite-length, low-tag-number TLV that fits (DER has no indefinite lengths, and no
   * CMS record uses a tag above 30).
   */
  at(offset: number, limit: number): Tlv | undefined {
    if (offset >= limit) return undefined;
    let tlv;
    try {
      tlv = readTlv(this.bytes, offset, limit);
    } catch {
      return undefined;
    }
    // asn1js numbering for the class (1 universal, 2 application, 3 context, 4 private), which the rest of this folder uses.
    return { tagClass: (tlv.tag >> 6) + 1, tagNumber: tlv.tag & 0x1f, constructed: (tlv.tag & 0x20) !== 0, start: offset, contentStart: tlv.valueStart, end: tlv.end };
  }

  /** The TLV at `offset` if it has this class, number and form. */
  expect(offset: number, limit: number, tagClass: number, tagNumber: number, constructed: boolean): Tlv | undefined {
    const tlv = this.at(offset, limit);
    if (!tlv || tlv.tagClass !== tagClass || tlv.tagNumber !== tagNumber || tlv.constructed !== constructed) return undefined;
    return tlv;
  }

  /** The whole TLV's bytes, as a view (no copy). */
  whole(tlv: Tlv): Uint8Array {
    return this.bytes.subarray(tlv.start, tlv.end);
  }

  content(tlv: Tlv): Uint8Array {
    return this.bytes.subarray(tlv.contentStart, tlv.end);
  }
}

/**
 * A TLV already encoded elsewhere (a certificate, an EncryptedPrivateKeyInfo), placed inside an
 * asn1js structure byte for byte. Re-encoding a certificate through a parser risks changing it
 * and costs a full parse; carrying it as it is does neither.
 */
export class PreEncoded extends asn1js.BaseBlock {
  constructor(private readonly der: Uint8Array) {
    super();
  }

  override toBER(_sizeOnly?: boolean, writer?: asn1js.ViewWriter): ArrayBuffer {
    if (writer) {
      writer.write(this.der);
      return new ArrayBuffer(0);
    }
    return new Uint8Array(this.der).buffer;
  }
}

/** The parts of an X.509 certificate the five slot digests cover (RFC 5280 §4.1). */
export interface CertificateParts {
  tbsCertificate: Uint8Array;
  signatureValue: Uint8Array;
  serialNumber: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  subjectPublicKeyInfo: Uint8Array;
}

/**
 * Slices a Certificate DER into the TLVs the digests cover, or returns undefined when it is not
 * shaped like one. Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue };
 * TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity,
 * subject, subjectPublicKeyInfo, ... }.
 */
export function sliceCertificate(der: Uint8Array): CertificateParts | undefined {
  const r = new TlvReader(der);
  const cert = r.expect(0, der.length, UNIVERSAL, TAG.SEQUENCE, true);
  if (!cert || cert.end !== der.length) return undefined;
  const tbs = r.expect(cert.contentStart, cert.end, UNIVERSAL, TAG.SEQUENCE, true);
  if (!tbs) return undefined;
  const sigAlg = r.expect(tbs.end, cert.end, UNIVERSAL, TAG.SEQUENCE, true);
  if (!sigAlg) return undefined;
  const sig = r.expect(sigAlg.end, cert.end, UNIVERSAL, TAG.BIT_STRING, false);
  if (!sig || sig.end !== cert.end) return undefined;

  let next = r.at(tbs.contentStart, tbs.end);
  if (next && next.tagClass === CONTEXT && next.tagNumber === 0) next = r.at(next.end, tbs.end); // version
  const serial = next && next.tagClass === UNIVERSAL && next.tagNumber === TAG.INTEGER ? next : undefined;
  if (!serial) return undefined;
  const signature = r.expect(serial.end, tbs.end, UNIVERSAL, TAG.SEQUENCE, true);
  const issuer = signature && r.expect(signature.end, tbs.end, UNIVERSAL, TAG.SEQUENCE, true);
  const validity = issuer && r.expect(issuer.end, tbs.end, UNIVERSAL, TAG.SEQUENCE, true);
  const subject = validity && r.expect(validity.end, tbs.end, UNIVERSAL, TAG.SEQUENCE, true);
  const spki = subject && r.expect(subject.end, tbs.end, UNIVERSAL, TAG.SEQUENCE, true);
  if (!issuer || !subject || !spki) return undefined;
  return {
    tbsCertificate: r.whole(tbs),
    signatureValue: r.whole(sig),
    serialNumber: r.whole(serial),
    issuer: r.whole(issuer),
    subject: r.whole(subject),
    subjectPublicKeyInfo: r.whole(spki),
  };
}

/** SEQUENCE { issuer Name, serialNumber } — CMS's IssuerAndSerialNumber — from the two TLVs as they are. */
export function issuerAndSerialNumber(issuer: Uint8Array, serialNumber: Uint8Array): Uint8Array {
  return sequence(issuer, serialNumber);
}
