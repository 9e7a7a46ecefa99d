// kyman db create: CMS and PKCS #12 databases, their modes and stash files.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, suiteTempDir } from '../../helpers/cli.js';

describe('kyman db create', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'db-test-password' };

  it('creates CMS and PKCS #12 databases 0600 with a stash, and reports them', () => {
    const kdb = tmp.file('new.kdb');
    const r = kymanJson(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash'], { env });
    assert.equal(r.__status, 0, r.__stderr);
    assert.equal(r.version, 6);
    assert.equal(r.recordLength, 5000);
    assert.equal(statSync(kdb).mode & 0o777, 0o600);
    assert.equal(statSync(tmp.file('new.sth')).mode & 0o777, 0o600);
    assert.equal(statSync(tmp.file('new.sth')).size, 193);
    const info = kymanJson(['db', 'info', kdb]);
    assert.equal(info.integrity, 'verified');
    assert.equal(info.entries, 0);
    const p12 = tmp.file('new.p12');
    assert.equal(kymanJson(['db', 'create', p12, '--type', 'pkcs12', '--pass', 'env:KDB_PASS'], { env }).__status, 0);
    assert.equal(kymanJson(['db', 'info', p12, '--pass', 'env:KDB_PASS'], { env }).type, 'pkcs12');
    expectCleanFailure(kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS'], { env }), 6, /already exists/);
  });

  it('warns that pass: is visible to other users', () => {
    const r = kyman(['db', 'create', tmp.file('visible.kdb'), '--pass', 'pass:visible-password']);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /warning: --pass pass:… is visible to other users/);
  });

  it('makes the type the extension names (.p12, .pfx, .kdb); --type wins, with a warning', () => {
    for (const [name, type] of [['ext.p12', 'pkcs12'], ['ext.PFX', 'pkcs12'], ['ext.kdb', 'cms'], ['ext.db', 'cms']]) {
      const r = kymanJson(['db', 'create', tmp.file(name), '--pass', 'env:KDB_PASS'], { env });
      assert.equal(r.__status, 0, r.__stderr);
      assert.equal(r.type, type, name);
      assert.equal(kymanJson(['db', 'info', tmp.file(name), '--pass', 'env:KDB_PASS'], { env }).type, type, name);
    }
    const r = kyman(['db', 'create', tmp.file('mis.p12'), '--type', 'cms', '--pass', 'env:KDB_PASS'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: .*mis\.p12 is named as PKCS #12 but --type cms writes a CMS key database/);
    assert.equal(kymanJson(['db', 'info', tmp.file('mis.p12'), '--pass', 'env:KDB_PASS'], { env }).type, 'cms');
  });
});
