import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  ExtensionType,
  extensionName,
  HandshakeType,
  HELLO_RETRY_REQUEST_RANDOM,
  MAX_CERTIFICATE_MESSAGE,
  MAX_HANDSHAKE_MESSAGE,
  MESSAGE_NAMES,
  messageName,
  TLS11,
  TLS12,
  TLS13,
} from '../../../../src/core/tls/msgs/enums.js';

/** RFC 8446 §4 names messages in CamelCase and its enum in snake_case: client_hello ↔ ClientHello. */
const camel = (snake: string) => snake.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());

describe('tls handshake numbers', () => {
  it('names every handshake type kyman knows as the RFC does, and says which number an unknown one was', () => {
    for (const [snake, type] of Object.entries(HandshakeType)) {
      assert.equal(messageName(type), snake === 'message_hash' ? 'message_hash' : camel(snake), snake);
    }
    assert.equal(Object.keys(MESSAGE_NAMES).length, Object.keys(HandshakeType).length);
    assert.equal(messageName(3), 'handshake type 3');
  });

  it('names every extension kyman reads or writes by its own key, and others by IANA name or number', () => {
    for (const [name, type] of Object.entries(ExtensionType)) assert.equal(extensionName(type), name);
    assert.equal(extensionName(21), 'padding');
    assert.equal(extensionName(15), 'heartbeat');
    assert.equal(extensionName(0x1234), 'extension_4660');
  });

  it('keeps the wire numbers the RFCs give', () => {
    assert.deepEqual([TLS13, TLS12, TLS11], [0x0304, 0x0303, 0x0302]);
    assert.deepEqual([HandshakeType.client_hello, HandshakeType.finished, HandshakeType.key_update, HandshakeType.message_hash], [1, 20, 24, 254]);
    assert.deepEqual([ExtensionType.supported_versions, ExtensionType.key_share, ExtensionType.renegotiation_info], [43, 51, 0xff01]);
  });

  it('the HelloRetryRequest random is SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3)', () => {
    assert.equal(Buffer.from(HELLO_RETRY_REQUEST_RANDOM).toString('hex'), createHash('sha256').update('HelloRetryRequest').digest('hex'));
  });

  it('bounds a handshake message at 64 KiB and a Certificate at 256 KiB, far below the 2^24 the format allows', () => {
    assert.equal(MAX_HANDSHAKE_MESSAGE, 64 * 1024);
    assert.equal(MAX_CERTIFICATE_MESSAGE, 256 * 1024);
  });
});
