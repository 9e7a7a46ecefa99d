// Test PKI for the TLS tests: a root CA and leaves of each key kind, as DER, key handles and PEM files for openssl and Node.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftwareProvider, type KeySpec, type PrivateKeyHandle } from '../../src/core/crypto/index.js';
import { createCertificate } from '../../src/core/pki/certificate/index.js';
import { encodePem } from '../../src/core/pki/pem.js';

export const provider = createSoftwareProvider();
const DAY = 86_400_000;

export interface Issued {
  der: Uint8Array;
  key: PrivateKeyHandle;
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  dir: string;
  root: Issued;
  /** Another root nobody trusts. */
  otherRoot: Issued;
  ecdsa: Issued;
  ecdsa384: Issued;
  rsa: Issued;
  ed25519: Issued;
  expired: Issued;
  client: Issued;
  issue(name: string, spec: KeySpec, options?: { san?: string[]; eku?: string[]; notBefore?: Date; notAfter?: Date; issuer?: Issued }): Promise<Issued>;
  cleanup(): void;
}

export async function makePki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'kyman-tls-'));
  const save = (name: string, der: Uint8Array, key: PrivateKeyHandle): Issued => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    writeFileSync(certFile, encodePem('CERTIFICATE', der));
    writeFileSync(keyFile, encodePem('PRIVATE KEY', provider.exportPrivateKey(key)));
    return { der, key, certFile, keyFile };
  };
  const makeRoot = async (name: string) => {
    const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const der = await createCertificate(provider, { subject: `CN=${name}`, subjectKey: key, ca: true, days: 30 });
    return save(name, der, key);
  };
  const root = await makeRoot('Kyman Test Root');
  const otherRoot = await makeRoot('Other Root');
  const issue: TestPki['issue'] = async (name, spec, options = {}) => {
    const key = await provider.generateKeyPair(spec);
    const issuer = options.issuer ?? root;
    const der = await createCertificate(provider, {
      subject: `CN=${name}`,
      subjectKey: key,
      issuer: { certificate: issuer.der, key: issuer.key },
      subjectAltNames: options.san ?? ['dns:localhost', 'ip:127.0.0.1'],
      extendedKeyUsage: options.eku ?? ['serverAuth', 'clientAuth'],
      ...(options.notBefore ? { notBefore: options.notBefore, notAfter: options.notAfter } : { days: 10 }),
    });
    return save(name.replace(/\W/g, '_'), der, key);
  };
  return {
    dir,
    root,
    otherRoot,
    ecdsa: await issue('ecdsa', { type: 'ec', curve: 'P-256' }),
    ecdsa384: await issue('ecdsa384', { type: 'ec', curve: 'P-384' }),
    rsa: await issue('rsa', { type: 'rsa', bits: 2048 }),
    ed25519: await issue('ed25519', { type: 'ed25519' }),
    expired: await issue('expired', { type: 'ec', curve: 'P-256' }, { notBefore: new Date(Date.now() - 20 * DAY), notAfter: new Date(Date.now() - 10 * DAY) }),
    client: await issue('client', { type: 'ec', curve: 'P-256' }, { san: ['email:client@example.com'], eku: ['clientAuth'] }),
    issue,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
