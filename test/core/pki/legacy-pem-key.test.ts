import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { decryptLegacyPemKey, evpBytesToKey } from '../../../src/core/pki/legacy-pem-key.js';

const provider = createSoftwareProvider();
const isCode = (code: string) => (e: unknown) => e instanceof Error && (e as { code?: string }).code === code;

describe('pki/legacy-pem-key', () => {
  it("derives OpenSSL's EVP_BytesToKey (MD5, one round): `openssl enc -aes-256-cbc -md md5 -pass pass:kyman -S 0102030405060708 -P`", () => {
    const key = evpBytesToKey(provider, new TextEncoder().encode('kyman'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 32);
    assert.equal(Buffer.from(key).toString('hex').toUpperCase(), 'F70C41D013AC969200A3C78738FDA600317FBD7EA47EEC2946F2729CDFB39159');
  });

  it('refuses headers it cannot read, each with its reason', () => {
    const der = new Uint8Array(32);
    assert.throws(() => decryptLegacyPemKey(provider, {}, der, 'x', 'k.pem'), (e: unknown) => isCode('BAD_INPUT')(e) && /no DEK-Info/.test((e as Error).message));
    assert.throws(() => decryptLegacyPemKey(provider, { 'DEK-Info': 'CAMELLIA-128-CBC,00112233445566778899AABBCCDDEEFF' }, der, 'x', 'k.pem'), (e: unknown) => isCode('BAD_INPUT')(e) && /CAMELLIA-128-CBC/.test((e as Error).message));
    assert.throws(() => decryptLegacyPemKey(provider, { 'DEK-Info': 'AES-128-CBC,0011' }, der, 'x', 'k.pem'), (e: unknown) => isCode('BAD_INPUT')(e) && /IV is not 16 bytes/.test((e as Error).message));
    assert.throws(() => decryptLegacyPemKey(provider, { 'DEK-Info': 'AES-128-CBC,00112233445566778899AABBCCDDEEFF' }, new Uint8Array(20), 'x', 'k.pem'), (e: unknown) => isCode('BAD_INPUT')(e) && /truncated/.test((e as Error).message));
  });
});
