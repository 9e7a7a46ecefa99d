import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, TlsAlertError, createTlsServer, type TlsClientOptions, type TlsSocket, type HandshakeSummary, type TraceEvent } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, connectTcp, opensslClient, opensslServer, sha256, within, stoppedAfterEach, type Peer, waitFor, listenKyman } from '../../helpers/peers.js';

const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;
const GROUPS = [
  ['x25519', 'X25519'],
  ['secp256r1', 'P-256'],
  ['secp384r1', 'P-384'],
  ['x448', 'X448'],
  ['secp521r1', 'P-521'],
  // RFC 7919: the finite-field groups, whose primes kyman computes from the RFC's formula.
  ['ffdhe2048', 'ffdhe2048'],
  ['ffdhe3072', 'ffdhe3072'],
] as const;

describe('tls 1.3 interop with openssl', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const { peers, sockets } = stoppedAfterEach();
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());

  const serverArgs = (cert = pki.ecdsa) => ['-tls1_3', '-cert', cert.certFile, '-key', cert.keyFile];

  async function kymanClient(peer: Peer, options: Partial<TlsClientOptions> = {}): Promise<{ socket: TlsSocket; summary: HandshakeSummary }> {
    const tcp = await connectTcp(peer.port);
    const socket = connect({ socket: tcp, serverName: 'localhost', trustAnchors: [pki.root.der], provider, ...options });
    sockets.push(socket);
    socket.on('error', () => undefined);
    const summary = await within(10_000, socket.secured, 'handshake');
    return { socket, summary };
  }

  async function expectClientFailure(peer: Peer, options: Partial<TlsClientOptions>): Promise<TlsAlertError> {
    const tcp = await connectTcp(peer.port);
    const socket = connect({ socket: tcp, serverName: 'localhost', trustAnchors: [pki.root.der], provider, ...options });
    sockets.push(socket);
    socket.on('error', () => undefined);
    const e = await within(10_000, socket.secured.then(() => undefined, (err: unknown) => err), 'failing handshake');
    assert.ok(e instanceof TlsAlertError, `expected a TlsAlertError, got ${String(e)}`);
    return e;
  }

  describe('kyman client → openssl s_server', () => {
    for (const suite of SUITES) {
      for (const [group, opensslGroup] of GROUPS) {
        it(`${suite} with ${group}`, async () => {
          const peer = await opensslServer([...serverArgs(), '-ciphersuites', suite, '-groups', opensslGroup]);
          peers.push(peer);
          const { socket, summary } = await kymanClient(peer, { cipherSuites: [suite], groups: [group] });
          assert.equal(summary.version, 'TLSv1.3');
          assert.equal(summary.cipherSuite, suite);
          assert.equal(summary.group, group);
          assert.equal(summary.signatureScheme, 'ecdsa_secp256r1_sha256');
          assert.equal(summary.helloRetry, false);
          assert.equal(summary.validation?.valid, true);
          socket.end('ping\n');
          assert.equal(await within(5000, peer.exited, 'openssl exit'), 0);
          assert.match(peer.stdout().toString(), /ping/);
        });
      }
    }

    for (const [name, pick, scheme] of [
      ['RSA-2048 (RSA-PSS)', () => pki.rsa, 'rsa_pss_rsae_sha256'],
      ['Ed25519', () => pki.ed25519, 'ed25519'],
      ['ECDSA P-384', () => pki.ecdsa384, 'ecdsa_secp384r1_sha384'],
    ] as const) {
      it(`verifies a ${name} server certificate`, async () => {
        const peer = await opensslServer(serverArgs(pick()));
        peers.push(peer);
        const { socket, summary } = await kymanClient(peer);
        assert.equal(summary.signatureScheme, scheme);
        socket.end();
        await within(5000, peer.exited);
      });
    }

    it('answers a HelloRetryRequest (x25519 share offered, server only takes P-256)', async () => {
      const peer = await opensslServer([...serverArgs(), '-groups', 'P-256']);
      peers.push(peer);
      const { socket, summary } = await kymanClient(peer, { groups: ['x25519', 'secp256r1'] });
      assert.equal(summary.helloRetry, true);
      assert.equal(summary.group, 'secp256r1');
      socket.end('after retry\n');
      assert.equal(await within(5000, peer.exited), 0);
      assert.match(peer.stdout().toString(), /after retry/);
    });

    it('authenticates with a client certificate when asked (-Verify 1)', async () => {
      const peer = await opensslServer([...serverArgs(), '-Verify', '1', '-CAfile', pki.root.certFile, '-verify_return_error']);
      peers.push(peer);
      const { socket, summary } = await kymanClient(peer, { certificateChain: [pki.client.der], privateKey: pki.client.key });
      assert.equal(summary.clientCertificateSent, true);
      socket.end('authenticated\n');
      assert.equal(await within(5000, peer.exited), 0);
      assert.match(peer.stdout().toString(), /authenticated/);
    });

    it('sends an empty Certificate without a client certificate, and gets the server\'s alert', async () => {
      const peer = await opensslServer([...serverArgs(), '-Verify', '1', '-CAfile', pki.root.certFile, '-verify_return_error']);
      peers.push(peer);
      const tcp = await connectTcp(peer.port);
      const socket = connect({ socket: tcp, serverName: 'localhost', trustAnchors: [pki.root.der], provider });
      sockets.push(socket);
      const summary = await within(10_000, socket.secured);
      assert.equal(summary.clientCertificateSent, false);
      // The server checks the empty Certificate after our Finished and answers with an alert (§4.4.2.4).
      const e = await within(5000, new Promise<Error>((resolve) => socket.once('error', resolve)));
      assert.ok(e instanceof TlsAlertError);
      assert.equal(e.direction, 'received');
      assert.equal(e.alert.name, 'certificate_required');
    });

    it('negotiates ALPN', async () => {
      const peer = await opensslServer([...serverArgs(), '-alpn', 'h2,http/1.1']);
      peers.push(peer);
      const { socket, summary } = await kymanClient(peer, { alpnProtocols: ['http/1.1', 'spdy/1'] });
      assert.equal(summary.alpn, 'http/1.1');
      socket.end();
      await within(5000, peer.exited);
    });

    it('updates keys both ways (KeyUpdate, update_requested answered)', async () => {
      const peer = await opensslServer(serverArgs(), false);
      peers.push(peer);
      const events: TraceEvent[] = [];
      const { socket } = await kymanClient(peer, { trace: (e) => events.push(e) });
      const received: Buffer[] = [];
      socket.on('data', (d: Buffer) => received.push(d));
      socket.keyUpdate(true);
      socket.write('after our update\n');
      await waitFor(() => peer.stdout().toString().includes('after our update'));
      // openssl's K command: a KeyUpdate with update_requested, which we must answer with our own.
      peer.proc.stdin!.write('K\n');
      await waitFor(() => keyUpdates(events, 'received').includes('update_requested'));
      peer.proc.stdin!.write('after their update\n');
      await waitFor(() => Buffer.concat(received).toString().includes('after their update'));
      assert.deepEqual(keyUpdates(events, 'sent'), ['update_requested', 'update_not_requested']);
      socket.write('still talking\n');
      await waitFor(() => peer.stdout().toString().includes('still talking'));
      socket.end();
      await within(5000, peer.exited);
    });

    it('moves 16 MiB each way intact, then closes with close_notify', async () => {
      const size = 16 * 1024 * 1024;
      const up = randomBytes(size);
      const down = randomBytes(size);
      const peer = await opensslServer(serverArgs());
      peers.push(peer);
      const { socket } = await kymanClient(peer);
      const got = collect(socket);
      let downloaded = 0;
      socket.on('data', (d: Buffer) => (downloaded += d.length));
      const started = performance.now();
      peer.proc.stdin!.write(down);
      socket.write(up);
      await waitFor(() => peer.stdout().length >= size && downloaded >= size, 60_000);
      figures.push(`16 MiB each way with openssl s_server: ${Math.round(performance.now() - started)} ms`);
      // Closing our side sends close_notify; openssl then closes too, which ends our readable side.
      socket.end();
      const data = await within(20_000, got, 'download');
      assert.equal(sha256(data), sha256(down));
      assert.equal(sha256(peer.stdout()), sha256(up));
      assert.equal(await within(5000, peer.exited), 0);
    });
  });

  describe('rejections', () => {
    it('an untrusted root: unknown_ca', async () => {
      const peer = await opensslServer(serverArgs());
      peers.push(peer);
      const e = await expectClientFailure(peer, { trustAnchors: [pki.otherRoot.der] });
      assert.equal(e.direction, 'sent');
      assert.equal(e.alert.name, 'unknown_ca');
    });

    it('the wrong host name: bad_certificate', async () => {
      const peer = await opensslServer(serverArgs());
      peers.push(peer);
      const e = await expectClientFailure(peer, { serverName: 'www.example.com' });
      assert.equal(e.alert.name, 'bad_certificate');
      assert.match(e.message, /host name www\.example\.com/);
    });

    it('an expired certificate: certificate_expired', async () => {
      const peer = await opensslServer(serverArgs(pki.expired));
      peers.push(peer);
      const e = await expectClientFailure(peer, {});
      assert.equal(e.alert.name, 'certificate_expired');
    });

    it('no cipher suite in common: handshake_failure from the server', async () => {
      const peer = await opensslServer([...serverArgs(), '-ciphersuites', 'TLS_AES_256_GCM_SHA384']);
      peers.push(peer);
      const e = await expectClientFailure(peer, { cipherSuites: ['TLS_AES_128_GCM_SHA256'] });
      assert.equal(e.direction, 'received');
      assert.equal(e.alert.name, 'handshake_failure');
    });

    it('a TLS 1.2-only server, TLS 1.3 only on our side: protocol_version', async () => {
      const peer = await opensslServer(['-tls1_2', '-cert', pki.ecdsa.certFile, '-key', pki.ecdsa.keyFile]);
      peers.push(peer);
      const e = await expectClientFailure(peer, { versions: ['TLSv1.3'] });
      assert.equal(e.alert.name, 'protocol_version');
    });
  });

  describe('openssl s_client → kyman server', () => {
    async function kymanServer(options: Partial<Parameters<typeof createTlsServer>[0]> = {}) {
      const tls = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, ...options });
      return listenKyman(tls, (c) => sockets.push(c));
    }

    for (const suite of SUITES) {
      for (const [group, opensslGroup] of GROUPS) {
        it(`${suite} with ${group}`, async () => {
          const srv = await kymanServer();
          try {
            const peer = opensslClient(srv.port, ['-tls1_3', '-ciphersuites', suite, '-groups', opensslGroup, '-CAfile', pki.root.certFile, '-verify_return_error', '-servername', 'localhost', '-quiet']);
            peers.push(peer);
            const conn = await srv.next();
            const summary = await within(10_000, conn.secured);
            assert.equal(summary.cipherSuite, suite);
            assert.equal(summary.group, group);
            assert.equal(summary.serverName, 'localhost');
            peer.proc.stdin!.write('hello kyman\n');
            const got = await within(5000, readUntil(conn, 'hello kyman'));
            assert.match(got, /hello kyman/);
            conn.end('bye\n');
            assert.equal(await within(5000, peer.exited), 0);
            assert.match(peer.stdout().toString(), /bye/);
          } finally {
            await srv.close();
          }
        });
      }
    }

    for (const [name, pick] of [
      ['RSA-2048', () => pki.rsa],
      ['Ed25519', () => pki.ed25519],
    ] as const) {
      it(`serves with a ${name} certificate`, async () => {
        const srv = await kymanServer({ certificateChain: [pick().der], privateKey: pick().key });
        try {
          const peer = opensslClient(srv.port, ['-tls1_3', '-CAfile', pki.root.certFile, '-verify_return_error', '-servername', 'localhost', '-quiet']);
          peers.push(peer);
          const conn = await srv.next();
          await within(10_000, conn.secured);
          conn.end();
          assert.equal(await within(5000, peer.exited), 0);
        } finally {
          await srv.close();
        }
      });
    }

    it('sends a HelloRetryRequest when the client shared the wrong group', async () => {
      const srv = await kymanServer({ groups: ['secp384r1'] });
      try {
        const peer = opensslClient(srv.port, ['-tls1_3', '-groups', 'X25519:P-384', '-CAfile', pki.root.certFile, '-verify_return_error', '-quiet']);
        peers.push(peer);
        const conn = await srv.next();
        const summary = await within(10_000, conn.secured);
        assert.equal(summary.helloRetry, true);
        assert.equal(summary.group, 'secp384r1');
        conn.end();
        assert.equal(await within(5000, peer.exited), 0);
      } finally {
        await srv.close();
      }
    });

    it('requires a client certificate (clientAuth required)', async () => {
      const srv = await kymanServer({ clientAuth: 'required', clientTrustAnchors: [pki.root.der] });
      try {
        const peer = opensslClient(srv.port, ['-tls1_3', '-cert', pki.client.certFile, '-key', pki.client.keyFile, '-CAfile', pki.root.certFile, '-quiet']);
        peers.push(peer);
        const conn = await srv.next();
        const summary = await within(10_000, conn.secured);
        assert.equal(summary.validation?.valid, true);
        assert.equal(summary.validation?.chain[0].subject, 'CN=client');
        conn.end();
        await within(5000, peer.exited, 'first client exit');

        const bare = opensslClient(srv.port, ['-tls1_3', '-CAfile', pki.root.certFile, '-quiet']);
        peers.push(bare);
        const refused = await srv.next();
        const e = await within(10_000, refused.secured.then(() => undefined, (err: unknown) => err), 'refusal');
        assert.ok(e instanceof TlsAlertError);
        assert.equal(e.alert.name, 'certificate_required');
        await within(5000, bare.exited, 'second client exit');
      } finally {
        await srv.close();
      }
    });

    it('answers the client\'s KeyUpdate request (openssl K command)', async () => {
      const events: TraceEvent[] = [];
      const srv = await kymanServer({ trace: (e) => events.push(e) });
      try {
        const peer = opensslClient(srv.port, ['-tls1_3', '-CAfile', pki.root.certFile]);
        peers.push(peer);
        const conn = await srv.next();
        await within(10_000, conn.secured);
        peer.proc.stdin!.write('K\n');
        await waitFor(() => keyUpdates(events, 'received').includes('update_requested'));
        peer.proc.stdin!.write('after update\n');
        await within(5000, readUntil(conn, 'after update'));
        conn.write('server after update\n');
        await waitFor(() => peer.stdout().toString().includes('server after update'));
        assert.deepEqual(keyUpdates(events, 'sent'), ['update_not_requested']);
        conn.end();
        await within(5000, peer.exited);
      } finally {
        await srv.close();
      }
    });
  });
});

const figures: string[] = [];
after(() => figures.forEach((f) => console.log(`      ${f}`)));

function keyUpdates(events: TraceEvent[], direction: 'sent' | 'received'): string[] {
  return events.filter((e) => e.direction === direction && e.message === 'KeyUpdate').map((e) => String(e.fields[0].value));
}


function readUntil(s: TlsSocket, marker: string): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      text += d.toString();
      if (text.includes(marker)) {
        s.off('data', onData);
        resolve(text);
      }
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}
