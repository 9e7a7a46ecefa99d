import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { createKeyStore } from '../../../src/core/keystore/create.js';
import { createSelfSignedEntry } from '../../../src/core/keystore/create-entry.js';
import { credentialsFrom, trustAnchorsOf, trustMaterialOf } from '../../../src/core/keystore/credentials.js';
import type { FileKeyStore } from '../../../src/core/keystore/file-key-store.js';
import { issueEntry } from '../../../src/core/keystore/issue.js';
import { readCertificate } from '../../../src/core/pki/certificate/index.js';
import { tempDir } from '../../helpers/cli.js';

const provider = createSoftwareProvider();
const isUsage = (e: unknown) => e instanceof KymanError && e.code === 'USAGE';
const subjectsOf = (certs: Uint8Array[]) => certs.map((c) => readCertificate(provider, c).subject).sort();

describe('keystore/credentials', function () {
  this.timeout(60_000);
  const tmp = tempDir('kyman-credentials-');
  let store: FileKeyStore;

  before(async () => {
    // A CMS database: GSKit (and kyman) mark every key entry trusted, leaves included.
    store = await createKeyStore(tmp.file('creds.kdb'), { password: 'pw', provider });
    await createSelfSignedEntry(store, 'root', { subject: 'CN=Root CA', ca: true });
    await issueEntry(store, 'intermediate', 'root', { subject: 'CN=Intermediate CA', profile: 'ca' });
    await issueEntry(store, 'leaf', 'intermediate', { subject: 'CN=leaf.example', subjectAltNames: ['dns:leaf.example'] });
    await issueEntry(store, 'direct', 'root', { subject: 'CN=direct.example' });
    await createSelfSignedEntry(store, 'self-signed', { subject: 'CN=self.example' });
    // A CA certificate someone marked untrusted.
    const other = await createKeyStore(tmp.file('other.kdb'), { password: 'pw', provider });
    await createSelfSignedEntry(other, 'other-ca', { subject: 'CN=Other CA', ca: true });
    await store.addCertificate('distrusted-ca', other.entry('other-ca').certificate, { trusted: false });
  });
  after(() => tmp.cleanup());

  it('trustAnchorsOf: trusted CA and self-signed entries anchor; a trusted signed leaf and an untrusted CA do not', () => {
    for (const label of ['root', 'intermediate', 'leaf', 'direct', 'self-signed']) assert.equal(store.entry(label).trusted, true, label);
    assert.equal(store.entry('distrusted-ca').trusted, false);
    assert.deepEqual(subjectsOf(trustAnchorsOf(store, provider)), ['CN=Intermediate CA', 'CN=Root CA', 'CN=self.example']);
  });

  it('trustMaterialOf: the anchors, and every certificate that is not an anchor', () => {
    assert.deepEqual(subjectsOf(trustMaterialOf(store, provider).intermediates), ['CN=Other CA', 'CN=direct.example', 'CN=leaf.example']);
    assert.deepEqual(trustMaterialOf(store).anchors, trustAnchorsOf(store));
    assert.equal(trustMaterialOf(store).anchors.length + trustMaterialOf(store).intermediates.length, store.entries().length);
  });

  it('credentialsFrom: the leaf first, then its issuers up to the root, which is left out', async () => {
    const creds = await credentialsFrom(store, 'leaf');
    assert.equal(creds.label, 'leaf');
    assert.deepEqual(creds.certificateChain.map((c) => readCertificate(provider, c).subject), ['CN=leaf.example', 'CN=Intermediate CA']);
    assert.deepEqual(creds.certificateChain[0], store.entry('leaf').certificate);
    assert.deepEqual(creds.privateKey.spki, (await store.privateKey('leaf')).spki);
    assert.equal(creds.provider, store.provider);
    // Signed by the root directly: the root is left out, so the leaf goes alone.
    assert.deepEqual((await credentialsFrom(store, 'direct')).certificateChain, [store.entry('direct').certificate]);
    // A self-signed certificate is its own chain: nothing to leave out.
    assert.deepEqual((await credentialsFrom(store, 'self-signed')).certificateChain, [store.entry('self-signed').certificate]);
  });

  it('credentialsFrom without a label takes the default key', async () => {
    assert.equal(store.defaultEntry()?.label, 'root');
    const creds = await credentialsFrom(store, undefined);
    assert.equal(creds.label, 'root');
    assert.deepEqual(creds.certificateChain, [store.entry('root').certificate]);
  });

  it('credentialsFrom refuses a store with no default key and an entry with no private key', async () => {
    const certificatesOnly = await createKeyStore(tmp.file('anchors.kdb'), { password: 'pw', provider });
    await certificatesOnly.addCertificate('root', store.entry('root').certificate);
    await assert.rejects(credentialsFrom(certificatesOnly, undefined), (e: unknown) => isUsage(e) && /has no default key/.test((e as Error).message));
    await assert.rejects(credentialsFrom(certificatesOnly, 'root'), (e: unknown) => isUsage(e) && /"root" .* has no private key/.test((e as Error).message));
    await assert.rejects(credentialsFrom(store, 'distrusted-ca'), (e: unknown) => isUsage(e) && /no private key/.test((e as Error).message));
    await assert.rejects(credentialsFrom(store, 'absent'), (e: unknown) => e instanceof KymanError && e.code === 'NOT_FOUND');
  });
});
