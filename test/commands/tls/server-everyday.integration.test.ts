// kyman tls server as s_server is used: PEM files, --www without escapes, tickets, a forced HelloRetryRequest, KeyUpdate, NDJSON; against openssl, gnutls-cli, Node's tls and kyman's client.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { kyman, repoRoot } from '../../helpers/cli.js';
import { gnutlsClient, opensslClient, within } from '../../helpers/peers.js';
import { startKymanServer, tlsCommandSetup } from '../../helpers/tls-command.js';

/** One request over Node's tls to the server, the whole answer as text. */
function get(port: number, ca: string, target: string, options: tls.ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(ca), ...options }, () => s.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\n\r\n`));
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

describe('kyman tls server, everyday use', function () {
  this.timeout(120_000);
  const { t, caPem, serverPem, serverKey, clientPem, peers, servers } = tlsCommandSetup();

  it('--cert/--key PEM and --www DIR: serves files, and nothing outside DIR whatever the path says', async () => {
    const site = t.file('site');
    mkdirSync(path.join(site, 'sub'), { recursive: true });
    writeFileSync(path.join(site, 'index.html'), '<p>home</p>\n');
    writeFileSync(path.join(site, 'sub', 'a.txt'), 'file a\n');
    writeFileSync(t.file('secret.txt'), 'not to be served\n');
    symlinkSync(t.file('secret.txt'), path.join(site, 'link.txt'));
    const server = await startKymanServer(['--cert', serverPem, '--key', serverKey, '--www', site]);
    servers.push(server);
    assert.match(await get(server.port, caPem, '/'), /^HTTP\/1\.1 200 OK[\s\S]*<p>home<\/p>/);
    assert.match(await get(server.port, caPem, '/sub/a.txt'), /^HTTP\/1\.1 200 OK[\s\S]*Content-Type: text\/plain[\s\S]*\r\n\r\nfile a\n$/);
    assert.match(await get(server.port, caPem, '/nope.txt'), /^HTTP\/1\.1 404 /);
    for (const attack of ['/../secret.txt', '/sub/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/sub/%2E%2E/%2E%2E/secret.txt', '/link.txt', '/..\\secret.txt', '/%00/index.html']) {
      const answer = await get(server.port, caPem, attack);
      assert.match(answer, /^HTTP\/1\.1 (403|404|400) /, `${attack}: ${answer.split('\r\n')[0]}`);
      assert.doesNotMatch(answer, /not to be served/, attack);
    }
    const post = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: readFileSync(caPem) }, () => s.write('PUT /x HTTP/1.1\r\nHost: localhost\r\n\r\n'));
      let text = '';
      s.on('data', (d: Buffer) => (text += d));
      s.on('end', () => resolve(text));
      s.on('error', reject);
    });
    assert.match(post, /^HTTP\/1\.1 405 /);
  });

  it('--require-hrr: openssl, gnutls-cli, Node and kyman all retry with the cookie; the line says (HRR)', async () => {
    const server = await startKymanServer(['--cert', serverPem, '--key', serverKey, '--require-hrr', '--reply', 'echo']);
    servers.push(server);
    const o = opensslClient(server.port, ['-tls1_3', '-CAfile', caPem, '-servername', 'localhost']);
    peers.push(o);
    o.proc.stdin!.end('hello\n');
    assert.equal(await within(15_000, o.exited, 's_client'), 0, o.stderr());
    const echoed = await within(15_000, new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: readFileSync(caPem) }, () => s.write('ping'));
      s.once('data', (d: Buffer) => {
        resolve(d.toString());
        s.destroy();
      });
      s.on('error', reject);
    }), 'Node');
    assert.equal(echoed, 'ping', 'Node retried and was echoed');
    const g = gnutlsClient(server.port, ['--x509cafile', caPem, '--sni-hostname', 'localhost', '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.3'], t.file('gnutls-hrr.log'));
    peers.push(g);
    g.proc.stdin!.end('hi\n');
    assert.equal(await within(15_000, g.exited, 'gnutls-cli'), 0, readFileSync(t.file('gnutls-hrr.log'), 'utf8'));
    const k = kyman(['tls', 'client', `localhost:${server.port}`, '--ca-file', caPem]);
    assert.equal(k.status, 0, k.stderr);
    assert.match(k.stdout, /^agreed\s+TLSv1\.3, \S+, secp256r1 after HelloRetryRequest, /m);
    await new Promise((r) => setTimeout(r, 200));
    const lines = server.stdout().split('\n').filter((l) => l.startsWith('127.0.0.1:'));
    assert.ok(lines.length >= 4 && lines.every((l) => l.includes('(HRR)')), server.stdout());
  });

  it('--tickets N and --no-tickets, counted by Node\'s tls; TLS 1.2 lines name the ServerKeyExchange scheme', async () => {
    const count = async (args: string[]) => {
      const server = await startKymanServer(['--cert', serverPem, '--key', serverKey, '--reply', 'http', ...args]);
      servers.push(server);
      let sessions = 0;
      await new Promise<void>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: readFileSync(caPem) }, () => s.write('GET / HTTP/1.0\r\n\r\n'));
        s.on('session', () => sessions++);
        s.on('data', () => undefined);
        s.on('end', () => resolve());
        s.on('error', reject);
      });
      return { sessions, server };
    };
    assert.equal((await count(['--tickets', '3'])).sessions, 3);
    assert.equal((await count(['--no-tickets'])).sessions, 0);
    const { server } = await count(['--tls', '1.2']);
    await new Promise((r) => setTimeout(r, 200));
    assert.match(server.stdout(), /TLSv1\.2\s+TLS_ECDHE_ECDSA_\S+\s+\S+\s+ecdsa_secp256r1_sha256\s/);
  });

  it('--key-update: kyman\'s client and openssl s_client see the KeyUpdate', async () => {
    const server = await startKymanServer(['--cert', serverPem, '--key', serverKey, '--key-update', '--reply', 'echo']);
    servers.push(server);
    const k = kyman(['tls', 'client', `localhost:${server.port}`, '--ca-file', caPem, '--trace', '--send', 'x']);
    assert.equal(k.status, 0, k.stderr);
    assert.match(k.stdout, /^<<< KeyUpdate$/m);
    const o = opensslClient(server.port, ['-tls1_3', '-CAfile', caPem, '-servername', 'localhost', '-msg']);
    peers.push(o);
    setTimeout(() => o.proc.stdin!.end('hello\n'), 500);
    await within(15_000, o.exited, 's_client');
    assert.match(o.stdout().toString(), /KeyUpdate/);
    await new Promise((r) => setTimeout(r, 200));
    assert.match(server.stdout(), /key-update/);
  });

  it('--ca-file checks client certificates beside --cert/--key (openssl with the exported client key)', async () => {
    const server = await startKymanServer(['--cert', serverPem, '--key', serverKey, '--ca-file', caPem, '--client-auth', 'required', '--once']);
    servers.push(server);
    const o = opensslClient(server.port, ['-tls1_3', '-CAfile', caPem, '-servername', 'localhost', '-cert', clientPem, '-key', clientPem, '-pass', 'pass:client-export']);
    peers.push(o);
    o.proc.stdin!.end('hello\n');
    assert.equal(await within(15_000, server.exited, 'kyman tls server --once'), 0, server.stderr());
    assert.match(server.stdout(), /client=CN=Kyman Test Client/);
  });

  it('--json without --once is NDJSON: one object a line, and a last line when stopped', async () => {
    const proc = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'tls', 'server', '--port', '0', '--cert', serverPem, '--key', serverKey, '--json'], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', () => undefined);
    const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    try {
      await within(15_000, (async () => { while (!out.includes('"listening"')) await new Promise((r) => setTimeout(r, 25)); })(), 'listening');
      const port = JSON.parse(out.split('\n')[0]).address.port as number;
      for (let i = 0; i < 2; i++) await get(port, caPem, '/');
      proc.kill('SIGTERM');
      assert.equal(await within(15_000, exited, 'stop'), 0);
      const events = out.trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(events.map((e) => e.event), ['listening', 'connection', 'connection', 'stopped']);
      assert.equal(events[1].version, 'TLSv1.3');
      assert.equal(events[1].helloRetry, false);
      assert.equal(events[3].connections, 2);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  });
});
