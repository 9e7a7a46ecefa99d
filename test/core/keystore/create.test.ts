import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { checkNewPassword, checkRecordLength, createKeyStore, DEFAULT_RECORD_LENGTH, MAX_RECORD_LENGTH, MIN_RECORD_LENGTH } from '../../../src/core/keystore/create.js';
import { createSelfSignedEntry } from '../../../src/core/keystore/create-entry.js';
import { openKeyDatabase } from '../../../src/core/keystore/open.js';
import { readStashFor } from '../../../src/core/keystore/stash.js';
import { tempDir } from '../../helpers/cli.js';

const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

describe('keystore/create', function () {
  this.timeout(30_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('checks a record length: a whole number within the bounds', () => {
    assert.equal(DEFAULT_RECORD_LENGTH, 5000);
    assert.equal(checkRecordLength(MIN_RECORD_LENGTH), MIN_RECORD_LENGTH);
    assert.equal(checkRecordLength(MAX_RECORD_LENGTH), MAX_RECORD_LENGTH);
    for (const n of [MIN_RECORD_LENGTH - 1, MAX_RECORD_LENGTH + 1, 2500.5, Number.NaN]) assert.throws(() => checkRecordLength(n), is('USAGE'), String(n));
  });

  it('checks a new password: not empty, at most 128 bytes of UTF-8', () => {
    assert.equal(checkNewPassword('p'.repeat(128)), 'p'.repeat(128));
    assert.throws(() => checkNewPassword(''), is('USAGE'));
    assert.throws(() => checkNewPassword('p'.repeat(129)), is('USAGE'));
    // 64 two-byte characters are 128 bytes; one more is too many.
    assert.equal(checkNewPassword('é'.repeat(64)), 'é'.repeat(64));
    assert.throws(() => checkNewPassword('é'.repeat(65)), is('USAGE'));
  });

  it('creates an empty CMS database (0600) with its record length, and a stash when asked', async () => {
    const file = tmp.file('new.kdb');
    const store = await createKeyStore(file, { password: 'pw', recordLength: 2000, stash: true });
    assert.deepEqual([store.type, store.entries().length], ['cms', 0]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const info = (await openKeyDatabase(file, { password: 'pw' })).info();
    assert.deepEqual([info.version, info.recordLength], [6, 2000]);
    assert.equal((await readStashFor(file))?.password, 'pw');
  });

  it('creates a PKCS #12 database, and refuses CMS-only or PKCS #12-only options', async () => {
    const legacy = await createKeyStore(tmp.file('old.p12'), { type: 'pkcs12', password: 'pw', legacy: true });
    assert.equal(legacy.type, 'pkcs12');
    const modern = await createKeyStore(tmp.file('new.p12'), { type: 'pkcs12', password: 'pw' });
    await createSelfSignedEntry(modern, 'k', { subject: 'CN=k' });
    assert.equal((await openKeyDatabase(modern.path, { password: 'pw' })).info().legacy, false);
    await assert.rejects(createKeyStore(tmp.file('x.kdb'), { password: 'pw', legacy: true }), is('USAGE'));
    await assert.rejects(createKeyStore(tmp.file('x.p12'), { type: 'pkcs12', password: 'pw', recordLength: 5000 }), is('USAGE'));
    assert.equal(existsSync(tmp.file('x.kdb')) || existsSync(tmp.file('x.p12')), false);
  });

  it('refuses to replace an existing file', async () => {
    const file = tmp.file('twice.kdb');
    await createKeyStore(file, { password: 'pw' });
    await assert.rejects(createKeyStore(file, { password: 'other' }), is('CONFLICT'));
    await openKeyDatabase(file, { password: 'pw' });
  });
});
