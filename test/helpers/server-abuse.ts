// What the server reliability tests share: the server's resident memory, timing a close, and good clients (Node's tls, openssl s_client) that must be served while others abuse the server.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { opensslClient, waitFor, within, type Peer } from './peers.js';

/** VmRSS of a process in MB, from /proc/PID/status. */
export function residentMB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, `no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

/**
 * What a server reliability test leaves running — RSS samplers, good-client loops, abusive sockets —
 * stopped after each test, whether it passed or not (a loop left running would keep mocha from exiting).
 * Call inside a describe.
 */
export function abuseKit() {
  const stops: Array<() => unknown> = [];
  const sockets: Array<net.Socket | tls.TLSSocket> = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const stop of stops.splice(0)) await stop();
  });
  return {
    /** Sockets of abusive clients: destroyed after the test. */
    sockets,
    sampleResident(pid: number, everyMs?: number) {
      const s = sampleResident(pid, everyMs);
      stops.push(s.stop);
      return s;
    },
    goodClientsThroughout(port: number, ca: Buffer, exchange?: Exchange, everyMs?: number) {
      const g = goodClientsThroughout(port, ca, exchange, everyMs);
      stops.push(g.stop);
      return g;
    },
  };
}

/** Samples a process's RSS every `everyMs` until stopped; `stop` gives the peak in MB. */
function sampleResident(pid: number, everyMs = 100): { peak: () => number; stop: () => number } {
  let peak = residentMB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, residentMB(pid));
    } catch {
      // The process is gone: the test's own assertions say why.
    }
  }, everyMs);
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/** Milliseconds from now until `socket` closes, bounded by `ms`. */
export function closedAfter(socket: net.Socket | tls.TLSSocket, ms: number): Promise<number> {
  const t0 = performance.now();
  socket.on('error', () => undefined);
  return within(ms, new Promise<number>((resolve) => (socket.destroyed ? resolve(0) : socket.once('close', () => resolve(performance.now() - t0)))), 'the server closing the connection');
}

/** What a good client sends, and what it must get back. */
export interface Exchange {
  send: string;
  expect: string;
}
export const ECHO: Exchange = { send: 'ping', expect: 'ping' };
export const HTTP: Exchange = { send: 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n', expect: 'HTTP/1.1 200 OK' };

/** One good client: Node's tls, the chain checked against `ca`, the exchange made, then a clean end. */
export async function pingNode(port: number, ca: Buffer, exchange = ECHO): Promise<void> {
  const c = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
  try {
    await within(5000, new Promise<void>((resolve, reject) => c.once('secureConnect', resolve).once('error', reject)), 'a good client handshake');
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString()));
    c.write(exchange.send);
    await waitFor(() => got.includes(exchange.expect), 5000).catch(() => assert.fail(`a good client got ${JSON.stringify(got)}`));
  } finally {
    c.end();
    c.destroy();
  }
}

/** A good client with openssl s_client (the chain verified): the exchange made (by default a line echoed). The peer joins `peers` to be stopped. */
export async function pingOpenssl(port: number, caPem: string, peers: Peer[], exchange: Exchange = { send: 'ping from openssl\n', expect: 'ping from openssl' }): Promise<void> {
  const client = opensslClient(port, ['-quiet', '-CAfile', caPem, '-verify_return_error', '-servername', 'localhost']);
  peers.push(client);
  client.proc.stdin!.write(exchange.send);
  await waitFor(() => client.stdout().toString().includes(exchange.expect), 10_000).catch(() => assert.fail(`openssl s_client got no answer: ${client.stderr()}`));
  client.stop();
}

/**
 * Good clients one after another, every `everyMs`, until stopped: each must be served (handshake and
 * echo). `stop` waits for the one in flight and gives how many were served and what failed.
 */
function goodClientsThroughout(port: number, ca: Buffer, exchange = ECHO, everyMs = 250): { stop: () => Promise<{ served: number; failures: string[] }> } {
  let running = true;
  let served = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        await pingNode(port, ca, exchange);
        served++;
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
      }
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - t0))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { served, failures };
    },
  };
}
