// In-memory transports for the TLS tests: two Duplexes joined back to back, and a kyman client and server over them.

import { Duplex } from 'node:stream';
import type { CryptoProvider } from '../../src/core/crypto/index.js';
import { connect, createTlsServer, type CipherSuiteName, type TlsSocket, type TlsVersionName } from '../../src/core/tls/index.js';
import { within } from './peers.js';
import { provider, type TestPki } from './tls-credentials.js';

/** Resolves once `done()` holds, looking again on each turn of the event loop (callers bound the wait with `within`). */
export function until(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const look = () => (done() ? resolve() : setTimeout(look, 5));
    look();
  });
}

/** Two in-memory Duplexes joined back to back; each side's writes are recorded. */
export function pipePair(): { a: Duplex; b: Duplex; fromA: Buffer[]; fromB: Buffer[] } {
  const fromA: Buffer[] = [];
  const fromB: Buffer[] = [];
  const a: Duplex = new Duplex({
    read() {},
    write(c: Buffer, _e, cb) {
      fromA.push(c);
      b.push(c);
      cb();
    },
    final(cb) {
      b.push(null);
      cb();
    },
  });
  const b: Duplex = new Duplex({
    read() {},
    write(c: Buffer, _e, cb) {
      fromB.push(c);
      a.push(c);
      cb();
    },
    final(cb) {
      a.push(null);
      cb();
    },
  });
  return { a, b, fromA, fromB };
}

export interface KymanPairOptions {
  provider?: CryptoProvider;
  versions?: TlsVersionName[];
  cipherSuites?: CipherSuiteName[];
}

/** A kyman client and server over `pipePair`, handshake done; both sockets are pushed to `sockets` for the caller to stop. */
export async function pipedKymanPair(pki: TestPki, sockets: TlsSocket[], options: KymanPairOptions = {}) {
  const pair = pipePair();
  const p = options.provider ?? provider;
  const extra = { ...(options.versions ? { versions: options.versions } : {}), ...(options.cipherSuites ? { cipherSuites: options.cipherSuites } : {}) };
  const server = createTlsServer({ certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, provider: p, ...extra }).accept(pair.b);
  const client = connect({ socket: pair.a, serverName: 'localhost', trustAnchors: [pki.root.der], provider: p, ...extra });
  sockets.push(client, server);
  const [summary] = await within(10_000, Promise.all([client.secured, server.secured]), 'handshake');
  // Only what is written from here on is looked at.
  pair.fromA.length = 0;
  pair.fromB.length = 0;
  return { ...pair, client, server, summary };
}
