// TLS 1.2 CBC suites against real peers, both ways: openssl s_server / s_client (with and without -no_etm), gnutls (with and without %NO_ETM) and Node's tls.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { connect, createTlsServer, type TlsClientOptions, type TlsServerOptions, type TlsSocket, type TraceEvent, type Tls12CipherSuiteName } from '../../../src/core/tls/index.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { connectPeer, connectTcp, exchangeWithSClient, expectDeliveredThenEnd, gnutlsClient, gnutlsServer, expectEcho, listenKyman, nodeTlsEchoServer, opensslClient, opensslServer, readBytes, sha256, stoppedAfterEach, waitFor, within } from '../../helpers/peers.js';

/** The CBC suites, with OpenSSL's names (what -cipher and Node's `ciphers` take), GnuTLS's cipher and MAC, and the certificate each needs. */
const CBC_SUITES = [
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA', 'AES-128-CBC', 'SHA1', 'ecdsa'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA', 'AES-256-CBC', 'SHA1', 'ecdsa'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256', 'AES-128-CBC', 'SHA256', 'ecdsa'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384', 'AES-256-CBC', 'SHA384', 'ecdsa'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA', 'AES-128-CBC', 'SHA1', 'rsa'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA', 'AES-256-CBC', 'SHA1', 'rsa'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256', 'AES-128-CBC', 'SHA256', 'rsa'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384', 'AES-256-CBC', 'SHA384', 'rsa'],
] as const satisfies ReadonlyArray<readonly [Tls12CipherSuiteName, string, string, string, 'ecdsa' | 'rsa']>;

/** GnuTLS priority (gnutls_priority_init(3)): TLS 1.2 and one CBC cipher and MAC; %NO_ETM turns encrypt-then-MAC off. */
const gnutlsPriority = (cipher: string, mac: string, etm: boolean) => `NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+${cipher}:-MAC-ALL:+${mac}${etm ? '' : ':%NO_ETM'}`;

/** Whether the ServerHello (sent or received, as the trace shows it) carried encrypt_then_mac. */
function serverHelloHasEtm(events: readonly TraceEvent[]): boolean {
  const sh = events.find((e) => e.message === 'ServerHello');
  assert.ok(sh, 'no ServerHello in the trace');
  return JSON.stringify(sh.fields).includes('encrypt_then_mac');
}

describe('tls 1.2 CBC suites, interop', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const { peers, sockets } = stoppedAfterEach();
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());

  const certFor = (kind: 'ecdsa' | 'rsa') => (kind === 'ecdsa' ? pki.ecdsa : pki.rsa);

  async function kymanClient(socket: net.Socket, options: Partial<TlsClientOptions>) {
    const events: TraceEvent[] = [];
    const c = connect({ socket, serverName: 'localhost', trustAnchors: [pki.root.der], provider, trace: (e) => events.push(e), ...options });
    sockets.push(c);
    c.on('error', () => undefined);
    const summary = await within(10_000, c.secured, 'handshake');
    return { socket: c, summary, events };
  }

  async function kymanServer(kind: 'ecdsa' | 'rsa', options: Partial<TlsServerOptions>) {
    const cert = certFor(kind);
    const events: TraceEvent[] = [];
    const srv = await listenKyman(createTlsServer({ certificateChain: [cert.der], privateKey: cert.key, provider, trace: (e) => events.push(e), ...options }), (c) => sockets.push(c));
    return { srv, events };
  }

  describe('kyman client → openssl s_server -tls1_2', () => {
    for (const [suite, opensslSuite, , , kind] of CBC_SUITES) {
      for (const etm of [true, false]) {
        it(`${suite}${etm ? '' : ' with -no_etm (MAC-then-encrypt)'}`, async () => {
          const cert = certFor(kind);
          const peer = await opensslServer(['-tls1_2', '-cert', cert.certFile, '-key', cert.keyFile, '-cipher', opensslSuite, ...(etm ? [] : ['-no_etm'])]);
          peers.push(peer);
          const { socket, summary, events } = await kymanClient(await connectTcp(peer.port), { cipherSuites: [suite] });
          assert.equal(summary.version, 'TLSv1.2');
          assert.equal(summary.cipherSuite, suite);
          assert.equal(serverHelloHasEtm(events), etm);
          // More than one record, and lengths that need every amount of padding.
          const data = Buffer.concat([randomBytes(40_000).toString('hex'), '\n'].map((s) => Buffer.from(s)));
          socket.end(data);
          assert.equal(await within(10_000, peer.exited, 'openssl exit'), 0, peer.stderr());
          assert.equal(sha256(peer.stdout()), sha256(data));
        });
      }
    }
  });

  describe('openssl s_client -tls1_2 → kyman server', () => {
    CBC_SUITES.forEach(([suite, opensslSuite, , , kind], i) => {
      for (const etm of [true, false]) {
        // Every suite once, each MAC both ways.
        if (!etm && i % 2 === 1) continue;
        it(`${suite}${etm ? '' : ' with -no_etm (MAC-then-encrypt)'}`, async () => {
          const { srv, events } = await kymanServer(kind, { cipherSuites: [suite] });
          try {
            const peer = opensslClient(srv.port, ['-tls1_2', '-cipher', opensslSuite, ...(etm ? [] : ['-no_etm']), '-CAfile', pki.root.certFile, '-verify_return_error', '-servername', 'localhost', '-quiet']);
            peers.push(peer);
            const conn = await srv.next();
            const summary = await within(10_000, conn.secured);
            assert.equal(summary.cipherSuite, suite);
            assert.equal(serverHelloHasEtm(events), etm);
            await exchangeWithSClient(conn, peer, 40_000, 60_000);
          } finally {
            await srv.close();
          }
        });
      }
    });

    for (const etm of [true, false]) {
      it(`a resumed session keeps its ${etm ? 'encrypt-then-MAC' : 'MAC-then-encrypt'} setting (RFC 7366 §3.1): -sess_out, then -sess_in is "Reused"`, async () => {
        const { srv, events } = await kymanServer('rsa', { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'] });
        const sessFile = join(pki.dir, `cbc-sess-${etm}.pem`);
        try {
          const base = ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA', ...(etm ? [] : ['-no_etm']), '-CAfile', pki.root.certFile, '-servername', 'localhost'];
          const a = opensslClient(srv.port, [...base, '-sess_out', sessFile]);
          peers.push(a);
          const c1 = await srv.next();
          assert.equal((await within(10_000, c1.secured)).resumed, false);
          // s_client names the version that introduced the cipher (TLSv1.0 for the _SHA suites), not the one in use.
          await waitFor(() => /New, TLSv1\.[02]/.test(a.stdout().toString()));
          c1.end();
          await within(5000, a.exited);
          events.length = 0;
          const b = opensslClient(srv.port, [...base, '-sess_in', sessFile]);
          peers.push(b);
          const c2 = await srv.next();
          assert.equal((await within(10_000, c2.secured)).resumed, true);
          assert.equal(serverHelloHasEtm(events), etm);
          await waitFor(() => /Reused, TLSv1\.[02]/.test(b.stdout().toString()));
          const reading = readBytes(c2, 6);
          b.proc.stdin!.write('hello\n');
          assert.equal((await reading).toString(), 'hello\n');
          c2.end();
          await within(5000, b.exited);
        } finally {
          await srv.close();
        }
      });
    }
    it('a session made with encrypt-then-MAC, offered by a client that no longer asks for it (-no_etm): a full handshake, not a resumption', async () => {
      const { srv, events } = await kymanServer('rsa', { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'] });
      const sessFile = join(pki.dir, 'cbc-sess-downgrade.pem');
      try {
        const base = ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA', '-CAfile', pki.root.certFile, '-servername', 'localhost'];
        const a = opensslClient(srv.port, [...base, '-sess_out', sessFile]);
        peers.push(a);
        const c1 = await srv.next();
        await within(10_000, c1.secured);
        await waitFor(() => /New, TLSv1\.[02]/.test(a.stdout().toString()));
        c1.end();
        await within(5000, a.exited);
        events.length = 0;
        const b = opensslClient(srv.port, [...base, '-no_etm', '-sess_in', sessFile]);
        peers.push(b);
        const c2 = await srv.next();
        assert.equal((await within(10_000, c2.secured)).resumed, false);
        assert.equal(serverHelloHasEtm(events), false);
        await waitFor(() => /New, TLSv1\.[02]/.test(b.stdout().toString()));
        c2.end();
        await within(5000, b.exited);
      } finally {
        await srv.close();
      }
    });
  });

  describe('gnutls, both ways', () => {
    for (const [suite, , cipher, mac, kind] of [CBC_SUITES[2], CBC_SUITES[5], CBC_SUITES[7]]) {
      for (const etm of [true, false]) {
        it(`kyman client → gnutls-serv: ${suite}${etm ? '' : ' with %NO_ETM'}`, async () => {
          const cert = certFor(kind);
          const peer = await gnutlsServer(['--echo', '--crlf', '-q', '-a', '--x509certfile', cert.certFile, '--x509keyfile', cert.keyFile, '--priority', gnutlsPriority(cipher, mac, etm)]);
          peers.push(peer);
          const { socket, summary, events } = await kymanClient(await connectPeer(peer), { cipherSuites: [suite] });
          assert.equal(summary.cipherSuite, suite);
          assert.equal(serverHelloHasEtm(events), etm);
          const data = Buffer.from(Array.from({ length: 400 }, () => `${randomBytes(32).toString('hex')}\n`).join(''));
          const echoed = readBytes(socket, data.length);
          socket.write(data);
          assert.equal(sha256(await echoed), sha256(data));
          socket.end();
        });

        it(`gnutls-cli → kyman server: ${suite}${etm ? '' : ' with %NO_ETM'}`, async () => {
          const { srv, events } = await kymanServer(kind, { cipherSuites: [suite] });
          const log = join(pki.dir, `gnutls-cli-cbc-${srv.port}.log`);
          try {
            const peer = gnutlsClient(srv.port, ['--x509cafile', pki.root.certFile, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--priority', gnutlsPriority(cipher, mac, etm)], log);
            peers.push(peer);
            const conn = await srv.next();
            const summary = await within(10_000, conn.secured, 'handshake');
            assert.equal(summary.cipherSuite, suite);
            assert.equal(serverHelloHasEtm(events), etm);
            const up = randomBytes(30_000);
            const reading = readBytes(conn, up.length);
            peer.proc.stdin!.write(up);
            assert.equal(sha256(await reading), sha256(up));
            const down = randomBytes(20_000);
            conn.write(down);
            await waitFor(() => peer.stdout().length >= down.length);
            assert.equal(sha256(peer.stdout()), sha256(down));
            const ended = new Promise<void>((r) => conn.once('end', r));
            peer.proc.stdin!.end();
            await within(5000, ended, 'client close_notify');
            conn.end();
            assert.equal(await within(5000, peer.exited, 'gnutls-cli exit'), 0, peer.stderr());
            assert.match(readFileSync(log, 'utf8'), /AES-(128|256)-CBC/);
          } finally {
            await srv.close();
          }
        });
      }
    }
  });

  describe("Node's tls, both ways", () => {
    const pem = (file: string) => readFileSync(file);

    for (const [suite, opensslSuite, , , kind] of [CBC_SUITES[0], CBC_SUITES[7]]) {
      it(`kyman client → tls.createServer: ${suite}`, async () => {
        const cert = certFor(kind);
        const server = await nodeTlsEchoServer({ maxVersion: 'TLSv1.2', ciphers: opensslSuite, key: pem(cert.keyFile), cert: pem(cert.certFile) });
        try {
          const { socket, summary, events } = await kymanClient(await connectTcp(server.port), { cipherSuites: [suite] });
          assert.equal(summary.cipherSuite, suite);
          assert.equal(serverHelloHasEtm(events), true);
          await expectEcho(socket, 50_000);
          socket.end();
        } finally {
          await server.close();
        }
      });

      it(`tls.connect → kyman server: ${suite}`, async () => {
        const { srv, events } = await kymanServer(kind, { cipherSuites: [suite] });
        try {
          const c = tls.connect({ port: srv.port, host: '127.0.0.1', servername: 'localhost', ca: pem(pki.root.certFile), maxVersion: 'TLSv1.2', ciphers: opensslSuite });
          c.on('error', () => undefined);
          const conn = await srv.next();
          const summary = await within(10_000, conn.secured);
          assert.equal(summary.cipherSuite, suite);
          assert.equal(serverHelloHasEtm(events), true);
          await within(10_000, new Promise((r) => (c.encrypted && c.authorized ? r(undefined) : c.once('secureConnect', r))));
          assert.equal(c.getCipher().name, opensslSuite);
          const up = randomBytes(40_000);
          const reading = readBytes(conn, up.length);
          c.write(up);
          assert.equal(sha256(await reading), sha256(up));
          await expectDeliveredThenEnd(conn, c, 25_000);
          c.destroy();
        } finally {
          await srv.close();
        }
      });
    }
  });
});
