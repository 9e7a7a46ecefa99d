// TLS 1.2 session resumption state (RFC 5246 §7.3, RFC 5077): what a client keeps to resume, and the server's cache and ticket key.

import type { AeadKey, CryptoProvider } from '../crypto/provider.js';
import { Reader, Writer, toHex } from './codec.js';
import type { Tls12MasterSecret } from './key-schedule-tls12.js';
import type { Tls12CipherSuiteName } from './suites.js';

/**
 * How long a session may be resumed, on both sides. RFC 5246 §F.1.4 suggests an upper limit of
 * 24 hours; kyman keeps 2 hours, as RFC 5077 §5.6 advises a ticket's lifetime be short and as
 * OpenSSL and Go bound theirs to hours.
 */
export const SESSION_LIFETIME_SECONDS = 7200;
/** Sessions the server keeps by id: bounded, so many clients cannot grow its memory; the oldest go first. */
export const MAX_CACHED_SESSIONS = 1024;
/** A ticket larger than this is not one of ours (ours are a few hundred bytes plus the client's chain). */
const MAX_TICKET = 65_535;
/** RFC 5077 §4: the key_name that tells our tickets from others', and the AEAD nonce. */
const KEY_NAME_LENGTH = 16;
const NONCE_LENGTH = 12;

/**
 * A TLS 1.2 session as the client keeps it to resume: pass it back as `session` to connect().
 * It holds the master secret, so it is as secret as a private key.
 */
export interface TlsSession {
  readonly version: 'TLSv1.2';
  readonly cipherSuite: Tls12CipherSuiteName;
  readonly group: string;
  /** The server name the session was made with; it is offered only to the same name (RFC 6066 §3). */
  readonly serverName?: string;
  /** RFC 5246 §7.4.1.2 session_id, empty when the server gave none. */
  readonly sessionId: Uint8Array;
  /** RFC 5077 §3.3 ticket, when the server gave one. */
  readonly ticket?: Uint8Array;
  /** Milliseconds since the epoch when the session was made; it lapses SESSION_LIFETIME_SECONDS later (or at the ticket's hint). */
  readonly createdAt: number;
  readonly lifetimeSeconds: number;
  readonly peerCertificates: readonly Uint8Array[];
  /** RFC 7627: always true in kyman, which makes no session without the extended master secret. */
  readonly extendedMasterSecret: true;
  readonly masterSecret: Tls12MasterSecret;
}

export const sessionUsable = (s: TlsSession, serverName: string | undefined, now: number): boolean =>
  s.version === 'TLSv1.2' && s.serverName === serverName && now < s.createdAt + s.lifetimeSeconds * 1000 && (s.sessionId.length > 0 || (s.ticket?.length ?? 0) > 0);

/** What the server remembers of a session, in its cache or sealed in a ticket. */
export interface ServerSessionState {
  readonly suiteId: number;
  readonly group: string;
  readonly masterSecret: Tls12MasterSecret;
  /** Seconds since the epoch. */
  readonly createdAt: number;
  readonly serverName?: string;
  /** The client's chain, if it authenticated. */
  readonly peerCertificates: readonly Uint8Array[];
}

function encodeState(s: ServerSessionState): Uint8Array {
  const w = new Writer(512);
  w.u16(s.suiteId).vec8(new TextEncoder().encode(s.group)).vec8(s.masterSecret).u32(s.createdAt);
  w.vec16(new TextEncoder().encode(s.serverName ?? ''));
  w.vec(3, () => s.peerCertificates.forEach((c) => w.vec24(c)));
  return w.finish();
}

function decodeState(b: Uint8Array): ServerSessionState {
  const r = new Reader(b);
  const suiteId = r.u16();
  const group = new TextDecoder().decode(r.vec8('group'));
  const masterSecret = Uint8Array.from(r.vec8('master_secret')) as Tls12MasterSecret;
  const createdAt = r.u32();
  const name = new TextDecoder().decode(r.vec16('server_name'));
  const list = r.sub(3, 'certificates');
  const peerCertificates: Uint8Array[] = [];
  while (list.remaining > 0) peerCertificates.push(Uint8Array.from(list.vec24('certificate')));
  r.expectEnd('session state');
  return { suiteId, group, masterSecret, createdAt, ...(name ? { serverName: name } : {}), peerCertificates };
}

/**
 * The server's resumption state, shared by every connection of one server configuration: sessions
 * by id (RFC 5246 §7.4.1.2), and the key that seals tickets (RFC 5077 §4: key_name ‖ nonce ‖ AEAD(state)).
 */
export class ServerSessionStore {
  private readonly cache = new Map<string, ServerSessionState>();
  private readonly keyName: Uint8Array;
  private readonly key: AeadKey;

  constructor(private readonly provider: CryptoProvider) {
    this.keyName = provider.random(KEY_NAME_LENGTH);
    this.key = provider.aead('AES-256-GCM', provider.random(32));
  }

  private fresh(s: ServerSessionState, nowSeconds: number): boolean {
    return nowSeconds >= s.createdAt && nowSeconds < s.createdAt + SESSION_LIFETIME_SECONDS;
  }

  put(sessionId: Uint8Array, state: ServerSessionState): void {
    if (this.cache.size >= MAX_CACHED_SESSIONS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(toHex(sessionId), state);
  }

  get(sessionId: Uint8Array, nowSeconds: number): ServerSessionState | undefined {
    if (sessionId.length === 0) return undefined;
    const s = this.cache.get(toHex(sessionId));
    if (s && !this.fresh(s, nowSeconds)) this.cache.delete(toHex(sessionId));
    return s && this.fresh(s, nowSeconds) ? s : undefined;
  }

  seal(state: ServerSessionState): Uint8Array {
    const nonce = this.provider.random(NONCE_LENGTH);
    const sealed = this.key.seal(nonce, this.keyName, encodeState(state));
    const out = new Uint8Array(KEY_NAME_LENGTH + NONCE_LENGTH + sealed.length);
    out.set(this.keyName, 0);
    out.set(nonce, KEY_NAME_LENGTH);
    out.set(sealed, KEY_NAME_LENGTH + NONCE_LENGTH);
    return out;
  }

  /** RFC 5077 §3.4: a ticket that is not ours, or does not open, or has lapsed, just means a full handshake. */
  open(ticket: Uint8Array, nowSeconds: number): ServerSessionState | undefined {
    if (ticket.length > MAX_TICKET || ticket.length < KEY_NAME_LENGTH + NONCE_LENGTH + 16) return undefined;
    const name = ticket.subarray(0, KEY_NAME_LENGTH);
    if (toHex(name) !== toHex(this.keyName)) return undefined;
    const plain = this.key.open(ticket.subarray(KEY_NAME_LENGTH, KEY_NAME_LENGTH + NONCE_LENGTH), this.keyName, ticket.subarray(KEY_NAME_LENGTH + NONCE_LENGTH));
    if (!plain) return undefined;
    let state: ServerSessionState;
    try {
      state = decodeState(plain);
    } catch {
      return undefined;
    }
    return this.fresh(state, nowSeconds) ? state : undefined;
  }
}

/** One store per server configuration object: createTlsServer hands every connection the same options. */
const stores = new WeakMap<object, ServerSessionStore>();

export function sessionStoreFor(options: object, provider: CryptoProvider): ServerSessionStore {
  let s = stores.get(options);
  if (!s) {
    s = new ServerSessionStore(provider);
    stores.set(options, s);
  }
  return s;
}
