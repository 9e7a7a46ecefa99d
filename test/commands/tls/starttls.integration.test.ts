// `kyman tls client --starttls` and `kyman tls server --starttls` as the README shows them, with openssl on the other side, and their usage errors.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { expectCleanFailure, kyman, repoRoot } from '../../helpers/cli.js';
import { startKymanServer, tlsCommandSetup } from '../../helpers/tls-command.js';

/** `kyman ARGS` asynchronously: the server under test is another process, but the client must not block this one's timers. */
function kymanAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), ...args], { env: { ...process.env, NO_COLOR: '1', KYMAN_DB: undefined } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('kyman tls client/server --starttls (integration)', function () {
  this.timeout(60_000);
  const setup = tlsCommandSetup();

  it('README: a STARTTLS SMTP server, and the client that tests it', async () => {
    // kyman tls server --db server.kdb --port 2525 --starttls smtp
    const server = await startKymanServer(['--db', setup.db, '--starttls', 'smtp']);
    setup.servers.push(server);
    assert.match(server.stdout(), /reply: auto; starttls: smtp/);
    // kyman tls client localhost:2525 --starttls smtp --ca-file ca.pem --send 'EHLO client.example.com\r\nQUIT\r\n'
    const r = await kymanAsync(['tls', 'client', `localhost:${server.port}`, '--starttls', 'smtp', '--ca-file', setup.caPem, '--send', 'EHLO client.example.com\\r\\nQUIT\\r\\n']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /STARTTLS +smtp \(220 2\.0\.0 Ready to start TLS\)/);
    assert.match(r.stdout, /validation +valid for localhost/);
    assert.match(r.stdout, /250-kyman\.test[\s\S]*221 2\.0\.0 Bye/);
    // --json carries what the server said before TLS.
    const j = await kymanAsync(['tls', 'client', `localhost:${server.port}`, '--starttls', 'smtp', '--ca-file', setup.caPem, '--json']);
    assert.equal(j.status, 0, j.stderr);
    assert.equal(JSON.parse(j.stdout).starttls.protocol, 'smtp');
    assert.match(JSON.parse(j.stdout).starttls.serverSaid.join('\n'), /250 STARTTLS/);
  });

  it('README: openssl s_client -starttls imap against kyman tls server --starttls imap', async () => {
    const server = await startKymanServer(['--db', setup.db, '--starttls', 'imap']);
    setup.servers.push(server);
    const r = await new Promise<string>((resolve) => {
      const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-starttls', 'imap', '-CAfile', setup.caPem, '-verify_return_error', '-quiet', '-crlf']);
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      setTimeout(() => p.stdin.end('a LOGIN u p\nb LOGOUT\n'), 1000);
      p.on('close', () => resolve(out));
    });
    assert.match(r, /verify return:1/);
    assert.match(r, /b OK LOGOUT completed/);
    assert.match(server.stdout(), /127\.0\.0\.1:\d+ +TLSv1\.3/);
  });

  it('a server that does not speak the protocol asked for: exit 1, one line naming it', async () => {
    const server = await startKymanServer(['--db', setup.db, '--starttls', 'pop3']);
    setup.servers.push(server);
    const r = await kymanAsync(['tls', 'client', `localhost:${server.port}`, '--starttls', 'smtp', '--ca-file', setup.caPem]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /smtp server at localhost:\d+ does not answer as the protocol says: "\+OK kyman tls server ready"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('usage: an unknown protocol, and --name or --xmpp-host without --starttls, exit 2', () => {
    expectCleanFailure(kyman(['tls', 'client', 'localhost:1', '--starttls', 'gopher', '--insecure']), 2, /gopher/);
    expectCleanFailure(kyman(['tls', 'client', 'localhost:1', '--name', 'x', '--insecure']), 2, /--starttls/);
    expectCleanFailure(kyman(['tls', 'server', '--db', setup.db, '--starttls', 'ldap']), 2, /ldap/);
  });
});
