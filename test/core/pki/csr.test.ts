import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftwareProvider, parseKeySpec } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { createCertificationRequest, readCertificationRequest } from '../../../src/core/pki/csr.js';
import { encodePem } from '../../../src/core/pki/pem.js';

const provider = createSoftwareProvider();

function ok(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${command} ${args.join(' ')}\n${r.stderr}${r.stdout}`);
  return r.stdout + r.stderr;
}

function throwsBadInput(f: () => unknown, includes: string) {
  assert.throws(f, (e: unknown) => e instanceof KymanError && e.code === 'BAD_INPUT' && e.message.includes(includes));
}

describe('pki/csr', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'kyman-csr-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const spec of ['rsa:2048', 'ec:p256', 'ec:p384', 'ed25519']) {
    it(`makes a ${spec} request that openssl and certtool verify, with its SANs`, async () => {
      const key = await provider.generateKeyPair(parseKeySpec(spec)!);
      const der = await createCertificationRequest(provider, { subject: 'CN=www.example.com,O=Example,C=US', key, subjectAltNames: ['dns:www.example.com', 'ip:192.0.2.1'] });
      const file = join(dir, `${spec.replace(':', '')}.csr`);
      writeFileSync(file, encodePem('CERTIFICATE REQUEST', der));
      assert.match(ok('openssl', ['req', '-verify', '-noout', '-in', file]), /verify OK|self-signature ok/i);
      ok('certtool', ['--crq-info', '--infile', file]);
      const text = ok('openssl', ['req', '-text', '-noout', '-in', file]);
      assert.match(text, /DNS:www\.example\.com, IP Address:192\.0\.2\.1/);
      const info = readCertificationRequest(provider, der);
      assert.equal(info.subject, 'CN=www.example.com,O=Example,C=US');
      assert.deepEqual(info.subjectAltNames, ['dns:www.example.com', 'ip:192.0.2.1']);
      assert.equal(info.signatureValid, true);
      assert.equal(info.publicKey.type, spec.split(':')[0]);
      assert.deepEqual(info.publicKey.spki, key.spki);
    });
  }

  it('writes the attributes field even when empty (A0 00, RFC 2986 §4.1)', async () => {
    const key = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
    const der = await createCertificationRequest(provider, { subject: 'CN=x', key });
    assert.ok(Buffer.from(der).includes(Buffer.from([0xa0, 0x00])));
    assert.deepEqual(readCertificationRequest(provider, der).subjectAltNames, []);
  });

  it('reads a request from openssl req -new (PEM), with its requested extensions', () => {
    const file = join(dir, 'o.csr');
    ok('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'o.key'), '-out', file, '-subj', '/C=US/O=Example/CN=openssl.example', '-addext', 'subjectAltName=DNS:a.example,DNS:b.example', '-addext', 'basicConstraints=critical,CA:TRUE']);
    const info = readCertificationRequest(provider, readFileSync(file));
    assert.equal(info.subject, 'CN=openssl.example,O=Example,C=US');
    assert.deepEqual(info.subjectAltNames, ['dns:a.example', 'dns:b.example']);
    assert.equal(info.isCA, true);
    assert.equal(info.publicKey.bits, 2048);
    assert.equal(info.signatureAlgorithm, 'sha256WithRSAEncryption');
    assert.equal(info.signatureValid, true);
    assert.ok(info.extensions.some((e) => e.oid === '2.5.29.19' && e.critical));
  });

  it('reads a request from keytool -certreq (NEW CERTIFICATE REQUEST)', function () {
    const ks = join(dir, 'k.p12');
    const csr = join(dir, 'k.csr');
    const common = ['-keystore', ks, '-storepass', 'changeit', '-storetype', 'PKCS12', '-alias', 'k'];
    ok('keytool', ['-genkeypair', ...common, '-keyalg', 'EC', '-groupname', 'secp384r1', '-dname', 'CN=keytool.example,O=Java', '-ext', 'SAN=dns:keytool.example']);
    ok('keytool', ['-certreq', ...common, '-file', csr, '-ext', 'SAN=dns:keytool.example']);
    const bytes = readFileSync(csr);
    assert.match(bytes.toString(), /NEW CERTIFICATE REQUEST/);
    const info = readCertificationRequest(provider, bytes);
    assert.equal(info.subject, 'CN=keytool.example,O=Java');
    assert.equal(info.publicKey.curve, 'P-384');
    assert.deepEqual(info.subjectAltNames, ['dns:keytool.example']);
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
