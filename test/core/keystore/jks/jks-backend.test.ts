// Java keystores read as keytool wrote them: entries, trust, keys under both of Java's protections, and damage told from a wrong password.

import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { createSoftwareProvider } from '../../../../src/core/crypto/index.js';
import { KymanError } from '../../../../src/core/errors.js';
import { decodeModifiedUtf8 } from '../../../../src/core/keystore/jks/data-input.js';
import { entriesOf, jceksBackend, jksBackend, recoverEntryKey } from '../../../../src/core/keystore/jks/jks-backend.js';
import { javaKeyStoreFormat, peekJavaKeyStore } from '../../../../src/core/keystore/jks/keystore-file.js';
import { fixtureBytes } from '../../../helpers/fixtures.js';

const provider = createSoftwareProvider();
const STORE_PASS = 'jks-store-pass';
const KEY_PASS = 'jks-key-pass';

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof KymanError, String(e));
    return `${e.code}: ${e.message}`;
  }
  assert.fail('expected a KymanError');
};

/** The recovered key must be the private half of the entry's certificate. */
function assertKeyMatches(pkcs8: Uint8Array, certificate: Uint8Array): void {
  const fromKey = createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
  const fromCert = new X509Certificate(Buffer.from(certificate)).publicKey.export({ format: 'der', type: 'spki' });
  assert.deepEqual(fromKey, fromCert);
}

describe('keystore/jks/jks-backend', function () {
  this.timeout(30_000);

  it('tells JKS and JCEKS from their magic, and PKCS #12 from neither', () => {
    assert.equal(javaKeyStoreFormat(fixtureBytes('jks/store.jks')), 'jks');
    assert.equal(javaKeyStoreFormat(fixtureBytes('jks/store.jceks')), 'jceks');
    assert.equal(javaKeyStoreFormat(fixtureBytes('jks/store-keytool.p12')), undefined);
    assert.deepEqual(peekJavaKeyStore(fixtureBytes('jks/truststore.jks')), { format: 'jks', version: 2, entryCount: 2 });
  });

  it('lists a JKS as keytool wrote it: aliases (one outside ASCII), trusted CAs, keys with the chain after them, the first key the default', () => {
    const image = entriesOf(provider, fixtureBytes('jks/store.jks'), STORE_PASS, 'store.jks');
    const seen = image.entries.map((e) => [e.label, e.kind, e.trusted, e.isDefault]);
    assert.deepEqual(seen, [
      ['jks test root', 'certificate', true, false],
      ['rsa-server', 'key-pair', false, true],
      ['JKS Test Intermediate', 'certificate', false, false],
      ['zweite ca münchen €', 'certificate', true, false],
      ['ec-server', 'key-pair', false, false],
    ]);
  });

  it('recovers keys under Sun\'s JKS protector and JCEKS\'s PBEWithMD5AndTripleDES, each the private half of its certificate', () => {
    for (const [file, aliases] of [
      ['jks/store.jks', ['rsa-server', 'ec-server']],
      ['jks/store.jceks', ['jceks-server', 'ec-self']],
    ] as const) {
      const image = entriesOf(provider, fixtureBytes(file), STORE_PASS, file);
      for (const alias of aliases) {
        const entry = image.entries.find((e) => e.label === alias)!;
        assertKeyMatches(recoverEntryKey(provider, entry, STORE_PASS, {}, file), entry.certificate!);
      }
    }
  });

  it('asks for the key password of a key that has its own, and takes the store password for the others', () => {
    const image = entriesOf(provider, fixtureBytes('jks/keypass.jks'), STORE_PASS, 'keypass.jks');
    const own = image.entries.find((e) => e.label === 'own-pass')!;
    const plain = image.entries.find((e) => e.label === 'store-pass')!;
    assert.match(code(() => recoverEntryKey(provider, own, STORE_PASS, {}, 'keypass.jks')), /^BAD_PASSWORD: .*own-pass.*--jks-key-pass/);
    assert.match(code(() => recoverEntryKey(provider, own, STORE_PASS, { keyPassword: 'not it' }, 'keypass.jks')), /^BAD_PASSWORD: wrong key password/);
    assertKeyMatches(recoverEntryKey(provider, own, STORE_PASS, { keyPassword: KEY_PASS }, 'keypass.jks'), own.certificate!);
    // A key password given for one key does not stop the others opening with the store password.
    assertKeyMatches(recoverEntryKey(provider, plain, STORE_PASS, { keyPassword: KEY_PASS }, 'keypass.jks'), plain.certificate!);
  });

  it('leaves out JCEKS secret keys, saying so, and keeps the rest', () => {
    const notices: string[] = [];
    const image = entriesOf(provider, fixtureBytes('jks/store.jceks'), STORE_PASS, 'store.jceks', (m) => notices.push(m));
    assert.deepEqual(notices.map((n) => n.match(/"([^"]+)"/)?.[1]), ['aes-key', 'hmac-key']);
    assert.ok(notices.every((n) => /secret key/.test(n)));
    assert.deepEqual(image.entries.filter((e) => e.kind !== 'other').map((e) => e.label), ['jks test root', 'jceks-server', 'JKS Test Intermediate', 'ec-self']);
  });

  it('tells a wrong password from a damaged file', () => {
    assert.match(code(() => entriesOf(provider, fixtureBytes('jks/store.jks'), 'wrong', 'store.jks')), /^BAD_PASSWORD: /);
    assert.match(code(() => entriesOf(provider, fixtureBytes('jks/damaged-flipped.jks'), STORE_PASS, 'damaged-flipped.jks')), /^BAD_INPUT: .*damaged/);
    assert.match(code(() => entriesOf(provider, fixtureBytes('jks/damaged-truncated.jks'), STORE_PASS, 'damaged-truncated.jks')), /^BAD_INPUT: .*(cut short|damaged)/);
  });

  it('refuses to write a Java keystore, naming the conversion that does', () => {
    for (const backend of [jksBackend, jceksBackend]) {
      assert.match(backend.readOnly!('store.jks'), /reads but does not write.*kyman db convert store\.jks store\.p12/);
      assert.match(code(() => backend.encode(provider, { entries: [], meta: { format: backend.type, version: 2 } } as never, STORE_PASS, 'store.jks')), /^USAGE: /);
    }
  });

  it('decodes Java\'s modified UTF-8: NUL as C0 80, a character beyond the BMP as two three-byte surrogates', () => {
    const fail = () => new Error('bad');
    assert.equal(decodeModifiedUtf8(Uint8Array.of(0x61, 0xc0, 0x80, 0x62), fail), 'a\u0000b');
    assert.equal(decodeModifiedUtf8(Uint8Array.of(0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80), fail), '\u{1f600}');
    assert.equal(decodeModifiedUtf8(new TextEncoder().encode('münchen €'), fail), 'münchen €');
    assert.throws(() => decodeModifiedUtf8(Uint8Array.of(0x00), fail), /bad/);
    assert.throws(() => decodeModifiedUtf8(Uint8Array.of(0xe2, 0x82), fail), /bad/);
  });
});
