// The TLS 1.3 AES-CCM suites (RFC 8446 §B.4), enabled only when named, against openssl and Node's tls, both ways.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { connect, createTlsServer, TlsAlertError, type TlsSocket, type Tls13CipherSuiteName } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, connectTcp, listenKyman, opensslClient, opensslServer, sha256, stoppedAfterEach, within } from '../../helpers/peers.js';

const CCM_SUITES: readonly Tls13CipherSuiteName[] = ['TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256'];

describe('tls 1.3 AES-CCM suites, interop', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const { peers, sockets } = stoppedAfterEach();
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());

  const pem = (file: string) => readFileSync(file);

  function kymanClient(socket: net.Socket, suite: Tls13CipherSuiteName): TlsSocket {
    const c = connect({ socket, serverName: 'localhost', trustAnchors: [pki.root.der], provider, cipherSuites: [suite] });
    sockets.push(c);
    c.on('error', () => undefined);
    return c;
  }

  const kymanServer = (suite: Tls13CipherSuiteName) =>
    listenKyman(createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, cipherSuites: [suite] }), (c) => sockets.push(c));

  /** Reads from `socket` until `n` bytes have come. */
  function readBytes(socket: TlsSocket, n: number): Promise<Buffer> {
    const got: Buffer[] = [];
    let have = 0;
    return within(10_000, new Promise<Buffer>((resolve) => socket.on('data', (d: Buffer) => ((got.push(d), (have += d.length) >= n) ? resolve(Buffer.concat(got)) : undefined))), 'data');
  }

  for (const suite of CCM_SUITES) {
    it(`kyman client → openssl s_server -ciphersuites ${suite}`, async () => {
      const peer = await opensslServer(['-tls1_3', '-cert', pki.ecdsa.certFile, '-key', pki.ecdsa.keyFile, '-ciphersuites', suite]);
      peers.push(peer);
      const c = kymanClient(await connectTcp(peer.port), suite);
      const summary = await within(10_000, c.secured, 'handshake');
      assert.equal(summary.version, 'TLSv1.3');
      assert.equal(summary.cipherSuite, suite);
      const data = Buffer.from(`${randomBytes(30_000).toString('hex')}\n`);
      c.end(data);
      assert.equal(await within(10_000, peer.exited, 'openssl exit'), 0, peer.stderr());
      assert.equal(sha256(peer.stdout()), sha256(data));
    });

    it(`openssl s_client -ciphersuites ${suite} → kyman server`, async () => {
      const srv = await kymanServer(suite);
      try {
        const peer = opensslClient(srv.port, ['-tls1_3', '-ciphersuites', suite, '-CAfile', pki.root.certFile, '-verify_return_error', '-servername', 'localhost', '-quiet']);
        peers.push(peer);
        const conn = await srv.next();
        assert.equal((await within(10_000, conn.secured)).cipherSuite, suite);
        const up = Buffer.from(`${randomBytes(20_000).toString('hex')}\n`);
        const reading = readBytes(conn, up.length);
        peer.proc.stdin!.write(up);
        assert.equal(sha256(await reading), sha256(up));
        const down = Buffer.from(`${randomBytes(20_000).toString('hex')}\n`);
        conn.end(down);
        assert.equal(await within(10_000, peer.exited), 0, peer.stderr());
        assert.equal(sha256(peer.stdout()), sha256(down));
      } finally {
        await srv.close();
      }
    });

    it(`Node's tls, both ways, with ${suite}`, async () => {
      const server = tls.createServer({ minVersion: 'TLSv1.3', ciphers: suite, key: pem(pki.ecdsa.keyFile), cert: pem(pki.ecdsa.certFile) }, (s) => s.pipe(s));
      server.on('tlsClientError', () => undefined);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const c = kymanClient(await connectTcp((server.address() as net.AddressInfo).port), suite);
        assert.equal((await within(10_000, c.secured)).cipherSuite, suite);
        const data = randomBytes(40_000);
        const echoed = readBytes(c, data.length);
        c.write(data);
        assert.equal(sha256(await echoed), sha256(data));
        c.end();
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }

      const srv = await kymanServer(suite);
      try {
        const c = tls.connect({ port: srv.port, host: '127.0.0.1', servername: 'localhost', ca: pem(pki.root.certFile), minVersion: 'TLSv1.3', ciphers: suite });
        c.on('error', () => undefined);
        const conn = await srv.next();
        assert.equal((await within(10_000, conn.secured)).cipherSuite, suite);
        const down = randomBytes(30_000);
        const got = collect(c);
        conn.end(down);
        assert.equal(sha256(await within(10_000, got)), sha256(down));
        c.destroy();
      } finally {
        await srv.close();
      }
    });
  }

  it('not enabled unless named: a default kyman server refuses a client that offers only CCM', async () => {
    const srv = await listenKyman(createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider }), (c) => sockets.push(c));
    try {
      const peer = opensslClient(srv.port, ['-tls1_3', '-ciphersuites', 'TLS_AES_128_CCM_SHA256', '-quiet']);
      peers.push(peer);
      const conn = await srv.next();
      const e = await within(10_000, conn.secured.then(() => undefined, (err: unknown) => err));
      assert.ok(e instanceof TlsAlertError, String(e));
      assert.equal(e.alert.name, 'handshake_failure');
      await within(10_000, peer.exited);
    } finally {
      await srv.close();
    }
  });
});
