// PKCS #7 / CMS "certs-only" bundles (RFC 5652 §5, degenerate SignedData): certificates in and out.

import {
  AsnAnyConverter,
  AsnArray,
  AsnParser,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
  type IAsnConvertible,
  type IAsnParseOptions,
} from '@peculiar/asn1-schema';
import { CertificateSet, ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { KymanError, badInput } from '../errors.js';
import { berHeaderLength, contextTag, readTlv } from '../der/reader.js';
import * as DER from '../der/writer.js';
import { OID } from '../der/oids.js';
import { decodePem, isPem } from './pem.js';

// ---------------------------------------------------------------------------------------------
// Parsing helpers the PKCS #7 and PKCS #12 readers share

/**
 * asn1js's defaults (10 000 nodes, 16 MiB) are a guard for untrusted input of unknown size; a
 * bundle of a few hundred certificates passes 10 000 nodes, and a node takes at least two bytes,
 * so the input's own length bounds the work. Embedded OCTET STRING contents are not parsed: we
 * never need them parsed, and skipping them saves the time.
 */
export function derOptions(length: number): IAsnParseOptions {
  return { berOptions: { maxNodes: Math.max(10_000, length), maxContentLength: Math.max(16 << 20, length), parseEmbedded: false } };
}

/** A node of the BER tree asn1-schema's asn1js builds (that asn1js is another major version than kyman's). */
export type BerNode = ReturnType<typeof AsnAnyConverter.toASN>;

interface BerTree {
  idBlock: { tagClass: number; tagNumber: number; isConstructed: boolean };
  valueBlock: { value?: BerTree[] };
  valueBeforeDecodeView: Uint8Array;
}
const tree = (node: BerNode) => node as unknown as BerTree;

/**
 * A DER value kept as asn1-schema parsed it: lets a parsed tree be mapped onto several classes
 * without parsing the bytes again.
 */
export class EncodedValue implements IAsnConvertible {
  private node!: BerNode;

  static parse(der: ArrayBuffer | Uint8Array): EncodedValue {
    return AsnParser.parse(der, EncodedValue, derOptions(der.byteLength));
  }

  fromASN(asn: BerNode): this {
    this.node = asn;
    return this;
  }

  toASN(): BerNode {
    return this.node;
  }

  toSchema(): BerNode {
    return this.node;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Whether DER bytes start like a ContentInfo: SEQUENCE { OBJECT IDENTIFIER 1.2.840.113549.1.7.… */
export function isPkcs7(bytes: Uint8Array): boolean {
  if (bytes.length < 16 || bytes[0] !== 0x30) return false;
  const i = berHeaderLength(bytes, 0);
  if (i < 0) return false;
  // 06 09 2A 86 48 86 F7 0D 01 07 xx: a content type under the pkcs-7 arc.
  const prefix = PKCS7_ARC_PREFIX;
  return prefix.every((b, k) => bytes[i + k] === b);
}

/** An OBJECT IDENTIFIER TLV's first octets for any OID one arc under pkcs-7 (its length octet counts that arc). */
const PKCS7_ARC_PREFIX = (() => {
  const arc = DER.oid(OID.pkcs_7);
  return [arc[0], arc[1] + 1, ...arc.subarray(2)];
})();

/** PEM labels under which PKCS #7 certificate bundles travel (RFC 7468 §8 and older OpenSSL). */
export const PKCS7_LABELS: ReadonlySet<string> = new Set(['PKCS7', 'CMS', 'PKCS #7 SIGNED DATA']);

/**
 * The certificates in a PKCS #7 / CMS SignedData, DER or PEM (`PKCS7`, `CMS`, `PKCS #7 SIGNED DATA`
 * blocks, several allowed). Each comes back byte for byte as the bundle holds it. Signers,
 * CRLs and content are ignored: a bundle is a way to carry certificates.
 */
export function readPkcs7(input: Uint8Array): Uint8Array[] {
  if (isPem(input)) {
    const blocks = decodePem(input).filter((b) => PKCS7_LABELS.has(b.label));
    if (blocks.length === 0) throw badInput('no PKCS7 or CMS block in the PEM text');
    return blocks.flatMap((b) => readPkcs7Der(b.der));
  }
  return readPkcs7Der(input);
}

/** RFC 5652 §10.2.1 CertificateSet, each member kept as its bytes. */
@AsnType({ type: AsnTypeTypes.Set, itemType: AsnPropTypes.Any })
class EncodedCertificateSet extends AsnArray<ArrayBuffer> {
  constructor(items?: ArrayBuffer[]) {
    super(items);
    Object.setPrototypeOf(this, EncodedCertificateSet.prototype);
  }
}

/**
 * asn1-cms's SignedData with the certificates left as bytes. Mapping each certificate onto
 * asn1-x509's classes costs more than a millisecond a certificate, and re-encoding a mapped
 * certificate need not give back the signed bytes (an explicit `critical FALSE`, a non-minimal
 * length), so a bundle reader takes the bytes.
 */
class SignedDataCertificates extends SignedData {
  @AsnProp({ type: EncodedCertificateSet, context: 0, implicit: true, optional: true })
  override certificates?: CertificateSet = undefined; // holds an EncodedCertificateSet at run time
}

/** The certificates of one DER (or BER) ContentInfo holding a SignedData; not checked as X.509 here. */
export function readPkcs7Der(der: Uint8Array): Uint8Array[] {
  let node: BerTree;
  let info: ContentInfo;
  try {
    const parsed = EncodedValue.parse(der);
    node = tree(parsed.toASN());
    info = AsnParser.fromASN(parsed.toASN(), ContentInfo);
  } catch (e) {
    throw badInput('not a PKCS #7 file, or it is damaged', e);
  }
  if (info.contentType !== OID.id_signedData) {
    throw badInput(`the PKCS #7 content is ${info.contentType}, not SignedData: it holds no certificates`);
  }
  try {
    // ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY }: map the tree already
    // parsed rather than parse `info.content` again.
    const content = node.valueBlock.value![1].valueBlock.value![0];
    const signed = AsnParser.fromASN(content as unknown as BerNode, SignedDataCertificates);
    const set = (signed.certificates ?? []) as unknown as ArrayBuffer[];
    // CertificateChoices: only the plain `certificate` alternative (a universal SEQUENCE) is an
    // X.509 certificate; [1]/[2]/[3] are attribute certificates and other formats.
    return Array.from(set, (c) => new Uint8Array(c)).filter((c) => c[0] === 0x30);
  } catch (e) {
    if (e instanceof KymanError) throw e;
    throw badInput('the PKCS #7 SignedData is damaged', e);
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * A certs-only SignedData in a ContentInfo (DER), as `openssl crl2pkcs7 -nocrl` writes it:
 * version 1, no digest algorithms, id-data content absent, no signers (RFC 5652 §5.1: a
 * degenerate SignedData carries certificates only). The certificates go in as given.
 */
export function writePkcs7(certificates: readonly Uint8Array[]): Uint8Array {
  certificates.forEach((der, i) => {
    let tlv;
    try {
      tlv = readTlv(der, 0);
    } catch (e) {
      throw badInput(`certificate ${i + 1} to bundle is not DER`, e);
    }
    if (tlv.tag !== DER.TAG.SEQUENCE || tlv.end !== der.length) throw badInput(`certificate ${i + 1} to bundle is not one DER SEQUENCE`);
  });
  // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo, certificates [0] IMPLICIT SET OF OPTIONAL, signerInfos SET }
  const signed = DER.sequence(
    DER.integer(1),
    DER.tlv(DER.TAG.SET),
    DER.sequence(DER.oid(OID.id_data)),
    DER.tlv(contextTag(0), ...certificates),
    DER.tlv(DER.TAG.SET),
  );
  // ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY }
  return DER.sequence(DER.oid(OID.id_signedData), DER.tlv(contextTag(0), signed));
}
