// The finite-field Diffie-Hellman groups of RFC 7919 (ffdhe2048 … ffdhe8192), worked out from the RFC's own formula.
//
// RFC 7919 Appendix A defines each prime as p = 2^b - 2^(b-64) + {[2^(b-130) e] + X} * 2^64 - 1,
// with e the base of the natural logarithm and X the smallest value that makes p a safe prime; the
// generator is 2. Computing p from e and X (the five X values below are the RFC's) keeps a page of
// hex digits out of the source; a test checks each prime against OpenSSL's and that it is prime.

import { randomBytes } from 'node:crypto';
import * as nodeCrypto from 'node:crypto';

export type FfdheGroup = 'ffdhe2048' | 'ffdhe3072' | 'ffdhe4096' | 'ffdhe6144' | 'ffdhe8192';

/** RFC 7919 Appendix A.1–A.5: the bit length b and the offset X of each group. */
const PARAMETERS: Readonly<Record<FfdheGroup, { bits: number; x: bigint }>> = {
  ffdhe2048: { bits: 2048, x: 560316n },
  ffdhe3072: { bits: 3072, x: 2625351n },
  ffdhe4096: { bits: 4096, x: 5736041n },
  ffdhe6144: { bits: 6144, x: 15705020n },
  ffdhe8192: { bits: 8192, x: 10965728n },
};

/**
 * RFC 7919 §5.2: a private exponent needs only twice the group's security strength in bits, not
 * the prime's length (225 bits for ffdhe2048 … 400 for ffdhe8192, per its Table in §5.1's note);
 * 512 bits covers every group with room and keeps an 8192-bit exponentiation affordable.
 */
const PRIVATE_EXPONENT_BYTES = 64;

/** floor(e * 2^bits), from the series e = Σ 1/k!, with guard bits so the floor is exact. */
function eScaled(bits: number): bigint {
  const guard = 64n;
  const one = 1n << (BigInt(bits) + guard);
  let term = one;
  let sum = 0n;
  for (let k = 1n; term > 0n; k++) {
    sum += term;
    term /= k;
  }
  return sum >> guard;
}

const primes = new Map<FfdheGroup, Uint8Array>();

/** The group's prime, big-endian, b/8 bytes. */
export function ffdhePrime(group: FfdheGroup): Uint8Array {
  let p = primes.get(group);
  if (!p) {
    const { bits, x } = PARAMETERS[group];
    const b = BigInt(bits);
    const value = (1n << b) - (1n << (b - 64n)) + (eScaled(bits - 130) + x) * (1n << 64n) - 1n;
    p = Uint8Array.from(Buffer.from(value.toString(16).padStart(bits / 4, '0'), 'hex'));
    primes.set(group, p);
  }
  return p;
}

export const isFfdheGroup = (group: string): group is FfdheGroup => group in PARAMETERS;

const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);

/** Left-pads to the prime's length, as RFC 8446 §4.2.8.1 (the public value) and §7.4.1 (the secret) ask. */
function padTo(value: Uint8Array, length: number): Uint8Array {
  if (value.length === length) return value;
  const out = new Uint8Array(length);
  out.set(value, length - value.length);
  return out;
}

/**
 * A big-endian value of any length (TLS 1.2 sends DH values with or without leading zero bytes,
 * RFC 5246 §7.4.3) at the prime's length, as ffdheKeyShare takes a peer's; undefined when it has
 * more significant bytes than the prime, so is not below it.
 */
export function ffdheFixedLength(group: FfdheGroup, value: Uint8Array): Uint8Array | undefined {
  const length = ffdhePrime(group).length;
  let start = 0;
  while (start < value.length - length && value[start] === 0) start++;
  const significant = value.subarray(start);
  return significant.length > length ? undefined : padTo(significant, length);
}

/**
 * One ephemeral FFDHE key: the public value Y = 2^x mod p, padded to the prime's length, and the
 * shared secret with a peer's Y, after RFC 7919 §5.1's check that 1 < Y < p-1 (and the length).
 */
export function ffdheKeyShare(group: FfdheGroup, privateKey?: Uint8Array): { publicKey: Uint8Array; deriveSecret(peer: Uint8Array): Uint8Array } {
  const prime = ffdhePrime(group);
  const dh = nodeCrypto.createDiffieHellman(Buffer.from(prime), Buffer.of(2));
  dh.setPrivateKey(Buffer.from(privateKey ?? randomBytes(PRIVATE_EXPONENT_BYTES)));
  dh.generateKeys();
  const publicKey = padTo(Uint8Array.from(dh.getPublicKey()), prime.length);
  const p = toBig(prime);
  return {
    publicKey,
    deriveSecret(peer) {
      if (peer.length !== prime.length) throw new Error(`an ${group} public value is ${prime.length} bytes, not ${peer.length}`);
      const y = toBig(peer);
      if (y <= 1n || y >= p - 1n) throw new Error(`the ${group} public value is outside 1 < Y < p-1 (RFC 7919 §5.1)`);
      return padTo(Uint8Array.from(dh.computeSecret(Buffer.from(peer))), prime.length);
    },
  };
}
