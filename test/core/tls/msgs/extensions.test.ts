// Extension codecs (RFC 8446 §4.2 and the TLS 1.2 ones) against known bytes, the extension block's rules, and how the trace shows them.

import assert from 'node:assert/strict';
import { TlsAlertError } from '../../../../src/core/tls/alerts.js';
import { Reader, build } from '../../../../src/core/tls/codec.js';
import {
  ExtensionType,
  alpnExt,
  cookieExt,
  ecPointFormatsExt,
  ext,
  extensionsField,
  keyShareExt,
  preSharedKeyExt,
  pskModesExt,
  readExtensions,
  renegotiationInfoExt,
  serverNameExt,
  sessionTicketExt,
  signatureAlgorithmsExt,
  supportedGroupsExt,
  supportedVersionsExt,
  writeExtensions,
} from '../../../../src/core/tls/msgs/index.js';
import { NAMER } from '../../../../src/core/tls/trace.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const alert = (name: string) => (e: unknown) => e instanceof TlsAlertError && e.alert.name === name;

/** Each codec's encoding of `value` is `wire`, and `wire` decodes back to `value`. */
function roundTrip<T, E>(codec: { encode(v: E): Uint8Array; decode(d: Uint8Array): T }, value: E, wire: string, decoded: T = value as unknown as T): void {
  assert.equal(hex(codec.encode(value)), wire);
  assert.deepEqual(codec.decode(bytes(wire)), decoded);
}

describe('tls extensions', () => {
  it('each codec writes and reads the RFC layout', () => {
    roundTrip(serverNameExt, 'a.b', '000600' + '0003' + '612e62', 'a.b');
    roundTrip(supportedGroupsExt, [0x001d, 0x0017], '0004001d0017');
    roundTrip(signatureAlgorithmsExt, [0x0403], '00020403');
    roundTrip(alpnExt, ['h2', 'http/1.1'], '000c' + '026832' + '08687474702f312e31');
    roundTrip(supportedVersionsExt.client, [0x0304, 0x0303], '0403040303');
    roundTrip(supportedVersionsExt.server, 0x0304, '0304');
    const share = { group: 0x001d, key_exchange: bytes('aabb') };
    roundTrip(keyShareExt.client, [share], '0006001d0002aabb');
    roundTrip(keyShareExt.server, share, '001d0002aabb');
    roundTrip(keyShareExt.retry, 0x0017, '0017');
    roundTrip(cookieExt, bytes('dd'), '0001dd');
    roundTrip(pskModesExt, [1], '0101');
    roundTrip(ecPointFormatsExt, [0], '0100');
    roundTrip(renegotiationInfoExt, new Uint8Array(0), '00');
    roundTrip(sessionTicketExt, bytes('0102'), '0102');
    roundTrip(preSharedKeyExt.server, 0, '0000');
  });

  it('pre_shared_key in a ClientHello: identities, then binders, whose length decoding reports', () => {
    const offered = { identities: [{ identity: bytes('cc'), obfuscated_ticket_age: 5 }], binders: [new Uint8Array(32).fill(0x11)] };
    const wire = '0007' + '0001cc' + '00000005' + '0021' + '20' + '11'.repeat(32);
    assert.equal(hex(preSharedKeyExt.client.encode(offered)), wire);
    assert.deepEqual(preSharedKeyExt.client.decode(bytes(wire)), { ...offered, bindersLength: 35 });
  });

  it('leftover bytes, an empty name list or a short binder are decode_errors', () => {
    assert.throws(() => supportedVersionsExt.server.decode(bytes('030400')), alert('decode_error'));
    assert.throws(() => serverNameExt.decode(bytes('0000')), alert('decode_error'));
    assert.throws(() => preSharedKeyExt.client.decode(bytes('0007' + '0001cc00000005' + '0002' + '0100')), alert('decode_error'));
  });

  it('RFC 6066 §3: two host names in server_name are an illegal_parameter', () => {
    assert.throws(() => serverNameExt.decode(bytes('0008' + '000001' + '61' + '000001' + '62')), alert('illegal_parameter'));
  });

  it('§4.2: an extension block round-trips, and one extension twice is an illegal_parameter', () => {
    const list = [ext(ExtensionType.server_name, bytes('00')), ext(ExtensionType.cookie, bytes('0001dd'))];
    const wire = build((w) => writeExtensions(w, list));
    assert.equal(hex(wire), '000c' + '0000' + '000100' + '002c' + '00030001dd');
    assert.deepEqual(readExtensions(new Reader(wire), 'test'), list);
    const twice = build((w) => writeExtensions(w, [list[0], list[0]]));
    assert.throws(() => readExtensions(new Reader(twice), 'test'), alert('illegal_parameter'));
  });

  it('the trace shows each extension by its name, rendered by its codec for the place it stands in', () => {
    const field = extensionsField(
      [
        ext(ExtensionType.supported_versions, supportedVersionsExt.client.encode([0x0304, 0x0303])),
        ext(ExtensionType.key_share, keyShareExt.client.encode([{ group: 0x001d, key_exchange: bytes('aabb') }])),
        ext(ExtensionType.psk_key_exchange_modes, pskModesExt.encode([1])),
        ext(0x1234, bytes('beef')),
      ],
      'client_hello',
      NAMER,
    );
    assert.equal(field.name, 'extensions');
    assert.deepEqual(field.value, [
      { name: 'supported_versions', value: 'TLS 1.3, TLS 1.2' },
      { name: 'key_share', value: [{ name: 'KeyShareEntry', value: [{ name: 'group', value: 'x25519' }, { name: 'key_exchange', value: 'aabb' }] }] },
      { name: 'psk_key_exchange_modes', value: 'psk_dhe_ke' },
      { name: 'extension_4660', value: 'beef' },
    ]);
    const retry = extensionsField([ext(ExtensionType.key_share, keyShareExt.retry.encode(0x0017))], 'hello_retry_request', NAMER);
    assert.deepEqual(retry.value, [{ name: 'key_share', value: 'selected_group secp256r1' }]);
    // A body that does not decode is shown as its bytes, not an error: the trace never breaks a handshake.
    const broken = extensionsField([ext(ExtensionType.supported_groups, bytes('0003001d'))], 'client_hello', NAMER);
    assert.deepEqual(broken.value, [{ name: 'supported_groups', value: '0003001d' }]);
  });
});
