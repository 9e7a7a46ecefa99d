// kyman tls server / tls client --suites with the opt-in suites: CBC named is served and warned of (one line), CCM named is served, the AEAD defaults warn of nothing.

import assert from 'node:assert/strict';
import { kyman, kymanJson } from '../../helpers/cli.js';
import { opensslClient, within } from '../../helpers/peers.js';
import { startKymanServer, tlsCommandSetup } from '../../helpers/tls-command.js';

const CBC_WARNING = /^warning: --suites TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: CBC with HMAC is weaker than the AEAD suites \(padding oracles, Lucky 13\); use it only to test old peers$/m;

describe('kyman tls --suites with CBC and CCM suites', function () {
  this.timeout(60_000);
  const { db, caPem, peers, servers } = tlsCommandSetup();

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
});
