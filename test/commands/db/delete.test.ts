// kyman db delete needs --force without a terminal.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, suiteTempDir } from '../../helpers/cli.js';

describe('kyman db delete', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'db-test-password' };

  it('deletes a database only with --force when no one can be asked', () => {
    const kdb = tmp.file('del.kdb');
    kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash'], { env });
    expectCleanFailure(kyman(['db', 'delete', kdb]), 2, /--force/);
    assert.ok(existsSync(kdb));
    const r = kymanJson(['db', 'delete', kdb, '--force']);
    assert.deepEqual(r.deleted.sort(), [kdb, tmp.file('del.sth')].sort());
    assert.equal(existsSync(kdb), false);
  });
});
