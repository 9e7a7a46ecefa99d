// The engine's public face: listen's events, options checked when a server is made, a trace for one connection alone.

import assert from 'node:assert/strict';
import type * as net from 'node:net';
import { KymanError } from '../../../src/core/errors.js';
import { connect, createTlsServer, listen, TlsAlertError, type HandshakeSummary, type TlsSocket, type TraceEvent } from '../../../src/core/tls/index.js';
import { connectTcp, within } from '../../helpers/peers.js';
import { pipePair } from '../../helpers/pipe-pair.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';

describe('tls engine entry points', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const stops: Array<() => void> = [];
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());
  afterEach(() => stops.splice(0).forEach((s) => s()));

  async function listening(extra: object = {}): Promise<{ server: net.Server; port: number }> {
    const server = listen({ host: '127.0.0.1', port: 0 }, { certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, ...extra });
    stops.push(() => server.close());
    await new Promise<void>((r) => server.once('listening', r));
    return { server, port: (server.address() as net.AddressInfo).port };
  }

  const client = async (port: number, extra: object = {}) => {
    const c = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, ...extra });
    c.on('error', () => undefined);
    stops.push(() => c.destroy());
    return c;
  };

  it("listen emits 'secureConnection' with the socket and its summary when a handshake completes", async () => {
    const { server, port } = await listening();
    const secure = new Promise<[TlsSocket, HandshakeSummary]>((resolve) => server.once('secureConnection', (c: TlsSocket, s: HandshakeSummary) => resolve([c, s])));
    const c = await client(port);
    await within(10_000, c.secured);
    const [conn, summary] = await within(5000, secure);
    stops.push(() => conn.destroy());
    assert.equal(summary.version, 'TLSv1.3');
    assert.equal(summary.serverName, 'localhost');
    assert.equal(conn.summary, summary);
  });

  it("listen emits 'tlsClientError' with the error when a handshake fails", async () => {
    const { server, port } = await listening({ clientAuth: 'required', clientTrustAnchors: [pki.root.der] });
    const failed = new Promise<[unknown, TlsSocket]>((resolve) => server.once('tlsClientError', (e: unknown, c: TlsSocket) => resolve([e, c])));
    await client(port);
    const [e, conn] = await within(10_000, failed);
    assert.ok(e instanceof TlsAlertError && e.alert.name === 'certificate_required', String(e));
    assert.equal(conn.summary, undefined);
  });

  it('a server configuration that cannot work is USAGE when the server is made', () => {
    assert.throws(
      () => createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, versions: ['TLSv1.1' as never] }),
      (e: unknown) => e instanceof KymanError && e.code === 'USAGE',
    );
  });

  it("accept's trace watches that connection alone", async () => {
    const tls = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider });
    const traced: TraceEvent[] = [];
    const run = async (trace?: (e: TraceEvent) => void) => {
      const pair = pipePair();
      const server = tls.accept(pair.b, trace ? { trace } : undefined);
      const c = connect({ socket: pair.a, serverName: 'localhost', trustAnchors: [pki.root.der], provider });
      stops.push(() => (c.destroy(), server.destroy()));
      await within(10_000, Promise.all([c.secured, server.secured]));
    };
    await run((e) => traced.push(e));
    const seen = traced.length;
    assert.ok(seen > 0);
    assert.equal(traced[0].direction, 'received');
    assert.equal(traced[0].message, 'ClientHello');
    await run();
    assert.equal(traced.length, seen, 'a second connection without a trace adds nothing');
  });
});
