import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  createCertificationRequest,
  createKeyStore,
  createSelfSignedEntry,
  createSoftwareProvider,
  issueEntry,
  KymanError,
  parseProfile,
  profileOptions,
  readCertificate,
  signRequest,
  validateChain,
  type FileKeyStore,
} from '../../../src/core/index.js';
import { tempDir } from '../../helpers/cli.js';

const provider = createSoftwareProvider();
const NOW = new Date('2030-01-01T00:00:00Z');
const DAY = 86_400_000;

async function rejectsWith(promise: Promise<unknown>, code: string, pattern?: RegExp) {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof KymanError, `expected a KymanError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('keystore/issue', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  let store: FileKeyStore;

  before(async () => {
    store = await createKeyStore(tmp.file('ca.kdb'), { password: 'issue-test', provider });
    await createSelfSignedEntry(store, 'root', { subject: 'CN=Issue Root', ca: true, days: 100, now: NOW, provider });
    await store.addCertificate('root-cert-only', (await createSelfSignedCa('CN=Other Root')).certificate);
  });

  async function createSelfSignedCa(subject: string) {
    const other = await createKeyStore(tmp.file(`${subject.slice(3).replace(/ /g, '-')}.kdb`), { password: 'x-password', provider });
    return createSelfSignedEntry(other, 'ca', { subject, ca: true, now: NOW, provider });
  }

  async function request(subject: string, options: { sans?: string[]; ca?: boolean } = {}) {
    const key = await provider.generateKeyPair({ type: 'rsa', bits: 2048 });
    return { key, der: await createCertificationRequest(provider, { subject, key, subjectAltNames: options.sans }) };
  }

  it('knows its profiles and refuses others', () => {
    assert.deepEqual(profileOptions('server', 'rsa'), { ca: false, keyUsage: ['digitalSignature', 'keyEncipherment'], extendedKeyUsage: ['serverAuth'] });
    assert.deepEqual(profileOptions('server', 'ec'), { ca: false, keyUsage: ['digitalSignature'], extendedKeyUsage: ['serverAuth'] });
    assert.deepEqual(profileOptions('ca', 'ed25519'), { ca: true, keyUsage: ['keyCertSign', 'cRLSign'], extendedKeyUsage: [] });
    assert.deepEqual(profileOptions('any', 'ec').extendedKeyUsage, ['serverAuth', 'clientAuth']);
    assert.throws(() => parseProfile('email'), (e: unknown) => e instanceof KymanError && e.code === 'USAGE' && /server, client, ca, any/.test(e.message));
  });

  it('signs a request: 128-bit random serial, key identifiers, SANs, validity cut at the CA', async () => {
    const csr = await request('CN=srv.example.com', { sans: ['dns:srv.example.com'] });
    const before = readFileSync(store.path);
    const r = await signRequest(store, 'root', csr.der, { profile: 'server', days: 365, now: NOW, provider });
    assert.deepEqual(readFileSync(store.path), before, 'signing changes nothing in the database');
    const info = r.info;
    assert.equal(info.subject, 'CN=srv.example.com');
    assert.deepEqual(info.subjectAltNames, ['dns:srv.example.com']);
    assert.deepEqual(info.keyUsage, ['digitalSignature', 'keyEncipherment']);
    assert.deepEqual(info.extendedKeyUsage, ['serverAuth']);
    const ca = readCertificate(provider, r.caCertificate);
    assert.equal(info.authorityKeyIdentifier, ca.subjectKeyIdentifier);
    assert.ok(info.subjectKeyIdentifier);
    assert.ok(info.serialNumber.length >= 29 && info.serialNumber.length <= 32, info.serialNumber);
    // 365 days asked, but the CA is good for 100: the certificate ends with it.
    assert.equal(info.notAfter.getTime(), ca.notAfter.getTime());
    const v = validateChain(provider, r.certificate, { trustAnchors: [r.caCertificate], at: new Date(NOW.getTime() + DAY), purpose: 'server', host: 'srv.example.com' });
    assert.equal(v.valid, true, v.reason?.message);
    // --san replaces what was asked for.
    const replaced = await signRequest(store, 'root', csr.der, { subjectAltNames: ['dns:other.example.com'], now: NOW, provider });
    assert.deepEqual(replaced.info.subjectAltNames, ['dns:other.example.com']);
    assert.notEqual(replaced.info.serialNumber, info.serialNumber);
  });

  it('refuses a damaged request (BAD_INPUT), bad options and an expired CA (USAGE), a CA without a key (NOT_FOUND)', async () => {
    const csr = await request('CN=x');
    const damaged = csr.der.slice();
    damaged[damaged.length - 3] ^= 0xff;
    await rejectsWith(signRequest(store, 'root', damaged, { now: NOW, provider }), 'BAD_INPUT', /signature does not verify/);
    await rejectsWith(signRequest(store, 'root', new TextEncoder().encode('-----BEGIN CERTIFICATE REQUEST-----\n!!\n-----END CERTIFICATE REQUEST-----\n'), { now: NOW, provider }), 'BAD_INPUT');
    await rejectsWith(signRequest(store, 'root', csr.der, { profile: 'nope', now: NOW, provider }), 'USAGE', /unknown profile/);
    await rejectsWith(signRequest(store, 'root-cert-only', csr.der, { now: NOW, provider }), 'NOT_FOUND', /has no private key/);
    await rejectsWith(signRequest(store, 'absent', csr.der, { now: NOW, provider }), 'NOT_FOUND');
    await rejectsWith(signRequest(store, 'root', csr.der, { now: new Date(NOW.getTime() + 200 * DAY), provider }), 'USAGE', /expired/);
    await rejectsWith(signRequest(store, 'root', csr.der, { pathLength: 1, now: NOW, provider }), 'USAGE', /ca profile only/);
  });

  it('issues a new key pair into the database, signed by the CA', async () => {
    const entry = await issueEntry(store, 'client', 'root', { subject: 'CN=client', profile: 'client', key: { type: 'ed25519' }, now: NOW, provider });
    assert.equal(entry.hasPrivateKey, true);
    const info = readCertificate(provider, entry.certificate);
    assert.equal(info.issuer, 'CN=Issue Root');
    assert.deepEqual(info.extendedKeyUsage, ['clientAuth']);
    assert.equal(info.signatureAlgorithm, 'ecdsa-with-SHA256');
    const key = await store.privateKey('client');
    assert.equal(key.type, 'ed25519');
    await rejectsWith(issueEntry(store, 'client', 'root', { subject: 'CN=again', now: NOW, provider }), 'CONFLICT');
    await rejectsWith(issueEntry(store, 'y', 'root', { subject: 'XX=bad', now: NOW, provider }), 'USAGE');
    const sub = await issueEntry(store, 'sub-ca', 'root', { subject: 'CN=Sub CA', profile: 'ca', pathLength: 0, now: NOW, provider });
    const subInfo = readCertificate(provider, sub.certificate);
    assert.equal(subInfo.isCA, true);
    assert.equal(subInfo.pathLength, 0);
    assert.deepEqual(subInfo.keyUsage, ['keyCertSign', 'cRLSign']);
  });
});
