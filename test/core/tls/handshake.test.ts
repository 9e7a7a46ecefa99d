import assert from 'node:assert/strict';
import { summarize, type Agreed } from '../../../src/core/tls/handshake.js';

const agreed = (extra: Partial<Agreed> = {}): Agreed => ({
  version: 'TLSv1.3',
  suite: { name: 'TLS_AES_128_GCM_SHA256' },
  group: { name: 'x25519' },
  peerScheme: undefined,
  alpn: undefined,
  serverName: undefined,
  resumed: false,
  helloRetry: false,
  peerCertificates: [],
  validation: undefined,
  started: performance.now(),
  ...extra,
});

describe('tls handshake summary', () => {
  it('names what was agreed, and leaves out what was not (no undefined keys)', () => {
    const s = summarize(agreed());
    assert.deepEqual(Object.keys(s).sort(), ['cipherSuite', 'group', 'handshakeMs', 'helloRetry', 'peerCertificates', 'resumed', 'version']);
    assert.equal(s.cipherSuite, 'TLS_AES_128_GCM_SHA256');
    assert.equal(s.group, 'x25519');
  });

  it('carries the scheme, ALPN, server name, validation and whether a client certificate was sent, when there are any', () => {
    const chain = [Uint8Array.of(1, 2, 3)];
    const s = summarize(
      agreed({ peerScheme: { name: 'ecdsa_secp256r1_sha256' }, alpn: 'h2', serverName: 'localhost', resumed: true, helloRetry: true, peerCertificates: chain, validation: { valid: true } as never, clientCertificateSent: false }),
    );
    assert.equal(s.signatureScheme, 'ecdsa_secp256r1_sha256');
    assert.equal(s.alpn, 'h2');
    assert.equal(s.serverName, 'localhost');
    assert.deepEqual([s.resumed, s.helloRetry], [true, true]);
    assert.equal(s.peerCertificates, chain);
    assert.deepEqual(s.validation, { valid: true });
    assert.equal(s.clientCertificateSent, false, 'false is reported, not dropped');
  });

  it('times the handshake from when it began', () => {
    const s = summarize(agreed({ started: performance.now() - 250 }));
    assert.ok(s.handshakeMs >= 250 && s.handshakeMs < 10_000, String(s.handshakeMs));
  });
});
