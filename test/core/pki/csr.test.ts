import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { createCertificationRequest, readCertificationRequest } from '../../../src/core/pki/csr.js';
import { fixtureBytes } from '../../helpers/fixtures.js';

const provider = createSoftwareProvider();

function throwsBadInput(f: () => unknown, includes: string) {
  assert.throws(f, (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT' && e.message.includes(includes));
}

describe('pki/csr', () => {
  it('writes the attributes field even when empty (A0 00, RFC 2986 §4.1)', async () => {
    const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const der = await createCertificationRequest(provider, { subject: 'CN=x', key });
    assert.ok(Buffer.from(der).includes(Buffer.from([0xa0, 0x00])));
    assert.deepEqual(readCertificationRequest(provider, der).subjectAltNames, []);
  });

  it('reads a request from openssl req -new (PEM), with its requested extensions', () => {
    const info = readCertificationRequest(provider, fixtureBytes('openssl/req-rsa.csr'));
    assert.equal(info.subject, 'CN=openssl.example,O=Example,C=US');
    assert.deepEqual(info.subjectAltNames, ['dns:a.example', 'dns:b.example']);
    assert.equal(info.isCA, true);
    assert.equal(info.publicKey.bits, 2048);
    assert.equal(info.signatureAlgorithm, 'sha256WithRSAEncryption');
    assert.equal(info.signatureValid, true);
    assert.ok(info.extensions.some((e) => e.oid === '2.5.29.19' && e.critical));
  });

  it('reads a request from keytool -certreq (NEW CERTIFICATE REQUEST)', () => {
    const bytes = Buffer.from(fixtureBytes('keytool/req-ec-p384.csr'));
    assert.match(bytes.toString(), /NEW CERTIFICATE REQUEST/);
    const info = readCertificationRequest(provider, bytes);
    assert.equal(info.subject, 'CN=keytool.example,O=Java');
    assert.equal(info.publicKey.curve, 'P-384');
    assert.deepEqual(info.subjectAltNames, ['dns:keytool.example']);
    assert.equal(info.signatureValid, true);
  });

  it('reads a request from certtool --generate-request, with its DNS and IP names', () => {
    const info = readCertificationRequest(provider, fixtureBytes('gnutls/leaf.csr'));
    assert.equal(info.subject, 'CN=gnutls.example,O=Example');
    assert.deepEqual(info.subjectAltNames, ['dns:gnutls.example', 'ip:127.0.0.1']);
    assert.equal(info.publicKey.bits, 2048);
    assert.equal(info.signatureValid, true);
  });

  it('reports a tampered request as signatureValid false, not a throw', async () => {
    const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const der = await createCertificationRequest(provider, { subject: 'CN=honest', key });
    const tampered = der.slice();
    const at = Buffer.from(tampered).indexOf(Buffer.from('honest'));
    tampered[at] = 'j'.charCodeAt(0);
    const info = readCertificationRequest(provider, tampered);
    assert.equal(info.subject, 'CN=jonest');
    assert.equal(info.signatureValid, false);
  });

  it('refuses what is not a request with BAD_INPUT', () => {
    throwsBadInput(() => readCertificationRequest(provider, new TextEncoder().encode('-----BEGIN CERTIFICATE REQUEST-----\n@@@@\n-----END CERTIFICATE REQUEST-----\n')), 'not base64');
    throwsBadInput(() => readCertificationRequest(provider, new TextEncoder().encode('-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n')), 'is not a certificate request');
    throwsBadInput(() => readCertificationRequest(provider, Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)), 'is not a certificate request');
    throwsBadInput(() => readCertificationRequest(provider, new Uint8Array(0)), 'not a certificate request');
  });

  it('refuses an empty subject without names (USAGE)', async () => {
    const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    await assert.rejects(createCertificationRequest(provider, { subject: '', key }), (e: unknown) => e instanceof KymanError && e.code === 'USAGE');
    const der = await createCertificationRequest(provider, { subject: '', key, subjectAltNames: ['dns:only.example'] });
    const info = readCertificationRequest(provider, der);
    assert.equal(info.extensions[0].critical, true);
  });
});
