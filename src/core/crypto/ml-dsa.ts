// ML-DSA (FIPS 204) for the software provider: @noble/post-quantum's ml_dsa44/65/87 behind the X.509 encodings of RFC 9881.
//
// Node 20's OpenSSL has no ML-DSA, so the lattice arithmetic is noble's; what is kyman's is the
// wire form around it: the SubjectPublicKeyInfo (§4: the raw public key in the BIT STRING, the
// AlgorithmIdentifier without parameters) and the PKCS #8 private key CHOICE (§6: `seed`,
// `expandedKey` or `both`), read in all three forms and written in the seed form.

import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { badInput } from '../errors.js';
import { contextTag, decodeOid, expectTlv, readTlv, type Tlv } from '../der/reader.js';
import * as DER from '../der/writer.js';
import { OID } from '../der/oids.js';
import { equalBytes, sameBytes } from '../bytes.js';
import type { MlDsaParameterSet } from './provider.js';

interface ParameterSet {
  readonly name: MlDsaParameterSet;
  readonly oid: string;
  readonly dsa: typeof ml_dsa65;
  /** FIPS 204 Table 2: public key, expanded private key and signature lengths in bytes. */
  readonly publicKeyLength: number;
  readonly expandedKeyLength: number;
  readonly signatureLength: number;
}

const PARAMETER_SETS: readonly ParameterSet[] = [
  { name: 'ML-DSA-44', oid: OID.id_ml_dsa_44, dsa: ml_dsa44, publicKeyLength: 1312, expandedKeyLength: 2560, signatureLength: 2420 },
  { name: 'ML-DSA-65', oid: OID.id_ml_dsa_65, dsa: ml_dsa65, publicKeyLength: 1952, expandedKeyLength: 4032, signatureLength: 3309 },
  { name: 'ML-DSA-87', oid: OID.id_ml_dsa_87, dsa: ml_dsa87, publicKeyLength: 2592, expandedKeyLength: 4896, signatureLength: 4627 },
];

/** FIPS 204 §3.6.3, Algorithm 1 line 1: the key generation seed ξ is 32 bytes. */
export const ML_DSA_SEED_LENGTH = 32;
/** FIPS 204 §3.4 (hedged signing): 32 fresh random bytes `rnd` per signature. */
const SIGNING_RANDOM_LENGTH = 32;

const byName = (name: MlDsaParameterSet): ParameterSet => PARAMETER_SETS.find((p) => p.name === name)!;
const BY_OID: ReadonlyMap<string, ParameterSet> = new Map(PARAMETER_SETS.map((p) => [p.oid, p]));

/** The parameter set an AlgorithmIdentifier OID names, or undefined when it is not ML-DSA. */
export const mlDsaParameterSetOf = (oid: string): MlDsaParameterSet | undefined => BY_OID.get(oid)?.name;
/** The id-ml-dsa-* OID of a parameter set. */
export const mlDsaOid = (name: MlDsaParameterSet): string => byName(name).oid;

/** An ML-DSA key pair in memory. `seed` is absent only for a key imported in the expandedKey form. */
export interface MlDsaKey {
  readonly parameterSet: MlDsaParameterSet;
  readonly seed?: Uint8Array;
  /** The FIPS 204 expanded private key (sk), what signing takes. */
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** ML-DSA.KeyGen_internal(ξ) (FIPS 204 Algorithm 6): the whole key pair from its 32-byte seed. */
export function mlDsaKeyFromSeed(parameterSet: MlDsaParameterSet, seed: Uint8Array): MlDsaKey {
  if (seed.length !== ML_DSA_SEED_LENGTH) throw badInput(`an ${parameterSet} seed is ${ML_DSA_SEED_LENGTH} bytes, not ${seed.length}`);
  const { secretKey, publicKey } = byName(parameterSet).dsa.keygen(seed);
  return { parameterSet, seed: seed.slice(), secretKey, publicKey };
}

/** The AlgorithmIdentifier of RFC 9881 §2: the OID alone, parameters absent. */
export const mlDsaAlgorithmIdentifier = (name: MlDsaParameterSet): Uint8Array => DER.sequence(DER.oid(byName(name).oid));

/** RFC 9881 §4: SubjectPublicKeyInfo with the raw public key as the BIT STRING's contents. */
export const encodeMlDsaSpki = (key: Pick<MlDsaKey, 'parameterSet' | 'publicKey'>): Uint8Array =>
  DER.sequence(mlDsaAlgorithmIdentifier(key.parameterSet), DER.bitString(key.publicKey));

/**
 * The ML-DSA public key of a SubjectPublicKeyInfo, or undefined when the key is not ML-DSA.
 * BAD_INPUT for an ML-DSA key that breaks RFC 9881 §2 and §4: parameters present, or a key of the
 * wrong length for its parameter set.
 */
export function readMlDsaSpki(spki: Uint8Array): { parameterSet: MlDsaParameterSet; publicKey: Uint8Array } | undefined {
  const top = expectTlv(spki, 0, spki.length, 0x30, 'a SubjectPublicKeyInfo');
  const algorithm = expectTlv(spki, top.valueStart, top.end, 0x30, 'the key AlgorithmIdentifier');
  const oid = expectTlv(spki, algorithm.valueStart, algorithm.end, 0x06, 'the key algorithm OID');
  const set = BY_OID.get(decodeOid(spki, oid.valueStart, oid.end));
  if (!set) return undefined;
  if (oid.end !== algorithm.end) throw badInput(`an ${set.name} key's AlgorithmIdentifier has parameters, which RFC 9881 §2 says must be absent`);
  const bits = expectTlv(spki, algorithm.end, top.end, 0x03, 'the subjectPublicKey BIT STRING');
  if (bits.end !== top.end || top.end !== spki.length) throw badInput('extra data after the subjectPublicKey');
  const length = bits.end - bits.valueStart - 1;
  if (spki[bits.valueStart] !== 0 || length !== set.publicKeyLength) {
    throw badInput(`an ${set.name} public key is ${set.publicKeyLength} bytes, not ${Math.max(length, 0)}`);
  }
  return { parameterSet: set.name, publicKey: spki.slice(bits.valueStart + 1, bits.end) };
}

/** The private key forms of RFC 9881 §6, by the tag that tells them apart. */
const SEED_TAG = contextTag(0, false); // seed [0] IMPLICIT OCTET STRING: 0x80
const EXPANDED_TAG = DER.TAG.OCTET_STRING;
const BOTH_TAG = DER.TAG.SEQUENCE;

export type MlDsaPrivateKeyForm = 'seed' | 'expandedKey' | 'both';

/**
 * OneAsymmetricKey (RFC 5958) for an ML-DSA key: version 0, the AlgorithmIdentifier without
 * parameters, and the private key in the seed form (RFC 9881 §6 recommends it; OpenSSL 3.5
 * writes it by default). A key imported without its seed can only be written back as expandedKey.
 */
export function encodeMlDsaPrivateKey(key: MlDsaKey): Uint8Array {
  const choice = key.seed ? DER.tlv(SEED_TAG, key.seed) : DER.octetString(key.secretKey);
  return DER.sequence(DER.integer(0), mlDsaAlgorithmIdentifier(key.parameterSet), DER.octetString(choice));
}

/** An ML-DSA PKCS #8 key as read: the key, and the form its private key came in. */
export interface DecodedMlDsaPrivateKey {
  readonly key: MlDsaKey;
  readonly form: MlDsaPrivateKeyForm;
}

/**
 * Reads an ML-DSA PrivateKeyInfo / OneAsymmetricKey, or returns undefined when its algorithm is
 * not ML-DSA. All three CHOICE forms are read, told apart by tag as RFC 9881 §6 says (not by
 * length). The key is checked as §8 asks: `both` must have an expandedKey that its seed makes,
 * a publicKey field must be the key's own, and an expandedKey without its seed must sign a test
 * message that its own public key verifies, which a key with a wrong `tr` does not. A wrong `t0`
 * (the third bad example of §8) is not found: recomputing it needs A·s1 + s2 in full, which noble
 * does not expose, and such a key's signatures mostly verify all the same.
 * BAD_INPUT for anything else.
 */
export function decodeMlDsaPrivateKey(pkcs8: Uint8Array): DecodedMlDsaPrivateKey | undefined {
  const top = expectTlv(pkcs8, 0, pkcs8.length, 0x30, 'a PrivateKeyInfo SEQUENCE');
  const version = expectTlv(pkcs8, top.valueStart, top.end, 0x02, 'the PrivateKeyInfo version');
  const algorithm = expectTlv(pkcs8, version.end, top.end, 0x30, 'the private key AlgorithmIdentifier');
  const oid = expectTlv(pkcs8, algorithm.valueStart, algorithm.end, 0x06, 'the private key algorithm OID');
  const set = BY_OID.get(decodeOid(pkcs8, oid.valueStart, oid.end));
  if (!set) return undefined;
  const bad = (why: string) => badInput(`the ${set.name} private key is malformed: ${why}`);
  // RFC 5958 §2: v1 (0) or, with a publicKey, v2 (1).
  if (version.end - version.valueStart !== 1 || pkcs8[version.valueStart] > 1) throw bad('its version is neither v1 nor v2');
  if (oid.end !== algorithm.end) throw bad('its AlgorithmIdentifier has parameters, which RFC 9881 §2 says must be absent');
  const privateKey = expectTlv(pkcs8, algorithm.end, top.end, 0x04, 'the privateKey OCTET STRING');
  let p = privateKey.end;
  let embeddedPublicKey: Uint8Array | undefined;
  // attributes [0] IMPLICIT SET OPTIONAL, then publicKey [1] IMPLICIT BIT STRING OPTIONAL (RFC 5958 §2).
  if (p < top.end && pkcs8[p] === contextTag(0)) p = readTlv(pkcs8, p, top.end).end;
  if (p < top.end && pkcs8[p] === contextTag(1, false)) {
    const bits = readTlv(pkcs8, p, top.end);
    if (bits.end - bits.valueStart < 1 || pkcs8[bits.valueStart] !== 0) throw bad('its publicKey BIT STRING is malformed');
    embeddedPublicKey = pkcs8.subarray(bits.valueStart + 1, bits.end);
    p = bits.end;
  }
  if (p !== top.end || top.end !== pkcs8.length) throw bad('unexpected data after the private key');

  const { form, key } = readChoice(pkcs8, privateKey, set, bad);
  if (embeddedPublicKey && !sameBytes(embeddedPublicKey, key.publicKey)) throw bad('its publicKey field is not the public key of its private key');
  return { form, key };
}

function readChoice(der: Uint8Array, octets: Tlv, set: ParameterSet, bad: (why: string) => Error): DecodedMlDsaPrivateKey {
  const choice = readTlv(der, octets.valueStart, octets.end);
  if (choice.end !== octets.end) throw bad('data follows the private key CHOICE');
  const value = der.subarray(choice.valueStart, choice.end);
  switch (choice.tag) {
    case SEED_TAG:
      return { form: 'seed', key: seedKey(set, value, bad) };
    case EXPANDED_TAG:
      return { form: 'expandedKey', key: expandedKey(set, value, bad) };
    case BOTH_TAG: {
      const seed = expectTlv(der, choice.valueStart, choice.end, EXPANDED_TAG, 'the seed OCTET STRING');
      const expanded = expectTlv(der, seed.end, choice.end, EXPANDED_TAG, 'the expandedKey OCTET STRING');
      if (expanded.end !== choice.end) throw bad('data follows the expandedKey');
      const key = seedKey(set, der.subarray(seed.valueStart, seed.end), bad);
      const given = der.subarray(expanded.valueStart, expanded.end);
      if (given.length !== set.expandedKeyLength) throw bad(`its expandedKey is ${given.length} bytes, not ${set.expandedKeyLength}`);
      // RFC 9881 §8.2: the seed consistency check; a mismatch MUST be rejected.
      if (!equalBytes(given, key.secretKey)) throw bad('its seed and its expandedKey are not the same key');
      return { form: 'both', key };
    }
    default:
      throw bad(`the private key CHOICE has tag 0x${choice.tag.toString(16)}, not seed [0], expandedKey or both`);
  }
}

function seedKey(set: ParameterSet, seed: Uint8Array, bad: (why: string) => Error): MlDsaKey {
  if (seed.length !== ML_DSA_SEED_LENGTH) throw bad(`its seed is ${seed.length} bytes, not ${ML_DSA_SEED_LENGTH}`);
  return mlDsaKeyFromSeed(set.name, seed);
}

/** A message signed once to check an expandedKey that comes without its seed. */
const CONSISTENCY_MESSAGE = new TextEncoder().encode('kyman ML-DSA private key consistency check');

function expandedKey(set: ParameterSet, secretKey: Uint8Array, bad: (why: string) => Error): MlDsaKey {
  if (secretKey.length !== set.expandedKeyLength) throw bad(`its expandedKey is ${secretKey.length} bytes, not ${set.expandedKeyLength}`);
  let publicKey: Uint8Array;
  try {
    // noble recomputes t = A·s1 + s2 from ρ, s1 and s2, and so the public key ρ ‖ t1.
    publicKey = set.dsa.getPublicKey(secretKey);
  } catch (e) {
    throw bad(`its expandedKey does not decode (${(e as Error).message})`);
  }
  // Signing hashes tr from the expanded key into μ; verifying hashes the public key instead, so a
  // tr that does not belong to ρ ‖ t1 fails. Deterministic signing: no randomness is needed to check.
  const signature = set.dsa.sign(CONSISTENCY_MESSAGE, secretKey, { extraEntropy: false });
  if (!set.dsa.verify(signature, CONSISTENCY_MESSAGE, publicKey)) throw bad('its expandedKey is inconsistent (its tr does not belong to its public key)');
  return { parameterSet: set.name, secretKey: secretKey.slice(), publicKey };
}

/**
 * ML-DSA.Sign (FIPS 204 Algorithm 2), pure, with the empty context: hedged with 32 bytes from
 * `random`, the provider's injected source, so that a seeded provider signs reproducibly.
 */
export function mlDsaSign(key: MlDsaKey, message: Uint8Array, random: (length: number) => Uint8Array): Uint8Array {
  return byName(key.parameterSet).dsa.sign(message, key.secretKey, { extraEntropy: random(SIGNING_RANDOM_LENGTH) });
}

/** ML-DSA.Verify (FIPS 204 Algorithm 3), pure, empty context; false for a signature of the wrong length. */
export function mlDsaVerify(parameterSet: MlDsaParameterSet, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const set = byName(parameterSet);
  if (signature.length !== set.signatureLength || publicKey.length !== set.publicKeyLength) return false;
  try {
    return set.dsa.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
