import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { decodePem } from '../../../src/core/pki/pem.js';
import { encryptedPrivateKeyPem, readPrivateKeyFile } from '../../../src/core/pki/private-key.js';
import { fixtureBytes } from '../../helpers/fixtures.js';

const provider = createSoftwareProvider();
const isCode = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

/** The SPKI of a PKCS #8 key and of a certificate, as Node's OpenSSL sees them. */
const spkiOfPkcs8 = (pkcs8: Uint8Array) =>
  nodeCrypto.createPublicKey(nodeCrypto.createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
const spkiOfCert = (pem: Uint8Array) => new nodeCrypto.X509Certificate(Buffer.from(pem)).publicKey.export({ format: 'der', type: 'spki' });

describe('pki/private-key', () => {
  it('reads certtool\'s traditional RSA (PKCS #1) and EC (SEC1) key files as PKCS #8', () => {
    for (const name of ['leaf', 'ca']) {
      const bytes = fixtureBytes(`gnutls/${name}.key`);
      assert.match(Buffer.from(bytes).toString(), name === 'leaf' ? /BEGIN RSA PRIVATE KEY/ : /BEGIN EC PRIVATE KEY/);
      const pkcs8 = readPrivateKeyFile(provider, bytes, undefined);
      assert.deepEqual(spkiOfPkcs8(pkcs8), spkiOfCert(fixtureBytes(`gnutls/${name}.pem`)));
    }
  });

  it('reads OpenSSL\'s PKCS #8 DER as it is, and its encrypted PKCS #8 with the password', () => {
    const der = fixtureBytes('openssl/pkcs8-ec-p384.der');
    assert.deepEqual(readPrivateKeyFile(provider, der, undefined), der);
    const encrypted = fixtureBytes('openssl/epki-v2_aes-256-cbc_-v2prf_hmacWithSHA512.der');
    assert.deepEqual(readPrivateKeyFile(provider, encrypted, 's3cret'), der);
    assert.throws(() => readPrivateKeyFile(provider, encrypted, undefined), isCode('USAGE'));
    assert.throws(() => readPrivateKeyFile(provider, encrypted, 'wrong'), isCode('BAD_PASSWORD'));
  });

  it('writes an encrypted PKCS #8 PEM that reads back only with its password', () => {
    const der = fixtureBytes('openssl/pkcs8-rsa.der');
    const pem = encryptedPrivateKeyPem(provider, der, 'pem-pass');
    assert.equal(decodePem(new TextEncoder().encode(pem))[0].label, 'ENCRYPTED PRIVATE KEY');
    assert.deepEqual(readPrivateKeyFile(provider, new TextEncoder().encode(pem), 'pem-pass'), der);
    const key = nodeCrypto.createPrivateKey({ key: pem, format: 'pem', passphrase: 'pem-pass' });
    assert.deepEqual(key.export({ format: 'der', type: 'pkcs8' }), Buffer.from(der));
  });

  it('refuses what is not a key: a certificate, a truncated old-style encrypted PEM, garbage', () => {
    assert.throws(() => readPrivateKeyFile(provider, fixtureBytes('gnutls/leaf.pem'), undefined), isCode('BAD_INPUT'));
    const oldStyle = new TextEncoder().encode('-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n');
    assert.throws(() => readPrivateKeyFile(provider, oldStyle, 'x'), (e: unknown) => isCode('BAD_INPUT')(e) && /truncated/.test((e as Error).message));
    assert.throws(() => readPrivateKeyFile(provider, new Uint8Array([1, 2, 3]), 'x'), (e: unknown) => isCode('BAD_INPUT')(e) && /not a private key/.test((e as Error).message));
  });
});
