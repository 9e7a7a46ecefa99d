// The TLS 1.2 messages (RFC 5246 §7.4, RFC 8422 §5, RFC 5077 §3.3): known bytes both ways, the limits, and the field names the trace shows.

import assert from 'node:assert/strict';
import { TlsAlertError } from '../../../../src/core/tls/alerts.js';
import {
  Certificate12Codec,
  CertificateRequest12Codec,
  ClientKeyExchangeCodec,
  ClientKeyExchangeDheCodec,
  HelloRequestCodec,
  NewSessionTicket12Codec,
  ServerHelloDoneCodec,
  ServerKeyExchangeCodec,
  ServerKeyExchangeDheCodec,
  serverDhParams,
  serverEcdhParams,
} from '../../../../src/core/tls/msgs/index.js';
import { NAMER } from '../../../../src/core/tls/trace.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const alert = (name: string) => (e: unknown) => e instanceof TlsAlertError && e.alert.name === name;

describe('tls 1.2 messages', () => {
  it('Certificate: a bare list of ASN.1Cert', () => {
    const m = { certificate_list: [bytes('3082')] };
    assert.equal(hex(Certificate12Codec.encode(m)), '0b000008' + '000005' + '0000023082');
    assert.deepEqual(Certificate12Codec.decode(bytes('0000050000023082')), m);
    assert.deepEqual(Certificate12Codec.fields(m, NAMER), [{ name: 'certificate_list', value: [{ name: 'ASN.1Cert', value: '2 bytes' }] }]);
  });

  it('ServerKeyExchange: ServerECDHParams then the signature; only named_curve is read (RFC 8422 §5.4)', () => {
    const m = { curve_type: 3, namedcurve: 0x001d, public: bytes('aabb'), algorithm: 0x0403, signature: bytes('30') };
    assert.equal(hex(serverEcdhParams(m)), '03001d02aabb');
    const body = '03001d02aabb' + '0403' + '000130';
    assert.equal(hex(ServerKeyExchangeCodec.encode(m)), '0c00000b' + body);
    assert.deepEqual(ServerKeyExchangeCodec.decode(bytes(body)), m);
    assert.throws(() => ServerKeyExchangeCodec.decode(bytes('01' + body.slice(2))), alert('illegal_parameter'));
    assert.deepEqual(ServerKeyExchangeCodec.fields(m, NAMER), [
      { name: 'params', value: [{ name: 'curve_type', value: 'named_curve' }, { name: 'namedcurve', value: 'x25519' }, { name: 'public', value: 'aabb' }] },
      { name: 'signed_params', value: [{ name: 'algorithm', value: 'ecdsa_secp256r1_sha256' }, { name: 'signature', value: '30' }] },
    ]);
  });

  it('ServerKeyExchange for DHE: ServerDHParams (dh_p, dh_g, dh_Ys, each opaque<1..2^16-1>) then the signature (RFC 5246 §7.4.3)', () => {
    const m = { dh_p: bytes('ffffffffffffffff17'), dh_g: bytes('02'), dh_Ys: bytes('aabb'), algorithm: 0x0804, signature: bytes('30') };
    const params = '0009ffffffffffffffff17' + '000102' + '0002aabb';
    assert.equal(hex(serverDhParams(m)), params);
    const body = params + '0804' + '000130';
    assert.equal(hex(ServerKeyExchangeDheCodec.encode(m)), '0c000017' + body);
    assert.deepEqual(ServerKeyExchangeDheCodec.decode(bytes(body)), m);
    assert.throws(() => ServerKeyExchangeDheCodec.decode(bytes('0000' + body.slice(22))), alert('decode_error'));
    assert.throws(() => ServerKeyExchangeDheCodec.decode(bytes(body + '00')), alert('decode_error'));
    assert.deepEqual(ServerKeyExchangeDheCodec.fields(m, NAMER), [
      { name: 'params', value: [{ name: 'dh_p', value: '72-bit prime ffffffffffffffff…' }, { name: 'dh_g', value: '02' }, { name: 'dh_Ys', value: 'aabb' }] },
      { name: 'signed_params', value: [{ name: 'algorithm', value: 'rsa_pss_rsae_sha256' }, { name: 'signature', value: '30' }] },
    ]);
  });

  it('ClientKeyExchange for DHE: dh_Yc is opaque<1..2^16-1> (RFC 5246 §7.4.7.2)', () => {
    assert.equal(hex(ClientKeyExchangeDheCodec.encode({ dh_Yc: bytes('00aa') })), '10000004' + '000200aa');
    assert.deepEqual(ClientKeyExchangeDheCodec.decode(bytes('000200aa')), { dh_Yc: bytes('00aa') });
    assert.throws(() => ClientKeyExchangeDheCodec.decode(bytes('0000')), alert('decode_error'));
    assert.throws(() => ClientKeyExchangeDheCodec.decode(bytes('0003aabb')), alert('decode_error'));
    assert.deepEqual(ClientKeyExchangeDheCodec.fields({ dh_Yc: bytes('aa') }, NAMER), [{ name: 'dh_Yc', value: 'aa' }]);
  });

  it('CertificateRequest: types, schemes, CA names', () => {
    const m = { certificate_types: bytes('4001'), supported_signature_algorithms: [0x0403], certificate_authorities: [bytes('30')] };
    const body = '024001' + '00020403' + '0003000130';
    assert.equal(hex(CertificateRequest12Codec.encode(m)), '0d00000c' + body);
    assert.deepEqual(CertificateRequest12Codec.decode(bytes(body)), m);
    assert.deepEqual(CertificateRequest12Codec.fields(m, NAMER).map((f) => [f.name, f.value]), [
      ['certificate_types', '64, 1'],
      ['supported_signature_algorithms', 'ecdsa_secp256r1_sha256'],
      ['certificate_authorities', '1 names'],
    ]);
  });

  it('ClientKeyExchange, NewSessionTicket (an empty ticket allowed, RFC 5077 §3.3)', () => {
    assert.equal(hex(ClientKeyExchangeCodec.encode({ ecdh_Yc: bytes('04aa') })), '1000000302' + '04aa');
    assert.deepEqual(ClientKeyExchangeCodec.decode(bytes('0204aa')), { ecdh_Yc: bytes('04aa') });
    assert.throws(() => ClientKeyExchangeCodec.decode(bytes('00')), alert('decode_error'));
    const t = { ticket_lifetime_hint: 60, ticket: new Uint8Array(0) };
    assert.equal(hex(NewSessionTicket12Codec.encode(t)), '04000006' + '0000003c' + '0000');
    assert.deepEqual(NewSessionTicket12Codec.decode(bytes('0000003c0000')), t);
  });

  it('HelloRequest and ServerHelloDone are empty; a body is a decode_error', () => {
    assert.equal(hex(HelloRequestCodec.encode({})), '00000000');
    assert.equal(hex(ServerHelloDoneCodec.encode({})), '0e000000');
    assert.deepEqual(ServerHelloDoneCodec.decode(new Uint8Array(0)), {});
    assert.throws(() => HelloRequestCodec.decode(bytes('00')), alert('decode_error'));
    assert.equal(ServerHelloDoneCodec.name, 'ServerHelloDone');
  });
});
