// The TLS 1.3 key schedule's pieces (RFC 8446 §7.1, §4.4.1, §4.4.3) against published values.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { KeySchedule, Transcript, certificateVerifyContent } from '../../../src/core/tls/key-schedule.js';
import { suiteById } from '../../../src/core/tls/suites.js';
import { provider } from '../../helpers/tls-credentials.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('tls key schedule', () => {
  const ks = new KeySchedule(provider, suiteById(0x1301)!);

  it('the Early Secret without a PSK is RFC 8448 §3\'s', () => {
    assert.equal(hex(ks.earlySecret()), '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
  });

  it('the transcript hash is the hash of the messages in order, and a second look costs nothing new', () => {
    const t = new Transcript();
    t.add(Uint8Array.of(1, 2));
    t.add(Uint8Array.of(3));
    assert.equal(hex(t.hash(ks)), sha256(Uint8Array.of(1, 2, 3)));
    assert.equal(t.hash(ks), t.hash(ks));
    assert.equal(hex(t.bytes()), '010203');
    assert.equal(hex(t.hashWith(ks, Uint8Array.of(4))), sha256(Uint8Array.of(1, 2, 3, 4)));
  });

  it('§4.4.1: after a HelloRetryRequest, ClientHello1 becomes message_hash(254) ‖ 00 00 20 ‖ Hash(ClientHello1)', () => {
    const t = new Transcript();
    const ch1 = Uint8Array.of(1, 0, 0, 1, 0xff);
    t.add(ch1);
    t.replaceWithMessageHash(ks);
    const expected = Buffer.concat([Buffer.from('fe000020', 'hex'), createHash('sha256').update(ch1).digest()]);
    assert.equal(hex(t.bytes()), expected.toString('hex'));
  });

  it('the running hash is fed each message once, goes on after each look, and starts again after a HelloRetryRequest', () => {
    const fed: number[] = [];
    const counting = {
      ...provider,
      runningHash: (algorithm: Parameters<NonNullable<typeof provider.runningHash>>[0]) => {
        const h = provider.runningHash!(algorithm);
        return { update: (d: Uint8Array) => (fed.push(d.length), h.update(d)), digest: () => h.digest() };
      },
    };
    const cks = new KeySchedule(counting, suiteById(0x1301)!);
    const t = new Transcript();
    t.add(Uint8Array.of(1, 2));
    assert.equal(hex(t.hash(cks)), sha256(Uint8Array.of(1, 2)));
    t.add(Uint8Array.of(3));
    t.add(Uint8Array.of(4, 5, 6));
    assert.equal(hex(t.hash(cks)), sha256(Uint8Array.of(1, 2, 3, 4, 5, 6)));
    assert.deepEqual(fed, [2, 1, 3], 'each message fed once, in order');
    t.replaceWithMessageHash(cks);
    t.add(Uint8Array.of(7));
    const expected = Buffer.concat([Buffer.from('fe000020', 'hex'), createHash('sha256').update(Uint8Array.of(1, 2, 3, 4, 5, 6)).digest(), Buffer.of(7)]);
    assert.equal(hex(t.hash(cks)), sha256(expected));
    // A provider without a running hash: the messages are hashed whole, with the same result.
    const { runningHash: _, ...plain } = provider;
    const u = new Transcript();
    u.add(Uint8Array.of(1, 2));
    u.add(Uint8Array.of(3));
    assert.equal(hex(u.hash(new KeySchedule(plain, suiteById(0x1301)!))), sha256(Uint8Array.of(1, 2, 3)));
  });

  it('§4.4.3: CertificateVerify signs 64 spaces, the context string, a zero byte and the hash', () => {
    const content = certificateVerifyContent('server', Uint8Array.of(0xab));
    const context = 'TLS 1.3, server CertificateVerify';
    assert.equal(content.length, 64 + context.length + 1 + 1);
    assert.ok(content.subarray(0, 64).every((b) => b === 0x20));
    assert.equal(Buffer.from(content.subarray(64, 64 + context.length)).toString(), context);
    assert.equal(content[64 + context.length], 0);
    assert.equal(content[content.length - 1], 0xab);
    assert.notEqual(hex(certificateVerifyContent('client', Uint8Array.of(0xab))), hex(content));
  });

  it('§7.2: each KeyUpdate moves a traffic secret to a different one, and keys come from it', () => {
    const secret = ks.clientApplicationTrafficSecret(ks.masterSecret(ks.handshakeSecret(ks.earlySecret(), new Uint8Array(32))), new Uint8Array(32));
    const next = ks.nextTrafficSecret(secret);
    assert.notEqual(hex(next), hex(secret));
    const keys = ks.trafficKeys(next);
    assert.equal(keys.key.length, 16);
    assert.equal(keys.iv.length, 12);
  });
});
