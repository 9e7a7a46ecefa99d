// TLS on loopback: kyman's server beside Node's tls server (same certificate, same client), resumed vs full handshakes on kyman, bulk kyman vs Node's tls vs plain TCP.

import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  HYBRID_BENCH_GROUP,
  benchCredentials,
  benchSession,
  kymanBenchServer,
  kymanBulkClient,
  kymanHandshakeClient,
  listenForBench,
  measureBulk,
  measureHandshakes,
  sendBulk,
  sinkConnection,
  type BenchCredentials,
  type BenchServer,
  type BulkClient,
  type BulkFigures,
  type HandshakeFigures,
  type HandshakeClient,
} from '../src/core/tools/tls-bench.js';
import { encodePem } from '../src/core/pki/pem.js';
import type { Figure } from './report.js';

/** Timed handshakes per figure, and MiB per bulk figure, each split over ROUNDS turns. */
const HANDSHAKES = 300;
const BULK_MB = 128;
const ROUNDS = 3;
/** Not counted: every server and client is timed warm (V8 optimises the JavaScript on both sides as it goes). */
const WARMUP_HANDSHAKES = 100;
const BULK_WARMUP_MB = 32;

function nodeServer(creds: BenchCredentials, sink: boolean): Promise<BenchServer> {
  const server = tls.createServer(
    {
      cert: encodePem('CERTIFICATE', creds.certificate),
      key: encodePem('PRIVATE KEY', creds.provider.exportPrivateKey(creds.privateKey)),
      minVersion: 'TLSv1.3',
      ciphers: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
      ecdhCurve: 'X25519',
    },
    (socket) => {
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      if (sink) sinkConnection(socket);
      else socket.resume();
    },
  );
  // Node's tls.Server is a net.Server: its 'connection' events carry the raw sockets.
  return listenForBench(server);
}

/**
 * Node's tls client, the same for both servers: a full handshake each time (it is given no session
 * to resume), X25519, the certificate checked. It closes with close_notify and counts the handshake
 * when the server has closed too: destroying the socket at 'secureConnect' can drop the client's
 * Finished, and then neither server ever completes a handshake (or issues its tickets).
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

function nodeBulkClient(creds: BenchCredentials): BulkClient {
  const ca = encodePem('CERTIFICATE', creds.certificate);
  return (port, bytes) =>
    new Promise<void>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }, () => {
        sendBulk(s, bytes).then(() => {
          s.destroy();
          resolve();
        }, reject);
      });
      s.once('error', reject);
    });
}

const tcpBulkClient: BulkClient = (port, bytes) =>
  new Promise<void>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      sendBulk(s, bytes).then(() => {
        s.destroy();
        resolve();
      }, reject);
    });
    s.setNoDelay(true);
    s.once('error', reject);
  });

/**
 * Runs each measurement `ROUNDS` times, taking turns, and adds each one's rounds up: a machine that
 * gets busier or quieter part way through then tilts every figure alike, not the one that ran then.
 */
async function inTurns<K extends string, F>(measure: Record<K, (round: number) => Promise<F>>): Promise<Record<K, F[]>> {
  const out = {} as Record<K, F[]>;
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of Object.keys(measure) as K[]) (out[k] ??= []).push(await measure[k](round));
  }
  return out;
}

const handshakeRate = (rounds: HandshakeFigures[]) => rounds.reduce((n, r) => n + r.handshakes, 0) / rounds.reduce((t, r) => t + r.seconds, 0);
const bulkRate = (rounds: BulkFigures[]) => rounds.reduce((n, r) => n + r.bytes, 0) / (1 << 20) / rounds.reduce((t, r) => t + r.seconds, 0);

async function closeAll(servers: BenchServer[]): Promise<void> {
  for (const s of servers) await s.close();
}

export async function benchTls(): Promise<Figure[]> {
  const creds = await benchCredentials();
  const servers: BenchServer[] = [];
  const serve = async (s: Promise<BenchServer>) => {
    const server = await s;
    servers.push(server);
    return server.port;
  };
  try {
    const client = nodeHandshakeClient(creds);
    const kymanPort = await serve(kymanBenchServer(creds, 'handshake'));
    const nodePort = await serve(nodeServer(creds, false));
    const perRound = HANDSHAKES / ROUNDS;
    // Both servers, and the client they share, are warm before either is timed.
    for (const port of [kymanPort, nodePort]) for (let i = 0; i < WARMUP_HANDSHAKES; i++) await client(port);
    const servedTo = await inTurns({
      kyman: () => measureHandshakes(kymanPort, client, perRound, undefined, 0),
      node: () => measureHandshakes(nodePort, client, perRound, undefined, 0),
    });

    // Resumption against a full handshake, both ends kyman as in `kyman tls bench --resumed`: one ticket, reused.
    const full = kymanHandshakeClient(creds);
    const resumed = kymanHandshakeClient(creds, await benchSession(kymanPort, creds));
    for (let i = 0; i < WARMUP_HANDSHAKES; i++) {
      await full(kymanPort);
      await resumed(kymanPort);
    }
    const kymanBoth = await inTurns({
      full: () => measureHandshakes(kymanPort, full, perRound, undefined, 0),
      resumed: () => measureHandshakes(kymanPort, resumed, perRound, undefined, 0),
    });

    // The post-quantum hybrid against X25519, both ends kyman, full handshakes in turns on the same server.
    const hybrid = kymanHandshakeClient(creds, undefined, [HYBRID_BENCH_GROUP]);
    for (let i = 0; i < WARMUP_HANDSHAKES; i++) await hybrid(kymanPort);
    const groups = await inTurns({
      hybrid: () => measureHandshakes(kymanPort, hybrid, perRound, undefined, 0),
      x25519: () => measureHandshakes(kymanPort, full, perRound, undefined, 0),
    });

    const bulkPorts = {
      kyman: await serve(kymanBenchServer(creds, 'sink', { cipherSuites: ['TLS_AES_128_GCM_SHA256'] })),
      node: await serve(nodeServer(creds, true)),
      tcp: await serve(listenForBench(net.createServer((s) => sinkConnection(s)))),
    };
    const bulkClients = { kyman: kymanBulkClient(creds), node: nodeBulkClient(creds), tcp: tcpBulkClient };
    const bulk = await inTurns({
      // Each warms up on its first turn only.
      kyman: (round) => measureBulk(bulkPorts.kyman, bulkClients.kyman, BULK_MB / ROUNDS, round === 0 ? BULK_WARMUP_MB : 0),
      node: (round) => measureBulk(bulkPorts.node, bulkClients.node, BULK_MB / ROUNDS, round === 0 ? BULK_WARMUP_MB : 0),
      tcp: (round) => measureBulk(bulkPorts.tcp, bulkClients.tcp, BULK_MB / ROUNDS, round === 0 ? BULK_WARMUP_MB : 0),
    });

    const turns = `${ROUNDS} turns of ${perRound}, taking turns with the reference`;
    return [
      {
        name: `kyman server, full TLS 1.3 handshakes (ECDSA P-256, X25519; Node's tls client, same process, ${turns})`,
        value: handshakeRate(servedTo.kyman),
        unit: 'handshakes/s',
        reference: { name: "Node's tls server", value: handshakeRate(servedTo.node) },
        goal: '≥ 1.0×',
      },
      {
        name: `kyman ↔ kyman, resumed TLS 1.3 handshakes (one session ticket, PSK with X25519; ${turns})`,
        value: handshakeRate(kymanBoth.resumed),
        unit: 'handshakes/s',
        reference: { name: 'kyman ↔ kyman full handshakes', value: handshakeRate(kymanBoth.full) },
        goal: '≥ 3×',
      },
      {
        name: `kyman ↔ kyman, full TLS 1.3 handshakes with ${HYBRID_BENCH_GROUP} (ECDSA P-256; ${turns})`,
        value: handshakeRate(groups.hybrid),
        unit: 'handshakes/s',
        reference: { name: 'the same with X25519', value: handshakeRate(groups.x25519) },
      },
      {
        name: `kyman → kyman bulk, AES-128-GCM, 16 KiB writes, ${BULK_MB} MiB in ${ROUNDS} turns`,
        value: bulkRate(bulk.kyman),
        unit: 'MiB/s',
        reference: { name: "Node's tls → Node's tls", value: bulkRate(bulk.node) },
        goal: '≥ 0.9×',
      },
      {
        name: 'kyman → kyman bulk against plain TCP',
        value: bulkRate(bulk.kyman),
        unit: 'MiB/s',
        reference: { name: 'plain TCP, 16 KiB writes', value: bulkRate(bulk.tcp) },
        goal: '≥ 0.5×',
      },
    ];
  } finally {
    await closeAll(servers);
  }
}
