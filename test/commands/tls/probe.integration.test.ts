// `kyman tls probe` as a person runs it: against openssl s_server and `kyman tls server` on loopback.

import assert from 'node:assert/strict';
import { kyman, kymanJson } from '../../helpers/cli.js';
import { opensslServer, stoppedAfterEach } from '../../helpers/peers.js';
import { startKymanServer, type KymanServer } from '../../helpers/tls-command.js';
import { makePki, type TestPki } from '../../helpers/tls-credentials.js';

describe('kyman tls probe (integration)', function () {
  this.timeout(120_000);
  let pki: TestPki;
  const { peers } = stoppedAfterEach();
  const servers: KymanServer[] = [];
  before(async () => {
    pki = await makePki();
  });
  afterEach(() => servers.splice(0).forEach((s) => s.stop()));
  after(() => pki.cleanup());

  it('prints the sections, flags CBC and TLS 1.0, and says what to fix first', async () => {
    const peer = await opensslServer(['-naccept', '500', '-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile, '-tls1', '-cipher', 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0']);
    peers.push(peer);
    const r = kyman(['tls', 'probe', `127.0.0.1:${peer.port}`, '--ca-file', pki.root.certFile]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Versions$/m);
    assert.match(r.stdout, /^TLS 1\.0 +yes \(deprecated\)/m);
    assert.match(r.stdout, /^TLS 1\.3 +no/m);
    assert.match(r.stdout, /TLS 1\.0 +1 +TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA +CBC/);
    assert.match(r.stdout, /Certificate chain \(as sent, read from a TLS 1\.0\/1\.1 hello\)/);
    assert.match(r.stdout, /^high +turn off TLS 1\.0 \(RFC 8996\)/m);
    assert.match(r.stdout, /^Verdict +fix first: /m);
    assert.match(r.stdout, /^Extended master secret \(RFC 7627\) +yes/m);
    // A TLS 1.0-only server: no handshake on kyman's engine, so resumption and ALPN say why once.
    assert.match(r.stdout, /^resumption and ALPN not fully checked: kyman's engine speaks TLS 1\.3 and 1\.2 only$/m);
    // --fail-on: the same report, exit 1 at a high finding, 0 when only critical ones would count.
    const high = kyman(['tls', 'probe', `127.0.0.1:${peer.port}`, '--ca-file', pki.root.certFile, '--fail-on', 'high']);
    assert.equal(high.status, 1, high.stderr);
    assert.match(high.stdout, /^Verdict +fix first: /m);
    const critical = kyman(['tls', 'probe', `127.0.0.1:${peer.port}`, '--ca-file', pki.root.certFile, '--fail-on', 'critical']);
    assert.equal(critical.status, 0, critical.stderr);
  });

  it('--json: kyman tls server offers X25519MLKEM768 first; a wrong servername is the first thing to fix', async () => {
    const server = await startKymanServer(['--cert', pki.ecdsa.certFile, '--key', pki.ecdsa.keyFile]);
    servers.push(server);
    const j = kymanJson(['tls', 'probe', `127.0.0.1:${server.port}`, '--ca-file', pki.root.certFile, '--servername', 'other.example', '--timeout', '5']);
    assert.equal(j.__status, 0, j.__stderr);
    assert.equal(j.scan.versions[0].version, 'TLS 1.3');
    assert.equal(j.scan.versions[0].offered, true);
    assert.equal(j.scan.groups[0].name, 'X25519MLKEM768');
    // The path is checked apart from the name, so each is its own finding.
    assert.equal(j.chain.path.valid, true);
    assert.equal(j.chain.nameMatch, false);
    assert.equal(j.findings[0].severity, 'critical');
    assert.equal(j.verdict, 'fix first: the certificate does not name other.example');
  });

  it('the depth sections: signature schemes, the behaviour checks, resumption and --alpn, in the table and in --json', async () => {
    // One server a probe: s_server's stderr (a line for each hello cut short) is not drained while kyman runs synchronously.
    const serve = async () => {
      const peer = await opensslServer(['-naccept', '500', '-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile, '-alpn', 'http/1.1', '-sigalgs', 'rsa_pss_rsae_sha256:rsa_pkcs1_sha256']);
      peers.push(peer);
      return `127.0.0.1:${peer.port}`;
    };
    const r = kyman(['tls', 'probe', await serve(), '--ca-file', pki.root.certFile, '--alpn', 'h2,http/1.1']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Signature schemes \(TLS 1\.3: each accepted alone; TLS 1\.2: in the order the server signed with them\)$/m);
    assert.match(r.stdout, /^TLS 1\.3 +rsa_pss_rsae_sha256$/m);
    assert.match(r.stdout, /^TLS 1\.2 +rsa_pkcs1_sha256$/m);
    assert.match(r.stdout, /^Downgrade sentinel \(RFC 8446 4\.1\.3\) +yes$/m);
    assert.match(r.stdout, /^Fallback SCSV refused \(RFC 7507\) +yes$/m);
    assert.match(r.stdout, /^Compression \(CRIME\) +no$/m);
    assert.match(r.stdout, /^Heartbeat \(RFC 6520\) +no$/m);
    assert.match(r.stdout, /^OCSP stapling \(below TLS 1\.3\) +no$/m);
    assert.match(r.stdout, /^Resumption by session ticket \(RFC 5077\) +yes$/m);
    assert.match(r.stdout, /^Resumption by TLS 1\.3 PSK ticket +yes$/m);
    assert.match(r.stdout, /^ALPN \(offered h2, http\/1\.1\) +http\/1\.1$/m);
    assert.match(r.stdout, /^DHE prime \(below TLS 1\.3\) +2048 bits$/m);
    assert.doesNotMatch(r.stdout, /not fully checked/);
    assert.match(r.stdout, /; SCTs in the certificate: no$/m);
    const j = kymanJson(['tls', 'probe', await serve(), '--ca-file', pki.root.certFile, '--alpn', 'http/1.1']);
    assert.equal(j.__status, 0, j.__stderr);
    assert.deepEqual(j.handshakes.alpn, { offered: ['http/1.1'], chosen: 'http/1.1' });
    assert.equal(j.scan.checks.fallbackScsv, true);
    assert.equal(j.scan.checks.downgradeSentinel, true);
    assert.deepEqual(j.scan.signatureSchemes.tls13.map((s: { name: string }) => s.name), ['rsa_pss_rsae_sha256']);
    assert.equal(j.chain.sctInCertificate, false);
    const bad = kyman(['tls', 'probe', '127.0.0.1:1', '--ca-file', pki.root.certFile, '--alpn', 'h2,,x']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^kyman: --alpn h2,,x is not a comma-separated list of protocol names/);
  });

  it('bad input and an endpoint that is not there: one line, the exit codes of DESIGN.md', async () => {
    const bad = kyman(['tls', 'probe', '127.0.0.1:99999', '--ca-file', pki.root.certFile]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^kyman: 99999 is not a TCP port/);
    const t = kyman(['tls', 'probe', '127.0.0.1:1', '--ca-file', pki.root.certFile, '--timeout', '0']);
    assert.equal(t.status, 2);
    const refused = kyman(['tls', 'probe', '127.0.0.1:1', '--ca-file', pki.root.certFile]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^kyman: cannot connect to 127\.0\.0\.1:1: connection refused/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /);
  });
});
