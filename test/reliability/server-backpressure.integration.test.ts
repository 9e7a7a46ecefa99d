// kyman tls server under clients that send and never read: its resident memory stays bounded, and good clients are served meanwhile.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { connectTcp, waitFor, within } from '../helpers/peers.js';
import { HTTP, abuseKit, closedAfter, pingOpenssl } from '../helpers/server-abuse.js';
import { startKymanServer, tlsCommandSetup } from '../helpers/tls-command.js';

/** What the abusive client offers to send: the figure the server must hold under. */
const OFFERED = 1024 * 1024 * 1024;
const BLOCK = 64 * 1024;
/** The server's resident set must stay below this while a client offers OFFERED bytes. */
const RSS_LIMIT_MB = 200;
/** Kernel buffers on loopback (both directions, both ends) and the server's stream buffers: what a client can push before the server stops taking. */
const TAKEN_LIMIT = 64 * 1024 * 1024;

/** Writes up to `total` bytes at the pace the socket takes them (a counting pattern, hashed), until done or stopped. */
function writer(socket: tls.TLSSocket | import('node:net').Socket, total: number) {
  const hash = createHash('sha256');
  const state = { sent: 0, stopped: false, lastProgress: performance.now() };
  const pump = () => {
    while (!state.stopped && state.sent < total) {
      const block = Buffer.alloc(BLOCK, (state.sent / BLOCK) & 0xff);
      hash.update(block);
      state.sent += BLOCK;
      state.lastProgress = performance.now();
      if (!socket.write(block)) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  socket.on('error', () => undefined);
  pump();
  return {
    state,
    /** Resolves once nothing more has been taken for `quietMs` (or all was), bounded by `ms`. */
    stalled: (quietMs: number, ms: number) => waitFor(() => state.sent >= total || performance.now() - state.lastProgress > quietMs, ms),
    stop: () => {
      state.stopped = true;
      return hash.digest('hex');
    },
  };
}

describe('kyman tls server: backpressure', function () {
  this.timeout(60_000);
  const { db, caPem, peers, servers } = tlsCommandSetup();
  const { sockets, sampleResident, goodClientsThroughout } = abuseKit();

  it('echo: a client that offers 1 GiB and never reads holds the server under 200 MB; it gets every byte back once it reads; good clients are served throughout', async () => {
    const server = await startKymanServer(['--db', db, '--reply', 'echo']);
    servers.push(server);
    const ca = readFileSync(caPem);
    const rss = sampleResident(server.proc.pid!);
    const good = goodClientsThroughout(server.port, ca);
    const hog = tls.connect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost' });
    sockets.push(hog);
    await within(5000, new Promise((r) => hog.once('secureConnect', r)), 'the hog handshake');
    const w = writer(hog, OFFERED);
    await w.stalled(1500, 20_000);
    await pingOpenssl(server.port, caPem, peers);
    const peak = rss.stop();
    const sent = w.state.sent;
    const sentHash = w.stop();
    const { served, failures } = await good.stop();
    assert.ok(peak < RSS_LIMIT_MB, `server RSS peaked at ${peak.toFixed(0)} MB`);
    assert.ok(sent < TAKEN_LIMIT, `the server took ${(sent / 2 ** 20).toFixed(0)} MiB from a client that did not read`);
    assert.deepEqual(failures, []);
    assert.ok(served >= 3, `only ${served} good clients in the run`);
    // Nothing was dropped while reading was paused: everything sent comes back, in order.
    const back = createHash('sha256');
    let received = 0;
    hog.on('data', (d: Buffer) => {
      back.update(d);
      received += d.length;
    });
    await waitFor(() => received >= sent, 20_000);
    assert.equal(received, sent);
    assert.equal(back.digest('hex'), sentHash);
    hog.destroy();
  });

  it('http: a client that keeps sending after its request and never reads is closed, the server under 200 MB', async () => {
    const server = await startKymanServer(['--db', db, '--reply', 'http']);
    servers.push(server);
    const ca = readFileSync(caPem);
    const rss = sampleResident(server.proc.pid!);
    const good = goodClientsThroughout(server.port, ca, HTTP);
    const hog = tls.connect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost' });
    sockets.push(hog);
    await within(5000, new Promise((r) => hog.once('secureConnect', r)), 'the hog handshake');
    hog.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const w = writer(hog, OFFERED);
    const closed = await closedAfter(hog, 10_000);
    w.stop();
    await pingOpenssl(server.port, caPem, peers, HTTP);
    const { failures } = await good.stop();
    const peak = rss.stop();
    assert.ok(closed < 5000, `closed after ${closed.toFixed(0)} ms`);
    assert.ok(peak < RSS_LIMIT_MB, `server RSS peaked at ${peak.toFixed(0)} MB`);
    assert.deepEqual(failures, []);
  });

  it('raw socket: 1 GiB offered into a handshake that never finishes is cut off, the server under 200 MB', async () => {
    const server = await startKymanServer(['--db', db]);
    servers.push(server);
    const ca = readFileSync(caPem);
    const rss = sampleResident(server.proc.pid!);
    const good = goodClientsThroughout(server.port, ca);
    const raw = await connectTcp(server.port);
    sockets.push(raw);
    // A handshake record announcing a ClientHello, then zeros for ever.
    raw.write(Buffer.from('16030140000100fffc0303', 'hex'));
    const w = writer(raw, OFFERED);
    const closed = await closedAfter(raw, 10_000);
    w.stop();
    await pingOpenssl(server.port, caPem, peers);
    const { failures, served } = await good.stop();
    const peak = rss.stop();
    assert.ok(closed < 5000, `closed after ${closed.toFixed(0)} ms`);
    assert.ok(w.state.sent < TAKEN_LIMIT, `the server took ${(w.state.sent / 2 ** 20).toFixed(0)} MiB`);
    assert.ok(peak < RSS_LIMIT_MB, `server RSS peaked at ${peak.toFixed(0)} MB`);
    assert.deepEqual(failures, []);
    assert.ok(served >= 1);
  });
});
