// A certificate's skeleton read in place (RFC 5280 §4.1): where each field sits, its times, its key, and whether it is a CA.

import { describeKey, type MlDsaParameterSet, type NamedCurve } from '../../crypto/provider.js';
import { readMlDsaSpki } from '../../crypto/ml-dsa.js';
import { badInput, KymanError } from '../../errors.js';
import { decodeOid, expectTlv, readTlv, type Tlv } from '../../der/reader.js';
import { readSpkiLayout } from '../../der/spki.js';
import * as DER from '../../der/writer.js';
import { CURVE_BY_OID, OID } from '../../der/oids.js';
import { equalBytes, toHex } from '../../bytes.js';
import type { PublicKeyInfo } from './types.js';

const KEY_ALGORITHM_NAMES: Readonly<Record<string, string>> = {
  [OID.id_Ed448]: 'Ed448',
  [OID.id_X25519]: 'X25519',
  [OID.id_X448]: 'X448',
  [OID.id_dsa]: 'DSA',
  [OID.dhpublicnumber]: 'DH',
};

/** Where each top-level field of a certificate sits in its DER. */
export interface CertificateLayout {
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
export function layoutCertificate(der: Uint8Array): CertificateLayout {
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
export function readTime(der: Uint8Array, t: Tlv): Date {
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
export function readPublicKey(der: Uint8Array, spki: Tlv): Omit<PublicKeyInfo, 'spki'> {
  const { algorithmOid: oid, parameters, subjectPublicKey: bits } = readSpkiLayout(der, spki);
  const algorithmOid = decodeOid(der, oid.valueStart, oid.end);
  switch (algorithmOid) {
    case OID.rsaEncryption:
    case OID.id_RSASSA_PSS: {
      // RFC 8017 Appendix A.1.1 RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
      const key = expectTlv(der, bits.valueStart + 1, bits.end, 0x30, 'an RSAPublicKey');
      const modulus = expectTlv(der, key.valueStart, key.end, 0x02, 'the RSA modulus');
      let i = modulus.valueStart;
      while (i < modulus.end && der[i] === 0) i++;
      const size = i < modulus.end ? (modulus.end - i - 1) * 8 + (32 - Math.clz32(der[i])) : 0;
      return { type: 'rsa', bits: size, algorithmOid };
    }
    case OID.id_ecPublicKey: {
      // RFC 5480 §2.1.1: parameters are the namedCurve OID.
      const params = parameters.start < parameters.end ? readTlv(der, parameters.start, parameters.end) : undefined;
      const curve = params?.tag === 0x06 ? CURVE_BY_OID[decodeOid(der, params.valueStart, params.end)] : undefined;
      return curve ? { type: 'ec', curve, algorithmOid } : { type: 'ec', algorithmOid };
    }
    case OID.id_Ed25519:
      return { type: 'ed25519', algorithmOid };
    case OID.id_ml_dsa_44:
    case OID.id_ml_dsa_65:
    case OID.id_ml_dsa_87:
      // RFC 9881 §2, §4: parameters absent, the key of its parameter set's length.
      return { type: 'ml-dsa', parameterSet: readMlDsaSpki(der.subarray(spki.start, spki.end))!.parameterSet, algorithmOid };
    default:
      return { type: 'other', algorithmOid };
  }
}

/** `EC P-256`, `RSA 2048`, `Ed25519`, `ML-DSA-65`; other algorithms by name or OID. */
export function describePublicKey(key: Pick<PublicKeyInfo, 'type' | 'curve' | 'bits' | 'parameterSet' | 'algorithmOid'>): string {
  if (key.type === 'other') return KEY_ALGORITHM_NAMES[key.algorithmOid] ?? key.algorithmOid;
  if (key.type === 'ec' && !key.curve) return 'EC (unnamed curve)';
  return describeKey(key as { type: 'rsa' | 'ec' | 'ed25519' | 'ml-dsa'; curve?: NamedCurve; bits?: number; parameterSet?: MlDsaParameterSet });
}

/** The contents of id-ce-basicConstraints' OID, compared in place so a listing decodes no OID. */
const BASIC_CONSTRAINTS_OID_OCTETS = DER.oid(OID.id_ce_basicConstraints).subarray(2);

/** basicConstraints cA, straight from the DER: the only extension a listing needs. */
export function readIsCA(der: Uint8Array, extensions: Tlv | undefined): boolean {
  if (!extensions) return false;
  for (let p = extensions.valueStart; p < extensions.end; ) {
    const ext = expectTlv(der, p, extensions.end, 0x30, 'an Extension');
    const oid = expectTlv(der, ext.valueStart, ext.end, 0x06, 'an extension OID');
    if (equalBytes(der.subarray(oid.valueStart, oid.end), BASIC_CONSTRAINTS_OID_OCTETS)) {
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
export function serialHex(der: Uint8Array, t: Tlv): string {
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
