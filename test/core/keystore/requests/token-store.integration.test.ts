import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../../src/core/crypto/software.js';
import { KymanError } from '../../../../src/core/errors.js';
import { createSelfSignedEntry } from '../../../../src/core/keystore/create-entry.js';
import { createKeyStore, openKeyStore } from '../../../../src/core/keystore/index.js';
import { issueEntry } from '../../../../src/core/keystore/issue.js';
import { Pkcs11KeyStore } from '../../../../src/core/keystore/pkcs11-key-store.js';
import { createRequest, openPendingRequests, receiveCertificate } from '../../../../src/core/keystore/requests/index.js';
import { copyEntry } from '../../../../src/core/keystore/transfer.js';
import type { KeyStore } from '../../../../src/core/keystore/types.js';
import { readCertificationRequest } from '../../../../src/core/pki/csr.js';
import { signRequest } from '../../../../src/core/keystore/issue.js';
import { tempDir } from '../../../helpers/cli.js';
import { SOFTHSM2, softHsm, type SoftHsm } from '../../../helpers/pkcs11-tokens.js';

const PIN = '97539753';
const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

describe('a token as a key store: pending requests, copies, and opening by URI', function () {
  this.timeout(120_000);
  let hsm: SoftHsm;
  let store: KeyStore;
  const software = createSoftwareProvider();
  const t = tempDir('kyman-p11-req-');

  before(async () => {
    hsm = softHsm();
    hsm.initToken('reqs', '86428642', PIN);
    store = await openKeyStore('pkcs11:token=reqs', { password: PIN, module: SOFTHSM2 });
  });
  after(() => {
    store?.close();
    hsm?.cleanup();
    t.cleanup();
  });

  const privateKeyLabels = () =>
    hsm
      .run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'reqs', '--login', '--pin', PIN, '--list-objects', '--type', 'privkey'])
      .stdout.split('\n')
      .map((l) => /^\s+label:\s+(.*)$/.exec(l)?.[1])
      .filter(Boolean);

  it('openKeyStore gives the same KeyStore for a token as for a file, with the token\'s provider', async () => {
    assert.equal(store.type, 'pkcs11');
    assert.ok(store instanceof Pkcs11KeyStore);
    assert.equal(store.provider.name, 'pkcs11');
    await assert.rejects(openKeyStore('pkcs11:token=reqs', { password: '00000000', module: SOFTHSM2 }), is('BAD_PASSWORD'));
    await assert.rejects(openKeyStore('pkcs11:token=absent', { password: PIN, module: SOFTHSM2 }), is('NOT_FOUND'));
  });

  it('a request keeps its key on the token; receiving pairs the certificate with it; deleting a request removes its key', async () => {
    const requests = await openPendingRequests(store, { password: PIN });
    assert.equal(requests.type, 'pkcs11');
    const created = await createRequest(store, requests, 'web', { subject: 'CN=web.example.com', subjectAltNames: ['dns:web.example.com'] });
    assert.ok(readCertificationRequest(software, created.request).signatureValid);
    assert.deepEqual(privateKeyLabels(), ['web']);
    // Read back by a second handle, as another process would.
    const again = await openPendingRequests(store, { password: PIN });
    assert.deepEqual(again.list().map((r) => [r.label, r.keyType, r.renewal]), [['web', 'EC P-256', false]]);

    const caDb = await createKeyStore(t.file('ca.kdb'), { password: 'ca-pass', provider: software });
    await createSelfSignedEntry(caDb, 'ca', { subject: 'CN=Request CA', ca: true, days: 10 });
    const signed = await signRequest(caDb, 'ca', created.request, { profile: 'server', days: 5 });
    const received = await receiveCertificate(store, again, signed.certificate);
    assert.equal(received.label, 'web');
    assert.equal(again.list().length, 0);
    assert.equal(store.entry('web').hasPrivateKey, true);
    assert.deepEqual(privateKeyLabels(), ['web']);

    await createRequest(store, again, 'dropped', { subject: 'CN=dropped.example.com' });
    assert.deepEqual(privateKeyLabels().sort(), ['dropped', 'web']);
    await again.delete('dropped');
    assert.deepEqual(privateKeyLabels(), ['web']);
    await assert.rejects(again.delete('dropped'), is('NOT_FOUND'));
  });

  it('issues on the token with a CA on the token; a failed issue leaves no key behind', async () => {
    await createSelfSignedEntry(store, 'token-ca', { subject: 'CN=Token CA', ca: true, days: 10 });
    assert.equal(store.entry('token-ca').trusted, true, 'a CA certificate with its key anchors chains');
    await issueEntry(store, 'leaf', 'token-ca', { subject: 'CN=leaf.example.com', profile: 'server', days: 5 });
    assert.equal(store.entry('leaf').trusted, false);
    const before = privateKeyLabels().sort();
    // An expired CA is refused after the key is made: the key must go with the failure.
    await assert.rejects(issueEntry(store, 'late', 'token-ca', { subject: 'CN=late', days: 5, now: new Date(Date.now() + 30 * 86_400_000) }), is('USAGE'));
    assert.deepEqual(privateKeyLabels().sort(), before);
  });

  it('copies a key from a file onto the token, and from the token only a certificate, when asked', async () => {
    const file = await createKeyStore(t.file('copy.p12'), { type: 'pkcs12', password: 'copy-pass', provider: software });
    await createSelfSignedEntry(file, 'from-file', { subject: 'CN=from-file' });
    const copy = await copyEntry(file, 'from-file', store);
    assert.equal(copy.hasPrivateKey, true);
    const key = await store.privateKey('from-file');
    assert.equal(key.extractable, false);
    await assert.rejects(copyEntry(store, 'leaf', file), is('USAGE'));
    await assert.rejects(copyEntry(file, 'from-file', store), is('CONFLICT'));
    const certOnly = await copyEntry(store, 'leaf', file, { certificateOnly: true });
    assert.equal(certOnly.hasPrivateKey, false);
    await assert.rejects(copyEntry(file, 'from-file', file, { label: 'x' }), is('USAGE'));
  });
});
