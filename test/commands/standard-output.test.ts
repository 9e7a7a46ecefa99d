// `--out -` is standard output wherever kyman writes a file; binary formats refuse a terminal; /dev/stdout works.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson, kymanOnTerminal, ok, suiteTempDir, tool } from '../helpers/cli.js';

describe('kyman --out -', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir();
  const env = { KDB_PASS: 'stdout-test-password' };
  const db = tmp.file('o.kdb');
  const opts = { cwd: tmp.dir };

  before(() => {
    ok(kyman(['db', 'create', db, '--pass', 'env:KDB_PASS', '--stash'], { env }), 'db create');
    ok(kyman(['cert', 'create', 'ca', '--db', db, '--subject', 'CN=ca', '--ca']), 'cert create ca');
    ok(kyman(['cert', 'create', 'web', '--db', db, '--subject', 'CN=web']), 'cert create web');
  });

  it('cert export writes PEM to standard output (or /dev/stdout), the report to stderr, and no file named -', () => {
    const pem = kyman(['cert', 'export', 'web', '--db', db, '--out', '-'], opts);
    ok(pem, 'export -');
    assert.match(pem.stdout, /^-----BEGIN CERTIFICATE-----\n[^]*-----END CERTIFICATE-----\n$/);
    assert.match(pem.stderr, /Wrote standard output/);
    assert.equal(tool('openssl', ['x509', '-noout', '-subject'], { input: pem.stdout }).stdout.trim(), 'subject=CN = web');
    assert.equal(existsSync(tmp.file('-')), false);
    const dev = kyman(['cert', 'export', 'web', '--db', db, '--out', '/dev/stdout'], opts);
    ok(dev, 'export /dev/stdout');
    assert.match(dev.stdout, /^-----BEGIN CERTIFICATE-----/);
  });

  it('req create, req export and cert sign write to standard output; openssl reads what they write', () => {
    const csr = kyman(['req', 'create', 'r', '--db', db, '--subject', 'CN=r', '--out', '-'], opts);
    ok(csr, 'req create -');
    assert.match(tool('openssl', ['req', '-noout', '-verify'], { input: csr.stdout }).stderr + tool('openssl', ['req', '-noout', '-verify'], { input: csr.stdout }).stdout, /verify OK/i);
    const again = kyman(['req', 'export', 'r', '--db', db, '--out', '-'], opts);
    ok(again, 'req export -');
    assert.equal(again.stdout, csr.stdout);
    const csrFile = tmp.file('r.csr');
    ok(kyman(['req', 'export', 'r', '--db', db, '--out', csrFile]), 'req export file');
    const cert = kyman(['cert', 'sign', csrFile, '--db', db, '--ca', 'ca', '--out', '-'], opts);
    ok(cert, 'cert sign -');
    assert.match(tool('openssl', ['x509', '-noout', '-issuer'], { input: cert.stdout }).stdout, /CN = ca/);
    assert.equal(existsSync(tmp.file('-')), false);
  });

  it('refuses binary output on a terminal and --out - with --json', () => {
    const der = kymanOnTerminal(['cert', 'export', 'web', '--db', db, '--out', '-', '--format', 'der'], '');
    assert.equal(der.status, 2, der.stdout);
    assert.match(der.stdout, /not writing binary output to a terminal/);
    const j = kymanJson(['cert', 'export', 'web', '--db', db, '--out', '-']);
    assert.equal(j.__status, 2);
    assert.match(j.error.message, /--out - and --json both want standard output/);
    expectCleanFailure(kyman(['cert', 'export', 'web', '--db', db, '--out', '-', '--json']), 2);
  });
});
