import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { credentialsFromFiles } from '../../../src/core/tools/credential-files.js';
import { provider } from '../../helpers/tls-credentials.js';
import { within } from '../../helpers/peers.js';
import { toolServers } from '../../helpers/tool-servers.js';

describe('test server options and the probe over them', function () {
  this.timeout(30_000);
  const { pki, server, probeOf } = toolServers();
  const settle = async (reports: unknown[], n: number) => within(5000, (async () => { while (reports.length < n) await new Promise((x) => setTimeout(x, 10)); })(), 'reports');

  it('requireHelloRetry: a HelloRetryRequest for another group, with a cookie the client echoes', async () => {
    const { s, reports } = await server({ requireHelloRetry: true });
    const traced: string[] = [];
    const r = await probeOf(s.address.port, { trace: (e) => traced.push(`${e.direction} ${e.message}`) });
    assert.equal(r.helloRetry, true);
    assert.equal(r.group, 'secp256r1');
    assert.deepEqual(traced.slice(0, 3), ['sent ClientHello', 'received HelloRetryRequest', 'sent ClientHello']);
    await settle(reports, 1);
    assert.equal(reports[0].helloRetry, true);
    // A client of one group only: the retry carries the cookie alone, and its share stands.
    const one = await probeOf(s.address.port, { groups: ['x25519'] });
    assert.equal(one.helloRetry, true);
    assert.equal(one.group, 'x25519');
  });

  it('ticketsPerHandshake: 0 leaves a client nothing to resume; a session resumes and says so', async () => {
    const none = await server({ ticketsPerHandshake: 0 });
    const a = await probeOf(none.s.address.port, { awaitSession: true });
    assert.equal(a.session, undefined);
    const some = await server({ ticketsPerHandshake: 2 });
    const b = await probeOf(some.s.address.port, { awaitSession: true });
    assert.ok(b.session);
    const c = await probeOf(some.s.address.port, { session: b.session });
    assert.deepEqual(c.resumption, { offered: true, resumed: true });
    const d = await probeOf(some.s.address.port, { session: b.session, serverName: '127.0.0.1', verify: 'insecure' });
    assert.equal(d.resumption.offered, false);
    assert.match(d.resumption.why ?? '', /for localhost, not 127\.0\.0\.1/);
    const other = await server();
    const e = await probeOf(other.s.address.port, { session: b.session });
    assert.match(e.resumption.why ?? '', /the server did not resume it/);
  });

  it('keyUpdate both ways: the server sends one after the handshake, the probe sends one and sees the answer', async () => {
    const { s, reports } = await server({ keyUpdate: true, reply: 'echo' });
    const traced: string[] = [];
    const r = await probeOf(s.address.port, { keyUpdate: true, send: Buffer.from('after'), trace: (e) => traced.push(`${e.direction} ${e.message}`) });
    assert.equal(Buffer.from(r.reply!.data).toString(), 'after');
    assert.deepEqual(r.keyUpdate, { sent: true, peerUpdated: true });
    assert.ok(traced.includes('sent KeyUpdate') && traced.includes('received KeyUpdate'), traced.join(', '));
    await settle(reports, 1);
    assert.equal(reports[0].keyUpdateSent, true);
  });

  it('credentials from PEM files: the chain in order, and a key that is not the certificate\'s refused', () => {
    const p = pki();
    const c = credentialsFromFiles(provider, readFileSync(p.ecdsa.certFile), readFileSync(p.ecdsa.keyFile), undefined, { cert: 'c', key: 'k' });
    assert.deepEqual(c.certificateChain[0], p.ecdsa.der);
    assert.throws(
      () => credentialsFromFiles(provider, readFileSync(p.ecdsa.certFile), readFileSync(p.rsa.keyFile), undefined, { cert: 'c.pem', key: 'k.pem' }),
      (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT' && /not the key of the first certificate/.test(e.message),
    );
  });
});
