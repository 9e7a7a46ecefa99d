// What the CMS reader and writer say about wrong passwords, damaged, truncated and foreign files,
// and records that do not fit.

import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { softwareProvider } from '../../../../src/core/crypto/software.js';
import { KymanError, type ErrorCode } from '../../../../src/core/errors.js';
import {
  isCmsFile,
  newCmsDatabase,
  peekCmsHeader,
  readCmsDatabase,
  recordSize,
  writeCmsDatabase,
} from '../../../../src/core/keystore/cms/index.js';
import { gskitBytes } from '../../../helpers/fixtures.js';

const fixture = gskitBytes;
const provider = softwareProvider();

function throwsKyman(fn: () => unknown, code: ErrorCode, message: RegExp | string): KymanError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof KymanError, `expected a KymanError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  return caught;
}

/** Recomputes a v6 file's verifier and MAC (format facts), so a test can damage a slot past the MAC. */
function remacV6(bytes: Uint8Array, password: string): Uint8Array {
  const b = Buffer.from(bytes);
  b.set(nodeCrypto.createHmac('sha384', password).update(b.subarray(0, 0x30)).digest(), 0x30);
  b.set(nodeCrypto.createHmac('sha384', password).update(b.subarray(0, 0x60)).update(b.subarray(0x90)).digest(), 0x60);
  return new Uint8Array(b);
}

const flip = (bytes: Uint8Array, at: number) => {
  const copy = new Uint8Array(bytes);
  copy[at] ^= 0x01;
  return copy;
};

describe('CMS errors', () => {
  const mixed = fixture('mixed.kdb');
  const read = (bytes: Uint8Array, password = 'password', verifyDigests = false) =>
    readCmsDatabase(provider, bytes, password, { name: 'x.kdb', verifyDigests });

  describe('reading', () => {
    it('a wrong password is BAD_PASSWORD', () => {
      throwsKyman(() => read(mixed, 'Password'), 'BAD_PASSWORD', 'wrong password for x.kdb');
    });

    for (const [file, password] of [
      ['ihs-v4.kdb', '1qaz2wsx'],
      ['zos-v3.kdb', 'password'],
    ] as const) {
      it(`a wrong password is BAD_PASSWORD for ${file} too`, () => {
        throwsKyman(() => read(fixture(file), `${password}x`), 'BAD_PASSWORD', 'wrong password for x.kdb');
        assert.equal(read(fixture(file), password).records.length > 0, true);
      });
    }

    it('without a name, messages speak of "the key database"', () => {
      throwsKyman(() => readCmsDatabase(provider, mixed, 'nope'), 'BAD_PASSWORD', 'wrong password for the key database');
    });

    it('one flipped byte in a slot is damage (BAD_INPUT), not a wrong password', () => {
      for (const at of [0x90, 0x90 + 200, 0x90 + 4999, mixed.length - 1]) {
        throwsKyman(() => read(flip(mixed, at)), 'BAD_INPUT', 'x.kdb is damaged: its integrity check failed');
      }
    });

    it('a flipped byte in a v3 slot is damage too (MD5 XOR scheme)', () => {
      const zos = fixture('zos-v3.kdb');
      throwsKyman(() => read(flip(zos, 0x50 + 5000 * 18 + 100)), 'BAD_INPUT', /integrity check failed/);
    });

    it('a flipped byte in the MAC itself is damage', () => {
      throwsKyman(() => read(flip(mixed, 0x70)), 'BAD_INPUT', /integrity check failed/);
    });

    it('a flipped salt byte fails the verifier first, so it reads as a wrong password (the facts: it fails both)', () => {
      throwsKyman(() => read(flip(mixed, 0x20)), 'BAD_PASSWORD', 'wrong password for x.kdb');
    });

    it('a flipped verifier byte reads as a wrong password', () => {
      throwsKyman(() => read(flip(mixed, 0x31)), 'BAD_PASSWORD', /wrong password/);
    });

    it('a truncated file is BAD_INPUT "truncated", checked before the password', () => {
      throwsKyman(() => read(mixed.subarray(0, mixed.length - 1), 'wrong'), 'BAD_INPUT', /^x\.kdb is truncated: its header says 4 records of 5000 bytes \(20144 bytes in all\) but it has 20143$/);
      throwsKyman(() => read(mixed.subarray(0, 0x50)), 'BAD_INPUT', /^x\.kdb is truncated/);
      throwsKyman(() => read(mixed.subarray(0, 0x10)), 'BAD_INPUT', /^x\.kdb is truncated/);
    });

    it('a file longer than its header says is damaged', () => {
      const longer = new Uint8Array(mixed.length + 1);
      longer.set(mixed);
      throwsKyman(() => read(longer), 'BAD_INPUT', /^x\.kdb is damaged: its header says 4 records/);
    });

    it('random bytes, a PKCS #12 file and an empty file are not key databases', () => {
      const pkcs12ish = new Uint8Array([0x30, 0x82, 0x0a, 0x10, 0x02, 0x01, 0x03]);
      for (const bytes of [provider.random(20000), pkcs12ish, new Uint8Array(0), new Uint8Array([0x37, 0x48])]) {
        throwsKyman(() => read(bytes), 'BAD_INPUT', 'x.kdb is not a key database');
        assert.equal(isCmsFile(bytes), false);
        throwsKyman(() => peekCmsHeader(bytes, { name: 'x.kdb' }), 'BAD_INPUT', 'x.kdb is not a key database');
      }
    });

    it('an unknown version or type tag is not a key database', () => {
      const v5 = new Uint8Array(mixed);
      v5[2] = 5;
      throwsKyman(() => read(v5), 'BAD_INPUT', 'x.kdb is not a key database');
      const tag = new Uint8Array(mixed);
      tag[0x0c] = 0x41; // X509AEY
      throwsKyman(() => read(tag), 'BAD_INPUT', /^x\.kdb is not a key database: its type tag/);
    });

    it('a slot that passes the MAC but whose label differs from its DER label is damaged', () => {
      const b = new Uint8Array(mixed);
      const view = new DataView(b.buffer);
      const derLength = view.getUint32(0x90 + 8);
      b[0x90 + 12 + derLength + 4] ^= 0x20; // the slot label's first byte: "Rsa-keypair"
      throwsKyman(() => read(remacV6(b, 'password')), 'BAD_INPUT', 'x.kdb is damaged: record 1: the label in its slot differs from the label in its DER');
    });

    it('a slot with the wrong record number is damaged', () => {
      const b = new Uint8Array(mixed);
      new DataView(b.buffer).setUint32(0x90 + 5000 + 4, 7);
      throwsKyman(() => read(remacV6(b, 'password')), 'BAD_INPUT', 'x.kdb is damaged: record 2: its slot holds record number 7');
    });

    it('a DER length running past the slot is damaged', () => {
      const b = new Uint8Array(mixed);
      new DataView(b.buffer).setUint32(0x90 + 8, 4999);
      throwsKyman(() => read(remacV6(b, 'password')), 'BAD_INPUT', /record 1: its DER runs past/);
    });

    it('a wrong digest is damage when digests are checked, and passes the MAC-only read', () => {
      const b = new Uint8Array(mixed);
      const view = new DataView(b.buffer);
      const slot = 0x90 + 2 * 5000; // trusted-root-ca
      const derLength = view.getUint32(slot + 8);
      const labelLength = view.getUint32(slot + 12 + derLength);
      const firstDigest = slot + 12 + derLength + 4 + labelLength + 4 + 4;
      b[firstDigest + 24 * 2] ^= 1; // the subject digest
      const damaged = remacV6(b, 'password');
      throwsKyman(() => read(damaged, 'password', true), 'BAD_INPUT', 'x.kdb is damaged: record 3: its certificate digest 3 does not match');
      assert.equal(read(damaged).records.length, 4);
    });

    it('a digest length other than 20 is damaged', () => {
      const b = new Uint8Array(mixed);
      const view = new DataView(b.buffer);
      const derLength = view.getUint32(0x90 + 8);
      const labelLength = view.getUint32(0x90 + 12 + derLength);
      view.setUint32(0x90 + 12 + derLength + 4 + labelLength + 4, 21);
      throwsKyman(() => read(remacV6(b, 'password')), 'BAD_INPUT', /record 1: its digests are not five SHA-1 values/);
    });
  });

  describe('writing', () => {
    const db = () => readCmsDatabase(provider, mixed, 'password');

    it('a record too large for the record length is CONFLICT, naming the entry and both sizes', () => {
      const d = db();
      const needed = recordSize(d.records[0], 1);
      assert.ok(needed > 2000 && needed < 5000);
      throwsKyman(
        () => writeCmsDatabase(provider, { ...d, recordLength: 2000 }, 'password'),
        'CONFLICT',
        `entry "rsa-keypair" needs ${needed} bytes but the record length is 2000: raise it with "kyman db record-length"`,
      );
    });

    it('a record that fits exactly is written', () => {
      const d = db();
      const recordLength = Math.max(...d.records.map((r, i) => recordSize(r, i + 1)));
      const bytes = writeCmsDatabase(provider, { ...d, recordLength }, 'password');
      assert.equal(bytes.length, 0x90 + 4 * recordLength);
      const back = readCmsDatabase(provider, bytes, 'password', { verifyDigests: true });
      assert.equal(back.recordLength, recordLength);
      assert.deepEqual(back.records.map((r) => r.label), d.records.map((r) => r.label));
    });

    it('a record size grows with its record number and label', () => {
      const r = db().records[2];
      assert.equal(recordSize(r, 200), recordSize(r, 1) + 1); // INTEGER 200 needs a second byte
      assert.equal(recordSize({ ...r, label: `${r.label}xy` }, 1), recordSize(r, 1) + 4); // in the DER and in the slot
    });

    it('two entries with one label are CONFLICT', () => {
      const d = db();
      d.records[1] = { ...d.records[1], label: d.records[0].label };
      throwsKyman(() => writeCmsDatabase(provider, d, 'password', { name: 'x.kdb' }), 'CONFLICT', 'x.kdb would hold two entries labelled "rsa-keypair"');
    });

    it('a certificate record without a certificate, or an unlabelled entry, is USAGE', () => {
      const d = newCmsDatabase(provider);
      d.records = [{ label: 'a', kind: 'certificate', trusted: true, isDefault: false }];
      throwsKyman(() => writeCmsDatabase(provider, d, 'p'), 'USAGE', 'entry "a" has no certificate');
      d.records = [{ ...db().records[2], label: '' }];
      throwsKyman(() => writeCmsDatabase(provider, d, 'p'), 'USAGE', 'an entry needs a label');
    });

    it('something that is not DER where a certificate goes is BAD_INPUT', () => {
      const d = newCmsDatabase(provider);
      d.records = [{ label: 'a', kind: 'certificate', certificate: new Uint8Array([1, 2, 3]), trusted: true, isDefault: false }];
      throwsKyman(() => writeCmsDatabase(provider, d, 'p'), 'BAD_INPUT', 'entry "a": its certificate is not DER');
    });

    it('a salt that is not 24 bytes is USAGE', () => {
      throwsKyman(() => writeCmsDatabase(provider, { ...db(), salt: new Uint8Array(23) }, 'p'), 'USAGE', /24 bytes/);
    });
  });
});
