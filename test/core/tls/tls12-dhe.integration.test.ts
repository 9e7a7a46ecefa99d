// TLS 1.2 finite-field DHE_RSA (RFC 5246 §7.4.3, RFC 7919) against openssl and gnutls, both ways: every DHE suite, the RFC 7919 group choice, and only when named.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { connect, createTlsServer, type HandshakeSummary, type TlsClientOptions, type TlsServerOptions, type TlsSocket, type TraceEvent } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { connectPeer, connectTcp, exchangeWithSClient, gnutlsClient, gnutlsServer, listenKyman, opensslClient, opensslServer, stoppedAfterEach, within, type Peer } from '../../helpers/peers.js';

/** The DHE suites, with OpenSSL's names. */
const DHE_SUITES = [
  ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'DHE-RSA-AES256-GCM-SHA384'],
  ['TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'DHE-RSA-CHACHA20-POLY1305'],
  ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'DHE-RSA-AES128-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'DHE-RSA-AES256-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'DHE-RSA-AES128-SHA'],
  ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'DHE-RSA-AES256-SHA'],
] as const;

const ALL_DHE = DHE_SUITES.map(([s]) => s);

describe('tls 1.2 DHE_RSA interop', function () {
  this.timeout(60_000);
  let pki: TestPki;
  const { peers, sockets } = stoppedAfterEach();
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());

  /** An openssl DH parameter file holding one RFC 7919 group, for s_server -dhparam. */
  const dhparam = (group: string) => {
    const file = join(pki.dir, `${group}.pem`);
    execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', `group:${group}`, '-out', file]);
    return file;
  };

  async function kymanServer(options: Partial<TlsServerOptions> = {}) {
    const events: TraceEvent[] = [];
    const tls = createTlsServer({ certificateChain: [pki.rsa.der], privateKey: pki.rsa.key, provider, versions: ['TLSv1.2'], trace: (e) => events.push(e), ...options });
    return { ...(await listenKyman(tls, (c) => sockets.push(c))), events };
  }

  async function kymanClient(socket: Promise<import('node:net').Socket>, options: Partial<TlsClientOptions>): Promise<{ socket: TlsSocket; summary: HandshakeSummary }> {
    const tls = connect({ socket: await socket, serverName: 'localhost', trustAnchors: [pki.root.der], provider, versions: ['TLSv1.2'], ...options });
    sockets.push(tls);
    tls.on('error', () => undefined);
    return { socket: tls, summary: await within(10_000, tls.secured, 'handshake') };
  }

  const sClient = (port: number, args: string[]) => {
    const peer = opensslClient(port, ['-tls1_2', '-CAfile', pki.root.certFile, '-verify_return_error', '-servername', 'localhost', '-quiet', ...args]);
    peers.push(peer);
    return peer;
  };

  describe('openssl s_client -tls1_2 → kyman server', () => {
    for (const [suite, opensslSuite] of DHE_SUITES) {
      it(`${suite}, ffdhe2048 offered in supported_groups`, async () => {
        const srv = await kymanServer({ cipherSuites: [suite] });
        try {
          const peer = sClient(srv.port, ['-cipher', opensslSuite, '-groups', 'ffdhe2048:X25519']);
          const conn = await srv.next();
          const summary = await within(10_000, conn.secured);
          assert.equal(summary.cipherSuite, suite);
          assert.equal(summary.group, 'ffdhe2048');
          await exchangeWithSClient(conn, peer);
        } finally {
          await srv.close();
        }
      });
    }

    it('RFC 7919 §4: a client that lists no finite-field group (OpenSSL 3.0 lists none in a TLS 1.2 ClientHello) gets the server\'s first', async () => {
      const srv = await kymanServer({ cipherSuites: ALL_DHE, groups: ['ffdhe4096', 'x25519'] });
      try {
        const peer = sClient(srv.port, ['-cipher', 'DHE-RSA-AES256-GCM-SHA384', '-groups', 'X25519:ffdhe2048']);
        const conn = await srv.next();
        const hello = srv.events.find((e) => e.direction === 'received' && e.message === 'ClientHello');
        assert.doesNotMatch(JSON.stringify(hello?.fields), /ffdhe/);
        assert.equal((await within(10_000, conn.secured)).group, 'ffdhe4096');
        await exchangeWithSClient(conn, peer);
      } finally {
        await srv.close();
      }
    });

    it('not by default: a default server refuses a DHE-only client', async () => {
      const srv = await kymanServer();
      try {
        const peer = sClient(srv.port, ['-cipher', 'DHE-RSA-AES128-GCM-SHA256']);
        const conn = await srv.next();
        await assert.rejects(within(10_000, conn.secured), /handshake_failure/);
        assert.notEqual(await within(10_000, peer.exited), 0);
      } finally {
        await srv.close();
      }
    });

    it('ECDHE before DHE in the server\'s order when the client offers both', async () => {
      const srv = await kymanServer({ cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', ...ALL_DHE] });
      try {
        const peer = sClient(srv.port, ['-cipher', 'DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256', '-groups', 'ffdhe2048:X25519']);
        const conn = await srv.next();
        const summary = await within(10_000, conn.secured);
        assert.equal(summary.cipherSuite, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
        assert.equal(summary.group, 'x25519');
        await exchangeWithSClient(conn, peer);
      } finally {
        await srv.close();
      }
    });
  });

  describe('kyman client → openssl s_server -tls1_2', () => {
    const server = async (args: string[]): Promise<Peer> => {
      const peer = await opensslServer(['-tls1_2', '-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile, ...args]);
      peers.push(peer);
      return peer;
    };

    for (const [suite, opensslSuite] of DHE_SUITES) {
      it(`${suite} in ffdhe2048`, async () => {
        const peer = await server(['-cipher', opensslSuite, '-dhparam', dhparam('ffdhe2048')]);
        const { socket, summary } = await kymanClient(connectTcp(peer.port), { cipherSuites: [suite] });
        assert.equal(summary.cipherSuite, suite);
        assert.equal(summary.group, 'ffdhe2048');
        assert.equal(summary.signatureScheme, 'rsa_pss_rsae_sha256');
        socket.end('ping\n');
        assert.equal(await within(5000, peer.exited, 'openssl exit'), 0);
        assert.match(peer.stdout().toString(), /ping/);
      });
    }

    it('ffdhe3072 from the server, among the groups offered', async () => {
      const peer = await server(['-cipher', 'DHE-RSA-AES256-GCM-SHA384', '-dhparam', dhparam('ffdhe3072')]);
      const { socket, summary } = await kymanClient(connectTcp(peer.port), { cipherSuites: ['TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'] });
      assert.equal(summary.group, 'ffdhe3072');
      socket.end();
      await within(5000, peer.exited);
    });

    it('a group the client did not offer (ffdhe3072 when it offers ffdhe2048 only): insufficient_security', async () => {
      const peer = await server(['-cipher', 'DHE-RSA-AES128-GCM-SHA256', '-dhparam', dhparam('ffdhe3072')]);
      const socket = connect({ socket: await connectTcp(peer.port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, versions: ['TLSv1.2'], cipherSuites: ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'], groups: ['x25519', 'ffdhe2048'] });
      sockets.push(socket);
      socket.on('error', () => undefined);
      await assert.rejects(within(10_000, socket.secured), /insufficient_security/);
    });
  });

  describe('gnutls', () => {
    /** gnutls-cli with a TLS 1.2 DHE-RSA priority string and these groups; it lists them in supported_groups (RFC 7919 §3). */
    const gnutlsDhe = (port: number, groups: string) => {
      const log = join(pki.dir, 'gnutls-cli.log');
      const prio = `NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA:-CIPHER-ALL:+AES-128-GCM:-GROUP-ALL:${groups}`;
      const peer = gnutlsClient(port, ['--x509cafile', pki.root.certFile, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--priority', prio], log);
      peers.push(peer);
      return peer;
    };

    it('gnutls-cli → kyman server: RFC 7919 §4, the first of the server\'s groups that the client lists (ffdhe3072 of ffdhe4096, ffdhe3072)', async () => {
      const srv = await kymanServer({ cipherSuites: ALL_DHE, groups: ['x25519', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096'] });
      try {
        const peer = gnutlsDhe(srv.port, '+GROUP-FFDHE4096:+GROUP-FFDHE3072');
        const conn = await srv.next();
        const summary = await within(10_000, conn.secured);
        assert.equal(summary.cipherSuite, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256');
        assert.equal(summary.group, 'ffdhe3072');
        peer.proc.stdin!.end('over dhe\n');
        const got: Buffer[] = [];
        conn.on('data', (d: Buffer) => got.push(d));
        await within(10_000, new Promise((r) => conn.once('end', r)));
        assert.match(Buffer.concat(got).toString(), /over dhe/);
      } finally {
        await srv.close();
      }
    });

    it('gnutls-cli → kyman server: RFC 7919 §4, finite-field groups listed, none enabled, no other suite: insufficient_security', async () => {
      const srv = await kymanServer({ cipherSuites: ALL_DHE, groups: ['x25519', 'ffdhe2048'] });
      try {
        gnutlsDhe(srv.port, '+GROUP-FFDHE8192');
        const conn = await srv.next();
        await assert.rejects(within(10_000, conn.secured), /insufficient_security/);
      } finally {
        await srv.close();
      }
    });

    it('kyman client → gnutls-serv: DHE-RSA with ChaCha20-Poly1305 in ffdhe2048', async () => {
      const peer = await gnutlsServer(['--echo', '-q', '--x509certfile', pki.rsa.certFile, '--x509keyfile', pki.rsa.keyFile, '-a', '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA:-CIPHER-ALL:+CHACHA20-POLY1305:-GROUP-ALL:+GROUP-FFDHE2048']);
      peers.push(peer);
      const { socket, summary } = await kymanClient(connectPeer(peer), { cipherSuites: ['TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'] });
      assert.equal(summary.cipherSuite, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256');
      assert.equal(summary.group, 'ffdhe2048');
      const echoed = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
      socket.write('echo over dhe\n');
      assert.match(await within(10_000, echoed), /echo over dhe/);
      socket.end();
    });
  });
});
