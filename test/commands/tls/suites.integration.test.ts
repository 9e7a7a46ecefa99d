// kyman tls server / tls client --suites with the opt-in suites: CBC and DHE named are served and warned of (one line each), CCM named is served, the AEAD defaults warn of nothing.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kyman, kymanJson } from '../../helpers/cli.js';
import { opensslClient, opensslServer, within } from '../../helpers/peers.js';
import { startKymanServer, tlsCommandSetup } from '../../helpers/tls-command.js';
import { makePki } from '../../helpers/tls-credentials.js';

const CBC_WARNING = /^warning: --suites TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: CBC with HMAC is weaker than the AEAD suites \(padding oracles, Lucky 13\); use it only to test old peers$/m;

const DHE_WARNING = /^warning: --suites TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: finite-field DHE is slower than ECDHE, and a TLS 1.2 client that does not know RFC 7919 takes any group the server sends; use it only to test old peers$/m;

/** Runs a helper program to the end; its exit status. */
const runTool = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status;

describe('kyman tls --suites with CBC, DHE and CCM suites', function () {
  this.timeout(60_000);
  const { t, db, caPem, peers, servers } = tlsCommandSetup();

  it('tls server --suites TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: one warning line, and openssl s_client -cipher ECDHE-ECDSA-AES128-SHA is served', async () => {
    const server = await startKymanServer(['--db', db, '--once', '--suites', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA']);
    servers.push(server);
    const client = opensslClient(server.port, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA', '-CAfile', caPem, '-verify_return_error', '-servername', 'localhost']);
    peers.push(client);
    client.proc.stdin!.end('hello\n');
    assert.equal(await within(15_000, server.exited, 'kyman tls server --once'), 0, server.stderr());
    assert.match(server.stderr(), CBC_WARNING);
    assert.equal(server.stderr().match(/warning:/g)?.length, 1, server.stderr());
    assert.match(server.stdout(), /TLSv1\.2\s+TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA\s/);
  });

  it('tls client --suites with a CBC suite warns, and with a CCM suite does not; both connect to a server that names them', async () => {
    const server = await startKymanServer(['--db', db, '--suites', 'TLS_AES_128_CCM_8_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA']);
    servers.push(server);
    const cbc = kymanJson(['tls', 'client', `localhost:${server.port}`, '--ca-file', caPem, '--suites', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA']);
    assert.equal(cbc.__status, 0, cbc.__stderr);
    assert.equal(cbc.cipherSuite, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA');
    assert.match(cbc.__stderr, CBC_WARNING);
    const ccm = kyman(['tls', 'client', `localhost:${server.port}`, '--ca-file', caPem, '--suites', 'TLS_AES_128_CCM_8_SHA256']);
    assert.equal(ccm.status, 0, ccm.stderr);
    assert.match(ccm.stdout, /TLS_AES_128_CCM_8_SHA256/);
    assert.doesNotMatch(ccm.stderr, /warning:/);
  });

  it('tls client --suites TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: one DHE warning line, and openssl s_server -cipher DHE-RSA-AES128-GCM-SHA256 in ffdhe2048 is reached', async () => {
    const pki = await makePki();
    try {
      const dhparam = t.file('ffdhe2048.pem');
      assert.equal(runTool('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', dhparam]), 0);
      const server = await opensslServer(['-tls1_2', '-cert', pki.rsa.certFile, '-key', pki.rsa.keyFile, '-cipher', 'DHE-RSA-AES128-GCM-SHA256', '-dhparam', dhparam]);
      peers.push(server);
      const r = kymanJson(['tls', 'client', `localhost:${server.port}`, '--ca-file', pki.root.certFile, '--suites', 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256']);
      assert.equal(r.__status, 0, r.__stderr);
      assert.equal(r.cipherSuite, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256');
      assert.equal(r.group, 'ffdhe2048');
      assert.match(r.__stderr, DHE_WARNING);
      assert.equal(r.__stderr.match(/warning:/g)?.length, 1, r.__stderr);
    } finally {
      pki.cleanup();
    }
  });
});
