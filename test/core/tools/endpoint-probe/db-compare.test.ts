// compareWithDatabase and databaseFindings: a server's chain held against a key store's entries.

import assert from 'node:assert/strict';
import type { KeyStore, KeyStoreEntry } from '../../../../src/core/keystore/types.js';
import { createCertificate } from '../../../../src/core/pki/certificate/index.js';
import { compareWithDatabase, databaseFindings } from '../../../../src/core/tools/endpoint-probe/db-compare.js';
import { makePki, provider, type TestPki } from '../../../helpers/tls-credentials.js';

const DAY = 86_400_000;

/** Only what the comparison reads of a store: its path and entries. */
function storeOf(entries: Partial<KeyStoreEntry>[]): KeyStore {
  const full = entries.map((e) => ({ hasPrivateKey: false, trusted: false, isDefault: false, ...e }) as KeyStoreEntry);
  return { path: 'test.kdb', entries: () => full } as unknown as KeyStore;
}

describe('endpoint probe: compareWithDatabase', function () {
  this.timeout(30_000);
  let pki: TestPki;
  before(async () => {
    pki = await makePki();
  });
  after(() => pki.cleanup());

  it('the leaf byte for byte, with its key, trusted through the root entry: no finding', () => {
    const c = compareWithDatabase(provider, [pki.ecdsa.der], storeOf([{ label: 'root', certificate: pki.root.der, trusted: true }, { label: 'web', certificate: pki.ecdsa.der, hasPrivateKey: true }]));
    assert.equal(c.label, 'web');
    assert.equal(c.hasPrivateKey, true);
    assert.deepEqual(c.related, []);
    assert.deepEqual(c.trust, { valid: true, anchor: 'CN=Kyman Test Root', anchorLabel: 'root' });
    assert.deepEqual(databaseFindings(c), []);
  });

  it('the certificate without its key; a root that is not trusted does not anchor', () => {
    const c = compareWithDatabase(provider, [pki.ecdsa.der], storeOf([{ label: 'root', certificate: pki.root.der }, { label: 'web', certificate: pki.ecdsa.der }]));
    assert.equal(c.hasPrivateKey, false);
    assert.deepEqual(c.trust, { valid: false, reason: 'the database has no trusted CA or self-signed entry' });
    assert.deepEqual(databaseFindings(c).map((f) => f.severity), ['low', 'high']);
  });

  it('a newer certificate for the same key in the database: deploy it; an older one: said, ranked lower', async () => {
    const issuer = { certificate: pki.root.der, key: pki.root.key };
    const make = (daysAgo: number) => createCertificate(provider, { subject: 'CN=ecdsa', subjectKey: pki.ecdsa.key, issuer, subjectAltNames: ['dns:localhost'], notBefore: new Date(Date.now() - daysAgo * DAY), notAfter: new Date(Date.now() + 5 * DAY) });
    const newer = await make(0);
    const older = await make(5);
    const root = { label: 'root', certificate: pki.root.der, trusted: true };
    const withNewer = compareWithDatabase(provider, [pki.ecdsa.der], storeOf([root, { label: 'renewed', certificate: newer, hasPrivateKey: true }]));
    assert.equal(withNewer.label, undefined);
    assert.deepEqual(withNewer.related, [{ label: 'renewed', shares: 'key and subject', age: 'newer', hasPrivateKey: true }]);
    assert.deepEqual(databaseFindings(withNewer), [{ severity: 'high', text: 'the server sends an older certificate for this key than "renewed" in test.kdb: deploy the database\'s certificate' }]);
    const withOlder = compareWithDatabase(provider, [pki.ecdsa.der], storeOf([root, { label: 'old', certificate: older }]));
    assert.equal(withOlder.related[0].age, 'older');
    assert.deepEqual(databaseFindings(withOlder), [{ severity: 'medium', text: 'the server\'s certificate is not in test.kdb, which has an older certificate for this key: "old"' }]);
  });

  it('a database that trusts another root: the validator\'s reason; the leaf is not in it', () => {
    const c = compareWithDatabase(provider, [pki.ecdsa.der, pki.root.der], storeOf([{ label: 'other', certificate: pki.otherRoot.der, trusted: true }]));
    assert.equal(c.trust.valid, false);
    assert.match(c.trust.reason ?? '', /^no trusted root: .*CN=Kyman Test Root/);
    assert.equal(databaseFindings(c)[0].text, 'the server\'s certificate is not in test.kdb');
  });
});
