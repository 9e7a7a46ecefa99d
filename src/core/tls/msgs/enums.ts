// The numbers of the handshake (RFC 8446 §4, RFC 5246 §7.4): message and extension types, versions, and the limits on what a peer may send.

/** RFC 8446 §4 HandshakeType. */
export const HandshakeType = {
  /** RFC 5246 §7.4.1.1, TLS 1.2 only. */
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  /** RFC 5246 §7.4.3, TLS 1.2 only. */
  server_key_exchange: 12,
  certificate_request: 13,
  /** RFC 5246 §7.4.5, TLS 1.2 only. */
  server_hello_done: 14,
  certificate_verify: 15,
  /** RFC 5246 §7.4.7, TLS 1.2 only. */
  client_key_exchange: 16,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

export const MESSAGE_NAMES: Readonly<Record<number, string>> = {
  0: 'HelloRequest',
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  5: 'EndOfEarlyData',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
  20: 'Finished',
  24: 'KeyUpdate',
  254: 'message_hash',
};

/** A message type's name, for errors about a message kyman did not expect. */
export const messageName = (type: number): string => MESSAGE_NAMES[type] ?? `handshake type ${type}`;

/** RFC 8446 §4.2 ExtensionType, the ones kyman reads or writes. */
export const ExtensionType = {
  server_name: 0,
  /** RFC 6066 §8; in TLS 1.3 answered in the leaf's CertificateEntry (RFC 8446 §4.4.2.1). */
  status_request: 5,
  supported_groups: 10,
  /** RFC 8422 §5.1.2, TLS 1.2 only. */
  ec_point_formats: 11,
  signature_algorithms: 13,
  application_layer_protocol_negotiation: 16,
  /** RFC 6962 §3.3; in TLS 1.3 answered in the leaf's CertificateEntry. */
  signed_certificate_timestamp: 18,
  /** RFC 7366 §2, TLS 1.2 CBC suites only. */
  encrypt_then_mac: 22,
  /** RFC 7627 §5.1, TLS 1.2 only. */
  extended_master_secret: 23,
  /** RFC 5077 §3.2: TLS 1.2 session tickets. */
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  signature_algorithms_cert: 50,
  key_share: 51,
  /** RFC 5746 §3.2, TLS 1.2 only. */
  renegotiation_info: 0xff01,
} as const;

/** The IANA names of extensions, also of those kyman only recognises, so the trace and errors can say which. */
const EXTENSION_NAMES: Readonly<Record<number, string>> = {
  0: 'server_name',
  1: 'max_fragment_length',
  5: 'status_request',
  10: 'supported_groups',
  11: 'ec_point_formats',
  13: 'signature_algorithms',
  14: 'use_srtp',
  15: 'heartbeat',
  16: 'application_layer_protocol_negotiation',
  18: 'signed_certificate_timestamp',
  19: 'client_certificate_type',
  20: 'server_certificate_type',
  21: 'padding',
  22: 'encrypt_then_mac',
  23: 'extended_master_secret',
  28: 'record_size_limit',
  35: 'session_ticket',
  41: 'pre_shared_key',
  42: 'early_data',
  43: 'supported_versions',
  44: 'cookie',
  45: 'psk_key_exchange_modes',
  47: 'certificate_authorities',
  48: 'oid_filters',
  49: 'post_handshake_auth',
  50: 'signature_algorithms_cert',
  51: 'key_share',
  0xff01: 'renegotiation_info',
};

export const extensionName = (t: number): string => EXTENSION_NAMES[t] ?? `extension_${t}`;

export const TLS13 = 0x0304;
export const TLS12 = 0x0303;
export const TLS11 = 0x0302;
export const TLS10 = 0x0301;

/** RFC 8446 §4.1.3: the ServerHello.random that marks a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from(
  Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'),
);

/**
 * The largest handshake message accepted (RFC 8446 §4 allows 2^24-1). A peer must not make us
 * buffer 16 MiB before we can check anything; Go and rustls use the same 64 KiB bound.
 */
export const MAX_HANDSHAKE_MESSAGE = 65_536;
/**
 * The largest ClientHello its own vectors allow (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): version 2,
 * random 32, session id 1+32, cipher_suites 2+65534, compression 1+255, extensions 2+65535. A
 * ClientHello is read whole before anything can be checked, so this one may exceed the 64 KiB bound.
 */
export const MAX_CLIENT_HELLO = 2 + 32 + 1 + 32 + 2 + 65_534 + 1 + 255 + 2 + 65_535;
/** Certificate chains are the one message that legitimately runs larger: Go allows 256 KiB. */
export const MAX_CERTIFICATE_MESSAGE = 262_144;

/** RFC 5246 §7.4.4 ClientCertificateType: rsa_sign(1), ecdsa_sign(64) (RFC 8422 §5.5). */
export const ClientCertificateType = { rsa_sign: 1, ecdsa_sign: 64 } as const;

/** RFC 8422 §5.4 ECCurveType: named_curve(3) is the only one allowed. */
export const EC_CURVE_TYPE_NAMED_CURVE = 3;
