// What a version's handshake is given (the channel to the record layer) and what it gives back (the established state and the one summary).

import type { CryptoProvider } from '../crypto/provider.js';
import type { ValidationResult } from '../pki/validate.js';
import type { MessageCodec } from './msgs/fields.js';
import type { RecordProtection } from './record.js';
import type { TlsSession } from './session-cache.js';
import type { CipherSuiteName, SignatureSchemeName, TlsVersionName } from './suites.js';

/** What was agreed, reported once the handshake is done. */
export interface HandshakeSummary {
  version: TlsVersionName;
  /** The suite's IANA name (`TLS_AES_128_GCM_SHA256`, `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384` …). */
  cipherSuite: CipherSuiteName;
  /** The key-exchange group, RFC 8446 name (`x25519`, `secp256r1`, `secp384r1`). */
  group: string;
  /** The scheme the peer's CertificateVerify (TLS 1.2: the server's ServerKeyExchange) used; absent when the peer signed nothing. */
  signatureScheme?: SignatureSchemeName;
  alpn?: string;
  serverName?: string;
  resumed: boolean;
  helloRetry: boolean;
  /** The peer's chain as sent, leaf first (DER). */
  peerCertificates: Uint8Array[];
  /** How the peer's chain validated, when it was checked. */
  validation?: ValidationResult;
  /** TLS 1.3, with `requestCertificateStatus`: what the server attached to its leaf (DER OCSPResponse; the SignedCertificateTimestampList). */
  leafStatus?: { ocspResponse?: Uint8Array; sctList?: Uint8Array };
  /** Client side: whether we sent a certificate when asked. */
  clientCertificateSent?: boolean;
  handshakeMs: number;
}

export interface HandshakeMessage {
  readonly type: number;
  readonly body: Uint8Array;
  /** The whole message, header included, as the transcript takes it. */
  readonly raw: Uint8Array;
}

/** What a version-specific handshake (client-tls13, server-tls13, client-tls12, server-tls12) is given. */
export interface HandshakeChannel {
  readonly provider: CryptoProvider;
  readHandshake(): Promise<HandshakeMessage>;
  /** Queues a handshake message under the current write protection. */
  sendHandshake(raw: Uint8Array): void;
  /** §D.4 middlebox compatibility: one unprotected change_cipher_spec. */
  sendChangeCipherSpec(): void;
  /** Writes what is queued: one flush per flight. */
  flush(): void;
  /**
   * Writes what is queued at the end of this tick, with whatever else is written in it: what the
   * peer does not wait for (TLS 1.3 tickets) then shares a write with the first application data.
   */
  flushAtEndOfTick(): void;
  setReadProtection(p: RecordProtection): void;
  setWriteProtection(p: RecordProtection): void;
  /** Whether one change_cipher_spec from the peer is still acceptable (§5: only during the handshake). */
  allowChangeCipherSpec(allowed: boolean): void;
  /**
   * RFC 8446 §4.2.10: early data the server does not accept is skipped, up to `bytes`: records that
   * do not decrypt under the current keys (or, before them, after a HelloRetryRequest, every
   * application_data record). The first record that decrypts ends the skipping; 0 ends it too.
   */
  skipEarlyData(bytes: number): void;
  /** Only called when tracing is on; the caller checks `tracing` first so nothing is built otherwise. */
  readonly tracing: boolean;
  trace<T>(direction: 'sent' | 'received', codec: MessageCodec<T>, message: T): void;
  keyLog(label: string, clientRandom: Uint8Array, secret: Uint8Array): void;
  /**
   * TLS 1.2 (RFC 5246 §7.1): the peer's next record must be a change_cipher_spec, and the records
   * after it are read under `p`. A handshake record before it is an unexpected_message.
   */
  expectChangeCipherSpec(p: RecordProtection): void;
  /** Client side: a session that can be resumed (TLS 1.2, or a TLS 1.3 ticket); the socket emits it as 'session'. */
  newSession(session: TlsSession): void;
  /** TLS 1.2 was negotiated: alerts follow RFC 5246 §7.2 (warnings do not end the connection). */
  useTls12Alerts(): void;
  /** Sends a warning-level alert now (RFC 5246 §7.2.2 no_renegotiation). */
  sendWarningAlert(name: 'no_renegotiation'): void;
}

/** A connection whose handshake is done: what was agreed, and what it does after the handshake (§4.6). */
export interface Established {
  readonly summary: HandshakeSummary;
  /** Post-handshake messages (§4.6): synchronous, so the next record is read under the right keys. */
  postHandshake(m: HandshakeMessage): void;
  /** §4.6.3: sends a KeyUpdate and moves our write side to the next secret. */
  keyUpdate(requestPeer: boolean): void;
}

/** A handshake as the connection runs it (the `client` or `server` entry): it resolves once the connection is established. */
export type Handshake = (channel: HandshakeChannel) => Promise<Established>;

/** What a handshake agreed, as each version's handshaker records it; `summarize` turns it into the one public summary. */
export interface Agreed {
  readonly version: TlsVersionName;
  readonly suite: { readonly name: CipherSuiteName };
  readonly group: { readonly name: string };
  /** The scheme the peer signed with (CertificateVerify, or TLS 1.2's ServerKeyExchange); undefined when it signed nothing. */
  readonly peerScheme: { readonly name: SignatureSchemeName } | undefined;
  readonly alpn: string | undefined;
  readonly serverName: string | undefined;
  readonly resumed: boolean;
  readonly helloRetry: boolean;
  readonly peerCertificates: Uint8Array[];
  readonly validation: ValidationResult | undefined;
  /** Client side, TLS 1.3: what the server attached to its leaf's CertificateEntry. */
  readonly leafStatus?: { ocspResponse?: Uint8Array; sctList?: Uint8Array };
  /** Client side only: whether we sent a certificate when asked. */
  readonly clientCertificateSent?: boolean;
  /** performance.now() when the handshake began. */
  readonly started: number;
}

export function summarize(a: Agreed): HandshakeSummary {
  return {
    version: a.version,
    cipherSuite: a.suite.name,
    group: a.group.name,
    ...(a.peerScheme ? { signatureScheme: a.peerScheme.name } : {}),
    ...(a.alpn !== undefined ? { alpn: a.alpn } : {}),
    ...(a.serverName !== undefined ? { serverName: a.serverName } : {}),
    resumed: a.resumed,
    helloRetry: a.helloRetry,
    peerCertificates: a.peerCertificates,
    ...(a.validation ? { validation: a.validation } : {}),
    ...(a.leafStatus ? { leafStatus: a.leafStatus } : {}),
    ...(a.clientCertificateSent !== undefined ? { clientCertificateSent: a.clientCertificateSent } : {}),
    handshakeMs: performance.now() - a.started,
  };
}
