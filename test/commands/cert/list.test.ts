// kyman cert list: a status column that reads without colour, --expiring DAYS for cron jobs, daysLeft in JSON.

import assert from 'node:assert/strict';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir } from '../../helpers/cli.js';

describe('kyman cert list expiry', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'list-test-password' };
  const db = tmp.file('l.kdb');

  before(() => {
    ok(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create');
    ok(kyman(['cert', 'create', 'fresh', '--db', db, '--subject', 'CN=fresh', '--days', '400']), 'fresh');
    ok(kyman(['cert', 'create', 'soon', '--db', db, '--subject', 'CN=soon', '--days', '12']), 'soon');
    ok(kyman(['cert', 'create', 'old', '--db', db, '--subject', 'CN=old', '--not-before', '2020-01-01', '--not-after', '2021-01-01']), 'old');
  });

  it('shows expired and "expires in N d" in words, with NO_COLOR and in a pipe', () => {
    const r = kyman(['cert', 'list', '--db', db]);
    ok(r, 'cert list');
    assert.match(r.stdout, /^LABEL\s+KIND\s+KEY\s+SUBJECT\s+EXPIRES\s+TRUSTED\s+DEFAULT\s+STATUS$/m);
    assert.match(r.stdout, /^old\s.*2021-01-01\s.*\sexpired$/m);
    assert.match(r.stdout, /^soon\s.*\sexpires in 11 d$/m);
    assert.match(r.stdout, /^fresh\s.*\sexpires in 399 d$/m);
    assert.doesNotMatch(r.stdout, /\u001b\[/);
  });

  it('--expiring DAYS lists what expires within DAYS (or has) and exits 1; nothing due is exit 0', () => {
    const due = kyman(['cert', 'list', '--db', db, '--expiring', '30']);
    assert.equal(due.status, 1, due.stderr);
    assert.match(due.stdout, /^old\s/m);
    assert.match(due.stdout, /^soon\s/m);
    assert.doesNotMatch(due.stdout, /^fresh\s/m);
    const j = kymanJson(['cert', 'list', '--db', db, '--expiring', '30']);
    assert.equal(j.__status, 1);
    assert.deepEqual(j.entries.map((e: { label: string; daysLeft: number }) => [e.label, e.daysLeft]).sort(), [['old', j.entries.find((e: { label: string }) => e.label === 'old').daysLeft], ['soon', 11]]);
    assert.ok(j.entries.find((e: { label: string }) => e.label === 'old').daysLeft < -365);
    const all = kymanJson(['cert', 'list', '--db', db]);
    assert.equal(all.__status, 0);
    assert.equal(all.entries.find((e: { label: string }) => e.label === 'fresh').daysLeft, 399);
    const other = tmp.file('fine.kdb');
    ok(kyman(['db', 'create', other, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create');
    ok(kyman(['cert', 'create', 'a', '--db', other, '--subject', 'CN=a']), 'a');
    const none = kyman(['cert', 'list', '--db', other, '--expiring', '30']);
    assert.equal(none.status, 0, none.stderr);
    assert.match(none.stdout, /No entry of .*fine\.kdb expires within 30 days/);
    expectCleanFailure(kyman(['cert', 'list', '--db', other, '--expiring', 'soon']), 2, /--expiring: "soon" is not a whole number of days/);
  });
});
