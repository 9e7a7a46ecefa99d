// kyman tls server with openssl s_client, Node's tls client and kyman tls client: client authentication, ALPN, echo and SIGTERM.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { expectCleanFailure, kyman, kymanJson } from '../../helpers/cli.js';
import { opensslClient, within } from '../../helpers/peers.js';
import { startKymanServer, tlsCommandSetup } from '../../helpers/tls-command.js';

describe('kyman tls server', function () {
  this.timeout(60_000);
  const { t, db, caPem, clientPem, peers, servers } = tlsCommandSetup();

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
