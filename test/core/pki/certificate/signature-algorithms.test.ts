// pki/certificate/signature-algorithms: the AlgorithmIdentifiers kyman writes, byte for byte what the asn1-schema classes write.

import assert from 'node:assert/strict';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import type { SignatureScheme } from '../../../../src/core/crypto/provider.js';
import { OID } from '../../../../src/core/der/oids.js';
import {
  signatureAlgorithmDer,
  signatureAlgorithmIdentifier,
  signatureAlgorithmName,
  signatureSchemeOf,
} from '../../../../src/core/pki/certificate/signature-algorithms.js';

const HASH: Record<string, string> = { MD5: OID.id_md5, 'SHA-1': OID.id_sha1, 'SHA-256': OID.id_sha256, 'SHA-384': OID.id_sha384, 'SHA-512': OID.id_sha512 };

/** The AlgorithmIdentifier as the asn1-schema classes build and serialize it: the reference. */
function schemaEncoding(scheme: SignatureScheme, oid?: string): string {
  let alg: AlgorithmIdentifier;
  if (scheme.type === 'rsa-pss') {
    const hash = new AlgorithmIdentifier({ algorithm: HASH[scheme.hash], parameters: null });
    const params = new RsaSaPssParams({
      hashAlgorithm: hash,
      maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: OID.id_mgf1, parameters: AsnConvert.serialize(hash) }),
      saltLength: scheme.saltLength,
    });
    alg = new AlgorithmIdentifier({ algorithm: OID.id_RSASSA_PSS, parameters: AsnConvert.serialize(params) });
  } else if (scheme.type === 'ed25519' || scheme.type === 'ecdsa') {
    alg = new AlgorithmIdentifier({ algorithm: oid! });
  } else {
    alg = new AlgorithmIdentifier({ algorithm: oid!, parameters: null });
  }
  return Buffer.from(AsnConvert.serialize(alg)).toString('hex');
}

const CASES: Array<{ scheme: SignatureScheme; oid?: string; name: string }> = [
  { scheme: { type: 'ed25519' }, oid: OID.id_Ed25519, name: 'Ed25519' },
  { scheme: { type: 'ecdsa', hash: 'SHA-1' }, oid: OID.ecdsa_with_SHA1, name: 'ecdsa-with-SHA1' },
  { scheme: { type: 'ecdsa', hash: 'SHA-256' }, oid: OID.ecdsa_with_SHA256, name: 'ecdsa-with-SHA256' },
  { scheme: { type: 'ecdsa', hash: 'SHA-384' }, oid: OID.ecdsa_with_SHA384, name: 'ecdsa-with-SHA384' },
  { scheme: { type: 'ecdsa', hash: 'SHA-512' }, oid: OID.ecdsa_with_SHA512, name: 'ecdsa-with-SHA512' },
  { scheme: { type: 'rsa-pkcs1', hash: 'MD5' }, oid: OID.md5WithRSAEncryption, name: 'md5WithRSAEncryption' },
  { scheme: { type: 'rsa-pkcs1', hash: 'SHA-1' }, oid: OID.sha1WithRSAEncryption, name: 'sha1WithRSAEncryption' },
  { scheme: { type: 'rsa-pkcs1', hash: 'SHA-256' }, oid: OID.sha256WithRSAEncryption, name: 'sha256WithRSAEncryption' },
  { scheme: { type: 'rsa-pkcs1', hash: 'SHA-384' }, oid: OID.sha384WithRSAEncryption, name: 'sha384WithRSAEncryption' },
  { scheme: { type: 'rsa-pkcs1', hash: 'SHA-512' }, oid: OID.sha512WithRSAEncryption, name: 'sha512WithRSAEncryption' },
  { scheme: { type: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, name: 'RSASSA-PSS (SHA-256)' },
  { scheme: { type: 'rsa-pss', hash: 'SHA-384', saltLength: 48 }, name: 'RSASSA-PSS (SHA-384)' },
  { scheme: { type: 'rsa-pss', hash: 'SHA-512', saltLength: 64 }, name: 'RSASSA-PSS (SHA-512)' },
  { scheme: { type: 'rsa-pss', hash: 'SHA-256', saltLength: 20 }, name: 'RSASSA-PSS (SHA-256)' },
  { scheme: { type: 'rsa-pss', hash: 'SHA-1', saltLength: 20 }, name: 'RSASSA-PSS (SHA-1)' },
  { scheme: { type: 'rsa-pss', hash: 'SHA-1', saltLength: 0 }, name: 'RSASSA-PSS (SHA-1)' },
];

describe('pki/certificate/signature-algorithms', () => {
  for (const { scheme, oid, name } of CASES) {
    it(`writes ${JSON.stringify(scheme)} as the schema classes do, and reads it back`, () => {
      const der = signatureAlgorithmDer(scheme);
      assert.equal(Buffer.from(der).toString('hex'), schemaEncoding(scheme, oid));
      const alg = signatureAlgorithmIdentifier(scheme);
      assert.equal(Buffer.from(AsnConvert.serialize(alg)).toString('hex'), Buffer.from(der).toString('hex'));
      assert.deepEqual(signatureSchemeOf(alg), scheme);
      assert.equal(signatureAlgorithmName(alg), name);
    });
  }

  it('spells RSASSA-PSS with SHA-256 out in full (RFC 4055 §3.1, NULL hash parameters)', () => {
    assert.equal(
      Buffer.from(signatureAlgorithmDer({ type: 'rsa-pss', hash: 'SHA-256', saltLength: 32 })).toString('hex'),
      '304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120',
    );
  });

  it('has no AlgorithmIdentifier for a scheme no certificate uses', () => {
    assert.throws(() => signatureAlgorithmDer({ type: 'ecdsa', hash: 'MD5' }), /no certificate signature algorithm for ecdsa with MD5/);
  });
});
