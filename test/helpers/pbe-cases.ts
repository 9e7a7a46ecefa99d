// The `openssl pkcs8 -topk8` options the fixtures were made with, and the key protection kyman reports for each.

import type { KeyProtection } from '../../src/core/pki/pbe.js';
import { fixtureBytes } from './fixtures.js';

export interface OpensslPbeCase {
  args: string[];
  expect: KeyProtection;
  /** OpenSSL 3 needs its legacy provider for this scheme. */
  legacy?: boolean;
}

export const OPENSSL_PBE_CASES: OpensslPbeCase[] = [
  { args: ['-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA512'], expect: { scheme: 'pbes2', prf: 'SHA-512', cipher: 'AES-256-CBC', iterations: 2048, saltLength: 8 } },
  { args: ['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA1', '-iter', '3'], expect: { scheme: 'pbes2', prf: 'SHA-1', cipher: 'AES-128-CBC', iterations: 3, saltLength: 8 } },
  { args: ['-v2', 'des3'], expect: { scheme: 'pbes2', prf: 'SHA-256', cipher: 'DES-EDE3-CBC', iterations: 2048, saltLength: 8 } },
  { args: ['-v2', 'des-cbc'], expect: { scheme: 'pbes2', prf: 'SHA-256', cipher: 'DES-EDE3-CBC', iterations: 2048, saltLength: 8 }, legacy: true },
  { args: ['-v1', 'PBE-SHA1-3DES'], expect: { scheme: 'pkcs12-3des', iterations: 2048, saltLength: 8 } },
  { args: ['-v1', 'PBE-SHA1-2DES'], expect: { scheme: 'pkcs12-3des', iterations: 2048, saltLength: 8 } },
  { args: ['-v1', 'PBE-SHA1-RC2-128'], expect: { scheme: 'pkcs12-3des', iterations: 2048, saltLength: 8 }, legacy: true },
  { args: ['-v1', 'PBE-SHA1-RC2-40'], expect: { scheme: 'pkcs12-rc2-40', iterations: 2048, saltLength: 8 }, legacy: true },
  { args: ['-v1', 'PBE-MD5-DES'], expect: { scheme: 'pbes1-md5-des', iterations: 2048 }, legacy: true },
  { args: ['-v1', 'PBE-SHA1-DES'], expect: { scheme: 'pbes1-md5-des', iterations: 2048 }, legacy: true },
  { args: ['-v1', 'PBE-SHA1-RC2-64'], expect: { scheme: 'pbes1-md5-des', iterations: 2048 }, legacy: true },
];

/** The EncryptedPrivateKeyInfo `openssl pkcs8 -topk8 ARGS` made of the P-384 key (password s3cret). */
export const opensslEpki = (args: string[]) => fixtureBytes(`openssl/epki${args.join('_')}.der`);

/** The unencrypted PKCS #8 keys the encryptions were made of. */
export const rsaPkcs8 = () => fixtureBytes('openssl/pkcs8-rsa.der');
export const ecPkcs8 = () => fixtureBytes('openssl/pkcs8-ec-p384.der');
