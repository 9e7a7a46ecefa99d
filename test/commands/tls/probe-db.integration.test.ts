// `kyman tls probe --db`: an openssl s_server's chain held against kyman-made key databases (.kdb and .p12).

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { kyman, kymanJson, ok, suiteTempDir } from '../../helpers/cli.js';
import { opensslServer, stoppedAfterEach } from '../../helpers/peers.js';
import { makePki, type TestPki } from '../../helpers/tls-credentials.js';

/** Enough accepts for one probe's hellos and its handshake. */
const ACCEPTS = '500';

describe('kyman tls probe --db (integration)', function () {
  this.timeout(180_000);
  const tmp = suiteTempDir('kyman-probe-db-');
  const { peers } = stoppedAfterEach();
  let pki: TestPki;
  /** Password sources as files, so that no run warns about a password on the command line. */
  const PASS = `file:${tmp.file('pass')}`;
  const WRONG = `file:${tmp.file('wrong')}`;
  let kdb: string;
  let p12: string;
  let webPem: string;
  let selfPem: string;
  before(async () => {
    pki = await makePki();
    writeFileSync(tmp.file('pass'), 'probe-db-secret\n', { mode: 0o600 });
    writeFileSync(tmp.file('wrong'), 'not-the-password\n', { mode: 0o600 });
    kdb = tmp.file('web.kdb');
    p12 = tmp.file('self.p12');
    webPem = tmp.file('web.pem');
    selfPem = tmp.file('self.pem');
    ok(kyman(['db', 'create', kdb, '--pass', PASS]), 'db create kdb');
    ok(kyman(['cert', 'create', 'root', '--db', kdb, '--pass', PASS, '--subject', 'CN=Probe Db Root', '--ca']), 'root');
    ok(kyman(['cert', 'issue', 'web', '--db', kdb, '--pass', PASS, '--ca', 'root', '--subject', 'CN=localhost', '--san', 'dns:localhost', '--san', 'ip:127.0.0.1', '--profile', 'server']), 'web');
    ok(kyman(['cert', 'export', 'web', '--db', kdb, '--pass', PASS, '--out', webPem, '--with-key', '--no-encrypt-key', '--chain']), 'export web');
    ok(kyman(['db', 'create', p12, '--pass', PASS]), 'db create p12');
    ok(kyman(['cert', 'create', 'self', '--db', p12, '--pass', PASS, '--subject', 'CN=localhost', '--san', 'ip:127.0.0.1']), 'self');
    ok(kyman(['cert', 'export', 'self', '--db', p12, '--pass', PASS, '--out', selfPem, '--with-key', '--no-encrypt-key']), 'export self');
  });
  after(() => pki.cleanup());

  /**
   * One server a probe: s_server logs every hello the probe cuts short to its stderr, which nobody
   * drains while a synchronous kyman run blocks the test's event loop, and a few probes' worth fill it.
   */
  const serve = async (cert: string, key: string, chain: string[] = []) => {
    const peer = await opensslServer(['-naccept', ACCEPTS, '-cert', cert, '-key', key, ...chain]);
    peers.push(peer);
    return `127.0.0.1:${peer.port}`;
  };

  it('the database\'s own certificate: its label, its key, a path to its trusted root, no finding about it', async () => {
    const target = await serve(webPem, webPem, ['-cert_chain', webPem]);
    const j = kymanJson(['tls', 'probe', target, '--ca-file', pki.root.certFile, '--db', kdb, '--pass', PASS]);
    assert.equal(j.__status, 0, j.__stderr);
    assert.equal(j.db.label, 'web');
    assert.equal(j.db.hasPrivateKey, true);
    assert.deepEqual(j.db.related, []);
    assert.equal(j.db.trust.valid, true, j.db.trust.reason);
    assert.equal(j.db.trust.anchorLabel, 'root');
    assert.ok(!j.findings.some((f: { text: string }) => f.text.includes(kdb)), JSON.stringify(j.findings));
    // The same from a person's point of view: the section, and the .p12 seeing a stranger.
    const r = kyman(['tls', 'probe', await serve(webPem, webPem, ['-cert_chain', webPem]), '--ca-file', pki.root.certFile, '--db', kdb, '--pass', PASS]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Key database .*web\.kdb$/m);
    assert.match(r.stdout, /^Server certificate +in the database as "web"$/m);
    assert.match(r.stdout, /^Private key +in the database$/m);
    assert.match(r.stdout, /^Database trust +accepts the chain: path to "root" \(CN=Probe Db Root\)$/m);
    const other = kymanJson(['tls', 'probe', await serve(webPem, webPem, ['-cert_chain', webPem]), '--ca-file', pki.root.certFile, '--db', p12, '--pass', PASS]);
    assert.equal(other.__status, 0, other.__stderr);
    assert.equal(other.db.label, undefined);
    assert.equal(other.db.trust.valid, false);
    assert.deepEqual(other.db.related.map((x: { label: string; shares: string }) => [x.label, x.shares]), [['self', 'subject']]);
    assert.ok(other.findings.some((f: { severity: string; text: string }) => f.severity === 'high' && f.text.startsWith(`${p12}'s trusted entries would not accept the server's chain`)), JSON.stringify(other.findings));
  });

  it('a different certificate: not in the database, and the .p12 that holds it names it', async () => {
    const target = await serve(selfPem, selfPem);
    const j = kymanJson(['tls', 'probe', target, '--ca-file', pki.root.certFile, '--db', kdb, '--pass', PASS]);
    assert.equal(j.__status, 0, j.__stderr);
    assert.equal(j.db.label, undefined);
    assert.equal(j.db.trust.valid, false);
    assert.ok(j.findings.some((f: { text: string }) => f.text.startsWith(`the server's certificate is not in ${kdb}`)), JSON.stringify(j.findings));
    const own = kymanJson(['tls', 'probe', await serve(selfPem, selfPem), '--ca-file', pki.root.certFile, '--db', p12, '--pass', PASS]);
    assert.equal(own.__status, 0, own.__stderr);
    assert.equal(own.db.label, 'self');
    assert.equal(own.db.hasPrivateKey, true);
  });

  it('a chain the database does not trust: the reason, ranked high; a wrong password exits 3', async () => {
    const target = await serve(pki.ecdsa.certFile, pki.ecdsa.keyFile);
    const j = kymanJson(['tls', 'probe', target, '--ca-file', pki.root.certFile, '--db', kdb, '--pass', PASS]);
    assert.equal(j.__status, 0, j.__stderr);
    assert.equal(j.chain.path.valid, true);
    assert.equal(j.db.label, undefined);
    assert.equal(j.db.trust.valid, false);
    assert.ok(j.db.trust.reason);
    const finding = j.findings.find((f: { text: string }) => f.text.includes('trusted entries would not accept'));
    assert.equal(finding?.severity, 'high');
    assert.match(j.verdict, /^fix first: /);
    const r = kyman(['tls', 'probe', target, '--ca-file', pki.root.certFile, '--db', kdb, '--pass', WRONG]);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /^kyman: wrong password for web\.kdb/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
});
