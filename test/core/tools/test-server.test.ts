import assert from 'node:assert/strict';
import { KymanError } from '../../../src/core/errors.js';
import { startTestServer } from '../../../src/core/tools/test-server.js';
import type { LimitEvent } from '../../../src/core/tools/connection-limits.js';
import { connectTcp, within } from '../../helpers/peers.js';
import { closedAfter } from '../../helpers/server-abuse.js';
import { provider } from '../../helpers/tls-credentials.js';
import { toolServers } from '../../helpers/tool-servers.js';

describe('tls test server', function () {
  this.timeout(30_000);
  const { pki, server, probeOf } = toolServers();

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
    const { s } = await server({ once: true, clientAuth: 'required', clientTrustAnchors: [pki().root.der], onFailure: (f) => failures.push(f.message) });
    await assert.rejects(probeOf(s.address.port), (e: unknown) => e instanceof KymanError && e.code === 'FAILED' && /certificate_required/.test(e.message));
    assert.deepEqual(await within(5000, s.finished, 'finished'), { ok: false });
    assert.match(failures[0], /^handshake failed: the client sent no certificate, and one is required \(certificate_required\)$/);
  });

  it('once: stops listening after its one connection, and finishes ok when that handshake succeeded', async () => {
    const { s, reports } = await server({ once: true });
    await probeOf(s.address.port);
    assert.deepEqual(await within(5000, s.finished, 'finished'), { ok: true });
    assert.equal(reports.length, 1);
    await assert.rejects(probeOf(s.address.port), (e: unknown) => e instanceof KymanError);
  });

  it('a fixed echo reply echoes even an HTTP request line', async () => {
    const { s } = await server({ reply: 'echo' });
    const r = await probeOf(s.address.port, { send: Buffer.from('GET / HTTP/1.1\r\n\r\n') });
    assert.equal(Buffer.from(r.reply!.data).toString(), 'GET / HTTP/1.1\r\n\r\n');
  });

  it('closes a stalled handshake at handshakeTimeoutMs and an idle connection at idleTimeoutMs, reported as limits, not failures', async () => {
    const limits: LimitEvent[] = [];
    const failures: string[] = [];
    const { s } = await server({ handshakeTimeoutMs: 200, idleTimeoutMs: 300, onLimit: (e) => limits.push(e), onFailure: (f) => failures.push(f.message) });
    assert.deepEqual([s.limits.handshakeTimeoutMs, s.limits.idleTimeoutMs, s.limits.maxConnectionsFrom], [200, 300, 'descriptors']);
    const raw = await connectTcp(s.address.port);
    raw.write(Buffer.from('1603010200', 'hex'));
    assert.ok((await closedAfter(raw, 5000)) >= 150);
    // The probe sends a byte, then waits longer than the idle timeout: the server ends it with close_notify.
    const idle = await probeOf(s.address.port, { send: Buffer.from('x'), idleMs: 3000 });
    assert.deepEqual([Buffer.from(idle.reply!.data).toString(), idle.reply!.ended], ['x', 'peer-closed']);
    assert.deepEqual(
      limits.map((e) => [e.limit, e.message]),
      [
        ['handshake-timeout', 'closed: no handshake within 200 ms'],
        ['idle-timeout', 'closed: idle for 300 ms'],
      ],
    );
    assert.deepEqual(failures, []);
  });

  it('gives CONFLICT for a port in use', async () => {
    const { s } = await server();
    await assert.rejects(
      startTestServer({ host: '127.0.0.1', port: s.address.port, provider, certificateChain: [pki().ecdsa.der], privateKey: pki().ecdsa.key }),
      (e: unknown) => e instanceof KymanError && e.code === 'CONFLICT' && e.message.includes(`127.0.0.1:${s.address.port} is in use`),
    );
  });
});
