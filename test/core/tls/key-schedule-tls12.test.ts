// The TLS 1.2 PRF and what is derived from it (RFC 5246 §5, §6.3, §7.4.9; RFC 7627 §4) against values kyman did not compute.

import assert from 'node:assert/strict';
import { softwareProvider } from '../../../src/core/crypto/software.js';
import { prf, Tls12KeySchedule, type PreMasterSecret, type Tls12MasterSecret } from '../../../src/core/tls/key-schedule-tls12.js';
import { suite12ById } from '../../../src/core/tls/suites.js';
import { provider } from '../../helpers/tls-credentials.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const toHex = hex;
const filled = (value: number, n: number) => new Uint8Array(n).fill(value);

describe('tls 1.2 key schedule', () => {
  it('a shorter output is the start of a longer one', () => {
    const secret = bytes('9bbe436ba940f017b17652849a71db35');
    const seed = bytes('a0ba9f936cda311827a6f796ffd5198c');
    assert.equal(hex(prf(provider, 'SHA-256', secret, 'test label', seed, 7)), 'e3f229ba727be1');
    assert.equal(hex(prf(provider, 'SHA-256', secret, 'test label', seed, 32)), hex(prf(provider, 'SHA-256', secret, 'test label', seed, 40).subarray(0, 32)));
  });

  // The values below are OpenSSL's TLS1-PRF (`openssl kdf ... TLS1-PRF`) for the same inputs.
  it('the extended master secret is PRF(pms, "extended master secret", session_hash), 48 bytes', () => {
    const ks = new Tls12KeySchedule(provider, suite12ById(0xc02b)!);
    const ms = ks.extendedMasterSecret(filled(0x0a, 32) as PreMasterSecret, filled(0x5e, 32));
    assert.equal(hex(ms), '5cb0609ed1f9a4c80cc98a364c389b771aaa447811d79b40c3b2daa8764d14d8507eb1f1aa81a2b7e5556ea3da07db45');
  });

  it('the key block is PRF(ms, "key expansion", server_random + client_random), cut into keys and then IVs', () => {
    const ks = new Tls12KeySchedule(provider, suite12ById(0xc02c)!); // AES-256-GCM, SHA-384: 2 × 32 + 2 × 4 bytes
    const block = '4fe69b3dcb5f5445eb09dc337ef9e35c00971a7ff0456ff570d0ae04a01477f82251fa8034ef850ee2a5f1f7047d22a0441a6f2ecee13c4de94704d20b0827c0e84a7f96a2eb3221';
    const keys = ks.trafficKeys(filled(0x11, 48) as Tls12MasterSecret, filled(0x33, 32), filled(0x22, 32));
    assert.equal(hex(keys.clientKey), block.slice(0, 64));
    assert.equal(hex(keys.serverKey), block.slice(64, 128));
    assert.equal(hex(keys.clientIv), block.slice(128, 136));
    assert.equal(hex(keys.serverIv), block.slice(136, 144));
  });

  it('ChaCha20-Poly1305 suites take 12-byte IVs from the key block', () => {
    const keys = new Tls12KeySchedule(provider, suite12ById(0xcca9)!).trafficKeys(filled(0x11, 48) as Tls12MasterSecret, filled(0x33, 32), filled(0x22, 32));
    assert.deepEqual([keys.clientKey.length, keys.serverKey.length, keys.clientIv.length, keys.serverIv.length], [32, 32, 12, 12]);
  });

  it('Finished is 12 bytes of PRF(ms, "<side> finished", transcript hash), different for each side', () => {
    const ks = new Tls12KeySchedule(provider, suite12ById(0xc02f)!);
    const ms = filled(0x11, 48) as Tls12MasterSecret;
    assert.equal(hex(ks.verifyData(ms, 'server', filled(0x44, 32))), '2e50f167259b0e944a2202cf');
    assert.notEqual(hex(ks.verifyData(ms, 'client', filled(0x44, 32))), '2e50f167259b0e944a2202cf');
    assert.equal(ks.verifyData(ms, 'client', filled(0x44, 32)).length, 12);
  });

  it('hashes the transcript with the suite\'s hash', () => {
    assert.equal(new Tls12KeySchedule(provider, suite12ById(0xc030)!).hash(new Uint8Array(0)).length, 48);
    assert.equal(hex(new Tls12KeySchedule(provider, suite12ById(0xc02f)!).hash(new Uint8Array(0))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('tls 1.2: the PRF (RFC 5246 §5)', () => {
  const p = softwareProvider();
  // The TLS 1.2 PRF vectors widely used since the ietf-tls list posted them (also what `openssl kdf TLS1-PRF` gives).
  it('P_SHA256: 100 bytes of "test label"', () => {
    const out = prf(p, 'SHA-256', bytes('9bbe436ba940f017b17652849a71db35'), 'test label', bytes('a0ba9f936cda311827a6f796ffd5198c'), 100);
    assert.equal(
      toHex(out),
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab' +
        '4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    );
  });

  it('P_SHA384: 148 bytes of "test label"', () => {
    const out = prf(p, 'SHA-384', bytes('b80b733d6ceefcdc71566ea48e5567df'), 'test label', bytes('cd665cf6a8447dd6ff8b27555edb7465'), 148);
    assert.equal(
      toHex(out),
      '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd' +
        '8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6' +
        '91c8f3a26854308d5eaa3be85e0990703d73e56f',
    );
  });
});
