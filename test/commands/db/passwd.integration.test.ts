// kyman db passwd with a pending request, its certificate signed by openssl and its key read back by openssl.

import assert from 'node:assert/strict';
import { kyman, kymanJson, ok, suiteTempDir, tool } from '../../helpers/cli.js';

describe('kyman db passwd', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'db-test-password' };

  it('moves pending request keys to the new password too', () => {
    const kdb = tmp.file('pending.kdb');
    ok(kyman(['db', 'create', kdb, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create');
    ok(kyman(['req', 'create', 'later', '--db', kdb, '--subject', 'CN=later', '--out', tmp.file('later.csr')]), 'req create');
    const r = kymanJson(['db', 'passwd', '--db', kdb, '--new-pass', 'env:NEW'], { env: { NEW: 'third-password' } });
    assert.equal(r.pendingRequests, 1, r.__stderr);
    ok(tool('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', tmp.file('ca.key'), '-out', tmp.file('ca.pem'), '-subj', '/CN=Test CA', '-days', '30']), 'ca');
    ok(tool('openssl', ['x509', '-req', '-in', tmp.file('later.csr'), '-CA', tmp.file('ca.pem'), '-CAkey', tmp.file('ca.key'), '-CAcreateserial', '-days', '20', '-out', tmp.file('later.pem')]), 'sign');
    ok(kyman(['req', 'receive', tmp.file('later.pem'), '--db', kdb]), 'req receive');
    const exported = tmp.file('later-key.pem');
    ok(kyman(['cert', 'export', 'later', '--db', kdb, '--out', exported, '--with-key', '--export-pass', 'env:NEW'], { env: { NEW: 'x-password' } }), 'export');
    assert.equal(tool('openssl', ['pkey', '-in', exported, '-passin', 'pass:x-password', '-pubout']).stdout, tool('openssl', ['x509', '-in', exported, '-pubkey', '-noout']).stdout);
  });

});
