import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expectCleanFailure, kyman, kymanJson, repoRoot, tempDir, tool } from '../../helpers/cli.js';
import { SOFTHSM2, softHsm, type SoftHsm } from '../../helpers/pkcs11-tokens.js';
import { opensslServer, within, type Peer } from '../../helpers/peers.js';

const ok = (r: { status: number; stdout: string; stderr: string }, what: string) => assert.equal(r.status, 0, `${what}:\n${r.stdout}\n${r.stderr}`);

/** `kyman tls server --once --json` on a free port; resolves when it listens, with its final JSON later. */
async function tokenServer(args: string[], env: NodeJS.ProcessEnv): Promise<{ port: number; done: Promise<{ status: number | null; json: any; stderr: string }>; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'tls', 'server', '--port', '0', '--once', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', KYMAN_DB: undefined, ...env },
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const done = new Promise<{ status: number | null; json: any; stderr: string }>((resolve) =>
    proc.once('exit', (status) => {
      let json: any;
      try {
        json = JSON.parse(out);
      } catch {
        json = undefined;
      }
      resolve({ status, json, stderr: err });
    }),
  );
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
    if (m) return { port: Number(m[1]), done, proc };
    if (proc.exitCode !== null) throw new Error(`kyman tls server exited early (${proc.exitCode}): ${err}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  proc.kill('SIGKILL');
  throw new Error(`kyman tls server did not listen in time: ${err}`);
}

describe('cert, req and tls commands on a PKCS #11 token', function () {
  this.timeout(180_000);
  let hsm: SoftHsm;
  let env: NodeJS.ProcessEnv;
  const t = tempDir('kyman-token-store-');
  const caDb = t.file('ca.kdb');
  const caPem = t.file('ca.pem');
  const servers: ChildProcess[] = [];
  const peers: Peer[] = [];
  const srv = ['--token', 'srv', '--pin', 'env:PIN'];
  const cli = ['--token', 'cli', '--pin', 'env:PIN'];

  before(() => {
    hsm = softHsm();
    env = { SOFTHSM2_CONF: hsm.conf, KYMAN_PKCS11_MODULE: SOFTHSM2, SO: '11223344', PIN: '55667788', CAPASS: 'ca-password' };
    for (const label of ['srv', 'cli']) ok(kyman(['token', 'init', '--label', label, '--so-pin', 'env:SO', '--pin', 'env:PIN'], { env }), `token init ${label}`);
    // The CA lives in a key database file; the server's and client's keys on tokens.
    ok(kyman(['db', 'create', caDb, '--pass', 'env:CAPASS', '--stash'], { env }), 'db create');
    ok(kyman(['cert', 'create', 'ca', '--db', caDb, '--subject', 'CN=Token Test CA', '--ca', '--days', '30'], { env }), 'ca');
    ok(kyman(['cert', 'export', 'ca', '--db', caDb, '--out', caPem], { env }), 'export ca');
  });
  after(() => {
    for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
    for (const p of peers) p.stop();
    hsm?.cleanup();
    t.cleanup();
  });

  it('req create on the token keeps the key there; the CA signs; req receive pairs the certificate with it', () => {
    const csr = t.file('web.csr');
    ok(kyman(['req', 'create', 'web', ...srv, '--subject', 'CN=localhost', '--san', 'dns:localhost', '--out', csr], { env }), 'req create');
    ok(tool('openssl', ['req', '-in', csr, '-verify', '-noout']), 'openssl req -verify');
    const pending = kymanJson(['req', 'list', ...srv], { env });
    assert.deepEqual(pending.requests.map((r: any) => r.label), ['web']);
    assert.equal(kymanJson(['cert', 'list', ...srv], { env }).entries.length, 0);
    const webPem = t.file('web.pem');
    ok(kyman(['cert', 'sign', csr, '--db', caDb, '--ca', 'ca', '--profile', 'server', '--out', webPem], { env }), 'cert sign');
    const received = kymanJson(['req', 'receive', webPem, ...srv], { env });
    assert.equal(received.__status, 0, received.__stderr);
    assert.equal(kymanJson(['req', 'list', ...srv], { env }).requests.length, 0);
    const list = kymanJson(['cert', 'list', ...srv], { env });
    assert.deepEqual(list.entries.map((e: any) => [e.label, e.kind, e.isDefault]), [['web', 'key', true]]);
    // pkcs11-tool: the key is sensitive, never extractable, and shares CKA_ID with the certificate.
    const objects = hsm.run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'srv', '--login', '--pin', '55667788', '--list-objects']).stdout;
    const blocks = objects.split(/\n(?=\S)/).filter((b) => /label:\s+web\n/.test(b));
    const key = blocks.find((b) => b.startsWith('Private Key Object'))!;
    assert.match(key, /Access:\s+sensitive, always sensitive, never extractable, local/);
    const ids = new Set(blocks.map((b) => /ID:\s+(\w+)/.exec(b)?.[1]));
    assert.equal(ids.size, 1, objects);
    ok(tool('openssl', ['verify', '-CAfile', caPem, webPem]), 'openssl verify');
  });

  it('a key pkcs11-tool made gets a request with --existing-key, and a renewal keeps it', () => {
    ok(hsm.run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'srv', '--login', '--pin', '55667788', '--keypairgen', '--key-type', 'rsa:2048', '--id', '0202', '--label', 'rsa']), 'keypairgen');
    const csr = t.file('rsa.csr');
    ok(kyman(['req', 'create', 'rsa', ...srv, '--existing-key', '--subject', 'CN=localhost', '--san', 'dns:localhost', '--out', csr], { env }), 'req create --existing-key');
    assert.match(tool('openssl', ['req', '-in', csr, '-noout', '-text']).stdout, /rsaEncryption/);
    const pem = t.file('rsa.pem');
    ok(kyman(['cert', 'sign', csr, '--db', caDb, '--ca', 'ca', '--profile', 'server', '--out', pem], { env }), 'sign rsa');
    ok(kyman(['req', 'receive', pem, ...srv], { env }), 'receive rsa');
    const before = kymanJson(['cert', 'show', 'rsa', ...srv], { env });
    // Renewal: a request for the same key, and the new certificate replaces the old one.
    const renewCsr = t.file('rsa-renew.csr');
    ok(kyman(['req', 'renew', 'rsa', ...srv, '--out', renewCsr], { env }), 'req renew');
    const renewed = t.file('rsa-renewed.pem');
    ok(kyman(['cert', 'sign', renewCsr, '--db', caDb, '--ca', 'ca', '--profile', 'server', '--days', '20', '--out', renewed], { env }), 'sign renewal');
    const r = kymanJson(['req', 'receive', renewed, ...srv], { env });
    assert.equal(r.renewed, true, r.__stderr);
    const after = kymanJson(['cert', 'show', 'rsa', ...srv], { env });
    assert.notEqual(after.certificate.serialNumber, before.certificate.serialNumber);
    const publicKeyOf = (shown: any, name: string) => {
      const file = t.file(name);
      writeFileSync(file, Buffer.from(shown.certificate.der, 'base64'));
      return tool('openssl', ['x509', '-inform', 'der', '-in', file, '-pubkey', '-noout']).stdout;
    };
    assert.match(publicKeyOf(before, 'before.der'), /BEGIN PUBLIC KEY/);
    assert.equal(publicKeyOf(after, 'after.der'), publicKeyOf(before, 'before.der'));
    // The key made by pkcs11-tool kept its id: still one private key labelled rsa, id 0202.
    const objects = hsm.run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'srv', '--login', '--pin', '55667788', '--list-objects', '--type', 'privkey']).stdout;
    assert.match(objects, /label:\s+rsa\n\s+ID:\s+0202/);
  });

  it('imports the CA certificate as an anchor, copies a client key onto a token, and never exports a token key', () => {
    ok(kyman(['cert', 'import', caPem, ...srv, '--label', 'ca'], { env }), 'import anchor');
    assert.equal(kymanJson(['cert', 'show', 'ca', ...srv], { env }).trusted, true);
    // The token's anchors validate its entries, as a database's do.
    const validated = kymanJson(['cert', 'validate', 'web', ...srv, '--host', 'localhost'], { env });
    assert.equal(validated.valid, true, validated.__stderr + JSON.stringify(validated));
    ok(kyman(['cert', 'issue', 'client', '--db', caDb, '--ca', 'ca', '--subject', 'CN=Token Client', '--profile', 'client'], { env }), 'issue client');
    // KYMAN_TOKEN naming the target does not make it the source: the explicit --db is.
    const copied = kymanJson(['cert', 'copy', 'client', '--db', caDb, '--to-token', 'cli', '--to-pin', 'env:PIN'], { env: { ...env, KYMAN_TOKEN: 'cli' } });
    assert.equal(copied.__status, 0, copied.__stderr);
    assert.equal(copied.withKey, true);
    const objects = hsm.run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'cli', '--login', '--pin', '55667788', '--list-objects', '--type', 'privkey']).stdout;
    assert.match(objects, /label:\s+client[\s\S]*Access:\s+sensitive/);
    ok(kyman(['cert', 'import', caPem, ...cli, '--label', 'ca'], { env }), 'anchor on cli');
    expectCleanFailure(kyman(['cert', 'copy', 'client', ...cli, '--to-token', 'cli'], { env }), 2, /same token as the source/);
    // Out of a token: the certificate alone, and only when asked.
    expectCleanFailure(kyman(['cert', 'copy', 'client', ...cli, '--to-db', caDb], { env }), 2, /never leaves it.*--cert-only/);
    expectCleanFailure(kyman(['cert', 'export', 'web', ...srv, '--out', t.file('web.p12'), '--format', 'pkcs12', '--export-pass', 'pass:x'], { env }), 2, /never leaves it/);
    const other = t.file('other.p12');
    ok(kyman(['db', 'create', other, '--type', 'pkcs12', '--pass', 'env:CAPASS'], { env }), 'db create other');
    const certOnly = kymanJson(['cert', 'copy', 'client', ...cli, '--to-db', other, '--to-pass', 'env:CAPASS', '--cert-only'], { env });
    assert.equal(certOnly.withKey, false, certOnly.__stderr);
    assert.deepEqual(kymanJson(['cert', 'list', '--db', other, '--pass', 'env:CAPASS'], { env }).entries.map((e: any) => [e.label, e.kind]), [['client', 'certificate']]);
    const pem = t.file('web-cert.pem');
    ok(kyman(['cert', 'export', 'web', ...srv, '--out', pem], { env }), 'export the certificate alone');
    assert.match(readFileSync(pem, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
  });

  for (const [label, version, opensslSig] of [
    ['web', '1.3', /Peer signature type: ECDSA/],
    ['web', '1.2', /Peer signature type: ECDSA/],
    ['rsa', '1.3', /Peer signature type: RSA-PSS/],
    ['rsa', '1.2', /Peer signature type: RSA/],
  ] as const) {
    it(`tls server --token (${label}, TLS ${version}) completes a handshake with openssl s_client`, async () => {
      const s = await tokenServer([...srv, '--label', label, '--tls', version], env);
      servers.push(s.proc);
      const c = tool('openssl', ['s_client', '-connect', `127.0.0.1:${s.port}`, '-CAfile', caPem, '-verify_return_error', '-servername', 'localhost', `-tls${version.replace('.', '_')}`], { input: 'Q\n' });
      assert.match(c.stdout + c.stderr, /Verify return code: 0 \(ok\)/);
      assert.match(c.stdout + c.stderr, opensslSig);
      const r = await s.done;
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.json.connections[0].version, `TLSv${version}`);
      assert.deepEqual(r.json.keyOperations.placement, { sign: 'token', keyAgreement: 'software', aead: 'software' });
      assert.equal(r.json.connections[0].keyOperations.sign, 'token');
    });

    it(`tls server --token (${label}, TLS ${version}) completes a handshake with gnutls-cli`, async () => {
      const s = await tokenServer([...srv, '--label', label, '--tls', version], env);
      servers.push(s.proc);
      const c = tool('gnutls-cli', ['-p', String(s.port), '--x509cafile', caPem, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--priority', `NORMAL:-VERS-ALL:+VERS-TLS${version}`, '127.0.0.1'], { input: '' });
      assert.match(c.stdout + c.stderr, /Handshake was completed/, c.stdout + c.stderr);
      const r = await s.done;
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.json.connections[0].version, `TLSv${version}`);
    });
  }

  for (const version of ['1.3', '1.2']) {
    it(`client authentication with both keys on tokens (TLS ${version}): kyman server and kyman client, and the client against openssl s_server`, async () => {
      const s = await tokenServer([...srv, '--label', 'web', '--client-auth', 'required', '--tls', version], env);
      servers.push(s.proc);
      const c = kymanJson(['tls', 'client', `127.0.0.1:${s.port}`, '--servername', 'localhost', ...cli, '--label', 'client'], { env });
      assert.equal(c.__status, 0, c.__stderr);
      assert.equal(c.clientCertificateSent, true);
      assert.equal(c.keyOperations.ran.sign, 'token');
      const r = await s.done;
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.json.connections[0].clientCertificate, 'CN=Token Client');

      // The client's token signature, checked by OpenSSL.
      const osslKey = t.file(`openssl-server-${version}.key`);
      const osslPem = t.file(`openssl-server-${version}.pem`);
      ok(tool('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', osslKey, '-out', osslPem, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-days', '1']), 'openssl server cert');
      ok(kyman(['cert', 'import', osslPem, ...cli, '--label', `openssl-${version}`], { env }), 'trust the openssl server');
      const peer = await opensslServer(['-cert', osslPem, '-key', osslKey, '-CAfile', caPem, '-Verify', '1', '-verify_return_error', `-tls${version.replace('.', '_')}`], false);
      peers.push(peer);
      const viaOpenssl = kymanJson(['tls', 'client', `127.0.0.1:${peer.port}`, '--servername', 'localhost', ...cli, '--label', 'client', '--send', 'hello\\n'], { env });
      assert.equal(viaOpenssl.__status, 0, viaOpenssl.__stderr);
      assert.equal(viaOpenssl.clientCertificateSent, true);
      await within(5000, peer.exited, 'openssl s_server');
      assert.match(peer.stdout().toString() + peer.stderr(), /subject=CN\s*=\s*Token Client/);
    });
  }

  it('--token-ops all runs key agreement and record protection on the token, and says so', async () => {
    const s = await tokenServer([...srv, '--label', 'web', '--token-ops', 'all'], env);
    servers.push(s.proc);
    const c = tool('openssl', ['s_client', '-connect', `127.0.0.1:${s.port}`, '-CAfile', caPem, '-verify_return_error', '-servername', 'localhost'], { input: 'Q\n' });
    assert.match(c.stdout + c.stderr, /Verify return code: 0 \(ok\)/);
    const r = await s.done;
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.json.connections[0].keyOperations, { sign: 'token', keyAgreement: 'token', aead: 'token' });
    // People see it too.
    const human = await new Promise<string>((resolve, reject) => {
      const proc = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'tls', 'server', '--port', '0', '--once', ...srv, '--label', 'web', '--token-ops', 'all', '--suites', 'TLS_CHACHA20_POLY1305_SHA256'], { env: { ...process.env, NO_COLOR: '1', ...env } });
      servers.push(proc);
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m && !out.includes('\u0000started')) {
          out += '\u0000started';
          tool('openssl', ['s_client', '-connect', `127.0.0.1:${m[1]}`, '-CAfile', caPem, '-servername', 'localhost'], { input: 'Q\n' });
        }
      });
      proc.stderr.on('data', (d) => (out += d));
      proc.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(out))));
    });
    assert.match(human, /key operations can run: signing on token "srv", key agreement on token "srv", record protection on token "srv"/);
    // ChaCha20-Poly1305 is no token mechanism: it falls back, with a notice, and the handshake still completes.
    assert.match(human, /warning: CHACHA20-POLY1305 is not a token mechanism: it runs in software/);
    assert.match(human, /record protection in software/);
  });

  it('fails cleanly: wrong PIN 3, missing token or module 4, --db with --token 2', () => {
    expectCleanFailure(kyman(['cert', 'list', '--token', 'srv', '--pin', 'pass:00000000'], { env }), 3, /wrong PIN for token "srv"/);
    expectCleanFailure(kyman(['cert', 'list', '--token', 'nope', '--pin', 'env:PIN'], { env }), 4, /no token labelled "nope"/);
    expectCleanFailure(kyman(['cert', 'list', ...srv, '--module', '/no/such/module.so'], { env }), 4, /no such file/);
    expectCleanFailure(kyman(['cert', 'list', ...srv, '--db', caDb], { env }), 2, /not both/);
    expectCleanFailure(kyman(['cert', 'list', '--token', 'srv'], { env }), 2, /no PIN for token "srv"/);
    // KYMAN_TOKEN picks the token; an explicit --db still wins over it.
    assert.ok(kymanJson(['cert', 'list', '--pin', 'env:PIN'], { env: { ...env, KYMAN_TOKEN: 'srv' } }).entries.length >= 2);
    assert.equal(kymanJson(['cert', 'list', '--db', caDb], { env: { ...env, KYMAN_TOKEN: 'srv' } }).path, caDb);
  });
});
