// ML-DSA in certificates and requests (RFC 9881): the LAMPS example certificates read, kyman's own issued, chains validated.

import assert from 'node:assert/strict';
import { createSoftwareProvider, type MlDsaParameterSet } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { OID } from '../../../src/core/der/oids.js';
import * as DER from '../../../src/core/der/writer.js';
import { AsnParser } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { createCertificate, readCertificate, signatureAlgorithmIdentifier, signatureSchemeOf, summarizeCertificate, verifyCertificateSignature } from '../../../src/core/pki/certificate/index.js';
import { createCertificationRequest, readCertificationRequest } from '../../../src/core/pki/csr.js';
import { decodePem } from '../../../src/core/pki/pem.js';
import { validateChain } from '../../../src/core/pki/validate.js';
import { AT, make } from '../../helpers/chains.js';
import { fixtureBytes } from '../../helpers/fixtures.js';

const provider = createSoftwareProvider();
const pem = (name: string) => decodePem(fixtureBytes(`lamps-ml-dsa/${name}`))[0].der;
const mlDsa = (parameterSet: MlDsaParameterSet) => provider.generateKeyPair({ type: 'ml-dsa', parameterSet });

describe('ML-DSA certificates', () => {
  for (const set of ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const) {
    it(`reads the ${set} example certificate: key, signature algorithm, and a self-signature that verifies`, () => {
      const der = pem(`${set}.crt`);
      const info = readCertificate(provider, der);
      assert.equal(info.publicKey.type, 'ml-dsa');
      assert.equal(info.publicKey.parameterSet, set);
      assert.deepEqual(info.publicKey.spki, pem(`${set}.pub`));
      assert.equal(info.signatureAlgorithm, set);
      assert.equal(info.selfSigned, true);
      assert.equal(summarizeCertificate(der).keyType, set);
      const tampered = der.slice();
      tampered[tampered.length - 10] ^= 1;
      assert.equal(verifyCertificateSignature(provider, tampered, info.publicKey.spki), false);
    });
  }

  it('writes the signature AlgorithmIdentifier with absent parameters, and refuses one with parameters', () => {
    const alg = signatureAlgorithmIdentifier({ type: 'ml-dsa', parameterSet: 'ML-DSA-65' });
    assert.equal(alg.algorithm, OID.id_ml_dsa_65);
    assert.equal(alg.parameters, undefined);
    assert.deepEqual(signatureSchemeOf(alg), { type: 'ml-dsa', parameterSet: 'ML-DSA-65' });
    const withNull = AsnParser.parse(DER.sequence(DER.oid(OID.id_ml_dsa_65), DER.NULL), AlgorithmIdentifier);
    assert.equal(signatureSchemeOf(withNull), undefined);
  });

  it('issues an ML-DSA-65 CA, an ML-DSA-44 leaf under it and an EC leaf, and validates both chains', async () => {
    const caKey = await mlDsa('ML-DSA-65');
    const ca = await make('CN=PQ Root', undefined, { ca: true, keyUsage: ['keyCertSign', 'cRLSign'] }, caKey);
    const info = readCertificate(provider, ca.der);
    assert.equal(info.signatureAlgorithm, 'ML-DSA-65');
    assert.equal(info.selfSigned, true);
    const leafKey = await mlDsa('ML-DSA-44');
    const leaf = await make('CN=pq.example', ca, { subjectAltNames: ['dns:pq.example'], extendedKeyUsage: ['serverAuth'] }, leafKey);
    const leafInfo = readCertificate(provider, leaf.der);
    assert.equal(leafInfo.signatureAlgorithm, 'ML-DSA-65');
    assert.deepEqual(leafInfo.keyUsage, ['digitalSignature'], 'an ML-DSA key signs only: no keyEncipherment');
    const ok = validateChain(provider, leaf.der, { trustAnchors: [ca.der], host: 'pq.example', purpose: 'server', at: AT });
    assert.equal(ok.valid, true, ok.reason?.message);
    assert.deepEqual(ok.chain.map((c) => c.publicKey.parameterSet), ['ML-DSA-44', 'ML-DSA-65']);
    const ecLeaf = await make('CN=ec.example', ca);
    assert.equal(validateChain(provider, ecLeaf.der, { trustAnchors: [ca.der], at: AT }).valid, true);

    const tampered = leaf.der.slice();
    tampered[tampered.length - 5] ^= 0x40;
    const bad = validateChain(provider, tampered, { trustAnchors: [ca.der], at: AT });
    assert.equal(bad.reason?.code, 'bad-signature');
    const otherCa = await make('CN=PQ Root', undefined, { ca: true }, await mlDsa('ML-DSA-65'));
    assert.equal(validateChain(provider, leaf.der, { trustAnchors: [otherCa.der], at: AT }).valid, false, 'a root of the same name with another key');
  });

  it('an EC CA certifies an ML-DSA-87 key, and the chain validates', async () => {
    const ca = await make('CN=EC Root', undefined, { ca: true });
    const leaf = await make('CN=leaf', ca, {}, await mlDsa('ML-DSA-87'));
    assert.equal(readCertificate(provider, leaf.der).publicKey.parameterSet, 'ML-DSA-87');
    assert.equal(validateChain(provider, leaf.der, { trustAnchors: [ca.der], at: AT }).valid, true);
  });

  it('refuses key usages an ML-DSA key cannot have (RFC 9881 §5)', async () => {
    const key = await mlDsa('ML-DSA-44');
    await assert.rejects(
      createCertificate(provider, { subject: 'CN=x', subjectKey: key, keyUsage: ['digitalSignature', 'keyEncipherment'] }),
      (e: unknown) => e instanceof KymanError && e.code === 'USAGE' && /only signs.*keyEncipherment/.test(e.message),
    );
  });

  it('makes and reads an ML-DSA-65 certificate request, signed with the key it is for', async () => {
    const key = await mlDsa('ML-DSA-65');
    const der = await createCertificationRequest(provider, { subject: 'CN=req.example', key, subjectAltNames: ['dns:req.example'] });
    const info = readCertificationRequest(provider, der);
    assert.equal(info.signatureValid, true);
    assert.equal(info.signatureAlgorithm, 'ML-DSA-65');
    assert.equal(info.publicKey.type, 'ml-dsa');
    assert.equal(info.publicKey.parameterSet, 'ML-DSA-65');
    const tampered = der.slice();
    tampered[tampered.length - 3] ^= 1;
    assert.equal(readCertificationRequest(provider, tampered).signatureValid, false);
  });
});
