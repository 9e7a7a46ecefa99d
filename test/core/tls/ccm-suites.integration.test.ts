// The TLS 1.3 AES-CCM suites (RFC 8446 §B.4), enabled only when named, against openssl and Node's tls, both ways.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { connect, createTlsServer, TlsAlertError, type TlsSocket, type Tls13CipherSuiteName } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { connectTcp, exchangeWithSClient, expectDeliveredThenEnd, expectEcho, listenKyman, nodeTlsEchoServer, opensslClient, opensslServer, sha256, stoppedAfterEach, within } from '../../helpers/peers.js';

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
        await exchangeWithSClient(conn, peer, 40_000, 40_000);
      } finally {
        await srv.close();
      }
    });

    it(`Node's tls, both ways, with ${suite}`, async () => {
      const server = await nodeTlsEchoServer({ minVersion: 'TLSv1.3', ciphers: suite, key: pem(pki.ecdsa.keyFile), cert: pem(pki.ecdsa.certFile) });
      try {
        const c = kymanClient(await connectTcp(server.port), suite);
        assert.equal((await within(10_000, c.secured)).cipherSuite, suite);
        await expectEcho(c, 40_000);
        c.end();
      } finally {
        await server.close();
      }

      const srv = await kymanServer(suite);
      try {
        const c = tls.connect({ port: srv.port, host: '127.0.0.1', servername: 'localhost', ca: pem(pki.root.certFile), minVersion: 'TLSv1.3', ciphers: suite });
        c.on('error', () => undefined);
        const conn = await srv.next();
        assert.equal((await within(10_000, conn.secured)).cipherSuite, suite);
        await expectDeliveredThenEnd(conn, c, 30_000);
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
