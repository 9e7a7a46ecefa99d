// kyman cert issue --ca-db: the CA in a database of its own, with its own password; the chain validates in the target.

import assert from 'node:assert/strict';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir } from '../../helpers/cli.js';

describe('kyman cert issue --ca-db', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { CA_PASS: 'ca-database-password', SRV_PASS: 'server-database-password' };
  const caDb = tmp.file('ca.kdb');
  const srvDb = tmp.file('server.p12');

  before(() => {
    ok(kyman(['db', 'create', caDb, '--pass', 'env:CA_PASS'], { env }), 'ca db');
    ok(kyman(['cert', 'create', 'root-ca', '--db', caDb, '--pass', 'env:CA_PASS', '--subject', 'CN=Separate Root', '--ca'], { env }), 'root');
    ok(kyman(['db', 'create', srvDb, '--pass', 'env:SRV_PASS', '--stash'], { env }), 'server db');
  });

  it('signs with the CA of another database, each with its own password, and copies the root in trusted', () => {
    const r = kyman(['cert', 'issue', 'web', '--db', srvDb, '--ca', 'root-ca', '--ca-db', caDb, '--ca-pass', 'env:CA_PASS', '--subject', 'CN=web', '--san', 'dns:web.example', '--profile', 'server'], { env });
    ok(r, 'issue --ca-db');
    assert.match(r.stderr, /copied the CA certificate into .*server\.p12 as "root-ca", trusted/);
    const list = kymanJson(['cert', 'list', '--db', srvDb]);
    assert.deepEqual(list.entries.map((e: any) => [e.label, e.kind, e.kind === 'key' ? null : e.trusted]).sort(), [['root-ca', 'certificate', true], ['web', 'key', null]]);
    assert.equal(kymanJson(['cert', 'list', '--db', caDb, '--pass', 'env:CA_PASS'], { env }).entries.length, 1);
    ok(kyman(['cert', 'validate', 'web', '--db', srvDb]), 'validate');
    expectCleanFailure(kyman(['cert', 'issue', 'x', '--db', srvDb, '--ca', 'root-ca', '--ca-db', caDb, '--ca-pass', 'env:SRV_PASS', '--subject', 'CN=x'], { env }), 3, /wrong password for ca\.kdb/);
    expectCleanFailure(kyman(['cert', 'issue', 'x', '--db', srvDb, '--ca', 'root-ca', '--ca-pass', 'env:CA_PASS', '--subject', 'CN=x'], { env }), 2, /--ca-db/);
  });
});
