// The limits a test server holds its clients to — handshake and idle timeouts, open connections, handshakes in progress — and the guard that enforces them.

import type * as net from 'node:net';
import { usage } from '../errors.js';
import type { TlsSocket } from '../tls/index.js';
import { readDescriptorBudget, type DescriptorBudget } from './descriptor-limit.js';

/** A client gets this long to finish its handshake: Go's http.Transport allows the same; a real one needs well under a second. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Long enough for a person typing into `openssl s_client`, short enough that forgotten connections do not pile up. */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
/**
 * Descriptors kept free below the open-file limit for what is not a connection: stdio, the
 * listening socket, the key database and stash, a key log, a PKCS #11 module's own files, libuv's.
 * A tenth of the limit, and never fewer than this.
 */
const RESERVED_DESCRIPTORS = 64;
const RESERVED_FRACTION = 0.1;
/**
 * The default stops here however high the descriptor limit: an idle connection costs tens of KiB
 * (socket, TLS state, buffers), so ten thousand stay within a few hundred MB.
 */
const DEFAULT_MAX_CONNECTIONS_CEILING = 10_000;
/** When the descriptor limit cannot be read: just under the 1024 most systems start a process with. */
const FALLBACK_MAX_CONNECTIONS = 900;
/**
 * Handshakes in progress at once. A real client finishes in milliseconds, so only a flood of
 * stalled ones reaches this; the oldest is then closed to make room, and a good client still gets in.
 */
const MAX_PENDING_HANDSHAKES = 256;
/**
 * A handshake in progress gives way to a newcomer only once it is this old. A real client's
 * handshake over loopback or a LAN is done well within it, so what gives way is one waiting on its
 * client; a fresh one is not dropped for a newer one (that would only trade one client for another).
 */
export const STALLED_HANDSHAKE_MS = 250;
/**
 * Bytes a client may send before its handshake is done: two ClientHellos (after a HelloRetryRequest)
 * of up to 64 KiB, a Certificate of up to 256 KiB, CertificateVerify and Finished, in records.
 * With the cap on handshakes in progress, it bounds what stalled handshakes can make the server hold.
 */
export const MAX_HANDSHAKE_INPUT = 512 * 1024;
/** After close_notify, how long a peer gets to read it and close before the socket is destroyed. */
export const CLOSE_GRACE_MS = 500;

export type LimitName = 'handshake-timeout' | 'request-timeout' | 'idle-timeout' | 'max-conns' | 'max-handshakes' | 'handshake-size';

/** A limit that fired: which, on whose connection, and one line saying what was done. */
export interface LimitEvent {
  remote: string;
  limit: LimitName;
  message: string;
}

export interface LimitOptions {
  /** Milliseconds a client has to finish the handshake, and with an HTTP reply to send its request head after it. Default 10 s; 0: no limit. */
  handshakeTimeoutMs?: number;
  /** Milliseconds without a byte either way after which an established connection is closed. Default 120 s; 0: no limit. */
  idleTimeoutMs?: number;
  /** Connections open at once; one more is refused. Default: sized for the open-file limit, leaving room. */
  maxConnections?: number;
  /** Handshakes in progress at once; beyond it the oldest gives way if it has stalled, else the newcomer is refused. Default: 256, or maxConnections when fewer. */
  maxPendingHandshakes?: number;
}

/** The limits one server runs with, resolved once. */
export interface ServerLimits {
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
  maxPendingHandshakes: number;
  maxHandshakeInput: number;
  /** `option` when given; `descriptors` when sized for the open-file limit; `fallback` when that could not be read. */
  maxConnectionsFrom: 'option' | 'descriptors' | 'fallback';
  descriptors: DescriptorBudget | undefined;
}

/** USAGE for a limit that is not a whole number in range; the defaults for those not given. */
export function resolveServerLimits(options: LimitOptions, budget: () => DescriptorBudget = readDescriptorBudget): ServerLimits {
  const handshakeTimeoutMs = wholeNumber('handshakeTimeoutMs', options.handshakeTimeoutMs, 0) ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const idleTimeoutMs = wholeNumber('idleTimeoutMs', options.idleTimeoutMs, 0) ?? DEFAULT_IDLE_TIMEOUT_MS;
  const given = wholeNumber('maxConnections', options.maxConnections, 1);
  let maxConnections: number;
  let maxConnectionsFrom: ServerLimits['maxConnectionsFrom'] = 'option';
  let descriptors: DescriptorBudget | undefined;
  if (given !== undefined) maxConnections = given;
  else {
    descriptors = budget();
    const sized = connectionsFor(descriptors);
    maxConnectionsFrom = sized === undefined ? 'fallback' : 'descriptors';
    maxConnections = sized ?? FALLBACK_MAX_CONNECTIONS;
  }
  const maxPendingHandshakes = wholeNumber('maxPendingHandshakes', options.maxPendingHandshakes, 1) ?? Math.min(MAX_PENDING_HANDSHAKES, maxConnections);
  return { handshakeTimeoutMs, idleTimeoutMs, maxConnections, maxPendingHandshakes, maxHandshakeInput: MAX_HANDSHAKE_INPUT, maxConnectionsFrom, descriptors };
}

/** One descriptor a connection, from what is free under the soft limit, less the reserve; undefined when the limit is unknown. */
export function connectionsFor(budget: DescriptorBudget): number | undefined {
  if (budget.limit === undefined) return undefined;
  const free = budget.limit - (budget.inUse ?? 0);
  const reserve = Math.max(RESERVED_DESCRIPTORS, Math.ceil(budget.limit * RESERVED_FRACTION));
  // A limit too small for the reserve still gets half of what is free: a server that refuses everyone helps no one.
  const room = free > 2 * reserve ? free - reserve : Math.floor(free / 2);
  return Math.max(1, Math.min(DEFAULT_MAX_CONNECTIONS_CEILING, room));
}

function wholeNumber(name: string, value: number | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < min) throw usage(`${name} must be a whole number of at least ${min}, not ${value}`);
  return value;
}

/** close_notify, then the socket destroyed if the peer has not closed within CLOSE_GRACE_MS (a peer that never reads never would). */
export function closeGently(conn: TlsSocket): void {
  conn.end();
  setTimeout(() => conn.destroy(), CLOSE_GRACE_MS).unref();
}

/** 10 s, 1.5 s, 250 ms: a limit or an age as a person reads it. */
const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/**
 * Holds one server's connections to its limits and reports each limit that fires. Connections it
 * closes are remembered, so the error their handshake then ends with is not reported as a failure too.
 */
export class ConnectionGuard {
  /** Admitted sockets still counted against maxConnections. */
  private readonly open = new Set<net.Socket>();
  /** Handshakes in progress, oldest first (a Map keeps insertion order). */
  private readonly handshaking = new Map<TlsSocket, { tcp: net.Socket; remote: string; since: number }>();
  private readonly closedByLimit = new WeakSet<TlsSocket>();

  constructor(
    readonly limits: ServerLimits,
    private readonly onLimit: ((event: LimitEvent) => void) | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Whether a new connection may be served; when not, it is destroyed and reported. At either limit
   * (connections, handshakes in progress) the oldest handshake gives way if it has stalled.
   */
  admit(tcp: net.Socket, remote: string): boolean {
    const { maxConnections, maxPendingHandshakes } = this.limits;
    let refusal: LimitEvent | undefined;
    if (this.open.size >= maxConnections && !this.evictStalledHandshake()) {
      refusal = { remote, limit: 'max-conns', message: `refused: ${maxConnections} connections are open, the most allowed` };
    } else if (this.handshaking.size >= maxPendingHandshakes && !this.evictStalledHandshake()) {
      refusal = { remote, limit: 'max-handshakes', message: `refused: ${maxPendingHandshakes} handshakes are in progress, none of them stalled` };
    }
    if (refusal) {
      this.onLimit?.(refusal);
      tcp.destroy();
      return false;
    }
    this.open.add(tcp);
    tcp.once('close', () => this.open.delete(tcp));
    return true;
  }

  /** The handshake of an admitted connection: timed, its input counted, and counted against maxPendingHandshakes. */
  watchHandshake(conn: TlsSocket, tcp: net.Socket, remote: string): void {
    this.handshaking.set(conn, { tcp, remote, since: this.now() });
    let received = 0;
    const count = (d: Buffer) => {
      received += d.length;
      if (received > this.limits.maxHandshakeInput) {
        this.fire(conn, { remote, limit: 'handshake-size', message: `closed: sent more than ${this.limits.maxHandshakeInput / 1024} KiB without finishing the handshake` });
      }
    };
    tcp.on('data', count);
    const ms = this.limits.handshakeTimeoutMs;
    const timer = ms > 0 ? setTimeout(() => this.fire(conn, { remote, limit: 'handshake-timeout', message: `closed: no handshake within ${seconds(ms)}` }), ms) : undefined;
    const done = () => {
      clearTimeout(timer);
      tcp.off('data', count);
      this.handshaking.delete(conn);
    };
    conn.once('secure', done);
    conn.once('close', done);
  }

  /** After the handshake: closed (close_notify first) after idleTimeoutMs without a byte read or written. */
  watchIdle(conn: TlsSocket, tcp: net.Socket, remote: string): void {
    const ms = this.limits.idleTimeoutMs;
    if (ms === 0) return;
    tcp.setTimeout(ms);
    tcp.once('timeout', () => this.fire(conn, { remote, limit: 'idle-timeout', message: `closed: idle for ${seconds(ms)}` }, true));
  }

  /** An HTTP request head must be whole within handshakeTimeoutMs of this call; returns what cancels the deadline. */
  requestDeadline(conn: TlsSocket, remote: string): () => void {
    const ms = this.limits.handshakeTimeoutMs;
    if (ms === 0) return () => undefined;
    const timer = setTimeout(() => this.fire(conn, { remote, limit: 'request-timeout', message: `closed: no whole HTTP request head within ${seconds(ms)}` }, true), ms);
    conn.once('close', () => clearTimeout(timer));
    return () => clearTimeout(timer);
  }

  /** Whether a limit closed this connection (its handshake error is then no failure of its own). */
  closed(conn: TlsSocket): boolean {
    return this.closedByLimit.has(conn);
  }

  /** Closes the oldest handshake in progress if it has stalled (see STALLED_HANDSHAKE_MS); false when there is none such. */
  private evictStalledHandshake(): boolean {
    const oldest = this.handshaking.entries().next();
    if (oldest.done) return false;
    const [conn, { tcp, remote, since }] = oldest.value;
    if (this.now() - since < STALLED_HANDSHAKE_MS) return false;
    this.handshaking.delete(conn);
    // Counted out now, not when its close event comes, so the newcomer's place is really free.
    this.open.delete(tcp);
    const age = seconds(Math.round(this.now() - since));
    this.fire(conn, { remote, limit: 'max-handshakes', message: `closed: the oldest handshake in progress, stalled for ${age}, to make room for a new connection` });
    return true;
  }

  private fire(conn: TlsSocket, event: LimitEvent, gently = false): void {
    if (this.closedByLimit.has(conn) || conn.destroyed) return;
    this.closedByLimit.add(conn);
    this.onLimit?.(event);
    if (gently) closeGently(conn);
    else conn.destroy();
  }
}
