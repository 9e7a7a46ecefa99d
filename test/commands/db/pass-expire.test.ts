// kyman db create/passwd --pass-expire, db info's "Password expires", and the warning on opening a database whose password is expiring.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir } from '../../helpers/cli.js';

const DAY_MS = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

describe('kyman db --pass-expire', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();

  it('create --pass-expire 30: a 0600 sidecar, and info says in 30 days, in text and JSON', () => {
    const db = tmp.file('thirty.kdb');
    const created = kyman(['db', 'create', db, '--pass', 'pass:secret-30']);
    ok(created, 'db create without expiry');
    assert.equal(existsSync(`${db}.kyman.json`), false);
    assert.match(kyman(['db', 'info', db]).stdout, /Password expires\s+never/);
    ok(kyman(['db', 'delete', db, '--force']), 'db delete');
    const r = kyman(['db', 'create', db, '--pass', 'pass:secret-30', '--pass-expire', '30']);
    ok(r, 'db create --pass-expire 30');
    assert.match(r.stdout, new RegExp(`Password expires\\s+${day(30)} \\(in 30 days\\)`));
    assert.equal(statSync(`${db}.kyman.json`).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(`${db}.kyman.json`, 'utf8')).passwordExpires, day(30));
    assert.match(kyman(['db', 'info', db]).stdout, new RegExp(`Password expires\\s+${day(30)} \\(in 30 days\\)`));
    const info = kymanJson(['db', 'info', db]);
    assert.equal(info.__status, 0, info.__stderr);
    assert.equal(info.passwordExpires, day(30));
    assert.equal(info.passwordDaysLeft, 30);
    // Thirty days off is no reason to warn.
    const list = kyman(['cert', 'list', '--db', db, '--pass', 'pass:secret-30']);
    ok(list, 'cert list');
    assert.doesNotMatch(list.stderr, /password of/);
  });

  it('passwd --pass-expire sets a new expiry; without it the same interval starts again', () => {
    const db = tmp.file('change.kdb');
    ok(kyman(['db', 'create', db, '--pass', 'pass:old-pass', '--pass-expire', '10']), 'db create');
    writeFileSync(`${db}.kyman.json`, JSON.stringify({ version: 1, passwordExpires: day(2), passwordExpiryDays: 10 }));
    const again = kyman(['db', 'passwd', '--db', db, '--pass', 'pass:old-pass', '--new-pass', 'pass:new-pass']);
    ok(again, 'db passwd');
    assert.match(again.stdout, new RegExp(`Password expires: ${day(10)}`));
    const r = kymanJson(['db', 'passwd', '--db', db, '--pass', 'pass:new-pass', '--new-pass', 'pass:newer-pass', '--pass-expire', '90']);
    assert.equal(r.__status, 0, r.__stderr);
    assert.equal(r.passwordExpires, day(90));
    assert.equal(kymanJson(['db', 'info', db, '--pass', 'pass:newer-pass']).passwordDaysLeft, 90);
    ok(kyman(['db', 'passwd', '--db', db, '--pass', 'pass:newer-pass', '--new-pass', 'pass:newest-pass', '--pass-expire', '0']), 'db passwd --pass-expire 0');
    assert.equal(existsSync(`${db}.kyman.json`), false);
    const none = kymanJson(['db', 'info', db]);
    assert.equal(none.passwordExpires, null);
    assert.equal(none.passwordDaysLeft, null);
  });

  it('warns on opening a database whose password expired, and goes on (exit 0)', () => {
    const db = tmp.file('old.kdb');
    ok(kyman(['db', 'create', db, '--pass', 'pass:old-secret', '--pass-expire', '5']), 'db create');
    writeFileSync(`${db}.kyman.json`, JSON.stringify({ version: 1, passwordExpires: day(-3), passwordExpiryDays: 5 }));
    const list = kyman(['cert', 'list', '--db', db, '--pass', 'pass:old-secret']);
    ok(list, 'cert list');
    assert.match(list.stderr, new RegExp(`the password of old\\.kdb expired on ${day(-3)}: change it with "kyman db passwd`));
    assert.match(kyman(['db', 'info', db]).stdout, /Password expires\s+\S+ \(expired 3 days ago\)/);
    assert.equal(kymanJson(['db', 'info', db]).passwordDaysLeft, -3);
    writeFileSync(`${db}.kyman.json`, JSON.stringify({ version: 1, passwordExpires: day(7) }));
    assert.match(kyman(['cert', 'list', '--db', db, '--pass', 'pass:old-secret']).stderr, /expires on \S+ \(in 7 days\)/);
  });

  it('refuses a --pass-expire that is not a number of days, naming the flag', () => {
    const db = tmp.file('bad.kdb');
    expectCleanFailure(kyman(['db', 'create', db, '--pass', 'pass:x-secret', '--pass-expire', 'abc']), 2, /--pass-expire/);
    expectCleanFailure(kyman(['db', 'create', db, '--pass', 'pass:x-secret', '--pass-expire', '7301']), 2, /--pass-expire.*7300/);
    expectCleanFailure(kyman(['db', 'create', db, '--pass', 'pass:x-secret', '--pass-expire', '-1']), 2, /--pass-expire/);
    assert.equal(existsSync(db), false);
  });

  it('delete removes the sidecar with the database; convert carries it', () => {
    const db = tmp.file('both.kdb');
    ok(kyman(['db', 'create', db, '--pass', 'pass:both-secret', '--pass-expire', '20']), 'db create');
    const p12 = tmp.file('both.p12');
    ok(kyman(['db', 'convert', db, p12, '--pass', 'pass:both-secret']), 'db convert');
    assert.equal(kymanJson(['db', 'info', p12, '--pass', 'pass:both-secret']).passwordDaysLeft, 20);
    const gone = kymanJson(['db', 'delete', db, '--force']);
    assert.equal(gone.__status, 0, gone.__stderr);
    assert.ok(gone.deleted.includes(`${db}.kyman.json`), JSON.stringify(gone.deleted));
    assert.equal(existsSync(`${db}.kyman.json`), false);
    assert.equal(existsSync(`${p12}.kyman.json`), true);
  });
});
