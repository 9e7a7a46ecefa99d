// The TLS bench over the engine: what it measures and reports, never how fast (DESIGN.md: speed is for benchmarks, not tests).

import assert from 'node:assert/strict';
import {
  benchCredentials,
  benchSession,
  kymanBenchServer,
  kymanHandshakeClient,
  measureHandshakes,
  runTlsBench,
  type BenchServer,
  type TlsBenchPhase,
} from '../../../src/core/tools/tls-bench.js';
import { KymanError } from '../../../src/core/errors.js';
import { within } from '../../helpers/peers.js';

describe('tls bench', function () {
  this.timeout(60_000);
  const servers: BenchServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('with resumed, times as many resumed handshakes as full ones, reports progress for each phase, and compares them', async () => {
    const progress: Array<[TlsBenchPhase, number, number]> = [];
    const result = await within(30_000, runTlsBench({ handshakes: 4, resumed: true, bulkMegabytes: 1, onProgress: (p, d, t) => progress.push([p, d, t]) }));
    assert.equal(result.handshakes.handshakes, 4);
    assert.ok(result.resumed, 'a resumed figure');
    assert.equal(result.resumed.handshakes, 4);
    assert.ok(result.resumed.perSecond > 0 && result.handshakes.perSecond > 0);
    assert.equal(result.resumed.speedup, result.resumed.perSecond / result.handshakes.perSecond);
    assert.deepEqual(
      progress.filter(([p]) => p === 'resumed').map(([, d, t]) => `${d}/${t}`),
      ['1/4', '2/4', '3/4', '4/4'],
    );
    // The phases in order: the full handshakes, the resumed ones, then the transfer.
    assert.deepEqual([...new Set(progress.map(([p]) => p))], ['handshakes', 'resumed', 'bulk']);
    assert.equal(result.bulk?.cipherSuite, 'TLS_AES_128_GCM_SHA256');
  });

  it('times as many full handshakes with X25519MLKEM768 in the same run, beside the X25519 ones', async () => {
    const result = await within(30_000, runTlsBench({ handshakes: 3, bulkMegabytes: 0 }));
    assert.equal(result.group, 'x25519');
    assert.equal(result.hybrid.group, 'X25519MLKEM768');
    assert.equal(result.hybrid.handshakes, 3);
    assert.ok(result.hybrid.perSecond > 0);
    assert.equal(result.hybrid.relative, result.hybrid.perSecond / result.handshakes.perSecond);
  });

  it('without resumed, reports no resumed figure', async () => {
    const result = await within(30_000, runTlsBench({ handshakes: 2, bulkMegabytes: 0 }));
    assert.equal(result.resumed, undefined);
    assert.equal(result.bulk, undefined);
  });

  it('a server that declines the ticket fails the resumed measurement instead of timing full handshakes', async () => {
    const creds = await benchCredentials();
    const issuer = await kymanBenchServer(creds, 'handshake');
    const other = await kymanBenchServer(creds, 'handshake');
    servers.push(issuer, other);
    const session = await within(10_000, benchSession(issuer.port, creds));
    // Another server's ticket does not open there (its ticket key differs): a full handshake.
    const e = await within(10_000, measureHandshakes(other.port, kymanHandshakeClient(creds, session), 2).then(() => undefined, (err: unknown) => err));
    assert.ok(e instanceof KymanError && /did not resume/.test(e.message), String(e));
  });

  it('a server that issues no tickets is reported, not waited on', async () => {
    const creds = await benchCredentials();
    const server = await kymanBenchServer(creds, 'handshake', { resumption: false });
    servers.push(server);
    const e = await within(10_000, benchSession(server.port, creds).then(() => undefined, (err: unknown) => err));
    assert.ok(e instanceof KymanError && /no session ticket/.test(e.message), String(e));
  });

  it('with pskKe, times psk_ke resumptions (no key share) and says so', async () => {
    const result = await within(30_000, runTlsBench({ handshakes: 3, pskKe: true, bulkMegabytes: 0 }));
    assert.equal(result.resumed?.handshakes, 3);
    assert.equal(result.resumed?.pskKeyExchange, 'psk_ke');
  });

  it('a psk_ke client on a server that does not allow psk_ke fails the measurement, as psk_dhe_ke would not be what was asked', async () => {
    const creds = await benchCredentials();
    const server = await kymanBenchServer(creds, 'handshake');
    servers.push(server);
    const session = await within(10_000, benchSession(server.port, creds));
    const e = await within(10_000, kymanHandshakeClient(creds, session, ['x25519'], 'psk_ke')(server.port).then(() => undefined, (err: unknown) => err));
    assert.ok(e instanceof KymanError && /did not resume/.test(e.message), String(e));
  });
});
