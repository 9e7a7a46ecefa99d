// Keys kyman encrypts, decrypted by openssl pkey under every scheme kyman writes.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as nodeCrypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { DEFAULT_KEY_PROTECTION, type KeyProtection, decryptPrivateKeyInfo, encryptPrivateKeyInfo, readKeyProtection } from '../../../src/core/pki/pbe.js';
import { OPENSSL_PBE_CASES, ecPkcs8 as ecPkcs8Fixture, rsaPkcs8 as rsaPkcs8Fixture } from '../../helpers/pbe-cases.js';

const provider = createSoftwareProvider();
const isCode = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;
const LEGACY = ['-provider', 'legacy', '-provider', 'default'];

function spkiOfPkcs8(pkcs8: Uint8Array): Buffer {
  const key = nodeCrypto.createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return nodeCrypto.createPublicKey(key).export({ format: 'der', type: 'spki' });
}

describe('password-based encryption with OpenSSL', () => {
  let dir: string;
  const rsaPkcs8 = rsaPkcs8Fixture();
  const ecPkcs8 = ecPkcs8Fixture();
  const file = (name: string) => path.join(dir, name);
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyman-pbe-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('what kyman writes, OpenSSL reads', () => {
    const schemes: { name: string; protection: KeyProtection; legacy?: boolean }[] = [
      { name: 'PBES2 SHA-256 AES-256 (default)', protection: DEFAULT_KEY_PROTECTION },
      { name: 'PBES2 SHA-1 AES-128', protection: { scheme: 'pbes2', prf: 'SHA-1', cipher: 'AES-128-CBC', iterations: 1000, saltLength: 8 } },
      { name: 'PBES2 SHA-384 AES-192', protection: { scheme: 'pbes2', prf: 'SHA-384', cipher: 'AES-192-CBC', iterations: 5, saltLength: 8 } },
      { name: 'PBES2 SHA-512 DES-EDE3', protection: { scheme: 'pbes2', prf: 'SHA-512', cipher: 'DES-EDE3-CBC', iterations: 4096, saltLength: 20 } },
      { name: 'PKCS #12 PBE 3DES', protection: { scheme: 'pkcs12-3des', iterations: 2048, saltLength: 8 } },
      { name: 'PKCS #12 PBE RC2-40', protection: { scheme: 'pkcs12-rc2-40', iterations: 2048, saltLength: 8 }, legacy: true },
      { name: 'PBES1 MD5 DES', protection: { scheme: 'pbes1-md5-des', iterations: 5 }, legacy: true },
    ];
    for (const { name, protection, legacy } of schemes) {
      it(`${name}: openssl pkey decrypts it, and it decrypts back`, () => {
        const epki = encryptPrivateKeyInfo(provider, rsaPkcs8, 'pässword 1', protection);
        const f = file(`out-${protection.scheme}.der`);
        fs.writeFileSync(f, epki);
        const spki = execFileSync('openssl', ['pkey', ...(legacy ? LEGACY : []), '-inform', 'DER', '-in', f, '-passin', 'pass:pässword 1', '-pubout', '-outform', 'DER']);
        assert.deepEqual(spki, spkiOfPkcs8(rsaPkcs8));
        assert.deepEqual(decryptPrivateKeyInfo(provider, epki, 'pässword 1'), rsaPkcs8);
        assert.deepEqual(readKeyProtection(epki), protection);
        assert.throws(() => decryptPrivateKeyInfo(provider, epki, 'pässword 2'), isCode('BAD_PASSWORD'));
      });
    }
  });

  describe('what OpenSSL writes, kyman rewrites, OpenSSL reads again', () => {
    for (const { args, expect } of OPENSSL_PBE_CASES) {
      it(`openssl pkcs8 -topk8 ${args.join(' ')}`, () => {
        const f = file(`in-${args.join('_')}.der`);
        // A key rewritten with the scheme readKeyProtection reports is still read by OpenSSL.
        const again = encryptPrivateKeyInfo(provider, ecPkcs8, 'other', expect);
        fs.writeFileSync(f, again);
        execFileSync('openssl', ['pkey', ...LEGACY, '-inform', 'DER', '-in', f, '-passin', 'pass:other', '-noout']);
      });
    }
  });
});
