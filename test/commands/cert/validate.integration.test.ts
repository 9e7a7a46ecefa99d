import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createSoftwareProvider, type PrivateKeyHandle } from '../../../src/core/crypto/index.js';
import { createCertificate, type CertificateOptions } from '../../../src/core/pki/certificate/index.js';
import { encodePem } from '../../../src/core/pki/pem.js';
import { kyman, kymanJson, suiteTempDir, tool } from '../../helpers/cli.js';

const provider = createSoftwareProvider();
const DAY = 86_400_000;
const NOW = new Date();
const days = (n: number) => new Date(NOW.getTime() + n * DAY);

interface Issued {
  der: Uint8Array;
  key: PrivateKeyHandle;
}

async function make(subject: string, issuer: Issued | undefined, options: Partial<CertificateOptions> = {}, key?: PrivateKeyHandle): Promise<Issued> {
  const k = key ?? (await provider.generateKeyPair({ type: 'ec', curve: 'P-256' }));
  const der = await createCertificate(provider, {
    subject,
    subjectKey: k,
    issuer: issuer && { certificate: issuer.der, key: issuer.key },
    notBefore: days(-1),
    notAfter: days(3000),
    ...options,
  });
  return { der, key: k };
}

/** A chain to check: what kyman and openssl are given, and what both should say. */
interface Case {
  name: string;
  leaf: Uint8Array;
  intermediates?: Uint8Array[];
  anchors: Uint8Array[];
  purpose?: 'server' | 'client';
  host?: string;
  at?: Date;
  valid: boolean;
  /** The reason code kyman gives when not valid. */
  code?: string;
}

const pems = (ders: Uint8Array[]) => ders.map((d) => encodePem('CERTIFICATE', d)).join('');

describe('kyman cert validate agrees with openssl verify', function () {
  this.timeout(300_000);
  const tmp = suiteTempDir();
  const cases: Case[] = [];

  before(async () => {
    const root = await make('CN=Test Root,O=Example', undefined, { ca: true, notBefore: days(-10), notAfter: days(4000) });
    const inter = await make('CN=Test Intermediate,O=Example', root, { ca: true });
    const server = (subject: string, o: Partial<CertificateOptions> = {}) =>
      make(subject, inter, { subjectAltNames: ['dns:a.example.com'], extendedKeyUsage: ['serverAuth'], ...o });
    const good = await server('CN=a.example.com');
    const chain = { intermediates: [inter.der], anchors: [root.der] };
    cases.push({ name: 'good chain, server, host', leaf: good.der, ...chain, purpose: 'server', host: 'a.example.com', valid: true });
    cases.push({ name: 'good chain, host in upper case', leaf: good.der, ...chain, purpose: 'server', host: 'A.Example.COM', valid: true });
    cases.push({ name: 'good chain checked after it expires (--at)', leaf: good.der, ...chain, at: days(5000), valid: false, code: 'expired' });

    const expired = await server('CN=expired', { notBefore: days(-400), notAfter: days(-35) });
    cases.push({ name: 'expired leaf', leaf: expired.der, ...chain, valid: false, code: 'expired' });
    const future = await server('CN=future', { notBefore: days(10), notAfter: days(100) });
    cases.push({ name: 'not yet valid leaf', leaf: future.der, ...chain, valid: false, code: 'not-yet-valid' });

    // Same issuer name, another key: the leaf's issuer is not the trusted one.
    const rogue = await make('CN=Test Intermediate,O=Example', undefined, { ca: true });
    const rogueLeaf = await make('CN=rogue', rogue);
    cases.push({ name: 'wrong issuer', leaf: rogueLeaf.der, ...chain, valid: false, code: 'untrusted' });

    // A byte of the serial number changed after signing.
    const broken = (await server('CN=broken')).der.slice();
    broken[15] ^= 0x01;
    cases.push({ name: 'broken signature', leaf: broken, ...chain, valid: false, code: 'bad-signature' });

    // The intermediate re-issued, same key and name, as an end-entity certificate.
    const notCa = await make('CN=Test Intermediate,O=Example', root, { ca: false }, inter.key);
    cases.push({ name: 'CA:false intermediate', leaf: good.der, intermediates: [notCa.der], anchors: [root.der], valid: false, code: 'not-a-ca' });

    const root0 = await make('CN=Root Pathlen 0', undefined, { ca: true, pathLength: 0 });
    const inter0 = await make('CN=Intermediate Under Pathlen 0', root0, { ca: true });
    const leaf0 = await make('CN=leaf0', inter0);
    cases.push({ name: 'path length exceeded', leaf: leaf0.der, intermediates: [inter0.der], anchors: [root0.der], valid: false, code: 'path-length' });
    const root1 = await make('CN=Root Pathlen 1', undefined, { ca: true, pathLength: 1 });
    const inter1 = await make('CN=Intermediate Under Pathlen 1', root1, { ca: true });
    const leaf1 = await make('CN=leaf1', inter1);
    cases.push({ name: 'path length respected', leaf: leaf1.der, intermediates: [inter1.der], anchors: [root1.der], valid: true });

    // The root re-issued, same key and name, without keyCertSign.
    const noCertSign = await make('CN=Test Root,O=Example', undefined, { ca: true, keyUsage: ['digitalSignature', 'cRLSign'], notBefore: days(-10), notAfter: days(4000) }, root.key);
    cases.push({ name: 'CA without keyCertSign', leaf: good.der, intermediates: [inter.der], anchors: [noCertSign.der], valid: false, code: 'key-usage' });

    const clientOnly = await server('CN=client', { extendedKeyUsage: ['clientAuth'] });
    cases.push({ name: 'wrong EKU for a server', leaf: clientOnly.der, ...chain, purpose: 'server', valid: false, code: 'purpose' });
    cases.push({ name: 'right EKU for a client', leaf: clientOnly.der, ...chain, purpose: 'client', valid: true });
    const noEku = await server('CN=no-eku', { extendedKeyUsage: [] });
    cases.push({ name: 'no EKU means any purpose', leaf: noEku.der, ...chain, purpose: 'server', valid: true });
    const encipherOnly = await server('CN=encipher', { keyUsage: ['dataEncipherment'] });
    cases.push({ name: 'leaf key usage without a TLS use', leaf: encipherOnly.der, ...chain, purpose: 'server', valid: false, code: 'key-usage' });

    cases.push({ name: 'wrong host', leaf: good.der, ...chain, host: 'www.x.com', valid: false, code: 'host-mismatch' });
    const wildcard = await server('CN=wildcard', { subjectAltNames: ['dns:*.example.com'] });
    cases.push({ name: 'wildcard matches one label', leaf: wildcard.der, ...chain, host: 'a.example.com', valid: true });
    cases.push({ name: 'wildcard does not match two labels', leaf: wildcard.der, ...chain, host: 'a.b.example.com', valid: false, code: 'host-mismatch' });
    cases.push({ name: 'wildcard does not match the bare domain', leaf: wildcard.der, ...chain, host: 'example.com', valid: false, code: 'host-mismatch' });
    const cnOnly = await make('CN=cn.example.com', inter);
    cases.push({ name: 'CN used when there is no SAN', leaf: cnOnly.der, ...chain, host: 'cn.example.com', valid: true });
    cases.push({ name: 'CN mismatch when there is no SAN', leaf: cnOnly.der, ...chain, host: 'other.example.com', valid: false, code: 'host-mismatch' });
    const cnIgnored = await server('CN=cn.example.com', { subjectAltNames: ['dns:a.example.com'] });
    cases.push({ name: 'CN ignored when there is a SAN dNSName', leaf: cnIgnored.der, ...chain, host: 'cn.example.com', valid: false, code: 'host-mismatch' });

    const otherRoot = await make('CN=Other Root', undefined, { ca: true });
    cases.push({ name: 'untrusted root', leaf: good.der, intermediates: [inter.der, root.der], anchors: [otherRoot.der], valid: false, code: 'untrusted' });
    cases.push({ name: 'missing intermediate', leaf: good.der, anchors: [root.der], valid: false, code: 'untrusted' });

    // Other signature algorithms along the path.
    const rsaRoot = await make('CN=RSA Root', undefined, { ca: true, rsaPss: true }, await provider.generateKeyPair({ type: 'rsa', bits: 2048 }));
    const edInter = await make('CN=Ed25519 Intermediate', rsaRoot, { ca: true, rsaPss: true }, await provider.generateKeyPair({ type: 'ed25519' }));
    const p384Leaf = await make('CN=p384.example.com', edInter, { subjectAltNames: ['dns:p384.example.com'] }, await provider.generateKeyPair({ type: 'ec', curve: 'P-384' }));
    cases.push({ name: 'RSA-PSS root, Ed25519 intermediate, P-384 leaf', leaf: p384Leaf.der, intermediates: [edInter.der], anchors: [rsaRoot.der], purpose: 'server', host: 'p384.example.com', valid: true });
  });

  it('has at least 12 chains to compare', () => assert.ok(cases.length >= 12, String(cases.length)));

  it('gives the same verdict as openssl verify on every chain, and the expected reason', () => {
    const report: string[] = [];
    cases.forEach((c, i) => {
      const leafFile = tmp.file(`case${i}-leaf.pem`);
      const chainFile = tmp.file(`case${i}-chain.pem`);
      const anchorFile = tmp.file(`case${i}-anchors.pem`);
      const interFile = tmp.file(`case${i}-inter.pem`);
      writeFileSync(leafFile, pems([c.leaf]));
      writeFileSync(chainFile, pems([c.leaf, ...(c.intermediates ?? [])]));
      writeFileSync(anchorFile, pems(c.anchors));
      const osslArgs = ['verify', '-CAfile', anchorFile];
      if (c.intermediates?.length) {
        writeFileSync(interFile, pems(c.intermediates));
        osslArgs.push('-untrusted', interFile);
      }
      const args = ['cert', 'validate', chainFile, '--ca-file', anchorFile];
      if (c.purpose) {
        osslArgs.push('-purpose', c.purpose === 'server' ? 'sslserver' : 'sslclient');
        args.push('--purpose', c.purpose);
      }
      if (c.host) {
        osslArgs.push('-verify_hostname', c.host);
        args.push('--host', c.host);
      }
      if (c.at) {
        osslArgs.push('-attime', String(Math.floor(c.at.getTime() / 1000)));
        args.push('--at', c.at.toISOString());
      }
      osslArgs.push(leafFile);
      const openssl = tool('openssl', osslArgs);
      const r = kymanJson(args);
      const osslValid = openssl.status === 0;
      report.push(`${c.name}: kyman ${r.__status} openssl ${openssl.status}${r.reason ? ` (${r.reason.message})` : ''}`);
      assert.equal(osslValid, c.valid, `${c.name}: openssl said ${openssl.stdout}${openssl.stderr}`);
      assert.equal(r.valid, c.valid, `${c.name}: kyman said ${JSON.stringify(r.reason)}`);
      assert.equal(r.__status, c.valid ? 0 : 1, `${c.name}: exit ${r.__status}\n${r.__stderr}`);
      if (!c.valid) assert.equal(r.reason.code, c.code, `${c.name}: ${r.reason.message}`);
      assert.ok(r.chain.length >= 1);
    });
    if (process.env.KYMAN_TEST_VERBOSE) console.log(report.join('\n'));
  });

  it('prints the chain and the reason in words, exit 1', () => {
    const c = cases.find((x) => x.name === 'expired leaf')!;
    const chainFile = tmp.file('expired-chain.pem');
    const anchorFile = tmp.file('expired-anchor.pem');
    writeFileSync(chainFile, pems([c.leaf, ...c.intermediates!]));
    writeFileSync(anchorFile, pems(c.anchors));
    const r = kyman(['cert', 'validate', chainFile, '--ca-file', anchorFile]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /SUBJECT\s+ISSUER\s+EXPIRES/);
    assert.match(r.stdout, /CN=Test Root,O=Example\s+CN=Test Root,O=Example\s+\d{4}-\d\d-\d\d\s+anchor/);
    assert.match(r.stdout, /not valid: certificate has expired: CN=expired expired \d{4}-\d\d-\d\dT/);
    const ok = cases.find((x) => x.name === 'good chain, server, host')!;
    writeFileSync(chainFile, pems([ok.leaf, ...ok.intermediates!]));
    const g = kyman(['cert', 'validate', chainFile, '--ca-file', anchorFile, '--host', 'a.example.com']);
    assert.equal(g.status, 0, g.stderr);
    assert.match(g.stdout, /^valid$/m);
  });

  it('refuses bad flags and missing inputs cleanly', () => {
    const anchorFile = tmp.file('case0-anchors.pem');
    const chainFile = tmp.file('case0-chain.pem');
    const usageOf = (args: string[]) => kyman(args);
    let r = usageOf(['cert', 'validate', chainFile, '--ca-file', anchorFile, '--at', 'yesterday-ish']);
    assert.equal(r.status, 2, r.stderr);
    r = usageOf(['cert', 'validate', chainFile]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /no trust anchors/);
    r = usageOf(['cert', 'validate', tmp.file('nope.pem'), '--ca-file', anchorFile]);
    assert.equal(r.status, 4, r.stderr);
    r = usageOf(['cert', 'validate', chainFile, '--ca-file', anchorFile, '--purpose', 'email']);
    assert.equal(r.status, 2, r.stderr);
  });
});
