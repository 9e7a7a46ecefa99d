import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createPkcs11Provider, type Pkcs11Provider } from '../../../src/core/crypto/pkcs11.js';
import { createSoftwareProvider } from '../../../src/core/crypto/software.js';
import type { KeySpec, SignatureScheme } from '../../../src/core/crypto/provider.js';
import { KymanError } from '../../../src/core/errors.js';
import { resolveGroups } from '../../../src/core/tls/suites.js';
import { SOFTHSM2, softHsm, type SoftHsm } from '../../helpers/pkcs11-tokens.js';

const PIN = '5678';
const software = createSoftwareProvider();
const data = new TextEncoder().encode('signed on a token, checked in software');

function rejectsWith(fn: () => unknown, code: string, pattern?: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof KymanError && e.code === code && (!pattern || pattern.test(e.message)));
}

describe('PKCS #11 provider on SoftHSM2', function () {
  this.timeout(120_000);
  let hsm: SoftHsm;
  let provider: Pkcs11Provider;
  const notices: string[] = [];

  before(() => {
    hsm = softHsm();
    hsm.initToken('kyman-test', '1234', PIN);
    provider = createPkcs11Provider({ module: SOFTHSM2, tokenLabel: 'kyman-test', pin: PIN, onNotice: (m) => notices.push(m) });
  });
  after(() => {
    provider?.close();
    hsm?.cleanup();
  });

  const cases: [string, KeySpec, SignatureScheme[]][] = [
    ['EC P-256', { type: 'ec', curve: 'P-256' }, [{ type: 'ecdsa', hash: 'SHA-256' }, { type: 'ecdsa', hash: 'SHA-384' }]],
    ['EC P-384', { type: 'ec', curve: 'P-384' }, [{ type: 'ecdsa', hash: 'SHA-384' }]],
    ['RSA 2048', { type: 'rsa', bits: 2048 }, [{ type: 'rsa-pkcs1', hash: 'SHA-256' }, { type: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, { type: 'rsa-pss', hash: 'SHA-384', saltLength: 48 }]],
    ['Ed25519', { type: 'ed25519' }, [{ type: 'ed25519' }]],
  ];
  for (const [name, spec, schemes] of cases) {
    it(`${name}: generated on the token, signatures verify in software`, async () => {
      const key = await provider.generateTokenKeyPair(spec, `key-${name}`);
      assert.equal(key.provider, 'pkcs11');
      assert.equal(key.extractable, false);
      assert.equal(key.type, spec.type);
      for (const scheme of schemes) {
        const sig = await provider.sign(key, scheme, data);
        assert.ok(software.verify(key.spki, scheme, data, sig), `${scheme.type} ${'hash' in scheme ? scheme.hash : ''}`);
        assert.ok(!software.verify(key.spki, scheme, new TextEncoder().encode('other'), sig));
        if (scheme.type === 'ecdsa') assert.equal(sig[0], 0x30, 'DER Ecdsa-Sig-Value');
      }
    });
  }

  it('pkcs11-tool sees the key as sensitive and never extractable', async () => {
    await provider.generateTokenKeyPair({ type: 'ec', curve: 'P-256' }, 'tool-check');
    const r = hsm.run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'kyman-test', '--login', '--pin', PIN, '--list-objects', '--type', 'privkey']);
    assert.equal(r.status, 0, r.stderr);
    const block = r.stdout.split(/(?=Private Key Object)/).find((b) => /label:\s+tool-check/.test(b));
    assert.ok(block, r.stdout);
    assert.match(block, /Access:.*\bsensitive\b/);
    assert.match(block, /never extractable/);
    assert.doesNotMatch(block, /Access:.*[^r ]extractable/);
  });

  it('uses a key pkcs11-tool made', async () => {
    const r = hsm.run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'kyman-test', '--login', '--pin', PIN, '--keypairgen', '--key-type', 'EC:prime256v1', '--id', '01', '--label', 'k']);
    assert.equal(r.status, 0, r.stderr);
    const { keyHandleFor } = await import('../../../src/core/crypto/pkcs11-keys.js');
    const { P11 } = await import('../../../src/core/crypto/pkcs11-module.js');
    const [object] = provider.token.find([{ type: P11.CKA_CLASS, value: P11.CKO_PRIVATE_KEY }, { type: P11.CKA_LABEL, value: 'k' }]);
    const key = keyHandleFor(provider.token, object);
    assert.equal(key.curve, 'P-256');
    const scheme: SignatureScheme = { type: 'ecdsa', hash: 'SHA-256' };
    assert.ok(software.verify(key.spki, scheme, data, await provider.sign(key, scheme, data)));
  });

  it('copies a software key onto the token, and never back out', async () => {
    const soft = await software.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const key = provider.importTokenKey(software.exportPrivateKey(soft), 'imported');
    assert.deepEqual(key.spki, soft.spki);
    const scheme: SignatureScheme = { type: 'ecdsa', hash: 'SHA-256' };
    assert.ok(software.verify(soft.spki, scheme, data, await provider.sign(key, scheme, data)));
    const rsa = await software.generateKeyPair({ type: 'rsa', bits: 2048 });
    const rsaKey = provider.importTokenKey(software.exportPrivateKey(rsa), 'imported-rsa');
    const pss: SignatureScheme = { type: 'rsa-pss', hash: 'SHA-256', saltLength: 32 };
    assert.ok(software.verify(rsa.spki, pss, data, await provider.sign(rsaKey, pss, data)));
    rejectsWith(() => provider.exportPrivateKey(key), 'USAGE', /never leave/);
  });

  it('reports placement: signing on the token, the rest in software by default', () => {
    assert.deepEqual(provider.placement(), { sign: 'token', keyAgreement: 'software', aead: 'software' });
    assert.equal(provider.preferredGroups, undefined, 'signing only: the engine keeps its own groups');
    assert.deepEqual(notices, []);
  });

  it('tokenOps all: ECDH and AES-GCM on the token agree with software; the rest falls back with a notice', () => {
    const all = createPkcs11Provider({ module: SOFTHSM2, tokenLabel: 'kyman-test', pin: PIN, tokenOps: 'all' });
    try {
      assert.deepEqual(all.placement(), { sign: 'token', keyAgreement: 'token', aead: 'token' });
      // The engine offers the groups the token agrees keys in, unless the application names others.
      assert.deepEqual(all.preferredGroups, ['secp256r1', 'secp384r1']);
      assert.deepEqual(resolveGroups(undefined, all).map((g) => g.name), ['secp256r1', 'secp384r1']);
      assert.deepEqual(resolveGroups(['x25519'], all).map((g) => g.name), ['x25519']);
      for (const group of ['secp256r1', 'secp384r1'] as const) {
        const mine = all.generateKeyShare(group);
        const theirs = software.generateKeyShare(group);
        assert.deepEqual(mine.deriveSecret(theirs.publicKey), theirs.deriveSecret(mine.publicKey));
      }
      const key = software.random(16);
      const nonce = software.random(12);
      const aad = new Uint8Array([1, 2, 3]);
      const msg = new TextEncoder().encode('record');
      const sealed = all.aead('AES-128-GCM', key).seal(nonce, aad, msg);
      assert.deepEqual(sealed, software.aead('AES-128-GCM', key).seal(nonce, aad, msg));
      assert.deepEqual(all.aead('AES-128-GCM', key).open(nonce, aad, sealed), msg);
      sealed[0] ^= 1; // tamper
      assert.equal(all.aead('AES-128-GCM', key).open(nonce, aad, sealed), null);
      // Mechanisms the token lacks: software, with a notice, not a crash.
      const x = all.generateKeyShare('x25519');
      assert.equal(x.publicKey.length, 32);
      all.aead('CHACHA20-POLY1305', new Uint8Array(32));
      assert.equal(all.notices().length, 2);
      assert.match(all.notices().join('\n'), /x25519.*software/);
      assert.match(all.notices().join('\n'), /CHACHA20-POLY1305.*software/);
    } finally {
      all.close();
    }
  });

  it('tokenOps all: AES-CCM and the CBC record cipher run in software, with a notice each, and agree with software', () => {
    const all = createPkcs11Provider({ module: SOFTHSM2, tokenLabel: 'kyman-test', pin: PIN, tokenOps: 'all' });
    try {
      const key = software.random(16);
      const nonce = software.random(12);
      const msg = new TextEncoder().encode('record');
      for (const algorithm of ['AES-128-CCM', 'AES-128-CCM-8'] as const) {
        assert.deepEqual(all.aead(algorithm, key).seal(nonce, new Uint8Array(0), msg), software.aead(algorithm, key).seal(nonce, new Uint8Array(0), msg));
      }
      const iv = software.random(16);
      const block = software.random(32);
      assert.deepEqual(all.cbcKey('AES-128-CBC', key).encrypt(iv, block), software.cbcKey('AES-128-CBC', key).encrypt(iv, block));
      assert.deepEqual(all.notices(), [
        'AES-128-CCM is not a token mechanism: it runs in software',
        'AES-128-CCM-8 is not a token mechanism: it runs in software',
        'AES-128-CBC record protection is not done on the token: it runs in software',
      ]);
    } finally {
      all.close();
    }
  });

  it('a wrong PIN is BAD_PASSWORD; a missing token or module is NOT_FOUND', () => {
    rejectsWith(() => createPkcs11Provider({ module: SOFTHSM2, tokenLabel: 'kyman-test', pin: '0000' }), 'BAD_PASSWORD', /wrong PIN for token "kyman-test"/);
    rejectsWith(() => createPkcs11Provider({ module: SOFTHSM2, tokenLabel: 'nope', pin: PIN }), 'NOT_FOUND', /no token labelled "nope".*"kyman-test"/);
    rejectsWith(() => createPkcs11Provider({ module: '/no/such/libpkcs11.so', tokenLabel: 'x', pin: PIN }), 'NOT_FOUND', /no such file/);
    const junk = path.join(hsm.dir, 'junk.so');
    writeFileSync(junk, 'not a library');
    rejectsWith(() => createPkcs11Provider({ module: junk, tokenLabel: 'x', pin: PIN }), 'NOT_FOUND', /could not be loaded/);
  });

  it('a scheme the key cannot do is a USAGE error, not a crash', async () => {
    const key = await provider.generateTokenKeyPair({ type: 'ec', curve: 'P-256' }, 'mismatch');
    const isUsage = (e: unknown) => e instanceof KymanError && e.code === 'USAGE';
    await assert.rejects(provider.sign(key, { type: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, data), isUsage);
    const soft = await software.generateKeyPair({ type: 'ec', curve: 'P-256' });
    // A software key handed to the token provider is signed by the fallback, not refused.
    assert.ok(software.verify(soft.spki, { type: 'ecdsa', hash: 'SHA-256' }, data, await provider.sign(soft, { type: 'ecdsa', hash: 'SHA-256' }, data)));
  });
});
