// The TLS engine's public face: connect, createTlsClient, createTlsServer and listen, over any Duplex.

import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { clientContext, clientHandshake } from './client.js';
import type { TlsClientOptions, TlsServerOptions } from './options.js';
import { TlsSocket } from './connection.js';
import { serverContext, serverHandshake } from './server.js';
import { softwareProvider } from '../crypto/software.js';
import type { TraceSink } from './trace.js';

/** Starts a client handshake (TLS 1.3 or 1.2, as `versions` allows and the server chooses) over `socket`; the returned TlsSocket emits 'secure' with the summary. */
export function connect(options: TlsClientOptions & { socket: Duplex }): TlsSocket {
  const { socket, ...rest } = options;
  return createTlsClient(rest).connect(socket);
}

export interface TlsClient {
  /** Runs the client handshake over a connected transport; `trace` watches this connection alone. */
  connect(socket: Duplex, connection?: { trace?: TraceSink }): TlsSocket;
}

/**
 * A TLS client configuration, checked and resolved once (USAGE for one that cannot work) and shared
 * by every connection made with it, as createTlsServer does for a server.
 */
export function createTlsClient(options: TlsClientOptions): TlsClient {
  const context = clientContext(options, options.provider ?? softwareProvider());
  return {
    connect(socket, connection) {
      const o = connection?.trace ? { ...options, trace: connection.trace } : options;
      return new TlsSocket(socket, clientHandshake(o, context), o);
    },
  };
}

export interface TlsServer {
  /** Runs the server handshake over an accepted connection; `trace` watches this connection alone. */
  accept(socket: Duplex, connection?: { trace?: TraceSink }): TlsSocket;
}

/**
 * A TLS server configuration (TLS 1.3 and 1.2 unless `versions` says otherwise). Options are checked
 * and resolved now, so a mistake shows before the first client; its connections share one ticket
 * key and session cache.
 */
export function createTlsServer(options: TlsServerOptions): TlsServer {
  const context = serverContext(options, options.provider ?? softwareProvider());
  return {
    accept(socket, connection) {
      const o = connection?.trace ? { ...options, trace: connection.trace } : options;
      return new TlsSocket(socket, serverHandshake(o, context), o);
    },
  };
}

/**
 * A net.Server on `host:port` whose connections are TLS: it emits 'secureConnection' (TlsSocket,
 * summary) when a handshake completes and 'tlsClientError' (error, TlsSocket) when one fails.
 */
export function listen(address: { host: string; port: number }, options: TlsServerOptions): net.Server {
  const tls = createTlsServer(options);
  const server = net.createServer((socket) => {
    const conn = tls.accept(socket);
    conn.once('secure', (summary) => server.emit('secureConnection', conn, summary));
    conn.once('error', (e) => {
      if (!conn.summary) server.emit('tlsClientError', e, conn);
    });
  });
  server.listen(address.port, address.host);
  return server;
}

export { TlsSocket } from './connection.js';
export type { TlsClientOptions, TlsServerOptions, TlsCommonOptions, ClientAuthMode } from './options.js';
export type { HandshakeSummary } from './handshake.js';
export { TlsAlertError, ALERTS } from './alerts.js';
export type { Alert, AlertName } from './alerts.js';
export type { TraceEvent, TraceField, TraceSink } from './trace.js';
export { formatTraceEvent } from './trace.js';
export { CIPHER_SUITES, CIPHER_SUITES_TLS12, GROUPS, SIGNATURE_SCHEMES, TLS_VERSIONS, isCbcSuiteName, isDheSuiteName } from './suites.js';
export type { CipherSuiteName, Tls12CipherSuiteName, Tls13CipherSuiteName, TlsVersionName, GroupName, SignatureSchemeName } from './suites.js';
export { prf as tls12Prf } from './key-schedule-tls12.js';
export type { TlsSession, TlsSession12, TlsSession13 } from './session-cache.js';
