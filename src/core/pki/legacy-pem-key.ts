// OpenSSL's "traditional" encrypted PEM keys (RFC 1421 headers Proc-Type: 4,ENCRYPTED and DEK-Info), as `openssl rsa -aes256` and `openssl ec -des3` write them.

import { badInput, badPassword } from '../errors.js';
import type { CbcCipher, CryptoProvider } from '../crypto/provider.js';
import { concat } from '../bytes.js';

/** The DEK-Info ciphers OpenSSL writes, with their key lengths; the IV is the cipher's block. */
const DEK_CIPHERS: Readonly<Record<string, { cipher: CbcCipher; keyLength: number; ivLength: number }>> = {
  'AES-128-CBC': { cipher: 'AES-128-CBC', keyLength: 16, ivLength: 16 },
  'AES-192-CBC': { cipher: 'AES-192-CBC', keyLength: 24, ivLength: 16 },
  'AES-256-CBC': { cipher: 'AES-256-CBC', keyLength: 32, ivLength: 16 },
  'DES-EDE3-CBC': { cipher: 'DES-EDE3-CBC', keyLength: 24, ivLength: 8 },
  'DES-CBC': { cipher: 'DES-CBC', keyLength: 8, ivLength: 8 },
};

/** The salt of OpenSSL's PEM key derivation: the first 8 bytes of the IV (PKCS5_SALT_LEN). */
const SALT_LENGTH = 8;

/**
 * OpenSSL's EVP_BytesToKey with MD5 and one iteration, as PEM_do_header uses it:
 * D_1 = MD5(password ‖ salt), D_i = MD5(D_{i-1} ‖ password ‖ salt), the key their concatenation.
 */
export function evpBytesToKey(provider: CryptoProvider, password: Uint8Array, salt: Uint8Array, keyLength: number): Uint8Array {
  const blocks: Uint8Array[] = [];
  let previous: Uint8Array = new Uint8Array(0);
  let have = 0;
  while (have < keyLength) {
    previous = provider.hash('MD5', concat([previous, password, salt]));
    blocks.push(previous);
    have += previous.length;
  }
  return concat(blocks).subarray(0, keyLength);
}

/**
 * The DER inside a traditional encrypted PEM block (PKCS #1 or SEC1). BAD_PASSWORD when the
 * padding does not check out, BAD_INPUT for headers kyman cannot read.
 */
export function decryptLegacyPemKey(provider: CryptoProvider, headers: Readonly<Record<string, string>>, der: Uint8Array, password: string, name: string): Uint8Array {
  const dek = headers['DEK-Info'];
  if (!dek) throw badInput(`${name} says it is encrypted (Proc-Type) but has no DEK-Info header`);
  const [algorithm = '', ivHex = ''] = dek.split(',').map((p) => p.trim());
  const info = DEK_CIPHERS[algorithm.toUpperCase()];
  if (!info) throw badInput(`${name} is encrypted with ${algorithm}, which kyman does not read (it reads ${Object.keys(DEK_CIPHERS).join(', ')})`);
  if (!/^[0-9a-fA-F]+$/.test(ivHex) || ivHex.length !== info.ivLength * 2) throw badInput(`${name} has a damaged DEK-Info header: the IV is not ${info.ivLength} bytes of hex`);
  const iv = new Uint8Array(Buffer.from(ivHex, 'hex'));
  if (der.length === 0 || der.length % info.ivLength !== 0) throw badInput(`${name} is truncated: its key is not a whole number of cipher blocks`);
  const key = evpBytesToKey(provider, new TextEncoder().encode(password), iv.subarray(0, SALT_LENGTH), info.keyLength);
  let plain: Uint8Array;
  try {
    plain = provider.cbc(info.cipher, key, iv, der, 'decrypt');
  } catch (e) {
    throw badPassword(`wrong password for ${name}: the key did not decrypt`, e);
  }
  // A wrong password passes the padding check once in 256 tries; what comes out is then no SEQUENCE.
  if (plain[0] !== 0x30) throw badPassword(`wrong password for ${name}: it decrypted to something that is not a key`);
  return plain;
}
