// The engine's tables (RFC 8446 §B.4, RFC 5289, RFC 7905, §4.2.7, §4.2.3) and how configured names resolve against them.

import assert from 'node:assert/strict';
import { KymanError } from '../../../src/core/errors.js';
import {
  anySuiteName,
  groupById,
  isCbcSuiteName,
  keyFitsSuite12,
  resolveGroups,
  resolveSchemes,
  resolveSchemes12,
  resolveSuites,
  resolveSuites12,
  resolveVersions,
  schemeById,
  schemeFitsKey12,
  suite12ById,
  suiteById,
} from '../../../src/core/tls/suites.js';

const isUsage = (e: unknown) => e instanceof KymanError && e.code === 'USAGE';

describe('tls suites', () => {
  it('suites, groups and schemes are found by their IANA code points', () => {
    assert.equal(suiteById(0x1301)?.name, 'TLS_AES_128_GCM_SHA256');
    assert.equal(suiteById(0x1303)?.name, 'TLS_CHACHA20_POLY1305_SHA256');
    assert.equal(suite12ById(0xc02b)?.name, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    assert.equal(anySuiteName(0xc02f), 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    assert.equal(anySuiteName(0x0005), undefined);
    assert.equal(groupById(0x001d)?.name, 'x25519');
    assert.equal(groupById(0x0017)?.name, 'secp256r1');
    assert.equal(schemeById(0x0403)?.name, 'ecdsa_secp256r1_sha256');
    assert.equal(schemeById(0x0804)?.name, 'rsa_pss_rsae_sha256');
  });

  it('configured suites keep the caller\'s order, each version taking its own', () => {
    const names = ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256'];
    assert.deepEqual(resolveSuites(names).map((s) => s.name), ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256']);
    assert.deepEqual(resolveSuites12(names).map((s) => s.name), ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384']);
    assert.throws(() => resolveSuites(['TLS_RSA_WITH_RC4_128_MD5']), isUsage);
  });

  it('CBC and CCM suites are enabled only when named; isCbcSuiteName tells the CBC ones', () => {
    assert.ok(resolveSuites(undefined).every((s) => !/CCM/.test(s.name)));
    assert.ok(resolveSuites12(undefined).every((s) => s.cbc === undefined));
    assert.deepEqual(resolveSuites(['TLS_AES_128_CCM_8_SHA256', 'TLS_AES_128_CCM_SHA256']).map((s) => [s.id, s.tagLength]), [[0x1305, 8], [0x1304, 16]]);
    const cbc = resolveSuites12(['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA']);
    assert.deepEqual(cbc.map((s) => [s.id, s.cbc, s.cbc && s.mac, s.hash]), [[0xc028, 'AES-256-CBC', 'SHA-384', 'SHA-384'], [0xc009, 'AES-128-CBC', 'SHA-1', 'SHA-256']]);
    for (const id of [0xc009, 0xc00a, 0xc023, 0xc024, 0xc013, 0xc014, 0xc027, 0xc028]) assert.ok(suite12ById(id)?.cbc, `0x${id.toString(16)}`);
    assert.equal(isCbcSuiteName('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'), true);
    assert.equal(isCbcSuiteName('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), false);
    assert.equal(isCbcSuiteName('TLS_AES_128_CCM_8_SHA256'), false);
  });

  it('versions: both by default, TLS 1.3 first; one without suites is left out, or USAGE when named', () => {
    assert.deepEqual(resolveVersions(undefined, undefined), ['TLSv1.3', 'TLSv1.2']);
    assert.deepEqual(resolveVersions(undefined, ['TLS_AES_128_GCM_SHA256']), ['TLSv1.3']);
    assert.throws(() => resolveVersions(['TLSv1.2'], ['TLS_AES_128_GCM_SHA256']), isUsage);
    assert.throws(() => resolveVersions(['TLSv1.1'], undefined), isUsage);
    assert.throws(() => resolveVersions([], undefined), isUsage);
  });

  it('groups take their aliases; an unknown one is USAGE', () => {
    assert.deepEqual(resolveGroups(['P-256', 'x25519', 'p521', 'x448', 'ffdhe2048']).map((g) => g.name), ['secp256r1', 'x25519', 'secp521r1', 'x448', 'ffdhe2048']);
    assert.throws(() => resolveGroups(['ffdhe1024']), isUsage);
  });

  it('TLS 1.2 schemes include rsa_pss_pss, for RSASSA-PSS keys only; the default TLS 1.3 schemes are the handshake ones', () => {
    const pssPss = resolveSchemes12(undefined).filter((s) => s.key === 'rsa-pss');
    assert.deepEqual(pssPss.map((s) => s.name), ['rsa_pss_pss_sha256', 'rsa_pss_pss_sha384', 'rsa_pss_pss_sha512']);
    assert.ok(pssPss.every((s) => schemeFitsKey12(s, { key: 'rsa-pss' }) && !schemeFitsKey12(s, { key: 'rsa' })));
    assert.ok(resolveSchemes(undefined).every((s) => s.handshake));
    assert.throws(() => resolveSchemes(['md5_rsa']), isUsage);
  });

  it('a TLS 1.2 suite needs the key kind its authentication names (RFC 8422 §2)', () => {
    const ecdsa = suite12ById(0xc02b)!;
    const rsa = suite12ById(0xc02f)!;
    assert.equal(keyFitsSuite12(ecdsa, { key: 'ec' }), true);
    assert.equal(keyFitsSuite12(ecdsa, { key: 'rsa' }), false);
    assert.equal(keyFitsSuite12(rsa, { key: 'rsa' }), true);
    assert.equal(keyFitsSuite12(rsa, undefined), false);
    // RFC 8446 §4.2.3 as TLS 1.2 stacks apply it: an RSASSA-PSS key serves ECDHE_RSA, not ECDHE_ECDSA.
    assert.equal(keyFitsSuite12(rsa, { key: 'rsa-pss' }), true);
    assert.equal(keyFitsSuite12(ecdsa, { key: 'rsa-pss' }), false);
  });
});
