// kyman db record-length: the new length, and one an entry would not fit.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, suiteTempDir } from '../../helpers/cli.js';

describe('kyman db record-length', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'db-test-password' };

  it('changes the record length, refusing one an entry would not fit, naming it', () => {
    const kdb = tmp.file('rl.kdb');
    kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash'], { env });
    kyman(['cert', 'create', 'rsa4k', '--db', kdb, '--subject', 'CN=rsa4k', '--key', 'rsa:4096']);
    const before = readFileSync(kdb);
    expectCleanFailure(kyman(['db', 'record-length', '1200', '--db', kdb]), 6, /"rsa4k" needs \d+ bytes but the record length is 1200/);
    assert.deepEqual(readFileSync(kdb), before);
    const r = kymanJson(['db', 'record-length', '9000', '--db', kdb]);
    assert.equal(r.recordLength, 9000);
    assert.equal(kymanJson(['db', 'info', kdb]).recordLength, 9000);
    assert.equal(statSync(kdb).size, 0x90 + 9000);
  });

});
