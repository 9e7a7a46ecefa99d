// Raw ClientHellos of any version from SSL 3 to TLS 1.3, and a reader of the server's first answer, for detection only.

import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { alertFor } from '../../tls/alerts.js';
import { readServerKeyExchange, type ServerKeyExchangeInfo } from './server-key-exchange.js';
import {
  alpnExt,
  Certificate12Codec,
  ClientHelloCodec,
  ecPointFormatsExt,
  ext,
  ExtensionType,
  findExtension,
  HandshakeType,
  isHelloRetryRequest,
  keyShareExt,
  renegotiationInfoExt,
  serverNameExt,
  ServerHelloCodec,
  signatureAlgorithmsExt,
  supportedGroupsExt,
  supportedVersionsExt,
  TLS12,
  TLS13,
  type Extension,
} from '../../tls/msgs/index.js';

export const SSL3 = 0x0300;

/** RFC 8446 §5.1 ContentType values the reader acts on. */
const HANDSHAKE_RECORD = 22;
const ALERT_RECORD = 21;
/** A server's first flight (ServerHello, Certificate, ServerKeyExchange …) fits well within this; more is not read. */
export const MAX_FIRST_FLIGHT = 128 * 1024;
/**
 * Groups whose share may be any string of its size (RFC 7748: X25519, X448), so random bytes are
 * well formed. Others (NIST points, ffdhe, the ML-KEM hybrids, whose keys servers check) get no
 * share: the server names its choice among them in a HelloRetryRequest, which is all detection needs.
 */
const SHARE_SIZES: Readonly<Record<number, number>> = { 0x001d: 32, 0x001e: 56 };

export interface HelloSpec {
  /** The version to ask for: 0x0304 sends legacy_version 0x0303 and supported_versions [0x0304]. */
  version: number;
  suites: readonly number[];
  groups: readonly number[];
  /** Groups to send a key share for (TLS 1.3): random bytes of the group's size, enough to see the server's choice. */
  shareGroups?: readonly number[];
  schemes: readonly number[];
  serverName?: string;
  /** RFC 7301 protocols to offer. */
  alpn?: readonly string[];
  /** Compression methods, null (0) last; default only null. 1 is DEFLATE (RFC 3749). */
  compression?: readonly number[];
  /** RFC 6520 heartbeat, peer_allowed_to_send. */
  heartbeat?: boolean;
  /** RFC 6066 §8 status_request (OCSP) and RFC 6962 §3.3.1 signed_certificate_timestamp. */
  statusRequest?: boolean;
  /** RFC 7366 encrypt_then_mac. */
  encryptThenMac?: boolean;
}

/** RFC 6066 §8 CertificateStatusRequest for OCSP with no responder ids and no request extensions. */
const OCSP_STATUS_REQUEST = Uint8Array.of(1, 0, 0, 0, 0);
/** RFC 6520 §2 HeartbeatMode peer_allowed_to_send. */
const HEARTBEAT_PEER_ALLOWED = Uint8Array.of(1);
/** RFC 6066 §8 handshake type of the CertificateStatus message (TLS 1.2). */
const CERTIFICATE_STATUS = 22;
/** Extension code points the engine itself does not speak, sent only to see whether a server answers them. */
export const PROBE_EXTENSIONS = { status_request: 5, heartbeat: 15, signed_certificate_timestamp: 18 } as const;

/** The ClientHello as a TLS record, ready to write. */
export function clientHelloRecord(spec: HelloSpec): Uint8Array {
  const extensions: Extension[] = [];
  const tls13 = spec.version >= TLS13;
  // SSL 3 servers may choke on extensions; RFC 5746's SCSV stands in for renegotiation_info there.
  if (spec.version > SSL3) {
    if (spec.serverName && net.isIP(spec.serverName) === 0) extensions.push(ext(ExtensionType.server_name, serverNameExt.encode(spec.serverName)));
    extensions.push(ext(ExtensionType.supported_groups, supportedGroupsExt.encode([...spec.groups])));
    extensions.push(ext(ExtensionType.ec_point_formats, ecPointFormatsExt.encode([0])));
    if (spec.version >= TLS12) extensions.push(ext(ExtensionType.signature_algorithms, signatureAlgorithmsExt.encode([...spec.schemes])));
    extensions.push(ext(ExtensionType.renegotiation_info, renegotiationInfoExt.encode(new Uint8Array(0))));
    // RFC 7627: servers that insist on the extended master secret refuse a hello without it.
    extensions.push(ext(ExtensionType.extended_master_secret, new Uint8Array(0)));
    if (spec.alpn?.length) extensions.push(ext(ExtensionType.application_layer_protocol_negotiation, alpnExt.encode([...spec.alpn])));
    if (spec.heartbeat) extensions.push(ext(PROBE_EXTENSIONS.heartbeat, HEARTBEAT_PEER_ALLOWED));
    if (spec.statusRequest) {
      extensions.push(ext(PROBE_EXTENSIONS.status_request, OCSP_STATUS_REQUEST));
      extensions.push(ext(PROBE_EXTENSIONS.signed_certificate_timestamp, new Uint8Array(0)));
    }
    if (spec.encryptThenMac) extensions.push(ext(ExtensionType.encrypt_then_mac, new Uint8Array(0)));
  }
  if (tls13) {
    extensions.push(ext(ExtensionType.supported_versions, supportedVersionsExt.client.encode([TLS13])));
    const shares = (spec.shareGroups ?? []).filter((g) => SHARE_SIZES[g]).map((group) => ({ group, key_exchange: randomBytes(SHARE_SIZES[group]) }));
    extensions.push(ext(ExtensionType.key_share, keyShareExt.client.encode(shares)));
  }
  const suites = spec.version > SSL3 ? [...spec.suites] : [...spec.suites, 0x00ff];
  const hello = ClientHelloCodec.encode({
    legacy_version: tls13 ? TLS12 : spec.version,
    random: randomBytes(32),
    legacy_session_id: tls13 ? randomBytes(32) : new Uint8Array(0),
    cipher_suites: suites,
    legacy_compression_methods: Uint8Array.from(spec.compression ?? [0]),
    extensions,
  });
  const record = new Uint8Array(5 + hello.length);
  record.set([HANDSHAKE_RECORD, 0x03, spec.version === SSL3 ? 0x00 : 0x01, hello.length >> 8, hello.length & 0xff]);
  record.set(hello, 5);
  return record;
}

/** What the server answered a hello with. */
export type ServerAnswer =
  | {
      kind: 'hello';
      version: number;
      suite: number;
      group?: number;
      helloRetry: boolean;
      extensions: number[];
      /** ServerHello.random: its last eight bytes carry RFC 8446 §4.1.3's downgrade sentinel. */
      random: Uint8Array;
      compression: number;
      /** The protocol an ALPN answer chose (RFC 7301), in clear below TLS 1.3. */
      alpn?: string;
      /** Whether the ServerHello's signed_certificate_timestamp extension carries SCTs (RFC 6962 §3.3.1). */
      sct?: boolean;
      /** Whether a CertificateStatus message (a stapled OCSP response, RFC 6066 §8) came. */
      stapled?: boolean;
      certificates?: Uint8Array[];
      /** What the ServerKeyExchange showed, below TLS 1.3. */
      keyExchange?: ServerKeyExchangeInfo;
    }
  | { kind: 'alert'; alert: string }
  | { kind: 'closed' }
  /** No answer at all within the time allowed: neither a hello nor an alert nor a close. */
  | { kind: 'silent' }
  | { kind: 'garbage'; why: string };

/** Reads records off `socket` until the answer is known (ServerHello and, below TLS 1.3, the certificates; or an alert), or `timeoutMs` passes. */
export function readServerAnswer(socket: net.Socket, timeoutMs: number): Promise<ServerAnswer> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    let handshake = Buffer.alloc(0);
    let hello: Extract<ServerAnswer, { kind: 'hello' }> | undefined;
    const done = (a: ServerAnswer) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => done(hello ?? { kind: 'silent' }), timeoutMs);
    const onHandshake = (): boolean => {
      while (handshake.length >= 4) {
        const len = handshake.readUIntBE(1, 3);
        if (handshake.length < 4 + len) return false;
        const type = handshake[0];
        const body = new Uint8Array(handshake.subarray(4, 4 + len));
        handshake = handshake.subarray(4 + len);
        if (type === HandshakeType.server_hello) {
          const m = ServerHelloCodec.decode(body);
          const sv = findExtension(m.extensions, ExtensionType.supported_versions);
          const version = sv ? supportedVersionsExt.server.decode(sv) : m.legacy_version;
          const ks = findExtension(m.extensions, ExtensionType.key_share);
          const retry = isHelloRetryRequest(m);
          const group = ks ? (retry ? keyShareExt.retry.decode(ks) : keyShareExt.server.decode(ks).group) : undefined;
          const alpn = findExtension(m.extensions, ExtensionType.application_layer_protocol_negotiation);
          const sct = findExtension(m.extensions, PROBE_EXTENSIONS.signed_certificate_timestamp);
          hello = {
            kind: 'hello',
            version,
            suite: m.cipher_suite,
            helloRetry: retry,
            extensions: m.extensions.map((e) => e.extension_type),
            random: Uint8Array.from(m.random),
            compression: m.legacy_compression_method,
            ...(group !== undefined ? { group } : {}),
            ...(alpn ? { alpn: alpnExt.decode(alpn)[0] } : {}),
            ...(sct ? { sct: sct.length > 2 } : {}),
          };
          // TLS 1.3 encrypts everything after ServerHello: the answer is complete.
          if (version >= TLS13) return true;
        } else if (type === HandshakeType.certificate && hello) {
          hello.certificates = Certificate12Codec.decode(body).certificate_list.map((c) => new Uint8Array(c));
        } else if (type === HandshakeType.server_key_exchange && hello) {
          hello.keyExchange = readServerKeyExchange(body, hello.suite, hello.version);
        } else if (type === CERTIFICATE_STATUS && hello) {
          hello.stapled = true;
        } else if (type !== HandshakeType.certificate_request) {
          // ServerHelloDone, or anything else: nothing more detection needs.
          return true;
        }
      }
      return false;
    };
    socket.on('data', (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      if (buffered.length > MAX_FIRST_FLIGHT) return done(hello ?? { kind: 'garbage', why: 'more than a first flight without a ServerHello' });
      try {
        while (buffered.length >= 5) {
          const type = buffered[0];
          const len = buffered.readUInt16BE(3);
          if (buffered.length < 5 + len) return;
          const fragment = buffered.subarray(5, 5 + len);
          buffered = buffered.subarray(5 + len);
          if (type === ALERT_RECORD && fragment.length >= 2) return done(hello ?? { kind: 'alert', alert: alertFor(fragment[1]).name });
          if (type !== HANDSHAKE_RECORD) return done(hello ?? { kind: 'garbage', why: `record type ${type} before a ServerHello` });
          handshake = Buffer.concat([handshake, fragment]);
          if (onHandshake()) return done(hello ?? { kind: 'garbage', why: 'a handshake message before the ServerHello' });
        }
      } catch (e) {
        done(hello ?? { kind: 'garbage', why: e instanceof Error ? e.message : String(e) });
      }
    });
    socket.once('close', () => done(hello ?? { kind: 'closed' }));
    socket.once('error', () => done(hello ?? { kind: 'closed' }));
  });
}
