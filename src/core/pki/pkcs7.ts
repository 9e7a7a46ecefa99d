// PKCS #7 / CMS "certs-only" bundles (RFC 5652 §5, degenerate SignedData): certificates in and out.

import { AsnAnyConverter, AsnConvert, type IAsnParseOptions } from '@peculiar/asn1-schema';
import { CertificateChoices, CertificateSet, ContentInfo, EncapsulatedContentInfo, SignedData, id_data, id_signedData } from '@peculiar/asn1-cms';
import type { Certificate } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { KymanError, badInput } from '../errors.js';
import { decodePem, isPem } from './pem.js';

/**
 * asn1js's defaults (10 000 nodes, 16 MiB) are a guard for untrusted input of unknown size; a
 * bundle of a few hundred certificates passes 10 000 nodes, and a node takes at least two bytes,
 * so the input's own length bounds the work. Embedded OCTET STRING contents are not parsed: we
 * never need them parsed, and skipping them saves the time.
 */
export function derOptions(length: number): IAsnParseOptions {
  return { berOptions: { maxNodes: Math.max(10_000, length), maxContentLength: Math.max(16 << 20, length), parseEmbedded: false } };
}

/** Whether DER bytes start like a ContentInfo: SEQUENCE { OBJECT IDENTIFIER 1.2.840.113549.1.7.… */
export function isPkcs7(bytes: Uint8Array): boolean {
  if (bytes.length < 16 || bytes[0] !== 0x30) return false;
  const i = headerLength(bytes, 0);
  if (i < 0) return false;
  // 06 09 2A 86 48 86 F7 0D 01 07 xx: the pkcs-7 arc.
  const oid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07];
  return oid.every((b, k) => bytes[i + k] === b);
}

/** Bytes taken by a tag and length at `offset`, or -1 when there is no well-formed header. */
function headerLength(bytes: Uint8Array, offset: number): number {
  if (offset + 2 > bytes.length) return -1;
  const l = bytes[offset + 1];
  if (l < 0x80) return 2;
  if (l === 0x80) return 2; // BER indefinite length
  const n = l & 0x7f;
  return n > 4 || offset + 2 + n > bytes.length ? -1 : 2 + n;
}

/**
 * The certificates in a PKCS #7 / CMS SignedData, DER or PEM (`PKCS7`, `CMS`, `PKCS #7 SIGNED DATA`
 * blocks, several allowed). Each comes back byte for byte as the bundle holds it. Signers,
 * CRLs and content are ignored: a bundle is a way to carry certificates.
 */
export function readPkcs7(input: Uint8Array): Uint8Array[] {
  if (input.length > 0 && input[0] !== 0x30 && isPem(input)) {
    const blocks = decodePem(input).filter((b) => PKCS7_LABELS.has(b.label));
    if (blocks.length === 0) throw badInput('no PKCS7 or CMS block in the PEM text');
    return blocks.flatMap((b) => readPkcs7Der(b.der));
  }
  return readPkcs7Der(input);
}

/** PEM labels under which PKCS #7 certificate bundles travel (RFC 7468 §8 and older OpenSSL). */
export const PKCS7_LABELS: ReadonlySet<string> = new Set(['PKCS7', 'CMS', 'PKCS #7 SIGNED DATA']);

/** The certificates of one DER (or BER) ContentInfo holding a SignedData. */
export function readPkcs7Der(der: Uint8Array): Uint8Array[] {
  let info: ContentInfo;
  try {
    info = AsnConvert.parse(der, ContentInfo, derOptions(der.length));
  } catch (e) {
    throw badInput('not a PKCS #7 file, or it is damaged', e);
  }
  if (info.contentType !== id_signedData) {
    throw badInput(`the PKCS #7 content is ${info.contentType}, not SignedData: it holds no certificates`);
  }
  try {
    // Parsing with the RFC 5652 schema checks the structure; the certificate bytes are then taken
    // from the same BER tree, untouched, because a re-encoded certificate could differ from the
    // signed original (an explicit `critical FALSE`, a non-minimal length) and stop verifying.
    AsnConvert.parse(info.content, SignedData, derOptions(info.content.byteLength));
    const parsed = asn1js.fromBER(info.content, { ...derOptions(info.content.byteLength).berOptions, copyInput: false });
    const fields = (parsed.result as asn1js.Sequence).valueBlock.value;
    const set = fields.find((f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 0);
    if (!set) return [];
    const certs: Uint8Array[] = [];
    for (const c of (set as asn1js.Constructed).valueBlock.value) {
      // CertificateChoices: only the plain `certificate` alternative (a universal SEQUENCE) is
      // an X.509 certificate; [1]/[2]/[3] are attribute certificates and other formats.
      if (c.idBlock.tagClass === 1 && c.idBlock.tagNumber === 16) certs.push(new Uint8Array(c.valueBeforeDecodeView));
    }
    return certs;
  } catch (e) {
    if (e instanceof KymanError) throw e;
    throw badInput('the PKCS #7 SignedData is damaged', e);
  }
}

/**
 * A certificate that serializes to its own bytes: asn1-cms's CertificateChoices wants a parsed
 * Certificate, and parsing then serializing one need not give back the signed bytes.
 */
class EncodedCertificate {
  constructor(private readonly der: Uint8Array) {}

  // AsnAnyConverter hands back a block of asn1-schema's own asn1js, which its serializer needs
  // (kyman's asn1js, the one pkijs uses, is another major version).
  toASN(): ReturnType<typeof AsnAnyConverter.toASN> {
    return AsnAnyConverter.toASN(this.der.slice().buffer);
  }

  fromASN(): this {
    return this;
  }

  toSchema(): ReturnType<typeof AsnAnyConverter.toASN> {
    return this.toASN();
  }
}

/**
 * A certs-only SignedData in a ContentInfo (DER), as `openssl crl2pkcs7 -nocrl` writes it:
 * version 1, no digest algorithms, id-data content absent, no signers (RFC 5652 §5.1: a
 * degenerate SignedData carries certificates only).
 */
export function writePkcs7(certificates: readonly Uint8Array[]): Uint8Array {
  certificates.forEach((der, i) => {
    const r = asn1js.fromBER(der, { ...derOptions(der.length).berOptions, copyInput: false });
    if (r.offset !== der.length || !(r.result instanceof asn1js.Sequence)) {
      throw badInput(`certificate ${i + 1} to bundle is not one DER SEQUENCE`);
    }
  });
  const signed = new SignedData({
    version: 1,
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data }),
    certificates: new CertificateSet(
      certificates.map((der) => new CertificateChoices({ certificate: new EncodedCertificate(der) as unknown as Certificate })),
    ),
  });
  const info = new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signed) });
  return new Uint8Array(AsnConvert.serialize(info));
}
