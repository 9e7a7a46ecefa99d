import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createPkcs11Provider, type Pkcs11Provider } from '../../../src/core/crypto/pkcs11.js';
import { createSoftwareProvider } from '../../../src/core/crypto/software.js';
import { Pkcs11KeyStore } from '../../../src/core/keystore/pkcs11-key-store.js';
import { createCertificate } from '../../../src/core/pki/certificate/index.js';
import { encodePem } from '../../../src/core/pki/pem.js';
import { KymanError } from '../../../src/core/errors.js';
import { SOFTHSM2, softHsm, type SoftHsm } from '../../helpers/pkcs11-tokens.js';

const PIN = '24682468';
const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

describe('a PKCS #11 token as a key store', function () {
  this.timeout(120_000);
  let hsm: SoftHsm;
  let provider: Pkcs11Provider;
  let store: Pkcs11KeyStore;
  const software = createSoftwareProvider();

  before(() => {
    hsm = softHsm();
    hsm.initToken('store', '13571357', PIN);
    provider = createPkcs11Provider({ module: SOFTHSM2, tokenLabel: 'store', pin: PIN });
    store = Pkcs11KeyStore.open({ tokenLabel: 'store', pin: PIN, provider });
  });
  after(() => {
    store?.close();
    provider?.close();
    hsm?.cleanup();
  });

  const pemFile = (name: string, der: Uint8Array) => {
    const file = path.join(hsm.dir, name);
    writeFileSync(file, encodePem('CERTIFICATE', der));
    return file;
  };

  for (const [label, spec] of [['web-ec', { type: 'ec', curve: 'P-256' }], ['web-rsa', { type: 'rsa', bits: 2048 }], ['web-p384', { type: 'ec', curve: 'P-384' }]] as const) {
    it(`${label}: a certificate self-signed on the token is stored beside its key and openssl verifies it`, async () => {
      const key = await provider.generateKeyPair(spec);
      const cert = await createCertificate(provider, { subject: `CN=${label}.example.com`, subjectKey: key, ca: true, days: 30 });
      const entry = await store.addKeyPair(label, cert, key);
      assert.equal(entry.hasPrivateKey, true);
      const file = pemFile(`${label}.pem`, cert);
      const r = spawnSync('openssl', ['verify', '-CAfile', file, file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      // The entry's key, found again by label, signs and verifies against the certificate's key.
      const again = await store.privateKey(label);
      const data = new TextEncoder().encode('again');
      const scheme = spec.type === 'rsa' ? ({ type: 'rsa-pss', hash: 'SHA-256', saltLength: 32 } as const) : ({ type: 'ecdsa', hash: 'SHA-256' } as const);
      assert.ok(software.verify(again.spki, scheme, data, await provider.sign(again, scheme, data)));
    });
  }

  it('lists entries; the first key is the default; pkcs11-tool sees key and certificate under one label and id', () => {
    const entries = store.entries();
    assert.deepEqual(entries.map((e) => e.label), ['web-ec', 'web-p384', 'web-rsa']);
    assert.equal(store.defaultEntry()?.label, 'web-ec');
    assert.deepEqual(store.info(), { type: 'pkcs11', path: 'pkcs11:token=store', entryCount: 3, keyCount: 3, integrity: 'none' });
    const r = hsm.run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'store', '--login', '--pin', PIN, '--list-objects']);
    const blocks = r.stdout.split(/\n(?=\S)/).filter((b) => /label:\s+web-ec\n/.test(b));
    assert.deepEqual(blocks.map((b) => b.split(/[;\n]/)[0]).sort(), ['Certificate Object', 'Private Key Object', 'Public Key Object']);
    const ids = new Set(blocks.map((b) => /ID:\s+(\S+)/.exec(b)![1]));
    assert.equal(ids.size, 1);
  });

  it('copies a software key onto the token when adding it; anchors are certificates alone', async () => {
    const soft = await software.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const cert = await createCertificate(software, { subject: 'CN=imported', subjectKey: soft, days: 30 });
    const entry = await store.addKeyPair('imported', cert, soft);
    assert.equal(entry.hasPrivateKey, true);
    const key = await store.privateKey('imported');
    assert.equal(key.provider, 'pkcs11');
    assert.equal(key.extractable, false);
    const caKey = await software.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const anchor = await store.addCertificate('ca', await createCertificate(software, { subject: 'CN=Some CA', subjectKey: caKey, ca: true, days: 30 }));
    assert.equal(anchor.trusted, true);
    assert.equal(anchor.hasPrivateKey, false);
  }).timeout(30_000);

  it('refuses a second certificate with the same bytes or label', async () => {
    const e = store.entry('web-ec');
    await assert.rejects(store.addCertificate('web-ec', e.certificate), is('CONFLICT'));
    await assert.rejects(store.addCertificate('other', e.certificate), is('CONFLICT'));
  });

  it('renames certificate and key together, moves the default, deletes both', async () => {
    await store.setDefault('web-rsa');
    assert.equal(store.defaultEntry()?.label, 'web-rsa');
    await store.rename('web-rsa', 'www');
    assert.equal(store.defaultEntry()?.label, 'www');
    const key = await store.privateKey('www');
    assert.equal((key as { label?: string }).label, 'www');
    await assert.rejects(store.rename('www', 'web-ec'), is('CONFLICT'));
    await store.delete('www');
    assert.ok(!store.has('www'));
    // Key and public key went with the certificate.
    const r = hsm.run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'store', '--login', '--pin', PIN, '--list-objects']);
    assert.doesNotMatch(r.stdout, /label:\s+www\n/);
    await assert.rejects(store.privateKey('www'), is('NOT_FOUND'));
    // A new opener sees what the first left: entries and the default are on the token, not in memory.
    const second = Pkcs11KeyStore.open({ module: SOFTHSM2, tokenLabel: 'store', pin: PIN });
    try {
      assert.deepEqual(second.entries().map((e) => e.label), store.entries().map((e) => e.label));
      // The default went with "www"; the first key entry in label order stands in.
      assert.equal(second.defaultEntry()?.label, 'imported');
      const over = Pkcs11KeyStore.open({ module: SOFTHSM2, tokenLabel: 'store', pin: PIN, defaultLabel: 'web-p384' });
      assert.equal(over.defaultEntry()?.label, 'web-p384');
      over.close();
    } finally {
      second.close();
    }
  });
});
