// The TLS 1.3 messages (RFC 8446 §4.3, §4.4.2, §4.6): known bytes both ways, the limits, and the field names the trace shows.

import assert from 'node:assert/strict';
import { TlsAlertError } from '../../../../src/core/tls/alerts.js';
import {
  CertificateCodec,
  CertificateRequestCodec,
  EncryptedExtensionsCodec,
  ExtensionType,
  KeyUpdateCodec,
  NewSessionTicketCodec,
  ext,
} from '../../../../src/core/tls/msgs/index.js';
import { NAMER } from '../../../../src/core/tls/trace.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const alert = (name: string) => (e: unknown) => e instanceof TlsAlertError && e.alert.name === name;

describe('tls 1.3 messages', () => {
  it('EncryptedExtensions', () => {
    const m = { extensions: [ext(ExtensionType.server_name, new Uint8Array(0))] };
    assert.equal(hex(EncryptedExtensionsCodec.encode(m)), '08000006' + '0004' + '00000000');
    assert.deepEqual(EncryptedExtensionsCodec.decode(bytes('000400000000')), m);
    assert.deepEqual(EncryptedExtensionsCodec.fields(m, NAMER), [{ name: 'extensions', value: [{ name: 'server_name', value: '(empty)' }] }]);
  });

  it('CertificateRequest', () => {
    const m = { certificate_request_context: new Uint8Array(0), extensions: [ext(ExtensionType.signature_algorithms, bytes('00020403'))] };
    assert.equal(hex(CertificateRequestCodec.encode(m)), '0d00000b' + '00' + '0008' + '000d000400020403');
    assert.deepEqual(CertificateRequestCodec.decode(bytes('000008000d000400020403')), m);
    const fields = CertificateRequestCodec.fields(m, NAMER);
    assert.equal(fields[0].name, 'certificate_request_context');
    assert.deepEqual(fields[1].value, [{ name: 'signature_algorithms', value: 'ecdsa_secp256r1_sha256' }]);
  });

  it('Certificate: entries of cert_data and extensions; more than 16 certificates is a decode_error', () => {
    const m = { certificate_request_context: new Uint8Array(0), certificate_list: [{ cert_data: bytes('3082'), extensions: [] }] };
    const body = '00' + '000007' + '000002' + '3082' + '0000';
    assert.equal(hex(CertificateCodec.encode(m)), '0b00000b' + body);
    assert.deepEqual(CertificateCodec.decode(bytes(body)), m);
    assert.deepEqual(CertificateCodec.fields(m, NAMER)[1], {
      name: 'certificate_list',
      value: [{ name: 'CertificateEntry', value: [{ name: 'cert_data', value: '2 bytes' }, { name: 'extensions', value: [] }] }],
    });
    const many = { ...m, certificate_list: Array.from({ length: 17 }, () => m.certificate_list[0]) };
    assert.throws(() => CertificateCodec.decode(CertificateCodec.encode(many).subarray(4)), alert('decode_error'));
  });

  it('NewSessionTicket', () => {
    const m = { ticket_lifetime: 7200, ticket_age_add: 1, ticket_nonce: bytes('00'), ticket: bytes('abcd'), extensions: [] };
    const body = '00001c20' + '00000001' + '0100' + '0002abcd' + '0000';
    assert.equal(hex(NewSessionTicketCodec.encode(m)), '04000010' + body);
    assert.deepEqual(NewSessionTicketCodec.decode(bytes(body)), m);
    assert.deepEqual(NewSessionTicketCodec.fields(m, NAMER).map((f) => [f.name, f.value]), [
      ['ticket_lifetime', 7200],
      ['ticket_age_add', 1],
      ['ticket_nonce', '00'],
      ['ticket', '2 bytes'],
      ['extensions', []],
    ]);
  });

  it('KeyUpdate: 0 or 1, any other value an illegal_parameter (§4.6.3)', () => {
    assert.equal(hex(KeyUpdateCodec.encode({ request_update: 1 })), '1800000101');
    assert.deepEqual(KeyUpdateCodec.decode(bytes('00')), { request_update: 0 });
    assert.throws(() => KeyUpdateCodec.decode(bytes('02')), alert('illegal_parameter'));
    assert.deepEqual(KeyUpdateCodec.fields({ request_update: 1 }, NAMER), [{ name: 'request_update', value: 'update_requested' }]);
  });
});
