// The parts of a certificate a CMS slot's digests cover, sliced out of its DER without parsing what is inside them.
//
// Reading must stay fast on databases of thousands of entries, and asn1js.fromBER parses every
// node of a certificate (about 350 µs a record, 3.5 s for 10,000). So records are read by walking
// only the few TLV headers needed (core/der) and handing out subarrays of the file; certificates
// are parsed later, by whoever wants them.

import { tryReadTlv, wholeOf } from '../../der/reader.js';
import { sequence, TAG } from '../../der/writer.js';

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
  const { SEQUENCE, BIT_STRING, INTEGER } = TAG;
  const cert = tryReadTlv(der, 0, der.length, SEQUENCE);
  if (!cert || cert.end !== der.length) return undefined;
  const tbs = tryReadTlv(der, cert.valueStart, cert.end, SEQUENCE);
  if (!tbs) return undefined;
  const sigAlg = tryReadTlv(der, tbs.end, cert.end, SEQUENCE);
  if (!sigAlg) return undefined;
  const sig = tryReadTlv(der, sigAlg.end, cert.end, BIT_STRING);
  if (!sig || sig.end !== cert.end) return undefined;

  let next = tryReadTlv(der, tbs.valueStart, tbs.end);
  // version [0]: any context-specific tag number 0, as the record reader has always taken it
  if (next && (next.tag & 0xdf) === 0x80) next = tryReadTlv(der, next.end, tbs.end);
  const serial = next && (next.tag & 0xdf) === INTEGER ? next : undefined; // either form, as before
  if (!serial) return undefined;
  const signature = tryReadTlv(der, serial.end, tbs.end, SEQUENCE);
  const issuer = signature && tryReadTlv(der, signature.end, tbs.end, SEQUENCE);
  const validity = issuer && tryReadTlv(der, issuer.end, tbs.end, SEQUENCE);
  const subject = validity && tryReadTlv(der, validity.end, tbs.end, SEQUENCE);
  const spki = subject && tryReadTlv(der, subject.end, tbs.end, SEQUENCE);
  if (!issuer || !subject || !spki) return undefined;
  return {
    tbsCertificate: wholeOf(der, tbs),
    signatureValue: wholeOf(der, sig),
    serialNumber: wholeOf(der, serial),
    issuer: wholeOf(der, issuer),
    subject: wholeOf(der, subject),
    subjectPublicKeyInfo: wholeOf(der, spki),
  };
}

/** SEQUENCE { issuer Name, serialNumber } — CMS's IssuerAndSerialNumber — from the two TLVs as they are. */
export function issuerAndSerialNumber(issuer: Uint8Array, serialNumber: Uint8Array): Uint8Array {
  return sequence(issuer, serialNumber);
}
