// Token key objects as kyman's key handles: templates, public keys read back, PKCS #8 taken apart.

import { AsnParser, OctetString } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { ECParameters, ECPrivateKey } from '@peculiar/asn1-ecc';
import { RSAPrivateKey, RSAPublicKey, id_rsaEncryption } from '@peculiar/asn1-rsa';
import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import * as DER from '../der/writer.js';
import { badInput, usage } from '../errors.js';
import { OID, OID_OF_CURVE } from '../der/oids.js';
import type { KeySpec, KeyType, NamedCurve, PrivateKeyHandle } from './provider.js';
import { CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN, P11, type Handle, type TokenSession } from './pkcs11-module.js';

/** A key that lives on a token: the provider finds it again by its object handle. */
export interface Pkcs11KeyHandle extends PrivateKeyHandle {
  readonly provider: 'pkcs11';
  readonly extractable: false;
  /** The token the key lives on. */
  readonly token: string;
  /** CKA_ID and CKA_LABEL, which the private key shares with its public key and certificate. */
  readonly id: Uint8Array;
  readonly label: string;
  readonly object: Handle;
}

export const isPkcs11Key = (key: PrivateKeyHandle): key is Pkcs11KeyHandle =>
  key.provider === 'pkcs11' && (key as Partial<Pkcs11KeyHandle>).object !== undefined;

const ID_ED25519 = OID.id_Ed25519;
const CURVE_OID: Record<NamedCurve, string> = OID_OF_CURVE;
const CURVE_BYTES: Record<NamedCurve, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
export const coordinateBytes = (curve: NamedCurve) => CURVE_BYTES[curve];

/** CKA_EC_PARAMS: the curve's OID, DER-encoded (the namedCurve choice of ECParameters, RFC 5480 §2.1.1). */
export const ecParams = (curve: NamedCurve) => Buffer.from(DER.oid(CURVE_OID[curve]));
/** Ed25519's CKA_EC_PARAMS: the RFC 8410 OID, which SoftHSM2 and PKCS #11 3.0 accept. */
export const ED25519_PARAMS = Buffer.from('06032b6570', 'hex');

export function curveOfParams(params: Buffer): NamedCurve | 'ed25519' | undefined {
  if (params.equals(ED25519_PARAMS)) return 'ed25519';
  try {
    const oid = AsnParser.parse(params, ECParameters).namedCurve;
    return (Object.keys(CURVE_OID) as NamedCurve[]).find((c) => CURVE_OID[c] === oid);
  } catch {
    return undefined;
  }
}

/**
 * CKA_EC_POINT is a DER OCTET STRING around the point (PKCS #11 2.40 §2.3.3), but some tokens
 * return the bare point; the expected point length tells the two apart.
 */
export function unwrapEcPoint(value: Buffer, pointLength: number): Buffer {
  if (value.length === pointLength) return value;
  try {
    const inner = Buffer.from(AsnParser.parse(value, OctetString).buffer);
    if (inner.length === pointLength) return inner;
  } catch {
    // Fall through to the error below.
  }
  throw badInput(`the token's EC point is ${value.length} bytes; expected a ${pointLength}-byte point`);
}

export const wrapEcPoint = (point: Uint8Array) => Buffer.from(DER.octetString(point));

/** RFC 5280 §4.1.2.7 SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }. */
const spki = (algorithm: Uint8Array, key: Uint8Array): Uint8Array => DER.sequence(algorithm, DER.bitString(key));

/** RFC 5480 §2: id-ecPublicKey with the namedCurve, the uncompressed point as the key. */
export const ecSpki = (curve: NamedCurve, point: Uint8Array): Uint8Array => spki(DER.sequence(DER.oid(OID.id_ecPublicKey), DER.oid(CURVE_OID[curve])), point);

/** RFC 8410 §4: id-Ed25519 with absent parameters, the 32-byte key. */
export const ed25519Spki = (publicKey: Uint8Array): Uint8Array => spki(DER.sequence(DER.oid(ID_ED25519)), publicKey);

/** RFC 8017 A.1.1 RSAPublicKey ::= SEQUENCE { modulus, publicExponent } under rsaEncryption with NULL parameters (RFC 3279 §2.3.1). */
export function rsaSpki(modulus: Uint8Array, exponent: Uint8Array): Uint8Array {
  const key = DER.sequence(DER.unsignedInteger(modulus), DER.unsignedInteger(exponent));
  return spki(DER.sequence(DER.oid(OID.rsaEncryption), DER.NULL), key);
}

/** What kind of key a SubjectPublicKeyInfo holds, and the public values a token object needs. */
export function readSpki(spki: Uint8Array): { type: KeyType; curve?: NamedCurve; bits?: number; point?: Buffer; modulus?: Buffer; exponent?: Buffer } {
  const info = AsnParser.parse(spki, SubjectPublicKeyInfo);
  const key = Buffer.from(info.subjectPublicKey);
  switch (info.algorithm.algorithm) {
    case OID.id_ecPublicKey: {
      const oid = AsnParser.parse(info.algorithm.parameters!, ECParameters).namedCurve;
      const curve = (Object.keys(CURVE_OID) as NamedCurve[]).find((c) => CURVE_OID[c] === oid);
      if (!curve) throw usage(`EC curve ${oid} is not one kyman puts on a token`);
      return { type: 'ec', curve, point: key };
    }
    case id_rsaEncryption: {
      const rsa = AsnParser.parse(key, RSAPublicKey);
      const modulus = stripZeros(Buffer.from(rsa.modulus));
      return { type: 'rsa', bits: modulus.length * 8 - Math.clz32(modulus[0]) + 24, modulus, exponent: stripZeros(Buffer.from(rsa.publicExponent)) };
    }
    case ID_ED25519:
      return { type: 'ed25519', point: key };
    default:
      throw usage(`a ${info.algorithm.algorithm} key cannot go on a token`);
  }
}

const stripZeros = (b: Buffer) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

/** The attributes a token private key gets: kept on the token, usable only after login, never readable. */
export function privateKeyAttributes(id: Uint8Array, label: string): { type: number; value: number | boolean | string | Buffer }[] {
  return [
    { type: P11.CKA_CLASS, value: P11.CKO_PRIVATE_KEY },
    { type: P11.CKA_TOKEN, value: true },
    { type: P11.CKA_PRIVATE, value: true },
    { type: P11.CKA_SENSITIVE, value: true },
    { type: P11.CKA_EXTRACTABLE, value: false },
    { type: P11.CKA_SIGN, value: true },
    { type: P11.CKA_ID, value: Buffer.from(id) },
    { type: P11.CKA_LABEL, value: label },
  ];
}

export function publicKeyAttributes(id: Uint8Array, label: string): { type: number; value: number | boolean | string | Buffer }[] {
  return [
    { type: P11.CKA_CLASS, value: P11.CKO_PUBLIC_KEY },
    { type: P11.CKA_TOKEN, value: true },
    { type: P11.CKA_PRIVATE, value: false },
    { type: P11.CKA_VERIFY, value: true },
    { type: P11.CKA_ID, value: Buffer.from(id) },
    { type: P11.CKA_LABEL, value: label },
  ];
}

/** The key-pair generation mechanism and type-specific public template for a spec. */
export function generationFor(spec: KeySpec): { mechanism: number; publicTemplate: { type: number; value: number | boolean | string | Buffer }[]; keyType: number } {
  switch (spec.type) {
    case 'ec':
      return { mechanism: P11.CKM_EC_KEY_PAIR_GEN, keyType: P11.CKK_EC, publicTemplate: [{ type: P11.CKA_EC_PARAMS, value: ecParams(spec.curve) }] };
    case 'rsa':
      return {
        mechanism: P11.CKM_RSA_PKCS_KEY_PAIR_GEN,
        keyType: P11.CKK_RSA,
        publicTemplate: [
          { type: P11.CKA_MODULUS_BITS, value: spec.bits },
          { type: P11.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
        ],
      };
    case 'ed25519':
      return { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN, keyType: CKK_EC_EDWARDS, publicTemplate: [{ type: P11.CKA_EC_PARAMS, value: ED25519_PARAMS }] };
    case 'ml-dsa':
      throw usage(ML_DSA_ON_TOKEN);
  }
}

/**
 * PKCS #11 3.2 names ML-DSA mechanisms (CKM_ML_DSA_KEY_PAIR_GEN, CKM_ML_DSA), but SoftHSM2 and
 * the tokens kyman is tested with have none, so ML-DSA keys stay in software.
 */
export const ML_DSA_ON_TOKEN = 'PKCS #11 tokens here have no ML-DSA mechanisms: make ML-DSA keys in software (without --token), in a key database';

/**
 * The public half of a token key, from its public key object (same CKA_ID) or, for a private key
 * stored without one, from a certificate the caller supplies.
 */
export function keyHandleFor(token: TokenSession, object: Handle, fallbackSpki?: Uint8Array): Pkcs11KeyHandle {
  const a = token.attributes(object, [P11.CKA_ID, P11.CKA_LABEL, P11.CKA_KEY_TYPE]);
  const id = a.get(P11.CKA_ID) ?? Buffer.alloc(0);
  const label = a.get(P11.CKA_LABEL)?.toString('utf8') ?? '';
  const base = { provider: 'pkcs11' as const, extractable: false as const, token: token.label, id: new Uint8Array(id), label, object };
  const pub = token.find([
    { type: P11.CKA_CLASS, value: P11.CKO_PUBLIC_KEY },
    { type: P11.CKA_ID, value: id },
  ])[0];
  if (pub) {
    const p = token.attributes(pub, [P11.CKA_KEY_TYPE, P11.CKA_EC_PARAMS, P11.CKA_EC_POINT, P11.CKA_MODULUS, P11.CKA_PUBLIC_EXPONENT]);
    const params = p.get(P11.CKA_EC_PARAMS);
    const point = p.get(P11.CKA_EC_POINT);
    const modulus = p.get(P11.CKA_MODULUS);
    if (modulus) {
      const spki = rsaSpki(modulus, p.get(P11.CKA_PUBLIC_EXPONENT) ?? Buffer.from([1, 0, 1]));
      return { ...base, type: 'rsa', bits: readSpki(spki).bits, spki };
    }
    if (params && point) {
      const curve = curveOfParams(params);
      if (curve === 'ed25519') return { ...base, type: 'ed25519', spki: ed25519Spki(unwrapEcPoint(point, 32)) };
      if (curve) return { ...base, type: 'ec', curve, spki: ecSpki(curve, unwrapEcPoint(point, 2 * CURVE_BYTES[curve] + 1)) };
    }
  }
  if (fallbackSpki) {
    const k = readSpki(fallbackSpki);
    return { ...base, type: k.type, curve: k.curve, bits: k.bits, spki: fallbackSpki };
  }
  throw badInput(`token key "${label}" has no public key object and no certificate to read its public key from`);
}

/** CKA_EC_PARAMS from the curve a SEC1 ECPrivateKey names in its own `[0] parameters` (RFC 5915 §3). */
function ecPrivateKeyCurve(key: ECPrivateKey): Buffer {
  const curve = key.parameters?.namedCurve;
  if (!curve) throw badInput('the EC private key does not name its curve (explicit curve parameters are not supported)');
  return Buffer.from(DER.oid(curve));
}

/** The token attributes that hold a software key's private values, from its PKCS #8 form. */
export function privateValuesOf(pkcs8: Uint8Array): { keyType: number; values: { type: number; value: Buffer }[] } {
  const info = AsnParser.parse(pkcs8, PrivateKeyInfo);
  const alg = info.privateKeyAlgorithm.algorithm;
  const body = Buffer.from(info.privateKey.buffer);
  const b = (x: ArrayBuffer) => stripZeros(Buffer.from(x));
  switch (alg) {
    case id_rsaEncryption: {
      const k = AsnParser.parse(body, RSAPrivateKey);
      return {
        keyType: P11.CKK_RSA,
        values: [
          { type: P11.CKA_MODULUS, value: b(k.modulus) },
          { type: P11.CKA_PUBLIC_EXPONENT, value: b(k.publicExponent) },
          { type: P11.CKA_PRIVATE_EXPONENT, value: b(k.privateExponent) },
          { type: P11.CKA_PRIME_1, value: b(k.prime1) },
          { type: P11.CKA_PRIME_2, value: b(k.prime2) },
          { type: P11.CKA_EXPONENT_1, value: b(k.exponent1) },
          { type: P11.CKA_EXPONENT_2, value: b(k.exponent2) },
          { type: P11.CKA_COEFFICIENT, value: b(k.coefficient) },
        ],
      };
    }
    case OID.id_ecPublicKey: {
      const k = AsnParser.parse(body, ECPrivateKey);
      const params = info.privateKeyAlgorithm.parameters ? Buffer.from(info.privateKeyAlgorithm.parameters) : ecPrivateKeyCurve(k);
      return { keyType: P11.CKK_EC, values: [{ type: P11.CKA_EC_PARAMS, value: params }, { type: P11.CKA_VALUE, value: Buffer.from(k.privateKey.buffer) }] };
    }
    case ID_ED25519: {
      // RFC 8410: the private key is an OCTET STRING holding the 32-byte seed.
      const seed = Buffer.from(AsnParser.parse(body, OctetString).buffer);
      return { keyType: CKK_EC_EDWARDS, values: [{ type: P11.CKA_EC_PARAMS, value: ED25519_PARAMS }, { type: P11.CKA_VALUE, value: seed }] };
    }
    case OID.id_ml_dsa_44:
    case OID.id_ml_dsa_65:
    case OID.id_ml_dsa_87:
      throw usage(ML_DSA_ON_TOKEN);
    default:
      throw usage(`a ${alg} private key cannot go on a token`);
  }
}
