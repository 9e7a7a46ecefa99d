import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { createSoftwareProvider } from '../../../src/core/crypto/index.js';
import { KymanError } from '../../../src/core/errors.js';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo, readKeyProtection } from '../../../src/core/pki/pbe.js';
import { type Pkcs12Bag, type Pkcs12WriteOptions, isPkcs12, readPkcs12, writePkcs12 } from '../../../src/core/pki/pkcs12.js';
import { childrenOf, readOid, readTlv, type Tlv } from '../../../src/core/der/reader.js';
import { OID } from '../../../src/core/der/oids.js';
import * as DER from '../../../src/core/der/writer.js';
import { fixtureBytes } from '../../helpers/fixtures.js';
import { kymanBags as bagsOf, pkcs12Material } from '../../helpers/pkcs12-material.js';
import { seededProvider } from '../../helpers/seeded-provider.js';

const provider = createSoftwareProvider();
const isCode = (code: string) => (e: unknown) => e instanceof KymanError && e.code === code;

function spkiOfPkcs8(pkcs8: Uint8Array): Buffer {
  return nodeCrypto.createPublicKey(nodeCrypto.createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
}
const spkiOfCert = (der: Uint8Array) => new nodeCrypto.X509Certificate(der).publicKey.export({ format: 'der', type: 'spki' });

describe('PKCS #12', () => {
  const { leaf, ca, leafKey } = pkcs12Material();
  const kymanBags = () => bagsOf({ leaf, ca, leafKey });
  /** A store OpenSSL wrote of the leaf, its key and the CA (see fixtures/README.md for how each was made). */
  const opensslMade = (name: string) => fixtureBytes(`openssl/p12-${name}`);

  /** The checks every OpenSSL-made file must pass: certificates, name, pairing, key. */
  function checkOpensslBags(bags: Pkcs12Bag[], password: string) {
    const certs = bags.filter((b) => b.type === 'certificate');
    const keys = bags.filter((b) => b.type === 'key');
    assert.deepEqual(certs.map((b) => b.data), [leaf, ca]);
    assert.equal(keys.length, 1);
    assert.equal(certs[0].friendlyName, 'my leaf');
    assert.equal(keys[0].friendlyName, 'my leaf');
    assert.ok(keys[0].localKeyId && keys[0].localKeyId.length > 0);
    assert.deepEqual(keys[0].localKeyId, certs[0].localKeyId);
    assert.equal(certs[1].localKeyId, undefined);
    assert.equal(keys[0].encrypted, true);
    const pkcs8 = decryptPrivateKeyInfo(provider, keys[0].data, password);
    assert.deepEqual(spkiOfPkcs8(pkcs8), spkiOfCert(leaf));
    return keys[0];
  }

  describe('reads what others write', () => {
    it('openssl pkcs12 -export (PBES2 AES-256, SHA-256 MAC)', () => {
      const p12 = opensslMade('default.p12');
      assert.equal(isPkcs12(p12), true);
      const r = readPkcs12(provider, p12, 'secret');
      assert.equal(r.integrity, 'mac');
      assert.equal(r.macAlgorithm, 'SHA-256');
      assert.equal(r.legacy, false);
      const key = checkOpensslBags(r.bags, 'secret');
      assert.equal(readKeyProtection(key.data).scheme, 'pbes2');
    });

    it('openssl pkcs12 -export -legacy (RC2-40 and 3DES, SHA-1 MAC)', () => {
      const r = readPkcs12(provider, opensslMade('legacy.p12'), 'secret');
      assert.equal(r.macAlgorithm, 'SHA-1');
      assert.equal(r.legacy, true);
      const key = checkOpensslBags(r.bags, 'secret');
      assert.equal(readKeyProtection(key.data).scheme, 'pkcs12-3des');
    });

    it('openssl with a SHA-512 MAC, AES-128 certificates and a 3DES key', () => {
      const p12 = opensslMade('mixed.p12');
      const r = readPkcs12(provider, p12, 'secret');
      assert.equal(r.macAlgorithm, 'SHA-512');
      assert.equal(r.legacy, true);
      checkOpensslBags(r.bags, 'secret');
    });

    it('openssl -nomac: no integrity; a wrong password shows where something is encrypted', () => {
      // Without -certpbe, -nomac leaves the certificates in plain data: only the key tells.
      const plainCerts = opensslMade('nomac.p12');
      const r = readPkcs12(provider, plainCerts, 'secret');
      assert.equal(r.integrity, 'none');
      assert.equal(r.macAlgorithm, undefined);
      checkOpensslBags(r.bags, 'secret');
      const key = readPkcs12(provider, plainCerts, 'Secret').bags.find((b) => b.type === 'key')!;
      assert.throws(() => decryptPrivateKeyInfo(provider, key.data, 'Secret'), isCode('BAD_PASSWORD'));
      // With encrypted certificates the wrong password fails on reading.
      const encryptedCerts = opensslMade('nomac-enc.p12');
      checkOpensslBags(readPkcs12(provider, encryptedCerts, 'secret').bags, 'secret');
      assert.throws(() => readPkcs12(provider, encryptedCerts, 'Secret'), isCode('BAD_PASSWORD'));
    });

    it('an encryptedData safe whose content is a BER constructed OCTET STRING, in chunks', () => {
      // openssl's -nomac file with encrypted certificates, its encryptedData's content rewritten as 16-byte chunks.
      const der = opensslMade('nomac-enc.p12');
      const chunked = rewriteEncryptedContent(der, (content) => {
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < content.length; i += 16) chunks.push(DER.octetString(content.subarray(i, i + 16)));
        return DER.tlv(0xa0, ...chunks);
      });
      assert.notDeepEqual(chunked, der);
      checkOpensslBags(readPkcs12(provider, chunked, 'secret').bags, 'secret');
    });

    it('an empty password and a non-ASCII one', () => {
      checkOpensslBags(readPkcs12(provider, opensslMade('empty.p12'), '').bags, '');
      // OpenSSL takes the UTF-8 password to a BMPString; so do we.
      checkOpensslBags(readPkcs12(provider, opensslMade('utf8.p12'), 'pässwörd€').bags, 'pässwörd€');
    });

    it('keytool -genkeypair and -importcert (PKCS12 store, trusted certificate attribute)', () => {
      const javaCer = fixtureBytes('keytool/java.cer');
      const r = readPkcs12(provider, fixtureBytes('keytool/java.p12'), 'changeit');
      assert.equal(r.integrity, 'mac');
      const key = r.bags.find((b) => b.type === 'key')!;
      const javaCert = r.bags.find((b) => b.type === 'certificate' && b.friendlyName === 'javakey')!;
      const trusted = r.bags.find((b) => b.type === 'certificate' && b.friendlyName === 'the ca')!;
      assert.equal(key.friendlyName, 'javakey');
      assert.deepEqual(key.localKeyId, javaCert.localKeyId);
      assert.deepEqual(javaCert.data, javaCer);
      assert.deepEqual(spkiOfPkcs8(decryptPrivateKeyInfo(provider, key.data, 'changeit')), spkiOfCert(javaCert.data));
      assert.deepEqual(trusted.data, ca);
      assert.deepEqual(trusted.trustedUsage, ['2.5.29.37.0']);
      assert.equal(javaCert.trustedUsage, undefined);
    });

    it('certtool --to-p12 (each certificate in an encrypted bag of its own, the name on the key alone)', () => {
      const r = readPkcs12(provider, fixtureBytes('gnutls/leaf.p12'), 'gnutls-pass');
      assert.equal(r.integrity, 'mac');
      const certs = r.bags.filter((b) => b.type === 'certificate');
      const keys = r.bags.filter((b) => b.type === 'key');
      assert.deepEqual(certs.map((b) => new nodeCrypto.X509Certificate(b.data).subject), ['O=Example\nCN=gnutls.example', 'O=Example\nCN=GnuTLS Test CA']);
      assert.equal(keys.length, 1);
      assert.equal(keys[0].friendlyName, 'gnutls leaf');
      assert.deepEqual(spkiOfPkcs8(decryptPrivateKeyInfo(provider, keys[0].data, 'gnutls-pass')), spkiOfCert(certs[0].data));
      assert.equal(readKeyProtection(keys[0].data).scheme, 'pbes2');
      assert.throws(() => readPkcs12(provider, fixtureBytes('gnutls/leaf.p12'), 'wrong'), isCode('BAD_PASSWORD'));
    });

    it('a PBMAC1 file (RFC 9579 Appendix A.1, password 1234)', () => {
      const der = new Uint8Array(Buffer.from(RFC9579_A1.join(''), 'base64'));
      const r = readPkcs12(provider, der, '1234');
      assert.equal(r.macAlgorithm, 'PBMAC1-SHA-256');
      const cert = r.bags.find((b) => b.type === 'certificate')!;
      const key = r.bags.find((b) => b.type === 'key')!;
      assert.deepEqual(spkiOfPkcs8(decryptPrivateKeyInfo(provider, key.data, '1234')), spkiOfCert(cert.data));
      assert.throws(() => readPkcs12(provider, der, '4321'), isCode('BAD_PASSWORD'));
    });
  });

  describe('writes what it reads', () => {
    it('round-trips bags: plain keys get encrypted, encrypted ones pass through untouched', () => {
      const shrouded = encryptPrivateKeyInfo(provider, leafKey, 'secret', { scheme: 'pbes1-md5-des', iterations: 7 });
      const bags: Pkcs12Bag[] = [...kymanBags(), { type: 'key', data: shrouded, encrypted: true, friendlyName: 'second' }];
      const r = readPkcs12(provider, writePkcs12(provider, bags, 'secret'), 'secret');
      const keys = r.bags.filter((b) => b.type === 'key');
      const certs = r.bags.filter((b) => b.type === 'certificate');
      assert.deepEqual(certs, bags.filter((b) => b.type === 'certificate'));
      assert.equal(keys.length, 2);
      assert.equal(keys[0].friendlyName, 'my leaf');
      assert.deepEqual(keys[0].localKeyId, new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
      assert.deepEqual(decryptPrivateKeyInfo(provider, keys[0].data, 'secret'), leafKey);
      assert.deepEqual(readKeyProtection(keys[0].data), { scheme: 'pbes2', prf: 'SHA-256', cipher: 'AES-256-CBC', iterations: 2048, saltLength: 8 });
      assert.deepEqual(keys[1].data, shrouded);
      assert.equal(r.legacy, true); // the PBES1 key
    });

    it('keeps a store of many entries in order', () => {
      const shrouded = encryptPrivateKeyInfo(provider, leafKey, 'pw', { scheme: 'pbes2', prf: 'SHA-256', cipher: 'AES-256-CBC', iterations: 1, saltLength: 8 });
      const bags: Pkcs12Bag[] = [];
      for (let i = 0; i < 300; i++) {
        const id = new Uint8Array([i >> 8, i & 0xff]);
        bags.push({ type: 'key', data: shrouded, encrypted: true, friendlyName: `entry ${i}`, localKeyId: id });
        bags.push({ type: 'certificate', data: i % 2 ? leaf : ca, friendlyName: `entry ${i}`, localKeyId: id });
      }
      const r = readPkcs12(provider, writePkcs12(provider, bags, 'pw'), 'pw');
      const names = (t: string, list: Pkcs12Bag[]) => list.filter((b) => b.type === t).map((b) => b.friendlyName);
      assert.deepEqual(names('certificate', r.bags), names('certificate', bags));
      assert.deepEqual(names('key', r.bags), names('key', bags));
    });
  });

  describe('what it writes, byte for byte', () => {
    // SHA-256 of what an earlier release wrote of the same bags with the seeded provider (the
    // same salts and IVs): any change in the encoding of a bag, an attribute, a safe, the MAC
    // data or the PFX shows here. The round trips above and openssl (pkcs12.integration) check
    // that the bytes are right; this checks that they stay the same.
    const id = new Uint8Array([1, 2, 3, 4]);
    const cases: [string, () => Pkcs12Bag[], string, Pkcs12WriteOptions, string][] = [
      ['key, leaf and trusted CA', kymanBags, 'secret', {}, 'e03f07a1fcc01f99c0dbaa08efc813e13e6b95d37220e508d30cd877db90c05c'],
      ['the same, legacy', kymanBags, 'secret', { legacy: true }, '8576581cbd33830ae05d29b03157a4b0b27af5e34ee908a817e7dc7ec4402594'],
      ['the same, empty password, 1 iteration', kymanBags, '', { iterations: 1 }, 'b2ed49bfa923491826013887386500ec3efbac70b6c3d499f89ae6c3f4a76a5a'],
      ['one certificate', () => [{ type: 'certificate', data: ca }], 'pw', {}, '8d8912e708d47311e82765b801c15c5c3ac21a76153407ed333a45a5f65e3da0'],
      [
        'one key encrypted already',
        () => [{ type: 'key', data: encryptPrivateKeyInfo(seededProvider(), leafKey, 'pw', { scheme: 'pbes2', prf: 'SHA-1', cipher: 'AES-128-CBC', iterations: 1, saltLength: 8 }), friendlyName: 'k', localKeyId: id }],
        'pw',
        {},
        'c1bb1ab941471688cc81b7c10b63067359dec48bdb7e9d8ef595ef4f34dd761f',
      ],
      [
        'a non-BMP name, a 300-byte key id, three trusted usages out of order, an empty name',
        () => [
          { type: 'certificate', data: leaf, friendlyName: 'Grüße € 𝄞 ÿ', localKeyId: new Uint8Array(300).fill(7), trustedUsage: ['2.5.29.37.0', '1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'] },
          { type: 'key', data: leafKey, friendlyName: '' },
        ],
        'pässwörd€',
        {},
        '007297053af283622cd12f0d79e37870787b54539821b11e1f9ddd7cbd353e62',
      ],
      ['forty certificates', () => Array.from({ length: 40 }, (_, i) => ({ type: 'certificate' as const, data: i % 2 ? leaf : ca, friendlyName: `entry ${i}` })), 'pw', { iterations: 3 }, 'd72daf44ac369f56382ce546b17b8c09318a6eaf33d28812ef5728b2018e86bf'],
    ];
    for (const [what, bags, password, options, sha256] of cases) {
      it(what, () => {
        const p12 = writePkcs12(seededProvider(), bags(), password, options);
        assert.equal(nodeCrypto.createHash('sha256').update(p12).digest('hex'), sha256);
        assert.equal(readPkcs12(provider, p12, password).bags.length, bags().length);
      });
    }
  });

  describe('bad input', () => {
    it('a wrong password is BAD_PASSWORD', () => {
      const p12 = writePkcs12(provider, [{ type: 'certificate', data: ca }], 'right');
      assert.throws(() => readPkcs12(provider, p12, 'wrong'), (e: unknown) => isCode('BAD_PASSWORD')(e) && /wrong password/.test((e as Error).message));
      assert.throws(() => readPkcs12(provider, p12, ''), isCode('BAD_PASSWORD'));
    });

    it('garbage, truncation and other files are BAD_INPUT, never a raw parser error', () => {
      const p12 = writePkcs12(provider, [{ type: 'certificate', data: ca }], 'pw');
      for (const bad of [new Uint8Array(0), new Uint8Array([1, 2, 3]), p12.subarray(0, p12.length - 30), p12.subarray(0, 40), ca]) {
        assert.throws(() => readPkcs12(provider, bad, 'pw'), isCode('BAD_INPUT'));
      }
      assert.equal(isPkcs12(ca), false);
      assert.equal(isPkcs12(new TextEncoder().encode('-----BEGIN CERTIFICATE-----')), false);
    });

    it('refuses to write bags that are not what they say', () => {
      assert.throws(() => writePkcs12(provider, [{ type: 'certificate', data: new Uint8Array([1, 2]) }], 'pw'), isCode('BAD_INPUT'));
      assert.throws(() => writePkcs12(provider, [{ type: 'key', data: new Uint8Array([0x30, 0]), encrypted: true }], 'pw'), isCode('BAD_INPUT'));
      assert.throws(() => writePkcs12(provider, [{ type: 'key', data: new Uint8Array([0x30, 0]), encrypted: false }], 'pw'), isCode('BAD_INPUT'));
    });

    it('a damaged byte inside is caught by the MAC', () => {
      const p12 = writePkcs12(provider, [{ type: 'certificate', data: ca }], 'pw').slice();
      p12[p12.length - 60] ^= 1;
      assert.throws(() => readPkcs12(provider, p12, 'pw'), (e: unknown) => e instanceof KymanError && (e.code === 'BAD_PASSWORD' || e.code === 'BAD_INPUT'));
    });
  });
});

// RFC 9579 Appendix A.1: a PKCS #12 file with a PBMAC1 (HMAC-SHA-256, PBKDF2-HMAC-SHA-256) MAC.
const RFC9579_A1 = [
  'MIIKigIBAzCCCgUGCSqGSIb3DQEHAaCCCfYEggnyMIIJ7jCCBGIGCSqGSIb3DQEH',
  'BqCCBFMwggRPAgEAMIIESAYJKoZIhvcNAQcBMFcGCSqGSIb3DQEFDTBKMCkGCSqG',
  'SIb3DQEFDDAcBAg9pxXxY2yscwICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQME',
  'ASoEEK7yYaFQDi1pYwWzm9F/fs+AggPgFIT2XapyaFgDppdvLkdvaF3HXw+zjzKb',
  '7xFC76DtVPhVTWVHD+kIss+jsj+XyvMwY0aCuAhAG/Dig+vzWomnsqB5ssw5/kTb',
  '+TMQ5PXLkNeoBmB6ArKeGc/QmCBQvQG/a6b+nXSWmxNpP+71772dmWmB8gcSJ0kF',
  'Fj75NrIbmNiDMCb71Q8gOzBMFf6BpXf/3xWAJtxyic+tSNETfOJa8zTZb0+lV0w9',
  '5eUmDrPUpuxEVbb0KJtIc63gRkcfrPtDd6Ii4Zzbzj2Evr4/S4hnrQBsiryVzJWy',
  'IEjaD0y6+DmG0JwMgRuGi1wBoGowi37GMrDCOyOZWC4n5wHLtYyhR6JaElxbrhxP',
  'H46z2USLKmZoF+YgEQgYcSBXMgP0t36+XQocFWYi2N5niy02TnctwF430FYsQlhJ',
  'Suma4I33E808dJuMv8T/soF66HsD4Zj46hOf4nWmas7IaoSAbGKXgIa7KhGRJvij',
  'xM3WOX0aqNi/8bhnxSA7fCmIy/7opyx5UYJFWGBSmHP1pBHBVmx7Ad8SAsB9MSsh',
  'nbGjGiUk4h0QcOi29/M9WwFlo4urePyI8PK2qtVAmpD3rTLlsmgzguZ69L0Q/CFU',
  'fbtqsMF0bgEuh8cfivd1DYFABEt1gypuwCUtCqQ7AXK2nQqOjsQCxVz9i9K8NDeD',
  'aau98VAl0To2sk3/VR/QUq0PRwU1jPN5BzUevhE7SOy/ImuJKwpGqqFljYdrQmj5',
  'jDe+LmYH9QGVRlfN8zuU+48FY8CAoeBeHn5AAPml0PYPVUnt3/jQN1+v+CahNVI+',
  'La8q1Nen+j1R44aa2I3y/pUgtzXRwK+tPrxTQbG030EU51LYJn8amPWmn3w75ZIA',
  'MJrXWeKj44de7u4zdUsEBVC2uM44rIHM8MFjyYAwYsey0rcp0emsaxzar+7ZA67r',
  'lDoXvvS3NqsnTXHcn3T9tkPRoee6L7Dh3x4Od96lcRwgdYT5BwyH7e34ld4VTUmJ',
  'bDEq7Ijvn4JKrwQJh1RCC+Z/ObfkC42xAm7G010u3g08xB0Qujpdg4a7VcuWrywF',
  'c7hLNquuaF4qoDaVwYXHH3iuX6YlJ/3siTKbYCVXPEZOAMBP9lF/OU76UMJBQNfU',
  '0xjDx+3AhUVgnGuCsmYlK6ETDp8qOZKGyV0KrNSGtqLx3uMhd7PETeW+ML3tDQ/0',
  'X9fMkcZHi4C2fXnoHV/qa2dGhBj4jjQ0Xh1poU6mxGn2Mebe2hDsBZkkBpnn7pK4',
  'wP/VqXdQTwqEuvzGHLVFsCuADe40ZFBmtBrf70wG7ZkO8SUZ8Zz1IX3+S024g7yj',
  'QRev/6x6TtkwggWEBgkqhkiG9w0BBwGgggV1BIIFcTCCBW0wggVpBgsqhkiG9w0B',
  'DAoBAqCCBTEwggUtMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhTxzw+',
  'VptrYAICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEK9nSqc1I2t4tMVG',
  'bWHpdtQEggTQzCwI7j34gCTvfj6nuOSndAjShGv7mN2j7WMV0pslTpq2b9Bn3vn1',
  'Y0JMvL4E7sLrUzNU02pdOcfCnEpMFccNv2sQrLp1mOCKxu8OjSqHZLoKVL0ROVsZ',
  '8dMECLLigDlPKRiSyLErl14tErX4/zbkUaWMROO28kFbTbubQ8YoHlRUwsKW1xLg',
  'vfi0gRkG/zHXRfQHjX/8NStv7hXlehn7/Gy2EKPsRFhadm/iUHAfmCMkMgHTU248',
  'JER9+nsXltd59H+IeDpj/kbxZ+YvHow9XUZKu828d3MQnUpLZ1BfJGhMBPVwbVUD',
  'A40CiQBVdCoGtPJyalL28xoS3H0ILFCnwQOr6u0HwleNJPGHq78HUyH6Hwxnh0b0',
  '5o163r6wTFZn5cMOxpbs/Ttd+3TrxmrYpd2XnuRme3cnaYJ0ILvpc/8eLLR7SKjD',
  'T4JhZ0h/CfcV2WWvhpQugkY0pWrZ+EIMneB1dZB96mJVLxOi148OeSgi0PsxZMNi',
  'YM33rTpwQT5WqOsEyDwUQpne5b8Kkt/s7EN0LJNnPyJJRL1LcqOdr6j+6YqRtPa7',
  'a9oWJqMcuTP+bqzGRJh+3HDlFBw2Yzp9iadv4KmB2MzhStLUoi2MSjvnnkkd5Led',
  'sshAd6WbKfF7kLAHQHT4Ai6dMEO4EKkEVF9JBtxCR4JEn6C98Lpg+Lk+rfY7gHOf',
  'ZxtgGURwgXRY3aLUrdT55ZKgk3ExVKPzi5EhdpAau7JKhpOwyKozAp/OKWMNrz6h',
  'obu2Mbn1B+IA60psYHHxynBgsJHv7WQmbYh8HyGfHgVvaA8pZCYqxxjpLjSJrR8B',
  'Bu9H9xkTh7KlhxgreXYv19uAYbUd95kcox9izad6VPnovgFSb+Omdy6PJACPj6hF',
  'W6PJbucP0YPpO0VtWtQdZZ3df1P0hZ7qvKwOPFA+gKZSckgqASfygiP9V3Zc8jIi',
  'wjNzoDM2QT+UUJKiiGYXJUEOO9hxzFHlGj759DcNRhpgl5AgR57ofISD9yBuCAJY',
  'PQ/aZHPFuRTrcVG3RaIbCAS73nEznKyFaLOXfzyfyaSmyhsH253tnyL1MejC+2bR',
  'Eko/yldgFUxvU5JI+Q3KJ6Awj+PnduHXx71E4UwSuu2xXYMpxnQwI6rroQpZBX82',
  'HhqgcLV83P8lpzQwPdHjH5zkoxmWdC0+jU/tcQfNXYpJdyoaX7tDmVclLhwl9ps/',
  'O841pIsNLJWXwvxG6B+3LN/kw4QjwN194PopiOD7+oDm5mhttO78CrBrRxHMD/0Q',
  'qniZjKzSZepxlZq+J792u8vtMnuzzChxu0Bf3PhIXcJNcVhwUtr0yKe/N+NvC0tm',
  'p8wyik/BlndxN9eKbdTOi2wIi64h2QG8nOk66wQ/PSIJYwZl6eDNEQSzH/1mGCfU',
  'QnUT17UC/p+Qgenf6Auap2GWlvsJrB7u/pytz65rtjt/ouo6Ih6EwWqwVVpGXZD0',
  '7gVWH0Ke/Vr6aPGNvkLcmftPuDZsn9jiig3guhdeyRVf10Ox369kKWcG75q77hxE',
  'IzSzDyUlBNbnom9SIjut3r+qVYmWONatC6q/4D0I42Lnjd3dEyZx7jmH3g/S2ASM',
  'FzWr9pvXc61dsYOkdZ4PYa9XPUZxXFagZsoS3F1sU799+IJVU0tC0MExJTAjBgkq',
  'hkiG9w0BCRUxFgQUwWO5DorvVWYF3BWUmAw0rUEajScwfDBtMEkGCSqGSIb3DQEF',
  'DjA8MCwGCSqGSIb3DQEFDDAfBAhvRzw4sC4xcwICCAACASAwDAYIKoZIhvcNAgkF',
  'ADAMBggqhkiG9w0CCQUABCB6pW2FOdcCNj87zS64NUXG36K5aXDnFHctIk5Bf4kG',
  '3QQITk9UIFVTRUQCAQE='
];

/**
 * A PFX without a MAC with its encryptedData safe's content ([0] IMPLICIT OCTET STRING, primitive)
 * replaced by what `encode` makes of the bytes, every enclosing length written anew.
 */
function rewriteEncryptedContent(pfx: Uint8Array, encode: (content: Uint8Array) => Uint8Array): Uint8Array {
  const raw = (t: Tlv) => pfx.subarray(t.start, t.end);
  const [version, authSafe] = childrenOf(pfx, readTlv(pfx, 0));
  const [dataOid, explicit] = childrenOf(pfx, authSafe);
  const octets = childrenOf(pfx, explicit)[0];
  const safes = childrenOf(pfx, readTlv(pfx, octets.valueStart, octets.end)).map((ci) => {
    const [oid, inner] = childrenOf(pfx, ci);
    if (readOid(pfx, oid) !== OID.id_encryptedData) return raw(ci);
    const [edVersion, eci] = childrenOf(pfx, childrenOf(pfx, inner)[0]);
    const [contentType, algorithm, content] = childrenOf(pfx, eci);
    const rewritten = DER.sequence(raw(edVersion), DER.sequence(raw(contentType), raw(algorithm), encode(pfx.subarray(content.valueStart, content.end))));
    return DER.sequence(raw(oid), DER.tlv(0xa0, rewritten));
  });
  return DER.sequence(raw(version), DER.sequence(raw(dataOid), DER.tlv(0xa0, DER.octetString(DER.sequence(...safes)))));
}
