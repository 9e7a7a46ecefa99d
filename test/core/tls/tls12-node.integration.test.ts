import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { connect, listen, TlsAlertError, type TlsSession, type TlsServerOptions, type TlsSocket } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, connectTcp, sha256, within, TLS12_GROUPS as GROUPS, TLS12_SUITES as SUITES, waitFor } from '../../helpers/peers.js';


describe("tls 1.2 interop with Node's tls (maxVersion TLSv1.2)", function () {
  this.timeout(30_000);
  let pki: TestPki;
  const closers: Array<() => void> = [];
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());
  afterEach(() => closers.splice(0).forEach((c) => c()));

  const pem = (f: string) => readFileSync(f);
  const certFor = (kind: 'ecdsa' | 'rsa') => (kind === 'ecdsa' ? pki.ecdsa : pki.rsa);

  async function nodeServer(options: tls.TlsOptions, onConnection: (s: tls.TLSSocket) => void = (s) => s.pipe(s)) {
    const server = tls.createServer({ maxVersion: 'TLSv1.2', key: pem(pki.ecdsa.keyFile), cert: pem(pki.ecdsa.certFile), ...options }, onConnection);
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    return (server.address() as net.AddressInfo).port;
  }

  async function kymanServer(options: Partial<TlsServerOptions> = {}) {
    const server = listen({ host: '127.0.0.1', port: 0 }, { certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, ...options });
    const conns: TlsSocket[] = [];
    server.on('secureConnection', (c: TlsSocket) => conns.push(c));
    const failures: Error[] = [];
    server.on('tlsClientError', (e: Error) => failures.push(e));
    await new Promise<void>((r) => server.once('listening', r));
    closers.push(() => {
      server.close();
      for (const c of conns) c.destroy();
    });
    return { port: (server.address() as net.AddressInfo).port, conns, failures };
  }

  const nodeClient = (port: number, options: tls.ConnectionOptions = {}) => {
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pem(pki.root.certFile), maxVersion: 'TLSv1.2', ...options });
    closers.push(() => c.destroy());
    return c;
  };

  /** Sends `size` random bytes through an echo and checks what comes back. */
  async function echo(socket: net.Socket | TlsSocket, size = 1 << 20): Promise<void> {
    const data = randomBytes(size);
    const got = collect(socket);
    let n = 0;
    socket.on('data', (d: Buffer) => {
      n += d.length;
      if (n >= data.length) socket.end();
    });
    socket.write(data);
    assert.equal(sha256(await within(20_000, got, 'echo')), sha256(data));
  }

  describe('kyman client → Node server', () => {
    SUITES.forEach(([suite, nodeSuite, kind], i) => {
      const [group, nodeGroup] = GROUPS[i % GROUPS.length];
      it(`${suite} with ${group}: 1 MiB echoed, SNI seen by the server`, async () => {
        let sni: string | false = false;
        const port = await nodeServer({ key: pem(certFor(kind).keyFile), cert: pem(certFor(kind).certFile), ciphers: nodeSuite, ecdhCurve: nodeGroup === 'P-256' ? nodeGroup : `${nodeGroup}:P-256` }, (s) => {
          sni = (s as tls.TLSSocket & { servername?: string | false }).servername ?? false;
          s.pipe(s);
        });
        const socket = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, groups: group === 'secp256r1' ? [group] : [group, 'secp256r1'] });
        const summary = await within(10_000, socket.secured);
        assert.equal(summary.version, 'TLSv1.2');
        assert.equal(summary.cipherSuite, suite);
        assert.equal(summary.group, group);
        assert.equal(sni, 'localhost');
        await echo(socket);
      });
    });

    it('client certificate (requestCert) and ALPN', async () => {
      let peerSubject = '';
      const port = await nodeServer({ requestCert: true, rejectUnauthorized: true, ca: pem(pki.root.certFile), ALPNProtocols: ['h2', 'http/1.1'] }, (s) => {
        peerSubject = String(s.getPeerCertificate().subject?.CN);
        s.end(`${s.getProtocol()} ${s.alpnProtocol || 'none'}`);
      });
      const socket = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, alpnProtocols: ['http/1.1'], certificateChain: [pki.client.der], privateKey: pki.client.key });
      const got = collect(socket);
      const summary = await within(10_000, socket.secured);
      assert.equal(summary.alpn, 'http/1.1');
      assert.equal(summary.clientCertificateSent, true);
      assert.equal((await within(5000, got)).toString(), 'TLSv1.2 http/1.1');
      assert.equal(peerSubject, 'client');
    });
  });

  describe('resumption', () => {
    it('kyman client → Node server: the ticket Node issues resumes the session', async () => {
      const port = await nodeServer({}, (s) => s.end());
      const first = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider });
      first.on('data', () => undefined);
      const session = new Promise<TlsSession>((resolve) => first.once('session', resolve));
      const full = await within(10_000, first.secured);
      assert.equal(full.resumed, false);
      const s1 = await within(5000, session);
      assert.ok(s1.ticket?.length);
      // The session keeps Node's certificate as a copy of its own, not a slice of the handshake's buffers.
      assert.deepEqual(s1.peerCertificates, full.peerCertificates.map((c) => Uint8Array.from(c)));
      assert.equal(s1.peerCertificates[0].buffer.byteLength, s1.peerCertificates[0].length);
      const second = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, session: s1 });
      second.on('data', () => undefined);
      assert.equal((await within(10_000, second.secured)).resumed, true);
    });

    it('Node client → kyman server: isSessionReused() on the second connection, by ticket and by id', async () => {
      for (const ticketless of [false, true]) {
        const srv = await kymanServer();
        const options: tls.ConnectionOptions = ticketless ? { secureOptions: (await import('node:crypto')).constants.SSL_OP_NO_TICKET } : {};
        const first = nodeClient(srv.port, options);
        const session = new Promise<Buffer>((resolve) => first.once('session', resolve));
        await within(10_000, new Promise((r, j) => first.once('secureConnect', r).once('error', j)));
        const saved = await within(5000, session);
        first.end();
        const second = nodeClient(srv.port, { ...options, session: saved });
        await within(10_000, new Promise((r, j) => second.once('secureConnect', r).once('error', j)));
        assert.equal(second.isSessionReused(), true, ticketless ? 'by session id' : 'by ticket');
        await waitFor(() => srv.conns.length === 2);
        assert.equal(srv.conns[1].summary?.resumed, true);
        second.end();
      }
    });
  });

  describe('Node client → kyman server', () => {
    SUITES.forEach(([suite, nodeSuite, kind], i) => {
      const [group, nodeGroup] = GROUPS[(i + 1) % GROUPS.length];
      it(`${suite} with ${group}: 1 MiB echoed, SNI, close_notify`, async () => {
        const cert = certFor(kind);
        const srv = await kymanServer({ certificateChain: [cert.der], privateKey: cert.key, groups: [group] });
        srv.conns.length = 0;
        const client = nodeClient(srv.port, { ciphers: nodeSuite, ecdhCurve: kind === 'ecdsa' && nodeGroup !== 'P-256' ? `${nodeGroup}:P-256` : nodeGroup });
        await within(10_000, new Promise((r, j) => client.once('secureConnect', r).once('error', j)));
        assert.equal(client.getProtocol(), 'TLSv1.2');
        assert.equal(client.getCipher().standardName, suite);
        await waitFor(() => srv.conns.length > 0);
        const conn = srv.conns[0];
        assert.equal(conn.summary?.version, 'TLSv1.2');
        assert.equal(conn.summary?.cipherSuite, suite);
        assert.equal(conn.summary?.group, group);
        assert.equal(conn.summary?.serverName, 'localhost');
        conn.pipe(conn);
        await echo(client);
      });
    });

    it('client authentication required: with an RSA certificate it passes, without one it is handshake_failure', async () => {
      const srv = await kymanServer({ clientAuth: 'required', clientTrustAnchors: [pki.root.der], alpnProtocols: ['h2'] });
      const rsaClient = await pki.issue('node rsa client', { type: 'rsa', bits: 2048 }, { eku: ['clientAuth'], san: ['email:node@example.com'] });
      const withCert = nodeClient(srv.port, { key: pem(rsaClient.keyFile), cert: pem(rsaClient.certFile), ALPNProtocols: ['h2'] });
      await within(10_000, new Promise((r, j) => withCert.once('secureConnect', r).once('error', j)));
      assert.equal(withCert.alpnProtocol, 'h2');
      await waitFor(() => srv.conns.length > 0);
      assert.equal(srv.conns[0].summary?.validation?.chain[0].subject, 'CN=node rsa client');
      assert.equal(srv.conns[0].summary?.alpn, 'h2');
      withCert.end();

      const without = nodeClient(srv.port);
      without.on('data', () => undefined);
      const err = await within(10_000, new Promise<Error>((resolve) => without.once('error', resolve)));
      assert.match(err.message, /handshake failure/i);
      await waitFor(() => srv.failures.length > 0);
      assert.equal((srv.failures[0] as TlsAlertError).alert.name, 'handshake_failure');
    });

    it('version negotiation: a Node client with both versions gets 1.2 from a 1.2-only server', async () => {
      const srv = await kymanServer({ versions: ['TLSv1.2'] });
      const client = nodeClient(srv.port, { maxVersion: 'TLSv1.3' });
      await within(10_000, new Promise((r, j) => client.once('secureConnect', r).once('error', j)));
      assert.equal(client.getProtocol(), 'TLSv1.2');
      client.end();
    });

    it('renegotiation refused: Node\'s renegotiate() is answered with no_renegotiation', async () => {
      const srv = await kymanServer();
      const client = nodeClient(srv.port);
      await within(10_000, new Promise((r, j) => client.once('secureConnect', r).once('error', j)));
      await waitFor(() => srv.conns.length > 0);
      const conn = srv.conns[0];
      conn.pipe(conn);
      const outcome = await within(
        10_000,
        new Promise<Error | null>((resolve) => {
          client.once('error', resolve);
          client.renegotiate({}, (e) => resolve(e ?? null));
        }),
        'renegotiate',
      );
      assert.ok(outcome instanceof Error, 'renegotiation must not succeed');
      assert.match(outcome.message, /renegotiation/i);
    });

    it('no suite in common: handshake_failure', async () => {
      const srv = await kymanServer();
      const client = nodeClient(srv.port, { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
      const err = await within(10_000, new Promise<Error>((resolve) => client.once('error', resolve)));
      assert.match(err.message, /handshake failure/i);
      await waitFor(() => srv.failures.length > 0);
      assert.equal((srv.failures[0] as TlsAlertError).alert.name, 'handshake_failure');
    });
  });
});

