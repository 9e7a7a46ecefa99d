import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { connect, createTlsServer, listen, TlsAlertError, type TlsServerOptions, type TlsSocket } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, connectTcp, sha256, within, waitFor } from '../../helpers/peers.js';

describe("tls 1.3 interop with Node's tls", function () {
  this.timeout(30_000);
  let pki: TestPki;
  const closers: Array<() => void> = [];
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());
  afterEach(() => closers.splice(0).forEach((c) => c()));

  const pem = (f: string) => readFileSync(f);

  async function nodeServer(options: tls.TlsOptions, onConnection: (s: tls.TLSSocket) => void = (s) => s.pipe(s)): Promise<{ port: number; server: tls.Server }> {
    const server = tls.createServer({ minVersion: 'TLSv1.3', key: pem(pki.ecdsa.keyFile), cert: pem(pki.ecdsa.certFile), ...options }, onConnection);
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    return { port: (server.address() as net.AddressInfo).port, server };
  }

  async function kymanServer(options: Partial<TlsServerOptions> = {}) {
    const server = listen({ host: '127.0.0.1', port: 0 }, { certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, ...options });
    const conns: TlsSocket[] = [];
    server.on('connection', () => undefined);
    server.on('secureConnection', (c: TlsSocket) => conns.push(c));
    const failures: Error[] = [];
    server.on('tlsClientError', (e: Error) => failures.push(e));
    await new Promise<void>((r) => server.once('listening', r));
    closers.push(() => {
      server.close();
      for (const c of conns) c.destroy();
    });
    return { port: (server.address() as net.AddressInfo).port, server, conns, failures };
  }

  it('kyman client → Node server: echo of 4 MiB with every suite', async () => {
    for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const) {
      const { port } = await nodeServer({});
      const socket = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, cipherSuites: [suite] });
      const summary = await within(10_000, socket.secured);
      assert.equal(summary.cipherSuite, suite);
      const data = randomBytes(4 * 1024 * 1024);
      const got = collect(socket);
      let n = 0;
      socket.on('data', (d: Buffer) => {
        n += d.length;
        if (n >= data.length) socket.end();
      });
      socket.write(data);
      assert.equal(sha256(await within(20_000, got)), sha256(data));
    }
  });

  it('kyman client → Node server: client certificate (requestCert) and ALPN', async () => {
    let peerSubject = '';
    const { port } = await nodeServer({ requestCert: true, rejectUnauthorized: true, ca: pem(pki.root.certFile), ALPNProtocols: ['h2', 'http/1.1'] }, (s) => {
      peerSubject = String(s.getPeerCertificate().subject?.CN);
      s.end(s.alpnProtocol || 'none');
    });
    const socket = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, alpnProtocols: ['http/1.1'], certificateChain: [pki.client.der], privateKey: pki.client.key });
    const got = collect(socket);
    const summary = await within(10_000, socket.secured);
    assert.equal(summary.alpn, 'http/1.1');
    assert.equal(summary.clientCertificateSent, true);
    assert.equal((await within(5000, got)).toString(), 'http/1.1');
    assert.equal(peerSubject, 'client');
  });

  it('Node client → kyman server: each group, data both ways, SNI, close_notify', async () => {
    for (const curve of ['X25519', 'P-256', 'P-384']) {
      const srv = await kymanServer();
      const client = tls.connect({ port: srv.port, host: '127.0.0.1', servername: 'localhost', ca: pem(pki.root.certFile), ecdhCurve: curve, minVersion: 'TLSv1.3' });
      await within(10_000, new Promise((r, j) => client.once('secureConnect', r).once('error', j)));
      await waitFor(() => srv.conns.length > 0);
      const conn = srv.conns[0];
      assert.equal(conn.summary?.group, { X25519: 'x25519', 'P-256': 'secp256r1', 'P-384': 'secp384r1' }[curve]);
      assert.equal(conn.summary?.serverName, 'localhost');
      conn.pipe(conn);
      const data = randomBytes(1024 * 1024);
      const got = collect(client);
      let n = 0;
      client.on('data', (d: Buffer) => {
        n += d.length;
        if (n >= data.length) client.end();
      });
      client.write(data);
      assert.equal(sha256(await within(20_000, got)), sha256(data));
    }
  });

  it('Node client → kyman server: ALPN with no overlap is no_application_protocol', async () => {
    const srv = await kymanServer({ alpnProtocols: ['h2'] });
    const client = tls.connect({ port: srv.port, host: '127.0.0.1', servername: 'localhost', ca: pem(pki.root.certFile), ALPNProtocols: ['http/1.1'] });
    const err = await within(10_000, new Promise<Error>((resolve) => client.once('error', resolve)));
    assert.match(err.message, /no application protocol/i);
    await waitFor(() => srv.failures.length > 0);
    const e = srv.failures[0];
    assert.ok(e instanceof TlsAlertError);
    assert.equal(e.alert.name, 'no_application_protocol');
    assert.equal(e.direction, 'sent');
  });

  it('Node client → kyman server: client authentication required, with and without a certificate', async () => {
    const srv = await kymanServer({ clientAuth: 'required', clientTrustAnchors: [pki.root.der] });
    const withCert = tls.connect({ port: srv.port, host: '127.0.0.1', servername: 'localhost', ca: pem(pki.root.certFile), key: pem(pki.client.keyFile), cert: pem(pki.client.certFile) });
    await within(10_000, new Promise((r, j) => withCert.once('secureConnect', r).once('error', j)));
    await waitFor(() => srv.conns.length > 0);
    assert.equal(srv.conns[0].summary?.validation?.valid, true);
    withCert.end();

    const without = tls.connect({ port: srv.port, host: '127.0.0.1', servername: 'localhost', ca: pem(pki.root.certFile) });
    without.on('data', () => undefined);
    const err = await within(10_000, new Promise<Error>((resolve) => without.once('error', resolve)));
    assert.match(err.message, /certificate required/i);
    await waitFor(() => srv.failures.length > 0);
    assert.equal((srv.failures[0] as TlsAlertError).alert.name, 'certificate_required');
  });

  it('Node client → kyman server: a client certificate from an untrusted root is unknown_ca', async () => {
    const stranger = await pki.issue('stranger', { type: 'ec', curve: 'P-256' }, { issuer: pki.otherRoot, eku: ['clientAuth'] });
    const srv = await kymanServer({ clientAuth: 'optional', clientTrustAnchors: [pki.root.der] });
    const client = tls.connect({ port: srv.port, host: '127.0.0.1', servername: 'localhost', ca: pem(pki.root.certFile), key: pem(stranger.keyFile), cert: pem(stranger.certFile) });
    client.on('data', () => undefined);
    const err = await within(10_000, new Promise<Error>((resolve) => client.once('error', resolve)));
    assert.match(err.message, /unknown ca/i);
  });

  it('createTlsServer checks its options at once', () => {
    assert.throws(() => createTlsServer({ certificateChain: [], privateKey: pki.ecdsa.key }), { code: 'USAGE' });
    assert.throws(() => createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, clientAuth: 'required' }), { code: 'USAGE' });
    assert.throws(() => createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, cipherSuites: ['TLS_RSA_WITH_RC4_128_MD5' as never] }), /unknown TLS cipher suite/);
  });
});

