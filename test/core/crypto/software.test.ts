import assert from 'node:assert/strict';
import { parseKeySpec } from '../../../src/core/crypto/provider.js';
import { createSoftwareProvider, softwareProvider } from '../../../src/core/crypto/software.js';

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

  it('computes RFC 4231 HMAC-SHA-256 and -512 vectors, with a key longer than the block (test case 6)', () => {
    const out = (b: Uint8Array) => Buffer.from(b).toString('hex');
    // Test case 2: a key shorter than the hash.
    assert.equal(out(provider.hmac('SHA-256', enc.encode('Jefe'), enc.encode('what do ya want for nothing?'))), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    const long = new Uint8Array(131).fill(0xaa);
    const text = enc.encode('Test Using Larger Than Block-Size Key - Hash Key First');
    assert.equal(out(provider.hmac('SHA-256', long, text)), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
    assert.equal(
      out(provider.hmac('SHA-512', long, text)),
      '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
    );
    // Test case 1, SHA-384: a 20-byte key against a 128-byte block.
    assert.equal(
      out(provider.hmac('SHA-384', new Uint8Array(20).fill(0x0b), enc.encode('Hi There'))),
      'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
    );
    assert.equal(out(provider.hmac('SHA-256', new Uint8Array(0), new Uint8Array(0))), 'b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad');
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
    for (const group of ['x25519', 'x448', 'secp256r1', 'secp384r1', 'secp521r1', 'ffdhe2048'] as const) {
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

  it('reproduces RFC 7748 §6.2 (X448) and refuses a small-order X448 point', () => {
    const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
    const alice = provider.generateKeyShare('x448', hex('9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b'));
    assert.equal(Buffer.from(alice.publicKey).toString('hex'), '9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0');
    const shared = alice.deriveSecret(hex('3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609'));
    assert.equal(Buffer.from(shared).toString('hex'), '07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d');
    assert.throws(() => alice.deriveSecret(new Uint8Array(56)));
    assert.throws(() => alice.deriveSecret(new Uint8Array(32)), /56 bytes/);
  });

  it('takes NIST points only uncompressed (RFC 8446 §4.2.8.2), though OpenSSL would decompress one', () => {
    for (const [group, coordinate] of [['secp256r1', 32], ['secp384r1', 48], ['secp521r1', 66]] as const) {
      const a = provider.generateKeyShare(group);
      const b = provider.generateKeyShare(group);
      const x = b.publicKey.subarray(1, 1 + coordinate);
      const y = b.publicKey.subarray(1 + coordinate);
      const compressed = Uint8Array.from([0x02 | (y[y.length - 1] & 1), ...x]);
      assert.throws(() => a.deriveSecret(compressed), /uncompressed/);
      assert.throws(() => a.deriveSecret(Uint8Array.from([0x06 | (y[y.length - 1] & 1), ...x, ...y])), /uncompressed/, 'hybrid form');
      assert.deepEqual(a.deriveSecret(b.publicKey), b.deriveSecret(a.publicKey));
    }
  });

  it('computes RFC 5869 test case 3: no salt (a hash length of zeros) and no info', () => {
    const prk = provider.hkdfExtract('SHA-256', new Uint8Array(0), new Uint8Array(22).fill(0x0b));
    assert.equal(Buffer.from(prk).toString('hex'), '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
    assert.equal(
      Buffer.from(provider.hkdfExpand('SHA-256', prk, new Uint8Array(0), 42)).toString('hex'),
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('refuses to open an AEAD record under other additional data, another nonce, or cut short', () => {
    const key = provider.aead('AES-128-GCM', new Uint8Array(16).fill(3));
    const nonce = new Uint8Array(12).fill(1);
    const sealed = key.seal(nonce, enc.encode('aad'), enc.encode('hello'));
    assert.equal(sealed.length, 5 + 16, 'the plaintext and a 16-byte tag');
    assert.equal(key.open(nonce, enc.encode('aae'), sealed), null);
    assert.equal(key.open(new Uint8Array(12).fill(2), enc.encode('aad'), sealed), null);
    assert.equal(key.open(nonce, enc.encode('aad'), sealed.subarray(0, sealed.length - 1)), null);
    assert.equal(key.open(nonce, enc.encode('aad'), new Uint8Array(3)), null);
  });

  it('verify says false, not throws, for a key that is not a key', () => {
    const scheme = { type: 'ecdsa', hash: 'SHA-256' } as const;
    assert.equal(provider.verify(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]), scheme, enc.encode('x'), new Uint8Array(64)), false);
  });

  it('draws random bytes from an injected source, and shares one process-wide provider', () => {
    const seeded = createSoftwareProvider({ random: (n) => new Uint8Array(n).fill(0x5a) });
    assert.deepEqual([...seeded.random(3)], [0x5a, 0x5a, 0x5a]);
    assert.equal(provider.random(32).length, 32);
    assert.notDeepEqual(provider.random(32), provider.random(32));
    assert.equal(softwareProvider(), softwareProvider());
  });

  it('refuses a key another provider holds', async () => {
    const key = await provider.generateKeyPair({ type: 'ed25519' });
    await assert.rejects(provider.sign({ ...key, provider: 'pkcs11' }, { type: 'ed25519' }, enc.encode('x')), /the pkcs11 provider holds this key/);
  });
});

describe('software CryptoProvider: generateKeyPairs', function () {
  this.timeout(60_000);
  for (const [spec, count] of [['ec:p256', 3], ['ec:p384', 2], ['ec:p521', 2], ['ed25519', 3], ['rsa:2048', 2]] as const) {
    it(`${spec}: ${count} distinct keys, each handle what generateKeyPair would make of it`, async () => {
      const keys = await provider.generateKeyPairs!(parseKeySpec(spec)!, count);
      assert.equal(keys.length, count);
      assert.equal(new Set(keys.map((k) => Buffer.from(k.spki).toString('hex'))).size, count);
      const one = await provider.generateKeyPair(parseKeySpec(spec)!);
      for (const key of keys) {
        // A handle made the usual way from the same key: its SPKI is OpenSSL's encoder's.
        const usual = provider.importPrivateKey(provider.exportPrivateKey(key));
        assert.deepEqual({ ...key, keyObject: undefined }, { ...usual, keyObject: undefined });
        assert.deepEqual(Object.keys(key), Object.keys(one));
        const scheme = key.type === 'ed25519' ? ({ type: 'ed25519' } as const) : key.type === 'ec' ? ({ type: 'ecdsa', hash: 'SHA-256' } as const) : ({ type: 'rsa-pkcs1', hash: 'SHA-256' } as const);
        const data = new TextEncoder().encode('to be signed');
        assert.equal(provider.verify(key.spki, scheme, data, await provider.sign(key, scheme, data)), true);
      }
    });
  }
});
