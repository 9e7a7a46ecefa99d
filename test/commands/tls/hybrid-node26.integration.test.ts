// kyman tls client and tls server with Node 26 (OpenSSL 3.5) as the peer: the post-quantum hybrid named in the summaries and the trace.

import assert from 'node:assert/strict';
import { kyman, kymanJson } from '../../helpers/cli.js';
import { node26Path, type Node26Peer } from '../../helpers/node26.js';
import { node26TlsClient, node26TlsServer } from '../../helpers/node26-tls.js';
import { startKymanServer, tlsCommandSetup } from '../../helpers/tls-command.js';

describe('kyman tls client and server with Node 26: X25519MLKEM768', function () {
  this.timeout(60_000);
  const { db, caPem, serverPem, serverKey, servers } = tlsCommandSetup();
  const nodes: Node26Peer[] = [];
  before(function () {
    if (!node26Path()) this.skip();
  });
  afterEach(() => nodes.splice(0).forEach((p) => p.stop()));

  it('tls client names the hybrid in its summary, the HelloRetryRequest that led to it, and the trace', async () => {
    const { peer, port } = await node26TlsServer(serverPem, serverKey, 'X25519MLKEM768');
    nodes.push(peer);
    const r = kyman(['tls', 'client', `localhost:${port}`, '--ca-file', caPem]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^group\s+X25519MLKEM768$/m);
    const retried = kyman(['tls', 'client', `localhost:${port}`, '--ca-file', caPem, '--groups', 'x25519,X25519MLKEM768', '--trace']);
    assert.equal(retried.status, 0, retried.stderr);
    assert.match(retried.stdout, /^group\s+X25519MLKEM768 \(after a HelloRetryRequest\)$/m);
    assert.match(retried.stdout + retried.stderr, /selected_group X25519MLKEM768/);
    const j = kymanJson(['tls', 'client', `localhost:${port}`, '--ca-file', caPem]);
    assert.equal(j.group, 'X25519MLKEM768');
  });

  it('tls server names the hybrid on the connection line of a Node 26 client', async () => {
    const server = await startKymanServer(['--db', db, '--once']);
    servers.push(server);
    const got = await node26TlsClient(server.port, undefined, (p) => nodes.push(p));
    assert.equal(got.key?.name, 'X25519MLKEM768', JSON.stringify(got));
    await server.exited;
    assert.match(server.stdout(), /TLSv1\.3\s+TLS_\w+\s+X25519MLKEM768\s/);
  });
});
