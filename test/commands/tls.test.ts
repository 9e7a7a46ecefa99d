import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { createSoftwareProvider } from '../../src/core/crypto/index.js';
import { createKeyStore } from '../../src/core/keystore/index.js';
import { createSelfSignedEntry } from '../../src/core/keystore/create-entry.js';
import { issueEntry } from '../../src/core/keystore/issue.js';
import { encodePem } from '../../src/core/pki/pem.js';
import { expectCleanFailure, kyman, kymanJson, repoRoot, tempDir, tool } from '../helpers/cli.js';
import { opensslClient, opensslServer, within, type Peer } from '../helpers/peers.js';

const provider = createSoftwareProvider();

/** A `kyman tls server` child on 127.0.0.1, any free port, with the port it printed. */
interface KymanServer {
  proc: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  stop(): void;
}

async function startKymanServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<KymanServer> {
  const proc = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'tls', 'server', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', KYMAN_DB: undefined, SSLKEYLOGFILE: undefined, ...env },
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const server: KymanServer = {
    proc,
    port: 0,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
    if (m) {
      server.port = Number(m[1]);
      return server;
    }
    if (proc.exitCode !== null) throw new Error(`kyman tls server exited early (${proc.exitCode}): ${err}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  server.stop();
  throw new Error(`kyman tls server did not listen in time: ${out}${err}`);
}

describe('kyman tls', function () {
  this.timeout(60_000);
  const t = tempDir('kyman-tls-cmd-');
  const db = t.file('server.kdb');
  const otherDb = t.file('other.kdb');
  const caPem = t.file('ca.pem');
  const otherCaPem = t.file('other-ca.pem');
  const serverPem = t.file('server.pem');
  const serverKey = t.file('server.key');
  const clientPem = t.file('client.pem');
  const peers: Peer[] = [];
  const servers: KymanServer[] = [];

  before(async () => {
    const store = await createKeyStore(db, { password: 'server-pass', stash: true, provider });
    const ca = await createSelfSignedEntry(store, 'ca', { subject: 'CN=Kyman Test CA', ca: true, days: 30, isDefault: false, provider });
    const server = await issueEntry(store, 'server', 'ca', { subject: 'CN=localhost', subjectAltNames: ['dns:localhost', 'ip:127.0.0.1'], profile: 'server', days: 10, isDefault: true, provider });
    await issueEntry(store, 'client', 'ca', { subject: 'CN=Kyman Test Client', profile: 'client', days: 10, provider });
    await store.setDefault('server');
    writeFileSync(caPem, encodePem('CERTIFICATE', ca.certificate));
    writeFileSync(serverPem, encodePem('CERTIFICATE', server.certificate));
    writeFileSync(serverKey, encodePem('PRIVATE KEY', provider.exportPrivateKey(await store.privateKey('server'))));
    const other = await createKeyStore(otherDb, { password: 'other-pass', stash: true, provider });
    const otherCa = await createSelfSignedEntry(other, 'other-ca', { subject: 'CN=Other CA', ca: true, days: 30, provider });
    writeFileSync(otherCaPem, encodePem('CERTIFICATE', otherCa.certificate));
    // The client certificate and key as a person would hand them to openssl: exported from the database.
    const r = kyman(['cert', 'export', 'client', '--db', db, '--out', clientPem, '--with-key', '--export-pass', 'pass:client-export']);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => t.cleanup());
  afterEach(() => {
    for (const p of peers.splice(0)) p.stop();
    for (const s of servers.splice(0)) s.stop();
  });

  const opensslServerArgs = (extra: string[] = []) => ['-tls1_3', '-cert', serverPem, '-key', serverKey, ...extra];

  describe('tls client against openssl s_server', () => {
    it('prints the summary a person reads at a glance', async () => {
      const peer = await opensslServer(opensslServerArgs());
      peers.push(peer);
      const r = kyman(['tls', 'client', `localhost:${peer.port}`, '--ca-file', caPem]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^version\s+TLSv1\.3$/m);
      assert.match(r.stdout, /^cipher suite\s+TLS_AES_(128_GCM_SHA256|256_GCM_SHA384)$/m);
      assert.match(r.stdout, /^group\s+x25519$/m);
      assert.match(r.stdout, /^signature scheme\s+ecdsa_secp256r1_sha256$/m);
      assert.match(r.stdout, /^ALPN\s+\(none\)$/m);
      assert.match(r.stdout, /^resumed\s+no/m);
      assert.match(r.stdout, /^handshake\s+[\d.]+ ms/m);
      assert.match(r.stdout, /^validation\s+valid for localhost$/m);
      assert.match(r.stdout, /^0\s+CN=localhost\s+CN=Kyman Test CA\s+\S+\s+sent by peer$/m);
      assert.match(r.stdout, /^1\s+CN=Kyman Test CA\s+CN=Kyman Test CA\s+\S+\s+trust store, anchor$/m);
    });

    it('gives scripts --json, with the suite, group and ALPN asked for', async () => {
      const peer = await opensslServer(opensslServerArgs(['-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256', '-groups', 'P-256', '-alpn', 'h2']));
      peers.push(peer);
      const j = kymanJson(['tls', 'client', `127.0.0.1:${peer.port}`, '--servername', 'localhost', '--ca-file', caPem, '--groups', 'secp256r1,x25519', '--alpn', 'h2', '--alpn', 'http/1.1']);
      assert.equal(j.__status, 0, j.__stderr);
      assert.equal(j.version, 'TLSv1.3');
      assert.equal(j.cipherSuite, 'TLS_CHACHA20_POLY1305_SHA256');
      assert.equal(j.group, 'secp256r1');
      assert.equal(j.alpn, 'h2');
      assert.equal(j.serverName, 'localhost');
      assert.equal(j.resumed, false);
      assert.equal(j.validation.valid, true);
      assert.equal(j.chain.length, 2);
      assert.equal(j.chain[1].anchor, true);
      assert.equal(j.chain[1].sent, false);
      assert.equal(typeof j.handshakeMs, 'number');
    });

    it('fails with exit 1 and the alert named when the root is not trusted', async () => {
      const peer = await opensslServer(opensslServerArgs());
      peers.push(peer);
      const r = kyman(['tls', 'client', `localhost:${peer.port}`, '--ca-file', otherCaPem]);
      expectCleanFailure(r, 1, /handshake failed: the server's certificate is not trusted \(unknown_ca\): .*CN=Kyman Test CA/);
      const again = await opensslServer(opensslServerArgs());
      peers.push(again);
      const j = kymanJson(['tls', 'client', `localhost:${again.port}`, '--ca-file', otherCaPem]);
      assert.equal(j.__status, 1);
      assert.equal(j.error.code, 'FAILED');
      assert.match(j.error.message, /\(unknown_ca\)/);
    });

    it('fails with exit 1 and bad_certificate when the host name does not match', async () => {
      const peer = await opensslServer(opensslServerArgs());
      peers.push(peer);
      const r = kyman(['tls', 'client', `127.0.0.1:${peer.port}`, '--servername', 'www.example.org', '--ca-file', caPem]);
      expectCleanFailure(r, 1, /handshake failed: the server's certificate was rejected \(bad_certificate\): host name www\.example\.org does not match/);
    });

    it('--insecure completes the handshake, warns, and still shows the validation', async () => {
      const peer = await opensslServer(opensslServerArgs());
      peers.push(peer);
      const r = kyman(['tls', 'client', `localhost:${peer.port}`, '--ca-file', otherCaPem, '--insecure']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^warning: --insecure/m);
      assert.match(r.stdout, /^validation\s+NOT VALID: .*completed because of --insecure/m);
    });

    it('--trace shows every handshake message with named fields', async () => {
      const peer = await opensslServer(opensslServerArgs());
      peers.push(peer);
      const r = kyman(['tls', 'client', `localhost:${peer.port}`, '--ca-file', caPem, '--trace']);
      assert.equal(r.status, 0, r.stderr);
      for (const m of ['>>> ClientHello', '<<< ServerHello', '<<< EncryptedExtensions', '<<< Certificate', '<<< CertificateVerify', '<<< Finished', '>>> Finished']) {
        assert.ok(r.stdout.includes(m), `${m} missing from the trace:\n${r.stdout}`);
      }
      assert.match(r.stdout, /^\s+legacy_version: /m);
      assert.match(r.stdout, /^\s+cipher_suites:/m);
      assert.match(r.stdout, /TLS_AES_128_GCM_SHA256/);
      assert.match(r.stdout, /^\s+.*supported_versions/m);
      // No colour codes when stdout is not a terminal.
      assert.doesNotMatch(r.stdout, /\u001b\[/);
    });

    it('--keylog and SSLKEYLOGFILE append the four NSS lines, 0600', async () => {
      for (const how of ['flag', 'env'] as const) {
        const peer = await opensslServer(opensslServerArgs());
        peers.push(peer);
        const file = t.file(`keys-${how}.log`);
        const r = how === 'flag'
          ? kyman(['tls', 'client', `localhost:${peer.port}`, '--ca-file', caPem, '--keylog', file])
          : kyman(['tls', 'client', `localhost:${peer.port}`, '--ca-file', caPem], { env: { SSLKEYLOGFILE: file } });
        assert.equal(r.status, 0, r.stderr);
        const lines = readFileSync(file, 'utf8').trim().split('\n');
        for (const label of ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0']) {
          assert.ok(lines.some((l) => new RegExp(`^${label} [0-9a-f]{64} [0-9a-f]{64,96}$`).test(l)), `${label} missing:\n${lines.join('\n')}`);
        }
        assert.equal(statSync(file).mode & 0o777, 0o600);
      }
    });

    it('speaks TLS 1.2 with --tls 1.2', async () => {
      const peer = await opensslServer(['-tls1_2', '-cert', serverPem, '-key', serverKey]);
      peers.push(peer);
      const j = kymanJson(['tls', 'client', `localhost:${peer.port}`, '--ca-file', caPem, '--tls', '1.2']);
      assert.equal(j.__status, 0, j.__stderr);
      assert.equal(j.version, 'TLSv1.2');
    });

    it('refuses a version the engine does not speak, in one line (exit 2)', () => {
      expectCleanFailure(kyman(['tls', 'client', 'localhost:1', '--ca-file', caPem, '--tls', '1.1']), 2, /--tls 1\.1 is not a TLS version/);
      expectCleanFailure(kyman(['tls', 'server', '--db', db, '--tls', '1.1', '--port', '0']), 2, /--tls 1\.1 is not a TLS version/);
    });

    it('says clearly when nothing listens', () => {
      expectCleanFailure(kyman(['tls', 'client', '127.0.0.1:1', '--ca-file', caPem, '--timeout', '5']), 1, /cannot connect to 127\.0\.0\.1:1: connection refused/);
    });
  });

  describe('tls server', () => {
    it('serves openssl s_client once and reports what was agreed (exit 0)', async () => {
      const server = await startKymanServer(['--db', db, '--once']);
      servers.push(server);
      const client = opensslClient(server.port, ['-tls1_3', '-CAfile', caPem, '-verify_return_error', '-servername', 'localhost']);
      peers.push(client);
      client.proc.stdin!.end('hello\n');
      assert.equal(await within(15_000, server.exited, 'kyman tls server --once'), 0, server.stderr());
      const line = server.stdout().split('\n').find((l) => l.startsWith('127.0.0.1:'));
      assert.ok(line, server.stdout());
      assert.match(line, /TLSv1\.3\s+TLS_AES_\w+\s+x25519\s+ecdsa_secp256r1_sha256\s+alpn=-\s+sni=localhost\s+new\s+client=none/);
      assert.match(client.stdout().toString(), /Verify return code: 0 \(ok\)/);
    });

    it('requires a client certificate: openssl with one exported from the database', async () => {
      const server = await startKymanServer(['--db', db, '--once', '--client-auth', 'required']);
      servers.push(server);
      const client = opensslClient(server.port, ['-tls1_3', '-CAfile', caPem, '-servername', 'localhost', '-cert', clientPem, '-key', clientPem, '-pass', 'pass:client-export']);
      peers.push(client);
      client.proc.stdin!.end('hello\n');
      assert.equal(await within(15_000, server.exited, 'kyman tls server --once'), 0, server.stderr());
      assert.match(server.stdout(), /client=CN=Kyman Test Client \(ecdsa_secp256r1_sha256\)/);
    });

    it('requires a client certificate: without one, exit 1 naming the alert', async () => {
      const server = await startKymanServer(['--db', db, '--once', '--client-auth', 'required']);
      servers.push(server);
      const client = opensslClient(server.port, ['-tls1_3', '-CAfile', caPem, '-servername', 'localhost']);
      peers.push(client);
      client.proc.stdin!.end('hello\n');
      assert.equal(await within(15_000, server.exited, 'kyman tls server --once'), 1);
      expectCleanFailure({ status: 1, stdout: server.stdout(), stderr: server.stderr() }, 1, /handshake failed: the client sent no certificate, and one is required \(certificate_required\)/);
    });

    it('kyman tls client without a certificate against --client-auth required: exit 1 on both sides', async () => {
      const server = await startKymanServer(['--db', db, '--once', '--client-auth', 'required']);
      servers.push(server);
      const r = kyman(['tls', 'client', `localhost:${server.port}`, '--db', db]);
      expectCleanFailure(r, 1, /handshake failed: the server requires a client certificate \(certificate_required alert from the server\)/);
      assert.equal(await within(15_000, server.exited, 'kyman tls server --once'), 1);
      const ok = await startKymanServer(['--db', db, '--once', '--client-auth', 'required']);
      servers.push(ok);
      const j = kymanJson(['tls', 'client', `localhost:${ok.port}`, '--db', db, '--label', 'client']);
      assert.equal(j.__status, 0, j.__stderr);
      assert.equal(j.clientCertificateRequested, true);
      assert.equal(j.clientCertificateSent, true);
      assert.equal(await within(15_000, ok.exited, 'kyman tls server --once'), 0, ok.stderr());
      assert.match(ok.stdout(), /client=CN=Kyman Test Client/);
    });

    it('answers Node\'s tls client over HTTP with ALPN, traced and key-logged', async () => {
      const keylog = t.file('server-keys.log');
      const server = await startKymanServer(['--db', db, '--once', '--alpn', 'http/1.1', '--trace', '--keylog', keylog]);
      servers.push(server);
      const socket = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: readFileSync(caPem), ALPNProtocols: ['http/1.1'], minVersion: 'TLSv1.3' });
      try {
        await within(10_000, new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject)), 'Node handshake');
        assert.equal(socket.alpnProtocol, 'http/1.1');
        socket.write('GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n');
        const chunks: Buffer[] = [];
        socket.on('data', (d: Buffer) => chunks.push(d));
        await within(10_000, new Promise<void>((resolve) => socket.once('end', resolve)), 'HTTP reply');
        const reply = Buffer.concat(chunks).toString();
        assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
        assert.match(reply, /Hello from kyman tls server\.\nrequest: GET \/hello HTTP\/1\.1/);
      } finally {
        socket.destroy();
      }
      assert.equal(await within(15_000, server.exited, 'kyman tls server --once'), 0, server.stderr());
      assert.match(server.stdout(), /<<< ClientHello\s+\[127\.0\.0\.1:\d+\]\n\s+legacy_version: /);
      assert.match(server.stdout(), />>> ServerHello/);
      assert.match(server.stdout(), /alpn=http\/1\.1\s+sni=localhost/);
      assert.equal(readFileSync(keylog, 'utf8').trim().split('\n').filter((l) => /_SECRET(_0)? /.test(l)).length >= 4, true);
    });

    it('echoes what kyman tls client --send sends', async () => {
      const server = await startKymanServer(['--db', db, '--once', '--reply', 'echo']);
      servers.push(server);
      const j = kymanJson(['tls', 'client', `localhost:${server.port}`, '--db', db, '--send', 'ping\\n']);
      assert.equal(j.__status, 0, j.__stderr);
      assert.equal(j.reply.text, 'ping\n');
      assert.equal(await within(15_000, server.exited, 'kyman tls server --once'), 0, server.stderr());
    });

    it('stops cleanly on SIGTERM', async () => {
      const server = await startKymanServer(['--db', db]);
      servers.push(server);
      server.proc.kill('SIGTERM');
      assert.equal(await within(10_000, server.exited, 'kyman tls server after SIGTERM'), 0, server.stderr());
    });
  });

  describe('demo and bench', () => {
    it('kyman demo runs a mutual-TLS handshake and cleans up', () => {
      const r = kyman(['demo']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^version\s+TLSv1\.3$/m);
      assert.match(r.stdout, /^client certificate\s+CN=kyman demo client,O=kyman demo \(checked by the server\)$/m);
      assert.match(r.stdout, /^server certificate\s+valid for localhost$/m);
      assert.match(r.stdout, /kyman tls client localhost:4433/);
      const dir = /key database (\S+)\/demo\.kdb/.exec(r.stdout)?.[1];
      assert.ok(dir);
      assert.equal(tool('test', ['-e', dir]).status, 1, 'the demo directory is removed');
    });

    it('kyman tls bench measures handshakes and bulk (figures not asserted)', () => {
      const j = kymanJson(['tls', 'bench', '--handshakes', '5', '--bulk', '2']);
      assert.equal(j.__status, 0, j.__stderr);
      assert.ok(j.handshakes.perSecond > 0);
      assert.ok(j.bulk.megabytesPerSecond > 0);
      assert.equal(j.bulk.cipherSuite, 'TLS_AES_128_GCM_SHA256');
    });
  });
});
