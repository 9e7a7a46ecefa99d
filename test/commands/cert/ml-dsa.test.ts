// kyman cert create / issue / show and req create with --key ml-dsa-*: the record length advice, the key type shown, the request signed.

import assert from 'node:assert/strict';
import { expectCleanFailure, kyman, kymanJson, ok, suiteTempDir } from '../../helpers/cli.js';

describe('kyman with ML-DSA keys', function () {
  this.timeout(120_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'ml-dsa-test-password' };
  const pass = ['--pass', 'env:KDB_PASS'];

  it('cert create --key ml-dsa-65 in a default CMS database: exit 6, naming the record length that fits', () => {
    const kdb = tmp.file('small.kdb');
    ok(kyman(['db', 'create', kdb, ...pass], { env }), 'db create');
    expectCleanFailure(
      kyman(['cert', 'create', 'pq', '--db', kdb, ...pass, '--subject', 'CN=pq', '--key', 'ml-dsa-65', '--ca'], { env }),
      6,
      /^kyman: entry "pq" needs \d+ bytes but the record length is 5000: raise the record length of small\.kdb to 6000 with "kyman db record-length 6000", or make the database with --record-length 6000$/,
    );
  });

  it('cert create, cert issue and cert show: the ML-DSA key type and signature algorithm by name', () => {
    const kdb = tmp.file('pq.kdb');
    ok(kyman(['db', 'create', kdb, ...pass, '--record-length', '7000'], { env }), 'db create');
    ok(kyman(['cert', 'create', 'root', '--db', kdb, ...pass, '--subject', 'CN=PQ Root', '--key', 'ml-dsa-65', '--ca'], { env }), 'cert create');
    ok(kyman(['cert', 'issue', 'web', '--db', kdb, ...pass, '--ca', 'root', '--subject', 'CN=pq.example', '--san', 'dns:pq.example', '--key', 'ml-dsa-44', '--profile', 'server'], { env }), 'cert issue');
    const shown = kyman(['cert', 'show', 'web', '--db', kdb, ...pass], { env });
    ok(shown, 'cert show');
    assert.match(shown.stdout, /Public key\s+ML-DSA-44\n/);
    assert.match(shown.stdout, /Signature\s+ML-DSA-65\n/);
    assert.match(shown.stdout, /keyUsage \(critical\)\s+Digital Signature\n/);
    const list = kymanJson(['cert', 'list', '--db', kdb, ...pass], { env });
    assert.ok(JSON.stringify(list).includes('ML-DSA-65'), JSON.stringify(list));
    const validated = kyman(['cert', 'validate', 'web', '--db', kdb, ...pass], { env });
    ok(validated, 'cert validate');
    assert.match(validated.stdout, /valid/);
  });

  it('req create --key ml-dsa-87 makes an ML-DSA-87 request, which req list names', () => {
    const kdb = tmp.file('req.kdb');
    ok(kyman(['db', 'create', kdb, ...pass, '--record-length', '9000'], { env }), 'db create');
    const csr = tmp.file('pq.csr');
    ok(kyman(['req', 'create', 'pq', '--db', kdb, ...pass, '--subject', 'CN=req.example', '--key', 'ml-dsa-87', '-o', csr], { env }), 'req create');
    const list = kyman(['req', 'list', '--db', kdb, ...pass], { env });
    ok(list, 'req list');
    assert.match(list.stdout, /ML-DSA-87/);
  });
});
