// kyman tls server's --max-conns and its cap on handshakes in progress: the extra connection refused, stalled handshakes giving way, the default sized for the open-file limit, good clients served.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { connectTcp, opensslClient, waitFor, within } from '../helpers/peers.js';
import { STALLED_HANDSHAKE_MS } from '../../src/core/tools/connection-limits.js';
import { abuseKit, closedAfter, pingNode, pingOpenssl } from '../helpers/server-abuse.js';
import { startKymanServer, tlsCommandSetup } from '../helpers/tls-command.js';

/** A ClientHello's first bytes, and no more: a handshake that stalls. */
const STALLED_HELLO = Buffer.from('160301020001000200fc0303', 'hex');

/** A good client, tried a few times while the server notices that a client left. */
async function servedSoon(attempt: () => Promise<void>, tries = 10): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (i === tries) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('kyman tls server: --max-conns and handshakes in progress', function () {
  this.timeout(60_000);
  const { db, caPem, peers, servers } = tlsCommandSetup();
  const { sockets, goodClientsThroughout } = abuseKit();

  it('--max-conns 3: with three clients connected a fourth (Node tls, raw socket) is refused and logged; once one leaves, a good client is served', async () => {
    const server = await startKymanServer(['--db', db, '--max-conns', '3']);
    servers.push(server);
    const ca = readFileSync(caPem);
    const holders = [0, 1].map((i) => {
      const p = opensslClient(server.port, ['-quiet', '-CAfile', caPem, '-verify_return_error', '-servername', 'localhost']);
      peers.push(p);
      p.proc.stdin!.write(`holder ${i}\n`);
      return p;
    });
    await waitFor(() => holders.every((p, i) => p.stdout().toString().includes(`holder ${i}`)), 10_000);
    const third = tls.connect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost' });
    sockets.push(third);
    await within(5000, new Promise((r) => third.once('secureConnect', r)), 'the third handshake');

    const extra = tls.connect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost' });
    sockets.push(extra);
    const refused = await within(5000, new Promise<string>((resolve) => extra.once('secureConnect', () => resolve('served')).once('error', (e) => resolve(e.message))), 'the extra client');
    assert.notEqual(refused, 'served', server.stdout());
    const raw = await connectTcp(server.port);
    sockets.push(raw);
    assert.ok((await closedAfter(raw, 5000)) < 1000);
    assert.equal(server.stdout().match(/refused: 3 connections are open, the most allowed \(--max-conns\)/g)?.length, 2, server.stdout());
    // The three are served on while the extra ones are refused.
    holders[0].proc.stdin!.write('still here\n');
    await waitFor(() => holders[0].stdout().toString().includes('still here'));

    holders[1].stop();
    await servedSoon(() => pingNode(server.port, ca));
    third.destroy();
    await servedSoon(() => pingOpenssl(server.port, caPem, peers));
  });

  it('handshakes in progress give way: at --max-conns 4 with four stalled raw handshakes, good clients are served and the oldest stalled one is closed and logged', async () => {
    const server = await startKymanServer(['--db', db, '--max-conns', '4']);
    servers.push(server);
    const stalled = [];
    for (let i = 0; i < 4; i++) {
      const s = await connectTcp(server.port);
      sockets.push(s);
      s.write(STALLED_HELLO);
      stalled.push(s);
      await new Promise((r) => setTimeout(r, 50));
    }
    const oldest = `${stalled[0].localAddress}:${stalled[0].localPort}`;
    const closed = closedAfter(stalled[0], 5000);
    // Old enough to count as stalled (a fresh handshake does not give way to a newer one).
    await new Promise((r) => setTimeout(r, STALLED_HANDSHAKE_MS));
    await pingNode(server.port, readFileSync(caPem));
    await closed;
    await pingOpenssl(server.port, caPem, peers);
    assert.match(server.stdout(), new RegExp(`${oldest}  closed: the oldest handshake in progress, stalled for [\\d.]+ m?s, to make room for a new connection\\n`));
    assert.doesNotMatch(server.stdout(), /refused/);
  });

  it('the default is sized for the open-file limit: under ulimit -n 200 it leaves room, and 300 silent raw sockets do not shut good clients out', async () => {
    const server = await startKymanServer(['--db', db], {}, ['prlimit', '--nofile=200:200']);
    servers.push(server);
    // The limits line is written just after the listening line, and may arrive in a later chunk.
    await waitFor(() => server.stdout().includes('handshakes in progress'), 5000);
    const m = /limits: handshake 10 s, idle 120 s, (\d+) connections \(open-file limit 200, (\d+) in use\), (\d+) handshakes in progress/.exec(server.stdout());
    assert.ok(m, server.stdout());
    const [max, inUse, pending] = [Number(m[1]), Number(m[2]), Number(m[3])];
    assert.ok(max > 50 && max + inUse + 64 <= 200, `${max} connections with ${inUse} descriptors in use`);
    assert.equal(pending, max);
    const silent = await Promise.all(Array.from({ length: 300 }, () => connectTcp(server.port)));
    sockets.push(...silent);
    // The burst fills every place at once; a place is freed for a good client once a silent handshake has stalled.
    await new Promise((r) => setTimeout(r, STALLED_HANDSHAKE_MS));
    const good = goodClientsThroughout(server.port, readFileSync(caPem));
    await pingOpenssl(server.port, caPem, peers);
    await new Promise((r) => setTimeout(r, 1000));
    const { served, failures } = await good.stop();
    assert.deepEqual(failures, []);
    assert.ok(served >= 3, `${served} good clients`);
    const turnedAway = server.stdout().match(/refused: \d+ connections are open|closed: the oldest handshake in progress/g)?.length ?? 0;
    assert.ok(turnedAway >= 300 - max, `${turnedAway} silent sockets refused or closed`);
    assert.ok(silent.filter((s) => !s.destroyed).length > 0, 'some silent sockets are still held');
    assert.equal(server.proc.exitCode, null);
  });
});
