// kyman db passwd: the new password, the stash, and the old password refused.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, suiteTempDir } from '../../helpers/cli.js';

describe('kyman db passwd', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'db-test-password' };

  it('changes the password and rewrites the stash; the old password then fails with exit 3', () => {
    const kdb = tmp.file('pw.kdb');
    kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash'], { env });
    kyman(['cert', 'create', 'web', '--db', kdb, '--subject', 'CN=web'], { env });
    const r = kyman(['db', 'passwd', '--db', kdb, '--new-pass', 'env:NEW'], { env: { NEW: 'second-password' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(kymanJson(['db', 'info', kdb]).integrity, 'verified');
    const before = readFileSync(kdb);
    expectCleanFailure(kyman(['cert', 'delete', 'web', '--db', kdb, '--pass', 'env:KDB_PASS'], { env }), 3, /wrong password for pw\.kdb/);
    assert.deepEqual(readFileSync(kdb), before);
    const exported = kyman(['cert', 'export', 'web', '--db', kdb, '--out', tmp.file('pw.p12'), '--format', 'pkcs12', '--export-pass', 'env:NEW'], { env: { NEW: 'x-password' } });
    assert.equal(exported.status, 0, exported.stderr);
  });

});
