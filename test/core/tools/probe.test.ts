import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { runDemo } from '../../../src/core/tools/demo.js';
import { fatal, receivedAlert } from '../../../src/core/tls/alerts.js';
import { describeHandshakeFailure, probe, versionOptions } from '../../../src/core/tools/probe.js';
import { startTestServer, type ConnectionReport, type TestServer } from '../../../src/core/tools/test-server.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { within } from '../../helpers/peers.js';

describe('tls probe and test server', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const servers: TestServer[] = [];
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  async function server(options: Partial<Parameters<typeof startTestServer>[0]> = {}) {
    const reports: ConnectionReport[] = [];
    const s = await startTestServer({
      host: '127.0.0.1',
      port: 0,
      provider,
      certificateChain: [pki.ecdsa.der],
      privateKey: pki.ecdsa.key,
      onConnection: (r) => reports.push(r),
      ...options,
    });
    servers.push(s);
    return { s, reports };
  }

  const probeOf = (port: number, extra: Partial<Parameters<typeof probe>[0]> = {}) =>
    within(10_000, probe({ host: '127.0.0.1', port, serverName: 'localhost', provider, trustAnchors: [pki.root.der], idleMs: 300, ...extra }), 'probe');

  it('reports what was agreed, the chain as built, and the server side', async () => {
    const { s, reports } = await server({ alpnProtocols: ['h2'] });
    const r = await probeOf(s.address.port, { alpnProtocols: ['h2'] });
    assert.equal(r.version, 'TLSv1.3');
    assert.equal(r.alpn, 'h2');
    assert.equal(r.validation.valid, true);
    assert.deepEqual(r.chain.map((c) => [c.subject, c.sent, c.anchor]), [
      ['CN=ecdsa', true, false],
      ['CN=Kyman Test Root', false, true],
    ]);
    await within(5000, (async () => { while (!reports.length) await new Promise((x) => setTimeout(x, 10)); })(), 'server report');
    assert.equal(reports[0].serverSignatureScheme, 'ecdsa_secp256r1_sha256');
    assert.equal(reports[0].serverName, 'localhost');
    assert.match(reports[0].remote, /^127\.0\.0\.1:\d+$/);
  });

  it('auto reply: HTTP for a request line, echo otherwise', async () => {
    const { s } = await server();
    const http = await probeOf(s.address.port, { send: Buffer.from('GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n') });
    assert.match(Buffer.from(http.reply!.data).toString(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*request: GET \/x HTTP\/1\.1/);
    assert.equal(http.reply!.ended, 'peer-closed');
    const echo = await probeOf(s.address.port, { send: Buffer.from('ping') });
    assert.equal(Buffer.from(echo.reply!.data).toString(), 'ping');
    assert.equal(echo.reply!.ended, 'idle');
  });

  it('once: a failed client-auth handshake is reported on both sides with the alert', async () => {
    const failures: string[] = [];
    const { s } = await server({ once: true, clientAuth: 'required', clientTrustAnchors: [pki.root.der], onFailure: (f) => failures.push(f.message) });
    await assert.rejects(probeOf(s.address.port), (e: unknown) => e instanceof KymanError && e.code === 'FAILED' && /certificate_required/.test(e.message));
    assert.deepEqual(await within(5000, s.finished, 'finished'), { ok: false });
    assert.match(failures[0], /^handshake failed: the client sent no certificate, and one is required \(certificate_required\)$/);
  });

  it('names the alert and the reason in one line', () => {
    assert.equal(
      describeHandshakeFailure(fatal('unknown_ca', 'the server certificate was rejected: no trusted root for CN=Other Root'), 'server'),
      "handshake failed: the server's certificate is not trusted (unknown_ca): no trusted root for CN=Other Root",
    );
    assert.equal(describeHandshakeFailure(receivedAlert(40), 'server'), 'handshake failed: the server found nothing in common with what kyman offered (suites, groups, signature schemes) (handshake_failure alert from the server)');
    assert.match(describeHandshakeFailure(receivedAlert(116), 'server'), /requires a client certificate \(certificate_required alert from the server\): give --db/);
  });

  it('checks --tls values', () => {
    assert.deepEqual(versionOptions(undefined), {});
    assert.throws(() => versionOptions('1.1'), (e: unknown) => e instanceof KymanError && e.code === 'USAGE');
    assert.doesNotThrow(() => versionOptions('TLSv1.3'));
  });

  it('runs the demo and cleans up', async () => {
    const r = await within(20_000, runDemo(), 'demo');
    assert.equal(r.client.version, 'TLSv1.3');
    assert.equal(r.client.clientCertificateSent, true);
    assert.equal(r.serverSide.clientCertificate, 'CN=kyman demo client,O=kyman demo');
    assert.equal(r.client.validation.valid, true);
    assert.equal(existsSync(r.dir), false);
  });
});
