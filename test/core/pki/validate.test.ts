import assert from 'node:assert/strict';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { readCertificate } from '../../../src/core/pki/certificate/index.js';
import { dnsNameMatches, matchesHost, validateChain } from '../../../src/core/pki/validate.js';
import { readCertificateFile } from '../../../src/core/pki/certificate-file.js';
import { AT, DAY, make } from '../../helpers/chains.js';
import { fixtureBytes } from '../../helpers/fixtures.js';

const provider = createSoftwareProvider();
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

    it('validates the chain certtool made: the server purpose, its DNS and IP names, and nothing else', () => {
      const [leaf] = readCertificateFile(fixtureBytes('gnutls/leaf.pem'));
      const [ca] = readCertificateFile(fixtureBytes('gnutls/ca.pem'));
      for (const host of ['gnutls.example', '127.0.0.1']) {
        const r = validateChain(provider, leaf, { trustAnchors: [ca], purpose: 'server', host });
        assert.equal(r.valid, true, r.reason?.message);
        assert.deepEqual(r.chain.map((c) => c.subject), ['CN=gnutls.example,O=Example', 'CN=GnuTLS Test CA,O=Example']);
      }
      assert.equal(validateChain(provider, leaf, { trustAnchors: [ca], purpose: 'server', host: 'other.example' }).reason?.code, 'host-mismatch');
      assert.equal(validateChain(provider, leaf, { trustAnchors: [ca], purpose: 'client' }).reason?.code, 'purpose');
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
  });
});
