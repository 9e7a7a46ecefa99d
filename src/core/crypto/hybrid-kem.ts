// The ECDHE-MLKEM hybrid groups of TLS 1.3 (draft-ietf-tls-ecdhe-mlkem): ML-KEM from @noble/post-quantum, the ECDH half from a provider.
//
// ML-KEM is FIPS 203's, from @noble/post-quantum's `ml_kem768` and `ml_kem1024` (its
// `ml_kem768_x25519` is X-Wing, a different combiner that TLS does not use). The classical half is
// asked of whatever provider runs the handshake, so a token that does ECDH does it there.

import { ml_kem1024, ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { concat } from '../bytes.js';
import type { KeyExchangeGroup, KeyShare } from './provider.js';

export type HybridGroup = 'X25519MLKEM768' | 'SecP256r1MLKEM768' | 'SecP384r1MLKEM1024';
/** The classical groups the hybrids pair with ML-KEM. */
export type HybridClassicalGroup = 'x25519' | 'secp256r1' | 'secp384r1';

type MlKem = typeof ml_kem768;

interface HybridParameters {
  readonly classical: HybridClassicalGroup;
  /** `ML-KEM-768`, `ML-KEM-1024`: how the KEM half is named to people. */
  readonly kemName: string;
  readonly kem: MlKem;
  /** FIPS 203 Table 2's k: the encapsulation key holds k·256 12-bit coefficients, then the 32-byte seed ρ. */
  readonly k: number;
  /**
   * Draft §3.1, §4: X25519MLKEM768 puts the ML-KEM part first in both shares and in the shared
   * secret (so that a FIPS module's approved secret leads); the SecP groups put the ECDH part first.
   */
  readonly kemFirst: boolean;
  /** The ECDH public value: X25519's 32 bytes, an uncompressed P-256 (65) or P-384 (97) point. */
  readonly classicalLength: number;
  readonly encapsulationKeyLength: number;
  readonly ciphertextLength: number;
}

/** Draft §4.1: the three groups, their halves and sizes (FIPS 203 Table 3 for ML-KEM). */
export const HYBRID_GROUPS: Readonly<Record<HybridGroup, HybridParameters>> = {
  X25519MLKEM768: { classical: 'x25519', kemName: 'ML-KEM-768', kem: ml_kem768, k: 3, kemFirst: true, classicalLength: 32, encapsulationKeyLength: 1184, ciphertextLength: 1088 },
  SecP256r1MLKEM768: { classical: 'secp256r1', kemName: 'ML-KEM-768', kem: ml_kem768, k: 3, kemFirst: false, classicalLength: 65, encapsulationKeyLength: 1184, ciphertextLength: 1088 },
  SecP384r1MLKEM1024: { classical: 'secp384r1', kemName: 'ML-KEM-1024', kem: ml_kem1024 as MlKem, k: 4, kemFirst: false, classicalLength: 97, encapsulationKeyLength: 1568, ciphertextLength: 1568 },
};

/** FIPS 203 §7.1: ML-KEM.KeyGen_internal takes d ‖ z, 32 bytes each. */
export const MLKEM_SEED_LENGTH = 64;
/** FIPS 203 §7.2: ML-KEM.Encaps_internal takes the 32-byte message m. */
export const MLKEM_MESSAGE_LENGTH = 32;
/** FIPS 203 §2.3: the modulus q = 3329. */
const Q = 3329;

export const isHybridGroup = (group: KeyExchangeGroup | string): group is HybridGroup => Object.hasOwn(HYBRID_GROUPS, group);

/** The classical group a hybrid pairs with ML-KEM. */
export const classicalHalf = (group: HybridGroup): HybridClassicalGroup => HYBRID_GROUPS[group].classical;

/** Draft §4.1: the client's share length (1216 for X25519MLKEM768) and the server's (1120). */
export function hybridShareLengths(group: HybridGroup): { client: number; server: number } {
  const p = HYBRID_GROUPS[group];
  return { client: p.encapsulationKeyLength + p.classicalLength, server: p.ciphertextLength + p.classicalLength };
}

/**
 * FIPS 203 §7.2 input checking: the type check (length) and the modulus check: every 12-bit
 * coefficient of the key's first 384·k bytes is below q, i.e. ByteEncode12(ByteDecode12(ek)) = ek.
 * Throws a plain Error naming what is wrong.
 */
export function checkEncapsulationKey(group: HybridGroup, ek: Uint8Array): void {
  const p = HYBRID_GROUPS[group];
  if (ek.length !== p.encapsulationKeyLength) throw new Error(`a ${p.kemName} encapsulation key is ${p.encapsulationKeyLength} bytes, not ${ek.length}`);
  const coefficients = 384 * p.k;
  for (let i = 0; i < coefficients; i += 3) {
    // Two little-endian 12-bit values in three bytes (FIPS 203 Algorithm 5).
    const a = ek[i] | ((ek[i + 1] & 0x0f) << 8);
    const b = (ek[i + 1] >> 4) | (ek[i + 2] << 4);
    if (a >= Q || b >= Q) throw new Error(`the ${p.kemName} encapsulation key fails the modulus check (a coefficient is not below ${Q})`);
  }
}

/** Splits `share` into its classical and ML-KEM parts, in the group's order; `kemLength` says how long the ML-KEM part must be. */
function split(group: HybridGroup, share: Uint8Array, kemLength: number, what: string): { classical: Uint8Array; kem: Uint8Array } {
  const p = HYBRID_GROUPS[group];
  const want = kemLength + p.classicalLength;
  if (share.length !== want) throw new Error(`a ${group} ${what} is ${want} bytes, not ${share.length}`);
  return p.kemFirst
    ? { kem: share.subarray(0, kemLength), classical: share.subarray(kemLength) }
    : { classical: share.subarray(0, p.classicalLength), kem: share.subarray(p.classicalLength) };
}

/** Draft §3.2: the two halves' secrets, concatenated in the group's order. */
const joined = (group: HybridGroup, classical: Uint8Array, kem: Uint8Array) => (HYBRID_GROUPS[group].kemFirst ? concat([kem, classical]) : concat([classical, kem]));

/**
 * The client's hybrid share: a fresh ML-KEM key pair and the classical share `classicalShare`
 * makes (the provider's, so a token may do it). `deriveSecret` takes the server's share
 * (ciphertext and ECDH value), decapsulates and agrees. `seed` (d ‖ z) is for known-answer tests.
 */
export function hybridKeyShare(group: HybridGroup, classicalShare: (g: HybridClassicalGroup) => KeyShare, random: (n: number) => Uint8Array, seed?: Uint8Array): KeyShare {
  const p = HYBRID_GROUPS[group];
  const ecdh = classicalShare(p.classical);
  const { publicKey: ek, secretKey: dk } = p.kem.keygen(seed ?? random(MLKEM_SEED_LENGTH));
  return {
    group,
    publicKey: p.kemFirst ? concat([ek, ecdh.publicKey]) : concat([ecdh.publicKey, ek]),
    deriveSecret(serverShare) {
      const { classical, kem } = split(group, serverShare, p.ciphertextLength, 'server share');
      // ML-KEM decapsulation does not fail (FIPS 203 §6.3 implicit rejection): a wrong ciphertext gives a
      // secret the server does not have, and the handshake ends at the server's Finished.
      return joined(group, ecdh.deriveSecret(classical), p.kem.decapsulate(kem, dk));
    },
  };
}

/**
 * The server's answer to a client's hybrid share: its ECDH value beside an encapsulation to the
 * client's key, and the shared secret. Throws (a plain Error) on a share of the wrong length, an
 * encapsulation key that fails FIPS 203's checks, or an invalid ECDH value. `message` (m) is for
 * known-answer tests.
 */
export function hybridAnswer(
  group: HybridGroup,
  clientShare: Uint8Array,
  classicalShare: (g: HybridClassicalGroup) => KeyShare,
  random: (n: number) => Uint8Array,
  message?: Uint8Array,
): { publicKey: Uint8Array; sharedSecret: Uint8Array } {
  const p = HYBRID_GROUPS[group];
  const { classical, kem: ek } = split(group, clientShare, p.encapsulationKeyLength, 'client share');
  checkEncapsulationKey(group, ek);
  const ecdh = classicalShare(p.classical);
  const classicalSecret = ecdh.deriveSecret(classical);
  const { cipherText, sharedSecret } = p.kem.encapsulate(ek, message ?? random(MLKEM_MESSAGE_LENGTH));
  return {
    publicKey: p.kemFirst ? concat([cipherText, ecdh.publicKey]) : concat([ecdh.publicKey, cipherText]),
    sharedSecret: joined(group, classicalSecret, sharedSecret),
  };
}
