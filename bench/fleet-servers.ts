// Many TLS listeners in one process for `npm run bench probe`: Node's tls servers on ephemeral loopback ports, one certificate for all.
//
// argv: <count> <cert.pem> <key.pem>. It says {ports} over IPC once all listen; the bench closes
// the IPC channel when it is done, and this process exits.

import { readFileSync } from 'node:fs';
import type * as net from 'node:net';
import * as tls from 'node:tls';

const [count, certFile, keyFile] = process.argv.slice(2);
const cert = readFileSync(certFile);
const key = readFileSync(keyFile);
const servers: tls.Server[] = [];
const ports: number[] = [];
for (let i = 0; i < Number(count); i++) {
  const server = tls.createServer({ cert, key }, (socket) => {
    socket.on('error', () => undefined);
    socket.end();
  });
  // Hellos that stop after the ServerHello are every probe's way: not worth a word.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  servers.push(server);
  ports.push((server.address() as net.AddressInfo).port);
}
process.send!({ ports });
process.on('disconnect', () => process.exit(0));
