// Usage errors as people and scripts meet them: the flag and the reason, the usage line, "did you mean", help and -h.

import assert from 'node:assert/strict';
import { expectCleanFailure, kyman, kymanJson, suiteTempDir } from '../helpers/cli.js';

describe('kyman usage errors', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'usage-test-password' };
  const db = tmp.file('u.kdb');

  before(() => {
    assert.equal(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env }).status, 0);
    assert.equal(kyman(['cert', 'create', 'web-server', '--db', db, '--subject', 'CN=web']).status, 0);
  });

  it('names the flag and why a value does not parse, with the usage line', () => {
    const r = kyman(['cert', 'create', 'x', '--db', db, '--subject', 'CN=x', '--days', 'abc']);
    expectCleanFailure(r, 2, /^kyman: --days: "abc" is not a whole number of days$/);
    assert.match(r.stderr, /^usage: kyman cert create LABEL --subject DN \[FLAGS\]/m);
    expectCleanFailure(kyman(['cert', 'create', 'x', '--db', db, '--subject', 'CN=x', '--days', '0']), 2, /--days: 0 is too small \(at least 1\)/);
  });

  it('names a missing required flag and argument', () => {
    expectCleanFailure(kyman(['cert', 'create', 'x', '--db', db]), 2, /^kyman: --subject is required$/);
    expectCleanFailure(kyman(['db', 'create']), 2, /^kyman: missing argument: FILE \(The database file to create\.\)$/);
    expectCleanFailure(kyman(['db', 'create', tmp.file('t.kdb'), '--type', 'foo']), 2, /--type: "foo" is not one of cms, pkcs12/);
  });

  it('says the same in --json, with the usage', () => {
    const r = kymanJson(['cert', 'create', 'x', '--db', db, '--subject', 'CN=x', '--days', 'abc']);
    assert.equal(r.__status, 2);
    assert.equal(r.error.code, 'USAGE');
    assert.equal(r.error.message, '--days: "abc" is not a whole number of days');
    assert.match(r.error.usage, /^kyman cert create LABEL/);
  });

  it('suggests the flag, the command and the label a typo meant', () => {
    expectCleanFailure(kyman(['db', 'create', tmp.file('t.kdb'), '--stsh']), 2, /unknown flag --stsh \(did you mean --stash\?\)/);
    expectCleanFailure(kyman(['db', 'create', tmp.file('t.kdb'), '--password', 'pass:x']), 2, /unknown flag --password \(did you mean --pass\?\)/);
    expectCleanFailure(kyman(['cert', 'lst', '--db', db]), 2, /"kyman cert lst" is not a kyman command \(did you mean "kyman cert list"\?\)/);
    const j = kymanJson(['cert', 'lst', '--db', db]);
    assert.equal(j.__status, 2);
    assert.match(j.error.message, /did you mean "kyman cert list"/);
    expectCleanFailure(kyman(['cert', 'show', 'web-servr', '--db', db]), 4, /no entry labelled "web-servr" in u\.kdb \(did you mean "web-server"\?\)/);
  });

  it('has help X, -h and shell completion', () => {
    const h = kyman(['help', 'cert', 'list']);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /USAGE\n {2}\$ kyman cert list/);
    const dash = kyman(['cert', 'list', '-h']);
    assert.equal(dash.status, 0);
    assert.match(dash.stdout, /USAGE\n {2}\$ kyman cert list/);
    const ac = kyman(['autocomplete', 'bash']);
    assert.equal(ac.status, 0, ac.stderr);
    assert.match(ac.stdout, /kyman/);
  });
});
