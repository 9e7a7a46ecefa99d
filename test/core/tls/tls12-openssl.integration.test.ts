import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createTlsServer, TlsAlertError, type TlsSession, type HandshakeSummary, type TlsClientOptions, type TlsServerOptions, type TlsSocket, type TraceEvent } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, connectTcp, opensslClient, opensslServer, sha256, within, stoppedAfterEach, type Peer, TLS12_GROUPS as GROUPS, TLS12_SUITES as SUITES, waitFor, listenKyman } from '../../helpers/peers.js';


/** OpenSSL 3.0 has no -no_ems flag; this configuration turns the extended master secret off for s_server and s_client. */
const NO_EMS_CONF = `openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Options = -ExtendedMasterSecret
`;

describe('tls 1.2 interop with openssl', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let noEms: string;
  const { peers, sockets } = stoppedAfterEach();
  before(async () => {
    pki = await makePki();
    noEms = join(pki.dir, 'no-ems.cnf');
    writeFileSync(noEms, NO_EMS_CONF);
  });
  after(() => pki.cleanup());

  const certFor = (kind: 'ecdsa' | 'rsa') => (kind === 'ecdsa' ? pki.ecdsa : pki.rsa);
  const serverArgs = (kind: 'ecdsa' | 'rsa' = 'ecdsa') => ['-tls1_2', '-cert', certFor(kind).certFile, '-key', certFor(kind).keyFile];

  async function startClient(peer: Peer, options: Partial<TlsClientOptions> = {}): Promise<TlsSocket> {
    const socket = connect({ socket: await connectTcp(peer.port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, ...options });
    sockets.push(socket);
    socket.on('error', () => undefined);
    return socket;
  }

  async function kymanClient(peer: Peer, options: Partial<TlsClientOptions> = {}): Promise<{ socket: TlsSocket; summary: HandshakeSummary }> {
    const socket = await startClient(peer, options);
    return { socket, summary: await within(10_000, socket.secured, 'handshake') };
  }

  async function failure(socket: TlsSocket): Promise<TlsAlertError> {
    const e = await within(10_000, socket.secured.then(() => undefined, (err: unknown) => err), 'failing handshake');
    assert.ok(e instanceof TlsAlertError, `expected a TlsAlertError, got ${String(e)}`);
    return e;
  }

  describe('kyman client → openssl s_server -tls1_2', () => {
    for (const [suite, opensslSuite, kind] of SUITES) {
      for (const [group, opensslGroup] of GROUPS) {
        it(`${suite} with ${group}`, async () => {
          const peer = await opensslServer([...serverArgs(kind), '-cipher', opensslSuite, '-groups', opensslGroup]);
          peers.push(peer);
          // Both versions offered (a TLS 1.3 suite named too): the server's choice of 1.2 must carry no sentinel.
          // RFC 8422 §5.1: supported_groups also names the curve of the ECDSA certificate (P-256), so it is listed after the one tested.
          const groups = kind === 'ecdsa' && group !== 'secp256r1' ? [group, 'secp256r1'] : [group];
          const { socket, summary } = await kymanClient(peer, { cipherSuites: ['TLS_AES_128_GCM_SHA256', suite], groups });
          assert.equal(summary.version, 'TLSv1.2');
          assert.equal(summary.cipherSuite, suite);
          assert.equal(summary.group, group);
          assert.match(String(summary.signatureScheme), kind === 'ecdsa' ? /^ecdsa_secp256r1_sha256$/ : /^rsa_pss_rsae_sha256$/);
          assert.equal(summary.validation?.valid, true);
          socket.end('ping\n');
          assert.equal(await within(5000, peer.exited, 'openssl exit'), 0);
          assert.match(peer.stdout().toString(), /ping/);
        });
      }
    }

    it('RSA PKCS #1 v1.5 in ServerKeyExchange when that is all we offer', async () => {
      const peer = await opensslServer(serverArgs('rsa'));
      peers.push(peer);
      // ecdsa_secp256r1_sha256 too, for the test root's signature on the certificate (OpenSSL checks the chain against the list).
      const { socket, summary } = await kymanClient(peer, { signatureSchemes: ['rsa_pkcs1_sha384', 'ecdsa_secp256r1_sha256'] });
      assert.equal(summary.signatureScheme, 'rsa_pkcs1_sha384');
      socket.end();
      await within(5000, peer.exited);
    });

    it('version negotiation: both versions offered get 1.2 from -tls1_2, 1.3 from -tls1_3', async () => {
      const p12 = await opensslServer(serverArgs());
      peers.push(p12);
      const a = await kymanClient(p12);
      assert.equal(a.summary.version, 'TLSv1.2');
      a.socket.end();
      await within(5000, p12.exited);
      const p13 = await opensslServer(['-tls1_3', '-cert', pki.ecdsa.certFile, '-key', pki.ecdsa.keyFile]);
      peers.push(p13);
      const b = await kymanClient(p13);
      assert.equal(b.summary.version, 'TLSv1.3');
      b.socket.end();
      await within(5000, p13.exited);
    });

    it('client authentication (-Verify 1) with an ECDSA certificate', async () => {
      const peer = await opensslServer([...serverArgs(), '-Verify', '1', '-CAfile', pki.root.certFile, '-verify_return_error']);
      peers.push(peer);
      const { socket, summary } = await kymanClient(peer, { certificateChain: [pki.client.der], privateKey: pki.client.key });
      assert.equal(summary.clientCertificateSent, true);
      socket.end('authenticated\n');
      assert.equal(await within(5000, peer.exited), 0);
      assert.match(peer.stdout().toString(), /authenticated/);
    });

    it('ALPN', async () => {
      const peer = await opensslServer([...serverArgs(), '-alpn', 'h2,http/1.1']);
      peers.push(peer);
      const { socket, summary } = await kymanClient(peer, { alpnProtocols: ['http/1.1', 'spdy/1'] });
      assert.equal(summary.alpn, 'http/1.1');
      socket.end();
      await within(5000, peer.exited);
    });

    it('SNI reaches the server (-servername with -servername_fatal refuses any other name)', async () => {
      const peer = await opensslServer([...serverArgs(), '-servername', 'localhost', '-cert2', pki.rsa.certFile, '-key2', pki.rsa.keyFile, '-servername_fatal']);
      peers.push(peer);
      // The second certificate (RSA) is served only for the name we send, so the scheme shows the name arrived.
      const { socket, summary } = await kymanClient(peer);
      assert.equal(summary.cipherSuite.includes('ECDHE_RSA'), true);
      socket.end();
      await within(5000, peer.exited);
    });

    it('1 MiB each way intact, then close_notify', async () => {
      const size = 1 << 20;
      const up = randomBytes(size);
      const down = randomBytes(size);
      const peer = await opensslServer(serverArgs());
      peers.push(peer);
      const { socket } = await kymanClient(peer);
      const got = collect(socket);
      let downloaded = 0;
      socket.on('data', (d: Buffer) => (downloaded += d.length));
      peer.proc.stdin!.write(down);
      socket.write(up);
      await waitFor(() => peer.stdout().length >= size && downloaded >= size, 20_000);
      socket.end();
      assert.equal(sha256(await within(10_000, got, 'download')), sha256(down));
      assert.equal(sha256(peer.stdout()), sha256(up));
      assert.equal(await within(5000, peer.exited), 0);
    });

    it('renegotiation refused: a HelloRequest (s_server "r") is answered with no_renegotiation', async () => {
      const peer = await opensslServer(serverArgs(), false);
      peers.push(peer);
      const events: TraceEvent[] = [];
      const { socket } = await kymanClient(peer, { trace: (e) => events.push(e) });
      const ended = new Promise<unknown>((resolve) => {
        socket.once('error', resolve);
        socket.once('close', () => resolve('closed'));
      });
      socket.write('before\n');
      await waitFor(() => peer.stdout().toString().includes('before'));
      peer.proc.stdin!.write('r\n');
      await waitFor(() => events.some((e) => e.direction === 'received' && e.message === 'HelloRequest'));
      // RFC 5246 §7.2.2 leaves the next step to the server; OpenSSL ends a renegotiation it asked for and was refused with handshake_failure.
      const end = await within(5000, ended, 'the end of the connection');
      assert.ok(end instanceof TlsAlertError && end.direction === 'received' && end.alert.name === 'handshake_failure', String(end));
      await within(5000, peer.exited);
      assert.match(peer.stderr(), /no renegotiation/);
    });
  });

  describe('resumption with openssl s_server -tls1_2 (-naccept 2)', () => {
    for (const [name, extra] of [
      ['by ticket', []],
      ['by session id (-no_ticket)', ['-no_ticket']],
    ] as const) {
      it(name, async () => {
        const peer = await opensslServer([...serverArgs(), '-naccept', '2', ...extra]);
        peers.push(peer);
        const first = await startClient(peer);
        const session = new Promise<TlsSession>((resolve) => first.once('session', resolve));
        assert.equal((await within(10_000, first.secured)).resumed, false);
        const s1 = await within(5000, session, 'session');
        assert.equal(Boolean(s1.ticket?.length), extra.length === 0);
        first.end('one\n');
        await waitFor(() => peer.stdout().toString().includes('one'));
        const { socket, summary } = await kymanClient(peer, { session: s1 });
        assert.equal(summary.resumed, true);
        assert.equal(summary.version, 'TLSv1.2');
        socket.end('two\n');
        assert.equal(await within(5000, peer.exited), 0);
        assert.match(peer.stdout().toString(), /two/);
      });
    }
  });

  describe('rejections', () => {
    it('a server without the extended master secret: handshake_failure', async () => {
      const peer = await opensslServer(serverArgs(), true, { OPENSSL_CONF: noEms });
      peers.push(peer);
      const e = await failure(await startClient(peer));
      assert.equal(e.direction, 'sent');
      assert.equal(e.alert.name, 'handshake_failure');
      assert.match(e.message, /extended master secret/);
    });

    it('no suite in common: handshake_failure from the server', async () => {
      const peer = await opensslServer([...serverArgs(), '-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384']);
      peers.push(peer);
      const e = await failure(await startClient(peer, { cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }));
      assert.equal(e.direction, 'received');
      assert.equal(e.alert.name, 'handshake_failure');
    });

    it('an RSA-certificate server and an ECDSA-only offer: handshake_failure', async () => {
      const peer = await opensslServer(serverArgs('rsa'));
      peers.push(peer);
      const e = await failure(await startClient(peer, { cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }));
      assert.equal(e.alert.name, 'handshake_failure');
    });
  });

  describe('openssl s_client -tls1_2 → kyman server', () => {
    async function kymanServer(options: Partial<TlsServerOptions> = {}) {
      const tls = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, ...options });
      return listenKyman(tls, (c) => sockets.push(c));
    }

    SUITES.forEach(([suite, opensslSuite, kind], i) => {
      const [group, opensslGroup] = GROUPS[i % GROUPS.length];
      it(`${suite} with ${group}`, async () => {
        const cert = certFor(kind);
        const events: TraceEvent[] = [];
        const srv = await kymanServer({ certificateChain: [cert.der], privateKey: cert.key, groups: [group], trace: (e) => events.push(e) });
        try {
          // RFC 8422 §5.1: the client must list the ECDSA certificate's curve (P-256) too.
          const clientGroups = kind === 'ecdsa' && opensslGroup !== 'P-256' ? `${opensslGroup}:P-256` : opensslGroup;
          const peer = opensslClient(srv.port, ['-tls1_2', '-cipher', opensslSuite, '-groups', clientGroups, '-CAfile', pki.root.certFile, '-verify_return_error', '-servername', 'localhost', '-quiet']);
          peers.push(peer);
          const conn = await srv.next();
          const summary = await within(10_000, conn.secured);
          assert.equal(summary.version, 'TLSv1.2');
          assert.equal(summary.cipherSuite, suite);
          assert.equal(summary.group, group);
          assert.equal(summary.serverName, 'localhost');
          // RFC 8446 §4.1.3: this server speaks TLS 1.3 too, so its TLS 1.2 ServerHello.random ends in DOWNGRD\x01.
          const sh = events.find((e) => e.direction === 'sent' && e.message === 'ServerHello')!;
          assert.match(String(sh.fields.find((f) => f.name === 'random')?.value), /444f574e47524401$/);
          peer.proc.stdin!.write('hello kyman\n');
          assert.match(await within(5000, readUntil(conn, 'hello kyman')), /hello kyman/);
          conn.end('bye\n');
          assert.equal(await within(5000, peer.exited), 0);
          assert.match(peer.stdout().toString(), /bye/);
        } finally {
          await srv.close();
        }
      });
    });

    for (const [name, extra] of [
      ['by ticket', []],
      ['by session id (-no_ticket)', ['-no_ticket']],
    ] as const) {
      it(`resumption ${name}: -sess_out, then -sess_in is "Reused"`, async () => {
        const srv = await kymanServer();
        const sessFile = join(pki.dir, `sess-${extra.length}.pem`);
        try {
          const base = ['-tls1_2', '-CAfile', pki.root.certFile, '-servername', 'localhost', ...extra];
          const a = opensslClient(srv.port, [...base, '-sess_out', sessFile]);
          peers.push(a);
          const c1 = await srv.next();
          assert.equal((await within(10_000, c1.secured)).resumed, false);
          // Past the handshake, s_client has the session (and the ticket, which follows our Finished flight's first half) in hand.
          await waitFor(() => /New, TLSv1\.2/.test(a.stdout().toString()));
          c1.end();
          await within(5000, a.exited);
          const b = opensslClient(srv.port, [...base, '-sess_in', sessFile]);
          peers.push(b);
          const c2 = await srv.next();
          const summary = await within(10_000, c2.secured);
          assert.equal(summary.resumed, true);
          assert.equal(summary.serverName, 'localhost');
          await waitFor(() => /Reused, TLSv1\.2/.test(b.stdout().toString()));
          c2.end();
          await within(5000, b.exited);
        } finally {
          await srv.close();
        }
      });
    }

    it('version negotiation: s_client with both versions gets 1.2 from a 1.2-only kyman server, 1.3 from a default one', async () => {
      for (const [versions, expected] of [
        [['TLSv1.2'], 'TLSv1.2'],
        [undefined, 'TLSv1.3'],
      ] as const) {
        const srv = await kymanServer(versions ? { versions } : {});
        try {
          const peer = opensslClient(srv.port, ['-CAfile', pki.root.certFile, '-verify_return_error', '-quiet']);
          peers.push(peer);
          const conn = await srv.next();
          assert.equal((await within(10_000, conn.secured)).version, expected);
          conn.end();
          assert.equal(await within(5000, peer.exited), 0);
        } finally {
          await srv.close();
        }
      }
    });

    it('client authentication required, ALPN, and 1 MiB each way with a checksum', async () => {
      const srv = await kymanServer({ clientAuth: 'required', clientTrustAnchors: [pki.root.der], alpnProtocols: ['h2', 'http/1.1'] });
      try {
        const size = 1 << 20;
        const up = randomBytes(size);
        const down = randomBytes(size);
        const peer = opensslClient(srv.port, ['-tls1_2', '-cert', pki.client.certFile, '-key', pki.client.keyFile, '-CAfile', pki.root.certFile, '-alpn', 'http/1.1', '-quiet']);
        peers.push(peer);
        const conn = await srv.next();
        const summary = await within(10_000, conn.secured);
        assert.equal(summary.version, 'TLSv1.2');
        assert.equal(summary.alpn, 'http/1.1');
        assert.equal(summary.validation?.chain[0].subject, 'CN=client');
        assert.equal(summary.signatureScheme, 'ecdsa_secp256r1_sha256');
        let received = 0;
        const chunks: Buffer[] = [];
        conn.on('data', (d: Buffer) => {
          chunks.push(d);
          received += d.length;
        });
        peer.proc.stdin!.write(up);
        conn.write(down);
        await waitFor(() => received >= size && peer.stdout().length >= size, 20_000);
        assert.equal(sha256(Buffer.concat(chunks)), sha256(up));
        assert.equal(sha256(peer.stdout()), sha256(down));
        conn.end();
        assert.equal(await within(5000, peer.exited), 0);
      } finally {
        await srv.close();
      }
    });

    it('a client without a certificate when one is required: handshake_failure', async () => {
      const srv = await kymanServer({ clientAuth: 'required', clientTrustAnchors: [pki.root.der] });
      try {
        const peer = opensslClient(srv.port, ['-tls1_2', '-CAfile', pki.root.certFile, '-quiet']);
        peers.push(peer);
        const conn = await srv.next();
        const e = await within(10_000, conn.secured.then(() => undefined, (err: unknown) => err));
        assert.ok(e instanceof TlsAlertError && e.direction === 'sent' && e.alert.name === 'handshake_failure');
        await within(5000, peer.exited);
      } finally {
        await srv.close();
      }
    });

    it('a client without the extended master secret: handshake_failure', async () => {
      const srv = await kymanServer();
      try {
        const peer = opensslClient(srv.port, ['-tls1_2', '-CAfile', pki.root.certFile, '-quiet'], { OPENSSL_CONF: noEms });
        peers.push(peer);
        const conn = await srv.next();
        const e = await within(10_000, conn.secured.then(() => undefined, (err: unknown) => err));
        assert.ok(e instanceof TlsAlertError && e.direction === 'sent' && e.alert.name === 'handshake_failure', String(e));
        assert.match(e.message, /extended master secret/);
        await within(5000, peer.exited);
      } finally {
        await srv.close();
      }
    });

    it('no suite in common: handshake_failure', async () => {
      const srv = await kymanServer();
      try {
        const peer = opensslClient(srv.port, ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256', '-quiet']);
        peers.push(peer);
        const conn = await srv.next();
        const e = await within(10_000, conn.secured.then(() => undefined, (err: unknown) => err));
        assert.ok(e instanceof TlsAlertError && e.alert.name === 'handshake_failure');
        await within(5000, peer.exited);
      } finally {
        await srv.close();
      }
    });

    it('renegotiation refused: a second ClientHello (s_client "R") is answered with no_renegotiation', async () => {
      const events: TraceEvent[] = [];
      const srv = await kymanServer({ trace: (e) => events.push(e) });
      try {
        const peer = opensslClient(srv.port, ['-tls1_2', '-CAfile', pki.root.certFile]);
        peers.push(peer);
        const conn = await srv.next();
        const ended = new Promise<unknown>((resolve) => {
          conn.once('error', resolve);
          conn.once('close', () => resolve('closed'));
        });
        await within(10_000, conn.secured);
        peer.proc.stdin!.write('R\n');
        await waitFor(() => events.filter((e) => e.direction === 'received' && e.message === 'ClientHello').length === 2);
        // RFC 5246 §7.4.1.2 leaves the next step to the client; OpenSSL gives up with a handshake_failure of its own.
        const end = await within(5000, ended, 'the end of the connection');
        assert.ok(end instanceof TlsAlertError && end.direction === 'received' && end.alert.name === 'handshake_failure', String(end));
        await within(5000, peer.exited);
        assert.match(peer.stderr() + peer.stdout().toString(), /no renegotiation/);
      } finally {
        await srv.close();
      }
    });
  });
});


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
