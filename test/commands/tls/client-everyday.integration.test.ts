// kyman tls client as s_client is used: streaming standard input both ways, --send-file and its cap, sessions across runs, PEM client keys, the system store, --showcerts.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { kyman, kymanJson, repoRoot } from '../../helpers/cli.js';
import { connectPeer, gnutlsServer, opensslServer, type Peer } from '../../helpers/peers.js';
import { tlsCommandSetup } from '../../helpers/tls-command.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** `kyman ARGS` with binary standard input and output, run without blocking this process (its servers must answer). */
function kymanBinary(args: string[], input: Buffer | undefined, env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), ...args], { env: { ...process.env, NO_COLOR: '1', KYMAN_DB: undefined, SSLKEYLOGFILE: undefined, ...env } });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('close', (status) => resolve({ status, stdout: Buffer.concat(out), stderr: err }));
    p.stdin.on('error', () => undefined);
    if (input) p.stdin.end(input);
    else p.stdin.end();
  });
}

/** A TCP port on 127.0.0.1 that forwards to a gnutls-serv in its own network namespace. */
async function bridgeTo(peer: Peer & { socketPath?: string }): Promise<{ port: number; close(): void }> {
  const server = net.createServer(async (c) => {
    const t = await connectPeer(peer);
    c.pipe(t).pipe(c);
    c.on('error', () => t.destroy());
    t.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe('kyman tls client, everyday use', function () {
  this.timeout(120_000);
  const { t, db, caPem, serverPem, serverKey, clientPem, peers } = tlsCommandSetup();
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });

  /** A Node tls server that echoes and remembers the checksum of what it received. */
  async function nodeEcho(): Promise<{ port: number; received: () => string }> {
    let digest = '';
    const server = tls.createServer({ cert: readFileSync(serverPem), key: readFileSync(serverKey) }, (s) => {
      const hash = createHash('sha256');
      s.on('data', (d: Buffer) => hash.update(d));
      s.on('end', () => (digest = hash.digest('hex')));
      s.pipe(s);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    return { port: (server.address() as net.AddressInfo).port, received: () => digest };
  }

  it('--stdin streams 8 MiB of random bytes both ways, unchanged, the report on stderr', async () => {
    const echo = await nodeEcho();
    const data = randomBytes(8 * 1024 * 1024);
    const r = await kymanBinary(['tls', 'client', `localhost:${echo.port}`, '--ca-file', caPem, '--stdin'], data);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.length, data.length);
    assert.equal(sha(r.stdout), sha(data));
    assert.equal(echo.received(), sha(data));
    assert.match(r.stderr, /^version\s+TLSv1\.3$/m);
    assert.match(r.stderr, /Streamed 8388608 bytes to the server and 8388608 from it, until the server closed/);
    const quiet = await kymanBinary(['tls', 'client', `localhost:${echo.port}`, '--ca-file', caPem, '--stdin', '--quiet'], Buffer.from('ping\n'));
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(quiet.stdout.toString(), 'ping\n');
    assert.equal(quiet.stderr, '');
  });

  it('--stdin against gnutls-serv --echo and openssl s_server, TLS 1.2 and 1.3', async () => {
    const g = await gnutlsServer(['--echo', '--x509certfile', serverPem, '--x509keyfile', serverKey]);
    peers.push(g);
    const bridge = await bridgeTo(g);
    closers.push(bridge.close);
    // gnutls-serv --echo treats what it reads as text (a NUL ends it): random lines, not random bytes.
    const data = Buffer.from(`${randomBytes(192 * 1024).toString('base64').replace(/.{76}/g, '$&\n')}\n`);
    for (const v of ['1.2', '1.3']) {
      const r = await kymanBinary(['tls', 'client', `localhost:${bridge.port}`, '--ca-file', caPem, '--stdin', '--tls', v, '--wait', '2'], data);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(sha(r.stdout), sha(data), `gnutls echo over TLS ${v}`);
    }
    // s_server -quiet writes what it gets to its stdout: the bytes kyman read from its standard input arrive whole.
    const o = await opensslServer(['-cert', serverPem, '-key', serverKey]);
    peers.push(o);
    const bytes = randomBytes(256 * 1024);
    const r = await kymanBinary(['tls', 'client', `localhost:${o.port}`, '--ca-file', caPem, '--stdin', '--wait', '1'], bytes);
    assert.equal(r.status, 0, r.stderr);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(sha(o.stdout()), sha(bytes));
  });

  it('--send-file sends a file; a reply over --max-reply is cut, said, exit 1; --wait close takes it all, raw', async () => {
    const body = randomBytes(300_000);
    const server = tls.createServer({ cert: readFileSync(serverPem), key: readFileSync(serverKey) }, (s) => {
      let got = 0;
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= 70_000) s.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const file = t.file('request.bin');
    writeFileSync(file, randomBytes(70_000));
    const cut = await kymanBinary(['tls', 'client', `localhost:${port}`, '--ca-file', caPem, '--send-file', file, '--max-reply', '1000'], undefined);
    assert.equal(cut.status, 1, cut.stderr);
    assert.match(cut.stderr, /the reply was longer than --max-reply 1000 bytes and was cut there/);
    assert.match(cut.stdout.toString('latin1'), /Reply \(1000 bytes, cut at --max-reply 1000 bytes\)/);
    const all = await kymanBinary(['tls', 'client', `localhost:${port}`, '--ca-file', caPem, '--send-file', file, '--wait', 'close'], undefined);
    assert.equal(all.status, 0, all.stderr);
    assert.ok(all.stdout.subarray(all.stdout.length - body.length).equals(body), 'the reply arrives byte for byte after the report');
    assert.match(all.stdout.toString('latin1'), /Reply \(300000 bytes, until the server closed\)/);
  });

  for (const v of ['1.3', '1.2']) {
    it(`resumes a TLS ${v} session saved by another run, against openssl s_server and gnutls-serv`, async () => {
      const sess = t.file(`sess-${v}.txt`);
      const o = await opensslServer(['-cert', serverPem, '-key', serverKey, '-naccept', '2']);
      peers.push(o);
      const first = kyman(['tls', 'client', `localhost:${o.port}`, '--ca-file', caPem, '--tls', v, '--sess-out', sess]);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /^resumed\s+no: no session was given$/m);
      assert.equal(statSync(sess).mode & 0o777, 0o600);
      const second = kyman(['tls', 'client', `localhost:${o.port}`, '--ca-file', caPem, '--tls', v, '--sess-in', sess]);
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /^resumed\s+yes$/m);
      assert.match(second.stdout, /^agreed\s+.*, resumed$/m);

      const g = await gnutlsServer(['--echo', '--x509certfile', serverPem, '--x509keyfile', serverKey]);
      peers.push(g);
      const bridge = await bridgeTo(g);
      closers.push(bridge.close);
      const gs = t.file(`gnutls-sess-${v}.txt`);
      const a = await kymanBinary(['tls', 'client', `localhost:${bridge.port}`, '--ca-file', caPem, '--tls', v, '--sess-out', gs], undefined);
      assert.equal(a.status, 0, a.stderr);
      const b = await kymanBinary(['tls', 'client', `localhost:${bridge.port}`, '--ca-file', caPem, '--tls', v, '--sess-in', gs, '--reconnect', '2'], undefined);
      assert.equal(b.status, 0, b.stderr);
      assert.match(b.stdout.toString(), /^resumed\s+yes$/m);
      assert.match(b.stdout.toString(), /^reconnect 2: resumed/m);
      // Another name: the session is not offered, and the report says why.
      const other = await kymanBinary(['tls', 'client', `127.0.0.1:${bridge.port}`, '--ca-file', caPem, '--tls', v, '--sess-in', gs], undefined);
      assert.match(other.stdout.toString(), /^resumed\s+no: the session is for localhost, not 127\.0\.0\.1$/m);
    });
  }

  it('--cert/--key (encrypted PEM, --key-pass) as a client certificate for openssl; --db without --label offers its default key only when it is a client\'s', async () => {
    const o = await opensslServer(['-cert', serverPem, '-key', serverKey, '-Verify', '1', '-CAfile', caPem, '-naccept', '3']);
    peers.push(o);
    const r = kyman(['tls', 'client', `localhost:${o.port}`, '--ca-file', caPem, '--cert', clientPem, '--key', clientPem, '--key-pass', 'pass:client-export']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^client certificate\\s+sent \\(${clientPem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`, 'm'));
    // The database's default key is a server's (extendedKeyUsage serverAuth): none is sent, and the report says why.
    const d = kyman(['tls', 'client', `localhost:${o.port}`, '--db', db]);
    assert.equal(d.status, 1, d.stderr);
    assert.match(d.stderr, /handshake failed: the server requires a client certificate/);
    const c = kyman(['tls', 'client', `localhost:${o.port}`, '--db', db, '--label', 'client']);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /^client certificate\s+sent \("client"\)$/m);
  });

  it('trusts the system store by default (SSL_CERT_FILE, SSL_CERT_DIR), which --ca-file replaces; --no-verify-name', async () => {
    const bundle = t.file('bundle.pem');
    let system = '';
    try {
      system = readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8');
    } catch {
      // No distribution bundle: the test's CA alone.
    }
    writeFileSync(bundle, system + readFileSync(caPem, 'utf8'));
    const o = await opensslServer(['-cert', serverPem, '-key', serverKey, '-naccept', '4']);
    peers.push(o);
    const viaFile = kyman(['tls', 'client', `localhost:${o.port}`], { env: { SSL_CERT_FILE: bundle, SSL_CERT_DIR: '' } });
    assert.equal(viaFile.status, 0, viaFile.stderr);
    assert.match(viaFile.stdout, /^validation\s+valid for localhost$/m);
    assert.match(viaFile.stdout, new RegExp(`^trust store\\s+${bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ certificates\\)$`, 'm'));
    const dir = t.file('certs');
    mkdirSync(dir);
    copyFileSync(caPem, path.join(dir, 'kyman-ca.pem'));
    writeFileSync(path.join(dir, 'not-a-cert.txt'), 'hello');
    const viaDir = kyman(['tls', 'client', `localhost:${o.port}`], { env: { SSL_CERT_FILE: t.file('none.pem'), SSL_CERT_DIR: dir } });
    assert.notEqual(viaDir.status, 0, 'a missing SSL_CERT_FILE is said');
    const viaCaDir = kyman(['tls', 'client', `localhost:${o.port}`, '--ca-dir', dir]);
    assert.equal(viaCaDir.status, 0, viaCaDir.stderr);
    const name = kyman(['tls', 'client', `127.0.0.1:${o.port}`, '--servername', 'www.example.org', '--ca-dir', dir, '--no-verify-name']);
    assert.equal(name.status, 0, name.stderr);
    assert.match(name.stderr, /^warning: --no-verify-name/m);
    assert.match(name.stdout, /^validation\s+valid \(name not checked: --no-verify-name\)$/m);
  });

  it('--showcerts writes the chain the server sent as PEM; --json has it as cert show does', async () => {
    const o = await opensslServer(['-cert', serverPem, '-key', serverKey, '-naccept', '2']);
    peers.push(o);
    const out = t.file('chain.pem');
    const r = kyman(['tls', 'client', `localhost:${o.port}`, '--ca-file', caPem, '--showcerts', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(out, 'utf8').replace(/\r/g, ''), readFileSync(serverPem, 'utf8').replace(/\r/g, ''));
    const j = kymanJson(['tls', 'client', `localhost:${o.port}`, '--ca-file', caPem]);
    assert.equal(j.peerCertificates.length, 1);
    assert.equal(j.peerCertificates[0].subject, 'CN=localhost');
    assert.equal(typeof j.peerCertificates[0].fingerprints.sha256, 'string');
    assert.equal(j.session, undefined, 'the session secret never goes to stdout');
  });

  it('--key-update sends one and sees the server\'s (openssl)', async () => {
    const o = await opensslServer(['-cert', serverPem, '-key', serverKey]);
    peers.push(o);
    const r = await kymanBinary(['tls', 'client', `localhost:${o.port}`, '--ca-file', caPem, '--key-update', '--stdin', '--wait', '1'], Buffer.from('after the update\n'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^key update\s+sent/m);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(o.stdout().toString(), 'after the update\n');
  });
});
