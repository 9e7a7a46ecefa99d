import assert from 'node:assert/strict';
import { checkPrimeSync, createHash } from 'node:crypto';
import { ffdheKeyShare, ffdhePrime } from '../../../src/core/crypto/ffdhe.js';

/** SHA-256 of each RFC 7919 Appendix A prime (big-endian, b/8 bytes), as printed in the RFC. */
const PRIME_DIGESTS = {
  ffdhe2048: '9cd3b7f336872f46c09428d1bbc19877a4d440512cda8d1c1cf0cd6e33698966',
  ffdhe3072: '0eaf67db3a839156d5013494a5318a772b5697d270d721f37f092efc69ea5a17',
  ffdhe4096: '4648414224ac881b3d0dc59b466f96d06a558278776807797ecf1f66ff397b3e',
  ffdhe6144: '227ac9066b3ddd9e193670cda2388fa884f65ba0cf98b742d1fe77a6687c79c7',
  ffdhe8192: '770b14efaf6f049929c523113b3fa99a8d11dab1b18af3609590122075d19833',
} as const;

describe('RFC 7919 finite-field groups', () => {
  it("computes each group's prime from the RFC's formula", () => {
    for (const [group, digest] of Object.entries(PRIME_DIGESTS) as [keyof typeof PRIME_DIGESTS, string][]) {
      const p = ffdhePrime(group);
      assert.equal(p.length * 8, Number(group.slice(5)), group);
      assert.equal(createHash('sha256').update(p).digest('hex'), digest, group);
    }
    // RFC 7919 §A.1: a safe prime; checked for the smallest, the others cost seconds.
    assert.ok(checkPrimeSync(ffdhePrime('ffdhe2048')));
  });

  it('pads the public value and the secret to the prime length, and refuses 0, 1, p-1 and p (RFC 7919 §5.1)', () => {
    const a = ffdheKeyShare('ffdhe2048');
    const b = ffdheKeyShare('ffdhe2048');
    assert.equal(a.publicKey.length, 256);
    const secret = a.deriveSecret(b.publicKey);
    assert.equal(secret.length, 256);
    assert.deepEqual(secret, b.deriveSecret(a.publicKey));
    const p = ffdhePrime('ffdhe2048');
    const minus1 = Uint8Array.from(p);
    minus1[255] -= 1;
    const one = new Uint8Array(256);
    one[255] = 1;
    for (const bad of [new Uint8Array(256), one, minus1, p]) assert.throws(() => a.deriveSecret(bad), /1 < Y < p-1/);
    assert.throws(() => a.deriveSecret(new Uint8Array(255).fill(7)), /256 bytes/);
  });

  it('reproduces a shared secret from fixed private exponents', () => {
    const x = new Uint8Array(64).fill(3);
    const y = new Uint8Array(64).fill(5);
    const a = ffdheKeyShare('ffdhe3072', x);
    const b = ffdheKeyShare('ffdhe3072', y);
    assert.deepEqual(ffdheKeyShare('ffdhe3072', x).publicKey, a.publicKey);
    assert.deepEqual(a.deriveSecret(b.publicKey), b.deriveSecret(a.publicKey));
  });
});
