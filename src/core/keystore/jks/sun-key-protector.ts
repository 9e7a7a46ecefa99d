// Sun's proprietary key protection in JKS files (OID 1.3.6.1.4.1.42.2.17.1.1): a SHA-1 keystream XORed with the key.
//
// sun.security.provider.KeyProtector: the protected form is salt (20 bytes) ‖ the PKCS #8 key XOR a
// keystream ‖ SHA-1(password ‖ key). The keystream is SHA-1(password ‖ salt), then SHA-1(password ‖
// the previous block), one 20-byte block at a time; the password is its UTF-16BE bytes. The final
// digest is how a wrong password is told: it is checked before the key is handed on.

import { concat, equalBytes, utf16beBytes } from '../../bytes.js';
import type { CryptoProvider } from '../../crypto/provider.js';

const SALT_LENGTH = 20;
const DIGEST_LENGTH = 20;

/** The PKCS #8 PrivateKeyInfo inside, or undefined when the password is not the one it was protected with. */
export function recoverSunProtectedKey(provider: CryptoProvider, protectedKey: Uint8Array, password: string): Uint8Array | undefined {
  if (protectedKey.length < SALT_LENGTH + DIGEST_LENGTH) return undefined;
  const passwordBytes = utf16beBytes(password);
  const salt = protectedKey.subarray(0, SALT_LENGTH);
  const encrypted = protectedKey.subarray(SALT_LENGTH, protectedKey.length - DIGEST_LENGTH);
  const check = protectedKey.subarray(protectedKey.length - DIGEST_LENGTH);
  const plain = new Uint8Array(encrypted.length);
  let block: Uint8Array = salt;
  for (let offset = 0; offset < encrypted.length; offset += DIGEST_LENGTH) {
    block = provider.hash('SHA-1', concat([passwordBytes, block]));
    for (let i = 0; i < DIGEST_LENGTH && offset + i < encrypted.length; i++) plain[offset + i] = encrypted[offset + i] ^ block[i];
  }
  return equalBytes(provider.hash('SHA-1', concat([passwordBytes, plain])), check) ? plain : undefined;
}

