// Parsing a PKI spec: strict fields with line numbers, issuer order, values checked by the core parsers.

import assert from 'node:assert/strict';
import { KymanError } from '../../../src/core/errors.js';
import { canonicalSans, parseDuration, parsePkiSpec } from '../../../src/core/pki-spec/spec.js';

/** The error `fn` throws, for checking its code and one-line message. */
function thrown(fn: () => unknown): KymanError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KymanError, String(e));
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    return e;
  }
  assert.fail('expected an error');
}

describe('pki spec: parsing', () => {
  const base = (cert: string) => `databases:\n  ca: { file: ca.kdb }\ncertificates:\n  - label: root\n    subject: CN=Root\n${cert}`;

  it('names the line and the field of a typo, and suggests the field meant', () => {
    const e = thrown(() => parsePkiSpec(base('  - label: www\n    issuer: root\n    subject: CN=www\n    sans: [dns:www]\n'), '/x/spec.yaml'));
    assert.equal(e.code, 'USAGE');
    assert.equal(e.message, 'spec.yaml line 9: unknown field "sans" in certificate "www" (did you mean "san"?)');
  });

  it('rejects unknown issuers, cycles, self-issue and duplicate labels', () => {
    assert.match(thrown(() => parsePkiSpec(base('  - label: www\n    issuer: roots\n    subject: CN=www\n'), 's.yaml')).message, /^s\.yaml line 7: certificate "www" names issuer "roots", which is not a certificate of this spec \(did you mean "root"\?\)$/);
    const cycle = thrown(() => parsePkiSpec(base('  - label: a\n    issuer: b\n    subject: CN=a\n  - label: b\n    issuer: a\n    subject: CN=b\n'), 's.yaml'));
    assert.equal(cycle.code, 'USAGE');
    assert.match(cycle.message, /issuers form a cycle: (a → b → a|b → a → b)/);
    assert.match(thrown(() => parsePkiSpec(base('  - label: a\n    issuer: a\n    subject: CN=a\n'), 's.yaml')).message, /names itself as issuer/);
    assert.match(thrown(() => parsePkiSpec(base('  - label: root\n    subject: CN=again\n'), 's.yaml')).message, /line 6: label "root" is used twice \(first at line 4\)/);
  });

  it('checks values with the core parsers: key, profile, subject, SAN, durations, database', () => {
    const cases: [string, RegExp][] = [
      ['    key: ec:p999\n', /line 8: key "ec:p999" is not a key type/],
      ['    profile: web\n', /line 8: profile: unknown profile "web"/],
      ['    san: [dnss:x]\n', /line 8: san of certificate "www"/],
      ['    renewBefore: soon\n', /line 8: renewBefore must be a duration/],
      ['    database: cas\n', /line 8: certificate "www" names database "cas".*did you mean "ca"/],
      ['    days: 0\n', /line 8: days must be a whole number/],
    ];
    for (const [extra, pattern] of cases) {
      const e = thrown(() => parsePkiSpec(base(`  - label: www\n    subject: CN=www\n${extra}`), 's.yaml'));
      assert.equal(e.code, 'USAGE', e.message);
      assert.match(e.message, pattern);
    }
    assert.match(thrown(() => parsePkiSpec(base('  - label: www\n    subject: CN\n'), 's.yaml')).message, /line 7: subject of certificate "www"/);
    assert.match(thrown(() => parsePkiSpec(base('  - label: www\n    issuer: root\n    profile: server\n    subject: CN=w\n  - label: x\n    issuer: www\n    subject: CN=x\n'), 's.yaml')).message, /"www" issues other certificates, so its profile must be ca/);
  });

  it('gives BAD_INPUT for a file that is not YAML or JSON at all', () => {
    const e = thrown(() => parsePkiSpec('databases: [\n  ca: {', 's.yaml'));
    assert.equal(e.code, 'BAD_INPUT');
    assert.match(e.message, /^s\.yaml line \d+: not valid YAML or JSON/);
    assert.equal(thrown(() => parsePkiSpec('[1, 2]', 's.json')).code, 'BAD_INPUT');
  });

  it('reads JSON with line numbers too, and orders issuers first', () => {
    const json = JSON.stringify({ databases: { ca: { file: 'ca.kdb' } }, certificates: [{ label: 'leaf', issuer: 'root', subject: 'CN=leaf' }, { label: 'root', subject: 'CN=root' }] }, null, 2);
    const spec = parsePkiSpec(json, '/tmp/x/spec.json');
    assert.deepEqual(spec.certificates.map((c) => c.label), ['root', 'leaf']);
    assert.equal(spec.certificates[0].profile, 'ca');
    assert.equal(spec.certificates[1].profile, 'any');
    assert.equal(spec.databases.get('ca')!.file, '/tmp/x/ca.kdb');
    const bad = JSON.stringify({ databases: { ca: { file: 'ca.kdb' } }, certificates: [{ label: 'root', subject: 'CN=root', Subject: 'x' }] }, null, 2);
    assert.match(thrown(() => parsePkiSpec(bad, 'spec.json')).message, /^spec\.json line 11: unknown field "Subject" in certificate "root" \(did you mean "subject"\?\)$/);
  });
});

describe('pki spec: durations and SANs', () => {
  it('reads days, hours, minutes and bare numbers of days, and refuses anything else', () => {
    const day = 86_400_000;
    assert.equal(parseDuration('30d'), 30 * day);
    assert.equal(parseDuration(' 12h '), 12 * 3_600_000);
    assert.equal(parseDuration('90m'), 90 * 60_000);
    assert.equal(parseDuration('1.5'), 1.5 * day);
    assert.equal(parseDuration(7), 7 * day);
    for (const bad of ['soon', '-1d', '3w', '', 'd']) assert.equal(parseDuration(bad), undefined, bad);
    assert.equal(parseDuration(-1), undefined);
    assert.equal(parseDuration(Number.POSITIVE_INFINITY), undefined);
  });

  it('compares SANs case-blind for DNS names only, in a fixed order', () => {
    assert.deepEqual(canonicalSans(['dns:WWW.Example.com', 'email:A@Example.com', 'dns:a.example.com']), ['dns:a.example.com', 'dns:www.example.com', 'email:A@Example.com']);
  });
});
