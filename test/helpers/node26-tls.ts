// Node 26's TLS (OpenSSL 3.5) as a peer: an echoing TLS 1.3 server and a one-shot client that says what it agreed.

import { within } from './peers.js';
import { runNode26Script, type Node26Peer } from './node26.js';

/** argv: cert, key, groups (OpenSSL's list, as ecdhCurve takes it). */
const SERVER = `
import tls from 'node:tls'; import fs from 'node:fs';
const [cert, key, groups] = process.argv.slice(1);
const server = tls.createServer({ minVersion: 'TLSv1.3', cert: fs.readFileSync(cert), key: fs.readFileSync(key), ecdhCurve: groups }, (s) => { s.on('error', () => {}); s.pipe(s); });
server.on('tlsClientError', (e) => console.log('client error ' + e.message));
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
`;

/** argv: port, groups (empty: Node's defaults). Prints getEphemeralKeyInfo() and the protocol as JSON, or the error. */
const CLIENT = `
import tls from 'node:tls';
const [port, groups] = process.argv.slice(1);
const s = tls.connect({ port: Number(port), host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false, minVersion: 'TLSv1.3', ...(groups ? { ecdhCurve: groups } : {}) }, () => {
  console.log(JSON.stringify({ key: s.getEphemeralKeyInfo(), protocol: s.getProtocol() }));
  s.end();
});
s.on('error', (e) => { console.log(JSON.stringify({ error: e.message })); process.exitCode = 1; });
`;

/** A Node 26 TLS 1.3 echo server with this certificate and key, taking only `groups`; the caller stops `peer`. */
export async function node26TlsServer(certFile: string, keyFile: string, groups: string): Promise<{ peer: Node26Peer; port: number }> {
  const peer = runNode26Script(SERVER, [certFile, keyFile, groups]);
  try {
    return { peer, port: Number((await peer.waitForOutput(/listening (\d+)/))[1]) };
  } catch (e) {
    peer.stop();
    throw e;
  }
}

/** What a Node 26 client agreed with the server at `port`: its ephemeral key's group name, or its error. */
export interface Node26Agreement {
  key?: { type?: string; name?: string };
  protocol?: string;
  error?: string;
}

/** One Node 26 TLS 1.3 client handshake to 127.0.0.1:port offering `groups` (Node's defaults without), then close. */
export async function node26TlsClient(port: number, groups?: string, onStart?: (peer: Node26Peer) => void): Promise<Node26Agreement> {
  const peer = runNode26Script(CLIENT, [String(port), groups ?? '']);
  onStart?.(peer);
  try {
    await within(15_000, peer.exited, 'the Node 26 client');
  } finally {
    peer.stop();
  }
  return JSON.parse(peer.stdout().trim().split('\n').pop() ?? '{}') as Node26Agreement;
}
