import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, statSync, writeFileSync } from 'node:fs';
import {
  changeKeyStorePassword,
  createKeyStore,
  createRequest,
  createSelfSignedEntry,
  finishPasswordChange,
  openKeyDatabase,
  openRequestStore,
  pendingStashPathFor,
  readStashFor,
  softwareProvider,
  stashedPassword,
  stashPathFor,
  writeStash,
} from '../../../src/core/index.js';
import { tempDir } from '../../helpers/cli.js';

describe('keystore/password-change', function () {
  this.timeout(60_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const provider = softwareProvider();

  /** A database under `old` with a stash, a key and a pending request; and the new stash a change writes first, holding `next`. */
  async function interrupted(name: string, old: string, next: string) {
    const file = tmp.file(`${name}.kdb`);
    const store = await createKeyStore(file, { password: old, stash: true });
    await createSelfSignedEntry(store, 'web', { subject: 'CN=web' });
    await createRequest(store, await openRequestStore(file, { password: old }), 'pending', { subject: 'CN=pending' });
    writeFileSync(await pendingStashPathFor(file), writeStash(provider, next), { mode: 0o600 });
    return { file, store };
  }

  it('finishes a change that reached the database: the new stash replaces the old, the request keys follow', async () => {
    const { file, store } = await interrupted('reached', 'old-password', 'new-password');
    // The crash came after the database was written under the new password.
    await store.changePassword('new-password');
    assert.equal((await readStashFor(file))?.password, 'old-password', 'the stash as the crash left it');
    assert.equal((await stashedPassword(file))?.password, 'new-password');
    assert.equal(existsSync(await pendingStashPathFor(file)), false);
    assert.deepEqual((await openRequestStore(file, { password: 'new-password' })).list().map((r) => r.label), ['pending']);
    await (await openKeyDatabase(file, { password: 'new-password' })).privateKey('web');
  });

  it('rolls back a change that did not reach the database: the spare new stash goes, the old one stays', async () => {
    const { file } = await interrupted('not-reached', 'old-password', 'new-password');
    assert.equal(await finishPasswordChange(file), 'rolled back');
    assert.equal(existsSync(await pendingStashPathFor(file)), false);
    assert.equal((await stashedPassword(file))?.password, 'old-password');
    assert.equal(await finishPasswordChange(file), 'none');
  });

  it('a password change first finishes one a crash left, then makes its own', async () => {
    const { file, store } = await interrupted('twice', 'first-password', 'second-password');
    await store.changePassword('second-password');
    const again = await openKeyDatabase(file, { password: 'second-password' });
    const result = await changeKeyStorePassword(again, 'third-password');
    assert.equal(result.stash, stashPathFor(file));
    assert.equal(result.pendingRequests, 1);
    assert.equal((await readStashFor(file))?.password, 'third-password');
    assert.equal(existsSync(await pendingStashPathFor(file)), false);
    assert.deepEqual((await openRequestStore(file, { password: 'third-password' })).list().map((r) => r.label), ['pending']);
  });

  it('keeps the stash\'s owner, group and mode, so the service that reads it still can', async function () {
    const file = tmp.file('service.kdb');
    const store = await createKeyStore(file, { password: 'old-password', stash: true });
    const stash = stashPathFor(file);
    chmodSync(stash, 0o640);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(stash, 65534, 65534);
    await changeKeyStorePassword(store, 'new-password');
    const s = statSync(stash);
    assert.equal(s.mode & 0o777, 0o640);
    if (asRoot) assert.deepEqual([s.uid, s.gid], [65534, 65534]);
    assert.equal((await readStashFor(file))?.password, 'new-password');
  });
});
