import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createSoftwareProvider } from '../../../../src/core/crypto/index.js';
import { KymanError } from '../../../../src/core/errors.js';
import { publicKeyMatches } from '../../../../src/core/pki/certificate/index.js';
import { writePkcs7 } from '../../../../src/core/pki/pkcs7.js';
import { createKeyStore, openKeyDatabase } from '../../../../src/core/keystore/index.js';
import { createSelfSignedEntry } from '../../../../src/core/keystore/create-entry.js';
import { signRequest } from '../../../../src/core/keystore/issue.js';
import { createRequest, openRequestStore, receiveCertificate, renewRequest } from '../../../../src/core/keystore/requests/index.js';
import type { FileKeyStore } from '../../../../src/core/keystore/file-key-store.js';
import { tempDir } from '../../../helpers/cli.js';

const provider = createSoftwareProvider();
const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

describe('keystore/requests/actions', function () {
  this.timeout(60_000);
  const tmp = tempDir('kyman-req-actions-');
  const dir = tmp.dir;
  let ca: FileKeyStore;
  before(async () => {
    ca = await createKeyStore(tmp.file('ca.kdb'), { password: 'ca-pw', provider });
    await createSelfSignedEntry(ca, 'root', { subject: 'CN=Actions Root', ca: true });
  });
  after(() => tmp.cleanup());

  it('refuses a request label that exists in the key database', async () => {
    const file = join(dir, 'dup.kdb');
    const store = await createKeyStore(file, { password: 'pw', provider });
    await createSelfSignedEntry(store, 'taken', { subject: 'CN=taken' });
    const requests = await openRequestStore(file, { password: 'pw', provider });
    await assert.rejects(createRequest(store, requests, 'taken', { subject: 'CN=x' }, provider), (e: unknown) => e instanceof KymanError && e.code === 'CONFLICT');
  });

  it('refuses an empty subject with no alternative names, and a bad label, before making a key', async () => {
    const file = tmp.file('names.kdb');
    const store = await createKeyStore(file, { password: 'pw', provider });
    const requests = await openRequestStore(file, { password: 'pw', provider });
    await assert.rejects(createRequest(store, requests, 'empty', { subject: '' }, provider), is('USAGE'));
    await assert.rejects(createRequest(store, requests, ' spaced', { subject: 'CN=x' }, provider), is('USAGE'));
    assert.deepEqual(requests.list(), []);
  });

  for (const type of ['cms', 'pkcs12'] as const) {
    it(`${type}: receives a certificate from a PKCS #7 chain into a key entry, adding the CA only when asked`, async () => {
      const file = tmp.file(`chain.${type === 'cms' ? 'kdb' : 'p12'}`);
      const store = await createKeyStore(file, { type, password: 'pw', provider });
      const requests = await openRequestStore(file, { password: 'pw', provider });
      const created = await createRequest(store, requests, 'web', { subject: 'CN=web.example', subjectAltNames: ['dns:web.example'] }, provider);
      assert.equal(created.info.publicKey.type, 'ec');
      assert.equal(created.file, requests.path);
      const signed = await signRequest(ca, 'root', created.request, { provider });
      const bundle = writePkcs7([signed.caCertificate, signed.certificate]);

      const result = await receiveCertificate(store, requests, bundle, { addChain: true });
      assert.deepEqual([result.label, result.subject, result.renewed], ['web', 'CN=web.example', false]);
      assert.deepEqual(result.chain, [{ subject: 'CN=Actions Root', label: 'Actions Root', added: true }]);
      const reopened = await openKeyDatabase(file, { password: 'pw', provider });
      assert.ok(publicKeyMatches(reopened.entry('web').certificate, (await reopened.privateKey('web')).spki));
      assert.equal(reopened.entry('Actions Root').hasPrivateKey, false);
      assert.equal(reopened.entry('Actions Root').trusted, true);
      assert.deepEqual((await openRequestStore(file, { password: 'pw', provider })).list(), []);

      // Renewing: the same key, and without addChain the CA already present is not listed again.
      const rq = await openRequestStore(file, { password: 'pw', provider });
      const renewal = await renewRequest(reopened, rq, 'web', { subject: 'CN=web.example,O=Renewed' }, provider);
      assert.equal(renewal.info.subject, 'CN=web.example,O=Renewed');
      assert.deepEqual(renewal.info.subjectAltNames, ['dns:web.example']);
      await assert.rejects(renewRequest(reopened, rq, 'web', {}, provider), is('CONFLICT'));
      const again = await signRequest(ca, 'root', renewal.request, { provider });
      const r2 = await receiveCertificate(reopened, rq, writePkcs7([again.certificate, again.caCertificate]));
      assert.equal(r2.renewed, true);
      assert.deepEqual(r2.chain, []);
      const final = await openKeyDatabase(file, { password: 'pw', provider });
      assert.deepEqual(final.entry('web').certificate, again.certificate);
      assert.equal(final.entries().length, 2);
    });
  }

  it('lists a chain certificate it was not asked to add, and refuses to renew an entry without a key', async () => {
    const file = tmp.file('noadd.kdb');
    const store = await createKeyStore(file, { password: 'pw', provider });
    const requests = await openRequestStore(file, { password: 'pw', provider });
    const created = await createRequest(store, requests, 'x', { subject: 'CN=x' }, provider);
    const signed = await signRequest(ca, 'root', created.request, { provider });
    const result = await receiveCertificate(store, requests, writePkcs7([signed.certificate, signed.caCertificate]));
    assert.deepEqual(result.chain, [{ subject: 'CN=Actions Root', added: false }]);
    assert.equal(store.has('Actions Root'), false);
    await store.addCertificate('anchor', signed.caCertificate);
    await assert.rejects(renewRequest(store, requests, 'anchor', {}, provider), is('USAGE'));
  });

  it('refuses a certificate when nothing is pending, saying so', async () => {
    const file = tmp.file('none.kdb');
    const store = await createKeyStore(file, { password: 'pw', provider });
    const requests = await openRequestStore(file, { password: 'pw', provider });
    await assert.rejects(receiveCertificate(store, requests, ca.entry('root').certificate), (e: unknown) => is('FAILED')(e) && /no certificate request is pending/.test((e as Error).message));
  });
});
