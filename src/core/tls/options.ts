// The options a TLS client or server is configured with (connect, createTlsClient, createTlsServer).

import type { CryptoProvider, PrivateKeyHandle } from '../crypto/provider.js';
import type { TlsSession } from './session-cache.js';
import type { CipherSuiteName, SignatureSchemeName, TlsVersionName } from './suites.js';
import type { TraceSink } from './trace.js';

/** Options both ends share. */
export interface TlsCommonOptions {
  /** Who does the cryptography. Default: the software provider. */
  provider?: CryptoProvider;
  /** Our certificate chain (DER, leaf first): the server's, or the client's for client authentication. */
  certificateChain?: readonly Uint8Array[];
  /** The private key of the chain's leaf; it may live on a token. */
  privateKey?: PrivateKeyHandle;
  /** ALPN protocols (RFC 7301), in preference order. */
  alpnProtocols?: readonly string[];
  /**
   * The protocol versions to offer (client) or accept (server). Default: both, TLS 1.3 preferred;
   * a version none of whose `cipherSuites` is named is left out.
   */
  versions?: readonly TlsVersionName[];
  /**
   * Suites, by IANA name, in preference order: TLS 1.3 ones (`TLS_AES_128_GCM_SHA256` …) and TLS 1.2
   * ones (`TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256` …), each applying to its version. Default: all.
   */
  cipherSuites?: readonly CipherSuiteName[];
  /** Key-exchange groups (`x25519`, `secp256r1`/`P-256`, `secp384r1`/`P-384`), in preference order. */
  groups?: readonly string[];
  /** Signature schemes accepted in, and used for, CertificateVerify (and TLS 1.2 ServerKeyExchange), by RFC 8446 name. */
  signatureSchemes?: readonly SignatureSchemeName[];
  /** The injected source of randomness (hello randoms, session ids). Default: the provider's. */
  random?: (length: number) => Uint8Array;
  /** The injected clock: certificate validity is checked at this time. Default: now. */
  now?: () => Date;
  /**
   * NSS key log lines, for Wireshark: TLS 1.3 `CLIENT_HANDSHAKE_TRAFFIC_SECRET <client_random> <secret>` and the
   * other traffic secrets; TLS 1.2 `CLIENT_RANDOM <client_random> <master_secret>`.
   */
  keyLog?: (line: string) => void;
  /** Each handshake message, decoded, its fields named as the RFC names them. */
  trace?: TraceSink;
  /**
   * TLS 1.2 with a peer that does not do the extended master secret (RFC 7627): the RFC 5246 §8.1
   * master secret, open to the triple handshake attack. Default false: such a peer is refused with
   * handshake_failure. For testing old peers only.
   */
  allowNoExtendedMasterSecret?: boolean;
  /** Whether the readable side may end while the writable side stays open. Default false, as net.Socket. */
  allowHalfOpen?: boolean;
}

export interface TlsClientOptions extends TlsCommonOptions {
  /** The name the server is reached by: sent in SNI (unless an IP address) and checked against the certificate. */
  serverName?: string;
  /** Certificates (DER) that may anchor the server's chain. */
  trustAnchors?: readonly Uint8Array[];
  /**
   * Instead of (or besides) `trustAnchors`: picks the anchors for the chain the server sent, so a
   * large store (the system's) is searched by issuer name rather than parsed whole on each handshake.
   */
  trustAnchorSource?: (peerCertificates: readonly Uint8Array[]) => readonly Uint8Array[];
  /** Whether the certificate must name `serverName` (default true); false checks the chain alone. */
  verifyName?: boolean;
  /** Certificate checks are on; turning them off must be spelled out. */
  verify?: true | 'insecure';
  /**
   * A session from an earlier connection's 'session' event, to resume: TLS 1.2 by id or ticket
   * (RFC 5246 §7.3, RFC 5077), TLS 1.3 by ticket as a PSK with psk_dhe_ke (RFC 8446 §2.2, §4.2.11).
   * Offered only to the same serverName while it lasts; a server that declines runs a full handshake.
   */
  session?: TlsSession;
  /**
   * Ask a TLS 1.3 server for its stapled OCSP response (RFC 6066 §8, RFC 8446 §4.4.2.1) and its
   * SCTs (RFC 6962 §3.3), which it sends as extensions of the leaf's CertificateEntry
   * (`HandshakeSummary.leafStatus`). Asked only in a hello that offers TLS 1.3 alone: a TLS 1.2
   * server would answer with a CertificateStatus message, which this client does not read.
   */
  requestCertificateStatus?: boolean;
  /**
   * How a TLS 1.3 session is offered (RFC 8446 §4.2.9): 'psk_dhe_ke' (the default) resumes with a
   * fresh (EC)DHE exchange; 'psk_ke' asks for the ticket's key alone, no (EC)DHE on either side and
   * so no forward secrecy, which a server takes only if it allows it. A key share is sent either way,
   * so a server that declines can still run a full handshake.
   */
  pskKeyExchange?: 'psk_dhe_ke' | 'psk_ke';
}

export type ClientAuthMode = 'none' | 'optional' | 'required';

export interface TlsServerOptions extends TlsCommonOptions {
  certificateChain: readonly Uint8Array[];
  privateKey: PrivateKeyHandle;
  /** Whether to ask for a client certificate, and whether to insist on one. Default 'none'. */
  clientAuth?: ClientAuthMode;
  /** Certificates (DER) that may anchor a client's chain. */
  clientTrustAnchors?: readonly Uint8Array[];
  /**
   * Resumption, shared by every connection of this configuration: TLS 1.2 by session id and by ticket
   * (RFC 5077), TLS 1.3 by NewSessionTicket and PSK (RFC 8446 §4.6.1, §4.2.11). Default true.
   */
  resumption?: boolean;
  /**
   * TLS 1.3 resumption with psk_ke (RFC 8446 §4.2.9): the ticket's key alone, no fresh (EC)DHE, so
   * the resumed connection has no forward secrecy. Default false: such a client gets a full handshake.
   */
  allowPskKe?: boolean;
  /**
   * §4.6.1: NewSessionTickets sent after each TLS 1.3 handshake (default 1). 0 sends none, and a
   * TLS 1.2 client gets no RFC 5077 ticket either (it may still resume by session id).
   */
  ticketsPerHandshake?: number;
  /**
   * §4.1.4: answer every first TLS 1.3 ClientHello with a HelloRetryRequest carrying a cookie
   * (§4.2.2) that the second must echo, even when its key share would do. For testing clients.
   */
  requireHelloRetry?: boolean;
}
