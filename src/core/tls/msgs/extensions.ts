// Extensions (RFC 8446 §4.2, RFC 5246 §7.4.1.4): the block every hello carries, and one codec per extension kyman reads or writes.

import { fatal } from '../alerts.js';
import { Reader, Writer, build, parseAll, readU16List } from '../codec.js';
import { ExtensionType, extensionName } from './enums.js';
import { field, hex, type ExtensionCodec, type Namer, type TraceField } from './fields.js';

/** One coder each for the process: making one costs more than the few bytes of a name it codes. */
const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

export interface Extension {
  readonly extension_type: number;
  readonly extension_data: Uint8Array;
}

export function writeExtensions(w: Writer, extensions: readonly Extension[]): void {
  w.vec(2, () => {
    for (const e of extensions) w.u16(e.extension_type).vec16(e.extension_data);
  });
}

/**
 * §4.2: "There MUST NOT be more than one extension of the same type in a given extension block."
 * No count limit: the block's own 2^16-1 bytes bound it (§4.1.2), and unknown ones are kept, unread.
 */
export function readExtensions(r: Reader, what: string): Extension[] {
  const list = r.sub(2, `${what} extensions`);
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (list.remaining > 0) {
    const extension_type = list.u16('extension_type');
    const extension_data = list.vec16('extension_data');
    if (seen.has(extension_type)) throw fatal('illegal_parameter', `${what} carries the ${extensionName(extension_type)} extension twice`);
    seen.add(extension_type);
    out.push({ extension_type, extension_data });
  }
  return out;
}

export const findExtension = (exts: readonly Extension[], type: number) => exts.find((e) => e.extension_type === type)?.extension_data;
export const ext = (extension_type: number, extension_data: Uint8Array): Extension => ({ extension_type, extension_data });

const names = (ids: readonly number[], name: (id: number) => string) => ids.map(name).join(', ');

/** §4.2.11 / RFC 6066 §3 server_name: a ServerNameList holding one host_name. */
export const serverNameExt: ExtensionCodec<string | undefined, string> = {
  encode: (host) => build((w) => w.vec(2, () => w.u8(0).vec16(UTF8_ENCODER.encode(host)))),
  decode: (d) =>
    parseAll(d, 'server_name', (r) => {
      const list = r.sub(2, 'server_name_list', 1);
      let host: string | undefined;
      while (list.remaining > 0) {
        const type = list.u8('name_type');
        const name = list.vec16('HostName', 1);
        // RFC 6066 §3: only host_name (0) is defined; one name per type.
        if (type === 0) {
          if (host !== undefined) throw fatal('illegal_parameter', 'server_name carries two host names');
          host = UTF8_DECODER.decode(name);
        }
      }
      return host;
    }),
  fields: (host) => host ?? '(none)',
};

/** A vector of uint16 with a 2-byte length: NamedGroupList (§4.2.7), SignatureSchemeList (§4.2.3). */
function u16List(what: string, render: (n: Namer) => (id: number) => string): ExtensionCodec<number[], readonly number[]> {
  return {
    encode: (ids) => build((w) => w.vec(2, () => ids.forEach((id) => w.u16(id)))),
    decode: (d) => parseAll(d, what, (r) => readU16List(r.sub(2, what, 2), what)),
    fields: (ids, n) => names(ids, render(n)),
  };
}

/** §4.2.7 supported_groups (RFC 8422 §5.1.1 elliptic_curves in TLS 1.2). */
export const supportedGroupsExt = u16List('supported_groups', (n) => n.group);
/** §4.2.3 signature_algorithms (RFC 5246 §7.4.1.4.1 in TLS 1.2). */
export const signatureAlgorithmsExt = u16List('signature_algorithms', (n) => n.scheme);
/** §4.2.3 signature_algorithms_cert. */
export const signatureAlgorithmsCertExt = u16List('signature_algorithms_cert', (n) => n.scheme);

/** RFC 7301 §3.1 ProtocolNameList. */
export const alpnExt: ExtensionCodec<string[], readonly string[]> = {
  encode: (protocols) => build((w) => w.vec(2, () => protocols.forEach((p) => w.vec8(UTF8_ENCODER.encode(p))))),
  decode: (d) =>
    parseAll(d, 'application_layer_protocol_negotiation', (r) => {
      const list = r.sub(2, 'protocol_name_list', 2);
      const out: string[] = [];
      while (list.remaining > 0) out.push(UTF8_DECODER.decode(list.vec8('ProtocolName', 1)));
      return out;
    }),
  fields: (protocols) => protocols.join(', '),
};

/** §4.2.1 supported_versions: a list in ClientHello, one version in ServerHello and HelloRetryRequest. */
export const supportedVersionsExt = {
  client: {
    encode: (versions) => build((w) => w.vec(1, () => versions.forEach((v) => w.u16(v)))),
    decode: (d) => parseAll(d, 'supported_versions', (r) => readU16List(r.sub(1, 'versions', 2), 'versions')),
    fields: (versions, n) => names(versions, n.version),
  } satisfies ExtensionCodec<number[], readonly number[]>,
  server: {
    encode: (version) => build((w) => w.u16(version)),
    decode: (d) => parseAll(d, 'supported_versions', (r) => r.u16('selected_version')),
    fields: (version, n) => n.version(version),
  } satisfies ExtensionCodec<number>,
};

export interface KeyShareEntry {
  readonly group: number;
  readonly key_exchange: Uint8Array;
}

const keyShareEntryFields = (s: KeyShareEntry, n: Namer): TraceField[] => [field('group', n.group(s.group)), field('key_exchange', hex(s.key_exchange))];

/** §4.2.8 key_share: client_shares in ClientHello, server_share in ServerHello, selected_group in HelloRetryRequest. */
export const keyShareExt = {
  client: {
    encode: (shares) => build((w) => w.vec(2, () => shares.forEach((s) => w.u16(s.group).vec16(s.key_exchange)))),
    decode: (d) =>
      parseAll(d, 'key_share', (r) => {
        const list = r.sub(2, 'client_shares');
        const out: KeyShareEntry[] = [];
        while (list.remaining > 0) {
          const group = list.u16('group');
          // key_exchange<1..2^16-1>, but an empty one is read here and refused as the group's invalid
          // public value, illegal_parameter (§4.2.8.1, §4.2.8.2), the alert peers expect for it.
          out.push({ group, key_exchange: list.vec16('key_exchange') });
        }
        return out;
      }),
    fields: (shares, n) => shares.map((s) => field('KeyShareEntry', keyShareEntryFields(s, n))),
  } satisfies ExtensionCodec<KeyShareEntry[], readonly KeyShareEntry[]>,
  server: {
    encode: (s) => build((w) => w.u16(s.group).vec16(s.key_exchange)),
    decode: (d) => parseAll(d, 'key_share', (r) => ({ group: r.u16('group'), key_exchange: r.vec16('key_exchange', 1) })),
    fields: keyShareEntryFields,
  } satisfies ExtensionCodec<KeyShareEntry>,
  retry: {
    encode: (group) => build((w) => w.u16(group)),
    decode: (d) => parseAll(d, 'key_share', (r) => r.u16('selected_group')),
    fields: (group, n) => `selected_group ${n.group(group)}`,
  } satisfies ExtensionCodec<number>,
};

/** §4.2.2 cookie. */
export const cookieExt: ExtensionCodec<Uint8Array> = {
  encode: (cookie) => build((w) => w.vec16(cookie)),
  decode: (d) => parseAll(d, 'cookie', (r) => r.vec16('cookie', 1)),
  fields: hex,
};

/** §4.2.9 PskKeyExchangeMode: the PSK alone, or with (EC)DHE. */
/** RFC 6066 §8 CertificateStatusRequest: OCSP, no responder ids, no request extensions. */
export const OCSP_STATUS_REQUEST = Uint8Array.of(1, 0, 0, 0, 0);

/** RFC 6066 §8 / RFC 8446 §4.4.2.1 CertificateStatus: status_type ocsp(1) and the DER OCSPResponse. */
export const certificateStatusExt = {
  decode(data: Uint8Array): Uint8Array {
    const r = new Reader(data);
    const type = r.u8('status_type');
    if (type !== 1) throw fatal('illegal_parameter', `CertificateStatus of type ${type}, not ocsp`);
    const response = r.vec24('OCSPResponse', 1);
    r.expectEnd('CertificateStatus');
    return response;
  },
};

export const PSK_KE = 0;
export const PSK_DHE_KE = 1;

/** §4.2.9 psk_key_exchange_modes: psk_ke(0), psk_dhe_ke(1). */
export const pskModesExt: ExtensionCodec<number[], readonly number[]> = {
  encode: (modes) => build((w) => w.vec8(Uint8Array.from(modes))),
  decode: (d) => parseAll(d, 'psk_key_exchange_modes', (r) => [...r.vec8('ke_modes', 1)]),
  fields: (modes) => modes.map((m) => (m === PSK_DHE_KE ? 'psk_dhe_ke' : m === PSK_KE ? 'psk_ke' : String(m))).join(', '),
};

export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscated_ticket_age: number;
}

/** §4.2.11 OfferedPsks; decoding also gives `bindersLength`, how many bytes the binders take at the end, for the binder's transcript. */
export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
}

/** §4.2.11 pre_shared_key: OfferedPsks in ClientHello, selected_identity in ServerHello. */
export const preSharedKeyExt = {
  client: {
    encode: (offered) =>
      build((w) => {
        w.vec(2, () => offered.identities.forEach((i) => w.vec16(i.identity).u32(i.obfuscated_ticket_age)));
        w.vec(2, () => offered.binders.forEach((b) => w.vec8(b)));
      }),
    decode: (d) =>
      parseAll(d, 'pre_shared_key', (r) => {
        const ids = r.sub(2, 'identities', 7);
        const identities: PskIdentity[] = [];
        while (ids.remaining > 0) identities.push({ identity: ids.vec16('identity', 1), obfuscated_ticket_age: ids.u32('obfuscated_ticket_age') });
        const bindersLength = r.remaining;
        const bs = r.sub(2, 'binders', 33);
        const binders: Uint8Array[] = [];
        while (bs.remaining > 0) binders.push(bs.vec8('PskBinderEntry', 32));
        return { identities, binders, bindersLength };
      }),
    fields: (o) => [
      field('identities', o.identities.map((i) => field('PskIdentity', [field('identity', hex(i.identity)), field('obfuscated_ticket_age', i.obfuscated_ticket_age)]))),
      field('binders', o.binders.map((b) => field('PskBinderEntry', hex(b)))),
    ],
  } satisfies ExtensionCodec<OfferedPsks & { bindersLength: number }, OfferedPsks>,
  server: {
    encode: (selected) => build((w) => w.u16(selected)),
    decode: (d) => parseAll(d, 'pre_shared_key', (r) => r.u16('selected_identity')),
    fields: (selected) => `selected_identity ${selected}`,
  } satisfies ExtensionCodec<number>,
};

/** RFC 8422 §5.1.2 ECPointFormatList; uncompressed(0) is the only format kyman (and RFC 8422) uses. */
export const ecPointFormatsExt: ExtensionCodec<number[], readonly number[]> = {
  encode: (formats) => build((w) => w.vec8(Uint8Array.from(formats))),
  decode: (d) => parseAll(d, 'ec_point_formats', (r) => [...r.vec8('ec_point_format_list', 1)]),
  fields: (formats) => formats.map((p) => (p === 0 ? 'uncompressed' : String(p))).join(', '),
};

/** RFC 5746 §3.2 renegotiation_info: renegotiated_connection, empty on an initial handshake. */
export const renegotiationInfoExt: ExtensionCodec<Uint8Array> = {
  encode: (verifyData) => build((w) => w.vec8(verifyData)),
  decode: (d) => parseAll(d, 'renegotiation_info', (r) => r.vec8('renegotiated_connection')),
  fields: hex,
};

/** RFC 5077 §3.2 SessionTicket extension: empty to ask for a ticket, or the ticket to resume with. */
export const sessionTicketExt: ExtensionCodec<Uint8Array> = {
  encode: (ticket) => ticket,
  decode: (d) => d,
  fields: (ticket) => (ticket.length ? `${ticket.length} bytes` : '(empty)'),
};

/** Where an extension block stands: some extensions take a different shape in each (§4.2.1, §4.2.8, §4.2.11). */
export type ExtensionPlace = 'client_hello' | 'server_hello' | 'hello_retry_request' | 'encrypted' | 'opaque';

/** Any extension's codec, as the table holds them: decoded only to be rendered by the same codec. */
type AnyExtensionCodec = ExtensionCodec<unknown, never>;

const COMMON: Readonly<Record<number, AnyExtensionCodec>> = {
  [ExtensionType.server_name]: serverNameExt,
  [ExtensionType.supported_groups]: supportedGroupsExt,
  [ExtensionType.signature_algorithms]: signatureAlgorithmsExt,
  [ExtensionType.signature_algorithms_cert]: signatureAlgorithmsCertExt,
  [ExtensionType.application_layer_protocol_negotiation]: alpnExt,
  [ExtensionType.ec_point_formats]: ecPointFormatsExt,
  [ExtensionType.session_ticket]: sessionTicketExt,
  [ExtensionType.renegotiation_info]: renegotiationInfoExt,
  [ExtensionType.psk_key_exchange_modes]: pskModesExt,
  [ExtensionType.cookie]: cookieExt,
};

/** What the server sends: one version, one share, the chosen identity (§4.2.1, §4.2.8, §4.2.11). */
const SERVER_SIDE: Readonly<Record<number, AnyExtensionCodec>> = {
  ...COMMON,
  [ExtensionType.supported_versions]: supportedVersionsExt.server,
  [ExtensionType.key_share]: keyShareExt.server,
  [ExtensionType.pre_shared_key]: preSharedKeyExt.server,
};

/** The codec for each extension in each place; an extension without one is shown as its bytes. */
const CODECS: Readonly<Record<ExtensionPlace, Readonly<Record<number, AnyExtensionCodec>>>> = {
  client_hello: {
    ...COMMON,
    [ExtensionType.supported_versions]: supportedVersionsExt.client,
    [ExtensionType.key_share]: keyShareExt.client,
    [ExtensionType.pre_shared_key]: preSharedKeyExt.client,
  },
  server_hello: SERVER_SIDE,
  hello_retry_request: { ...SERVER_SIDE, [ExtensionType.key_share]: keyShareExt.retry },
  encrypted: SERVER_SIDE,
  opaque: {},
};

/** The trace's view of an extension block: each extension by name, rendered by its codec (its bytes when it does not decode). */
export function extensionsField(extensions: readonly Extension[], place: ExtensionPlace, n: Namer): TraceField {
  return field(
    'extensions',
    extensions.map((e) => {
      const codec = CODECS[place][e.extension_type];
      let value: TraceField['value'];
      try {
        value = codec ? codec.fields(codec.decode(e.extension_data), n) : hex(e.extension_data);
      } catch {
        value = hex(e.extension_data);
      }
      return field(extensionName(e.extension_type), value);
    }),
  );
}
