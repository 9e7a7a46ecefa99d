import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { createCertificate } from '../../../src/core/pki/certificate/index.js';
import { applyBatch, type BatchOptions } from '../../../src/core/keystore/batch.js';
import { createKeyStore } from '../../../src/core/keystore/create.js';
import { openKeyDatabase } from '../../../src/core/keystore/open.js';
import { tempDir } from '../../helpers/cli.js';

const provider = createSoftwareProvider();
const options: BatchOptions = { password: 'pw', provider };
const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

async function selfSigned(subject: string, ca = false) {
  const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
  return { key, certificate: await createCertificate(provider, { subject, subjectKey: key, days: 30, ca }) };
}

describe('keystore/batch', function () {
  this.timeout(30_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  for (const type of ['cms', 'pkcs12'] as const) {
    it(`${type}: adds key pairs and CA certificates in one write; the first key becomes the default`, async () => {
      const file = tmp.file(`add.${type}`);
      await createKeyStore(file, { type, password: 'pw', provider });
      const a = await selfSigned('CN=a');
      const b = await selfSigned('CN=b');
      const ca = await selfSigned('CN=CA', true);
      const result = await applyBatch(file, [
        { kind: 'key-pair', label: 'a', ...a },
        { kind: 'key-pair', label: 'b', ...b },
        { kind: 'certificate', label: 'ca', certificate: ca.certificate, trusted: true },
      ], options);
      assert.deepEqual(result, { added: 3, replaced: 0, unchanged: 0 });
      const store = await openKeyDatabase(file, { password: 'pw', provider });
      assert.deepEqual(store.entries().map((e) => [e.label, e.hasPrivateKey]), [['a', true], ['b', true], ['ca', false]]);
      assert.equal(store.defaultEntry()?.label, 'a');
      assert.deepEqual((await store.privateKey('b')).spki, b.key.spki);
      assert.equal(store.entry('ca').trusted, true);
      // GSKit's habit for CMS: key entries are marked trusted; PKCS #12 cannot mark them.
      assert.equal(store.entry('a').trusted, type === 'cms');
    });
  }

  it('replaces a key entry keeping its flags, skips a certificate already present, and writes nothing when nothing changes', async () => {
    const file = tmp.file('replace.kdb');
    await createKeyStore(file, { password: 'pw', provider });
    const first = await selfSigned('CN=web');
    const ca = await selfSigned('CN=CA', true);
    await applyBatch(file, [{ kind: 'key-pair', label: 'web', ...first }, { kind: 'certificate', label: 'ca', certificate: ca.certificate, trusted: false }], options);
    const second = await selfSigned('CN=web');
    const result = await applyBatch(file, [{ kind: 'key-pair', label: 'web', ...second }, { kind: 'certificate', label: 'ca again', certificate: ca.certificate, trusted: true }], options);
    assert.deepEqual(result, { added: 0, replaced: 1, unchanged: 1 });
    const store = await openKeyDatabase(file, { password: 'pw', provider });
    assert.deepEqual(store.entry('web').certificate, second.certificate);
    assert.deepEqual((await store.privateKey('web')).spki, second.key.spki);
    assert.equal(store.entry('web').isDefault, true);
    assert.equal(store.has('ca again'), false);
    assert.equal(store.entry('ca').trusted, false);

    const before = readFileSync(file);
    assert.deepEqual(await applyBatch(file, [{ kind: 'certificate', label: 'ca', certificate: ca.certificate, trusted: true }], options), { added: 0, replaced: 0, unchanged: 1 });
    assert.deepEqual(readFileSync(file), before);
  });

  it('refuses a certificate over a key entry, a key that is not the certificate\'s, and a bad label, changing nothing', async () => {
    const file = tmp.file('refuse.kdb');
    await createKeyStore(file, { password: 'pw', provider });
    const web = await selfSigned('CN=web');
    await applyBatch(file, [{ kind: 'key-pair', label: 'web', ...web }], options);
    const before = readFileSync(file);
    const ca = await selfSigned('CN=CA', true);
    await assert.rejects(applyBatch(file, [{ kind: 'certificate', label: 'web', certificate: ca.certificate, trusted: true }], options), is('CONFLICT'));
    await assert.rejects(applyBatch(file, [{ kind: 'key-pair', label: 'x', certificate: web.certificate, key: ca.key }], options), is('BAD_INPUT'));
    await assert.rejects(applyBatch(file, [{ kind: 'certificate', label: ' x', certificate: ca.certificate, trusted: true }], options), is('USAGE'));
    assert.deepEqual(readFileSync(file), before);
  });
});
