// CMS records kyman changes: renumbering, labels, flags, and kinds it carries without modelling.

import assert from 'node:assert/strict';
import * as asn1js from 'asn1js';
import { softwareProvider } from '../../../../src/core/crypto/software.js';
import {
  cmsKeyProtection,
  newCmsDatabase,
  readCmsDatabase,
  writeCmsDatabase,
  type CmsRecord,
} from '../../../../src/core/keystore/cms/index.js';
import { readKeyProtection } from '../../../../src/core/pki/pbe.js';
import { gskitBytes } from '../../../helpers/fixtures.js';

const provider = softwareProvider();
const mixed = () => readCmsDatabase(provider, gskitBytes('mixed.kdb'), 'password');

/** A record DER of a kind kyman does not model: SEQUENCE { INTEGER n, [tag] { OCTET STRING }, VisibleString, BIT STRING }. */
function rawRecord(n: number, tag: number, label: string, secret: Uint8Array): Uint8Array {
  return new Uint8Array(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: n }),
        new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: tag }, value: [new asn1js.OctetString({ valueHex: secret })] }),
        new asn1js.VisibleString({ value: label }),
        new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 }),
      ],
    }).toBER(),
  );
}

describe('CMS records', () => {
  it('deleting the first entry renumbers the rest (slot and DER), keeping every byte of their content', () => {
    const db = mixed();
    db.records.shift();
    const bytes = writeCmsDatabase(provider, db, 'password');
    const back = readCmsDatabase(provider, bytes, 'password', { verifyDigests: true });
    assert.deepEqual(
      back.records.map((r) => r.label),
      ['ec-keypair', 'trusted-root-ca', 'trusted-intermediate-ca'],
    );
    db.records.forEach((r, i) => {
      assert.deepEqual(back.records[i].certificate, r.certificate);
      assert.deepEqual(back.records[i].encryptedPrivateKey, r.encryptedPrivateKey);
    });
  });

  it('renames, and changes trust and default, as the slot and the DER both say', () => {
    const db = mixed();
    db.records[2] = { ...db.records[2], label: 'Racine de confiance – ü', trusted: false };
    db.records[0] = { ...db.records[0], isDefault: true };
    const back = readCmsDatabase(provider, writeCmsDatabase(provider, db, 'password'), 'password', { verifyDigests: true });
    assert.equal(back.records[2].label, 'Racine de confiance – ü');
    assert.equal(back.records[2].trusted, false);
    assert.equal(back.records[2].isDefault, false);
    assert.equal(back.records[0].trusted, true);
    assert.equal(back.records[0].isDefault, true);
  });

  it('carries flag bits beyond trusted and default', () => {
    const db = mixed();
    db.records[3] = { ...db.records[3], otherFlags: 2 ** 2 + 2 ** 9 };
    const back = readCmsDatabase(provider, writeCmsDatabase(provider, db, 'password'), 'password');
    assert.equal(back.records[3].otherFlags, 2 ** 2 + 2 ** 9);
    assert.equal(back.records[3].trusted, true);
    assert.equal(back.records[2].otherFlags, undefined);
  });

  for (const [tag, kind] of [
    [3, 'secret'],
    [0, 'request'],
    [9, 'unknown'],
  ] as const) {
    it(`a [${tag}] record comes back as kind "${kind}", its element and slot tail written back unchanged`, () => {
      const db = newCmsDatabase(provider);
      const secret = provider.random(32);
      const tail = new Uint8Array([0, 0, 0, 4, 1, 2, 3, 4]);
      const record: CmsRecord = { label: 'old', kind, raw: rawRecord(1, tag, 'old', secret), slotTail: tail, trusted: true, isDefault: false };
      db.records = [mixed().records[2], record];
      const first = readCmsDatabase(provider, writeCmsDatabase(provider, db, 'pw'), 'pw');
      const read = first.records[1];
      assert.equal(read.kind, kind);
      assert.equal(read.certificate, undefined);
      assert.deepEqual(read.slotTail, tail);
      assert.deepEqual(read.raw, rawRecord(2, tag, 'old', secret)); // renumbered: it is now record 2

      // Renamed and moved to the front: the DER follows, the [tag] element does not change.
      first.records = [{ ...read, label: 'new' }];
      const second = readCmsDatabase(provider, writeCmsDatabase(provider, first, 'pw'), 'pw');
      assert.equal(second.records[0].label, 'new');
      assert.deepEqual(second.records[0].raw, rawRecord(1, tag, 'new', secret));
      assert.deepEqual(second.records[0].slotTail, tail);
    });
  }

  it('a raw record with no slot tail gets five empty digest pairs', () => {
    const db = newCmsDatabase(provider);
    db.records = [{ label: 's', kind: 'secret', raw: rawRecord(1, 3, 's', new Uint8Array(16)), trusted: false, isDefault: false }];
    const back = readCmsDatabase(provider, writeCmsDatabase(provider, db, 'pw'), 'pw');
    // Five (u32 20, 20 zero bytes): trailing zeros are padding, so the tail kept is up to the last 0x14.
    assert.deepEqual(back.records[0].slotTail, new Uint8Array([0, 0, 0, 20, ...new Uint8Array(20), 0, 0, 0, 20, ...new Uint8Array(20), 0, 0, 0, 20, ...new Uint8Array(20), 0, 0, 0, 20, ...new Uint8Array(20), 0, 0, 0, 20]));
  });

  it('new databases can be request databases (X509KYP) and CRL files (X509CRL)', () => {
    for (const fileType of ['request', 'crl'] as const) {
      const bytes = writeCmsDatabase(provider, newCmsDatabase(provider, { fileType, recordLength: 8000 }), 'pw');
      assert.deepEqual([...bytes.subarray(0, 4)], [0x37, 0x48, 0x06, 0x01]);
      assert.equal(Buffer.from(bytes.subarray(8, 16)).toString('latin1'), fileType === 'request' ? 'X509KYP\0' : 'X509CRL\0');
      const back = readCmsDatabase(provider, bytes, 'pw');
      assert.equal(back.fileType, fileType);
      assert.equal(back.recordLength, 8000);
    }
  });

  it('cmsKeyProtection keeps each version\'s own key scheme', () => {
    assert.deepEqual(cmsKeyProtection(6), { scheme: 'pbes2', prf: 'SHA-384', cipher: 'AES-256-CBC', iterations: 4096, saltLength: 20 });
    assert.deepEqual(cmsKeyProtection(4), { scheme: 'pkcs12-3des', iterations: 10, saltLength: 20 });
    assert.deepEqual(cmsKeyProtection(3), { scheme: 'pbes1-md5-des', iterations: 5 });
    // The v6 choice is what ikeyman wrote in the fixture.
    const ikeyman = readCmsDatabase(provider, gskitBytes('ikeyman-v6.kdb'), 'mq-lab');
    assert.deepEqual(readKeyProtection(ikeyman.records[0].encryptedPrivateKey!), cmsKeyProtection(6));
  });

  it('the password is taken as UTF-8', () => {
    const db = mixed();
    const bytes = writeCmsDatabase(provider, db, 'pässwörd');
    assert.equal(readCmsDatabase(provider, bytes, 'pässwörd').records.length, 4);
  });
});
