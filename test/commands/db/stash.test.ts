// kyman db stash checks the password before writing the stash.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, suiteTempDir } from '../../helpers/cli.js';

describe('kyman db stash', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'db-test-password' };

  it('stashes a password only after checking it', () => {
    const kdb = tmp.file('st.kdb');
    kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS'], { env });
    expectCleanFailure(kyman(['db', 'stash', '--db', kdb, '--pass', 'env:WRONG'], { env: { WRONG: 'nope' } }), 3);
    assert.equal(existsSync(tmp.file('st.sth')), false);
    assert.equal(kyman(['db', 'stash', '--db', kdb, '--pass', 'env:KDB_PASS'], { env }).status, 0);
    assert.equal(kymanJson(['cert', 'list', '--db', kdb]).__status, 0);
  });

});
