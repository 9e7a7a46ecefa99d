// TLS server cost: kyman's server beside Node's tls server (and plain TCP), each in a process of its own, driven by the same outside client; server CPU per handshake and per MiB.

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { softwareProvider } from '../src/core/crypto/software.js';
import { failed } from '../src/core/errors.js';
import { createCertificate } from '../src/core/pki/certificate/index.js';
import { encodePem } from '../src/core/pki/pem.js';
import { HYBRID_BENCH_GROUP, benchSession, writeInBlocks, kymanHandshakeClient, type BenchCredentials, type HandshakeClient } from '../src/core/tools/tls-bench.js';
import type { Figure } from './report.js';

/**
 * Seconds of `openssl s_time` per turn, and turns per figure (taken in turns with the reference,
 * each server going first equally often). Short turns and many: on a shared machine the CPU a
 * handshake costs drifts by ±15% over tens of seconds, and two servers measured in alternate
 * seconds see the same drift.
 */
const S_TIME_SECONDS = 1;
const ROUNDS = 8;
/** Handshakes per turn with the in-process clients (Node's tls client, kyman's client for psk_ke). */
const CLIENT_HANDSHAKES = 150;
/** Not counted: each server is timed warm (V8 optimises its JavaScript as it goes). */
const WARMUP_HANDSHAKES = 150;
/**
 * Seconds of `openssl s_time -new`, then `-reuse`, each server gets before its handshakes are timed.
 * V8 goes on optimising a server's JavaScript for several seconds of handshakes (kyman's server
 * settled after some 8 s here, about 6,000 handshakes; its first 2 s cost 1.35× its later ones), and
 * that compiling runs on V8's own threads, which count in the process's CPU: a short warm-up would
 * time the compiler as much as the server.
 */
const WARMUP_SECONDS = { new: 8, reuse: 3 };
/** MiB echoed per turn, and once before the first turn to warm up. */
const BULK_MB = 32;
const BULK_WARMUP_MB = 32;
/**
 * Turns per bulk figure. A server's CPU per MiB depends on how the client's bytes arrive, and the
 * turn that follows another server's is the one that finds the client busiest (its garbage from the
 * turn before), so the servers take the first place in turn: with three servers, a multiple of three.
 */
const BULK_ROUNDS = 6;

type Impl = 'kyman' | 'node' | 'tcp';
type KeyKind = 'ECDSA P-256' | 'RSA-2048';

interface Credentials extends BenchCredentials {
  certFile: string;
  keyFile: string;
  pem: string;
}

/** A server process: its port, and its CPU time so far (µs, user + system) as it reports it. */
interface ServerProcess {
  port: number;
  cpu(): Promise<number>;
  close(): void;
}

/**
 * The server program, compiled once a run from bench/tls-server.ts as the build compiles kyman: one
 * ES module, and no `keepNames` (which renames every closure as it is made). Run under tsx instead,
 * the engine would be tsx's transform of the sources, which does keep names; at each handshake
 * that cost kyman's server some 7% here.
 */
const serverPrograms = new Map<string, Promise<string>>();
function compiledServer(dir: string): Promise<string> {
  let program = serverPrograms.get(dir);
  if (!program) {
    const outfile = path.join(dir, 'tls-server.mjs');
    program = build({ entryPoints: [path.resolve('bench/tls-server.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' }).then(() => outfile);
    serverPrograms.set(dir, program);
  }
  return program;
}

async function startServer(impl: Impl, mode: 'handshake' | 'echo', creds: Credentials, allowPskKe = false): Promise<ServerProcess> {
  // Its own plain Node, not the bench's tsx loader (see compiledServer).
  const child: ChildProcess = fork(await compiledServer(path.dirname(creds.certFile)), [impl, mode, creds.certFile, creds.keyFile, ...(allowPskKe ? ['allow-psk-ke'] : [])], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(failed(`the ${impl} bench server exited (${code}) before it listened`)));
    child.once('message', (m: { port: number }) => {
      child.removeAllListeners('exit');
      resolve({
        port: m.port,
        cpu: () =>
          new Promise((res) => {
            child.once('message', (r: { cpu: number }) => res(r.cpu));
            child.send({ cpu: true });
          }),
        close: () => child.disconnect(),
      });
    });
  });
}

async function credentials(dir: string, kind: KeyKind): Promise<Credentials> {
  const provider = softwareProvider();
  const key = await provider.generateKeyPair(kind === 'RSA-2048' ? { type: 'rsa', bits: 2048 } : { type: 'ec', curve: 'P-256' });
  const certificate = await createCertificate(provider, { subject: 'CN=localhost', subjectKey: key, subjectAltNames: ['dns:localhost', 'ip:127.0.0.1'], days: 1 });
  const name = kind === 'RSA-2048' ? 'rsa' : 'ecdsa';
  const certFile = path.join(dir, `${name}.der`);
  const keyFile = path.join(dir, `${name}.pk8`);
  writeFileSync(certFile, certificate);
  writeFileSync(keyFile, provider.exportPrivateKey(key));
  return { certificate, privateKey: key, provider, certFile, keyFile, pem: encodePem('CERTIFICATE', certificate) };
}

/** A run of the client, and the server CPU (µs) it cost. */
interface Served {
  count: number;
  cpu: number;
  seconds: number;
}

async function measured(server: ServerProcess, run: () => Promise<number>): Promise<Served> {
  const before = await server.cpu();
  const t = performance.now();
  const count = await run();
  const seconds = (performance.now() - t) / 1000;
  return { count, cpu: (await server.cpu()) - before, seconds };
}

/**
 * `openssl s_time -www / -new|-reuse` for `seconds`: connections made. With -reuse, every connection
 * but the first must have resumed (s_time prints `r` for one that did, `*` for one that did not).
 */
function sTime(port: number, reuse: boolean, seconds = S_TIME_SECONDS): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('openssl', ['s_time', '-connect', `127.0.0.1:${port}`, '-www', '/', '-tls1_3', reuse ? '-reuse' : '-new', '-time', String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.once('error', reject);
    p.once('close', () => {
      const m = /(\d+) connections in [\d.]+s;/.exec(out);
      if (!m) return reject(failed(`openssl s_time gave no count: ${out.slice(-300)}`));
      const count = Number(m[1]);
      const body = out.replace(/^.*\n/gm, (line) => (/^[*r]+$/.test(line.trim()) ? line : ''));
      const reused = (body.match(/r/g) ?? []).length;
      if (reuse && reused < count - 1) return reject(failed(`openssl s_time -reuse resumed only ${reused} of ${count} connections`));
      if (!reuse && reused > 0) return reject(failed(`openssl s_time -new resumed ${reused} connections`));
      resolve(count);
    });
  });
}

/** Node's tls client, one handshake after another; with `session`, every one must resume. Closes with close_notify after the handshake. */
async function nodeHandshakes(port: number, creds: Credentials, count: number, session?: Buffer): Promise<number> {
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: creds.pem, minVersion: 'TLSv1.3', ecdhCurve: 'X25519', ...(session ? { session } : {}) }, () => {
        if (session && !s.isSessionReused()) reject(failed('the server did not resume the Node client\'s session: resumed handshakes cannot be measured'));
        s.end();
      });
      s.setNoDelay(true);
      s.resume();
      s.once('close', () => resolve());
      s.once('error', reject);
    });
  }
  return count;
}

/**
 * Node's tls client as a HandshakeClient (the token bench's): a full handshake each time, X25519,
 * the certificate checked. It closes with close_notify and counts the handshake when the server has
 * closed too: destroying the socket at 'secureConnect' can drop the client's Finished.
 */
export function nodeHandshakeClient(creds: BenchCredentials): HandshakeClient {
  const ca = encodePem('CERTIFICATE', creds.certificate);
  return (port) =>
    new Promise<void>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: 'TLSv1.3', ecdhCurve: 'X25519' }, () => s.end());
      s.setNoDelay(true);
      s.resume();
      s.once('close', () => resolve());
      s.once('error', reject);
    });
}

/** A TLS 1.3 session for Node's tls client from one full handshake (the ticket arrives after the handshake, before the server's close). */
function nodeSession(port: number, creds: Credentials): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: creds.pem, minVersion: 'TLSv1.3', ecdhCurve: 'X25519' }, () => s.write('GET /\r\n\r\n'));
    s.once('session', (session: Buffer) => {
      resolve(session);
      s.destroy();
    });
    s.resume();
    s.once('error', reject);
    s.once('close', () => reject(failed('the server sent Node\'s client no session ticket')));
  });
}

/** Sends `bytes` in 16 KiB writes and resolves when as many have come back (the server echoes). */
function echoTransfer(socket: net.Socket, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let back = 0;
    socket.on('data', (d: Buffer) => {
      back += d.length;
      if (back >= bytes) resolve();
    });
    socket.once('error', reject);
    writeInBlocks(socket, bytes);
  });
}

/** Node's client (tls, or net for plain TCP) echoing `megabytes` MiB through the server; resolves with the MiB. */
async function nodeEcho(port: number, creds: Credentials, megabytes: number, plain: boolean): Promise<number> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s: net.Socket = plain
      ? net.connect(port, '127.0.0.1', () => resolve(s))
      : tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: creds.pem, minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
  await echoTransfer(socket, megabytes * (1 << 20));
  socket.destroy();
  return megabytes;
}

/**
 * Runs each measurement `rounds` times, taking turns, and adds each one's turns up: a machine that
 * gets busier part way tilts all alike. With `rotate`, each round starts one measurement later, so
 * each takes every place in the order equally often.
 */
async function inTurns<K extends string>(measure: Record<K, () => Promise<Served>>, rounds = ROUNDS, rotate = false): Promise<Record<K, Served>> {
  const out = {} as Record<K, Served>;
  const keys = Object.keys(measure) as K[];
  for (let round = 0; round < rounds; round++) {
    const shift = rotate ? round % keys.length : 0;
    for (const k of [...keys.slice(shift), ...keys.slice(0, shift)]) {
      const r = await measure[k]();
      const sum = (out[k] ??= { count: 0, cpu: 0, seconds: 0 });
      sum.count += r.count;
      sum.cpu += r.cpu;
      sum.seconds += r.seconds;
    }
  }
  return out;
}

const perItem = (s: Served) => s.cpu / s.count;

/** One printed line: a figure beside the reference measured with it. */
const figure = (name: string, value: number, unit: string, referenceName: string, reference: number, goal?: string): Figure => ({
  name,
  value,
  unit,
  reference: { name: referenceName, value: reference },
  ...(goal ? { goal } : {}),
});

async function handshakeFigures(kind: KeyKind, creds: Credentials): Promise<Figure[]> {
  const kyman = await startServer('kyman', 'handshake', creds);
  const node = await startServer('node', 'handshake', creds);
  try {
    for (const s of [kyman, node]) {
      await nodeHandshakes(s.port, creds, WARMUP_HANDSHAKES);
      await sTime(s.port, false, WARMUP_SECONDS.new);
      await sTime(s.port, true, WARMUP_SECONDS.reuse);
    }
    const full = await inTurns(
      {
        kyman: () => measured(kyman, () => sTime(kyman.port, false)),
        node: () => measured(node, () => sTime(node.port, false)),
      },
      ROUNDS,
      true,
    );
    const reuse = await inTurns(
      {
        kymanFull: () => measured(kyman, () => sTime(kyman.port, false)),
        kymanResumed: () => measured(kyman, () => sTime(kyman.port, true)),
        nodeFull: () => measured(node, () => sTime(node.port, false)),
        nodeResumed: () => measured(node, () => sTime(node.port, true)),
      },
      ROUNDS,
      true,
    );
    const sessions = { kyman: await nodeSession(kyman.port, creds), node: await nodeSession(node.port, creds) };
    const client = await inTurns({
      kymanFull: () => measured(kyman, () => nodeHandshakes(kyman.port, creds, CLIENT_HANDSHAKES)),
      kymanResumed: () => measured(kyman, () => nodeHandshakes(kyman.port, creds, CLIENT_HANDSHAKES, sessions.kyman)),
      nodeResumed: () => measured(node, () => nodeHandshakes(node.port, creds, CLIENT_HANDSHAKES, sessions.node)),
    });
    const resumedGoal = kind === 'RSA-2048' ? '≤ 0.4×' : '≤ 0.6×';
    return [
      figure(`kyman server CPU per full TLS 1.3 handshake, ${kind}, X25519 (openssl s_time -new, ${ROUNDS}×${S_TIME_SECONDS} s; ${full.kyman.count} handshakes)`, perItem(full.kyman), 'µs', `Node's tls server (${full.node.count})`, perItem(full.node), '≤ 1.0×'),
      figure(`kyman server CPU per resumed handshake, ${kind} (openssl s_time -reuse: psk_dhe_ke, every one resumed)`, perItem(reuse.kymanResumed), 'µs', 'kyman full (s_time -new)', perItem(reuse.kymanFull), resumedGoal),
      figure(`  the same for Node's tls server, ${kind}`, perItem(reuse.nodeResumed), 'µs', "Node's full (s_time -new)", perItem(reuse.nodeFull)),
      figure(`kyman server CPU per resumed handshake, ${kind} (Node's tls client with \`session\`, each checked to resume)`, perItem(client.kymanResumed), 'µs', 'kyman full, same client', perItem(client.kymanFull), resumedGoal),
      figure(`  kyman resumed beside Node's tls server resumed, ${kind}, same client`, perItem(client.kymanResumed), 'µs', "Node's resumed", perItem(client.nodeResumed)),
    ];
  } finally {
    kyman.close();
    node.close();
  }
}

/** psk_ke (RFC 8446 §4.2.9, no (EC)DHE) from kyman's client, against psk_dhe_ke and a full handshake, on a server that allows it. */
async function pskKeFigures(creds: Credentials): Promise<Figure[]> {
  const kyman = await startServer('kyman', 'handshake', creds, true);
  try {
    const session = await benchSession(kyman.port, creds);
    const clients = {
      full: kymanHandshakeClient(creds),
      dhe: kymanHandshakeClient(creds, session),
      ke: kymanHandshakeClient(creds, session, ['x25519'], 'psk_ke'),
    };
    const run = (client: (port: number) => Promise<void>) => async () => {
      for (let i = 0; i < CLIENT_HANDSHAKES; i++) await client(kyman.port);
      return CLIENT_HANDSHAKES;
    };
    for (const c of Object.values(clients)) await run(c)();
    const r = await inTurns({
      full: () => measured(kyman, run(clients.full)),
      dhe: () => measured(kyman, run(clients.dhe)),
      ke: () => measured(kyman, run(clients.ke)),
    });
    return [
      figure("kyman server CPU per psk_ke resumption (kyman's client, --allow-psk-ke; no key share)", perItem(r.ke), 'µs', 'kyman full, same client', perItem(r.full)),
      figure('  psk_dhe_ke resumption, same client and server', perItem(r.dhe), 'µs', 'kyman full', perItem(r.full)),
    ];
  } finally {
    kyman.close();
  }
}

/** The post-quantum hybrid against X25519: kyman's client, full handshakes in turns on the same kyman server. */
async function hybridFigures(creds: Credentials): Promise<Figure[]> {
  const kyman = await startServer('kyman', 'handshake', creds);
  try {
    const clients = { x25519: kymanHandshakeClient(creds), hybrid: kymanHandshakeClient(creds, undefined, [HYBRID_BENCH_GROUP]) };
    const run = (client: (port: number) => Promise<void>) => async () => {
      for (let i = 0; i < CLIENT_HANDSHAKES; i++) await client(kyman.port);
      return CLIENT_HANDSHAKES;
    };
    for (const c of Object.values(clients)) await run(c)();
    const r = await inTurns({ x25519: () => measured(kyman, run(clients.x25519)), hybrid: () => measured(kyman, run(clients.hybrid)) });
    const rate = (s: Served) => s.count / s.seconds;
    return [
      figure(`kyman ↔ kyman full TLS 1.3 handshakes with ${HYBRID_BENCH_GROUP} (ECDSA P-256, wall)`, rate(r.hybrid), 'handshakes/s', 'the same with X25519', rate(r.x25519)),
      figure(`  kyman server CPU per ${HYBRID_BENCH_GROUP} handshake`, perItem(r.hybrid), 'µs', 'with X25519', perItem(r.x25519)),
    ];
  } finally {
    kyman.close();
  }
}

async function bulkFigures(creds: Credentials): Promise<Figure[]> {
  const servers = { kyman: await startServer('kyman', 'echo', creds), node: await startServer('node', 'echo', creds), tcp: await startServer('tcp', 'echo', creds) };
  try {
    for (const [k, s] of Object.entries(servers)) await nodeEcho(s.port, creds, BULK_WARMUP_MB, k === 'tcp');
    const r = await inTurns(
      {
        kyman: () => measured(servers.kyman, () => nodeEcho(servers.kyman.port, creds, BULK_MB, false)),
        node: () => measured(servers.node, () => nodeEcho(servers.node.port, creds, BULK_MB, false)),
        tcp: () => measured(servers.tcp, () => nodeEcho(servers.tcp.port, creds, BULK_MB, true)),
      },
      BULK_ROUNDS,
      true,
    );
    const wall = (s: Served) => s.count / s.seconds;
    return [
      figure(`kyman server CPU per MiB echoed, AES-128-GCM, 16 KiB writes (Node's tls client, ${BULK_ROUNDS}×${BULK_MB} MiB, first place in turn)`, perItem(r.kyman), 'µs', "Node's tls server", perItem(r.node), '≤ 1.5×'),
      figure('  the same beside plain TCP (Node net echo)', perItem(r.kyman), 'µs', 'TCP', perItem(r.tcp)),
      figure('kyman echo, wall throughput (client and server both count)', wall(r.kyman), 'MiB/s', 'plain TCP echo', wall(r.tcp), '≥ 0.5×'),
      figure("  Node's tls echo, wall throughput", wall(r.node), 'MiB/s', 'plain TCP echo', wall(r.tcp)),
    ];
  } finally {
    for (const s of Object.values(servers)) s.close();
  }
}

/** The bulk figures alone (`npm run bench tls-bulk`): a quick look at the record layer. */
export async function benchTlsBulk(): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyman-bench-tls-'));
  try {
    return await bulkFigures(await credentials(dir, 'ECDSA P-256'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchTls(): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyman-bench-tls-'));
  try {
    const ecdsa = await credentials(dir, 'ECDSA P-256');
    const rsa = await credentials(dir, 'RSA-2048');
    return [...(await handshakeFigures('ECDSA P-256', ecdsa)), ...(await handshakeFigures('RSA-2048', rsa)), ...(await pskKeFigures(ecdsa)), ...(await hybridFigures(ecdsa)), ...(await bulkFigures(ecdsa))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
