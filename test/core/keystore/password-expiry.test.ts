// The password expiry kept beside a key database: the sidecar's path, reading and writing it, and the day arithmetic.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { changeKeyStorePassword } from '../../../src/core/keystore/password-change.js';
import { convertKeyStore } from '../../../src/core/keystore/convert.js';
import { createKeyStore } from '../../../src/core/keystore/create.js';
import { deleteKeyStore } from '../../../src/core/keystore/database-files.js';
import {
  checkPasswordExpiryDays,
  describePasswordExpiry,
  expiryDateIn,
  kymanSidecarPathFor,
  MAX_PASSWORD_EXPIRY_DAYS,
  passwordDaysLeft,
  passwordExpiryWarning,
  readPasswordExpiry,
  renewPasswordExpiry,
  writePasswordExpiry,
} from '../../../src/core/keystore/password-expiry.js';
import { tempDir } from '../../helpers/cli.js';

const NOW = new Date('2026-12-03T05:40:00Z');
const is = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

describe('keystore/password-expiry', function () {
  this.timeout(30_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('keeps the sidecar beside the database under its whole name', () => {
    assert.equal(kymanSidecarPathFor('/x/keys.kdb'), '/x/keys.kdb.kyman.json');
    assert.equal(kymanSidecarPathFor('keys.p12'), 'keys.p12.kyman.json');
    assert.notEqual(kymanSidecarPathFor('a.kdb'), kymanSidecarPathFor('a.p12'));
  });

  it('counts whole UTC days, negative once expired', () => {
    assert.equal(expiryDateIn(30, NOW), '2027-01-02');
    assert.equal(passwordDaysLeft('2027-01-02', NOW), 30);
    assert.equal(passwordDaysLeft('2026-12-03', NOW), 0);
    assert.equal(passwordDaysLeft('2026-11-30', NOW), -3);
    // Late in the day still counts from that day.
    assert.equal(passwordDaysLeft('2026-12-04', new Date('2026-12-03T23:59:59Z')), 1);
    assert.equal(describePasswordExpiry({ expires: '2027-01-02' }, NOW), '2027-01-02 (in 30 days)');
    assert.equal(describePasswordExpiry({ expires: '2026-11-30' }, NOW), '2026-11-30 (expired 3 days ago)');
    assert.equal(describePasswordExpiry({ expires: '2026-12-04' }, NOW), '2026-12-04 (in 1 day)');
    assert.equal(describePasswordExpiry(undefined, NOW), 'never');
  });

  it('accepts 0 to the maximum whole days and nothing else', () => {
    assert.equal(checkPasswordExpiryDays(0), 0);
    assert.equal(checkPasswordExpiryDays(MAX_PASSWORD_EXPIRY_DAYS), MAX_PASSWORD_EXPIRY_DAYS);
    for (const bad of [-1, 1.5, MAX_PASSWORD_EXPIRY_DAYS + 1, Number.NaN]) assert.throws(() => checkPasswordExpiryDays(bad), is('USAGE'), String(bad));
  });

  it('writes a versioned 0600 sidecar, keeps keys it does not know, and removes it for never', async () => {
    const db = tmp.file('rw.kdb');
    assert.equal(await readPasswordExpiry(db), undefined);
    assert.deepEqual(await writePasswordExpiry(db, 30, NOW), { expires: '2027-01-02', days: 30 });
    const side = kymanSidecarPathFor(db);
    assert.equal(statSync(side).mode & 0o777, 0o600);
    const body = JSON.parse(readFileSync(side, 'utf8'));
    assert.deepEqual(body, { version: 1, passwordExpires: '2027-01-02', passwordExpiryDays: 30 });
    assert.deepEqual(await readPasswordExpiry(db), { expires: '2027-01-02', days: 30 });
    await writePasswordExpiry(db, 0, NOW);
    assert.equal(existsSync(side), false);
    writeFileSync(side, JSON.stringify({ version: 2, later: 'kept', passwordExpires: '2027-05-01T00:00:00Z' }));
    assert.deepEqual(await readPasswordExpiry(db), { expires: '2027-05-01' });
    await writePasswordExpiry(db, 0, NOW);
    assert.deepEqual(JSON.parse(readFileSync(side, 'utf8')), { version: 1, later: 'kept' });
    writeFileSync(side, '{not json');
    await assert.rejects(readPasswordExpiry(db), is('BAD_INPUT'));
  });

  it('warns within the threshold and once expired, not before', async () => {
    const db = tmp.file('warn.kdb');
    assert.equal(await passwordExpiryWarning(db, NOW), undefined);
    await writePasswordExpiry(db, 30, NOW);
    assert.equal(await passwordExpiryWarning(db, NOW), undefined);
    assert.match((await passwordExpiryWarning(db, new Date('2026-12-25T00:00:00Z')))!, /password of warn\.kdb expires on 2027-01-02 \(in 8 days\).*kyman db passwd/);
    assert.match((await passwordExpiryWarning(db, new Date('2027-01-05T00:00:00Z')))!, /password of warn\.kdb expired on 2027-01-02/);
  });

  it('renews the interval on a password change, and sets none where there was none', async () => {
    const db = tmp.file('renew.kdb');
    const store = await createKeyStore(db, { password: 'pw-one', passwordExpiryDays: 10, now: NOW });
    assert.deepEqual(await readPasswordExpiry(db), { expires: '2026-12-13', days: 10 });
    const later = new Date('2026-12-20T00:00:00Z');
    assert.deepEqual((await changeKeyStorePassword(store, 'pw-two', { now: later })).passwordExpiry, { expires: '2026-12-30', days: 10 });
    assert.deepEqual((await changeKeyStorePassword(store, 'pw-three', { passwordExpiryDays: 0, now: later })).passwordExpiry, undefined);
    assert.equal(existsSync(kymanSidecarPathFor(db)), false);
    assert.equal(await renewPasswordExpiry(db, later), undefined);
    store.close();
  });

  it('goes with a conversion and a deletion', async () => {
    const db = tmp.file('conv.kdb');
    const store = await createKeyStore(db, { password: 'pw', passwordExpiryDays: 45, now: NOW });
    const target = tmp.file('conv.p12');
    (await convertKeyStore(store, target, { type: 'pkcs12', password: 'pw' })).close();
    assert.deepEqual(await readPasswordExpiry(target), { expires: '2027-01-17', days: 45 });
    store.close();
    assert.ok((await deleteKeyStore(db)).includes(kymanSidecarPathFor(db)));
    assert.equal(existsSync(kymanSidecarPathFor(db)), false);
    assert.equal(existsSync(kymanSidecarPathFor(target)), true);
  });

  it('clears a sidecar left behind when a database of that name is created without an expiry', async () => {
    const db = tmp.file('stale.kdb');
    await writePasswordExpiry(db, 5, NOW);
    (await createKeyStore(db, { password: 'pw' })).close();
    assert.equal(await readPasswordExpiry(db), undefined);
  });
});
