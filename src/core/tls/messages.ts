// Handshake messages (RFC 8446 §4): one type and one encode/decode pair per message, fields named as the RFC names them.

import { fatal } from './alerts.js';
import { toHex } from '../bytes.js';
import { Reader, Writer } from './codec.js';

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

/** RFC 8446 §4.2 ExtensionType, the ones kyman reads or writes. */
export const ExtensionType = {
  server_name: 0,
  supported_groups: 10,
  /** RFC 8422 §5.1.2, TLS 1.2 only. */
  ec_point_formats: 11,
  signature_algorithms: 13,
  application_layer_protocol_negotiation: 16,
  /** RFC 7627 §5.1, TLS 1.2 only. */
  extended_master_secret: 23,
  /** RFC 5077 §3.2: named so it can be refused; kyman does not resume TLS 1.2 sessions. */
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

export const TLS13 = 0x0304;
export const TLS12 = 0x0303;
export const TLS11 = 0x0302;

/** RFC 8446 §4.1.3: the ServerHello.random that marks a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from(
  Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'),
);

/**
 * The largest handshake message accepted (RFC 8446 §4 allows 2^24-1). A peer must not make us
 * buffer 16 MiB before we can check anything; Go and rustls use the same 64 KiB bound.
 */
export const MAX_HANDSHAKE_MESSAGE = 65_536;
/** Certificate chains are the one message that legitimately runs larger: Go allows 256 KiB. */
export const MAX_CERTIFICATE_MESSAGE = 262_144;
/** Extensions in one message: more than any real stack sends, few enough to scan cheaply. */
const MAX_EXTENSIONS = 64;
/** Certificates in one Certificate message; validation is bounded again by the chain length limit. */
const MAX_CERTIFICATES = 16;

export interface Extension {
  readonly extension_type: number;
  readonly extension_data: Uint8Array;
}

/** A trace field: the RFC's name and a rendered value, or nested fields. */
export interface TraceField {
  readonly name: string;
  readonly value: string | number | readonly TraceField[];
}

// ---------------------------------------------------------------------------------------------
// Handshake framing (§4)
// ---------------------------------------------------------------------------------------------

/** struct { HandshakeType msg_type; uint24 length; … } Handshake. */
export function frameHandshake(msgType: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = msgType;
  out[1] = (body.length >>> 16) & 0xff;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Extensions (§4.2)
// ---------------------------------------------------------------------------------------------

function writeExtensions(w: Writer, extensions: readonly Extension[]): void {
  w.vec(2, () => {
    for (const e of extensions) w.u16(e.extension_type).vec16(e.extension_data);
  });
}

/** §4.2: "There MUST NOT be more than one extension of the same type in a given extension block." */
function readExtensions(r: Reader, what: string): Extension[] {
  const list = r.sub(2, `${what} extensions`);
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (list.remaining > 0) {
    const extension_type = list.u16('extension_type');
    const extension_data = list.vec16('extension_data');
    if (seen.has(extension_type)) throw fatal('illegal_parameter', `${what} carries the ${extensionName(extension_type)} extension twice`);
    if (out.length >= MAX_EXTENSIONS) throw fatal('decode_error', `${what} carries more than ${MAX_EXTENSIONS} extensions`);
    seen.add(extension_type);
    out.push({ extension_type, extension_data });
  }
  return out;
}

export const extensionName = (t: number) => EXTENSION_NAMES[t] ?? `extension_${t}`;
export const findExtension = (exts: readonly Extension[], type: number) => exts.find((e) => e.extension_type === type)?.extension_data;
export const ext = (extension_type: number, extension_data: Uint8Array): Extension => ({ extension_type, extension_data });

const build = (f: (w: Writer) => void): Uint8Array => {
  const w = new Writer();
  f(w);
  return w.finish();
};

/** Parses an extension body completely: leftovers are a decode_error. */
function parseExt<T>(data: Uint8Array, what: string, f: (r: Reader) => T): T {
  const r = new Reader(data);
  const v = f(r);
  r.expectEnd(what);
  return v;
}

/** §4.2.11 / RFC 6066 §3 server_name: a ServerNameList holding one host_name. */
export const serverNameExt = {
  encode: (host: string) => build((w) => w.vec(2, () => w.u8(0).vec16(new TextEncoder().encode(host)))),
  decode: (d: Uint8Array): string | undefined =>
    parseExt(d, 'server_name', (r) => {
      const list = r.sub(2, 'server_name_list', 1);
      let host: string | undefined;
      while (list.remaining > 0) {
        const type = list.u8('name_type');
        const name = list.vec16('HostName', 1);
        // RFC 6066 §3: only host_name (0) is defined; one name per type.
        if (type === 0) {
          if (host !== undefined) throw fatal('illegal_parameter', 'server_name carries two host names');
          host = new TextDecoder().decode(name);
        }
      }
      return host;
    }),
};

/** A vector of uint16 (supported_groups, signature_algorithms, cipher_suites). */
export const u16ListExt = {
  encode: (ids: readonly number[]) => build((w) => w.vec(2, () => ids.forEach((id) => w.u16(id)))),
  decode: (d: Uint8Array, what: string): number[] => parseExt(d, what, (r) => readU16List(r.sub(2, what, 2), what)),
};

function readU16List(r: Reader, what: string): number[] {
  if (r.remaining % 2) throw fatal('decode_error', `${what} has an odd length`);
  const out: number[] = [];
  while (r.remaining > 0) out.push(r.u16(what));
  return out;
}

/** RFC 7301 §3.1 ProtocolNameList. */
export const alpnExt = {
  encode: (protocols: readonly string[]) => build((w) => w.vec(2, () => protocols.forEach((p) => w.vec8(new TextEncoder().encode(p))))),
  decode: (d: Uint8Array): string[] =>
    parseExt(d, 'application_layer_protocol_negotiation', (r) => {
      const list = r.sub(2, 'protocol_name_list', 2);
      const out: string[] = [];
      while (list.remaining > 0) out.push(new TextDecoder().decode(list.vec8('ProtocolName', 1)));
      return out;
    }),
};

/** §4.2.1 supported_versions: a list in ClientHello, one version in ServerHello. */
export const supportedVersionsExt = {
  encodeClient: (versions: readonly number[]) => build((w) => w.vec(1, () => versions.forEach((v) => w.u16(v)))),
  decodeClient: (d: Uint8Array): number[] => parseExt(d, 'supported_versions', (r) => readU16List(r.sub(1, 'versions', 2), 'versions')),
  encodeServer: (version: number) => build((w) => w.u16(version)),
  decodeServer: (d: Uint8Array): number => parseExt(d, 'supported_versions', (r) => r.u16('selected_version')),
};

export interface KeyShareEntry {
  readonly group: number;
  readonly key_exchange: Uint8Array;
}

/** §4.2.8 key_share: client_shares in ClientHello, server_share in ServerHello, selected_group in HelloRetryRequest. */
export const keyShareExt = {
  encodeClient: (shares: readonly KeyShareEntry[]) => build((w) => w.vec(2, () => shares.forEach((s) => w.u16(s.group).vec16(s.key_exchange)))),
  decodeClient: (d: Uint8Array): KeyShareEntry[] =>
    parseExt(d, 'key_share', (r) => {
      const list = r.sub(2, 'client_shares');
      const out: KeyShareEntry[] = [];
      while (list.remaining > 0) {
        const group = list.u16('group');
        out.push({ group, key_exchange: list.vec16('key_exchange', 1) });
      }
      return out;
    }),
  encodeServer: (s: KeyShareEntry) => build((w) => w.u16(s.group).vec16(s.key_exchange)),
  decodeServer: (d: Uint8Array): KeyShareEntry => parseExt(d, 'key_share', (r) => ({ group: r.u16('group'), key_exchange: r.vec16('key_exchange', 1) })),
  encodeRetry: (group: number) => build((w) => w.u16(group)),
  decodeRetry: (d: Uint8Array): number => parseExt(d, 'key_share', (r) => r.u16('selected_group')),
};

/** §4.2.2 cookie. */
export const cookieExt = {
  encode: (cookie: Uint8Array) => build((w) => w.vec16(cookie)),
  decode: (d: Uint8Array): Uint8Array => parseExt(d, 'cookie', (r) => r.vec16('cookie', 1)),
};

/** §4.2.9 psk_key_exchange_modes: psk_ke(0), psk_dhe_ke(1). */
export const pskModesExt = {
  encode: (modes: readonly number[]) => build((w) => w.vec8(Uint8Array.from(modes))),
  decode: (d: Uint8Array): number[] => parseExt(d, 'psk_key_exchange_modes', (r) => [...r.vec8('ke_modes', 1)]),
};

export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscated_ticket_age: number;
}

/** §4.2.11 pre_shared_key: OfferedPsks in ClientHello, selected_identity in ServerHello. */
export const preSharedKeyExt = {
  encodeClient: (identities: readonly PskIdentity[], binders: readonly Uint8Array[]) =>
    build((w) => {
      w.vec(2, () => identities.forEach((i) => w.vec16(i.identity).u32(i.obfuscated_ticket_age)));
      w.vec(2, () => binders.forEach((b) => w.vec8(b)));
    }),
  decodeClient: (d: Uint8Array): { identities: PskIdentity[]; binders: Uint8Array[]; bindersLength: number } =>
    parseExt(d, 'pre_shared_key', (r) => {
      const ids = r.sub(2, 'identities', 7);
      const identities: PskIdentity[] = [];
      while (ids.remaining > 0) identities.push({ identity: ids.vec16('identity', 1), obfuscated_ticket_age: ids.u32('obfuscated_ticket_age') });
      const bindersLength = r.remaining;
      const bs = r.sub(2, 'binders', 33);
      const binders: Uint8Array[] = [];
      while (bs.remaining > 0) binders.push(bs.vec8('PskBinderEntry', 32));
      return { identities, binders, bindersLength };
    }),
  encodeServer: (selected: number) => build((w) => w.u16(selected)),
  decodeServer: (d: Uint8Array): number => parseExt(d, 'pre_shared_key', (r) => r.u16('selected_identity')),
};

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/** §4.1.2 */
export interface ClientHello {
  readonly legacy_version: number;
  readonly random: Uint8Array;
  readonly legacy_session_id: Uint8Array;
  readonly cipher_suites: readonly number[];
  readonly legacy_compression_methods: Uint8Array;
  readonly extensions: readonly Extension[];
}

export const ClientHelloCodec = {
  encode(m: ClientHello): Uint8Array {
    const w = new Writer(512);
    w.u16(m.legacy_version).bytes(m.random).vec8(m.legacy_session_id);
    w.vec(2, () => m.cipher_suites.forEach((s) => w.u16(s)));
    w.vec8(m.legacy_compression_methods);
    writeExtensions(w, m.extensions);
    return frameHandshake(HandshakeType.client_hello, w.finish());
  },
  decode(body: Uint8Array): ClientHello {
    const r = new Reader(body);
    const legacy_version = r.u16('legacy_version');
    const random = r.bytes(32, 'random');
    const legacy_session_id = r.vec8('legacy_session_id');
    if (legacy_session_id.length > 32) throw fatal('decode_error', 'legacy_session_id is longer than 32 bytes');
    const cipher_suites = readU16List(r.sub(2, 'cipher_suites', 2), 'cipher_suites');
    const legacy_compression_methods = r.vec8('legacy_compression_methods', 1);
    // §4.1.2: TLS 1.3 ClientHellos always carry extensions; a bare one is pre-TLS-1.3 (no extensions block).
    const extensions = r.remaining > 0 ? readExtensions(r, 'ClientHello') : [];
    r.expectEnd('ClientHello');
    return { legacy_version, random, legacy_session_id, cipher_suites, legacy_compression_methods, extensions };
  },
};

/** §4.1.3; a HelloRetryRequest is a ServerHello with the special random. */
export interface ServerHello {
  readonly legacy_version: number;
  readonly random: Uint8Array;
  readonly legacy_session_id_echo: Uint8Array;
  readonly cipher_suite: number;
  readonly legacy_compression_method: number;
  readonly extensions: readonly Extension[];
}

export const ServerHelloCodec = {
  encode(m: ServerHello): Uint8Array {
    const w = new Writer(128);
    w.u16(m.legacy_version).bytes(m.random).vec8(m.legacy_session_id_echo).u16(m.cipher_suite).u8(m.legacy_compression_method);
    writeExtensions(w, m.extensions);
    return frameHandshake(HandshakeType.server_hello, w.finish());
  },
  decode(body: Uint8Array): ServerHello {
    const r = new Reader(body);
    const legacy_version = r.u16('legacy_version');
    const random = r.bytes(32, 'random');
    const legacy_session_id_echo = r.vec8('legacy_session_id_echo');
    const cipher_suite = r.u16('cipher_suite');
    const legacy_compression_method = r.u8('legacy_compression_method');
    const extensions = r.remaining > 0 ? readExtensions(r, 'ServerHello') : [];
    r.expectEnd('ServerHello');
    return { legacy_version, random, legacy_session_id_echo, cipher_suite, legacy_compression_method, extensions };
  },
};

export const isHelloRetryRequest = (m: ServerHello) => Buffer.from(m.random).equals(HELLO_RETRY_REQUEST_RANDOM);

/** §4.3.1 */
export interface EncryptedExtensions {
  readonly extensions: readonly Extension[];
}

export const EncryptedExtensionsCodec = {
  encode: (m: EncryptedExtensions) => frameHandshake(HandshakeType.encrypted_extensions, build((w) => writeExtensions(w, m.extensions))),
  decode(body: Uint8Array): EncryptedExtensions {
    const r = new Reader(body);
    const extensions = readExtensions(r, 'EncryptedExtensions');
    r.expectEnd('EncryptedExtensions');
    return { extensions };
  },
};

/** §4.3.2 */
export interface CertificateRequest {
  readonly certificate_request_context: Uint8Array;
  readonly extensions: readonly Extension[];
}

export const CertificateRequestCodec = {
  encode: (m: CertificateRequest) =>
    frameHandshake(HandshakeType.certificate_request, build((w) => writeExtensions(w.vec8(m.certificate_request_context), m.extensions))),
  decode(body: Uint8Array): CertificateRequest {
    const r = new Reader(body);
    const certificate_request_context = r.vec8('certificate_request_context');
    const extensions = readExtensions(r, 'CertificateRequest');
    r.expectEnd('CertificateRequest');
    return { certificate_request_context, extensions };
  },
};

export interface CertificateEntry {
  readonly cert_data: Uint8Array;
  readonly extensions: readonly Extension[];
}

/** §4.4.2 */
export interface Certificate {
  readonly certificate_request_context: Uint8Array;
  readonly certificate_list: readonly CertificateEntry[];
}

export const CertificateCodec = {
  encode: (m: Certificate) =>
    frameHandshake(
      HandshakeType.certificate,
      build((w) => {
        w.vec8(m.certificate_request_context);
        w.vec(3, () => m.certificate_list.forEach((c) => writeExtensions(w.vec24(c.cert_data), c.extensions)));
      }),
    ),
  decode(body: Uint8Array): Certificate {
    const r = new Reader(body);
    const certificate_request_context = r.vec8('certificate_request_context');
    const list = r.sub(3, 'certificate_list');
    const certificate_list: CertificateEntry[] = [];
    while (list.remaining > 0) {
      if (certificate_list.length >= MAX_CERTIFICATES) throw fatal('decode_error', `more than ${MAX_CERTIFICATES} certificates in the chain`);
      const cert_data = list.vec24('cert_data', 1);
      certificate_list.push({ cert_data, extensions: readExtensions(list, 'CertificateEntry') });
    }
    r.expectEnd('Certificate');
    return { certificate_request_context, certificate_list };
  },
};

/** §4.4.3 */
export interface CertificateVerify {
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

export const CertificateVerifyCodec = {
  encode: (m: CertificateVerify) => frameHandshake(HandshakeType.certificate_verify, build((w) => w.u16(m.algorithm).vec16(m.signature))),
  decode(body: Uint8Array): CertificateVerify {
    const r = new Reader(body);
    const algorithm = r.u16('algorithm');
    const signature = r.vec16('signature', 1);
    r.expectEnd('CertificateVerify');
    return { algorithm, signature };
  },
};

/** §4.4.4 */
export interface Finished {
  readonly verify_data: Uint8Array;
}

export const FinishedCodec = {
  encode: (m: Finished) => frameHandshake(HandshakeType.finished, m.verify_data),
  decode: (body: Uint8Array): Finished => ({ verify_data: body }),
};

/** §4.6.1 */
export interface NewSessionTicket {
  readonly ticket_lifetime: number;
  readonly ticket_age_add: number;
  readonly ticket_nonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}

export const NewSessionTicketCodec = {
  encode: (m: NewSessionTicket) =>
    frameHandshake(
      HandshakeType.new_session_ticket,
      build((w) => writeExtensions(w.u32(m.ticket_lifetime).u32(m.ticket_age_add).vec8(m.ticket_nonce).vec16(m.ticket), m.extensions)),
    ),
  decode(body: Uint8Array): NewSessionTicket {
    const r = new Reader(body);
    const ticket_lifetime = r.u32('ticket_lifetime');
    const ticket_age_add = r.u32('ticket_age_add');
    const ticket_nonce = r.vec8('ticket_nonce');
    const ticket = r.vec16('ticket', 1);
    const extensions = readExtensions(r, 'NewSessionTicket');
    r.expectEnd('NewSessionTicket');
    return { ticket_lifetime, ticket_age_add, ticket_nonce, ticket, extensions };
  },
};

/** §4.6.3 KeyUpdateRequest: update_not_requested(0), update_requested(1). */
export interface KeyUpdate {
  readonly request_update: 0 | 1;
}

export const KeyUpdateCodec = {
  encode: (m: KeyUpdate) => frameHandshake(HandshakeType.key_update, Uint8Array.of(m.request_update)),
  decode(body: Uint8Array): KeyUpdate {
    const r = new Reader(body);
    const v = r.u8('request_update');
    r.expectEnd('KeyUpdate');
    // §4.6.3: any other value is an illegal_parameter.
    if (v !== 0 && v !== 1) throw fatal('illegal_parameter', `KeyUpdate request_update ${v} is neither 0 nor 1`);
    return { request_update: v };
  },
};

// ---------------------------------------------------------------------------------------------
// TLS 1.2 messages (RFC 5246 §7.4, RFC 8422 §5)
// ---------------------------------------------------------------------------------------------

/** RFC 8422 §5.1.2 ECPointFormatList; uncompressed(0) is the only format kyman (and RFC 8422) uses. */
export const ecPointFormatsExt = {
  encode: (formats: readonly number[]) => build((w) => w.vec8(Uint8Array.from(formats))),
  decode: (d: Uint8Array): number[] => parseExt(d, 'ec_point_formats', (r) => [...r.vec8('ec_point_format_list', 1)]),
};

/** RFC 5746 §3.2 renegotiation_info: renegotiated_connection, empty on an initial handshake. */
export const renegotiationInfoExt = {
  encode: (verifyData: Uint8Array) => build((w) => w.vec8(verifyData)),
  decode: (d: Uint8Array): Uint8Array => parseExt(d, 'renegotiation_info', (r) => r.vec8('renegotiated_connection')),
};

/** RFC 5246 §7.4.2: certificate_list, each ASN.1Cert an opaque<1..2^24-1>; no context, no extensions. */
export interface Certificate12 {
  readonly certificate_list: readonly Uint8Array[];
}

export const Certificate12Codec = {
  encode: (m: Certificate12) => frameHandshake(HandshakeType.certificate, build((w) => w.vec(3, () => m.certificate_list.forEach((c) => w.vec24(c))))),
  decode(body: Uint8Array): Certificate12 {
    const r = new Reader(body);
    const list = r.sub(3, 'certificate_list');
    const certificate_list: Uint8Array[] = [];
    while (list.remaining > 0) {
      if (certificate_list.length >= MAX_CERTIFICATES) throw fatal('decode_error', `more than ${MAX_CERTIFICATES} certificates in the chain`);
      certificate_list.push(list.vec24('ASN.1Cert', 1));
    }
    r.expectEnd('Certificate');
    return { certificate_list };
  },
};

/** RFC 8422 §5.4 ECCurveType: named_curve(3) is the only one allowed. */
export const EC_CURVE_TYPE_NAMED_CURVE = 3;

/** RFC 8422 §5.4 ServerECDHParams with the signature (RFC 5246 §7.4.3 digitally-signed, §4.7). */
export interface ServerKeyExchange {
  readonly curve_type: number;
  readonly namedcurve: number;
  readonly public: Uint8Array;
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

export const ServerKeyExchangeCodec = {
  /** The bytes the signature covers after the randoms: ServerECDHParams. */
  params: (m: Pick<ServerKeyExchange, 'curve_type' | 'namedcurve' | 'public'>) => build((w) => w.u8(m.curve_type).u16(m.namedcurve).vec8(m.public)),
  encode: (m: ServerKeyExchange) =>
    frameHandshake(
      HandshakeType.server_key_exchange,
      build((w) => w.bytes(ServerKeyExchangeCodec.params(m)).u16(m.algorithm).vec16(m.signature)),
    ),
  decode(body: Uint8Array): ServerKeyExchange {
    const r = new Reader(body);
    const curve_type = r.u8('curve_type');
    // RFC 8422 §5.4: explicit curves are deprecated; only named_curve can be read.
    if (curve_type !== EC_CURVE_TYPE_NAMED_CURVE) throw fatal('illegal_parameter', `ServerKeyExchange curve_type ${curve_type} is not named_curve`);
    const namedcurve = r.u16('namedcurve');
    const pub = r.vec8('public', 1);
    const algorithm = r.u16('algorithm');
    const signature = r.vec16('signature', 1);
    r.expectEnd('ServerKeyExchange');
    return { curve_type, namedcurve, public: pub, algorithm, signature };
  },
};

/** RFC 5246 §7.4.4 ClientCertificateType: rsa_sign(1), ecdsa_sign(64) (RFC 8422 §5.5). */
export const ClientCertificateType = { rsa_sign: 1, ecdsa_sign: 64 } as const;
/** CAs a CertificateRequest may name; kyman sends none and reads at most this many. */
const MAX_CERTIFICATE_AUTHORITIES = 256;

/** RFC 5246 §7.4.4 */
export interface CertificateRequest12 {
  readonly certificate_types: Uint8Array;
  readonly supported_signature_algorithms: readonly number[];
  readonly certificate_authorities: readonly Uint8Array[];
}

export const CertificateRequest12Codec = {
  encode: (m: CertificateRequest12) =>
    frameHandshake(
      HandshakeType.certificate_request,
      build((w) => {
        w.vec8(m.certificate_types);
        w.vec(2, () => m.supported_signature_algorithms.forEach((a) => w.u16(a)));
        w.vec(2, () => m.certificate_authorities.forEach((dn) => w.vec16(dn)));
      }),
    ),
  decode(body: Uint8Array): CertificateRequest12 {
    const r = new Reader(body);
    const certificate_types = r.vec8('certificate_types', 1);
    const supported_signature_algorithms = readU16List(r.sub(2, 'supported_signature_algorithms', 2), 'supported_signature_algorithms');
    const cas = r.sub(2, 'certificate_authorities');
    const certificate_authorities: Uint8Array[] = [];
    while (cas.remaining > 0) {
      if (certificate_authorities.length >= MAX_CERTIFICATE_AUTHORITIES) throw fatal('decode_error', `more than ${MAX_CERTIFICATE_AUTHORITIES} certificate_authorities`);
      certificate_authorities.push(cas.vec16('DistinguishedName', 1));
    }
    r.expectEnd('CertificateRequest');
    return { certificate_types, supported_signature_algorithms, certificate_authorities };
  },
};

/** RFC 8422 §5.7 ClientECDiffieHellmanPublic: the client's ephemeral point. */
export interface ClientKeyExchange {
  readonly ecdh_Yc: Uint8Array;
}

export const ClientKeyExchangeCodec = {
  encode: (m: ClientKeyExchange) => frameHandshake(HandshakeType.client_key_exchange, build((w) => w.vec8(m.ecdh_Yc))),
  decode(body: Uint8Array): ClientKeyExchange {
    const r = new Reader(body);
    const ecdh_Yc = r.vec8('ecdh_Yc', 1);
    r.expectEnd('ClientKeyExchange');
    return { ecdh_Yc };
  },
};

/** RFC 5246 §7.4.1.1 HelloRequest and §7.4.5 ServerHelloDone: empty bodies. */
export const EmptyCodec = (type: number, name: string) => ({
  encode: () => frameHandshake(type, new Uint8Array(0)),
  decode(body: Uint8Array): Record<string, never> {
    if (body.length) throw fatal('decode_error', `${name} is not empty`);
    return {};
  },
});

export const ServerHelloDoneCodec = EmptyCodec(HandshakeType.server_hello_done, 'ServerHelloDone');

/** RFC 5077 §3.3 NewSessionTicket (TLS 1.2): a lifetime hint and the opaque ticket. */
export interface NewSessionTicket12 {
  readonly ticket_lifetime_hint: number;
  readonly ticket: Uint8Array;
}

export const NewSessionTicket12Codec = {
  encode: (m: NewSessionTicket12) => frameHandshake(HandshakeType.new_session_ticket, build((w) => w.u32(m.ticket_lifetime_hint).vec16(m.ticket))),
  decode(body: Uint8Array): NewSessionTicket12 {
    const r = new Reader(body);
    const ticket_lifetime_hint = r.u32('ticket_lifetime_hint');
    // RFC 5077 §3.3: an empty ticket is allowed, and means the server has none to give after all.
    const ticket = r.vec16('ticket');
    r.expectEnd('NewSessionTicket');
    return { ticket_lifetime_hint, ticket };
  },
};

/** RFC 5077 §3.2 SessionTicket extension: empty to ask for a ticket, or the ticket to resume with. */
export const sessionTicketExt = {
  encode: (ticket: Uint8Array) => ticket,
  decode: (d: Uint8Array): Uint8Array => d,
};

// ---------------------------------------------------------------------------------------------
// Field names for the trace: each message's fields, named as the RFC names them
// ---------------------------------------------------------------------------------------------

const hex = (b: Uint8Array) => (b.length ? toHex(b) : '(empty)');
const f = (name: string, value: TraceField['value']): TraceField => ({ name, value });

function extensionFields(extensions: readonly Extension[], names: Partial<Record<string, (d: Uint8Array) => TraceField['value']>>): TraceField {
  return f(
    'extensions',
    extensions.map((e) => {
      const name = extensionName(e.extension_type);
      const render = names[name];
      let value: TraceField['value'];
      try {
        value = render ? render(e.extension_data) : hex(e.extension_data);
      } catch {
        value = hex(e.extension_data);
      }
      return f(name, value);
    }),
  );
}

/** Renderers are given the names of suites, groups and schemes by the trace module, which knows the tables. */
export interface Namer {
  suite(id: number): string;
  group(id: number): string;
  scheme(id: number): string;
  version(v: number): string;
}

function extensionRenderers(n: Namer, where: 'client' | 'server' | 'retry' | 'other') {
  const list = (ids: number[], name: (id: number) => string) => ids.map(name).join(', ');
  return {
    server_name: (d: Uint8Array) => (d.length ? serverNameExt.decode(d) ?? '(none)' : '(empty)'),
    supported_groups: (d: Uint8Array) => list(u16ListExt.decode(d, 'supported_groups'), n.group),
    signature_algorithms: (d: Uint8Array) => list(u16ListExt.decode(d, 'signature_algorithms'), n.scheme),
    signature_algorithms_cert: (d: Uint8Array) => list(u16ListExt.decode(d, 'signature_algorithms_cert'), n.scheme),
    application_layer_protocol_negotiation: (d: Uint8Array) => alpnExt.decode(d).join(', '),
    supported_versions: (d: Uint8Array) =>
      where === 'client' ? list(supportedVersionsExt.decodeClient(d), n.version) : n.version(supportedVersionsExt.decodeServer(d)),
    key_share: (d: Uint8Array) =>
      where === 'client'
        ? keyShareExt.decodeClient(d).map((s) => f('KeyShareEntry', [f('group', n.group(s.group)), f('key_exchange', hex(s.key_exchange))]))
        : where === 'retry'
          ? `selected_group ${n.group(keyShareExt.decodeRetry(d))}`
          : [f('group', n.group(keyShareExt.decodeServer(d).group)), f('key_exchange', hex(keyShareExt.decodeServer(d).key_exchange))],
    ec_point_formats: (d: Uint8Array) => ecPointFormatsExt.decode(d).map((p) => (p === 0 ? 'uncompressed' : String(p))).join(', '),
    extended_master_secret: (d: Uint8Array) => (d.length ? hex(d) : '(empty)'),
    session_ticket: (d: Uint8Array) => (d.length ? `${d.length} bytes` : '(empty)'),
    renegotiation_info: (d: Uint8Array) => hex(renegotiationInfoExt.decode(d)),
    psk_key_exchange_modes: (d: Uint8Array) => pskModesExt.decode(d).map((m) => (m === 1 ? 'psk_dhe_ke' : m === 0 ? 'psk_ke' : String(m))).join(', '),
    cookie: (d: Uint8Array) => hex(cookieExt.decode(d)),
    pre_shared_key: (d: Uint8Array) =>
      where === 'client'
        ? [
            f('identities', preSharedKeyExt.decodeClient(d).identities.map((i) => f('PskIdentity', [f('identity', hex(i.identity)), f('obfuscated_ticket_age', i.obfuscated_ticket_age)]))),
            f('binders', preSharedKeyExt.decodeClient(d).binders.map((b) => f('PskBinderEntry', hex(b)))),
          ]
        : `selected_identity ${preSharedKeyExt.decodeServer(d)}`,
  };
}

/** The trace's view of a decoded message: its RFC name and its fields. */
export function messageFields(type: number, message: unknown, n: Namer): { message: string; fields: TraceField[] } {
  switch (type) {
    case HandshakeType.client_hello: {
      const m = message as ClientHello;
      return {
        message: 'ClientHello',
        fields: [
          f('legacy_version', n.version(m.legacy_version)),
          f('random', hex(m.random)),
          f('legacy_session_id', hex(m.legacy_session_id)),
          f('cipher_suites', m.cipher_suites.map(n.suite).join(', ')),
          f('legacy_compression_methods', hex(m.legacy_compression_methods)),
          extensionFields(m.extensions, extensionRenderers(n, 'client')),
        ],
      };
    }
    case HandshakeType.server_hello: {
      const m = message as ServerHello;
      const retry = isHelloRetryRequest(m);
      return {
        message: retry ? 'HelloRetryRequest' : 'ServerHello',
        fields: [
          f('legacy_version', n.version(m.legacy_version)),
          f('random', hex(m.random)),
          f('legacy_session_id_echo', hex(m.legacy_session_id_echo)),
          f('cipher_suite', n.suite(m.cipher_suite)),
          f('legacy_compression_method', m.legacy_compression_method),
          extensionFields(m.extensions, extensionRenderers(n, retry ? 'retry' : 'server')),
        ],
      };
    }
    case HandshakeType.encrypted_extensions:
      return { message: 'EncryptedExtensions', fields: [extensionFields((message as EncryptedExtensions).extensions, extensionRenderers(n, 'other'))] };
    case HandshakeType.certificate_request: {
      if (message && typeof message === 'object' && 'certificate_types' in message) {
        const m12 = message as CertificateRequest12;
        return {
          message: 'CertificateRequest',
          fields: [
            f('certificate_types', [...m12.certificate_types].join(', ')),
            f('supported_signature_algorithms', m12.supported_signature_algorithms.map(n.scheme).join(', ')),
            f('certificate_authorities', `${m12.certificate_authorities.length} names`),
          ],
        };
      }
      const m = message as CertificateRequest;
      return {
        message: 'CertificateRequest',
        fields: [f('certificate_request_context', hex(m.certificate_request_context)), extensionFields(m.extensions, extensionRenderers(n, 'other'))],
      };
    }
    case HandshakeType.certificate: {
      if (message && typeof message === 'object' && !('certificate_request_context' in message)) {
        const m12 = message as Certificate12;
        return { message: 'Certificate', fields: [f('certificate_list', m12.certificate_list.map((c) => f('ASN.1Cert', `${c.length} bytes`)))] };
      }
      const m = message as Certificate;
      return {
        message: 'Certificate',
        fields: [
          f('certificate_request_context', hex(m.certificate_request_context)),
          f('certificate_list', m.certificate_list.map((c) => f('CertificateEntry', [f('cert_data', `${c.cert_data.length} bytes`), extensionFields(c.extensions, {})]))),
        ],
      };
    }
    case HandshakeType.certificate_verify: {
      const m = message as CertificateVerify;
      return { message: 'CertificateVerify', fields: [f('algorithm', n.scheme(m.algorithm)), f('signature', hex(m.signature))] };
    }
    case HandshakeType.finished:
      return { message: 'Finished', fields: [f('verify_data', hex((message as Finished).verify_data))] };
    case HandshakeType.new_session_ticket: {
      if (message && typeof message === 'object' && 'ticket_lifetime_hint' in message) {
        const m12 = message as NewSessionTicket12;
        return { message: 'NewSessionTicket', fields: [f('ticket_lifetime_hint', m12.ticket_lifetime_hint), f('ticket', `${m12.ticket.length} bytes`)] };
      }
      const m = message as NewSessionTicket;
      return {
        message: 'NewSessionTicket',
        fields: [
          f('ticket_lifetime', m.ticket_lifetime),
          f('ticket_age_add', m.ticket_age_add),
          f('ticket_nonce', hex(m.ticket_nonce)),
          f('ticket', `${m.ticket.length} bytes`),
          extensionFields(m.extensions, {}),
        ],
      };
    }
    case HandshakeType.server_key_exchange: {
      const m = message as ServerKeyExchange;
      return {
        message: 'ServerKeyExchange',
        fields: [
          f('params', [f('curve_type', m.curve_type === EC_CURVE_TYPE_NAMED_CURVE ? 'named_curve' : m.curve_type), f('namedcurve', n.group(m.namedcurve)), f('public', hex(m.public))]),
          f('signed_params', [f('algorithm', n.scheme(m.algorithm)), f('signature', hex(m.signature))]),
        ],
      };
    }
    case HandshakeType.client_key_exchange:
      return { message: 'ClientKeyExchange', fields: [f('ecdh_Yc', hex((message as ClientKeyExchange).ecdh_Yc))] };
    case HandshakeType.key_update:
      return { message: 'KeyUpdate', fields: [f('request_update', (message as KeyUpdate).request_update ? 'update_requested' : 'update_not_requested')] };
    default:
      return { message: MESSAGE_NAMES[type] ?? `handshake_${type}`, fields: [] };
  }
}
