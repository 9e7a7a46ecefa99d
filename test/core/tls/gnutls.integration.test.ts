import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createTlsServer, type HandshakeSummary, type TlsClientOptions, type TlsServerOptions, type TlsSession, type TlsSocket } from '../../../src/core/tls/index.js';
import { makePki, provider, type Issued, type TestPki } from '../../helpers/tls-credentials.js';
import { connectPeer, gnutlsClient, gnutlsServer, sha256, within, stoppedAfterEach, type Peer, waitFor, listenKyman } from '../../helpers/peers.js';

// GnuTLS priority strings (gnutls_priority_init(3)): versions, AEADs and groups, each narrowed to one.
const VERSIONS = [
  ['TLSv1.3', '+VERS-TLS1.3'],
  ['TLSv1.2', '+VERS-TLS1.2'],
] as const;
const AEADS = [
  ['+AES-128-GCM', 'TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
  ['+AES-256-GCM', 'TLS_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
  ['+CHACHA20-POLY1305', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
] as const;
const GROUPS = [
  ['+GROUP-X25519', 'x25519'],
  ['+GROUP-SECP256R1', 'secp256r1'],
  ['+GROUP-SECP384R1', 'secp384r1'],
] as const;

const priority = (version: string, aead = '+CIPHER-ALL', group = '+GROUP-ALL') => `NORMAL:-VERS-ALL:${version}:-CIPHER-ALL:${aead}:-GROUP-ALL:${group}`;

describe('tls interop with gnutls', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const { peers, sockets } = stoppedAfterEach();
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());

  describe('kyman client → gnutls-serv --echo', () => {
    // --crlf keeps the echo byte-exact; -a: no CertificateRequest unless a test asks for one.
    async function server(cert: Issued, prio: string, extra: string[] = ['-a']): Promise<Peer> {
      const peer = await gnutlsServer(['--echo', '--crlf', '-q', '--x509certfile', cert.certFile, '--x509keyfile', cert.keyFile, '--priority', prio, ...extra]);
      peers.push(peer);
      return peer;
    }

    async function client(peer: Peer, options: Partial<TlsClientOptions> = {}): Promise<{ socket: TlsSocket; summary: HandshakeSummary }> {
      const tcp = await connectPeer(peer);
      const socket = connect({ socket: tcp, serverName: 'localhost', trustAnchors: [pki.root.der], provider, ...options });
      sockets.push(socket);
      socket.on('error', () => undefined);
      return { socket, summary: await within(10_000, socket.secured, 'handshake') };
    }

    /** Sends about `size` bytes and checks the echo by checksum; text lines, as gnutls-serv's echo handles C strings. */
    async function echo(socket: TlsSocket, lines = 600): Promise<void> {
      const data = Buffer.from(Array.from({ length: lines }, () => `${randomBytes(32).toString('hex')}\n`).join(''));
      const size = data.length;
      const got: Buffer[] = [];
      let n = 0;
      const done = new Promise<void>((resolve) =>
        socket.on('data', (d: Buffer) => {
          got.push(d);
          n += d.length;
          if (n >= size) resolve();
        }),
      );
      socket.write(data);
      await within(5000, done, 'echo');
      assert.equal(sha256(Buffer.concat(got)), sha256(data));
      socket.end();
    }

    for (const [version, vers] of VERSIONS) {
      for (const [aead, suite13, suite12] of AEADS) {
        for (const [group, groupName] of GROUPS) {
          it(`${version} ${aead.slice(1)} ${groupName}, data echoed`, async () => {
            const peer = await server(pki.ecdsa, priority(vers, aead, group));
            const { socket, summary } = await client(peer);
            assert.equal(summary.version, version);
            assert.equal(summary.cipherSuite, version === 'TLSv1.3' ? suite13 : suite12);
            assert.equal(summary.group, groupName);
            assert.equal(summary.validation?.valid, true);
            await echo(socket);
          });
        }
      }
      for (const [name, pick, scheme] of [
        ['RSA-2048', () => pki.rsa, version === 'TLSv1.3' ? 'rsa_pss_rsae_sha256' : /^rsa_/],
        ['Ed25519', () => pki.ed25519, 'ed25519'],
        ['ECDSA P-384', () => pki.ecdsa384, version === 'TLSv1.3' ? 'ecdsa_secp384r1_sha384' : /^ecdsa_/],
      ] as const) {
        it(`${version} verifies a ${name} server certificate`, async () => {
          const peer = await server(pick(), priority(vers));
          const { socket, summary } = await client(peer);
          assert.equal(summary.version, version);
          if (typeof scheme === 'string') assert.equal(summary.signatureScheme, scheme);
          else assert.match(summary.signatureScheme ?? '', scheme);
          await echo(socket, 20);
        });
      }
      it(`${version} authenticates with a client certificate (--require-client-cert)`, async () => {
        const peer = await server(pki.ecdsa, priority(vers), ['--require-client-cert', '--verify-client-cert', '--x509cafile', pki.root.certFile]);
        const { socket, summary } = await client(peer, { certificateChain: [pki.client.der], privateKey: pki.client.key });
        assert.equal(summary.clientCertificateSent, true);
        await echo(socket, 20);
      });
      it(`${version} resumes with the session gnutls-serv gave`, async () => {
        const peer = await server(pki.ecdsa, priority(vers));
        const { socket } = await client(peer);
        const session = await within(5000, new Promise<TlsSession>((r) => (socket.session ? r(socket.session) : socket.once('session', r))), 'session');
        assert.equal(session.version, version);
        await echo(socket, 5);
        const again = await client(peer, { session });
        assert.equal(again.summary.resumed, true);
        assert.equal(again.summary.version, version);
        await echo(again.socket, 5);
      });
      it(`${version} negotiates ALPN`, async () => {
        const peer = await server(pki.ecdsa, priority(vers), ['-a', '--alpn', 'h2', '--alpn', 'http/1.1']);
        const { socket, summary } = await client(peer, { alpnProtocols: ['http/1.1'] });
        assert.equal(summary.alpn, 'http/1.1');
        await echo(socket, 20);
      });
    }
  });

  describe('gnutls-cli → kyman server', () => {
    async function kymanServer(options: Partial<TlsServerOptions> = {}) {
      const tls = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, ...options });
      return listenKyman(tls, (c) => sockets.push(c));
    }

    /**
     * gnutls-cli sends `up` from its stdin; the server reads it all (the client's close_notify after
     * stdin's end), answers with `down`, and gnutls-cli prints that. Both ways checked by checksum.
     */
    async function exchange(options: Partial<TlsServerOptions>, cliArgs: string[], check: (s: HandshakeSummary, log: string) => void): Promise<void> {
      const srv = await kymanServer(options);
      const log = join(pki.dir, `gnutls-cli-${srv.port}.log`);
      try {
        const peer = gnutlsClient(srv.port, ['--x509cafile', pki.root.certFile, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', ...cliArgs], log);
        peers.push(peer);
        const conn = await srv.next();
        const summary = await within(10_000, conn.secured, 'handshake');
        const up = randomBytes(30_000);
        const down = randomBytes(20_000);
        const received: Buffer[] = [];
        let n = 0;
        const all = new Promise<void>((r) =>
          conn.on('data', (d: Buffer) => {
            received.push(d);
            if ((n += d.length) >= up.length) r();
          }),
        );
        peer.proc.stdin!.write(up);
        await within(5000, all, 'data from gnutls-cli');
        assert.equal(sha256(Buffer.concat(received)), sha256(up));
        conn.write(down);
        await waitFor(() => peer.stdout().length >= down.length);
        assert.equal(sha256(peer.stdout()), sha256(down));
        // gnutls-cli closes (close_notify) once its stdin ends.
        const ended = new Promise<void>((r) => conn.once('end', r));
        peer.proc.stdin!.end();
        await within(5000, ended, 'client close_notify');
        conn.end();
        assert.equal(await within(5000, peer.exited, 'gnutls-cli exit'), 0, peer.stderr());
        check(summary, readFileSync(log, 'utf8'));
      } finally {
        await srv.close();
      }
    }

    for (const [version, vers] of VERSIONS) {
      it(`${version} resumes a session (gnutls-cli --resume)`, async () => {
        const srv = await kymanServer();
        const log = join(pki.dir, `gnutls-cli-resume-${srv.port}.log`);
        try {
          const peer = gnutlsClient(srv.port, ['--x509cafile', pki.root.certFile, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--priority', priority(vers), '--resume'], log);
          peers.push(peer);
          const first = await srv.next();
          assert.equal((await within(10_000, first.secured)).resumed, false);
          const second = await srv.next();
          const summary = await within(10_000, second.secured);
          assert.equal(summary.resumed, true);
          assert.equal(summary.version, version);
          peer.proc.stdin!.end();
          second.end();
          await within(5000, peer.exited, 'gnutls-cli exit');
          assert.match(readFileSync(log, 'utf8'), /This is a resumed session/);
        } finally {
          await srv.close();
        }
      });
    }

    for (const [version, vers] of VERSIONS) {
      for (const [aead, suite13, suite12] of AEADS) {
        for (const [group, groupName] of GROUPS) {
          it(`${version} ${aead.slice(1)} ${groupName}, data both ways`, async () => {
            // RFC 8422 §5.1: in TLS 1.2 the client's supported_groups also bounds an ECDSA certificate's
            // curve, so a client offering only x25519 cannot take the P-256 leaf; Ed25519 is not so bound.
            const cert = version === 'TLSv1.2' ? pki.ed25519 : pki.ecdsa;
            await exchange({ certificateChain: [cert.der], privateKey: cert.key }, ['--priority', priority(vers, aead, group)], (summary) => {
              assert.equal(summary.version, version);
              assert.equal(summary.cipherSuite, version === 'TLSv1.3' ? suite13 : suite12);
              assert.equal(summary.group, groupName);
              assert.equal(summary.serverName, 'localhost');
            });
          });
        }
      }
      for (const [name, pick] of [
        ['RSA-2048', () => pki.rsa],
        ['Ed25519', () => pki.ed25519],
      ] as const) {
        it(`${version} serves with a ${name} certificate`, async () => {
          await exchange({ certificateChain: [pick().der], privateKey: pick().key }, ['--priority', priority(vers)], (summary) => assert.equal(summary.version, version));
        });
      }
      it(`${version} requires a client certificate (--x509certfile/--x509keyfile)`, async () => {
        await exchange(
          { clientAuth: 'required', clientTrustAnchors: [pki.root.der] },
          ['--priority', priority(vers), '--x509certfile', pki.client.certFile, '--x509keyfile', pki.client.keyFile],
          (summary) => assert.equal(summary.peerCertificates.length, 1),
        );
      });
      it(`${version} negotiates ALPN (--alpn)`, async () => {
        await exchange({ alpnProtocols: ['h2', 'http/1.1'] }, ['--priority', priority(vers), '--alpn', 'http/1.1'], (summary, log) => {
          assert.equal(summary.alpn, 'http/1.1');
          assert.match(log, /Application protocol: http\/1\.1/);
        });
      });
    }
  });
});

