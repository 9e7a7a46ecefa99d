// Every IBM-written CMS file in the fixtures opens, lists what the format facts say it holds,
// gives up its keys, and is written back byte for byte.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { softwareProvider } from '../../../../src/core/crypto/software.js';
import {
  isCmsFile,
  peekCmsHeader,
  readCmsDatabase,
  recordSize,
  writeCmsDatabase,
  type CmsDatabase,
} from '../../../../src/core/keystore/cms/index.js';
import { readStash } from '../../../../src/core/keystore/stash.js';
import { decryptPrivateKeyInfo, readKeyProtection } from '../../../../src/core/pki/pbe.js';
import { gskit, gskitBytes } from '../../../helpers/fixtures.js';

const fixture = gskitBytes;
const provider = softwareProvider();

const ZOS_CAS = [
  'VeriSign Class 1 Public Primary CA',
  'VeriSign Class 2 Public Primary CA',
  'VeriSign Class 3 Public Primary CA',
  'Thawte Server CA',
  'Thawte Premium Server CA',
  'Thawte Personal Basic CA',
  'Thawte Personal Freemail CA',
  'Thawte Personal Premium CA',
  'VeriSign Class 1 Public Primary CA - G2',
  'VeriSign Class 2 Public Primary CA - G2',
  'VeriSign Class 3 Public Primary CA - G2',
  'VeriSign Class 4 Public Primary CA - G2',
  'VeriSign Class 1 Public Primary CA - G3',
  'VeriSign Class 2 Public Primary CA - G3',
  'VeriSign Class 3 Public Primary CA - G3',
  'VeriSign Class 4 Public Primary CA - G3',
  'VeriSign Class 3 Public Primary CA - G5',
];

interface Expected {
  file: string;
  stash: string;
  password: string;
  stashSize: number;
  version: 3 | 4 | 6;
  fileType: 'key' | 'request';
  /** label → has a key */
  entries: [string, boolean][];
}

const EXPECTED: Expected[] = [
  {
    file: 'mixed.kdb',
    stash: 'mixed.sth',
    password: 'password',
    stashSize: 193,
    version: 6,
    fileType: 'key',
    entries: [
      ['rsa-keypair', true],
      ['ec-keypair', true],
      ['trusted-root-ca', false],
      ['trusted-intermediate-ca', false],
    ],
  },
  {
    file: 'chained.kdb',
    stash: 'chained.sth',
    password: 'password',
    stashSize: 193,
    version: 6,
    fileType: 'key',
    entries: [
      ['root-ca', false],
      ['intermediate-ca', false],
      ['server-cert', true],
    ],
  },
  { file: 'empty.kdb', stash: 'empty.sth', password: 'password', stashSize: 193, version: 6, fileType: 'key', entries: [] },
  {
    file: 'ikeyman-v6.kdb',
    stash: 'ikeyman-v6.sth',
    password: 'mq-lab',
    stashSize: 193,
    version: 6,
    fileType: 'key',
    entries: [['ibmwebspheremqlabmq', true]],
  },
  { file: 'ikeyman-v6.rdb', stash: 'ikeyman-v6.sth', password: 'mq-lab', stashSize: 193, version: 3, fileType: 'request', entries: [] },
  {
    file: 'ihs-v4.kdb',
    stash: 'ihs-v4.sth',
    password: '1qaz2wsx',
    stashSize: 193,
    version: 4,
    fileType: 'key',
    entries: [['localhost', true]],
  },
  { file: 'ihs-v4.rdb', stash: 'ihs-v4.sth', password: '1qaz2wsx', stashSize: 193, version: 3, fileType: 'request', entries: [] },
  {
    file: 'zos-v3.kdb',
    stash: 'zos-v3.sth',
    password: 'password',
    stashSize: 129,
    version: 3,
    fileType: 'key',
    entries: [...ZOS_CAS.map((label): [string, boolean] => [label, false]), ['server', true], ['client', true]],
  },
  { file: 'zos-v3.rdb', stash: 'zos-v3.sth', password: 'password', stashSize: 129, version: 3, fileType: 'request', entries: [] },
];

/** SubjectPublicKeyInfo DER of a certificate, re-encoded by asn1-schema (as the provider's SPKI is). */
function spkiOf(certificate: Uint8Array): Uint8Array {
  const cert = AsnConvert.parse(certificate, Certificate);
  return new Uint8Array(AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo));
}

describe('CMS key databases written by IBM tools', () => {
  for (const e of EXPECTED) {
    describe(e.file, () => {
      let db: CmsDatabase;
      const bytes = fixture(e.file);

      it(`opens with the password in ${e.stash} (a v${e.stashSize === 129 ? 1 : 8} stash)`, () => {
        const stash = fixture(e.stash);
        assert.equal(stash.length, e.stashSize);
        const password = readStash(provider, stash);
        assert.equal(password, e.password);
        db = readCmsDatabase(provider, bytes, password, { name: e.file, verifyDigests: true });
        assert.equal(db.version, e.version);
        assert.equal(db.fileType, e.fileType);
        assert.equal(db.recordLength, 5000);
        assert.equal(db.salt.length, 24);
      });

      it('sniffs as a CMS file and its header can be read without the password', () => {
        assert.equal(isCmsFile(bytes), true);
        assert.deepEqual(peekCmsHeader(bytes), {
          version: e.version,
          fileType: e.fileType,
          recordLength: 5000,
          recordCount: e.entries.length,
        });
      });

      it(`lists exactly its ${e.entries.length} entries, in file order, with their keys`, () => {
        assert.deepEqual(
          db.records.map((r) => [r.label, r.encryptedPrivateKey !== undefined]),
          e.entries,
        );
        for (const r of db.records) {
          assert.equal(r.kind, r.encryptedPrivateKey ? 'key-pair' : 'certificate');
          assert.ok(r.certificate && r.certificate.length > 0);
          // Every IBM record has flag bit 0 set (07 80, or 06 C0 from ikeyman).
          assert.equal(r.trusted, true);
          assert.equal(r.isDefault, e.file === 'ikeyman-v6.kdb');
          assert.equal(r.raw, undefined);
          assert.ok(recordSize(r, db.records.indexOf(r) + 1) <= db.recordLength);
        }
      });

      if (e.entries.some(([, key]) => key)) {
        it('decrypts every private key, and each matches its certificate', () => {
          for (const r of db.records.filter((x) => x.encryptedPrivateKey)) {
            const pkcs8 = decryptPrivateKeyInfo(provider, r.encryptedPrivateKey!, e.password);
            const key = provider.importPrivateKey(pkcs8);
            assert.deepEqual(key.spki, spkiOf(r.certificate!), `key of ${r.label}`);
          }
        });

        it('holds its keys in the scheme the format facts give for its writer', () => {
          const schemes = db.records.filter((x) => x.encryptedPrivateKey).map((x) => readKeyProtection(x.encryptedPrivateKey!));
          for (const s of schemes) {
            if (e.file === 'ikeyman-v6.kdb') assert.deepEqual(s, { scheme: 'pbes2', prf: 'SHA-384', cipher: 'AES-256-CBC', iterations: 4096, saltLength: 20 });
            else if (e.version === 6) assert.deepEqual(s, { scheme: 'pbes2', prf: 'SHA-384', cipher: 'AES-256-CBC', iterations: 5, saltLength: 8 });
            else if (e.version === 4) assert.deepEqual(s, { scheme: 'pkcs12-3des', iterations: 10, saltLength: 20 });
            else assert.deepEqual(s, { scheme: 'pbes1-md5-des', iterations: 5 });
          }
        });
      }

      it('is written back byte for byte (same salt, records, digests, flags, reserved field)', () => {
        const out = writeCmsDatabase(provider, db, e.password, { name: e.file });
        assert.equal(out.length, bytes.length);
        assert.ok(Buffer.from(out).equals(Buffer.from(bytes)), 'written bytes differ from the IBM file');
      });

      it('is written back byte for byte from copies too (digests recomputed, not reused)', () => {
        const copies: CmsDatabase = {
          ...db,
          records: db.records.map((r) => ({
            ...r,
            certificate: r.certificate && new Uint8Array(r.certificate),
            encryptedPrivateKey: r.encryptedPrivateKey && new Uint8Array(r.encryptedPrivateKey),
          })),
        };
        const out = writeCmsDatabase(provider, copies, e.password);
        assert.ok(Buffer.from(out).equals(Buffer.from(bytes)));
      });

      it('leaves the bytes it read unchanged', () => {
        assert.ok(Buffer.from(bytes).equals(readFileSync(gskit(e.file))));
      });
    });
  }
});
