// PBEWithMD5AndTripleDES (OID 1.3.6.1.4.1.42.2.19.1), the SunJCE scheme that protects JCEKS private keys.
//
// com.sun.crypto.provider.PBES1Core#deriveCipherKey: the 8-byte salt is split in halves (when they
// are equal, the first half is reversed); each half is hashed as MD5(half ‖ password), then
// MD5(previous ‖ password), `iterations` times; the two 16-byte results, joined, are the 24-byte
// DES-EDE3 key and the 8-byte CBC IV. The password is its bytes as SunJCE's PBEKey takes them:
// printable ASCII, one byte a character.

import { concat } from '../../bytes.js';
import type { CryptoProvider } from '../../crypto/provider.js';

export const PBE_SALT_LENGTH = 8;
const KEY_LENGTH = 24;
/** keytool's default is 200,000 (jdk.jceks.iterationCount); far beyond that is a file built to hang its reader. */
export const MAX_PBE_ITERATIONS = 5_000_000;

/** Whether SunJCE accepts this password for PBE: printable ASCII only (PBEKey's check). */
export function isPbePassword(password: string): boolean {
  return /^[\x20-\x7e]*$/.test(password);
}

/** The DES-EDE3-CBC key and IV for this password, salt and iteration count. */
export function deriveTripleDesKey(provider: CryptoProvider, password: string, salt: Uint8Array, iterations: number): { key: Uint8Array; iv: Uint8Array } {
  const passwordBytes = new Uint8Array(password.length);
  for (let i = 0; i < password.length; i++) passwordBytes[i] = password.charCodeAt(i) & 0x7f;
  const s = Uint8Array.from(salt);
  if (s.subarray(0, 4).every((b, i) => b === s[i + 4])) s.subarray(0, 4).reverse();
  const halves: Uint8Array[] = [];
  for (let half = 0; half < 2; half++) {
    let block: Uint8Array = s.subarray(half * 4, half * 4 + 4);
    for (let i = 0; i < iterations; i++) block = provider.hash('MD5', concat([block, passwordBytes]));
    halves.push(block);
  }
  const derived = concat(halves);
  return { key: derived.subarray(0, KEY_LENGTH), iv: derived.subarray(KEY_LENGTH) };
}

/** The plaintext, or undefined when the padding does not check out (a wrong password, most likely). */
export function decryptPbeWithMd5AndTripleDes(provider: CryptoProvider, ciphertext: Uint8Array, password: string, salt: Uint8Array, iterations: number): Uint8Array | undefined {
  const { key, iv } = deriveTripleDesKey(provider, password, salt, iterations);
  try {
    return provider.cbc('DES-EDE3-CBC', key, iv, ciphertext, 'decrypt');
  } catch {
    return undefined;
  }
}
