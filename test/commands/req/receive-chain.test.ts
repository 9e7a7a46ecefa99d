// req receive --add-chain trusts the root and not the intermediate, as pki apply does; the chain still validates.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { kyman, kymanJson, ok, suiteTempDir } from '../../helpers/cli.js';

describe('kyman req receive --add-chain', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'receive-chain-password' };
  const ca = tmp.file('ca.kdb');
  const srv = tmp.file('srv.kdb');

  it('adds the root trusted and the intermediate untrusted', () => {
    ok(kyman(['db', 'create', ca, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'ca db');
    ok(kyman(['cert', 'create', 'root', '--db', ca, '--subject', 'CN=Chain Root', '--ca']), 'root');
    ok(kyman(['cert', 'issue', 'sub', '--db', ca, '--ca', 'root', '--subject', 'CN=Chain Sub', '--profile', 'ca']), 'sub');
    ok(kyman(['db', 'create', srv, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'srv db');
    ok(kyman(['req', 'create', 'web', '--db', srv, '--subject', 'CN=web', '--san', 'dns:web.example', '--out', tmp.file('web.csr')]), 'req');
    const leaf = kyman(['cert', 'sign', tmp.file('web.csr'), '--db', ca, '--ca', 'sub', '--out', '-', '--profile', 'server']).stdout;
    const sub = kyman(['cert', 'export', 'sub', '--db', ca, '--out', '-']).stdout;
    const root = kyman(['cert', 'export', 'root', '--db', ca, '--out', '-']).stdout;
    writeFileSync(tmp.file('chain.pem'), leaf + sub + root);
    const r = kyman(['req', 'receive', tmp.file('chain.pem'), '--db', srv, '--add-chain']);
    ok(r, 'receive');
    assert.match(r.stdout, /Added CA certificate "Chain Sub" \(CN=Chain Sub\), not trusted \(an intermediate\)/);
    assert.match(r.stdout, /Added CA certificate "Chain Root" \(CN=Chain Root\) as trusted/);
    const list = kymanJson(['cert', 'list', '--db', srv]).entries;
    assert.equal(list.find((e: any) => e.label === 'Chain Sub').trusted, false);
    assert.equal(list.find((e: any) => e.label === 'Chain Root').trusted, true);
    ok(kyman(['cert', 'validate', 'web', '--db', srv]), 'validate');
  });
});
