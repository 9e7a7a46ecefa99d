// kyman tls client against openssl s_server: the summary, --json, failures named by their alert, --trace, key logs and TLS 1.2.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { expectCleanFailure, kyman, kymanJson } from '../../helpers/cli.js';
import { opensslServer } from '../../helpers/peers.js';
import { tlsCommandSetup } from '../../helpers/tls-command.js';

describe('kyman tls client against openssl s_server', function () {
  this.timeout(60_000);
  const { t, db, caPem, otherCaPem, serverPem, serverKey, peers, opensslServerArgs } = tlsCommandSetup();

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
