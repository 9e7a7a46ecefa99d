// A test TLS server as `kyman tls server` runs it: one report per connection, an echo or HTTP reply within the server's limits, a clean stop.

import * as net from 'node:net';
import { wwwServer, type WwwServer } from './www-root.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { conflict, failed, usage } from '../errors.js';
import { readCertificate } from '../pki/certificate/index.js';
import { createTlsServer, type HandshakeSummary, type TlsServerOptions, type TlsSocket, type TlsVersionName, type TraceEvent } from '../tls/index.js';
import { ConnectionGuard, closeGently, resolveServerLimits, type LimitEvent, type LimitOptions, type ServerLimits } from './connection-limits.js';
import { describeHandshakeFailure } from './probe.js';
import { acceptStarttls, answerMailClient, type ServerStarttlsProtocol } from './starttls/mail-server.js';

export type ReplyMode = 'echo' | 'http' | 'auto' | 'www';

/** An HTTP request head longer than this is not a test client's: answer what arrived. */
const MAX_REQUEST_HEAD = 16 * 1024;
/** `auto` takes these first bytes (or ALPN http/1.1) for HTTP; anything else is echoed. */
const HTTP_REQUEST_LINE = /^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE) \S+ HTTP\/1\.[01]\r?\n/;
const HTTP_METHOD_START = /^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE) /;

export interface ConnectionReport {
  /** `address:port` of the client. */
  remote: string;
  version: string;
  cipherSuite: string;
  group: string;
  /** The scheme this server signed its CertificateVerify with. */
  serverSignatureScheme?: string;
  /** The scheme the client's CertificateVerify used, when it sent a certificate. */
  clientSignatureScheme?: string;
  alpn?: string;
  serverName?: string;
  resumed: boolean;
  helloRetry: boolean;
  /** Subject of the client's certificate, when it sent one. */
  clientCertificate?: string;
  handshakeMs: number;
  /** With `keyUpdate`: whether one went out (TLS 1.3 only). */
  keyUpdateSent?: boolean;
  summary: HandshakeSummary;
}

export interface ConnectionFailure {
  remote: string;
  /** One line, the alert named (see describeHandshakeFailure). */
  message: string;
  alert?: string;
  error: unknown;
}

export interface TestServerOptions extends TlsServerOptions, LimitOptions {
  host: string;
  /** 0 picks a free port; `address` says which. */
  port: number;
  /**
   * What to do with application data. `auto` (the default): HTTP when ALPN says http/1.1 or the
   * first bytes are an HTTP request line, echo otherwise. `www`: GET and HEAD of the files under
   * `wwwRoot`, read-only, never outside it.
   */
  reply?: ReplyMode;
  /** The folder `www` serves. */
  wwwRoot?: string;
  /** §4.6.3: after each TLS 1.3 handshake, send a KeyUpdate asking the client to update its keys too. */
  keyUpdate?: boolean;
  /** Handle one connection, then stop listening; `finished` says how it went. */
  once?: boolean;
  versions?: TlsVersionName[];
  /** The trace of each connection's handshake, with the connection it belongs to. */
  onTrace?: (event: TraceEvent, remote: string) => void;
  onConnection?: (report: ConnectionReport) => void;
  onFailure?: (failure: ConnectionFailure) => void;
  /** When the connection closes (after its report), with the bytes it carried. */
  onClosed?: (remote: string, bytes: { received: number; sent: number }) => void;
  /** A limit fired: a connection refused or closed (see LimitOptions). */
  onLimit?: (event: LimitEvent) => void;
  /** Greet in this protocol and start TLS on its STARTTLS; with `reply` auto, answer its commands after TLS too. */
  starttls?: ServerStarttlsProtocol;
}

export interface TestServer {
  readonly address: { host: string; port: number };
  /** With `once`: resolves when the one connection is over, `ok` when its handshake succeeded. Otherwise when closed. */
  readonly finished: Promise<{ ok: boolean }>;
  /** The limits it holds clients to, defaults resolved. */
  readonly limits: ServerLimits;
  /** Stops listening and ends every connection (close_notify, then the socket). */
  close(): Promise<void>;
}

/** Starts a test server; resolves once it listens. USAGE for options that cannot work, CONFLICT for a port in use. */
export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const { host, port, reply = 'auto', once = false, onTrace, onConnection, onFailure, onClosed, onLimit, starttls, handshakeTimeoutMs, idleTimeoutMs, maxConnections, maxPendingHandshakes, wwwRoot, keyUpdate = false, ...tls } = options;
  if (reply === 'www' && !wwwRoot) throw usage('reply www needs wwwRoot, the folder to serve');
  const www = reply === 'www' ? wwwServer(wwwRoot!) : undefined;
  const provider: CryptoProvider = tls.provider ?? softwareProvider();
  const guard = new ConnectionGuard(resolveServerLimits({ handshakeTimeoutMs, idleTimeoutMs, maxConnections, maxPendingHandshakes }), onLimit);
  // Checked now, so a mistake shows before the first client; its connections share one ticket key and session cache.
  const tlsServer = createTlsServer({ ...tls, provider });
  const live = new Set<TlsSocket>();
  /** Connections still in their STARTTLS dialogue, ended by close() as the TLS ones are. */
  const plain = new Set<net.Socket>();
  let resolveFinished!: (r: { ok: boolean }) => void;
  const finished = new Promise<{ ok: boolean }>((r) => (resolveFinished = r));
  let taken = false;

  const server = net.createServer((tcp) => {
    if (once && taken) {
      tcp.destroy();
      return;
    }
    const remote = `${tcp.remoteAddress}:${tcp.remotePort}`;
    if (!guard.admit(tcp, remote)) return;
    taken = true;
    if (once) server.close();
    if (!starttls) return secure(tcp, remote);
    plain.add(tcp);
    // A handshake timeout of 0 (none) leaves the dialogue unbounded in time too; its size is bounded anyway.
    acceptStarttls(tcp, starttls, guard.limits.handshakeTimeoutMs || 0x7fffffff).then(
      () => {
        plain.delete(tcp);
        secure(tcp, remote);
      },
      (e: Error) => {
        plain.delete(tcp);
        tcp.destroy();
        onFailure?.({ remote, message: e.message, error: e });
        if (once) resolveFinished({ ok: false });
      },
    );
  });

  function secure(tcp: net.Socket, remote: string): void {
    let serverScheme: string | undefined;
    // The server's own scheme is not in the summary; the CertificateVerify it sends names it.
    const trace = (e: TraceEvent) => {
      if (e.direction === 'sent' && e.message === 'CertificateVerify') serverScheme = String(e.fields.find((f) => f.name === 'algorithm')?.value ?? '');
      // RFC 5246 §7.4.3: in TLS 1.2 the server signs its ServerKeyExchange instead.
      if (e.direction === 'sent' && e.message === 'ServerKeyExchange') {
        const signed = e.fields.find((f) => f.name === 'signed_params')?.value;
        if (Array.isArray(signed)) serverScheme = String(signed.find((f) => f.name === 'algorithm')?.value ?? '');
      }
      onTrace?.(e, remote);
    };
    const conn = tlsServer.accept(tcp, { trace });
    live.add(conn);
    guard.watchHandshake(conn, tcp, remote);
    const bytes = { received: 0, sent: 0 };
    let ok = false;
    conn.on('error', (e) => {
      if (!conn.summary && !guard.closed(conn)) {
        const alert = (e as { alert?: { name: string } }).alert?.name;
        onFailure?.({ remote, message: describeHandshakeFailure(e, 'client'), ...(alert ? { alert } : {}), error: e });
      }
    });
    conn.once('close', () => {
      live.delete(conn);
      if (conn.summary) onClosed?.(remote, bytes);
      if (once) resolveFinished({ ok });
    });
    conn.once('secure', (summary: HandshakeSummary) => {
      ok = true;
      const leaf = summary.peerCertificates[0];
      const keyUpdateSent = keyUpdate && summary.version === 'TLSv1.3';
      if (keyUpdateSent) conn.keyUpdate(true);
      onConnection?.({
        remote,
        version: summary.version,
        cipherSuite: summary.cipherSuite,
        group: summary.group,
        ...(serverScheme ? { serverSignatureScheme: serverScheme } : {}),
        ...(summary.signatureScheme ? { clientSignatureScheme: summary.signatureScheme } : {}),
        ...(summary.alpn !== undefined ? { alpn: summary.alpn } : {}),
        ...(summary.serverName !== undefined ? { serverName: summary.serverName } : {}),
        resumed: summary.resumed,
        helloRetry: summary.helloRetry,
        ...(leaf ? { clientCertificate: readCertificate(provider, leaf).subject || '(empty subject)' } : {}),
        handshakeMs: summary.handshakeMs,
        ...(keyUpdate ? { keyUpdateSent } : {}),
        summary,
      });
      guard.watchIdle(conn, tcp, remote);
      if (starttls && reply === 'auto') answerMailClient(conn, starttls, () => closeGently(conn));
      else answer(conn, reply, summary, leaf ? readCertificate(provider, leaf).subject : undefined, bytes, () => guard.requestDeadline(conn, remote), www);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(conflict(`${host}:${port} is in use: choose another --port`, e));
      else if (e.code === 'EACCES') reject(usage(`not allowed to listen on ${host}:${port}: choose a port above 1023`, e));
      else if (e.code === 'EADDRNOTAVAIL') reject(usage(`${host} is not an address of this machine`, e));
      else reject(failed(`cannot listen on ${host}:${port}: ${e.message}`, e));
    });
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as net.AddressInfo;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      for (const c of live) closeGently(c);
      for (const t of plain) t.destroy();
      if (server.listening) server.close(() => resolve());
      else resolve();
      if (!once) resolveFinished({ ok: true });
    }));
  return { address: { host, port: bound.port }, finished, limits: guard.limits, close };
}

/**
 * The reply a connection gets once its handshake is done. Echo writes back at the pace the client
 * reads: reading stops while the client has not taken what was sent, so a client that sends and
 * never reads holds a few buffers, not everything it sent. An HTTP request head must be whole
 * within `requestDeadline`'s time.
 */
function answer(
  conn: TlsSocket,
  mode: ReplyMode,
  summary: HandshakeSummary,
  client: string | undefined,
  bytes: { received: number; sent: number },
  requestDeadline: () => () => void,
  www?: WwwServer,
): void {
  const write = (d: Buffer | string): boolean => {
    bytes.sent += typeof d === 'string' ? Buffer.byteLength(d) : d.length;
    return conn.write(d);
  };
  let decided: 'echo' | 'http' | undefined = mode === 'auto' ? (summary.alpn === 'http/1.1' ? 'http' : undefined) : mode === 'www' ? 'http' : mode;
  let cancelDeadline = decided === 'http' ? requestDeadline() : undefined;
  let head = '';
  conn.on('data', (d: Buffer) => {
    bytes.received += d.length;
    if (!decided) {
      decided = HTTP_METHOD_START.test(d.toString('latin1', 0, 8)) || HTTP_REQUEST_LINE.test(d.toString('latin1', 0, 64)) ? 'http' : 'echo';
      if (decided === 'http') cancelDeadline = requestDeadline();
    }
    if (decided === 'echo') {
      if (!write(d)) {
        conn.pause();
        conn.once('drain', () => conn.resume());
      }
      return;
    }
    head += d.toString('latin1');
    if (head.includes('\r\n\r\n') || head.includes('\n\n') || head.length > MAX_REQUEST_HEAD) {
      cancelDeadline?.();
      const requestLine = head.split(/\r?\n/)[0];
      if (www) {
        const { status, type, content } = www.answer(requestLine);
        const headOnly = requestLine.startsWith('HEAD ');
        write(`HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${content.length}\r\nConnection: close\r\n\r\n`);
        if (!headOnly && content.length) write(content);
        conn.removeAllListeners('data');
        conn.resume();
        closeGently(conn);
        return;
      }
      const body = [
        'Hello from kyman tls server.',
        `request: ${requestLine}`,
        `negotiated: ${summary.version} ${summary.cipherSuite} ${summary.group}${summary.alpn ? ` alpn=${summary.alpn}` : ''}`,
        `client certificate: ${client ?? 'none'}`,
        '',
      ].join('\n');
      const status = head.length > MAX_REQUEST_HEAD ? '431 Request Header Fields Too Large' : '200 OK';
      write(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${requestLine.startsWith('HEAD ') ? '' : body}`);
      conn.removeAllListeners('data');
      // What the client sends after its request is read and dropped until it closes, or the grace runs out.
      conn.resume();
      closeGently(conn);
    }
  });
}
