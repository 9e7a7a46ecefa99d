// The messages both versions share (RFC 8446 §4.1.2, §4.1.3, §4.4.3, §4.4.4): known bytes both ways, and the field names the trace shows.

import assert from 'node:assert/strict';
import { TlsAlertError } from '../../../../src/core/tls/alerts.js';
import {
  CertificateVerifyCodec,
  ClientHelloCodec,
  ExtensionType,
  FinishedCodec,
  HELLO_RETRY_REQUEST_RANDOM,
  ServerHelloCodec,
  ext,
  frameHandshake,
  isHelloRetryRequest,
  type ClientHello,
  type ServerHello,
} from '../../../../src/core/tls/msgs/index.js';
import { NAMER } from '../../../../src/core/tls/trace.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const names = (fields: readonly { name: string }[]) => fields.map((f) => f.name);

describe('tls messages both versions share', () => {
  const random = new Uint8Array(32).fill(0x5a);

  it('§4: a message is its type, a 24-bit length and the body', () => {
    assert.equal(hex(frameHandshake(20, bytes('aabbcc'))), '14000003aabbcc');
  });

  it('ClientHello: known bytes both ways, fields named as §4.1.2 names them', () => {
    const hello: ClientHello = {
      legacy_version: 0x0303,
      random,
      legacy_session_id: bytes('01'),
      cipher_suites: [0x1301],
      legacy_compression_methods: bytes('00'),
      extensions: [ext(ExtensionType.supported_versions, bytes('020304'))],
    };
    const body = '0303' + '5a'.repeat(32) + '0101' + '00021301' + '0100' + '0007' + '002b0003020304';
    const wire = ClientHelloCodec.encode(hello);
    assert.equal(hex(wire), '01' + (body.length / 2).toString(16).padStart(6, '0') + body);
    assert.deepEqual(ClientHelloCodec.decode(wire.subarray(4)), hello);
    const fields = ClientHelloCodec.fields(hello, NAMER);
    assert.deepEqual(names(fields), ['legacy_version', 'random', 'legacy_session_id', 'cipher_suites', 'legacy_compression_methods', 'extensions']);
    assert.equal(fields[0].value, 'TLS 1.2');
    assert.equal(fields[3].value, 'TLS_AES_128_GCM_SHA256');
  });

  it('a pre-TLS-1.3 ClientHello without an extensions block decodes; a session id over 32 bytes is a decode_error', () => {
    const bare = '0303' + '5a'.repeat(32) + '00' + '0002c02b' + '0100';
    assert.deepEqual(ClientHelloCodec.decode(bytes(bare)).extensions, []);
    const long = '0303' + '5a'.repeat(32) + '21' + '00'.repeat(33) + '0002c02b' + '0100';
    assert.throws(() => ClientHelloCodec.decode(bytes(long)), (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'decode_error');
  });

  it('ServerHello: known bytes both ways; with the special random it is a HelloRetryRequest, and the trace says so', () => {
    const sh: ServerHello = {
      legacy_version: 0x0303,
      random,
      legacy_session_id_echo: bytes('01'),
      cipher_suite: 0x1302,
      legacy_compression_method: 0,
      extensions: [ext(ExtensionType.supported_versions, bytes('0304'))],
    };
    const body = '0303' + '5a'.repeat(32) + '0101' + '1302' + '00' + '0006' + '002b00020304';
    const wire = ServerHelloCodec.encode(sh);
    assert.equal(hex(wire), '02' + (body.length / 2).toString(16).padStart(6, '0') + body);
    assert.deepEqual(ServerHelloCodec.decode(wire.subarray(4)), sh);
    assert.equal(ServerHelloCodec.nameOf?.(sh), 'ServerHello');
    const hrr = { ...sh, random: HELLO_RETRY_REQUEST_RANDOM };
    assert.ok(isHelloRetryRequest(hrr) && !isHelloRetryRequest(sh));
    assert.equal(ServerHelloCodec.nameOf?.(hrr), 'HelloRetryRequest');
    assert.deepEqual(names(ServerHelloCodec.fields(sh, NAMER)), ['legacy_version', 'random', 'legacy_session_id_echo', 'cipher_suite', 'legacy_compression_method', 'extensions']);
  });

  it('CertificateVerify and Finished', () => {
    const cv = { algorithm: 0x0403, signature: bytes('3045') };
    assert.equal(hex(CertificateVerifyCodec.encode(cv)), '0f000006' + '0403' + '00023045');
    assert.deepEqual(CertificateVerifyCodec.decode(bytes('040300023045')), cv);
    assert.deepEqual(CertificateVerifyCodec.fields(cv, NAMER), [
      { name: 'algorithm', value: 'ecdsa_secp256r1_sha256' },
      { name: 'signature', value: '3045' },
    ]);
    assert.equal(hex(FinishedCodec.encode({ verify_data: bytes('0102') })), '140000020102');
    assert.deepEqual(FinishedCodec.fields({ verify_data: bytes('0102') }, NAMER), [{ name: 'verify_data', value: '0102' }]);
  });
});
