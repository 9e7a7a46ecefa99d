import assert from 'node:assert/strict';
import { createSoftwareProvider, parseKeySpec } from '../../../src/core/crypto/index.js';

const provider = createSoftwareProvider();

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
