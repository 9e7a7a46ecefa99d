// The TLS 1.2 handshake messages (RFC 5246 §7.4, RFC 8422 §5, RFC 5077 §3.3), one codec each; the key exchange messages in an ECDHE and a DHE form.

import { fatal } from '../alerts.js';
import { Reader, build, readU16List } from '../codec.js';
import { EC_CURVE_TYPE_NAMED_CURVE, HandshakeType } from './enums.js';
import { MAX_CERTIFICATES, frameHandshake } from './common.js';
import { field, hex, type MessageCodec } from './fields.js';

/** CAs a CertificateRequest may name; kyman sends none and reads at most this many. */
const MAX_CERTIFICATE_AUTHORITIES = 256;

/** RFC 5246 §7.4.2: certificate_list, each ASN.1Cert an opaque<1..2^24-1>; no context, no extensions. */
export interface Certificate12 {
  readonly certificate_list: readonly Uint8Array[];
}

export const Certificate12Codec: MessageCodec<Certificate12> = {
  type: HandshakeType.certificate,
  name: 'Certificate',
  encode: (m) => frameHandshake(HandshakeType.certificate, build((w) => w.vec(3, () => m.certificate_list.forEach((c) => w.vec24(c))))),
  decode(body) {
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
  fields: (m) => [field('certificate_list', m.certificate_list.map((c) => field('ASN.1Cert', `${c.length} bytes`)))],
};

/** RFC 8422 §5.4 ServerECDHParams with the signature (RFC 5246 §7.4.3 digitally-signed, §4.7). */
export interface ServerKeyExchange {
  readonly curve_type: number;
  readonly namedcurve: number;
  readonly public: Uint8Array;
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

/** The bytes the ServerKeyExchange signature covers after the randoms: ServerECDHParams (RFC 8422 §5.4). */
export const serverEcdhParams = (m: Pick<ServerKeyExchange, 'curve_type' | 'namedcurve' | 'public'>): Uint8Array =>
  build((w) => w.u8(m.curve_type).u16(m.namedcurve).vec8(m.public));

export const ServerKeyExchangeCodec: MessageCodec<ServerKeyExchange> = {
  type: HandshakeType.server_key_exchange,
  name: 'ServerKeyExchange',
  encode: (m) => frameHandshake(HandshakeType.server_key_exchange, build((w) => w.bytes(serverEcdhParams(m)).u16(m.algorithm).vec16(m.signature))),
  decode(body) {
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
  fields: (m, n) => [
    field('params', [
      field('curve_type', m.curve_type === EC_CURVE_TYPE_NAMED_CURVE ? 'named_curve' : m.curve_type),
      field('namedcurve', n.group(m.namedcurve)),
      field('public', hex(m.public)),
    ]),
    field('signed_params', [field('algorithm', n.scheme(m.algorithm)), field('signature', hex(m.signature))]),
  ],
};

/**
 * RFC 5246 §7.4.3 ServerDHParams with the signature, for the DHE_RSA suites: the group in full (the
 * prime and the generator; an RFC 7919 group here) and the server's public value, each big-endian.
 */
export interface ServerKeyExchangeDhe {
  readonly dh_p: Uint8Array;
  readonly dh_g: Uint8Array;
  readonly dh_Ys: Uint8Array;
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

/** The bytes the DHE ServerKeyExchange signature covers after the randoms: ServerDHParams (RFC 5246 §7.4.3). */
export const serverDhParams = (m: Pick<ServerKeyExchangeDhe, 'dh_p' | 'dh_g' | 'dh_Ys'>): Uint8Array => build((w) => w.vec16(m.dh_p).vec16(m.dh_g).vec16(m.dh_Ys));

export const ServerKeyExchangeDheCodec: MessageCodec<ServerKeyExchangeDhe> = {
  type: HandshakeType.server_key_exchange,
  name: 'ServerKeyExchange',
  encode: (m) => frameHandshake(HandshakeType.server_key_exchange, build((w) => w.bytes(serverDhParams(m)).u16(m.algorithm).vec16(m.signature))),
  decode(body) {
    const r = new Reader(body);
    const dh_p = r.vec16('dh_p', 1);
    const dh_g = r.vec16('dh_g', 1);
    const dh_Ys = r.vec16('dh_Ys', 1);
    const algorithm = r.u16('algorithm');
    const signature = r.vec16('signature', 1);
    r.expectEnd('ServerKeyExchange');
    return { dh_p, dh_g, dh_Ys, algorithm, signature };
  },
  fields: (m, n) => [
    field('params', [field('dh_p', `${m.dh_p.length * 8}-bit prime ${hex(m.dh_p.subarray(0, 8))}…`), field('dh_g', hex(m.dh_g)), field('dh_Ys', hex(m.dh_Ys))]),
    field('signed_params', [field('algorithm', n.scheme(m.algorithm)), field('signature', hex(m.signature))]),
  ],
};

/** RFC 5246 §7.4.4 */
export interface CertificateRequest12 {
  readonly certificate_types: Uint8Array;
  readonly supported_signature_algorithms: readonly number[];
  readonly certificate_authorities: readonly Uint8Array[];
}

export const CertificateRequest12Codec: MessageCodec<CertificateRequest12> = {
  type: HandshakeType.certificate_request,
  name: 'CertificateRequest',
  encode: (m) =>
    frameHandshake(
      HandshakeType.certificate_request,
      build((w) => {
        w.vec8(m.certificate_types);
        w.vec(2, () => m.supported_signature_algorithms.forEach((a) => w.u16(a)));
        w.vec(2, () => m.certificate_authorities.forEach((dn) => w.vec16(dn)));
      }),
    ),
  decode(body) {
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
  fields: (m, n) => [
    field('certificate_types', [...m.certificate_types].join(', ')),
    field('supported_signature_algorithms', m.supported_signature_algorithms.map(n.scheme).join(', ')),
    field('certificate_authorities', `${m.certificate_authorities.length} names`),
  ],
};

/** RFC 8422 §5.7 ClientECDiffieHellmanPublic: the client's ephemeral point. */
export interface ClientKeyExchange {
  readonly ecdh_Yc: Uint8Array;
}

export const ClientKeyExchangeCodec: MessageCodec<ClientKeyExchange> = {
  type: HandshakeType.client_key_exchange,
  name: 'ClientKeyExchange',
  encode: (m) => frameHandshake(HandshakeType.client_key_exchange, build((w) => w.vec8(m.ecdh_Yc))),
  decode(body) {
    const r = new Reader(body);
    const ecdh_Yc = r.vec8('ecdh_Yc', 1);
    r.expectEnd('ClientKeyExchange');
    return { ecdh_Yc };
  },
  fields: (m) => [field('ecdh_Yc', hex(m.ecdh_Yc))],
};

/** RFC 5246 §7.4.7.2 ClientDiffieHellmanPublic, explicit: the client's public value for a DHE suite. */
export interface ClientKeyExchangeDhe {
  readonly dh_Yc: Uint8Array;
}

export const ClientKeyExchangeDheCodec: MessageCodec<ClientKeyExchangeDhe> = {
  type: HandshakeType.client_key_exchange,
  name: 'ClientKeyExchange',
  encode: (m) => frameHandshake(HandshakeType.client_key_exchange, build((w) => w.vec16(m.dh_Yc))),
  decode(body) {
    const r = new Reader(body);
    const dh_Yc = r.vec16('dh_Yc', 1);
    r.expectEnd('ClientKeyExchange');
    return { dh_Yc };
  },
  fields: (m) => [field('dh_Yc', hex(m.dh_Yc))],
};

/** RFC 5246 §7.4.1.1 HelloRequest and §7.4.5 ServerHelloDone: empty bodies. */
function emptyCodec(type: number, name: string): MessageCodec<Record<string, never>> {
  return {
    type,
    name,
    encode: () => frameHandshake(type, new Uint8Array(0)),
    decode(body) {
      if (body.length) throw fatal('decode_error', `${name} is not empty`);
      return {};
    },
    fields: () => [],
  };
}

export const HelloRequestCodec = emptyCodec(HandshakeType.hello_request, 'HelloRequest');
export const ServerHelloDoneCodec = emptyCodec(HandshakeType.server_hello_done, 'ServerHelloDone');

/** RFC 5077 §3.3 NewSessionTicket (TLS 1.2): a lifetime hint and the opaque ticket. */
export interface NewSessionTicket12 {
  readonly ticket_lifetime_hint: number;
  readonly ticket: Uint8Array;
}

export const NewSessionTicket12Codec: MessageCodec<NewSessionTicket12> = {
  type: HandshakeType.new_session_ticket,
  name: 'NewSessionTicket',
  encode: (m) => frameHandshake(HandshakeType.new_session_ticket, build((w) => w.u32(m.ticket_lifetime_hint).vec16(m.ticket))),
  decode(body) {
    const r = new Reader(body);
    const ticket_lifetime_hint = r.u32('ticket_lifetime_hint');
    // RFC 5077 §3.3: an empty ticket is allowed, and means the server has none to give after all.
    const ticket = r.vec16('ticket');
    r.expectEnd('NewSessionTicket');
    return { ticket_lifetime_hint, ticket };
  },
  fields: (m) => [field('ticket_lifetime_hint', m.ticket_lifetime_hint), field('ticket', `${m.ticket.length} bytes`)],
};
