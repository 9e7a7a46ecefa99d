import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createSoftwareProvider } from '../../../../src/core/crypto/index.js';
import { KymanError } from '../../../../src/core/errors.js';
import { createCertificationRequest } from '../../../../src/core/pki/csr.js';
import { createKeyStore, openKeyDatabase, readStashFor } from '../../../../src/core/keystore/index.js';
import { createRequest, openRequestStore, requestDatabasePathFor } from '../../../../src/core/keystore/requests/index.js';
import { tempDir } from '../../../helpers/cli.js';

const provider = createSoftwareProvider();
const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

/** Independent of kyman's codec: the header as the format facts describe it. */
function cmsHeader(bytes: Uint8Array) {
  const b = Buffer.from(bytes);
  return { magic: b.subarray(0, 2).toString('hex'), version: b[2], typeByte: b[3], tag: b.subarray(8, 16).toString('latin1'), recordLength: b.readUInt32BE(0x10), count: b.readUInt32BE(0x14), size: b.length };
}
describe('keystore/requests/file-store', function () {
  this.timeout(60_000);
  const tmp = tempDir('kyman-req-store-');
  const dir = tmp.dir;
  after(() => tmp.cleanup());

  it('writes the .rdb as a v6 CMS request database (X509KYP), 0600, that opens with the stash', async () => {
    const file = join(dir, 'hdr.kdb');
    await createKeyStore(file, { password: 'stashed', stash: true, provider });
    const stash = (await readStashFor(file, provider))!;
    const store = await openKeyDatabase(file, { password: stash.password, provider });
    const requests = await openRequestStore(file, { password: stash.password, provider });
    await createRequest(store, requests, 'one', { subject: 'CN=one' }, provider);
    await createRequest(store, requests, 'two', { subject: 'CN=two', key: { type: 'rsa', bits: 4096 } }, provider);
    const rdb = requestDatabasePathFor(file);
    assert.equal(rdb, join(dir, 'hdr.rdb'));
    const h = cmsHeader(readFileSync(rdb));
    assert.deepEqual(h, { magic: '3748', version: 6, typeByte: 1, tag: 'X509KYP\0', recordLength: 5000, count: 2, size: 0x90 + 2 * 5000 });
    assert.equal(statSync(rdb).mode & 0o777, 0o600);
    const reread = await openRequestStore(file, { password: (await readStashFor(file, provider))!.password, provider });
    assert.deepEqual(reread.list().map((r) => r.label), ['one', 'two']);
    await assert.rejects(openRequestStore(file, { password: 'wrong', provider }), (e: unknown) => e instanceof KymanError && e.code === 'BAD_PASSWORD');
  });

  it('names the .rdb after the key database, whatever its extension', () => {
    assert.equal(requestDatabasePathFor('/a/b/web.kdb'), '/a/b/web.rdb');
    assert.equal(requestDatabasePathFor('/a/b.d/web'), '/a/b.d/web.rdb');
    assert.equal(requestDatabasePathFor('web.p12'), 'web.rdb');
  });

  for (const type of ['cms', 'pkcs12'] as const) {
    it(`${type}: adds, reads back and deletes a pending request and its key; refuses a key that is not the request's`, async () => {
      const file = tmp.file(`add.${type === 'cms' ? 'kdb' : 'p12'}`);
      await createKeyStore(file, { type, password: 'pw', provider });
      const requests = await openRequestStore(file, { password: 'pw', provider });
      assert.equal(requests.type, type);
      assert.equal(requests.path, type === 'cms' ? requestDatabasePathFor(file) : file);
      assert.deepEqual(requests.list(), []);
      const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-384' });
      const request = await createCertificationRequest(provider, { subject: 'CN=one', key, subjectAltNames: ['dns:one.example'] });
      const view = await requests.add('one', request, key);
      assert.deepEqual([view.label, view.subject, view.subjectAltNames, view.keyType, view.renewal], ['one', 'CN=one', ['dns:one.example'], 'EC P-384', false]);
      assert.deepEqual(view.spki, key.spki);

      const reread = await openRequestStore(file, { password: 'pw', provider });
      assert.equal(reread.has('one'), true);
      assert.deepEqual((await reread.privateKey('one')).spki, key.spki);
      // A pending request is no entry of the key database.
      assert.equal((await openKeyDatabase(file, { password: 'pw', provider })).entries().length, 0);

      const other = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
      await assert.rejects(reread.add('two', request, other), is('USAGE'));
      await assert.rejects(reread.add('one', request, key), is('CONFLICT'));
      assert.throws(() => reread.get('absent'), is('NOT_FOUND'));
      await assert.rejects(reread.delete('absent'), is('NOT_FOUND'));

      await reread.delete('one');
      assert.equal(reread.has('one'), false);
      assert.deepEqual((await openRequestStore(file, { password: 'pw', provider })).list(), []);
    });
  }

  it('cms: re-encrypts the pending keys and the .rdb under a new password', async () => {
    const file = tmp.file('reenc.kdb');
    const store = await createKeyStore(file, { password: 'old', provider });
    const requests = await openRequestStore(file, { password: 'old', provider });
    const created = await createRequest(store, requests, 'a', { subject: 'CN=a' }, provider);
    assert.equal(await requests.reencrypt('old', 'new'), 1);
    await assert.rejects(openRequestStore(file, { password: 'old', provider }), is('BAD_PASSWORD'));
    const moved = await openRequestStore(file, { password: 'new', provider });
    assert.deepEqual((await moved.privateKey('a')).spki, created.info.publicKey.spki);
  });

  it('pkcs12: moves pending keys from either password, so an interrupted change can run again', async () => {
    const file = tmp.file('reenc.p12');
    const store = await createKeyStore(file, { type: 'pkcs12', password: 'old', provider });
    const requests = await openRequestStore(file, { password: 'old', provider });
    const created = await createRequest(store, requests, 'a', { subject: 'CN=a' }, provider);
    // The key database's own change comes first: the file's MAC is then under the new password.
    await store.changePassword('new');
    const pending = await openRequestStore(file, { password: 'new', provider });
    await assert.rejects(pending.privateKey('a'), is('BAD_INPUT'));
    assert.equal(await pending.reencrypt('old', 'new'), 1);
    assert.equal(await pending.reencrypt('old', 'new'), 1);
    const moved = await openRequestStore(file, { password: 'new', provider });
    assert.deepEqual((await moved.privateKey('a')).spki, created.info.publicKey.spki);
  });

  it("writes no .rdb until the first request, and refuses a key database in the .rdb's place", async () => {
    const file = tmp.file('lazy.kdb');
    await createKeyStore(file, { password: 'pw', provider });
    await openRequestStore(file, { password: 'pw', provider });
    assert.equal(existsSync(requestDatabasePathFor(file)), false);
    // A key database (X509KYS) under the .rdb's name is refused, not read as requests.
    await createKeyStore(tmp.file('lazy.rdb'), { password: 'pw', provider });
    await assert.rejects(openRequestStore(file, { password: 'pw', provider }), (e: unknown) => is('BAD_INPUT')(e) && /not a request database/.test((e as Error).message));
  });
});
