import assert from 'node:assert/strict';
import { createSoftwareProvider, parseKeySpec } from '../../../src/core/crypto/index.js';

const provider = createSoftwareProvider();
const enc = new TextEncoder();

describe('software CryptoProvider', () => {
  for (const spec of ['rsa:2048', 'ec:p256', 'ec:p384', 'ec:p521', 'ed25519']) {
    it(`generates, signs and verifies with ${spec}`, async () => {
      const key = await provider.generateKeyPair(parseKeySpec(spec)!);
      const scheme =
        key.type === 'rsa'
          ? ({ type: 'rsa-pss', hash: 'SHA-256', saltLength: 32 } as const)
          : key.type === 'ec'
            ? ({ type: 'ecdsa', hash: 'SHA-256' } as const)
            : ({ type: 'ed25519' } as const);
      const data = enc.encode('to be signed');
      const sig = await provider.sign(key, scheme, data);
      assert.equal(provider.verify(key.spki, scheme, data, sig), true);
      assert.equal(provider.verify(key.spki, scheme, enc.encode('other'), sig), false);
      const again = provider.importPrivateKey(provider.exportPrivateKey(key));
      assert.deepEqual(again.spki, key.spki);
    });
  }

  it('computes RFC 5869 test case 1', () => {
    const ikm = new Uint8Array(22).fill(0x0b);
    const salt = Uint8Array.from(Buffer.from('000102030405060708090a0b0c', 'hex'));
    const info = Uint8Array.from(Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex'));
    const prk = provider.hkdfExtract('SHA-256', salt, ikm);
    assert.equal(Buffer.from(prk).toString('hex'), '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    const okm = provider.hkdfExpand('SHA-256', prk, info, 42);
    assert.equal(
      Buffer.from(okm).toString('hex'),
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('runs single DES through EDE3 and RC2 (RFC 2268 vector)', () => {
    const des = provider.cbc('DES-CBC', new Uint8Array(8).fill(1), new Uint8Array(8), new Uint8Array(8), 'encrypt');
    assert.equal(Buffer.from(des.subarray(0, 8)).toString('hex'), '8ca64de9c1b123a7'); // DES(K=0101..., P=0)
    const rc2 = provider.cbc('RC2-CBC', new Uint8Array(8), new Uint8Array(8), new Uint8Array(8), 'encrypt', 63);
    assert.equal(Buffer.from(rc2.subarray(0, 8)).toString('hex'), 'ebb773f993278eff');
    const key40 = new Uint8Array(5).fill(7);
    const iv = new Uint8Array(8).fill(9);
    const sealed = provider.cbc('RC2-CBC', key40, iv, enc.encode('a legacy bag, 27 bytes long'), 'encrypt', 40);
    assert.equal(sealed.length, 32);
    assert.equal(new TextDecoder().decode(provider.cbc('RC2-CBC', key40, iv, sealed, 'decrypt', 40)), 'a legacy bag, 27 bytes long');
  });

  it('seals and opens AEAD records, refusing a flipped bit', () => {
    for (const alg of ['AES-128-GCM', 'AES-256-GCM', 'CHACHA20-POLY1305'] as const) {
      const key = provider.aead(alg, provider.random(alg === 'AES-128-GCM' ? 16 : 32));
      const nonce = provider.random(12);
      const sealed = key.seal(nonce, enc.encode('aad'), enc.encode('hello'));
      assert.equal(new TextDecoder().decode(key.open(nonce, enc.encode('aad'), sealed)!), 'hello');
      sealed[0] ^= 1;
      assert.equal(key.open(nonce, enc.encode('aad'), sealed), null);
    }
  });

  it('agrees on key shares for every group, and reproduces RFC 7748 §6.1', () => {
    for (const group of ['x25519', 'secp256r1', 'secp384r1', 'secp521r1'] as const) {
      const a = provider.generateKeyShare(group);
      const b = provider.generateKeyShare(group);
      assert.deepEqual(a.deriveSecret(b.publicKey), b.deriveSecret(a.publicKey));
    }
    const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
    const alice = provider.generateKeyShare('x25519', hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    assert.equal(Buffer.from(alice.publicKey).toString('hex'), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const shared = alice.deriveSecret(hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'));
    assert.equal(Buffer.from(shared).toString('hex'), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    assert.throws(() => alice.deriveSecret(new Uint8Array(32)));
  });

  it('parses key specs', () => {
    assert.deepEqual(parseKeySpec('ec:p384'), { type: 'ec', curve: 'P-384' });
    assert.equal(parseKeySpec('dsa:1024'), undefined);
  });
});
