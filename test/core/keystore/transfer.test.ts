import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { readCertificateFile } from '../../../src/core/pki/certificate-file.js';
import { encodePem } from '../../../src/core/pki/pem.js';
import { createKeyStore } from '../../../src/core/keystore/create.js';
import { createSelfSignedEntry } from '../../../src/core/keystore/create-entry.js';
import type { FileKeyStore } from '../../../src/core/keystore/file-key-store.js';
import { issueEntry } from '../../../src/core/keystore/issue.js';
import { copyEntry, exportEntry, importCertificates, importKeyPair } from '../../../src/core/keystore/transfer.js';
import { tempDir } from '../../helpers/cli.js';

const provider = createSoftwareProvider();
const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('keystore/transfer', function () {
  this.timeout(60_000);
  const tmp = tempDir();
  let source: FileKeyStore;
  before(async () => {
    source = await createKeyStore(tmp.file('source.kdb'), { password: 'pw', provider });
    await createSelfSignedEntry(source, 'root', { subject: 'CN=Transfer Root', ca: true });
    await issueEntry(source, 'leaf', 'root', { subject: 'CN=leaf.example' });
  });
  after(() => tmp.cleanup());

  it('imports every certificate of a PEM file, naming them from their subjects and skipping ones present', async () => {
    const target = await createKeyStore(tmp.file('certs.kdb'), { password: 'pw', provider });
    const pem = new TextEncoder().encode(encodePem('CERTIFICATE', source.entry('leaf').certificate) + encodePem('CERTIFICATE', source.entry('root').certificate));
    const first = await importCertificates(target, pem, { label: 'mine' });
    assert.deepEqual(first.added.map((e) => [e.label, e.trusted, e.hasPrivateKey]), [['mine', true, false], ['Transfer Root', true, false]]);
    const again = await importCertificates(target, pem);
    assert.deepEqual(again.added, []);
    assert.deepEqual(again.skipped, [{ label: 'mine', subject: 'CN=leaf.example' }, { label: 'Transfer Root', subject: 'CN=Transfer Root' }]);
    // A single certificate already present is a conflict, not a quiet skip.
    await assert.rejects(importCertificates(target, source.entry('root').certificate), is('CONFLICT'));
  });

  it('exports an entry as DER, PEM with its chain and encrypted key, and PKCS #7', async () => {
    const der = await exportEntry(source, 'leaf', { format: 'der' });
    assert.deepEqual([der.bytes, der.certificates, der.withKey], [source.entry('leaf').certificate, 1, false]);
    const pem = await exportEntry(source, 'leaf', { format: 'pem', chain: true, withKey: true, exportPassword: 'export-pw' });
    assert.deepEqual([pem.certificates, pem.withKey], [2, true]);
    assert.match(text(pem.bytes), /-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    assert.doesNotMatch(text(pem.bytes), /BEGIN PRIVATE KEY/);
    assert.deepEqual(readCertificateFile(pem.bytes), [source.entry('leaf').certificate, source.entry('root').certificate]);
    const p7 = await exportEntry(source, 'leaf', { format: 'pkcs7', chain: true });
    assert.deepEqual(readCertificateFile(p7.bytes), [source.entry('leaf').certificate, source.entry('root').certificate]);
  });

  it('refuses exports that would lose or expose something', async () => {
    await assert.rejects(exportEntry(source, 'leaf', { format: 'pem', withKey: true }), is('USAGE'));
    await assert.rejects(exportEntry(source, 'leaf', { format: 'der', chain: true }), is('USAGE'));
    await assert.rejects(exportEntry(source, 'leaf', { format: 'pkcs7', withKey: true, exportPassword: 'x' }), is('USAGE'));
    await assert.rejects(exportEntry(source, 'leaf', { format: 'pkcs12' }), is('USAGE'));
    const anchors = await createKeyStore(tmp.file('anchor.kdb'), { password: 'pw', provider });
    await anchors.addCertificate('root', source.entry('root').certificate);
    await assert.rejects(exportEntry(anchors, 'root', { format: 'pem', withKey: true, exportPassword: 'x' }), is('USAGE'));
  });

  it('round-trips a key entry and its chain through PKCS #12', async () => {
    const p12 = await exportEntry(source, 'leaf', { format: 'pkcs12', chain: true, exportPassword: 'p12-pw' });
    assert.deepEqual([p12.certificates, p12.withKey], [2, true]);
    const target = await createKeyStore(tmp.file('from-p12.kdb'), { password: 'pw', provider });
    await assert.rejects(importKeyPair(target, p12.bytes, {}), is('USAGE'));
    const result = await importKeyPair(target, p12.bytes, { importPassword: 'p12-pw', withChain: true });
    assert.deepEqual(result.added.map((e) => [e.label, e.hasPrivateKey]), [['leaf', true], ['Transfer Root', false]]);
    assert.deepEqual((await target.privateKey('leaf')).spki, (await source.privateKey('leaf')).spki);
    await assert.rejects(importKeyPair(target, p12.bytes, { importPassword: 'wrong' }), is('BAD_PASSWORD'));
  });

  it('copies an entry to another store, its certificate alone when asked, never onto itself', async () => {
    const target = await createKeyStore(tmp.file('copy.p12'), { type: 'pkcs12', password: 'pw', provider });
    const copied = await copyEntry(source, 'leaf', target);
    assert.deepEqual([copied.label, copied.hasPrivateKey], ['leaf', true]);
    const alone = await copyEntry(source, 'root', target, { label: 'root cert', certificateOnly: true });
    assert.deepEqual([alone.label, alone.hasPrivateKey], ['root cert', false]);
    await assert.rejects(copyEntry(source, 'leaf', target), is('CONFLICT'));
    await assert.rejects(copyEntry(source, 'leaf', source, { label: 'other' }), is('USAGE'));
    await assert.rejects(copyEntry(source, 'root', target, { certificateOnly: true, isDefault: true }), is('USAGE'));
  });
});
