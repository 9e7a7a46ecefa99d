// Measuring kyman's TLS engine on loopback: full and resumed handshakes per second and bulk throughput, for `kyman tls bench` and `npm run bench tls`.

import * as net from 'node:net';
import type { CryptoProvider, PrivateKeyHandle } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { failed } from '../errors.js';
import { createCertificate } from '../pki/certificate/index.js';
import { connect, createTlsServer, type TlsServerOptions, type TlsSession, type TlsSocket } from '../tls/index.js';

/** Bulk data goes in writes of this size, as most applications and benchmarks write it (one full record each). */
export const BULK_WRITE_SIZE = 16 * 1024;

/** A server certificate for measuring: ECDSA P-256, as `cert create` makes by default. */
export interface BenchCredentials {
  certificate: Uint8Array;
  privateKey: PrivateKeyHandle;
  provider: CryptoProvider;
}

export async function benchCredentials(provider: CryptoProvider = softwareProvider()): Promise<BenchCredentials> {
  const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
  const certificate = await createCertificate(provider, { subject: 'CN=localhost', subjectKey: key, subjectAltNames: ['dns:localhost', 'ip:127.0.0.1'], days: 1 });
  return { certificate, privateKey: key, provider };
}

/** A server on 127.0.0.1 for measuring against; `port` once it listens. */
export interface BenchServer {
  port: number;
  close(): Promise<void>;
}

/** What a bench server does with a connection: nothing but the handshake, or count bytes and acknowledge a whole transfer. */
export type BenchServerMode = 'handshake' | 'sink';

/** Wraps a net.Server (or anything with listen/close) as a BenchServer, tracking sockets so close() never waits on a straggler. */
export async function listenForBench(server: net.Server): Promise<BenchServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The receiving end of a bulk transfer: the sender first says how many bytes follow (8 bytes,
 * big-endian); when they have all arrived the sink writes one byte back, so the sender's clock
 * stops only when the whole transfer is through.
 */
export function sinkConnection(stream: NodeJS.ReadableStream & NodeJS.WritableStream): void {
  let header = Buffer.alloc(0);
  let expected = -1;
  let got = 0;
  stream.on('data', (d: Buffer) => {
    if (expected < 0) {
      header = Buffer.concat([header, d]);
      if (header.length < 8) return;
      expected = Number(header.readBigUInt64BE(0));
      got = header.length - 8;
    } else {
      got += d.length;
    }
    if (got >= expected) {
      stream.write(Buffer.of(1));
      expected = -1;
      header = Buffer.alloc(0);
    }
  });
  stream.on('error', () => undefined);
}

/** A kyman TLS server on loopback with these credentials, doing `mode` with each connection. */
export async function kymanBenchServer(creds: BenchCredentials, mode: BenchServerMode, options: Partial<TlsServerOptions> = {}): Promise<BenchServer> {
  const tls = createTlsServer({ provider: creds.provider, certificateChain: [creds.certificate], privateKey: creds.privateKey, ...options });
  const server = net.createServer((tcp) => {
    tcp.setNoDelay(true);
    const conn = tls.accept(tcp);
    conn.on('error', () => undefined);
    if (mode === 'sink') sinkConnection(conn);
    else conn.resume();
  });
  return listenForBench(server);
}

/** One client handshake against a port: resolves when it is done and the connection is closed. */
export type HandshakeClient = (port: number) => Promise<void>;
/** Sends `bytes` in BULK_WRITE_SIZE writes and resolves when the server acknowledges them all. */
export type BulkClient = (port: number, bytes: number) => Promise<void>;

/**
 * The kyman client, checking the server's certificate as a real client would. Given a `session`,
 * it resumes with it each time (psk_dhe_ke: a fresh X25519 exchange, no certificate, no signature),
 * as `openssl s_time -reuse` reuses one session; a server that declines the ticket fails the
 * measurement rather than turning it into one of full handshakes.
 */
export function kymanHandshakeClient(
  creds: BenchCredentials,
  session?: TlsSession,
  groups: readonly string[] = ['x25519'],
  pskKeyExchange: 'psk_dhe_ke' | 'psk_ke' = 'psk_dhe_ke',
): HandshakeClient {
  return async (port) => {
    const tcp = net.connect(port, '127.0.0.1');
    tcp.setNoDelay(true);
    const socket = connect({ socket: tcp, provider: creds.provider, serverName: 'localhost', trustAnchors: [creds.certificate], groups, pskKeyExchange, ...(session ? { session } : {}) });
    socket.on('error', () => undefined);
    const summary = await socket.secured;
    // Closed with close_notify, and counted when the server has closed too: a reset would send the
    // server down its error path, which is not what a handshake costs it.
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume();
    socket.end();
    await closed;
    if (session && !summary.resumed) throw failed('the bench server did not resume the session: resumed handshakes cannot be measured');
    // §4.2.9: psk_ke means no (EC)DHE: a server that ran one did not measure what was asked.
    if (session && pskKeyExchange === 'psk_ke' && summary.group !== 'none') throw failed('the bench server resumed with psk_dhe_ke, not psk_ke: is it told to allow psk_ke?');
  };
}

/**
 * A TLS 1.3 ticket from one full handshake with the server at `port`. The client closes at once
 * with close_notify: a server's NewSessionTicket (RFC 8446 §4.6.1) comes before its own
 * close_notify, so a connection that ends without one means the server issues none.
 */
export async function benchSession(port: number, creds: BenchCredentials, groups: readonly string[] = ['x25519']): Promise<TlsSession> {
  const tcp = net.connect(port, '127.0.0.1');
  tcp.setNoDelay(true);
  const socket = connect({ socket: tcp, provider: creds.provider, serverName: 'localhost', trustAnchors: [creds.certificate], groups, versions: ['TLSv1.3'] });
  try {
    return await new Promise<TlsSession>((resolve, reject) => {
      socket.once('session', resolve);
      socket.once('error', reject);
      socket.once('close', () => reject(failed('the bench server sent no session ticket: resumed handshakes cannot be measured')));
      socket.resume();
      socket.end();
    });
  } finally {
    socket.destroy();
  }
}

/** Announces and writes `bytes` to `stream` in 16 KiB writes, honouring back-pressure, and resolves when the server's acknowledgement arrives. */
export function sendBulk(stream: NodeJS.ReadableStream & NodeJS.WritableStream, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('data', () => resolve());
    stream.once('error', reject);
    const header = Buffer.alloc(8);
    header.writeBigUInt64BE(BigInt(bytes));
    stream.write(header);
    writeInBlocks(stream, bytes);
  });
}

/** Writes `bytes` to `stream` in BULK_WRITE_SIZE writes, waiting for 'drain' whenever a write says to. */
export function writeInBlocks(stream: NodeJS.WritableStream, bytes: number): void {
  const block = Buffer.alloc(BULK_WRITE_SIZE, 0x61);
  let left = bytes;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, BULK_WRITE_SIZE);
      left -= n;
      if (!stream.write(n === BULK_WRITE_SIZE ? block : block.subarray(0, n))) {
        stream.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

export function kymanBulkClient(creds: BenchCredentials): BulkClient {
  return async (port, bytes) => {
    const tcp = net.connect(port, '127.0.0.1');
    tcp.setNoDelay(true);
    const socket: TlsSocket = connect({ socket: tcp, provider: creds.provider, serverName: 'localhost', trustAnchors: [creds.certificate], cipherSuites: ['TLS_AES_128_GCM_SHA256'] });
    await socket.secured;
    await sendBulk(socket, bytes);
    socket.destroy();
  };
}

export interface HandshakeFigures {
  handshakes: number;
  seconds: number;
  perSecond: number;
  /** Median milliseconds per handshake. */
  medianMs: number;
}

export interface BulkFigures {
  bytes: number;
  seconds: number;
  megabytesPerSecond: number;
}

/**
 * Runs `count` handshakes one after another, reporting progress as it goes. The `warmup` ones before
 * are not counted: V8 compiles the engine's hot paths only after a few hundred handshakes, and the
 * figure is meant to be the steady rate, not the first seconds of a process.
 */
export async function measureHandshakes(
  port: number,
  client: HandshakeClient,
  count: number,
  onProgress?: (done: number, total: number) => void,
  warmup = Math.min(20, count),
): Promise<HandshakeFigures> {
  for (let i = 0; i < warmup; i++) await client(port);
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await client(port);
    times.push(performance.now() - t);
    onProgress?.(i + 1, count);
  }
  const seconds = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  return { handshakes: count, seconds, perSecond: count / seconds, medianMs: times[times.length >> 1] };
}

/**
 * Sends `megabytes` (MiB) once and reports the rate, after a warm-up transfer of `warmupMegabytes`
 * on its own connection: kyman's record layer runs below full speed until V8 has optimised it,
 * some 20 MiB into a process, and the figure is meant to be the steady rate.
 */
export async function measureBulk(port: number, client: BulkClient, megabytes: number, warmupMegabytes = Math.min(32, megabytes)): Promise<BulkFigures> {
  if (warmupMegabytes > 0) await client(port, Math.round(warmupMegabytes * (1 << 20)));
  const bytes = Math.round(megabytes * (1 << 20));
  const start = performance.now();
  await client(port, bytes);
  const seconds = (performance.now() - start) / 1000;
  return { bytes, seconds, megabytesPerSecond: bytes / (1 << 20) / seconds };
}

export type TlsBenchPhase = 'handshakes' | 'resumed' | 'bulk';

export interface TlsBenchOptions {
  handshakes?: number;
  /** Also time as many resumed handshakes (PSK from a session ticket, RFC 8446 §2.2), after the full ones. */
  resumed?: boolean;
  /**
   * Resume with psk_ke (RFC 8446 §4.2.9: the ticket's key alone, no X25519) instead of psk_dhe_ke; the
   * bench server allows it. Implies resumed.
   */
  pskKe?: boolean;
  /** MiB of bulk data; 0 skips the bulk figure. */
  bulkMegabytes?: number;
  provider?: CryptoProvider;
  onProgress?: (phase: TlsBenchPhase, done: number, total: number) => void;
}

/** The post-quantum hybrid the bench times beside X25519 (draft-ietf-tls-ecdhe-mlkem): what browsers and OpenSSL 3.5 offer first. */
export const HYBRID_BENCH_GROUP = 'X25519MLKEM768';

export interface TlsBenchResult {
  /** Who measured against whom: both ends are kyman, in this one process. */
  setup: string;
  certificate: string;
  group: string;
  handshakes: HandshakeFigures;
  /** As many full handshakes with X25519MLKEM768, in the same run, and their rate as a share of the X25519 ones'. */
  hybrid: HandshakeFigures & { group: typeof HYBRID_BENCH_GROUP; relative: number };
  /** Resumed handshakes with one ticket, and how many times the full handshakes' rate they reach. */
  resumed?: HandshakeFigures & { speedup: number; pskKeyExchange: 'psk_dhe_ke' | 'psk_ke' };
  bulk?: BulkFigures & { cipherSuite: string; writeSize: number };
}

/**
 * `kyman tls bench`: full TLS 1.3 handshakes (ECDSA P-256 certificate, X25519, then as many with
 * X25519MLKEM768), optionally resumed
 * ones, and bulk throughput (AES-128-GCM, 16 KiB writes) between a kyman client and a kyman server
 * over loopback, in this process, so both ends' work is in the figures.
 */
export async function runTlsBench(options: TlsBenchOptions = {}): Promise<TlsBenchResult> {
  const creds = await benchCredentials(options.provider);
  const count = options.handshakes ?? 200;
  const pskKeyExchange = options.pskKe ? 'psk_ke' : 'psk_dhe_ke';
  const hsServer = await kymanBenchServer(creds, 'handshake', { allowPskKe: options.pskKe === true });
  let handshakes: HandshakeFigures;
  let hybrid: TlsBenchResult['hybrid'];
  let resumed: TlsBenchResult['resumed'];
  try {
    handshakes = await measureHandshakes(hsServer.port, kymanHandshakeClient(creds), count, (d, t) => options.onProgress?.('handshakes', d, t));
    // The same handshakes with the hybrid, shown as part of the full-handshake phase: only the key exchange differs.
    const pq = await measureHandshakes(hsServer.port, kymanHandshakeClient(creds, undefined, [HYBRID_BENCH_GROUP]), count, (d, t) => options.onProgress?.('handshakes', d, t));
    hybrid = { ...pq, group: HYBRID_BENCH_GROUP, relative: pq.perSecond / handshakes.perSecond };
    if (options.resumed || options.pskKe) {
      const session = await benchSession(hsServer.port, creds);
      const figures = await measureHandshakes(hsServer.port, kymanHandshakeClient(creds, session, ['x25519'], pskKeyExchange), count, (d, t) => options.onProgress?.('resumed', d, t));
      resumed = { ...figures, speedup: figures.perSecond / handshakes.perSecond, pskKeyExchange };
    }
  } finally {
    await hsServer.close();
  }
  const mb = options.bulkMegabytes ?? 64;
  let bulk: TlsBenchResult['bulk'];
  if (mb > 0) {
    const bulkServer = await kymanBenchServer(creds, 'sink', { cipherSuites: ['TLS_AES_128_GCM_SHA256'] });
    try {
      options.onProgress?.('bulk', 0, 1);
      const figures = await measureBulk(bulkServer.port, kymanBulkClient(creds), mb);
      options.onProgress?.('bulk', 1, 1);
      bulk = { ...figures, cipherSuite: 'TLS_AES_128_GCM_SHA256', writeSize: BULK_WRITE_SIZE };
    } finally {
      await bulkServer.close();
    }
  }
  return {
    setup: 'kyman client and kyman server in one process, over 127.0.0.1',
    certificate: 'ECDSA P-256',
    group: 'x25519',
    handshakes,
    hybrid,
    ...(resumed ? { resumed } : {}),
    ...(bulk ? { bulk } : {}),
  };
}
