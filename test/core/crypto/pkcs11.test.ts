// The PKCS #11 provider's own encodings, without a token: what CKM_RSA_PKCS signs, and CKM_ECDSA's r‖s as DER.

import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { digestInfo, ecdsaRawToDer } from '../../../src/core/crypto/pkcs11.js';
import { createSoftwareProvider } from '../../../src/core/crypto/software.js';

describe('PKCS #11 provider encodings', () => {
  // Recorded from an earlier release, which wrote DigestInfo through asn1-rsa.
  const provider = createSoftwareProvider();
  const x = new TextEncoder().encode('x');
  const expected = {
    MD5: '3020300c06082a864886f70d0205050004109dd4e461268c8034f5c8564e155c67a6',
    'SHA-1': '3021300906052b0e03021a0500041411f6ad8ec52a2984abaafd7c3b516503785c2072',
    'SHA-256': '3031300d0609608648016503040201050004202d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881',
    'SHA-384': '3041300d060960864801650304020205000430d752c2c51fba0e29aa190570a9d4253e44077a058d3297fa3a5630d5bd012622f97c28acaed313b5c83bb990caa7da85',
    'SHA-512': '3051300d060960864801650304020305000440a4abd4448c49562d828115d13a1fccea927f52b4d5459297f8b43e42da89238bc13626e43dcb38ddb082488927ec904fb42057443983e88585179d50551afe62',
  } as const;
  for (const [hash, hex] of Object.entries(expected) as [keyof typeof expected, string][]) {
    it(`DigestInfo for ${hash} (RFC 8017 §9.2 note 1): the hash OID, NULL parameters, the digest`, () => {
      assert.equal(digestInfo(hash, provider.hash(hash, x)).toString('hex'), hex);
    });
  }

  describe('ecdsaRawToDer', () => {
    // Recorded from an earlier release: minimal INTEGERs, a zero octet before a top bit, long-form lengths for P-521.
    const cases: [string, Buffer, string][] = [
      ['top bits set', Buffer.concat([Buffer.alloc(32, 0xff), Buffer.alloc(32, 0x80)]), '3046022100' + 'ff'.repeat(32) + '022100' + '80'.repeat(32)],
      [
        'leading zero octets',
        Buffer.concat([Buffer.from([0, 0, 0x7f]), Buffer.alloc(29, 1), Buffer.from([0, 0x80]), Buffer.alloc(30, 2)]),
        '3042021e7f' + '01'.repeat(29) + '0220' + '0080' + '02'.repeat(30),
      ],
      ['zeros', Buffer.alloc(64, 0), '3006020100020100'],
      ['P-521 sizes', Buffer.concat([Buffer.from([1]), Buffer.alloc(65, 0xee), Buffer.from([0]), Buffer.alloc(65, 0x99)]), '308188024201' + 'ee'.repeat(65) + '024200' + '99'.repeat(65)],
    ];
    for (const [what, raw, expected] of cases) {
      it(what, () => assert.equal(Buffer.from(ecdsaRawToDer(raw)).toString('hex'), expected));
    }

    for (const namedCurve of ['P-256', 'P-384', 'P-521']) {
      it(`${namedCurve}: what Node signs as r‖s verifies as DER`, () => {
        const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve });
        for (let i = 0; i < 8; i++) {
          const raw = nodeCrypto.sign('sha256', Buffer.from([i]), { key: privateKey, dsaEncoding: 'ieee-p1363' });
          assert.ok(nodeCrypto.verify('sha256', Buffer.from([i]), { key: publicKey, dsaEncoding: 'der' }, ecdsaRawToDer(raw)));
        }
      });
    }
  });
});
