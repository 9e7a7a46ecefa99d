// TLS 1.2 session resumption state (RFC 5246 §7.3, RFC 5077): what a client keeps to resume, and the server's cache and ticket key.

import type { AeadKey, CryptoProvider } from '../crypto/provider.js';
import type { ValidationResult } from '../pki/validate.js';
import { allocBytes, concat, equalBytes, ownCopies, toHex } from '../bytes.js';
import { Reader, Writer } from './codec.js';
import type { Tls12MasterSecret } from './key-schedule-tls12.js';
import type { CipherSuiteName, Tls12CipherSuiteName } from './suites.js';
import { handshakeRandom } from './random-pool.js';

/**
 * How long a session may be resumed, on both sides. RFC 5246 §F.1.4 suggests an upper limit of
 * 24 hours; kyman keeps 2 hours, as RFC 5077 §5.6 advises a ticket's lifetime be short and as
 * OpenSSL and Go bound theirs to hours.
 */
export const SESSION_LIFETIME_SECONDS = 7200;
/** Sessions the server keeps by id: bounded, so many clients cannot grow its memory; the oldest go first. */
export const MAX_CACHED_SESSIONS = 1024;
/** One coder each for the process: making one costs more than the few bytes of a name it codes. */
const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();
/** A ticket larger than this is not one of ours (ours are a few hundred bytes plus the client's chain). */
const MAX_TICKET = 65_535;
/** RFC 5077 §4: the key_name that tells our tickets from others', and the AEAD nonce. */
const KEY_NAME_LENGTH = 16;
const NONCE_LENGTH = 12;
/**
 * How long one ticket key seals new tickets (RFC 5077 §5.5, RFC 8446 §4.6.1: ticket keys should
 * change regularly, so that one key, if it leaks, opens only the sessions of a short while; a
 * TLS 1.2 ticket carries the master secret). A retired key still opens the tickets it sealed
 * until they lapse, SESSION_LIFETIME_SECONDS later, and is then forgotten.
 */
export const TICKET_KEY_ROTATION_SECONDS = 3600;

/**
 * A TLS 1.2 session as the client keeps it to resume: pass it back as `session` to connect().
 * It holds the master secret, so it is as secret as a private key.
 */
export interface TlsSession12 {
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
  /** RFC 7627: whether the master secret is the extended one; false only with allowNoExtendedMasterSecret. */
  readonly extendedMasterSecret: boolean;
  readonly masterSecret: Tls12MasterSecret;
  /** RFC 7366: the session's CBC records are encrypt-then-MAC; a resumption keeps that. */
  readonly encryptThenMac?: boolean;
}

/**
 * A TLS 1.3 ticket as the client keeps it (RFC 8446 §4.6.1): the ticket, its age_add and the PSK
 * it stands for. Passed back as `session` like a 1.2 session; as secret as a private key.
 */
export interface TlsSession13 {
  readonly version: 'TLSv1.3';
  /** The suite the ticket was made under; it may resume only with a suite of the same hash (§4.2.11). */
  readonly cipherSuite: CipherSuiteName;
  readonly serverName?: string;
  readonly ticket: Uint8Array;
  /** §4.6.1 ticket_age_add, added to the ticket's age in obfuscated_ticket_age. */
  readonly ticketAgeAdd: number;
  /** §4.6.1 HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  readonly psk: Uint8Array;
  readonly createdAt: number;
  /** The server's ticket_lifetime, at most §4.6.1's seven days and kyman's SESSION_LIFETIME_SECONDS. */
  readonly lifetimeSeconds: number;
  readonly peerCertificates: readonly Uint8Array[];
}

/** What a connection's `session` option takes and its 'session' event gives, whichever version made it. */
export type TlsSession = TlsSession12 | TlsSession13;

export const session13Usable = (s: TlsSession, serverName: string | undefined, now: number): s is TlsSession13 =>
  s.version === 'TLSv1.3' && s.serverName === serverName && now >= s.createdAt && now < s.createdAt + s.lifetimeSeconds * 1000;

export const sessionUsable = (s: TlsSession, serverName: string | undefined, now: number): s is TlsSession12 =>
  s.version === 'TLSv1.2' && s.serverName === serverName && now < s.createdAt + s.lifetimeSeconds * 1000 && (s.sessionId.length > 0 || (s.ticket?.length ?? 0) > 0);

/**
 * What the validation of a session's chain established, kept beside the session object rather than
 * in it: a session stored and read back (or made up) is validated afresh when offered.
 */
interface SessionValidation {
  readonly anchors: readonly Uint8Array[];
  readonly host: string | undefined;
  /** The window, in ms since the epoch, inside every validity period of the path (RFC 5280 §6.1.3 (a)(2)). */
  readonly from: number;
  readonly until: number;
  readonly result: ValidationResult;
}

const validations = new WeakMap<TlsSession, SessionValidation>();

/** Client side: remembers that `session`'s chain validated against `anchors` for `host`. */
export function rememberValidation(session: TlsSession, result: ValidationResult | undefined, anchors: readonly Uint8Array[] | undefined, host: string | undefined): void {
  if (!result?.valid || !anchors?.length) return;
  let from = -Infinity;
  let until = Infinity;
  for (const c of result.chain) {
    from = Math.max(from, c.notBefore.getTime());
    until = Math.min(until, c.notAfter.getTime());
  }
  validations.set(session, { anchors: anchors.map((a) => Uint8Array.from(a)), host, from, until, result });
}

/**
 * Client side: the earlier result, when validating `session`'s chain again now would repeat it: the
 * same anchors, the same name, and `at` inside every certificate's validity period (the only input
 * that changes). Go's client likewise keeps the verified chains in the session and only rechecks
 * expiry and the name before resuming; re-parsing and re-verifying the chain would cost a resumed
 * handshake more than everything else it does.
 */
export function recallValidation(session: TlsSession, anchors: readonly Uint8Array[] | undefined, host: string | undefined, at: Date): ValidationResult | undefined {
  const v = validations.get(session);
  if (!v || v.host !== host || !anchors || anchors.length !== v.anchors.length) return undefined;
  const t = at.getTime();
  if (t < v.from || t > v.until) return undefined;
  for (let i = 0; i < anchors.length; i++) if (!equalBytes(anchors[i], v.anchors[i])) return undefined;
  return v.result;
}

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
  /** RFC 7627 §5.3: a session made without the extended master secret resumes only without it. */
  readonly extendedMasterSecret: boolean;
  /** RFC 7366: the session negotiated encrypt-then-MAC (a CBC suite only); a resumption keeps it. */
  readonly encryptThenMac?: boolean;
}

function encodeState(s: ServerSessionState): Uint8Array {
  const w = new Writer(512);
  w.u16(s.suiteId).vec8(UTF8_ENCODER.encode(s.group)).vec8(s.masterSecret).u32(s.createdAt);
  w.vec16(UTF8_ENCODER.encode(s.serverName ?? ''));
  w.vec(3, () => s.peerCertificates.forEach((c) => w.vec24(c)));
  w.u8(s.extendedMasterSecret ? 1 : 0);
  w.u8(s.encryptThenMac ? 1 : 0);
  return w.finish();
}

function decodeState(b: Uint8Array): ServerSessionState {
  const r = new Reader(b);
  const suiteId = r.u16();
  const group = UTF8_DECODER.decode(r.vec8('group'));
  const masterSecret = Uint8Array.from(r.vec8('master_secret')) as Tls12MasterSecret;
  const createdAt = r.u32();
  const name = UTF8_DECODER.decode(r.vec16('server_name'));
  const list = r.sub(3, 'certificates');
  const peerCertificates: Uint8Array[] = [];
  while (list.remaining > 0) peerCertificates.push(Uint8Array.from(list.vec24('certificate')));
  const extendedMasterSecret = r.u8() === 1;
  const encryptThenMac = r.u8() === 1;
  r.expectEnd('session state');
  return { suiteId, group, masterSecret, createdAt, ...(name ? { serverName: name } : {}), peerCertificates, extendedMasterSecret, ...(encryptThenMac ? { encryptThenMac } : {}) };
}

/** What a TLS 1.3 ticket seals (RFC 8446 §4.6.1): the PSK and what the resumed handshake must agree with. */
export interface ServerTicketState13 {
  readonly suiteId: number;
  readonly psk: Uint8Array;
  /** Seconds since the epoch. */
  readonly createdAt: number;
  readonly ticketAgeAdd: number;
  readonly serverName?: string;
  readonly peerCertificates: readonly Uint8Array[];
}

function encodeState13(s: ServerTicketState13): Uint8Array {
  const w = new Writer(512);
  w.u16(s.suiteId).vec8(s.psk).u32(s.createdAt).u32(s.ticketAgeAdd);
  w.vec16(UTF8_ENCODER.encode(s.serverName ?? ''));
  w.vec(3, () => s.peerCertificates.forEach((c) => w.vec24(c)));
  return w.finish();
}

function decodeState13(b: Uint8Array): ServerTicketState13 {
  const r = new Reader(b);
  const suiteId = r.u16();
  const psk = Uint8Array.from(r.vec8('psk'));
  const createdAt = r.u32();
  const ticketAgeAdd = r.u32();
  const name = UTF8_DECODER.decode(r.vec16('server_name'));
  const list = r.sub(3, 'certificates');
  const peerCertificates: Uint8Array[] = [];
  while (list.remaining > 0) peerCertificates.push(Uint8Array.from(list.vec24('certificate')));
  r.expectEnd('ticket state');
  return { suiteId, psk, createdAt, ticketAgeAdd, ...(name ? { serverName: name } : {}), peerCertificates };
}

/** Additional data that keeps a TLS 1.2 ticket from opening as a TLS 1.3 one, and the reverse. */
const TLS13_TICKET_LABEL = UTF8_ENCODER.encode('kyman tls13 ticket');

/** One ticket key: its public name (the first bytes of every ticket it seals) and when it began to seal. */
interface TicketKey {
  readonly name: Uint8Array;
  readonly nameHex: string;
  readonly aead: AeadKey;
  /** The additional data: the key name, and for TLS 1.3 a label, so a ticket of one version never opens as the other's. */
  readonly aad12: Uint8Array;
  readonly aad13: Uint8Array;
  /** Seconds since the epoch. */
  readonly since: number;
}

/**
 * The server's resumption state, shared by every connection of one server configuration: sessions
 * by id (RFC 5246 §7.4.1.2), and the keys that seal tickets (RFC 5077 §4: key_name ‖ nonce ‖
 * AEAD(state)). The newest key seals; it is replaced every TICKET_KEY_ROTATION_SECONDS by the
 * clock the server is given, and the ones before it only open, while their tickets can be valid.
 */
export class ServerSessionStore {
  private readonly cache = new Map<string, ServerSessionState>();
  /** Newest first. */
  private keys: TicketKey[] = [];

  constructor(private readonly provider: CryptoProvider) {}

  /** How many ticket keys are held: the sealing one and the retired ones that still open live tickets. */
  get ticketKeyCount(): number {
    return this.keys.length;
  }

  private fresh(s: ServerSessionState, nowSeconds: number): boolean {
    return nowSeconds >= s.createdAt && nowSeconds < s.createdAt + SESSION_LIFETIME_SECONDS;
  }

  /** Rotates and forgets keys as `nowSeconds` requires; returns the keys then held, the sealing one first. */
  private keysAt(nowSeconds: number): TicketKey[] {
    const newest = this.keys[0];
    if (!newest || nowSeconds >= newest.since + TICKET_KEY_ROTATION_SECONDS) {
      const name = this.provider.random(KEY_NAME_LENGTH);
      const aead = this.provider.aead('AES-256-GCM', this.provider.random(32));
      this.keys.unshift({ name, nameHex: toHex(name), aead, aad12: name, aad13: concat([name, TLS13_TICKET_LABEL]), since: nowSeconds });
    }
    // A key retired when the next one came stops opening once the last ticket it sealed has lapsed.
    const keys = this.keys;
    if (keys.length > 1 && nowSeconds >= keys[keys.length - 2].since + SESSION_LIFETIME_SECONDS) {
      this.keys = keys.filter((_, i) => i === 0 || nowSeconds < keys[i - 1].since + SESSION_LIFETIME_SECONDS);
    }
    return this.keys;
  }

  put(sessionId: Uint8Array, state: ServerSessionState): void {
    if (this.cache.size >= MAX_CACHED_SESSIONS) this.cache.delete(this.cache.keys().next().value!);
    // Copies of their own (see ownCopies), kept as long as the session lasts.
    const kept: ServerSessionState = { ...state, masterSecret: Uint8Array.from(state.masterSecret) as Tls12MasterSecret, peerCertificates: ownCopies(state.peerCertificates) };
    this.cache.set(toHex(sessionId), kept);
  }

  get(sessionId: Uint8Array, nowSeconds: number): ServerSessionState | undefined {
    if (sessionId.length === 0) return undefined;
    const s = this.cache.get(toHex(sessionId));
    if (s && !this.fresh(s, nowSeconds)) this.cache.delete(toHex(sessionId));
    return s && this.fresh(s, nowSeconds) ? s : undefined;
  }

  /** RFC 5077 §4: a TLS 1.2 ticket, sealed under the key in use at `nowSeconds`. */
  seal(state: ServerSessionState, nowSeconds: number): Uint8Array {
    return this.sealBytes(this.keysAt(nowSeconds)[0], 12, encodeState(state));
  }

  /** RFC 8446 §4.6.1: a TLS 1.3 ticket is self-contained, key_name ‖ nonce ‖ AEAD(state), like RFC 5077's; sealed now, at state.createdAt. */
  seal13(state: ServerTicketState13): Uint8Array {
    return this.sealBytes(this.keysAt(state.createdAt)[0], 13, encodeState13(state));
  }

  private sealBytes(key: TicketKey, version: 12 | 13, plain: Uint8Array): Uint8Array {
    const nonce = handshakeRandom(this.provider, NONCE_LENGTH);
    const sealed = key.aead.seal(nonce, version === 13 ? key.aad13 : key.aad12, plain);
    const out = allocBytes(KEY_NAME_LENGTH + NONCE_LENGTH + sealed.length);
    out.set(key.name, 0);
    out.set(nonce, KEY_NAME_LENGTH);
    out.set(sealed, KEY_NAME_LENGTH + NONCE_LENGTH);
    return out;
  }

  private openBytes(ticket: Uint8Array, version: 12 | 13, nowSeconds: number): Uint8Array | undefined {
    if (ticket.length > MAX_TICKET || ticket.length < KEY_NAME_LENGTH + NONCE_LENGTH + 16) return undefined;
    const name = toHex(ticket.subarray(0, KEY_NAME_LENGTH));
    const key = this.keysAt(nowSeconds).find((k) => k.nameHex === name);
    if (!key) return undefined;
    return key.aead.open(ticket.subarray(KEY_NAME_LENGTH, KEY_NAME_LENGTH + NONCE_LENGTH), version === 13 ? key.aad13 : key.aad12, ticket.subarray(KEY_NAME_LENGTH + NONCE_LENGTH)) ?? undefined;
  }

  /** RFC 5077 §3.4: a ticket that is not ours, or does not open, or has lapsed, just means a full handshake. */
  open(ticket: Uint8Array, nowSeconds: number): ServerSessionState | undefined {
    const plain = this.openBytes(ticket, 12, nowSeconds);
    if (!plain) return undefined;
    let state: ServerSessionState;
    try {
      state = decodeState(plain);
    } catch {
      return undefined;
    }
    return this.fresh(state, nowSeconds) ? state : undefined;
  }

  /** RFC 8446 §4.2.11: an identity that is not our ticket, or has lapsed, is skipped (a full handshake if none fits). */
  open13(ticket: Uint8Array, nowSeconds: number): ServerTicketState13 | undefined {
    const plain = this.openBytes(ticket, 13, nowSeconds);
    if (!plain) return undefined;
    let state: ServerTicketState13;
    try {
      state = decodeState13(plain);
    } catch {
      return undefined;
    }
    return nowSeconds >= state.createdAt && nowSeconds < state.createdAt + SESSION_LIFETIME_SECONDS ? state : undefined;
  }
}
