import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { createKeyStore } from '../../../src/core/keystore/create.js';
import { createSelfSignedEntry } from '../../../src/core/keystore/create-entry.js';
import { deleteKeyStore, peekKeyDatabase } from '../../../src/core/keystore/database-files.js';
import { createRequest, openRequestStore, requestDatabasePathFor } from '../../../src/core/keystore/requests/index.js';
import { stashPathFor } from '../../../src/core/keystore/stash.js';
import { tempDir } from '../../helpers/cli.js';

const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

describe('keystore/database-files', function () {
  this.timeout(30_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('peeks at a CMS database, its .rdb and a PKCS #12 file without a password', async () => {
    const file = tmp.file('peek.kdb');
    const store = await createKeyStore(file, { password: 'pw', recordLength: 3000 });
    await createSelfSignedEntry(store, 'a', { subject: 'CN=a' });
    const cms = await peekKeyDatabase(file);
    assert.deepEqual({ ...cms, size: undefined }, { path: file, type: 'cms', fileType: 'key', version: 6, recordLength: 3000, entryCount: 1, size: undefined, mode: '0600' });
    assert.equal(cms.size > 3000, true);
    await createRequest(store, await openRequestStore(file, { password: 'pw' }), 'r', { subject: 'CN=r' });
    assert.equal((await peekKeyDatabase(requestDatabasePathFor(file))).fileType, 'request');
    const p12 = tmp.file('peek.p12');
    await createKeyStore(p12, { type: 'pkcs12', password: 'pw' });
    const summary = await peekKeyDatabase(p12);
    assert.deepEqual([summary.type, summary.entryCount, summary.version], ['pkcs12', undefined, undefined]);
  });

  it('refuses a file that is no key database, and one that is not there', async () => {
    const text = tmp.file('notes.txt');
    writeFileSync(text, 'hello\n');
    await assert.rejects(peekKeyDatabase(text), is('BAD_INPUT'));
    await assert.rejects(deleteKeyStore(text), is('BAD_INPUT'));
    assert.equal(existsSync(text), true);
    await assert.rejects(peekKeyDatabase(tmp.file('absent.kdb')), is('NOT_FOUND'));
  });

  it('deletes a database with its .rdb and stash, and says which files went', async () => {
    const file = tmp.file('gone.kdb');
    const store = await createKeyStore(file, { password: 'pw', stash: true });
    await createRequest(store, await openRequestStore(file, { password: 'pw' }), 'r', { subject: 'CN=r' });
    const beside = tmp.file('gone.p12');
    await createKeyStore(beside, { type: 'pkcs12', password: 'pw' });
    assert.deepEqual(await deleteKeyStore(file), [file, requestDatabasePathFor(file), stashPathFor(file)]);
    for (const f of [file, requestDatabasePathFor(file), stashPathFor(file)]) assert.equal(existsSync(f), false, f);
    // Only what belongs to it: a PKCS #12 file of the same name stays, and without companions goes alone.
    assert.equal(existsSync(beside), true);
    assert.deepEqual(await deleteKeyStore(beside), [beside]);
  });
});
