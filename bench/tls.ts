// TLS on loopback: kyman's server beside Node's tls server (same certificate, same client), bulk kyman vs Node's tls vs plain TCP.

import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  benchCredentials,
  kymanBenchServer,
  kymanBulkClient,
  listenForBench,
  measureBulk,
  measureHandshakes,
  sendBulk,
  sinkConnection,
  type BenchCredentials,
  type BenchServer,
  type BulkClient,
  type HandshakeClient,
} from '../src/core/bench/tls.js';
import { encodePem } from '../src/core/pki/pem.js';
import type { Figure } from './report.js';

const HANDSHAKES = 300;
const BULK_MB = 128;

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

/** Node's tls client, the same for both servers: a full handshake each time (it is given no session to resume), X25519, the certificate checked. */
function nodeHandshakeClient(creds: BenchCredentials): HandshakeClient {
  const ca = encodePem('CERTIFICATE', creds.certificate);
  return (port) =>
    new Promise<void>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: 'TLSv1.3', ecdhCurve: 'X25519' }, () => {
        s.destroy();
        resolve();
      });
      s.setNoDelay(true);
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

async function using<T>(server: Promise<BenchServer>, fn: (port: number) => Promise<T>): Promise<T> {
  const s = await server;
  try {
    return await fn(s.port);
  } finally {
    await s.close();
  }
}

export async function benchTls(): Promise<Figure[]> {
  const creds = await benchCredentials();
  const client = nodeHandshakeClient(creds);
  const kymanHs = await using(kymanBenchServer(creds, 'handshake'), (port) => measureHandshakes(port, client, HANDSHAKES));
  const nodeHs = await using(nodeServer(creds, false), (port) => measureHandshakes(port, client, HANDSHAKES));
  const kymanBulk = await using(kymanBenchServer(creds, 'sink', { cipherSuites: ['TLS_AES_128_GCM_SHA256'] }), (port) => measureBulk(port, kymanBulkClient(creds), BULK_MB));
  const nodeBulk = await using(nodeServer(creds, true), (port) => measureBulk(port, nodeBulkClient(creds), BULK_MB));
  const tcpBulk = await using(listenForBench(net.createServer((s) => sinkConnection(s))), (port) => measureBulk(port, tcpBulkClient, BULK_MB));
  return [
    {
      name: `kyman server, full TLS 1.3 handshakes (ECDSA P-256, X25519; Node's tls client, same process, ${HANDSHAKES} in a row)`,
      value: kymanHs.perSecond,
      unit: 'handshakes/s',
      reference: { name: "Node's tls server", value: nodeHs.perSecond },
    },
    {
      name: `kyman → kyman bulk, AES-128-GCM, 16 KiB writes, ${BULK_MB} MiB`,
      value: kymanBulk.megabytesPerSecond,
      unit: 'MiB/s',
      reference: { name: "Node's tls → Node's tls", value: nodeBulk.megabytesPerSecond },
    },
    {
      name: `kyman → kyman bulk against plain TCP`,
      value: kymanBulk.megabytesPerSecond,
      unit: 'MiB/s',
      reference: { name: 'plain TCP, 16 KiB writes', value: tcpBulk.megabytesPerSecond },
    },
  ];
}
