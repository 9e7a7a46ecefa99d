import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, statSync } from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { changeKeyStorePassword, changeRecordLength, createKeyStore, createSelfSignedEntry, openKeyDatabase, readStashFor, upgradeKeyStore, writeStashFile } from '../../../src/core/index.js';
import { tempDir } from '../../helpers/cli.js';
import { gskit } from '../../helpers/fixtures.js';

const codeOf = (e: unknown) => (e instanceof KymanError ? e.code : undefined);

describe('keystore/maintenance', function () {
  this.timeout(120_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('changes the password, re-encrypting keys and rewriting the stash', async () => {
    const file = tmp.file('pw.kdb');
    const store = await createKeyStore(file, { password: 'old-password', stash: true });
    await createSelfSignedEntry(store, 'a', { subject: 'CN=a' });
    await changeKeyStorePassword(store, 'new-password');
    assert.equal((await readStashFor(file))?.password, 'new-password');
    const again = await openKeyDatabase(file, { password: 'new-password' });
    await again.privateKey('a');
    await assert.rejects(openKeyDatabase(file, { password: 'old-password' }), (e) => codeOf(e) === 'BAD_PASSWORD');
    await writeStashFile(file, 'new-password');
    assert.equal(statSync(file.replace(/kdb$/, 'sth')).mode & 0o777, 0o600);
  });

  it('keeps a v3 or v4 database at its version unless upgraded', async () => {
    for (const [name, password, version] of [['zos-v3', 'password', 3], ['ihs-v4', '1qaz2wsx', 4]] as const) {
      const file = tmp.file(`${name}.kdb`);
      copyFileSync(gskit(`${name}.kdb`), file);
      // The samples are kept read-only, and kyman will not change a read-only database.
      chmodSync(file, 0o600);
      const store = await openKeyDatabase(file, { password });
      await createSelfSignedEntry(store, 'added', { subject: 'CN=added' });
      const reopened = await openKeyDatabase(file, { password });
      assert.equal(reopened.info().version, version);
      await reopened.privateKey('added');
      const upgraded = await openKeyDatabase(file, { password, upgrade: true });
      assert.equal(upgraded.info().version, 6);
      for (const e of upgraded.entries()) if (e.hasPrivateKey) await upgraded.privateKey(e.label);
    }
  });
  it('refuses an empty password, a record length out of bounds, and a record length for PKCS #12', async () => {
    const cms = await createKeyStore(tmp.file('bounds.kdb'), { password: 'pw' });
    await assert.rejects(changeKeyStorePassword(cms, ''), (e) => codeOf(e) === 'USAGE');
    await assert.rejects(changeRecordLength(cms, 999), (e) => codeOf(e) === 'USAGE');
    const p12 = await createKeyStore(tmp.file('bounds.p12'), { type: 'pkcs12', password: 'pw' });
    await assert.rejects(changeRecordLength(p12, 5000), (e) => codeOf(e) === 'USAGE' && /PKCS #12/.test((e as Error).message));
    assert.equal(await upgradeKeyStore(p12), false);
    assert.equal(await upgradeKeyStore(cms), false, 'a v6 database needs no upgrade');
    // No stash beside it: none is written by a password change.
    assert.equal((await changeKeyStorePassword(cms, 'pw2')).stash, undefined);
    assert.equal(await readStashFor(cms.path), undefined);
  });
});
