// The TLS 1.3 handshake messages (RFC 8446 §4.3, §4.4.2, §4.6), one codec each.

import { fatal } from '../alerts.js';
import { Reader, build } from '../codec.js';
import { HandshakeType } from './enums.js';
import { extensionsField, readExtensions, writeExtensions, type Extension } from './extensions.js';
import { MAX_CERTIFICATES, frameHandshake } from './common.js';
import { field, hex, type MessageCodec } from './fields.js';

/** §4.3.1 */
export interface EncryptedExtensions {
  readonly extensions: readonly Extension[];
}

export const EncryptedExtensionsCodec: MessageCodec<EncryptedExtensions> = {
  type: HandshakeType.encrypted_extensions,
  name: 'EncryptedExtensions',
  encode: (m) => frameHandshake(HandshakeType.encrypted_extensions, build((w) => writeExtensions(w, m.extensions))),
  decode(body) {
    const r = new Reader(body);
    const extensions = readExtensions(r, 'EncryptedExtensions');
    r.expectEnd('EncryptedExtensions');
    return { extensions };
  },
  fields: (m, n) => [extensionsField(m.extensions, 'encrypted', n)],
};

/** §4.3.2 */
export interface CertificateRequest {
  readonly certificate_request_context: Uint8Array;
  readonly extensions: readonly Extension[];
}

export const CertificateRequestCodec: MessageCodec<CertificateRequest> = {
  type: HandshakeType.certificate_request,
  name: 'CertificateRequest',
  encode: (m) => frameHandshake(HandshakeType.certificate_request, build((w) => writeExtensions(w.vec8(m.certificate_request_context), m.extensions))),
  decode(body) {
    const r = new Reader(body);
    const certificate_request_context = r.vec8('certificate_request_context');
    const extensions = readExtensions(r, 'CertificateRequest');
    r.expectEnd('CertificateRequest');
    return { certificate_request_context, extensions };
  },
  fields: (m, n) => [field('certificate_request_context', hex(m.certificate_request_context)), extensionsField(m.extensions, 'encrypted', n)],
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

export const CertificateCodec: MessageCodec<Certificate> = {
  type: HandshakeType.certificate,
  name: 'Certificate',
  encode: (m) =>
    frameHandshake(
      HandshakeType.certificate,
      build((w) => {
        w.vec8(m.certificate_request_context);
        w.vec(3, () => m.certificate_list.forEach((c) => writeExtensions(w.vec24(c.cert_data), c.extensions)));
      }),
    ),
  decode(body) {
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
  fields: (m, n) => [
    field('certificate_request_context', hex(m.certificate_request_context)),
    field(
      'certificate_list',
      m.certificate_list.map((c) => field('CertificateEntry', [field('cert_data', `${c.cert_data.length} bytes`), extensionsField(c.extensions, 'opaque', n)])),
    ),
  ],
};

/** §4.6.1 */
export interface NewSessionTicket {
  readonly ticket_lifetime: number;
  readonly ticket_age_add: number;
  readonly ticket_nonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}

export const NewSessionTicketCodec: MessageCodec<NewSessionTicket> = {
  type: HandshakeType.new_session_ticket,
  name: 'NewSessionTicket',
  encode: (m) =>
    frameHandshake(
      HandshakeType.new_session_ticket,
      build((w) => writeExtensions(w.u32(m.ticket_lifetime).u32(m.ticket_age_add).vec8(m.ticket_nonce).vec16(m.ticket), m.extensions)),
    ),
  decode(body) {
    const r = new Reader(body);
    const ticket_lifetime = r.u32('ticket_lifetime');
    const ticket_age_add = r.u32('ticket_age_add');
    const ticket_nonce = r.vec8('ticket_nonce');
    const ticket = r.vec16('ticket', 1);
    const extensions = readExtensions(r, 'NewSessionTicket');
    r.expectEnd('NewSessionTicket');
    return { ticket_lifetime, ticket_age_add, ticket_nonce, ticket, extensions };
  },
  fields: (m, n) => [
    field('ticket_lifetime', m.ticket_lifetime),
    field('ticket_age_add', m.ticket_age_add),
    field('ticket_nonce', hex(m.ticket_nonce)),
    field('ticket', `${m.ticket.length} bytes`),
    extensionsField(m.extensions, 'opaque', n),
  ],
};

/** §4.6.3 KeyUpdateRequest: update_not_requested(0), update_requested(1). */
export interface KeyUpdate {
  readonly request_update: 0 | 1;
}

export const KeyUpdateCodec: MessageCodec<KeyUpdate> = {
  type: HandshakeType.key_update,
  name: 'KeyUpdate',
  encode: (m) => frameHandshake(HandshakeType.key_update, Uint8Array.of(m.request_update)),
  decode(body) {
    const r = new Reader(body);
    const v = r.u8('request_update');
    r.expectEnd('KeyUpdate');
    // §4.6.3: any other value is an illegal_parameter.
    if (v !== 0 && v !== 1) throw fatal('illegal_parameter', `KeyUpdate request_update ${v} is neither 0 nor 1`);
    return { request_update: v };
  },
  fields: (m) => [field('request_update', m.request_update ? 'update_requested' : 'update_not_requested')],
};
