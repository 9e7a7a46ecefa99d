// A TLS (or plain TCP) server in a process of its own for `npm run bench tls`, so its CPU time is the server's alone.
// bench/tls.ts compiles it to one ES module and runs it under plain Node (see compiledServer there).
//
// argv: <kyman|node|tcp> <handshake|echo> <cert.der> <key.pk8> [allow-psk-ke]. It says {port} over
// IPC once it listens, and answers {cpu} (process.cpuUsage() of this process, µs) whenever asked.

import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { softwareProvider } from '../src/core/crypto/software.js';
import { encodePem } from '../src/core/pki/pem.js';
import { createTlsServer } from '../src/core/tls/index.js';

const [impl, mode, certFile, keyFile, flag] = process.argv.slice(2);
const certificate = new Uint8Array(readFileSync(certFile));
const pkcs8 = new Uint8Array(readFileSync(keyFile));

/**
 * What the server does with a connection once it is secured: echo every byte, or answer the first
 * bytes with a tiny HTTP response and close (`openssl s_time -www /` reads until then, and so reads
 * the TLS 1.3 tickets that `-reuse` needs; a client that sends nothing closes by itself).
 */
function serve(stream: NodeJS.ReadWriteStream & { on(e: 'error', f: () => void): unknown; end(data: string): unknown }): void {
  stream.on('error', () => undefined);
  if (mode === 'echo') {
    stream.pipe(stream);
    return;
  }
  stream.once('data', () => stream.end(HTTP_REPLY));
  stream.resume();
}

const HTTP_REPLY = 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n';

let server: net.Server;
if (impl === 'kyman') {
  const provider = softwareProvider();
  const engine = createTlsServer({ provider, certificateChain: [certificate], privateKey: provider.importPrivateKey(pkcs8), allowPskKe: flag === 'allow-psk-ke' });
  server = net.createServer((tcp) => {
    tcp.setNoDelay(true);
    serve(engine.accept(tcp));
  });
} else if (impl === 'node') {
  server = tls.createServer(
    {
      cert: encodePem('CERTIFICATE', certificate),
      key: encodePem('PRIVATE KEY', pkcs8),
      minVersion: 'TLSv1.3',
      ciphers: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
      ecdhCurve: 'X25519',
    },
    (socket) => {
      socket.setNoDelay(true);
      serve(socket);
    },
  );
} else {
  server = net.createServer((socket) => {
    socket.setNoDelay(true);
    serve(socket);
  });
}

server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
process.on('message', (m: { cpu?: true }) => {
  if (m.cpu) {
    const u = process.cpuUsage();
    process.send!({ cpu: u.user + u.system });
  }
});
// The bench closes the IPC channel when it is done with this server, or dies.
process.on('disconnect', () => process.exit(0));
