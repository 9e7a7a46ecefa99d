// The handshake messages TLS 1.3 and TLS 1.2 share (RFC 8446 §4.1, §4.4.3, §4.4.4; RFC 5246 §7.4): the hellos, CertificateVerify and Finished, and the framing.

import { fatal } from '../alerts.js';
import { allocBytes, equalBytes } from '../../bytes.js';
import { Reader, Writer, build, readU16List } from '../codec.js';
import { HELLO_RETRY_REQUEST_RANDOM, HandshakeType } from './enums.js';
import { extensionsField, readExtensions, writeExtensions, type Extension } from './extensions.js';
import { field, hex, type MessageCodec } from './fields.js';

/** struct { HandshakeType msg_type; uint24 length; … } Handshake. */
export function frameHandshake(msgType: number, body: Uint8Array): Uint8Array {
  const out = allocBytes(4 + body.length);
  out[0] = msgType;
  out[1] = (body.length >>> 16) & 0xff;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

/** Certificates in one Certificate message; validation is bounded again by the chain length limit. */
export const MAX_CERTIFICATES = 16;

/** RFC 8446 §4.1.2 (RFC 5246 §7.4.1.2 is the same structure). */
export interface ClientHello {
  readonly legacy_version: number;
  readonly random: Uint8Array;
  readonly legacy_session_id: Uint8Array;
  readonly cipher_suites: readonly number[];
  readonly legacy_compression_methods: Uint8Array;
  readonly extensions: readonly Extension[];
}

export const ClientHelloCodec: MessageCodec<ClientHello> = {
  type: HandshakeType.client_hello,
  name: 'ClientHello',
  encode(m) {
    const w = new Writer(512);
    w.u16(m.legacy_version).bytes(m.random).vec8(m.legacy_session_id);
    w.vec(2, () => m.cipher_suites.forEach((s) => w.u16(s)));
    w.vec8(m.legacy_compression_methods);
    writeExtensions(w, m.extensions);
    return frameHandshake(HandshakeType.client_hello, w.finish());
  },
  decode(body) {
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
  fields: (m, n) => [
    field('legacy_version', n.version(m.legacy_version)),
    field('random', hex(m.random)),
    field('legacy_session_id', hex(m.legacy_session_id)),
    field('cipher_suites', m.cipher_suites.map(n.suite).join(', ')),
    field('legacy_compression_methods', hex(m.legacy_compression_methods)),
    extensionsField(m.extensions, 'client_hello', n),
  ],
};

/** RFC 8446 §4.1.3 (RFC 5246 §7.4.1.3); a HelloRetryRequest is a ServerHello with the special random. */
export interface ServerHello {
  readonly legacy_version: number;
  readonly random: Uint8Array;
  readonly legacy_session_id_echo: Uint8Array;
  readonly cipher_suite: number;
  readonly legacy_compression_method: number;
  readonly extensions: readonly Extension[];
}

export const isHelloRetryRequest = (m: ServerHello) => equalBytes(m.random, HELLO_RETRY_REQUEST_RANDOM);

export const ServerHelloCodec: MessageCodec<ServerHello> = {
  type: HandshakeType.server_hello,
  name: 'ServerHello',
  nameOf: (m) => (isHelloRetryRequest(m) ? 'HelloRetryRequest' : 'ServerHello'),
  encode(m) {
    const w = new Writer(128);
    w.u16(m.legacy_version).bytes(m.random).vec8(m.legacy_session_id_echo).u16(m.cipher_suite).u8(m.legacy_compression_method);
    writeExtensions(w, m.extensions);
    return frameHandshake(HandshakeType.server_hello, w.finish());
  },
  decode(body) {
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
  fields: (m, n) => [
    field('legacy_version', n.version(m.legacy_version)),
    field('random', hex(m.random)),
    field('legacy_session_id_echo', hex(m.legacy_session_id_echo)),
    field('cipher_suite', n.suite(m.cipher_suite)),
    field('legacy_compression_method', m.legacy_compression_method),
    extensionsField(m.extensions, isHelloRetryRequest(m) ? 'hello_retry_request' : 'server_hello', n),
  ],
};

/** RFC 8446 §4.4.3; RFC 5246 §7.4.8 with §4.7 digitally-signed is the same two fields. */
export interface CertificateVerify {
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

export const CertificateVerifyCodec: MessageCodec<CertificateVerify> = {
  type: HandshakeType.certificate_verify,
  name: 'CertificateVerify',
  encode: (m) => frameHandshake(HandshakeType.certificate_verify, build((w) => w.u16(m.algorithm).vec16(m.signature))),
  decode(body) {
    const r = new Reader(body);
    const algorithm = r.u16('algorithm');
    const signature = r.vec16('signature', 1);
    r.expectEnd('CertificateVerify');
    return { algorithm, signature };
  },
  fields: (m, n) => [field('algorithm', n.scheme(m.algorithm)), field('signature', hex(m.signature))],
};

/** RFC 8446 §4.4.4; RFC 5246 §7.4.9. */
export interface Finished {
  readonly verify_data: Uint8Array;
}

export const FinishedCodec: MessageCodec<Finished> = {
  type: HandshakeType.finished,
  name: 'Finished',
  encode: (m) => frameHandshake(HandshakeType.finished, m.verify_data),
  decode: (body) => ({ verify_data: body }),
  fields: (m) => [field('verify_data', hex(m.verify_data))],
};
