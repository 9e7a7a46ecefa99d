// Real peers for the interop tests: openssl s_server / s_client on loopback, always stopped, with bounded waits.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { TlsServer, TlsSocket } from '../../src/core/tls/index.js';

/**
 * The peers and kyman sockets a test starts, in lists an interop suite shares: each test's are
 * stopped after it, whether it passed or not.
 */
export function stoppedAfterEach(): { peers: Peer[]; sockets: TlsSocket[] } {
  const peers: Peer[] = [];
  const sockets: TlsSocket[] = [];
  afterEach(() => {
    for (const p of peers.splice(0)) p.stop();
    for (const s of sockets.splice(0)) s.destroy();
  });
  return { peers, sockets };
}

/** A port free a moment ago: openssl -quiet does not say which port it bound, so we choose. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Peer {
  proc: ChildProcess;
  port: number;
  stdout: () => Buffer;
  stderr: () => string;
  exited: Promise<number | null>;
  stop(): void;
}

function track(proc: ChildProcess, port: number): Peer {
  const out: Buffer[] = [];
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => out.push(d));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    port,
    stdout: () => Buffer.concat(out),
    stderr: () => err,
    exited,
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/** openssl s_server on 127.0.0.1 for one connection (-naccept 1); `env` adds to the environment (OPENSSL_CONF). */
export async function opensslServer(args: string[], quiet = true, env: NodeJS.ProcessEnv = {}): Promise<Peer> {
  const port = await freePort();
  const proc = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-naccept', '1', ...(quiet ? ['-quiet'] : []), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const peer = track(proc, port);
  await waitForPort(port, peer);
  return peer;
}

export function opensslClient(port: number, args: string[], env: NodeJS.ProcessEnv = {}): Peer {
  const proc = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  return track(proc, port);
}

async function waitForPort(port: number, peer: Peer): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (peer.proc.exitCode !== null) throw new Error(`openssl exited early: ${peer.stderr()}`);
    // A bare TCP probe would use up the one accept; watch the listening sockets instead.
    const listening = await new Promise<boolean>((resolve) => {
      const p = spawn('ss', ['-ltnH', `sport = :${port}`]);
      let text = '';
      p.stdout.on('data', (d) => (text += d));
      p.on('exit', () => resolve(text.trim().length > 0));
      p.on('error', () => resolve(false));
    });
    if (listening) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`openssl did not listen on ${port} in time: ${peer.stderr()}`);
}

export function connectTcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves when `p` settles, or rejects after `ms`: no test waits forever. */
export function within<T>(ms: number, p: Promise<T>, what = 'operation'): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The first `n` bytes (or more, as they came) a readable delivers, waiting at most `ms`. */
export function readBytes(stream: import('node:stream').Readable, n: number, ms = 10_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  return within(
    ms,
    new Promise<Buffer>((resolve) =>
      stream.on('data', (d: Buffer) => {
        chunks.push(d);
        if ((have += d.length) >= n) resolve(Buffer.concat(chunks));
      }),
    ),
    `${n} bytes`,
  );
}

/**
 * Data both ways between a kyman connection and `openssl s_client -quiet`: `up` hex bytes as one
 * line through its stdin, `down` back to its stdout as kyman closes, which s_client then exits 0 on.
 */
export async function exchangeWithSClient(conn: TlsSocket, peer: Peer, up = 20_000, down = 20_000): Promise<void> {
  const sent = Buffer.from(`${randomBytes(up / 2).toString('hex')}\n`);
  const reading = readBytes(conn, sent.length);
  peer.proc.stdin!.write(sent);
  if (sha256(await reading) !== sha256(sent)) throw new Error('what s_client sent arrived changed');
  const back = Buffer.from(`${randomBytes(down / 2).toString('hex')}\n`);
  conn.end(back);
  const code = await within(10_000, peer.exited, 's_client exit');
  if (code !== 0) throw new Error(`s_client exited ${code}: ${peer.stderr()}`);
  if (sha256(peer.stdout()) !== sha256(back)) throw new Error('what kyman sent arrived changed');
}

/** A Node `tls` server on 127.0.0.1 (any free port) that echoes what each connection sends. */
export async function nodeTlsEchoServer(options: tls.TlsOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = tls.createServer(options, (s) => s.pipe(s));
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Writes `size` random bytes and checks, by checksum, that the same come back (from an echoing peer). */
export async function expectEcho(socket: import('node:stream').Duplex, size: number): Promise<void> {
  const data = randomBytes(size);
  const echoed = readBytes(socket, size);
  socket.write(data);
  if (sha256(await echoed) !== sha256(data)) throw new Error('the echo differs from what was sent');
}

/** Ends `from` with `size` random bytes and checks, by checksum, that `to` reads exactly those to its end. */
export async function expectDeliveredThenEnd(from: { end(data: Uint8Array): unknown }, to: import('node:stream').Readable, size: number): Promise<void> {
  const data = randomBytes(size);
  const got = collect(to);
  from.end(data);
  if (sha256(await within(10_000, got, `${size} bytes and the end`)) !== sha256(data)) throw new Error('what arrived differs from what was sent');
}

/** Collects a readable's data and resolves at its end (or rejects on error). */
export function collect(stream: import('node:stream').Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d));
  return new Promise((resolve, reject) => {
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', (e: Error) => reject(e));
  });
}

export const hasCommand = (cmd: string) =>
  new Promise<boolean>((resolve) => {
    const p = spawn(cmd, ['version']);
    p.on('error', () => resolve(false));
    p.on('exit', (c) => resolve(c === 0));
  });

/**
 * gnutls-serv on a free port until stopped. It has no option to bind one address, so it listens on
 * every interface for the few hundred milliseconds a test runs; waits (bounded) for its "listening" line.
 */
/**
 * A Unix-socket-to-TCP bridge run inside gnutls-serv's network namespace: it forwards each
 * connection on `socketPath` to 127.0.0.1:port there, and exits when its parent does.
 */
const BRIDGE = `
const net = require('node:net');
const [socketPath, port] = process.argv.slice(1);
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 200).unref();
net.createServer((c) => { const t = net.connect(Number(port), '127.0.0.1'); c.pipe(t).pipe(c); c.on('error', () => t.destroy()); t.on('error', () => c.destroy()); }).listen(socketPath, () => process.stderr.write('bridge ready\\n'));
`;

/**
 * gnutls-serv, which has no option to choose its listening address and so binds every
 * interface: it runs in a network namespace of its own whose only interface is loopback, and
 * tests reach it through a Unix socket (`peer.socketPath`, see connectPeer) bridged into it.
 */
export async function gnutlsServer(args: string[]): Promise<Peer> {
  const port = 4433;
  const socketPath = path.join(os.tmpdir(), `kyman-gnutls-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.sock`);
  // sh -c SCRIPT sh NODE BRIDGE SOCKET PORT -p PORT ARGS…: the bridge in the background, then gnutls-serv in its place.
  const script = 'ip link set lo up || exit 1; "$1" -e "$2" "$3" "$4" & shift 4; exec gnutls-serv "$@"';
  const proc = spawn('unshare', ['--net', '--fork', '--kill-child', 'sh', '-c', script, 'sh', process.execPath, BRIDGE, socketPath, String(port), '-p', String(port), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const base = track(proc, port);
  const peer = {
    ...base,
    socketPath,
    stop: () => {
      base.stop();
      fs.rmSync(socketPath, { force: true });
    },
  };
  const deadline = Date.now() + 5000;
  // Both must be listening: gnutls-serv says so on stdout, the bridge on stderr once listen() has returned.
  while (!/IPv4 .*done/.test(peer.stdout().toString() + peer.stderr()) || !/bridge ready/.test(peer.stderr())) {
    if (proc.exitCode !== null) throw new Error(`gnutls-serv exited early: ${peer.stderr()}${peer.stdout().toString()}`);
    if (Date.now() > deadline) throw new Error(`gnutls-serv did not listen in time: ${peer.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return peer;
}

/** A connection to a peer: through its Unix socket bridge when it has one, else TCP on 127.0.0.1. */
export function connectPeer(peer: Peer & { socketPath?: string }): Promise<net.Socket> {
  if (!peer.socketPath) return connectTcp(peer.port);
  return new Promise((resolve, reject) => {
    const s = net.connect(peer.socketPath!, () => resolve(s));
    s.once('error', reject);
  });
}

/** gnutls-cli to 127.0.0.1:port; what it reads from stdin it sends, what it receives goes to stdout, its log to `logfile`. */
export function gnutlsClient(port: number, args: string[], logfile: string): Peer {
  const proc = spawn('gnutls-cli', ['-p', String(port), '--logfile', logfile, ...args, '127.0.0.1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  return track(proc, port);
}

/** The six TLS 1.2 suites, with OpenSSL's names (what openssl -cipher and Node's `ciphers` take) and the certificate kind each needs. */
export const TLS12_SUITES = [
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ecdsa'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ecdsa'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ecdsa'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'rsa'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'rsa'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305', 'rsa'],
] as const;

/** kyman's group names beside OpenSSL's. */
export const TLS12_GROUPS = [
  ['x25519', 'X25519'],
  ['secp256r1', 'P-256'],
  ['secp384r1', 'P-384'],
] as const;

/** Waits (bounded, polling every 10 ms) until `cond` holds. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A kyman TLS server listening on 127.0.0.1 (any free port) for a test. */
export interface KymanTestServer {
  port: number;
  /** Every connection accepted so far. */
  conns: TlsSocket[];
  /** The next connection not yet handed out, waiting (bounded) for it. */
  next(): Promise<TlsSocket>;
  /** Ends every connection (a failed assertion may leave one open) and stops listening. */
  close(): Promise<void>;
}

/** `onConnection` sees each accepted connection too (a suite's own clean-up list, say). */
export async function listenKyman(tls: TlsServer, onConnection?: (c: TlsSocket) => void): Promise<KymanTestServer> {
  const conns: TlsSocket[] = [];
  let handedOut = 0;
  const server = net.createServer((s) => {
    const c = tls.accept(s);
    c.on('error', () => undefined);
    conns.push(c);
    onConnection?.(c);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    conns,
    async next() {
      await waitFor(() => conns.length > handedOut);
      return conns[handedOut++];
    },
    close() {
      for (const c of conns) c.destroy();
      return within(5000, new Promise<void>((r) => server.close(() => r())), 'server close');
    },
  };
}
