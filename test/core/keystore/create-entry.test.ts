import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { readCertificate } from '../../../src/core/pki/certificate/index.js';
import { createKeyStore } from '../../../src/core/keystore/create.js';
import { createSelfSignedEntry, DEFAULT_DAYS, DEFAULT_KEY_SPEC } from '../../../src/core/keystore/create-entry.js';
import { tempDir } from '../../helpers/cli.js';

const provider = createSoftwareProvider();
const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;
const DAY_MS = 86_400_000;

describe('keystore/create-entry', function () {
  this.timeout(30_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('makes an EC P-256 key and a self-signed certificate for a year by default, under the label', async () => {
    assert.deepEqual(DEFAULT_KEY_SPEC, { type: 'ec', curve: 'P-256' });
    const store = await createKeyStore(tmp.file('self.kdb'), { password: 'pw', provider });
    const now = new Date('2026-01-01T00:00:00Z');
    const entry = await createSelfSignedEntry(store, 'web', { subject: 'CN=web.example', subjectAltNames: ['dns:web.example'], now });
    assert.deepEqual([entry.label, entry.hasPrivateKey, entry.isDefault], ['web', true, true]);
    const info = readCertificate(provider, entry.certificate);
    assert.equal(info.subject, 'CN=web.example');
    assert.equal(info.selfSigned, true);
    assert.equal(info.isCA, false);
    assert.deepEqual(info.subjectAltNames, ['dns:web.example']);
    assert.equal(info.publicKey.type, 'ec');
    assert.equal(Math.round((info.notAfter.getTime() - info.notBefore.getTime()) / DAY_MS), DEFAULT_DAYS);
    assert.deepEqual((await store.privateKey('web')).spki, info.publicKey.spki);
  });

  it('makes a CA certificate with a path length, and a non-default second key', async () => {
    const store = await createKeyStore(tmp.file('ca.kdb'), { password: 'pw', provider });
    await createSelfSignedEntry(store, 'first', { subject: 'CN=first' });
    const ca = await createSelfSignedEntry(store, 'ca', { subject: 'CN=CA', ca: true, pathLength: 1, days: 10, key: { type: 'ed25519' } });
    assert.equal(ca.isDefault, false);
    const info = readCertificate(provider, ca.certificate);
    assert.equal(info.isCA, true);
    assert.equal(info.pathLength, 1);
    assert.equal(info.publicKey.type, 'ed25519');
  });

  it('refuses a bad subject, SAN or label, and a label in use, before writing anything', async () => {
    const file = tmp.file('refuse.kdb');
    const store = await createKeyStore(file, { password: 'pw', provider });
    await createSelfSignedEntry(store, 'taken', { subject: 'CN=taken' });
    const before = readFileSync(file);
    await assert.rejects(createSelfSignedEntry(store, 'x', { subject: 'CN' }), is('USAGE'));
    await assert.rejects(createSelfSignedEntry(store, 'x', { subject: 'CN=x', subjectAltNames: ['nonsense'] }), is('USAGE'));
    await assert.rejects(createSelfSignedEntry(store, '', { subject: 'CN=x' }), is('USAGE'));
    await assert.rejects(createSelfSignedEntry(store, 'taken', { subject: 'CN=x' }), is('CONFLICT'));
    assert.deepEqual(readFileSync(file), before);
  });
});
