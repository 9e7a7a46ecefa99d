import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { connect, createTlsServer, TlsAlertError, type HandshakeSummary, type TlsClientOptions, type TlsServerOptions, type TlsSession, type TlsSession13, type TlsSocket, type TraceEvent } from '../../../src/core/tls/index.js';
import { startTestServer } from '../../../src/core/tools/test-server.js';
import { TICKET_KEY_ROTATION_SECONDS } from '../../../src/core/tls/session-cache.js';
import { protectionFor } from '../../../src/core/tls/handshake-tls13.js';
import { KeySchedule, type TrafficSecret } from '../../../src/core/tls/key-schedule.js';
import { CIPHER_SUITES } from '../../../src/core/tls/suites.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { collect, connectTcp, opensslClient, opensslServer, within, type Peer, waitFor, listenKyman } from '../../helpers/peers.js';
import { ClientHelloCodec, ExtensionType, TLS12, TLS13, ext, keyShareExt, preSharedKeyExt, pskModesExt, supportedVersionsExt, supportedGroupsExt, signatureAlgorithmsExt, type Extension } from '../../../src/core/tls/msgs/index.js';
import { randomBytes } from 'node:crypto';

// RFC 8446 §4.6.1 tickets and §2.2 resumption with psk_dhe_ke, kyman ↔ kyman, Node's tls and openssl.
describe('tls 1.3 session tickets and PSK resumption', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const closers: Array<() => void> = [];
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());
  afterEach(() => closers.splice(0).forEach((c) => c()));

  async function kymanServer(options: Partial<TlsServerOptions> = {}) {
    const config: TlsServerOptions = { certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, versions: ['TLSv1.3'], ...options };
    const tlsServer = createTlsServer(config);
    const listening = await listenKyman(tlsServer);
    closers.push(() => void listening.close());
    return { ...listening, config };
  }

  async function kymanClient(port: number, options: Partial<TlsClientOptions> = {}): Promise<TlsSocket> {
    const socket = connect({ socket: await connectTcp(port), serverName: 'localhost', trustAnchors: [pki.root.der], provider, ...options });
    socket.on('error', () => undefined);
    closers.push(() => socket.destroy());
    return socket;
  }

  /** A full handshake; resolves with the first ticket the server sends (the 'session' event). */
  async function firstTicket(port: number, options: Partial<TlsClientOptions> = {}): Promise<{ session: TlsSession13; summary: HandshakeSummary }> {
    const c = await kymanClient(port, options);
    const session = new Promise<TlsSession>((r) => c.once('session', r));
    c.resume();
    const summary = await within(10_000, c.secured, 'first handshake');
    const s = await within(5000, session, 'ticket');
    assert.equal(s.version, 'TLSv1.3');
    c.end();
    return { session: s as TlsSession13, summary };
  }

  const names = (events: TraceEvent[]) => events.map((e) => `${e.direction} ${e.message}`);

  describe('kyman ↔ kyman', () => {
    it('issues a ticket, then resumes: psk_dhe_ke, no Certificate, a fresh share, data both ways', async () => {
      const srv = await kymanServer();
      const { session, summary: first } = await firstTicket(srv.port);
      assert.equal(first.resumed, false);
      assert.equal(session.cipherSuite, first.cipherSuite);
      assert.equal(session.serverName, 'localhost');
      assert.equal(session.peerCertificates.length, 1);
      const events: TraceEvent[] = [];
      const c = await kymanClient(srv.port, { session, trace: (e) => events.push(e) });
      const next = new Promise<TlsSession>((r) => c.once('session', r));
      const summary = await within(10_000, c.secured);
      assert.equal(summary.resumed, true);
      assert.equal(summary.signatureScheme, undefined);
      assert.equal(summary.peerCertificates.length, 1);
      assert.equal(summary.validation?.valid, true);
      assert.deepEqual(
        names(events).filter((n) => !n.includes('NewSessionTicket')),
        ['sent ClientHello', 'received ServerHello', 'received EncryptedExtensions', 'received Finished', 'sent Finished'],
      );
      const server = await within(5000, srv.conns[1].secured);
      assert.equal(server.resumed, true);
      // A resumed connection gets a new ticket too (§4.6.1).
      assert.equal((await within(5000, next)).version, 'TLSv1.3');
      const got = collect(c);
      c.write('up');
      const up = await within(5000, new Promise<string>((r) => srv.conns[1].once('data', (d: Buffer) => r(d.toString()))));
      assert.equal(up, 'up');
      srv.conns[1].end('down');
      assert.equal((await within(5000, got)).toString(), 'down');
    });

    it('the ticket goes only after the client Finished (§4.6.1), with or without a client certificate, and resumes', async () => {
      const order = async (options: Partial<TlsServerOptions>, clientOptions: Partial<TlsClientOptions>) => {
        const events: TraceEvent[] = [];
        const srv = await kymanServer({ ...options, trace: (e) => events.push(e) });
        const { session } = await firstTicket(srv.port, clientOptions);
        await within(5000, srv.conns[0].secured);
        const seen = names(events).filter((n) => /Finished|NewSessionTicket/.test(n));
        const again = await kymanClient(srv.port, { ...clientOptions, session });
        assert.equal((await within(10_000, again.secured)).resumed, true);
        return { seen, session };
      };
      // §4.6.1: "At any time after the server has received the client Finished message": not with the server's flight.
      const plain = await order({}, {});
      assert.deepEqual(plain.seen, ['sent Finished', 'received Finished', 'sent NewSessionTicket']);
      const mutual = await order(
        { clientAuth: 'required', clientTrustAnchors: [pki.root.der] },
        { certificateChain: [pki.client.der], privateKey: pki.client.key },
      );
      assert.deepEqual(mutual.seen, ['sent Finished', 'received Finished', 'sent NewSessionTicket']);
      assert.equal(mutual.session.peerCertificates.length, 1);
    });

    it('resumes across a ticket key rotation, and the ticket it then gets is under the new key', async () => {
      let clock = Date.now();
      const now = () => new Date(clock);
      const srv = await kymanServer({ now });
      const { session } = await firstTicket(srv.port, { now });
      clock += (TICKET_KEY_ROTATION_SECONDS + 60) * 1000;
      const c = await kymanClient(srv.port, { session, now });
      const renewed = new Promise<TlsSession>((r) => c.once('session', r));
      c.resume();
      assert.equal((await within(10_000, c.secured)).resumed, true);
      const next = (await within(5000, renewed)) as TlsSession13;
      assert.notEqual(Buffer.from(next.ticket.subarray(0, 16)).toString('hex'), Buffer.from(session.ticket.subarray(0, 16)).toString('hex'));
      const again = await kymanClient(srv.port, { session: next, now });
      assert.equal((await within(10_000, again.secured)).resumed, true);
    });

    it('a resumed client checks no signature: the chain validated for the ticket is not validated again', async () => {
      const srv = await kymanServer();
      let verifies = 0;
      const counting = { ...provider, verify: (...a: Parameters<typeof provider.verify>) => (verifies++, provider.verify(...a)) };
      const { session } = await firstTicket(srv.port, { provider: counting });
      assert.ok(verifies > 0, 'the full handshake verified the chain and CertificateVerify');
      verifies = 0;
      const c = await kymanClient(srv.port, { session, provider: counting });
      c.resume();
      const summary = await within(10_000, c.secured);
      assert.equal(summary.resumed, true);
      assert.equal(summary.validation?.valid, true);
      assert.equal(verifies, 0);
    });

    it('a session is not offered once its chain would not validate: other trust anchors, or a certificate past its end', async () => {
      const srv = await kymanServer();
      const { session } = await firstTicket(srv.port);
      // Offered, the ticket would resume; not offered, the full handshake meets a chain these anchors do not trust.
      const other = await kymanClient(srv.port, { session, trustAnchors: [pki.otherRoot.der] });
      const e1 = await within(10_000, other.secured.then(() => undefined, (e: unknown) => e));
      assert.ok(e1 instanceof TlsAlertError && e1.alert.name === 'unknown_ca', String(e1));

      const hour = 3_600_000;
      const short = await pki.issue('short-lived', { type: 'ec', curve: 'P-256' }, { notBefore: new Date(Date.now() - hour), notAfter: new Date(Date.now() + hour) });
      const shortSrv = await kymanServer({ certificateChain: [short.der], privateKey: short.key });
      const { session: shortSession } = await firstTicket(shortSrv.port);
      // Still inside the ticket's two hours, but past the certificate's end.
      const later = await kymanClient(shortSrv.port, { session: shortSession, now: () => new Date(Date.now() + 1.5 * hour) });
      const e2 = await within(10_000, later.secured.then(() => undefined, (e: unknown) => e));
      assert.ok(e2 instanceof TlsAlertError && e2.alert.name === 'certificate_expired', String(e2));
    });

    it('the test server (kyman tls server) resumes across its connections, though each has a configuration of its own', async () => {
      const srv = await startTestServer({ host: '127.0.0.1', port: 0, certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider, reply: 'echo' });
      closers.push(() => void srv.close());
      const { session } = await firstTicket(srv.address.port);
      const c = await kymanClient(srv.address.port, { session });
      c.resume();
      assert.equal((await within(10_000, c.secured)).resumed, true);
      c.end();
    });

    it('resumes after a HelloRetryRequest (binder recomputed over the new transcript)', async () => {
      const srv = await kymanServer({ groups: ['secp384r1'] });
      const { session } = await firstTicket(srv.port, { groups: ['secp384r1'] });
      const c = await kymanClient(srv.port, { session, groups: ['x25519', 'secp384r1'] });
      c.resume();
      const summary = await within(10_000, c.secured);
      assert.equal(summary.helloRetry, true);
      assert.equal(summary.group, 'secp384r1');
      assert.equal(summary.resumed, true);
      const server = await within(5000, srv.conns[1].secured);
      assert.equal(server.helloRetry, true);
      assert.equal(server.resumed, true);
    });

    it('a bad binder is a decrypt_error', async () => {
      const srv = await kymanServer();
      const { session } = await firstTicket(srv.port);
      const psk = Uint8Array.from(session.psk);
      psk[0] ^= 1;
      const c = await kymanClient(srv.port, { session: { ...session, psk } });
      const e = await within(10_000, c.secured.then(() => undefined, (err: unknown) => err));
      assert.ok(e instanceof TlsAlertError, String(e));
      assert.equal(e.alert.name, 'decrypt_error');
      assert.equal(e.direction, 'received');
    });

    it('an unknown ticket (another server) or an expired one: a full handshake', async () => {
      let offset = 0;
      const srv = await kymanServer({ now: () => new Date(Date.now() + offset) });
      const other = await kymanServer();
      const { session } = await firstTicket(srv.port);
      const c = await kymanClient(other.port, { session });
      c.resume();
      assert.equal((await within(10_000, c.secured)).resumed, false);
      // The server's clock three hours on: past SESSION_LIFETIME_SECONDS, the ticket has lapsed.
      offset = 3 * 3600_000;
      const late = await kymanClient(srv.port, { session });
      late.resume();
      assert.equal((await within(10_000, late.secured)).resumed, false);
    });

    it('resumption: false on the server sends no tickets and resumes nothing', async () => {
      const srv = await kymanServer({ resumption: false });
      const c = await kymanClient(srv.port);
      let sessions = 0;
      c.on('session', () => sessions++);
      c.resume();
      await within(10_000, c.secured);
      c.write('x');
      await within(5000, new Promise((r) => srv.conns[0].once('data', r)));
      srv.conns[0].end();
      await within(5000, new Promise((r) => c.once('end', r)));
      assert.equal(sessions, 0);
    });
  });

  describe('a misbehaving client', () => {
    /** Sends one hand-made ClientHello with a PSK offer and returns the alert description the server answers with. */
    async function alertFor(port: number, arrange: (psk: Extension, modes: Extension, rest: Extension[]) => Extension[]): Promise<number> {
      const rest = [
        ext(ExtensionType.supported_versions, supportedVersionsExt.client.encode([TLS13])),
        ext(ExtensionType.supported_groups, supportedGroupsExt.encode([0x001d])),
        ext(ExtensionType.key_share, keyShareExt.client.encode([{ group: 0x001d, key_exchange: randomBytes(32) }])),
        ext(ExtensionType.signature_algorithms, signatureAlgorithmsExt.encode([0x0403])),
      ];
      const psk = ext(ExtensionType.pre_shared_key, preSharedKeyExt.client.encode({ identities: [{ identity: randomBytes(64), obfuscated_ticket_age: 1 }], binders: [randomBytes(32)] }));
      const modes = ext(ExtensionType.psk_key_exchange_modes, pskModesExt.encode([1]));
      const hello = ClientHelloCodec.encode({
        legacy_version: TLS12,
        random: randomBytes(32),
        legacy_session_id: new Uint8Array(0),
        cipher_suites: [0x1301],
        legacy_compression_methods: Uint8Array.of(0),
        extensions: arrange(psk, modes, rest),
      });
      const tcp = await connectTcp(port);
      closers.push(() => tcp.destroy());
      const header = Buffer.from([0x16, 0x03, 0x01, hello.length >> 8, hello.length & 0xff]);
      tcp.write(Buffer.concat([header, hello]));
      const reply = await within(5000, collect(tcp), 'alert');
      // One alert record: 21, version, length 2, level fatal, description.
      assert.equal(reply[0], 21);
      return reply[6];
    }

    it('pre_shared_key that is not the last extension: illegal_parameter (§4.2.11)', async () => {
      const srv = await kymanServer();
      assert.equal(await alertFor(srv.port, (psk, modes, rest) => [modes, psk, ...rest]), 47);
    });

    it('a PSK without psk_key_exchange_modes: missing_extension (§4.2.9)', async () => {
      const srv = await kymanServer();
      assert.equal(await alertFor(srv.port, (psk, _modes, rest) => [...rest, psk]), 109);
    });

    it('a ticket that is not ours: a full handshake, not an alert', async () => {
      const srv = await kymanServer();
      const { session } = await firstTicket(srv.port);
      const c = await kymanClient(srv.port, { session: { ...session, ticket: randomBytes(session.ticket.length) } });
      c.resume();
      assert.equal((await within(10_000, c.secured)).resumed, false);
    });
  });

  describe('a misbehaving server', () => {
    /**
     * A proxy between a kyman client and a kyman server that rewrites the ticket_lifetime of the
     * server's first NewSessionTicket: the server's key log gives the proxy its application traffic
     * secret, so it opens that record (sequence number 0), edits it and seals it again.
     */
    async function ticketLifetimeRewritten(lifetime: number): Promise<Error> {
      let serverTraffic: Uint8Array | undefined;
      const srv = await kymanServer({
        cipherSuites: ['TLS_AES_128_GCM_SHA256'],
        keyLog: (line) => {
          const [label, , secret] = line.split(' ');
          if (label === 'SERVER_TRAFFIC_SECRET_0') serverTraffic = Buffer.from(secret, 'hex');
        },
      });
      const ks = new KeySchedule(provider, CIPHER_SUITES.find((x) => x.name === 'TLS_AES_128_GCM_SHA256')!);
      let rewritten = false;
      const proxy = net.createServer((down) => {
        const up = net.connect(srv.port, '127.0.0.1');
        down.pipe(up);
        let held = Buffer.alloc(0);
        up.on('data', (chunk: Buffer) => {
          held = Buffer.concat([held, chunk]);
          while (held.length >= 5 && held.length >= 5 + held.readUInt16BE(3)) {
            const record = held.subarray(0, 5 + held.readUInt16BE(3));
            held = held.subarray(record.length);
            down.write(rewritten || !serverTraffic || record[0] !== 23 ? record : rewrite(record));
          }
        });
        up.on('error', () => down.destroy());
        down.on('error', () => up.destroy());
      });
      const rewrite = (record: Buffer): Buffer => {
        try {
          const opened = protectionFor(ks, serverTraffic as TrafficSecret).open(record.subarray(0, 5), record.subarray(5));
          // new_session_ticket: type 4, a 3-byte length, then ticket_lifetime.
          if (opened.type !== 22 || opened.fragment[0] !== 4) return record;
          const message = Buffer.from(opened.fragment);
          message.writeUInt32BE(lifetime, 4);
          const out: Uint8Array[] = [];
          protectionFor(ks, serverTraffic as TrafficSecret).seal(22, message, out);
          rewritten = true;
          return Buffer.concat(out);
        } catch {
          return record; // Not the first record under the application keys: the handshake's own.
        }
      };
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      closers.push(() => proxy.close());
      const c = await kymanClient((proxy.address() as net.AddressInfo).port);
      const error = new Promise<Error>((r) => c.once('error', r));
      c.resume();
      await within(10_000, c.secured);
      const e = await within(5000, error, 'the client refusing the ticket');
      assert.ok(rewritten, 'the proxy found the ticket');
      return e;
    }

    it('a ticket_lifetime over seven days: the client sends illegal_parameter (§4.6.1)', async () => {
      const e = await ticketLifetimeRewritten(604_801);
      assert.ok(e instanceof TlsAlertError, String(e));
      assert.equal(e.alert.name, 'illegal_parameter');
      assert.equal(e.direction, 'sent');
      assert.match(e.message, /seven days/);
    });
  });

  describe("Node's tls", () => {
    it('kyman client → Node server: resumes with its ticket', async () => {
      const server = tls.createServer({ minVersion: 'TLSv1.3', key: readFileSync(pki.ecdsa.keyFile), cert: readFileSync(pki.ecdsa.certFile) }, (s) => s.pipe(s));
      server.on('tlsClientError', () => undefined);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      closers.push(() => server.close());
      const port = (server.address() as net.AddressInfo).port;
      const { session } = await firstTicket(port);
      const c = await kymanClient(port, { session });
      c.resume();
      assert.equal((await within(10_000, c.secured)).resumed, true);
      c.end();
    });

    it('Node client → kyman server: session event, then isSessionReused()', async () => {
      const srv = await kymanServer();
      srv.conns.length = 0;
      const nodeConnect = (session?: Buffer) =>
        new Promise<{ socket: tls.TLSSocket; session: Promise<Buffer> }>((resolve, reject) => {
          const socket = tls.connect({ host: '127.0.0.1', port: srv.port, servername: 'localhost', ca: readFileSync(pki.root.certFile), minVersion: 'TLSv1.3', ...(session ? { session } : {}) });
          closers.push(() => socket.destroy());
          const ticket = new Promise<Buffer>((r) => socket.once('session', r));
          socket.once('secureConnect', () => resolve({ socket, session: ticket }));
          socket.once('error', reject);
        });
      const first = await within(10_000, nodeConnect());
      assert.equal(first.socket.isSessionReused(), false);
      const ticket = await within(5000, first.session);
      first.socket.end();
      const second = await within(10_000, nodeConnect(ticket));
      assert.equal(second.socket.isSessionReused(), true);
      assert.equal((await within(5000, srv.conns[1].secured)).resumed, true);
      second.socket.end();
    });
  });

  describe('openssl', () => {
    const peers: Peer[] = [];
    afterEach(() => peers.splice(0).forEach((p) => p.stop()));

    it('kyman client → openssl s_server -tls1_3: resumes with its ticket', async () => {
      const peer = await opensslServer(['-tls1_3', '-cert', pki.ecdsa.certFile, '-key', pki.ecdsa.keyFile, '-naccept', '2']);
      peers.push(peer);
      const { session, summary: first } = await firstTicket(peer.port);
      // The ticket's session keeps openssl's certificate as a copy of its own, not a slice of the handshake's buffers.
      assert.deepEqual(session.peerCertificates, first.peerCertificates.map((c) => Uint8Array.from(c)));
      assert.equal(session.peerCertificates[0].buffer.byteLength, session.peerCertificates[0].length);
      const c = await kymanClient(peer.port, { session });
      const summary = await within(10_000, c.secured);
      assert.equal(summary.resumed, true);
      c.end('resumed\n');
      assert.equal(await within(5000, peer.exited), 0);
      assert.match(peer.stdout().toString(), /resumed/);
    });

    /** openssl s_client saves the session of a full handshake, then resumes with it; the server's clock moves on `shift` ms between. */
    async function opensslResumes(shift: number) {
      let clock = Date.now();
      const srv = await kymanServer({ now: () => new Date(clock) });
      const file = join(pki.dir, `openssl-${shift}.sess`);
      const run = async (args: string[], index: number, ready: () => boolean) => {
        const peer = opensslClient(srv.port, ['-tls1_3', '-CAfile', pki.root.certFile, '-verify_return_error', '-servername', 'localhost', ...args]);
        peers.push(peer);
        await waitFor(() => srv.conns.length > index);
        const summary = await within(10_000, srv.conns[index].secured);
        // s_client writes -sess_out when the ticket arrives, and reports the session once connected; close after that.
        await waitFor(() => ready() && /(New|Reused), TLSv1\.3/.test(peer.stdout().toString()));
        srv.conns[index].end();
        peer.proc.stdin!.end();
        await within(5000, peer.exited);
        return { summary, out: peer.stdout().toString() };
      };
      const first = await run(['-sess_out', file], 0, () => existsSync(file));
      assert.equal(first.summary.resumed, false);
      assert.ok(existsSync(file), 'openssl wrote the session');
      clock += shift;
      const second = await run(['-sess_in', file], 1, () => true);
      assert.equal(second.summary.resumed, true);
      assert.match(second.out, /Reused, TLSv1\.3/);
    }

    it('openssl s_client -sess_out / -sess_in → kyman server: "Reused, TLSv1.3"', () => opensslResumes(0));

    it('openssl s_client resumes after the server has rotated its ticket key', () => opensslResumes((TICKET_KEY_ROTATION_SECONDS + 60) * 1000));
  });
});

