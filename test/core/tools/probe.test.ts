import assert from 'node:assert/strict';
import * as net from 'node:net';
import { KymanError } from '../../../src/core/errors.js';
import { fatal, receivedAlert } from '../../../src/core/tls/alerts.js';
import { describeHandshakeFailure, versionOptions } from '../../../src/core/tools/probe.js';
import { within } from '../../helpers/peers.js';
import { toolServers } from '../../helpers/tool-servers.js';

describe('tls probe', function () {
  this.timeout(30_000);
  const { server, probeOf } = toolServers();

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

  it('runs the handshake over a socket already connected', async () => {
    const { s } = await server();
    const tcp = net.connect({ host: '127.0.0.1', port: s.address.port });
    await new Promise<void>((r) => tcp.once('connect', () => r()));
    const r = await probeOf(s.address.port, { socket: tcp, port: 1 });
    assert.equal(r.validation.valid, true);
    assert.equal(r.connectMs, 0);
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
});
