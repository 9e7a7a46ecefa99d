// The TLS 1.3 key schedule (RFC 8446 §7.1): each stage a branded type, so secrets cannot be passed where another belongs.

import type { CryptoProvider, RunningHash } from '../crypto/provider.js';
import { allocBytes, concat } from '../bytes.js';
import type { CipherSuite } from './suites.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type EarlySecret = Brand<Uint8Array, 'EarlySecret'>;
export type HandshakeSecret = Brand<Uint8Array, 'HandshakeSecret'>;
export type MasterSecret = Brand<Uint8Array, 'MasterSecret'>;
/** client/server handshake or application traffic secret: what record keys and Finished keys come from. */
export type TrafficSecret = Brand<Uint8Array, 'TrafficSecret'>;
export type ResumptionMasterSecret = Brand<Uint8Array, 'ResumptionMasterSecret'>;
export type BinderKey = Brand<Uint8Array, 'BinderKey'>;

export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/** "tls13 " ‖ label, encoded once per label: the labels are a handful of constants. */
const LABELS = new Map<string, Uint8Array>();
const labelBytes = (label: string): Uint8Array => {
  let b = LABELS.get(label);
  if (!b) LABELS.set(label, (b = new TextEncoder().encode(`tls13 ${label}`)));
  return b;
};

/**
 * What the schedule derives from constants alone, per provider and hash: Hash(""), the Early Secret
 * of a handshake without a PSK, and the salt it gives the Handshake Secret. Worked out through the
 * provider once instead of in every full handshake.
 */
interface ScheduleConstants {
  readonly emptyHash: Uint8Array;
  readonly zeroEarly: EarlySecret;
  readonly zeroEarlyDerived: Uint8Array;
}
const CONSTANTS = new WeakMap<CryptoProvider, Map<string, ScheduleConstants>>();

/** The schedule for one negotiated suite; every derivation goes through the provider. */
export class KeySchedule {
  private readonly constants: ScheduleConstants;

  constructor(
    readonly provider: CryptoProvider,
    readonly suite: CipherSuite,
  ) {
    let byHash = CONSTANTS.get(provider);
    if (!byHash) CONSTANTS.set(provider, (byHash = new Map()));
    let c = byHash.get(suite.hash);
    if (!c) {
      const emptyHash = provider.hash(suite.hash, new Uint8Array(0));
      const zero = new Uint8Array(suite.hashLength);
      const zeroEarly = provider.hkdfExtract(suite.hash, zero, zero) as EarlySecret;
      c = { emptyHash, zeroEarly, zeroEarlyDerived: this.expandLabel(zeroEarly, 'derived', emptyHash, suite.hashLength) };
      byHash.set(suite.hash, c);
    }
    this.constants = c;
  }

  hash(data: Uint8Array): Uint8Array {
    return this.provider.hash(this.suite.hash, data);
  }

  /** A running hash of the suite's hash, for the transcript; undefined when the provider has none. */
  runningHash(): RunningHash | undefined {
    return this.provider.runningHash?.(this.suite.hash);
  }

  /** §7.1 HKDF-Expand-Label(Secret, Label, Context, Length) with HkdfLabel's "tls13 " prefix. */
  expandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    const l = labelBytes(label);
    const info = new Uint8Array(2 + 1 + l.length + 1 + context.length);
    info[0] = length >>> 8;
    info[1] = length & 0xff;
    info[2] = l.length;
    info.set(l, 3);
    info[3 + l.length] = context.length;
    info.set(context, 4 + l.length);
    return this.provider.hkdfExpand(this.suite.hash, secret, info, length);
  }

  /** §7.1 Derive-Secret(Secret, Label, Messages), given Transcript-Hash(Messages). */
  private derive(secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
    return this.expandLabel(secret, label, transcriptHash, this.suite.hashLength);
  }

  /**
   * Early Secret = HKDF-Extract(0, PSK), with a zero PSK when none is used. The binder and the
   * Handshake Secret both start from a PSK's (§7.1): callers keep it rather than derive it twice.
   */
  earlySecret(psk?: Uint8Array): EarlySecret {
    if (!psk) return this.constants.zeroEarly;
    return this.provider.hkdfExtract(this.suite.hash, new Uint8Array(this.suite.hashLength), psk) as EarlySecret;
  }

  /** binder_key = Derive-Secret(Early Secret, "res binder", "") (§4.2.11.2, §7.1). */
  resumptionBinderKey(early: EarlySecret): BinderKey {
    return this.derive(early, 'res binder', this.constants.emptyHash) as BinderKey;
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE). */
  handshakeSecret(early: EarlySecret, sharedSecret: Uint8Array): HandshakeSecret {
    const salt = early === this.constants.zeroEarly ? this.constants.zeroEarlyDerived : this.derive(early, 'derived', this.constants.emptyHash);
    return this.provider.hkdfExtract(this.suite.hash, salt, sharedSecret) as HandshakeSecret;
  }

  clientHandshakeTrafficSecret(hs: HandshakeSecret, transcriptHash: Uint8Array): TrafficSecret {
    return this.derive(hs, 'c hs traffic', transcriptHash) as TrafficSecret;
  }

  serverHandshakeTrafficSecret(hs: HandshakeSecret, transcriptHash: Uint8Array): TrafficSecret {
    return this.derive(hs, 's hs traffic', transcriptHash) as TrafficSecret;
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0). */
  masterSecret(hs: HandshakeSecret): MasterSecret {
    return this.provider.hkdfExtract(this.suite.hash, this.derive(hs, 'derived', this.constants.emptyHash), new Uint8Array(this.suite.hashLength)) as MasterSecret;
  }

  clientApplicationTrafficSecret(ms: MasterSecret, transcriptHash: Uint8Array): TrafficSecret {
    return this.derive(ms, 'c ap traffic', transcriptHash) as TrafficSecret;
  }

  serverApplicationTrafficSecret(ms: MasterSecret, transcriptHash: Uint8Array): TrafficSecret {
    return this.derive(ms, 's ap traffic', transcriptHash) as TrafficSecret;
  }

  exporterMasterSecret(ms: MasterSecret, transcriptHash: Uint8Array): Uint8Array {
    return this.derive(ms, 'exp master', transcriptHash);
  }

  resumptionMasterSecret(ms: MasterSecret, transcriptHash: Uint8Array): ResumptionMasterSecret {
    return this.derive(ms, 'res master', transcriptHash) as ResumptionMasterSecret;
  }

  /** §4.6.1: the PSK a ticket stands for, HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  resumptionPsk(rms: ResumptionMasterSecret, ticketNonce: Uint8Array): Uint8Array {
    return this.expandLabel(rms, 'resumption', ticketNonce, this.suite.hashLength);
  }

  /** §7.2 application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length). */
  nextTrafficSecret(secret: TrafficSecret): TrafficSecret {
    return this.expandLabel(secret, 'traffic upd', new Uint8Array(0), this.suite.hashLength) as TrafficSecret;
  }

  /** §7.3 the write key and IV a traffic secret gives. */
  trafficKeys(secret: TrafficSecret): TrafficKeys {
    return {
      key: this.expandLabel(secret, 'key', new Uint8Array(0), this.suite.keyLength),
      iv: this.expandLabel(secret, 'iv', new Uint8Array(0), this.suite.ivLength),
    };
  }

  /** §4.4.4 verify_data = HMAC(finished_key, Transcript-Hash(…)); also the PSK binder (§4.2.11.2) with the binder key as base. */
  finishedMac(base: TrafficSecret | BinderKey, transcriptHash: Uint8Array): Uint8Array {
    const finishedKey = this.expandLabel(base, 'finished', new Uint8Array(0), this.suite.hashLength);
    return this.provider.hmac(this.suite.hash, finishedKey, transcriptHash);
  }
}

/** What the transcript hashes with: a key schedule (TLS 1.3, or TLS 1.2's PRF hash). */
interface TranscriptHasher {
  hash(data: Uint8Array): Uint8Array;
  runningHash?(): RunningHash | undefined;
}

/**
 * The running transcript (§4.4.1): the handshake messages in order. The hash is not known until
 * the suite is chosen, so the messages are kept (a handshake holds a few kilobytes of them); from
 * the first time it is asked for, the hash runs alongside, fed each message once, and each
 * Transcript-Hash is read from a copy of it rather than by hashing every message again.
 */
export class Transcript {
  private messages: Uint8Array[] = [];
  /**
   * The last hash and what it covered: the same transcript is often hashed twice in a row (the
   * application secrets and the Finished that follows them, with no message between).
   */
  private last: { ks: object; count: number; hash: Uint8Array } | undefined;
  /** The running hash for one hasher, and how many of the messages it has been fed. */
  private running: { ks: object; hash: RunningHash; count: number } | undefined;

  add(message: Uint8Array): void {
    this.messages.push(message);
  }

  /** Transcript-Hash (§4.4.1); a TLS 1.2 schedule hashes with its PRF hash (RFC 5246 §7.4.9). */
  hash(ks: TranscriptHasher): Uint8Array {
    const l = this.last;
    if (l && l.ks === ks && l.count === this.messages.length) return l.hash;
    let r = this.running;
    if (!r || r.ks !== ks) {
      const running = ks.runningHash?.();
      r = this.running = running && { ks, hash: running, count: 0 };
    }
    let hash: Uint8Array;
    if (r) {
      for (; r.count < this.messages.length; r.count++) r.hash.update(this.messages[r.count]);
      hash = r.hash.digest();
    } else {
      hash = ks.hash(concat(this.messages));
    }
    this.last = { ks, count: this.messages.length, hash };
    return hash;
  }

  /** The messages themselves: what a TLS 1.2 CertificateVerify signs (RFC 5246 §7.4.8). */
  bytes(): Uint8Array {
    return concat(this.messages);
  }

  /** The hash over the messages plus a prefix of one more (for the PSK binder, §4.2.11.2), without adding it. */
  hashWith(ks: KeySchedule, partial: Uint8Array): Uint8Array {
    return ks.hash(concat([...this.messages, partial]));
  }

  /** The hash with the last message replaced by a prefix of it: the server's view of a ClientHello's binders (§4.2.11.2). */
  hashReplacingLast(ks: KeySchedule, partial: Uint8Array): Uint8Array {
    return ks.hash(concat([...this.messages.slice(0, -1), partial]));
  }

  /**
   * §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by the synthetic
   * message_hash message carrying Hash(ClientHello1).
   */
  replaceWithMessageHash(ks: KeySchedule): void {
    const h = ks.hash(concat(this.messages));
    const m = new Uint8Array(4 + h.length);
    m[0] = 254;
    m[3] = h.length;
    m.set(h, 4);
    this.messages = [m];
    this.last = undefined;
    this.running = undefined;
  }
}

/** §4.4.3: what a CertificateVerify signs before the transcript hash, per side: 64 spaces, the context string, a zero byte. */
const VERIFY_PREFIX = {
  server: verifyPrefix('server'),
  client: verifyPrefix('client'),
};

function verifyPrefix(side: 'server' | 'client'): Uint8Array {
  const context = new TextEncoder().encode(`TLS 1.3, ${side} CertificateVerify`);
  const out = new Uint8Array(64 + context.length + 1);
  out.fill(0x20, 0, 64);
  out.set(context, 64);
  return out;
}

/** §4.4.3: the content a CertificateVerify signs: 64 spaces, the context string, a zero byte, the transcript hash. */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const prefix = VERIFY_PREFIX[side];
  const out = allocBytes(prefix.length + transcriptHash.length);
  out.set(prefix);
  out.set(transcriptHash, prefix.length);
  return out;
}
