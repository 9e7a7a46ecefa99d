// The README's "Test handshakes" examples, run as written (port 4433 replaced by the one the test server got) in a folder holding their files.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/cli.js';
import { startKymanServer, tlsCommandSetup } from '../../helpers/tls-command.js';

/** Runs one README line through sh, `kyman` being the built binary. */
function example(line: string, port: number, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const bin = path.join(cwd, 'bin');
  const r = spawnSync('sh', ['-c', line.replace(/4433/g, String(port))], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', KYMAN_DB: undefined, SSLKEYLOGFILE: undefined, PATH: `${bin}:${process.env.PATH}` },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the README examples of kyman tls client and server', function () {
  this.timeout(120_000);
  const { t, caPem, serverPem, serverKey, servers } = tlsCommandSetup();
  let cwd = '';
  before(() => {
    cwd = t.file('readme');
    mkdirSync(path.join(cwd, 'bin'), { recursive: true });
    mkdirSync(path.join(cwd, 'site'));
    writeFileSync(path.join(cwd, 'site', 'index.html'), '<p>kyman site</p>\n');
    copyFileSync(caPem, path.join(cwd, 'ca.pem'));
    copyFileSync(serverPem, path.join(cwd, 'server.pem'));
    copyFileSync(serverKey, path.join(cwd, 'server.key'));
    writeFileSync(path.join(cwd, 'bin', 'kyman'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(repoRoot, 'bin/run.js')}" "$@"\n`, { mode: 0o755 });
  });

  it('streams, shows the chain, saves and resumes sessions against kyman tls server --www', async () => {
    const server = await startKymanServer(['--cert', path.join(cwd, 'server.pem'), '--key', path.join(cwd, 'server.key'), '--www', path.join(cwd, 'site')]);
    servers.push(server);
    const s = example(`printf 'GET / HTTP/1.0\\r\\n\\r\\n' | kyman tls client localhost:4433 --ca-file ca.pem --stdin`, server.port, cwd);
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /^HTTP\/1\.1 200 OK[\s\S]*<p>kyman site<\/p>/);
    assert.match(s.stderr, /^validation\s+valid for localhost$/m);
    const c = example('kyman tls client localhost:4433 --ca-file ca.pem --showcerts --out chain.pem', server.port, cwd);
    assert.equal(c.status, 0, c.stderr);
    assert.equal(readFileSync(path.join(cwd, 'chain.pem'), 'utf8'), readFileSync(serverPem, 'utf8'));
    const out = example('kyman tls client localhost:4433 --ca-file ca.pem --sess-out sess.txt', server.port, cwd);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(statSync(path.join(cwd, 'sess.txt')).mode & 0o777, 0o600);
    const back = example('kyman tls client localhost:4433 --ca-file ca.pem --sess-in sess.txt', server.port, cwd);
    assert.equal(back.status, 0, back.stderr);
    assert.match(back.stdout, /^resumed\s+yes$/m);
    const again = example('kyman tls client localhost:4433 --ca-file ca.pem --reconnect 2', server.port, cwd);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^reconnect 1: resumed/m);
    assert.match(again.stdout, /^reconnect 2: resumed/m);
    const sys = example('SSL_CERT_FILE=ca.pem kyman tls client localhost:4433', server.port, cwd);
    assert.equal(sys.status, 0, sys.stderr);
    assert.match(sys.stdout, /^trust store\s+ca\.pem/m);
  });

  it('a server for testing clients: a HelloRetryRequest every time, three tickets', async () => {
    const server = await startKymanServer(['--cert', path.join(cwd, 'server.pem'), '--key', path.join(cwd, 'server.key'), '--require-hrr', '--tickets', '3']);
    servers.push(server);
    const k = example('kyman tls client localhost:4433 --ca-file ca.pem', server.port, cwd);
    assert.equal(k.status, 0, k.stderr);
    assert.match(k.stdout, /after HelloRetryRequest/);
  });
});
