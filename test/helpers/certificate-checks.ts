// What the certificate tests share: key kinds and what each signs with, the SANs they put in, and checks of kyman's errors and summaries.

import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../src/core/crypto/index.js';
import { KymanError } from '../../src/core/errors.js';
import { describePublicKey, readCertificate, summarizeCertificate, type CertificateInfo } from '../../src/core/pki/certificate/index.js';

const provider = createSoftwareProvider();
export const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');
export const pem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
export const derOfPem = (text: string) => new Uint8Array(Buffer.from(text.replace(/-----[^-]+-----|\s/g, ''), 'base64'));

export async function rejectsWith(promise: Promise<unknown>, code: string, includes?: string) {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof KymanError, `expected a KymanError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (includes) assert.ok(e.message.includes(includes), `"${e.message}" should mention ${includes}`);
    return true;
  });
}

export function throwsWith(f: () => unknown, code: string, includes?: string) {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof KymanError, `expected a KymanError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (includes) assert.ok(e.message.includes(includes), `"${e.message}" should mention ${includes}`);
    return true;
  });
}

/** summarizeCertificate must say what readCertificate says. */
export function assertSummaryAgrees(der: Uint8Array, info: CertificateInfo = readCertificate(provider, der)) {
  const summary = summarizeCertificate(der);
  assert.equal(summary.subject, info.subject);
  assert.equal(summary.notAfter.getTime(), info.notAfter.getTime());
  assert.equal(summary.keyType, describePublicKey(info.publicKey));
  assert.equal(summary.isCA, info.isCA);
  assert.deepEqual(summary.spki, info.publicKey.spki);
}

export const SANS = ['dns:www.example.com', 'dns:*.example.com', 'ip:192.0.2.1', 'ip:2001:db8::1', 'email:admin@example.com', 'uri:https://example.com/about'];
export const KEY_SPECS = ['rsa:2048', 'ec:p256', 'ec:p384', 'ec:p521', 'ed25519'] as const;
export const EXPECTED_SIGNATURE: Record<string, { name: string; openssl: string; algid: string }> = {
  'rsa:2048': { name: 'sha256WithRSAEncryption', openssl: 'sha256WithRSAEncryption', algid: '300d06092a864886f70d01010b0500' },
  'ec:p256': { name: 'ecdsa-with-SHA256', openssl: 'ecdsa-with-SHA256', algid: '300a06082a8648ce3d040302' },
  'ec:p384': { name: 'ecdsa-with-SHA384', openssl: 'ecdsa-with-SHA384', algid: '300a06082a8648ce3d040303' },
  'ec:p521': { name: 'ecdsa-with-SHA512', openssl: 'ecdsa-with-SHA512', algid: '300a06082a8648ce3d040304' },
  ed25519: { name: 'Ed25519', openssl: 'ED25519', algid: '300506032b6570' },
};
