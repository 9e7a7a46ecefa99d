// X.509 certificates (RFC 5280): reading them for people, summarising them fast, and issuing them through a CryptoProvider.

import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CertificatePolicies,
  CRLDistributionPoints,
  ExtendedKeyUsage,
  GeneralName,
  GeneralSubtrees,
  IssueAlternativeName,
  KeyUsage,
  KeyUsageFlags,
  NameConstraints,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import type { CryptoProvider, HashAlgorithm, NamedCurve, PrivateKeyHandle, SignatureScheme } from '../crypto/provider.js';
import { describeKey } from '../crypto/provider.js';
import { badInput, failed, KymanError, usage } from '../errors.js';
import * as DER from './der-writer.js';
import { formatGeneralName, parseIpAddress, parseSubjectAltName } from './general-name.js';
import { decodeOid, encodeName, expectTlv, formatNameAt, namesMatch, parseName, readTlv, type Tlv } from './name.js';
import { toHex } from '../bytes.js';

// ---------------------------------------------------------------------------------------------
// Object identifiers and names
// ---------------------------------------------------------------------------------------------

const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1'; // RFC 8017 Appendix C
const OID_RSASSA_PSS = '1.2.840.113549.1.1.10'; // RFC 4055 §3.1
const OID_MGF1 = '1.2.840.113549.1.1.8'; // RFC 4055 §2.2
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1'; // RFC 5480 §2.1.1
const OID_ED25519 = '1.3.101.112'; // RFC 8410 §3

const CURVE_BY_OID: Readonly<Record<string, NamedCurve>> = {
  '1.2.840.10045.3.1.7': 'P-256', // RFC 5480 §2.1.1.1 secp256r1
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

const KEY_ALGORITHM_NAMES: Readonly<Record<string, string>> = {
  '1.3.101.113': 'Ed448',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
  '1.2.840.10040.4.1': 'DSA',
  '1.2.840.10046.2.1': 'DH',
};

const HASH_OID: Readonly<Record<HashAlgorithm, string>> = {
  MD5: '1.2.840.113549.2.5',
  'SHA-1': '1.3.14.3.2.26',
  'SHA-256': '2.16.840.1.101.3.4.2.1', // RFC 5754 §2
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
};
const HASH_BY_OID = new Map(Object.entries(HASH_OID).map(([h, oid]) => [oid, h as HashAlgorithm]));
const HASH_LENGTH: Readonly<Record<HashAlgorithm, number>> = { MD5: 16, 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/** Signature algorithms by OID, with the names OpenSSL prints and the scheme that verifies them. */
const SIGNATURE_ALGORITHMS: ReadonlyArray<{ oid: string; name: string; scheme?: SignatureScheme }> = [
  { oid: '1.2.840.113549.1.1.4', name: 'md5WithRSAEncryption', scheme: { type: 'rsa-pkcs1', hash: 'MD5' } },
  { oid: '1.2.840.113549.1.1.5', name: 'sha1WithRSAEncryption', scheme: { type: 'rsa-pkcs1', hash: 'SHA-1' } },
  { oid: '1.2.840.113549.1.1.14', name: 'sha224WithRSAEncryption' },
  { oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', scheme: { type: 'rsa-pkcs1', hash: 'SHA-256' } }, // RFC 4055 §5
  { oid: '1.2.840.113549.1.1.12', name: 'sha384WithRSAEncryption', scheme: { type: 'rsa-pkcs1', hash: 'SHA-384' } },
  { oid: '1.2.840.113549.1.1.13', name: 'sha512WithRSAEncryption', scheme: { type: 'rsa-pkcs1', hash: 'SHA-512' } },
  { oid: '1.2.840.10045.4.1', name: 'ecdsa-with-SHA1', scheme: { type: 'ecdsa', hash: 'SHA-1' } },
  { oid: '1.2.840.10045.4.3.1', name: 'ecdsa-with-SHA224' },
  { oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256', scheme: { type: 'ecdsa', hash: 'SHA-256' } }, // RFC 5758 §3.2
  { oid: '1.2.840.10045.4.3.3', name: 'ecdsa-with-SHA384', scheme: { type: 'ecdsa', hash: 'SHA-384' } },
  { oid: '1.2.840.10045.4.3.4', name: 'ecdsa-with-SHA512', scheme: { type: 'ecdsa', hash: 'SHA-512' } },
  { oid: OID_ED25519, name: 'Ed25519', scheme: { type: 'ed25519' } }, // RFC 8410 §3
  { oid: '1.3.101.113', name: 'Ed448' },
  { oid: '1.2.840.10040.4.3', name: 'dsa-with-SHA1' },
  { oid: '2.16.840.1.101.3.4.3.2', name: 'dsa_with_SHA256' },
];
const SIGNATURE_BY_OID = new Map(SIGNATURE_ALGORITHMS.map((a) => [a.oid, a]));

const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXTENDED_KEY_USAGE = '2.5.29.37';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_ISSUER_ALT_NAME = '2.5.29.18';
const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
const OID_CERTIFICATE_POLICIES = '2.5.29.32';
const OID_NAME_CONSTRAINTS = '2.5.29.30';
const OID_AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';

/** Extension names as OpenSSL's configuration spells them, which is what people search for. */
const EXTENSION_NAMES: Readonly<Record<string, string>> = {
  [OID_BASIC_CONSTRAINTS]: 'basicConstraints',
  [OID_KEY_USAGE]: 'keyUsage',
  [OID_EXTENDED_KEY_USAGE]: 'extendedKeyUsage',
  [OID_SUBJECT_ALT_NAME]: 'subjectAltName',
  [OID_ISSUER_ALT_NAME]: 'issuerAltName',
  [OID_SUBJECT_KEY_IDENTIFIER]: 'subjectKeyIdentifier',
  [OID_AUTHORITY_KEY_IDENTIFIER]: 'authorityKeyIdentifier',
  [OID_CRL_DISTRIBUTION_POINTS]: 'crlDistributionPoints',
  [OID_CERTIFICATE_POLICIES]: 'certificatePolicies',
  [OID_NAME_CONSTRAINTS]: 'nameConstraints',
  [OID_AUTHORITY_INFO_ACCESS]: 'authorityInfoAccess',
  '1.3.6.1.5.5.7.1.11': 'subjectInfoAccess',
  '1.3.6.1.5.5.7.1.24': 'tlsfeature',
  '2.5.29.16': 'privateKeyUsagePeriod',
  '2.5.29.33': 'policyMappings',
  '2.5.29.36': 'policyConstraints',
  '2.5.29.54': 'inhibitAnyPolicy',
  '1.3.6.1.4.1.11129.2.4.2': 'ctPrecertificateSCTs', // RFC 6962 §3.3
  '1.3.6.1.4.1.11129.2.4.3': 'ctPrecertificatePoison',
  '2.16.840.1.113730.1.1': 'nsCertType',
  '2.16.840.1.113730.1.13': 'nsComment',
};

/** RFC 5280 §4.2.1.3 names, in bit order, with the words `openssl x509 -text` uses. */
const KEY_USAGES: ReadonlyArray<{ name: string; flag: KeyUsageFlags; words: string }> = [
  { name: 'digitalSignature', flag: KeyUsageFlags.digitalSignature, words: 'Digital Signature' },
  { name: 'nonRepudiation', flag: KeyUsageFlags.nonRepudiation, words: 'Non Repudiation' },
  { name: 'keyEncipherment', flag: KeyUsageFlags.keyEncipherment, words: 'Key Encipherment' },
  { name: 'dataEncipherment', flag: KeyUsageFlags.dataEncipherment, words: 'Data Encipherment' },
  { name: 'keyAgreement', flag: KeyUsageFlags.keyAgreement, words: 'Key Agreement' },
  { name: 'keyCertSign', flag: KeyUsageFlags.keyCertSign, words: 'Certificate Sign' },
  { name: 'cRLSign', flag: KeyUsageFlags.cRLSign, words: 'CRL Sign' },
  { name: 'encipherOnly', flag: KeyUsageFlags.encipherOnly, words: 'Encipher Only' },
  { name: 'decipherOnly', flag: KeyUsageFlags.decipherOnly, words: 'Decipher Only' },
];
// X.509 (2019) renamed nonRepudiation to contentCommitment; accept both when reading options.
const KEY_USAGE_BY_NAME = new Map([
  ...KEY_USAGES.map((k) => [k.name.toLowerCase(), k] as const),
  ['contentcommitment', KEY_USAGES[1]] as const,
]);

/** RFC 5280 §4.2.1.12 key purposes, with OpenSSL's long names for the -text rendering. */
const EXTENDED_KEY_USAGES: ReadonlyArray<{ name: string; oid: string; words: string }> = [
  { name: 'serverAuth', oid: '1.3.6.1.5.5.7.3.1', words: 'TLS Web Server Authentication' },
  { name: 'clientAuth', oid: '1.3.6.1.5.5.7.3.2', words: 'TLS Web Client Authentication' },
  { name: 'codeSigning', oid: '1.3.6.1.5.5.7.3.3', words: 'Code Signing' },
  { name: 'emailProtection', oid: '1.3.6.1.5.5.7.3.4', words: 'E-mail Protection' },
  { name: 'timeStamping', oid: '1.3.6.1.5.5.7.3.8', words: 'Time Stamping' },
  { name: 'OCSPSigning', oid: '1.3.6.1.5.5.7.3.9', words: 'OCSP Signing' },
  { name: 'anyExtendedKeyUsage', oid: '2.5.29.37.0', words: 'Any Extended Key Usage' },
];
const EKU_BY_OID = new Map(EXTENDED_KEY_USAGES.map((e) => [e.oid, e]));
const EKU_BY_NAME = new Map(EXTENDED_KEY_USAGES.map((e) => [e.name.toLowerCase(), e]));

const ACCESS_METHODS: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.48.1': 'OCSP',
  '1.3.6.1.5.5.7.48.2': 'CA Issuers',
};

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface PublicKeyInfo {
  type: 'rsa' | 'ec' | 'ed25519' | 'other';
  curve?: NamedCurve;
  bits?: number;
  algorithmOid: string;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
}

export interface CertificateExtensionInfo {
  oid: string;
  name: string;
  critical: boolean;
  /** A one- or multi-line rendering, like `openssl x509 -text`. */
  value: string;
}

export interface CertificateInfo {
  der: Uint8Array;
  version: number;
  /** Lower-case hex, no colons, no sign octet. */
  serialNumber: string;
  /** RFC 4514. */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: PublicKeyInfo;
  /** A name people know: `ecdsa-with-SHA256`, `sha256WithRSAEncryption`, `RSASSA-PSS (SHA-256)`, `Ed25519`. */
  signatureAlgorithm: string;
  /** The subject names the issuer and the signature verifies with the certificate's own key. */
  selfSigned: boolean;
  isCA: boolean;
  pathLength?: number;
  /** `dns:…`, `ip:…`, `email:…`, `uri:…`. */
  subjectAltNames: string[];
  /** RFC 5280 names: digitalSignature, keyCertSign … */
  keyUsage: string[];
  /** serverAuth, clientAuth …, or the dotted OID. */
  extendedKeyUsage: string[];
  /** Lower-case hex. */
  subjectKeyIdentifier?: string;
  authorityKeyIdentifier?: string;
  extensions: CertificateExtensionInfo[];
  /** Upper-case hex with colons, as `openssl x509 -fingerprint` prints them. */
  fingerprints: { sha1: string; sha256: string };
}

export interface CertificateSummary {
  subject: string;
  notAfter: Date;
  /** `EC P-256`, `RSA 2048`, `Ed25519`. */
  keyType: string;
  isCA: boolean;
  spki: Uint8Array;
}

export type SignatureHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface CertificateOptions {
  /** RFC 4514. */
  subject: string;
  /** The subject's key handle, or its SubjectPublicKeyInfo DER when a CA certifies someone else's key. */
  subjectKey: PrivateKeyHandle | Uint8Array;
  /** Absent: self-signed with `subjectKey`, which must then be a handle. */
  issuer?: { certificate: Uint8Array; key: PrivateKeyHandle };
  /** Default: 16 random bytes with the top bit cleared, so the INTEGER stays positive. */
  serialNumber?: Uint8Array;
  notBefore?: Date;
  notAfter?: Date;
  /** Validity in days from notBefore (when given) or from now; default 365. */
  days?: number;
  /** The injected clock. */
  now?: Date;
  /** `dns:…`, `ip:…`, `email:…`, `uri:…` specs. */
  subjectAltNames?: string[];
  ca?: boolean;
  pathLength?: number;
  keyUsage?: string[];
  extendedKeyUsage?: string[];
  /** Default: SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521. */
  signatureHash?: SignatureHash;
  /** Sign with RSASSA-PSS instead of PKCS #1 v1.5 when the issuer key is RSA. */
  rsaPss?: boolean;
}

// ---------------------------------------------------------------------------------------------
// The certificate's skeleton, read without building objects
// ---------------------------------------------------------------------------------------------

/** Where each top-level field of a certificate sits in its DER. */
interface CertificateLayout {
  readonly tbs: Tlv;
  readonly version: number;
  readonly serialNumber: Tlv;
  readonly innerSignature: Tlv;
  readonly issuer: Tlv;
  readonly notBefore: Tlv;
  readonly notAfter: Tlv;
  readonly subject: Tlv;
  readonly subjectPublicKeyInfo: Tlv;
  /** The SEQUENCE OF Extension inside `[3]`. */
  readonly extensions?: Tlv;
  readonly signatureAlgorithm: Tlv;
  readonly signatureValue: Tlv;
}

const PEM_PREFIX = [0x2d, 0x2d, 0x2d, 0x2d, 0x2d]; // "-----"

/** RFC 5280 §4.1 Certificate and TBSCertificate, field by field; BAD_INPUT when it is not one. */
function layoutCertificate(der: Uint8Array): CertificateLayout {
  try {
    return walkCertificate(der);
  } catch (e) {
    if (e instanceof KymanError && e.code === 'BAD_INPUT') {
      const pem = PEM_PREFIX.every((b, i) => der[i] === b);
      throw badInput(pem ? 'not a DER certificate: this is PEM text; decode it first' : `not a DER X.509 certificate: ${e.message}`, e);
    }
    throw e;
  }
}

function walkCertificate(der: Uint8Array): CertificateLayout {
  const cert = expectTlv(der, 0, der.length, 0x30, 'a Certificate SEQUENCE');
  if (cert.end !== der.length) throw badInput(`${der.length - cert.end} bytes follow the certificate`);
  const tbs = expectTlv(der, cert.valueStart, cert.end, 0x30, 'a TBSCertificate SEQUENCE');
  let p = tbs.valueStart;
  let field = readTlv(der, p, tbs.end);
  let version = 1;
  if (field.tag === 0xa0) {
    const v = expectTlv(der, field.valueStart, field.end, 0x02, 'the version INTEGER');
    if (v.end - v.valueStart !== 1 || der[v.valueStart] > 2) throw badInput('unknown certificate version');
    version = der[v.valueStart] + 1;
    p = field.end;
    field = readTlv(der, p, tbs.end);
  }
  if (field.tag !== 0x02 || field.end === field.valueStart) throw badInput('expected the serialNumber INTEGER');
  const serialNumber = field;
  const innerSignature = expectTlv(der, serialNumber.end, tbs.end, 0x30, 'the signature AlgorithmIdentifier');
  const issuer = expectTlv(der, innerSignature.end, tbs.end, 0x30, 'the issuer Name');
  const validity = expectTlv(der, issuer.end, tbs.end, 0x30, 'the Validity SEQUENCE');
  const notBefore = readTlv(der, validity.valueStart, validity.end);
  const notAfter = readTlv(der, notBefore.end, validity.end);
  if (notAfter.end !== validity.end) throw badInput('extra data in Validity');
  const subject = expectTlv(der, validity.end, tbs.end, 0x30, 'the subject Name');
  const subjectPublicKeyInfo = expectTlv(der, subject.end, tbs.end, 0x30, 'the SubjectPublicKeyInfo');
  p = subjectPublicKeyInfo.end;
  let extensions: Tlv | undefined;
  // issuerUniqueID [1], subjectUniqueID [2], extensions [3] (RFC 5280 §4.1.2.8, §4.1.2.9)
  for (const tag of [0x81, 0xa1, 0x82, 0xa2, 0xa3]) {
    if (p >= tbs.end) break;
    field = readTlv(der, p, tbs.end);
    if (field.tag !== tag) continue;
    if (tag === 0xa3) {
      extensions = expectTlv(der, field.valueStart, field.end, 0x30, 'the Extensions SEQUENCE');
      if (extensions.end !== field.end) throw badInput('extra data after the Extensions');
    }
    p = field.end;
  }
  if (p !== tbs.end) throw badInput(`unexpected data at offset ${p} in the TBSCertificate`);
  const signatureAlgorithm = expectTlv(der, tbs.end, cert.end, 0x30, 'the signatureAlgorithm');
  const signatureValue = expectTlv(der, signatureAlgorithm.end, cert.end, 0x03, 'the signatureValue BIT STRING');
  if (signatureValue.end !== cert.end) throw badInput('extra data after the signatureValue');
  return {
    tbs,
    version,
    serialNumber,
    innerSignature,
    issuer,
    notBefore: timeTlv(notBefore),
    notAfter: timeTlv(notAfter),
    subject,
    subjectPublicKeyInfo,
    extensions,
    signatureAlgorithm,
    signatureValue,
  };
}

function timeTlv(t: Tlv): Tlv {
  if (t.tag !== 0x17 && t.tag !== 0x18) throw badInput(`expected a UTCTime or GeneralizedTime at offset ${t.start}`);
  return t;
}

const UTC_TIME = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(Z|[+-]\d{4})$/;
const GENERALIZED_TIME = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)?(\d\d)?(?:[.,](\d+))?(Z|[+-]\d{4})?$/;

/** RFC 5280 §4.1.2.5: UTCTime years 50–99 are 19xx, 00–49 are 20xx. A zone offset is applied, not assumed Z. */
function readTime(der: Uint8Array, t: Tlv): Date {
  let s = '';
  for (let i = t.valueStart; i < t.end; i++) s += String.fromCharCode(der[i]);
  const m = t.tag === 0x17 ? UTC_TIME.exec(s) : GENERALIZED_TIME.exec(s);
  if (!m) throw badInput(`bad ${t.tag === 0x17 ? 'UTCTime' : 'GeneralizedTime'} "${s}"`);
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5] ?? '0', m[6] ?? '0'].map(Number);
  const fraction = t.tag === 0x18 && m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const zone = t.tag === 0x17 ? m[7] : m[8];
  const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second, fraction));
  // Date.UTC rolls 31 February over into March; a real time does not.
  if (local.getUTCMonth() !== month - 1 || local.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw badInput(`bad time "${s}"`);
  }
  if (!zone || zone === 'Z') return local;
  const offset = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  return new Date(local.getTime() - (zone[0] === '+' ? offset : -offset));
}

/** The algorithm, curve and size of a SubjectPublicKeyInfo. */
function readPublicKey(der: Uint8Array, spki: Tlv): Omit<PublicKeyInfo, 'spki'> {
  const alg = expectTlv(der, spki.valueStart, spki.end, 0x30, 'the key AlgorithmIdentifier');
  const oid = expectTlv(der, alg.valueStart, alg.end, 0x06, 'the key algorithm OID');
  const bits = expectTlv(der, alg.end, spki.end, 0x03, 'the subjectPublicKey BIT STRING');
  const algorithmOid = decodeOid(der, oid.valueStart, oid.end);
  switch (algorithmOid) {
    case OID_RSA_ENCRYPTION:
    case OID_RSASSA_PSS: {
      // RFC 8017 Appendix A.1.1 RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
      const key = expectTlv(der, bits.valueStart + 1, bits.end, 0x30, 'an RSAPublicKey');
      const modulus = expectTlv(der, key.valueStart, key.end, 0x02, 'the RSA modulus');
      let i = modulus.valueStart;
      while (i < modulus.end && der[i] === 0) i++;
      const size = i < modulus.end ? (modulus.end - i - 1) * 8 + (32 - Math.clz32(der[i])) : 0;
      return { type: 'rsa', bits: size, algorithmOid };
    }
    case OID_EC_PUBLIC_KEY: {
      // RFC 5480 §2.1.1: parameters are the namedCurve OID.
      const params = oid.end < alg.end ? readTlv(der, oid.end, alg.end) : undefined;
      const curve = params?.tag === 0x06 ? CURVE_BY_OID[decodeOid(der, params.valueStart, params.end)] : undefined;
      return curve ? { type: 'ec', curve, algorithmOid } : { type: 'ec', algorithmOid };
    }
    case OID_ED25519:
      return { type: 'ed25519', algorithmOid };
    default:
      return { type: 'other', algorithmOid };
  }
}

/** `EC P-256`, `RSA 2048`, `Ed25519`; other algorithms by name or OID. */
export function describePublicKey(key: Pick<PublicKeyInfo, 'type' | 'curve' | 'bits' | 'algorithmOid'>): string {
  if (key.type === 'other') return KEY_ALGORITHM_NAMES[key.algorithmOid] ?? key.algorithmOid;
  if (key.type === 'ec' && !key.curve) return 'EC (unnamed curve)';
  return describeKey(key as { type: 'rsa' | 'ec' | 'ed25519'; curve?: NamedCurve; bits?: number });
}

const BASIC_CONSTRAINTS_OID_OCTETS = [0x55, 0x1d, 0x13];

/** basicConstraints cA, straight from the DER: the only extension a listing needs. */
function readIsCA(der: Uint8Array, extensions: Tlv | undefined): boolean {
  if (!extensions) return false;
  for (let p = extensions.valueStart; p < extensions.end; ) {
    const ext = expectTlv(der, p, extensions.end, 0x30, 'an Extension');
    const oid = expectTlv(der, ext.valueStart, ext.end, 0x06, 'an extension OID');
    if (oid.end - oid.valueStart === 3 && BASIC_CONSTRAINTS_OID_OCTETS.every((b, i) => der[oid.valueStart + i] === b)) {
      let value = readTlv(der, oid.end, ext.end);
      if (value.tag === 0x01) value = readTlv(der, value.end, ext.end);
      if (value.tag !== 0x04) throw badInput('malformed basicConstraints extension');
      const seq = expectTlv(der, value.valueStart, value.end, 0x30, 'BasicConstraints');
      if (seq.valueStart === seq.end) return false;
      const first = readTlv(der, seq.valueStart, seq.end);
      return first.tag === 0x01 && first.end - first.valueStart === 1 && der[first.valueStart] !== 0;
    }
    p = ext.end;
  }
  return false;
}

/** Lower-case hex of a DER INTEGER's magnitude, `-` first when negative. */
function serialHex(der: Uint8Array, t: Tlv): string {
  const bytes = der.subarray(t.valueStart, t.end);
  if (bytes[0] & 0x80) {
    let n = 0n;
    for (const b of bytes) n = (n << 8n) | BigInt(b);
    n -= 1n << BigInt(bytes.length * 8);
    return `-${(-n).toString(16)}`;
  }
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return toHex(bytes.subarray(i));
}

const upperColonHex = (bytes: Uint8Array) => toHex(bytes, ':').toUpperCase();

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/**
 * The facts of one certificate. `selfSigned` is checked, not guessed: the subject must name the
 * issuer and the signature must verify with the certificate's own key. BAD_INPUT when malformed.
 */
export function readCertificate(provider: CryptoProvider, der: Uint8Array): CertificateInfo {
  const layout = layoutCertificate(der);
  const spki = der.slice(layout.subjectPublicKeyInfo.start, layout.subjectPublicKeyInfo.end);
  const subjectDer = der.subarray(layout.subject.start, layout.subject.end);
  const issuerDer = der.subarray(layout.issuer.start, layout.issuer.end);
  const signatureAlgorithm = parseDer(der.subarray(layout.signatureAlgorithm.start, layout.signatureAlgorithm.end), AlgorithmIdentifier, 'signatureAlgorithm');
  const info: CertificateInfo = {
    der: der.slice(),
    version: layout.version,
    serialNumber: serialHex(der, layout.serialNumber),
    subject: formatNameAt(der, layout.subject),
    issuer: formatNameAt(der, layout.issuer),
    notBefore: readTime(der, layout.notBefore),
    notAfter: readTime(der, layout.notAfter),
    publicKey: { ...readPublicKey(der, layout.subjectPublicKeyInfo), spki },
    signatureAlgorithm: signatureAlgorithmName(signatureAlgorithm),
    selfSigned: false,
    isCA: false,
    subjectAltNames: [],
    keyUsage: [],
    extendedKeyUsage: [],
    extensions: [],
    fingerprints: {
      sha1: upperColonHex(provider.hash('SHA-1', der)),
      sha256: upperColonHex(provider.hash('SHA-256', der)),
    },
  };
  info.selfSigned = namesMatch(subjectDer, issuerDer) && verifyLaidOut(provider, der, layout, spki);
  for (const ext of extensionsOf(der, layout.extensions)) {
    // RFC 5280 §4.2: one instance of each extension; the first one counts, as in the fast path.
    const first = !info.extensions.some((e) => e.oid === ext.oid);
    info.extensions.push({
      oid: ext.oid,
      name: EXTENSION_NAMES[ext.oid] ?? ext.oid,
      critical: ext.critical,
      value: readExtension(info, ext.oid, ext.value, first),
    });
  }
  return info;
}

function parseDer<T>(bytes: Uint8Array, type: new () => T, what: string): T {
  try {
    return AsnParser.parse(bytes, type);
  } catch (e) {
    throw badInput(`malformed ${what} in the certificate`, e);
  }
}

/** Each Extension's OID, criticality and extnValue contents, read from the DER (RFC 5280 §4.1). */
function extensionsOf(der: Uint8Array, extensions: Tlv | undefined): Array<{ oid: string; critical: boolean; value: Uint8Array }> {
  const out: Array<{ oid: string; critical: boolean; value: Uint8Array }> = [];
  if (!extensions) return out;
  try {
    for (let p = extensions.valueStart; p < extensions.end; ) {
      const ext = expectTlv(der, p, extensions.end, 0x30, 'an Extension');
      const oid = expectTlv(der, ext.valueStart, ext.end, 0x06, 'an extension OID');
      let value = readTlv(der, oid.end, ext.end);
      let critical = false;
      if (value.tag === 0x01) {
        critical = value.end - value.valueStart === 1 && der[value.valueStart] !== 0;
        value = readTlv(der, value.end, ext.end);
      }
      if (value.tag !== 0x04 || value.end !== ext.end) throw badInput(`malformed Extension at offset ${ext.start}`);
      out.push({ oid: decodeOid(der, oid.valueStart, oid.end), critical, value: der.subarray(value.valueStart, value.end) });
      p = ext.end;
    }
  } catch (e) {
    throw badInput(`not a DER X.509 certificate: ${(e as Error).message}`, e);
  }
  return out;
}

/**
 * Decodes one extension: fills the CertificateInfo fields it carries (when `apply`) and returns a
 * rendering like `openssl x509 -text`. The extensions whose fields we report must decode
 * (BAD_INPUT otherwise); any other that does not is shown as hex.
 */
function readExtension(info: CertificateInfo, oid: string, value: Uint8Array, apply: boolean): string {
  switch (oid) {
    case OID_BASIC_CONSTRAINTS: {
      const bc = parseDer(value, BasicConstraints, 'basicConstraints extension');
      if (apply) {
        info.isCA = bc.cA;
        if (bc.cA && bc.pathLenConstraint !== undefined) info.pathLength = bc.pathLenConstraint;
      }
      return `CA:${bc.cA ? 'TRUE' : 'FALSE'}${bc.pathLenConstraint !== undefined ? `, pathlen:${bc.pathLenConstraint}` : ''}`;
    }
    case OID_KEY_USAGE: {
      const flags = parseDer(value, KeyUsage, 'keyUsage extension').toNumber();
      const set = KEY_USAGES.filter((k) => flags & k.flag);
      if (apply) info.keyUsage = set.map((k) => k.name);
      return set.map((k) => k.words).join(', ');
    }
    case OID_EXTENDED_KEY_USAGE: {
      const oids = Array.from(parseDer(value, ExtendedKeyUsage, 'extendedKeyUsage extension'));
      if (apply) info.extendedKeyUsage = oids.map((o) => EKU_BY_OID.get(o)?.name ?? o);
      return oids.map((o) => EKU_BY_OID.get(o)?.words ?? o).join(', ');
    }
    case OID_SUBJECT_ALT_NAME: {
      const names = Array.from(parseDer(value, SubjectAlternativeName, 'subjectAltName extension'));
      if (apply) info.subjectAltNames = names.map(formatGeneralName);
      return names.map(openSslGeneralName).join(', ');
    }
    case OID_SUBJECT_KEY_IDENTIFIER: {
      const id = new Uint8Array(parseDer(value, SubjectKeyIdentifier, 'subjectKeyIdentifier extension').buffer);
      if (apply) info.subjectKeyIdentifier = toHex(id);
      return upperColonHex(id);
    }
    case OID_AUTHORITY_KEY_IDENTIFIER: {
      const aki = parseDer(value, AuthorityKeyIdentifier, 'authorityKeyIdentifier extension');
      const lines: string[] = [];
      if (aki.keyIdentifier) {
        const id = new Uint8Array(aki.keyIdentifier.buffer);
        if (apply) info.authorityKeyIdentifier = toHex(id);
        lines.push(upperColonHex(id));
      }
      for (const gn of aki.authorityCertIssuer ?? []) lines.push(openSslGeneralName(gn));
      if (aki.authorityCertSerialNumber) lines.push(`serial:${upperColonHex(new Uint8Array(aki.authorityCertSerialNumber))}`);
      return lines.join('\n');
    }
    default:
      return renderExtension(oid, value);
  }
}

/** A GeneralName as `openssl x509 -text` prints it. */
function openSslGeneralName(gn: GeneralName): string {
  const spec = formatGeneralName(gn);
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  const label: Record<string, string> = { dns: 'DNS', ip: 'IP Address', email: 'email', uri: 'URI', dirname: 'DirName', rid: 'Registered ID', othername: 'othername' };
  return `${label[kind] ?? kind}:${rest}`;
}

function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 18) lines.push(upperColonHex(bytes.subarray(i, i + 18)));
  return lines.join('\n');
}

function renderSubtrees(title: string, subtrees: GeneralSubtrees | undefined): string[] {
  if (!subtrees?.length) return [];
  return [`${title}:`, ...Array.from(subtrees, (s) => `  ${openSslGeneralName(s.base)}`)];
}

/** A human rendering of another extension's value; the hex of it when it does not decode. */
function renderExtension(oid: string, value: Uint8Array): string {
  try {
    switch (oid) {
      case OID_ISSUER_ALT_NAME:
        return Array.from(AsnParser.parse(value, IssueAlternativeName), openSslGeneralName).join(', ');
      case OID_CRL_DISTRIBUTION_POINTS:
        return Array.from(AsnParser.parse(value, CRLDistributionPoints), (dp) =>
          ['Full Name:', ...(dp.distributionPoint?.fullName ?? []).map((gn) => `  ${openSslGeneralName(gn)}`)].join('\n'),
        ).join('\n');
      case OID_AUTHORITY_INFO_ACCESS:
        return Array.from(
          AsnParser.parse(value, AuthorityInfoAccessSyntax),
          (ad) => `${ACCESS_METHODS[ad.accessMethod] ?? ad.accessMethod} - ${openSslGeneralName(ad.accessLocation)}`,
        ).join('\n');
      case OID_CERTIFICATE_POLICIES:
        return Array.from(AsnParser.parse(value, CertificatePolicies), (p) => `Policy: ${p.policyIdentifier}`).join('\n');
      case OID_NAME_CONSTRAINTS: {
        const nc = AsnParser.parse(value, NameConstraints);
        return [...renderSubtrees('Permitted', nc.permittedSubtrees), ...renderSubtrees('Excluded', nc.excludedSubtrees)].join('\n');
      }
    }
  } catch {
    // fall through to the hex
  }
  return hexDump(value);
}

/** `ecdsa-with-SHA256`, `sha256WithRSAEncryption`, `RSASSA-PSS (SHA-256)`, `Ed25519`, or the OID. */
export function signatureAlgorithmName(alg: AlgorithmIdentifier): string {
  if (alg.algorithm === OID_RSASSA_PSS) {
    const scheme = signatureSchemeOf(alg);
    return scheme && scheme.type === 'rsa-pss' ? `RSASSA-PSS (${scheme.hash})` : 'RSASSA-PSS';
  }
  return SIGNATURE_BY_OID.get(alg.algorithm)?.name ?? alg.algorithm;
}

/**
 * What a listing needs, fast: the subject, expiry, key type, whether it is a CA and the key.
 * Reads the DER skeleton directly (see name.ts on why); agrees with readCertificate.
 */
export function summarizeCertificate(der: Uint8Array): CertificateSummary {
  const layout = layoutCertificate(der);
  try {
    const spki = layout.subjectPublicKeyInfo;
    return {
      subject: formatNameAt(der, layout.subject),
      notAfter: readTime(der, layout.notAfter),
      keyType: describePublicKey(readPublicKey(der, spki)),
      isCA: readIsCA(der, layout.extensions),
      spki: der.slice(spki.start, spki.end),
    };
  } catch (e) {
    if (e instanceof KymanError && e.code === 'BAD_INPUT') throw badInput(`malformed certificate: ${e.message}`, e);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------------

const DEFAULT_EC_HASH: Readonly<Record<NamedCurve, SignatureHash>> = { 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' };

/**
 * The signature scheme a key signs certificates with: ECDSA with the hash matching the curve's
 * strength (RFC 5480 §4), RSA PKCS #1 v1.5 or, with `pss`, RSASSA-PSS with a salt as long as the
 * hash (RFC 4055 §3.1 and CA/Browser Forum practice), and pure Ed25519 (RFC 8410 §6).
 */
export function signatureSchemeFor(key: Pick<PrivateKeyHandle, 'type' | 'curve'>, hash?: SignatureHash, pss = false): SignatureScheme {
  switch (key.type) {
    case 'ed25519':
      return { type: 'ed25519' };
    case 'ec':
      return { type: 'ecdsa', hash: hash ?? DEFAULT_EC_HASH[key.curve ?? 'P-256'] };
    case 'rsa': {
      const h = hash ?? 'SHA-256';
      return pss ? { type: 'rsa-pss', hash: h, saltLength: HASH_LENGTH[h] } : { type: 'rsa-pkcs1', hash: h };
    }
  }
}

/**
 * The AlgorithmIdentifier for a scheme, encoded as its RFC says: ECDSA with absent parameters
 * (RFC 5758 §3.2), RSA PKCS #1 v1.5 with NULL (RFC 4055 §5), RSASSA-PSS with every parameter
 * spelled out and NULL hash parameters (RFC 4055 §2.1, §3.1), Ed25519 absent (RFC 8410 §3).
 */
export function signatureAlgorithmIdentifier(scheme: SignatureScheme): AlgorithmIdentifier {
  if (scheme.type === 'ed25519') return new AlgorithmIdentifier({ algorithm: OID_ED25519 });
  if (scheme.type === 'rsa-pss') {
    const hash = new AlgorithmIdentifier({ algorithm: HASH_OID[scheme.hash], parameters: null });
    const params = new RsaSaPssParams({
      hashAlgorithm: hash,
      maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: OID_MGF1, parameters: AsnConvert.serialize(hash) }),
      saltLength: scheme.saltLength,
    });
    return new AlgorithmIdentifier({ algorithm: OID_RSASSA_PSS, parameters: AsnConvert.serialize(params) });
  }
  const entry = SIGNATURE_ALGORITHMS.find((a) => a.scheme?.type === scheme.type && a.scheme.hash === scheme.hash);
  if (!entry) throw usage(`no certificate signature algorithm for ${scheme.type} with ${scheme.hash}`);
  return scheme.type === 'ecdsa'
    ? new AlgorithmIdentifier({ algorithm: entry.oid })
    : new AlgorithmIdentifier({ algorithm: entry.oid, parameters: null });
}

/** The scheme that verifies a signature made with `alg`, or undefined when we cannot verify it. */
export function signatureSchemeOf(alg: AlgorithmIdentifier): SignatureScheme | undefined {
  if (alg.algorithm !== OID_RSASSA_PSS) return SIGNATURE_BY_OID.get(alg.algorithm)?.scheme;
  // RFC 4055 §3.1: absent parameters mean the SHA-1 defaults; we accept only MGF1 over the same hash.
  let params: RsaSaPssParams;
  try {
    params = alg.parameters ? AsnParser.parse(alg.parameters, RsaSaPssParams) : new RsaSaPssParams();
  } catch {
    return undefined;
  }
  const hash = HASH_BY_OID.get(params.hashAlgorithm.algorithm);
  if (!hash || params.maskGenAlgorithm.algorithm !== OID_MGF1 || !params.maskGenAlgorithm.parameters || params.trailerField !== 1) return undefined;
  try {
    const mgfHash = AsnParser.parse(params.maskGenAlgorithm.parameters, AlgorithmIdentifier);
    if (HASH_BY_OID.get(mgfHash.algorithm) !== hash) return undefined;
  } catch {
    return undefined;
  }
  return { type: 'rsa-pss', hash, saltLength: params.saltLength };
}

function verifyLaidOut(provider: CryptoProvider, der: Uint8Array, layout: CertificateLayout, issuerSpki: Uint8Array): boolean {
  const outer = der.subarray(layout.signatureAlgorithm.start, layout.signatureAlgorithm.end);
  const inner = der.subarray(layout.innerSignature.start, layout.innerSignature.end);
  // RFC 5280 §4.1.1.2: the signatureAlgorithm MUST be the same as the TBSCertificate's signature.
  if (outer.length !== inner.length || outer.some((b, i) => b !== inner[i])) return false;
  let scheme: SignatureScheme | undefined;
  try {
    scheme = signatureSchemeOf(AsnParser.parse(outer, AlgorithmIdentifier));
  } catch {
    return false;
  }
  const bits = layout.signatureValue;
  if (!scheme || bits.end - bits.valueStart < 2 || der[bits.valueStart] !== 0) return false;
  const tbs = der.subarray(layout.tbs.start, layout.tbs.end);
  return provider.verify(issuerSpki, scheme, tbs, der.subarray(bits.valueStart + 1, bits.end));
}

/**
 * Whether `issuerSpki`'s key made the certificate's signature. False, not an error, for a wrong
 * key or an algorithm we cannot verify; BAD_INPUT when the certificate is malformed.
 */
export function verifyCertificateSignature(provider: CryptoProvider, cert: Uint8Array, issuerSpki: Uint8Array): boolean {
  return verifyLaidOut(provider, cert, layoutCertificate(cert), issuerSpki);
}

/** The algorithm OID and key bits of a SubjectPublicKeyInfo, for comparing keys however they are encoded. */
function keyIdentity(der: Uint8Array, spki: Tlv): { oid: string; params: string; key: Uint8Array } {
  const alg = expectTlv(der, spki.valueStart, spki.end, 0x30, 'the key AlgorithmIdentifier');
  const oid = expectTlv(der, alg.valueStart, alg.end, 0x06, 'the key algorithm OID');
  const bits = expectTlv(der, alg.end, spki.end, 0x03, 'the subjectPublicKey BIT STRING');
  const params = der.subarray(oid.end, alg.end);
  // NULL and absent parameters mean the same (RFC 4055 §2.1).
  const paramsHex = params.length === 2 && params[0] === 0x05 && params[1] === 0 ? '' : toHex(params);
  return { oid: toHex(der.subarray(oid.valueStart, oid.end)), params: paramsHex, key: der.subarray(bits.valueStart, bits.end) };
}

/** Whether the certificate certifies the public key `spki` (SubjectPublicKeyInfo DER). */
export function publicKeyMatches(certificate: Uint8Array, spki: Uint8Array): boolean {
  const layout = layoutCertificate(certificate);
  const ours = certificate.subarray(layout.subjectPublicKeyInfo.start, layout.subjectPublicKeyInfo.end);
  if (ours.length === spki.length && ours.every((b, i) => b === spki[i])) return true;
  let theirs: ReturnType<typeof keyIdentity>;
  try {
    const top = expectTlv(spki, 0, spki.length, 0x30, 'a SubjectPublicKeyInfo');
    if (top.end !== spki.length) return false;
    theirs = keyIdentity(spki, top);
  } catch (e) {
    throw badInput('the public key is not a DER SubjectPublicKeyInfo', e);
  }
  const mine = keyIdentity(certificate, layout.subjectPublicKeyInfo);
  return mine.oid === theirs.oid && mine.params === theirs.params && mine.key.length === theirs.key.length && mine.key.every((b, i) => b === theirs.key[i]);
}

// ---------------------------------------------------------------------------------------------
// Issuing
// ---------------------------------------------------------------------------------------------

/** RFC 5280 §4.1.2.2: at most 20 octets. */
const MAX_SERIAL_OCTETS = 20;
const DEFAULT_SERIAL_OCTETS = 16;
const DEFAULT_DAYS = 365;
/** notBefore a little in the past, so a peer whose clock lags a few minutes accepts the certificate at once. */
const BACKDATE_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

interface IssuerFacts {
  subject: string;
  subjectDer: Uint8Array;
  spki: Uint8Array;
  keyId: Uint8Array;
  notAfter: Date;
}

/**
 * What signing needs from an issuer certificate, read and checked once per certificate object:
 * a CA issuing a thousand leaves (kyman pki apply) passes the same array each time, and reading
 * it in full is most of the cost of a small certificate.
 */
const issuerCache = new WeakMap<Uint8Array, IssuerFacts>();
function issuerFacts(provider: CryptoProvider, certificate: Uint8Array): IssuerFacts {
  const cached = issuerCache.get(certificate);
  if (cached) return cached;
  const issuer = readCertificate(provider, certificate);
  checkCanIssue(issuer);
  const layout = layoutCertificate(certificate);
  const facts: IssuerFacts = {
    subject: issuer.subject,
    subjectDer: certificate.slice(layout.subject.start, layout.subject.end),
    spki: issuer.publicKey.spki,
    keyId: issuer.subjectKeyIdentifier ? Uint8Array.from(Buffer.from(issuer.subjectKeyIdentifier, 'hex')) : keyIdentifierOf(provider, issuer.publicKey.spki),
    notAfter: issuer.notAfter,
  };
  issuerCache.set(certificate, facts);
  return facts;
}

const sameOctets = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** `[0] EXPLICIT Version v3` (RFC 5280 §4.1.2.1). */
const VERSION_V3 = DER.tlv(0xa0, DER.integer(2));

/**
 * Issues an X.509 v3 certificate and returns its DER. The signature is made through
 * `provider.sign` with the issuer's key handle (which may live on a token) and checked before
 * the certificate is returned. USAGE for options that cannot make a valid certificate.
 *
 * The TBSCertificate is written with the DER writer from parts that are mostly fixed for a given
 * issuer and profile; tests keep it byte for byte what the asn1-schema classes would write.
 */
export async function createCertificate(provider: CryptoProvider, options: CertificateOptions): Promise<Uint8Array> {
  const subjectName = parseName(options.subject);
  const subjectDer = encodeName(subjectName);
  const subjectSpki = subjectSpkiOf(options.subjectKey);
  const subjectKeyInfo = readPublicKey(subjectSpki, readTlv(subjectSpki, 0));

  // The signer: the issuer's key, or the subject's own for a self-signed certificate.
  let signingKey: PrivateKeyHandle;
  let issuerSpki: Uint8Array;
  let issuerKeyId: Uint8Array | undefined;
  let issuerNotAfter: Date | undefined;
  let issuerSubjectDer: Uint8Array;
  const subjectKeyId = keyIdentifierOf(provider, subjectSpki);
  if (options.issuer) {
    const { certificate, key } = options.issuer;
    const issuer = issuerFacts(provider, certificate);
    if (!sameOctets(key.spki, issuer.spki) && !publicKeyMatches(certificate, key.spki)) {
      throw usage(`the issuer key does not belong to the issuer certificate (${issuer.subject})`);
    }
    issuerSubjectDer = issuer.subjectDer;
    issuerSpki = issuer.spki;
    issuerKeyId = issuer.keyId;
    issuerNotAfter = issuer.notAfter;
    signingKey = key;
  } else {
    if (options.subjectKey instanceof Uint8Array) {
      throw usage('a self-signed certificate needs the subject private key, not only its public key: give an issuer or a key handle');
    }
    signingKey = options.subjectKey;
    issuerSubjectDer = subjectDer;
    issuerSpki = subjectSpki;
    issuerKeyId = subjectKeyId;
  }

  const { notBefore, notAfter } = validityOf(options, issuerNotAfter);
  const scheme = signatureSchemeFor(signingKey, options.signatureHash, options.rsaPss ?? false);
  const signatureAlgorithm = signatureAlgorithmDer(scheme);
  const extensions = extensionsFor(options, subjectName.length === 0, subjectKeyInfo.type, subjectKeyId, issuerKeyId);

  // RFC 5280 §4.1: the order of the fields is the order of TBSCertificate.
  const tbsDer = DER.sequence(
    VERSION_V3,
    DER.integerOctets(serialNumberOf(provider, options.serialNumber)),
    signatureAlgorithm,
    issuerSubjectDer,
    DER.sequence(DER.time(notBefore), DER.time(notAfter)),
    subjectDer,
    subjectSpki,
    DER.tlv(0xa3, DER.sequence(...extensions)),
  );
  const signature = await provider.sign(signingKey, scheme, tbsDer);
  // What was signed is embedded as it is, so there is nothing to re-encode and compare.
  const certificate = DER.sequence(tbsDer, signatureAlgorithm, DER.bitString(signature));
  if (!provider.verify(issuerSpki, scheme, tbsDer, signature)) {
    throw failed(`the new certificate's signature does not verify with the issuer's public key: the ${signingKey.provider} key may be faulty`);
  }
  return certificate;
}

/** A SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { algorithm OID, parameters ANY OPTIONAL }, BIT STRING }, checked and copied. */
function subjectSpkiOf(key: PrivateKeyHandle | Uint8Array): Uint8Array {
  const spki = key instanceof Uint8Array ? key : key.spki;
  try {
    const top = expectTlv(spki, 0, spki.length, 0x30, 'a SubjectPublicKeyInfo');
    if (top.end !== spki.length) throw badInput('extra data after the SubjectPublicKeyInfo');
    const alg = expectTlv(spki, top.valueStart, top.end, 0x30, 'the key AlgorithmIdentifier');
    const algorithm = expectTlv(spki, alg.valueStart, alg.end, 0x06, 'the key algorithm OID');
    if (algorithm.end < alg.end && readTlv(spki, algorithm.end, alg.end).end !== alg.end) throw badInput('extra data in the key AlgorithmIdentifier');
    const bits = expectTlv(spki, alg.end, top.end, 0x03, 'the subjectPublicKey BIT STRING');
    if (bits.end !== top.end) throw badInput('extra data after the subjectPublicKey');
    if (bits.end === bits.valueStart || spki[bits.valueStart] > 7) throw badInput('malformed subjectPublicKey BIT STRING');
    readPublicKey(spki, top);
  } catch (e) {
    throw badInput('the subject public key is not a DER SubjectPublicKeyInfo', e);
  }
  return spki.slice();
}

/** RFC 5280 §4.2.1.9, §4.2.1.3: only a CA certificate whose key may sign certificates can issue. */
function checkCanIssue(issuer: CertificateInfo): void {
  const hasBasicConstraints = issuer.extensions.some((e) => e.oid === OID_BASIC_CONSTRAINTS);
  if (!issuer.isCA && (hasBasicConstraints || issuer.version === 3)) {
    throw usage(`the issuer certificate (${issuer.subject}) is not a CA certificate: it may not sign certificates`);
  }
  const hasKeyUsage = issuer.extensions.some((e) => e.oid === OID_KEY_USAGE);
  if (hasKeyUsage && !issuer.keyUsage.includes('keyCertSign')) {
    throw usage(`the issuer certificate (${issuer.subject}) lacks keyCertSign in its keyUsage: it may not sign certificates`);
  }
}

function validityOf(options: CertificateOptions, issuerNotAfter: Date | undefined): { notBefore: Date; notAfter: Date } {
  const now = options.now ?? new Date();
  if (options.notAfter && options.days !== undefined) throw usage('give notAfter or days, not both');
  const days = options.days ?? DEFAULT_DAYS;
  if (!(days > 0) || !Number.isFinite(days)) throw usage(`the validity must be a positive number of days, not ${options.days}`);
  const notBefore = wholeSeconds(options.notBefore ?? new Date(now.getTime() - BACKDATE_MS));
  let notAfter = wholeSeconds(options.notAfter ?? new Date((options.notBefore ?? now).getTime() + days * DAY_MS));
  // A certificate never outlives its issuer's: clients would reject the chain from that day anyway.
  if (issuerNotAfter && notAfter > issuerNotAfter) notAfter = issuerNotAfter;
  if (notAfter <= notBefore) {
    throw usage(
      issuerNotAfter && notAfter.getTime() === issuerNotAfter.getTime()
        ? `the issuer certificate expires (${issuerNotAfter.toISOString()}) before the new one would begin`
        : `notAfter (${notAfter.toISOString()}) must be later than notBefore (${notBefore.toISOString()})`,
    );
  }
  return { notBefore, notAfter };
}

const wholeSeconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

/** A positive INTEGER's minimal content octets (X.690 §8.3.2). */
function serialNumberOf(provider: CryptoProvider, given: Uint8Array | undefined): Uint8Array {
  let bytes: Uint8Array;
  if (given) {
    bytes = given;
  } else {
    bytes = provider.random(DEFAULT_SERIAL_OCTETS).slice();
    bytes[0] &= 0x7f;
    if (bytes.every((b) => b === 0)) bytes[bytes.length - 1] = 1;
  }
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const magnitude = bytes.subarray(i);
  if (magnitude.length === 0) throw usage('the serial number must be a positive integer (RFC 5280 §4.1.2.2)');
  const out = magnitude[0] & 0x80 ? Uint8Array.of(0, ...magnitude) : magnitude.slice();
  if (out.length > MAX_SERIAL_OCTETS) throw usage(`the serial number may be at most ${MAX_SERIAL_OCTETS} octets (RFC 5280 §4.1.2.2)`);
  return out;
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value (without the unused-bits octet). */
function keyIdentifierOf(provider: CryptoProvider, spki: Uint8Array): Uint8Array {
  const top = readTlv(spki, 0);
  const alg = readTlv(spki, top.valueStart, top.end);
  const bits = expectTlv(spki, alg.end, top.end, 0x03, 'the subjectPublicKey BIT STRING');
  return provider.hash('SHA-1', spki.subarray(bits.valueStart + 1, bits.end));
}

/** Signature AlgorithmIdentifiers by scheme: a handful recur, and the schema classes spell out RSASSA-PSS's parameters. */
const signatureAlgorithmCache = new Map<string, Uint8Array>();
function signatureAlgorithmDer(scheme: SignatureScheme): Uint8Array {
  const id = JSON.stringify(scheme);
  let encoded = signatureAlgorithmCache.get(id);
  if (!encoded) {
    encoded = new Uint8Array(AsnConvert.serialize(signatureAlgorithmIdentifier(scheme)));
    signatureAlgorithmCache.set(id, encoded);
  }
  return encoded;
}

/** RFC 5280 §4.1 Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function extension(extnID: string, critical: boolean, value: Uint8Array): Uint8Array {
  return DER.sequence(DER.oid(extnID), critical ? DER.BOOLEAN_TRUE : DER.EMPTY, DER.octetString(value));
}

/** RFC 5280 §4.2.1.3 KeyUsage, a named BIT STRING: trailing zero bits dropped (X.690 §11.2.2). */
function keyUsageDer(flags: number): Uint8Array {
  // KeyUsageFlags gives bit n of the BIT STRING the value 2^n.
  let bits = 0;
  for (let f = flags; f; f >>>= 1) bits++;
  const octets = new Uint8Array(Math.ceil(bits / 8));
  for (let n = 0; n < bits; n++) if (flags & (1 << n)) octets[n >> 3] |= 0x80 >> (n & 7);
  return DER.tlv(DER.TAG.BIT_STRING, Uint8Array.of(octets.length * 8 - bits), octets);
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * A GeneralName (RFC 5280 §4.2.1.6) of the four kinds parseSubjectAltName makes, as the schema
 * classes write it: IA5String and OCTET STRING contents under implicit context tags. Anything
 * else, or a CHOICE with more than one member set, goes through the schema classes.
 */
function generalNameDer(gn: GeneralName): Uint8Array {
  if (Object.values(gn).filter((v) => v !== undefined).length === 1) {
    if (gn.dNSName !== undefined && ASCII.test(gn.dNSName)) return DER.tlv(0x82, Buffer.from(gn.dNSName, 'latin1'));
    if (gn.rfc822Name !== undefined && ASCII.test(gn.rfc822Name)) return DER.tlv(0x81, Buffer.from(gn.rfc822Name, 'latin1'));
    if (gn.uniformResourceIdentifier !== undefined && ASCII.test(gn.uniformResourceIdentifier)) return DER.tlv(0x86, Buffer.from(gn.uniformResourceIdentifier, 'latin1'));
    if (gn.iPAddress !== undefined && !gn.iPAddress.includes('/')) {
      try {
        return DER.tlv(0x87, parseIpAddress(gn.iPAddress));
      } catch {
        // not an address parseIpAddress reads: the schema's converter decides
      }
    }
  }
  return new Uint8Array(AsnConvert.serialize(gn));
}

/** The extensions' DER, in the order kyman has always written them. */
function extensionsFor(
  options: CertificateOptions,
  emptySubject: boolean,
  keyType: PublicKeyInfo['type'],
  subjectKeyId: Uint8Array,
  issuerKeyId: Uint8Array | undefined,
): Uint8Array[] {
  const ca = options.ca ?? false;
  if (options.pathLength !== undefined) {
    if (!ca) throw usage('a path length constraint needs a CA certificate (RFC 5280 §4.2.1.9)');
    if (!Number.isInteger(options.pathLength) || options.pathLength < 0) throw usage(`the path length must be a whole number ≥ 0, not ${options.pathLength}`);
  }
  const keyUsage =
    options.keyUsage ?? (ca ? ['keyCertSign', 'cRLSign', 'digitalSignature'] : keyType === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature']);
  let flags = 0;
  for (const name of keyUsage) {
    const k = KEY_USAGE_BY_NAME.get(name.toLowerCase());
    if (!k) throw usage(`unknown key usage "${name}": use ${KEY_USAGES.map((u) => u.name).join(', ')}`);
    flags |= k.flag;
  }
  // RFC 5280 §4.2.1.9: keyCertSign asserted means cA MUST be asserted.
  if (flags & KeyUsageFlags.keyCertSign && !ca) throw usage('keyCertSign needs a CA certificate: add the CA option');
  const ekus = options.extendedKeyUsage ?? (ca ? [] : ['serverAuth', 'clientAuth']);
  const ekuOids = ekus.map((name) => {
    if (/^[0-2](\.(0|[1-9][0-9]*))+$/.test(name)) return name;
    const e = EKU_BY_NAME.get(name.toLowerCase());
    if (!e) throw usage(`unknown extended key usage "${name}": use ${EXTENDED_KEY_USAGES.map((u) => u.name).join(', ')} or a dotted OID`);
    return e.oid;
  });
  const altNames = (options.subjectAltNames ?? []).map(parseSubjectAltName);
  // RFC 5280 §4.1.2.6: an empty subject needs the subjectAltName extension, marked critical.
  if (emptySubject && altNames.length === 0) throw usage('the subject is empty, so the certificate needs at least one subject alternative name');

  // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }; DER leaves a FALSE cA out.
  const basicConstraints = ca ? DER.sequence(DER.BOOLEAN_TRUE, options.pathLength !== undefined ? DER.integer(options.pathLength) : DER.EMPTY) : DER.sequence();
  const out = [extension(OID_BASIC_CONSTRAINTS, true, basicConstraints)];
  if (flags) out.push(extension(OID_KEY_USAGE, true, keyUsageDer(flags)));
  if (ekuOids.length) out.push(extension(OID_EXTENDED_KEY_USAGE, false, DER.sequence(...ekuOids.map((o) => DER.oid(o)))));
  out.push(extension(OID_SUBJECT_KEY_IDENTIFIER, false, DER.octetString(subjectKeyId)));
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT KeyIdentifier OPTIONAL, ... }
  if (issuerKeyId) out.push(extension(OID_AUTHORITY_KEY_IDENTIFIER, false, DER.sequence(DER.tlv(0x80, issuerKeyId))));
  if (altNames.length) {
    out.push(extension(OID_SUBJECT_ALT_NAME, emptySubject, DER.sequence(...altNames.map(generalNameDer))));
  }
  return out;
}

