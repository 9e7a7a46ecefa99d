// The PKCS #11 provider's own encodings, without a token: what CKM_RSA_PKCS is given to sign.

import assert from 'node:assert/strict';
import { digestInfo } from '../../../src/core/crypto/pkcs11.js';
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
});
