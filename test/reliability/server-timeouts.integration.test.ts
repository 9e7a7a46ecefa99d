// kyman tls server's handshake and idle timeouts: slowloris and silent clients (raw sockets, Node's tls, openssl s_client) closed on time, good clients served throughout.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { connectTcp, opensslClient, waitFor, within } from '../helpers/peers.js';
import { HTTP, abuseKit, closedAfter, pingOpenssl } from '../helpers/server-abuse.js';
import { startKymanServer, tlsCommandSetup } from '../helpers/tls-command.js';

/** The start of a real ClientHello: a handshake record header, then the message's type and length. */
const CLIENT_HELLO_START = Buffer.from('160301020001000200fc0303', 'hex');
/** Timers fire late on a busy machine; a close may come this much after its deadline and still be on time. */
const LATE_MS = 2000;

/** Writes `bytes` one at a time, every `everyMs`, until they run out or the socket closes. */
function trickle(socket: net.Socket | tls.TLSSocket, bytes: Buffer, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= bytes.length) clearInterval(timer);
    else socket.write(bytes.subarray(i, ++i));
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

/** How the server names a client's connection in its log: read while the socket is open. */
const remoteOf = (s: net.Socket) => `${s.localAddress}:${s.localPort}`;

describe('kyman tls server: handshake and idle timeouts', function () {
  this.timeout(60_000);
  const { db, caPem, peers, servers } = tlsCommandSetup();
  const { sockets, goodClientsThroughout } = abuseKit();

  it('raw socket: a slowloris ClientHello, a byte a second, is closed at --handshake-timeout; good clients are served throughout', async () => {
    const server = await startKymanServer(['--db', db, '--handshake-timeout', '3']);
    servers.push(server);
    const good = goodClientsThroughout(server.port, readFileSync(caPem));
    const slow = await connectTcp(server.port);
    sockets.push(slow);
    const remote = remoteOf(slow);
    trickle(slow, Buffer.concat([CLIENT_HELLO_START, Buffer.alloc(600)]), 1000);
    const closed = closedAfter(slow, 3000 + LATE_MS + 5000);
    await pingOpenssl(server.port, caPem, peers);
    const ms = await closed;
    const { served, failures } = await good.stop();
    assert.ok(ms > 2800 && ms < 3000 + LATE_MS, `closed after ${ms.toFixed(0)} ms`);
    assert.match(server.stdout(), new RegExp(`${remote}  closed: no handshake within 3 s \\(--handshake-timeout\\)`));
    assert.deepEqual(failures, []);
    assert.ok(served >= 5, `${served} good clients`);
  });

  it('raw sockets: 200 that connect and send nothing are all closed at --handshake-timeout; good clients are served throughout', async () => {
    const server = await startKymanServer(['--db', db, '--handshake-timeout', '2']);
    servers.push(server);
    const good = goodClientsThroughout(server.port, readFileSync(caPem));
    const silent = await Promise.all(Array.from({ length: 200 }, () => connectTcp(server.port)));
    sockets.push(...silent);
    const times = await Promise.all(silent.map((s) => closedAfter(s, 2000 + LATE_MS + 5000)));
    const { served, failures } = await good.stop();
    assert.ok(Math.min(...times) > 1800, `the first closed after ${Math.min(...times).toFixed(0)} ms`);
    assert.ok(Math.max(...times) < 2000 + LATE_MS, `the last closed after ${Math.max(...times).toFixed(0)} ms`);
    assert.equal(server.stdout().match(/closed: no handshake within 2 s \(--handshake-timeout\)/g)?.length, 200);
    assert.deepEqual(failures, []);
    assert.ok(served >= 3, `${served} good clients`);
  });

  it('openssl s_client: silent after its handshake, it is closed at --idle-timeout; one that types every 0.7 s is served on', async () => {
    const server = await startKymanServer(['--db', db, '--idle-timeout', '2']);
    servers.push(server);
    const started = performance.now();
    const idle = opensslClient(server.port, ['-CAfile', caPem, '-verify_return_error', '-servername', 'localhost']);
    peers.push(idle);
    const typist = opensslClient(server.port, ['-quiet', '-CAfile', caPem, '-verify_return_error', '-servername', 'localhost']);
    peers.push(typist);
    for (let i = 0; i < 6; i++) {
      typist.proc.stdin!.write(`line ${i}\n`);
      await new Promise((r) => setTimeout(r, 700));
    }
    await within(2000 + LATE_MS + 5000, idle.exited, 'the idle openssl s_client');
    const ms = performance.now() - started;
    assert.ok(ms > 1800 && ms < 2000 + LATE_MS + 1000, `the idle client was closed after ${ms.toFixed(0)} ms`);
    assert.match(idle.stdout().toString(), /^closed$/m);
    await waitFor(() => typist.stdout().toString().includes('line 5'));
    assert.equal(typist.proc.exitCode, null, 'the typing client is still connected');
    assert.equal(server.stdout().match(/closed: idle for 2 s \(--idle-timeout\)/g)?.length, 1, server.stdout());
  });

  it('Node tls: an HTTP request head sent a byte every 0.5 s after the handshake is closed at --handshake-timeout; good HTTP clients are served throughout', async () => {
    const server = await startKymanServer(['--db', db, '--reply', 'http', '--handshake-timeout', '2', '--idle-timeout', '30']);
    servers.push(server);
    const good = goodClientsThroughout(server.port, readFileSync(caPem), HTTP);
    const slow = tls.connect({ host: '127.0.0.1', port: server.port, ca: readFileSync(caPem), servername: 'localhost' });
    sockets.push(slow);
    await within(5000, new Promise((r) => slow.once('secureConnect', r)), 'the slow client handshake');
    const remote = remoteOf(slow);
    const closed = closedAfter(slow, 2000 + LATE_MS + 5000);
    trickle(slow, Buffer.from(HTTP.send), 500);
    const ms = await closed;
    const { served, failures } = await good.stop();
    assert.ok(ms > 1800 && ms < 2000 + LATE_MS, `closed after ${ms.toFixed(0)} ms`);
    assert.match(server.stdout(), new RegExp(`${remote}  closed: no whole HTTP request head within 2 s \\(--handshake-timeout\\)`));
    assert.deepEqual(failures, []);
    assert.ok(served >= 3, `${served} good clients`);
  });
});
