import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftwareProvider, type PrivateKeyHandle } from '../../../src/core/crypto/index.js';
import { createCertificate, readCertificate, type CertificateOptions } from '../../../src/core/pki/certificate/index.js';
import { decodePem, encodePem } from '../../../src/core/pki/pem.js';
import { dnsNameMatches, matchesHost, validateChain } from '../../../src/core/pki/validate.js';

const provider = createSoftwareProvider();
const DAY = 86_400_000;
const AT = new Date('2030-06-01T00:00:00Z');

async function make(subject: string, issuer?: { der: Uint8Array; key: PrivateKeyHandle }, options: Partial<CertificateOptions> = {}, key?: PrivateKeyHandle) {
  const k = key ?? (await provider.generateKeyPair({ type: 'ec', curve: 'P-256' }));
  const der = await createCertificate(provider, {
    subject,
    subjectKey: k,
    issuer: issuer && { certificate: issuer.der, key: issuer.key },
    notBefore: new Date(AT.getTime() - 30 * DAY),
    notAfter: new Date(AT.getTime() + 300 * DAY),
    ...options,
  });
  return { der, key: k };
}

function openssl(args: string[], cwd: string): string {
  const r = spawnSync('openssl', args, { encoding: 'utf8', cwd });
  assert.equal(r.status, 0, `openssl ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

describe('pki/validate', () => {
  describe('dnsNameMatches (RFC 6125 §6.4)', () => {
    const table: Array<[string, string, boolean]> = [
      ['a.example.com', 'a.example.com', true],
      ['A.Example.com', 'a.EXAMPLE.com.', true],
      ['*.example.com', 'a.example.com', true],
      ['*.example.com', 'A.EXAMPLE.COM', true],
      ['*.example.com', 'a.b.example.com', false],
      ['*.example.com', 'example.com', false],
      ['*.example.com', '.example.com', false],
      ['*.com', 'example.com', false],
      ['w*.example.com', 'www.example.com', false],
      ['a.*.example.com', 'a.b.example.com', false],
      ['*.example.com', 'xn--bcher-kva.example.com', true],
      ['xn--*.example.com', 'xn--bcher-kva.example.com', false],
      ['xn--bcher-kva.example.com', 'bücher.example.com', true],
      ['b.example.com', 'a.example.com', false],
    ];
    for (const [presented, host, expected] of table) {
      it(`${presented} ${expected ? 'matches' : 'does not match'} ${host}`, () => assert.equal(dnsNameMatches(presented, host), expected));
    }
  });

  describe('matchesHost', () => {
    it('matches IP addresses only against iPAddress names, in any spelling', async () => {
      const root = await make('CN=Root', undefined, { ca: true });
      const leaf = readCertificate(provider, (await make('CN=10.0.0.1', root, { subjectAltNames: ['ip:10.0.0.1', 'ip:2001:db8::1', 'dns:*.example.com'] })).der);
      assert.equal(matchesHost(leaf, '10.0.0.1'), true);
      assert.equal(matchesHost(leaf, '2001:0db8:0:0:0:0:0:0001'), true);
      assert.equal(matchesHost(leaf, '[2001:db8::1]'), true);
      assert.equal(matchesHost(leaf, '10.0.0.2'), false);
      assert.equal(matchesHost(leaf, 'a.example.com'), true);
      // The CN is never consulted when there is a SAN dNSName, nor for an IP address.
      const cnIp = readCertificate(provider, (await make('CN=10.0.0.1', root, { subjectAltNames: [] })).der);
      assert.equal(matchesHost(cnIp, '10.0.0.1'), false);
    });
  });

  describe('validateChain', () => {
    it('returns the chain leaf first, intermediates in any order, and the time from `at`', async () => {
      const root = await make('CN=Root', undefined, { ca: true });
      const a = await make('CN=Inter A', root, { ca: true });
      const b = await make('CN=Inter B', a, { ca: true });
      const leaf = await make('CN=leaf', b, { subjectAltNames: ['dns:leaf.example.com'] });
      const r = validateChain(provider, leaf.der, { trustAnchors: [root.der], intermediates: [a.der, b.der].reverse(), at: AT, purpose: 'server', host: 'leaf.example.com' });
      assert.equal(r.valid, true, r.reason?.message);
      assert.deepEqual(r.chain.map((c) => c.subject), ['CN=leaf', 'CN=Inter B', 'CN=Inter A', 'CN=Root']);
      const later = validateChain(provider, leaf.der, { trustAnchors: [root.der], intermediates: [a.der, b.der], at: new Date(AT.getTime() + 400 * DAY) });
      assert.equal(later.valid, false);
      assert.equal(later.reason?.code, 'expired');
      assert.match(later.reason!.message, /^certificate has expired: CN=\S+ expired 2031-/);
    });

    it('accepts a trusted self-signed leaf on its own', async () => {
      const self = await make('CN=self.example.com', undefined, { subjectAltNames: ['dns:self.example.com'] });
      const r = validateChain(provider, self.der, { trustAnchors: [self.der], at: AT, host: 'self.example.com', purpose: 'server' });
      assert.equal(r.valid, true, r.reason?.message);
      assert.equal(r.chain.length, 1);
      const untrusted = validateChain(provider, self.der, { trustAnchors: [], at: AT });
      assert.equal(untrusted.reason?.code, 'untrusted');
      assert.match(untrusted.reason!.message, /is self-signed and not trusted/);
    });

    it('tries another path when the first one found fails', async () => {
      const root = await make('CN=Root', undefined, { ca: true });
      const inter = await make('CN=Inter', root, { ca: true });
      const leaf = await make('CN=leaf', inter);
      // The same intermediate key and name, once expired and once good; the expired one listed first.
      const stale = await make('CN=Inter', root, { ca: true, notBefore: new Date(AT.getTime() - 90 * DAY), notAfter: new Date(AT.getTime() - DAY) }, inter.key);
      const r = validateChain(provider, leaf.der, { trustAnchors: [root.der], intermediates: [stale.der, inter.der], at: AT });
      assert.equal(r.valid, true, r.reason?.message);
      assert.deepEqual(r.chain[1].der, inter.der);
      const onlyStale = validateChain(provider, leaf.der, { trustAnchors: [root.der], intermediates: [stale.der], at: AT });
      assert.equal(onlyStale.reason?.code, 'expired');
      assert.equal(onlyStale.reason?.certificate, 'CN=Inter');
    });

    it('ends a loop of cross-signed CAs with "no trusted root"', async () => {
      const xKey = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
      const yKey = await provider.generateKeyPair({ type: 'ec', curve: 'P-256' });
      const xSelf = await make('CN=X', undefined, { ca: true }, xKey);
      const ySelf = await make('CN=Y', undefined, { ca: true }, yKey);
      const yByX = await make('CN=Y', xSelf, { ca: true }, yKey);
      const xByY = await make('CN=X', ySelf, { ca: true }, xKey);
      const leaf = await make('CN=leaf', yByX);
      const other = await make('CN=Other', undefined, { ca: true });
      const r = validateChain(provider, leaf.der, { trustAnchors: [other.der], intermediates: [yByX.der, xByY.der, xSelf.der, ySelf.der], at: AT });
      assert.equal(r.valid, false);
      assert.equal(r.reason?.code, 'untrusted');
    });

    it('says which certificate failed, in words', async () => {
      const root = await make('CN=Root', undefined, { ca: true });
      const leaf = await make('CN=leaf', root, { subjectAltNames: ['dns:a.example.com'], extendedKeyUsage: ['clientAuth'] });
      const purpose = validateChain(provider, leaf.der, { trustAnchors: [root.der], at: AT, purpose: 'server' });
      assert.deepEqual({ ...purpose.reason }, { code: 'purpose', certificate: 'CN=leaf', message: 'extended key usage clientAuth does not allow serverAuth: CN=leaf' });
      const host = validateChain(provider, leaf.der, { trustAnchors: [root.der], at: AT, host: 'www.x.com' });
      assert.equal(host.reason?.message, 'host name www.x.com does not match dns:a.example.com');
      const early = validateChain(provider, leaf.der, { trustAnchors: [root.der], at: new Date(AT.getTime() - 60 * DAY) });
      assert.equal(early.reason?.code, 'not-yet-valid');
    });

    describe('with certificates made by openssl', () => {
      let dir: string;
      let root: { der: Uint8Array; key: PrivateKeyHandle };
      before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'kyman-validate-'));
        root = await make('CN=Constrained Root', undefined, { ca: true, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 300 * DAY) });
        writeFileSync(join(dir, 'root.pem'), encodePem('CERTIFICATE', root.der));
        writeFileSync(join(dir, 'root.key'), encodePem('PRIVATE KEY', provider.exportPrivateKey(root.key)));
      });
      after(() => rmSync(dir, { recursive: true, force: true }));

      /** A certificate signed by `ca` (PEM files in dir) with openssl and the given -addext options. */
      function issue(name: string, ca: string, extensions: string[]): Uint8Array {
        openssl(['req', '-new', '-x509', '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${name}`, '-days', '30', ...extensions.flatMap((e) => ['-addext', e]), '-out', `${name}.pem`], dir);
        return decodePem(readFileSync(join(dir, `${name}.pem`))).find((b) => b.label === 'CERTIFICATE')!.der;
      }

      it('refuses an unknown critical extension (RFC 5280 §6.1.5 e), as openssl does', () => {
        const leaf = issue('critical-leaf', 'root', ['1.2.3.4.5=critical,ASN1:NULL']);
        const r = validateChain(provider, leaf, { trustAnchors: [root.der] });
        assert.equal(r.reason?.code, 'critical-extension');
        assert.match(r.reason!.message, /unhandled critical extension 1\.2\.3\.4\.5 in CN=critical-leaf/);
        const known = issue('known-leaf', 'root', ['1.2.3.4.5=ASN1:NULL']);
        assert.equal(validateChain(provider, known, { trustAnchors: [root.der] }).valid, true);
        assert.notEqual(spawnSync('openssl', ['verify', '-CAfile', 'root.pem', 'critical-leaf.pem'], { cwd: dir }).status, 0);
      });

      it('refuses a certificate signed with MD5 (RFC 6151), where OpenSSL 3.0 still accepts it', () => {
        openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa-root.key', '-subj', '/CN=RSA Root', '-days', '10', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-out', 'rsa-root.pem'], dir);
        const leaf = issue('md5-leaf', 'rsa-root', []);
        const md5 = (() => {
          openssl(['req', '-x509', '-CA', 'rsa-root.pem', '-CAkey', 'rsa-root.key', '-md5', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'md5.key', '-subj', '/CN=md5', '-days', '5', '-out', 'md5.pem'], dir);
          return decodePem(readFileSync(join(dir, 'md5.pem')))[0].der;
        })();
        const anchor = decodePem(readFileSync(join(dir, 'rsa-root.pem')))[0].der;
        assert.equal(validateChain(provider, leaf, { trustAnchors: [anchor] }).valid, true);
        const r = validateChain(provider, md5, { trustAnchors: [anchor] });
        assert.equal(r.reason?.code, 'weak-algorithm');
        assert.match(r.reason!.message, /CN=md5 is signed with md5WithRSAEncryption/);
      });

      it('enforces name constraints on DNS names and directory names below a CA', () => {
        // The dirName subtree needs a config section, so this CA is made from a config file.
        const cnf = join(dir, 'nc.cnf');
        writeFileSync(cnf, '[req]\ndistinguished_name=dn\n[dn]\n[nc_dir]\nO=Example\n[ext]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nnameConstraints=critical,permitted;DNS:example.com,permitted;dirName:nc_dir\n');
        openssl(['req', '-new', '-x509', '-config', cnf, '-extensions', 'ext', '-CA', 'root.pem', '-CAkey', 'root.key', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'nc.key', '-subj', '/O=Example/CN=NC CA', '-days', '30', '-out', 'nc.pem'], dir);
        const nc = decodePem(readFileSync(join(dir, 'nc.pem')))[0].der;
        const inside = (cn: string, san: string) => {
          openssl(['req', '-new', '-x509', '-CA', 'nc.pem', '-CAkey', 'nc.key', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'l.key', '-subj', cn, '-days', '10', '-addext', `subjectAltName=${san}`, '-out', 'l.pem'], dir);
          const leaf = decodePem(readFileSync(join(dir, 'l.pem')))[0].der;
          const ours = validateChain(provider, leaf, { trustAnchors: [root.der], intermediates: [nc] });
          const theirs = spawnSync('openssl', ['verify', '-CAfile', 'root.pem', '-untrusted', 'nc.pem', 'l.pem'], { cwd: dir }).status === 0;
          assert.equal(ours.valid, theirs, `${cn} ${san}: kyman ${ours.reason?.message}`);
          return ours;
        };
        assert.equal(inside('/O=Example/CN=www', 'DNS:www.example.com').valid, true);
        assert.equal(inside('/O=Example/CN=www', 'DNS:example.com').valid, true);
        const evil = inside('/O=Example/CN=www', 'DNS:www.evil.com');
        assert.equal(evil.reason?.code, 'name-constraints');
        assert.match(evil.reason!.message, /dns:www\.evil\.com/);
        assert.equal(inside('/O=Other/CN=www', 'DNS:www.example.com').reason?.code, 'name-constraints');
        assert.equal(inside('/O=Example/CN=www', 'DNS:notexample.com').valid, false);
      });
    });
  });
});
