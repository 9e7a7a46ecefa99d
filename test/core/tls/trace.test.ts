// The handshake trace: events rendered from each codec's own fields, and their plain-text form for --trace.

import assert from 'node:assert/strict';
import { ClientKeyExchangeCodec, KeyUpdateCodec, ServerHelloCodec, HELLO_RETRY_REQUEST_RANDOM, ExtensionType, ext, keyShareExt } from '../../../src/core/tls/msgs/index.js';
import { NAMER, formatTraceEvent, traceMessage, type TraceEvent } from '../../../src/core/tls/trace.js';

describe('tls trace', () => {
  it('names suites, groups, schemes and versions from the tables; unknown ones as hex', () => {
    assert.equal(NAMER.suite(0x1301), 'TLS_AES_128_GCM_SHA256');
    assert.equal(NAMER.suite(0xc02b), 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    assert.equal(NAMER.suite(0x0a0a), '0x0a0a');
    assert.equal(NAMER.group(0x0018), 'secp384r1');
    assert.equal(NAMER.scheme(0x0804), 'rsa_pss_rsae_sha256');
    assert.equal(NAMER.version(0x0304), 'TLS 1.3');
    assert.equal(NAMER.version(0x0300), '0x0300');
  });

  it('an event carries the direction, the message\'s name (HelloRetryRequest for a ServerHello that is one) and its codec\'s fields', () => {
    const events: TraceEvent[] = [];
    traceMessage((e) => events.push(e), 'sent', KeyUpdateCodec, { request_update: 0 as const });
    const hrr = {
      legacy_version: 0x0303,
      random: HELLO_RETRY_REQUEST_RANDOM,
      legacy_session_id_echo: new Uint8Array(0),
      cipher_suite: 0x1301,
      legacy_compression_method: 0,
      extensions: [ext(ExtensionType.key_share, keyShareExt.retry.encode(0x0017))],
    };
    traceMessage((e) => events.push(e), 'received', ServerHelloCodec, hrr);
    assert.deepEqual(events[0], { direction: 'sent', message: 'KeyUpdate', fields: [{ name: 'request_update', value: 'update_not_requested' }] });
    assert.equal(events[1].direction, 'received');
    assert.equal(events[1].message, 'HelloRetryRequest');
    assert.deepEqual(events[1].fields.at(-1), { name: 'extensions', value: [{ name: 'key_share', value: 'selected_group secp256r1' }] });
  });

  it('the text form: an arrow and the name, then one field a line, nested fields indented', () => {
    let event: TraceEvent | undefined;
    traceMessage((e) => (event = e), 'received', ClientKeyExchangeCodec, { ecdh_Yc: Uint8Array.of(4, 1) });
    assert.equal(formatTraceEvent(event!), '<<< ClientKeyExchange\n  ecdh_Yc: 0401');
    const nested: TraceEvent = { direction: 'sent', message: 'X', fields: [{ name: 'outer', value: [{ name: 'inner', value: 3 }] }] };
    assert.equal(formatTraceEvent(nested), '>>> X\n  outer:\n    inner: 3');
  });
});
