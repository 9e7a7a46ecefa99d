// The endpoint probe's raw ClientHellos, read back with the engine's own codec.

import assert from 'node:assert/strict';
import { ClientHelloCodec, ExtensionType, findExtension, keyShareExt, supportedVersionsExt } from '../../../../src/core/tls/msgs/index.js';
import { clientHelloRecord, PROBE_EXTENSIONS, type HelloSpec } from '../../../../src/core/tools/endpoint-probe/hello.js';
import { readServerKeyExchange } from '../../../../src/core/tools/endpoint-probe/server-key-exchange.js';
import { suiteName } from '../../../../src/core/tools/endpoint-probe/suite-names.js';

const decode = (record: Uint8Array) => {
  assert.equal(record[0], 22);
  assert.equal((record[3] << 8) | record[4], record.length - 5);
  assert.equal(record[5], 1);
  return ClientHelloCodec.decode(record.subarray(9));
};
const spec = (version: number, extra: Partial<HelloSpec> = {}): HelloSpec => ({ version, suites: [0xc013, 0x002f], groups: [0x001d, 0x0017], schemes: [0x0403], serverName: 'example.com', ...extra });

describe('endpoint probe hellos', () => {
  it('TLS 1.3: legacy_version 1.2, supported_versions 1.3, an x25519 share of 32 bytes and a session id', () => {
    const m = decode(clientHelloRecord(spec(0x0304, { suites: [0x1301], shareGroups: [0x001d, 0x11ec] })));
    assert.equal(m.legacy_version, 0x0303);
    assert.deepEqual(supportedVersionsExt.client.decode(findExtension(m.extensions, ExtensionType.supported_versions)!), [0x0304]);
    const shares = keyShareExt.client.decode(findExtension(m.extensions, ExtensionType.key_share)!);
    // Only groups whose share is any string of its size get one; the others are left to a HelloRetryRequest.
    assert.deepEqual(shares.map((s) => [s.group, s.key_exchange.length]), [[0x001d, 32]]);
    assert.equal(m.legacy_session_id.length, 32);
    assert.deepEqual(m.cipher_suites, [0x1301]);
  });

  for (const v of [0x0303, 0x0302, 0x0301]) {
    it(`0x${v.toString(16)}: that legacy_version, no supported_versions or key_share, EMS and renegotiation_info offered`, () => {
      const m = decode(clientHelloRecord(spec(v)));
      assert.equal(m.legacy_version, v);
      assert.equal(findExtension(m.extensions, ExtensionType.supported_versions), undefined);
      assert.equal(findExtension(m.extensions, ExtensionType.key_share), undefined);
      assert.ok(findExtension(m.extensions, ExtensionType.extended_master_secret));
      assert.ok(findExtension(m.extensions, ExtensionType.renegotiation_info));
      assert.equal(findExtension(m.extensions, ExtensionType.signature_algorithms) !== undefined, v === 0x0303);
    });
  }

  it('SSL 3: a 3.0 record, no extensions, the renegotiation SCSV instead', () => {
    const record = clientHelloRecord(spec(0x0300));
    assert.deepEqual([record[1], record[2]], [3, 0]);
    const m = decode(record);
    assert.equal(m.legacy_version, 0x0300);
    assert.deepEqual(m.extensions, []);
    assert.deepEqual(m.cipher_suites, [0xc013, 0x002f, 0x00ff]);
  });

  it('an IP address is not sent as SNI (RFC 6066 §3)', () => {
    const m = decode(clientHelloRecord(spec(0x0303, { serverName: '127.0.0.1' })));
    assert.equal(findExtension(m.extensions, ExtensionType.server_name), undefined);
  });

  it('names suites the engine lacks by their IANA names, and unknown ones in hex', () => {
    assert.equal(suiteName(0x000a), 'TLS_RSA_WITH_3DES_EDE_CBC_SHA');
    assert.equal(suiteName(0xc02f), 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    assert.equal(suiteName(0x1305), 'TLS_AES_128_CCM_8_SHA256');
    assert.equal(suiteName(0xfefe), '0xfefe');
  });

  it('the checks\' extras: ALPN, DEFLATE before null, heartbeat, status_request with signed_certificate_timestamp, encrypt_then_mac', () => {
    const m = decode(clientHelloRecord(spec(0x0303, { alpn: ['h2'], compression: [1, 0], heartbeat: true, statusRequest: true, encryptThenMac: true })));
    assert.deepEqual([...m.legacy_compression_methods], [1, 0]);
    const types = m.extensions.map((e) => e.extension_type);
    for (const t of [ExtensionType.application_layer_protocol_negotiation, PROBE_EXTENSIONS.heartbeat, PROBE_EXTENSIONS.status_request, PROBE_EXTENSIONS.signed_certificate_timestamp, ExtensionType.encrypt_then_mac]) assert.ok(types.includes(t), String(t));
    assert.deepEqual([...findExtension(m.extensions, PROBE_EXTENSIONS.status_request)!], [1, 0, 0, 0, 0]);
    // Without them, none is sent and only null compression is offered.
    const plain = decode(clientHelloRecord(spec(0x0303)));
    assert.deepEqual([...plain.legacy_compression_methods], [0]);
    assert.ok(!plain.extensions.some((e) => [15, 5, 18, 22, 16].includes(e.extension_type)));
  });

  it('reads a ServerKeyExchange: the curve or the prime\'s bits, and the TLS 1.2 signature scheme', () => {
    const ecdhe = Uint8Array.of(3, 0x00, 0x17, 2, 0xaa, 0xbb, 0x04, 0x03, 0, 1, 0xcc);
    assert.deepEqual(readServerKeyExchange(ecdhe, 0xc02b, 0x0303), { curve: 0x17, scheme: 0x0403 });
    assert.deepEqual(readServerKeyExchange(ecdhe, 0xc02b, 0x0301), { curve: 0x17 });
    const p = new Uint8Array(128).fill(0xff);
    p[0] = 0x7f;
    const dhe = Uint8Array.from([0, 128, ...p, 0, 1, 2, 0, 2, 1, 1, 0x08, 0x04, 0, 0]);
    assert.deepEqual(readServerKeyExchange(dhe, 0x009e, 0x0303), { dhBits: 1023, scheme: 0x0804 });
    assert.deepEqual(readServerKeyExchange(dhe, 0x002f, 0x0303), {});
  });
});
