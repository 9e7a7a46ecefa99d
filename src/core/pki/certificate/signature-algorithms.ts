// Certificate signature algorithms (RFC 3279, RFC 4055, RFC 5758, RFC 8410, RFC 9881): names, the schemes that verify them, and their AlgorithmIdentifiers.

import { AsnParser } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import type { HashAlgorithm, NamedCurve, PrivateKeyHandle, SignatureScheme } from '../../crypto/provider.js';
import { usage } from '../../errors.js';
import { contextTag } from '../../der/reader.js';
import * as DER from '../../der/writer.js';
import { byOid, HASH_OID, OID } from '../../der/oids.js';
import { mlDsaAlgorithmIdentifier } from '../../crypto/ml-dsa.js';
import type { SignatureHash } from './types.js';

const HASH_BY_OID = byOid(HASH_OID);
const HASH_LENGTH: Readonly<Record<HashAlgorithm, number>> = { MD5: 16, 'SHA-1': 20, 'SHA-224': 28, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/** Signature algorithms by OID, with the names OpenSSL prints and the scheme that verifies them. */
const SIGNATURE_ALGORITHMS: ReadonlyArray<{ oid: string; name: string; scheme?: SignatureScheme }> = [
  { oid: OID.md5WithRSAEncryption, name: 'md5WithRSAEncryption', scheme: { type: 'rsa-pkcs1', hash: 'MD5' } },
  { oid: OID.sha1WithRSAEncryption, name: 'sha1WithRSAEncryption', scheme: { type: 'rsa-pkcs1', hash: 'SHA-1' } },
  { oid: OID.sha224WithRSAEncryption, name: 'sha224WithRSAEncryption' },
  { oid: OID.sha256WithRSAEncryption, name: 'sha256WithRSAEncryption', scheme: { type: 'rsa-pkcs1', hash: 'SHA-256' } }, // RFC 4055 §5
  { oid: OID.sha384WithRSAEncryption, name: 'sha384WithRSAEncryption', scheme: { type: 'rsa-pkcs1', hash: 'SHA-384' } },
  { oid: OID.sha512WithRSAEncryption, name: 'sha512WithRSAEncryption', scheme: { type: 'rsa-pkcs1', hash: 'SHA-512' } },
  { oid: OID.ecdsa_with_SHA1, name: 'ecdsa-with-SHA1', scheme: { type: 'ecdsa', hash: 'SHA-1' } },
  { oid: OID.ecdsa_with_SHA224, name: 'ecdsa-with-SHA224' },
  { oid: OID.ecdsa_with_SHA256, name: 'ecdsa-with-SHA256', scheme: { type: 'ecdsa', hash: 'SHA-256' } }, // RFC 5758 §3.2
  { oid: OID.ecdsa_with_SHA384, name: 'ecdsa-with-SHA384', scheme: { type: 'ecdsa', hash: 'SHA-384' } },
  { oid: OID.ecdsa_with_SHA512, name: 'ecdsa-with-SHA512', scheme: { type: 'ecdsa', hash: 'SHA-512' } },
  { oid: OID.id_Ed25519, name: 'Ed25519', scheme: { type: 'ed25519' } }, // RFC 8410 §3
  { oid: OID.id_Ed448, name: 'Ed448' },
  { oid: OID.id_ml_dsa_44, name: 'ML-DSA-44', scheme: { type: 'ml-dsa', parameterSet: 'ML-DSA-44' } }, // RFC 9881 §3
  { oid: OID.id_ml_dsa_65, name: 'ML-DSA-65', scheme: { type: 'ml-dsa', parameterSet: 'ML-DSA-65' } },
  { oid: OID.id_ml_dsa_87, name: 'ML-DSA-87', scheme: { type: 'ml-dsa', parameterSet: 'ML-DSA-87' } },
  { oid: OID.id_dsa_with_sha1, name: 'dsa-with-SHA1' },
  { oid: OID.id_dsa_with_sha256, name: 'dsa_with_SHA256' },
];
const SIGNATURE_BY_OID = new Map(SIGNATURE_ALGORITHMS.map((a) => [a.oid, a]));

/** `ecdsa-with-SHA256`, `sha256WithRSAEncryption`, `RSASSA-PSS (SHA-256)`, `Ed25519`, `ML-DSA-65`, or the OID. */
export function signatureAlgorithmName(alg: AlgorithmIdentifier): string {
  if (alg.algorithm === OID.id_RSASSA_PSS) {
    const scheme = signatureSchemeOf(alg);
    return scheme && scheme.type === 'rsa-pss' ? `RSASSA-PSS (${scheme.hash})` : 'RSASSA-PSS';
  }
  return SIGNATURE_BY_OID.get(alg.algorithm)?.name ?? alg.algorithm;
}

const DEFAULT_EC_HASH: Readonly<Record<NamedCurve, SignatureHash>> = { 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' };

/**
 * The signature scheme a key signs certificates with: ECDSA with the hash matching the curve's
 * strength (RFC 5480 §4), RSA PKCS #1 v1.5 or, with `pss`, RSASSA-PSS with a salt as long as the
 * hash (RFC 4055 §3.1 and CA/Browser Forum practice), pure Ed25519 (RFC 8410 §6), and pure
 * ML-DSA of the key's parameter set (RFC 9881 §3: never HashML-DSA). A hash does not apply to
 * Ed25519 or ML-DSA, which sign the message itself.
 */
export function signatureSchemeFor(key: Pick<PrivateKeyHandle, 'type' | 'curve' | 'parameterSet'>, hash?: SignatureHash, pss = false): SignatureScheme {
  switch (key.type) {
    case 'ed25519':
      return { type: 'ed25519' };
    case 'ml-dsa':
      if (!key.parameterSet) throw usage('the ML-DSA key names no parameter set');
      return { type: 'ml-dsa', parameterSet: key.parameterSet };
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
 * (RFC 5758 §3.2), RSA PKCS #1 v1.5 with NULL (RFC 4055 §5), RSASSA-PSS with NULL hash
 * parameters and every parameter spelled out but those equal to their DEFAULT, which DER leaves
 * out (RFC 4055 §3.1, X.690 §11.5), Ed25519 and ML-DSA absent (RFC 8410 §3, RFC 9881 §3).
 */
export function signatureAlgorithmIdentifier(scheme: SignatureScheme): AlgorithmIdentifier {
  return AsnParser.parse(signatureAlgorithmDer(scheme), AlgorithmIdentifier);
}

/** RFC 4055 §3.1 RSASSA-PSS-params DEFAULTs: SHA-1, MGF1 with SHA-1, a 20-octet salt, trailerField 1. */
const PSS_DEFAULT_HASH: HashAlgorithm = 'SHA-1';
const PSS_DEFAULT_SALT_LENGTH = 20;

function encodeSignatureAlgorithm(scheme: SignatureScheme): Uint8Array {
  if (scheme.type === 'ed25519') return DER.sequence(DER.oid(OID.id_Ed25519));
  if (scheme.type === 'ml-dsa') return mlDsaAlgorithmIdentifier(scheme.parameterSet);
  if (scheme.type === 'rsa-pss') {
    const hash = DER.sequence(DER.oid(HASH_OID[scheme.hash]), DER.NULL);
    const params = DER.sequence(
      scheme.hash === PSS_DEFAULT_HASH ? DER.EMPTY : DER.tlv(contextTag(0), hash),
      scheme.hash === PSS_DEFAULT_HASH ? DER.EMPTY : DER.tlv(contextTag(1), DER.sequence(DER.oid(OID.id_mgf1), hash)),
      scheme.saltLength === PSS_DEFAULT_SALT_LENGTH ? DER.EMPTY : DER.tlv(contextTag(2), DER.integer(scheme.saltLength)),
    );
    return DER.sequence(DER.oid(OID.id_RSASSA_PSS), params);
  }
  const entry = SIGNATURE_ALGORITHMS.find((a) => a.scheme?.type === scheme.type && a.scheme.hash === scheme.hash);
  if (!entry) throw usage(`no certificate signature algorithm for ${scheme.type} with ${scheme.hash}`);
  return scheme.type === 'ecdsa' ? DER.sequence(DER.oid(entry.oid)) : DER.sequence(DER.oid(entry.oid), DER.NULL);
}

/** The scheme that verifies a signature made with `alg`, or undefined when we cannot verify it. */
export function signatureSchemeOf(alg: AlgorithmIdentifier): SignatureScheme | undefined {
  const known = SIGNATURE_BY_OID.get(alg.algorithm)?.scheme;
  // RFC 9881 §3: the parameters MUST be absent; an identifier with them is not ML-DSA's.
  if (known?.type === 'ml-dsa') return alg.parameters === undefined ? known : undefined;
  if (alg.algorithm !== OID.id_RSASSA_PSS) return known;
  // RFC 4055 §3.1: absent parameters mean the SHA-1 defaults; we accept only MGF1 over the same hash.
  let params: RsaSaPssParams;
  try {
    params = alg.parameters ? AsnParser.parse(alg.parameters, RsaSaPssParams) : new RsaSaPssParams();
  } catch {
    return undefined;
  }
  const hash = HASH_BY_OID.get(params.hashAlgorithm.algorithm);
  if (!hash || params.maskGenAlgorithm.algorithm !== OID.id_mgf1 || !params.maskGenAlgorithm.parameters || params.trailerField !== 1) return undefined;
  try {
    const mgfHash = AsnParser.parse(params.maskGenAlgorithm.parameters, AlgorithmIdentifier);
    if (HASH_BY_OID.get(mgfHash.algorithm) !== hash) return undefined;
  } catch {
    return undefined;
  }
  return { type: 'rsa-pss', hash, saltLength: params.saltLength };
}

/** Signature AlgorithmIdentifiers by scheme: a handful recur on every certificate and request. */
const signatureAlgorithmCache = new Map<string, Uint8Array>();

/** The DER of the AlgorithmIdentifier for `scheme` (see signatureAlgorithmIdentifier); callers must not change it. */
export function signatureAlgorithmDer(scheme: SignatureScheme): Uint8Array {
  const id = JSON.stringify(scheme);
  let encoded = signatureAlgorithmCache.get(id);
  if (!encoded) {
    encoded = encodeSignatureAlgorithm(scheme);
    signatureAlgorithmCache.set(id, encoded);
  }
  return encoded;
}

