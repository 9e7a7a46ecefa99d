// Databases kyman writes, checked by an independent reader written here from the format facts
// alone (node:crypto and a full asn1js parse; none of kyman's CMS code).

import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as asn1js from 'asn1js';
import { softwareProvider } from '../../../../src/core/crypto/software.js';
import {
  cmsKeyProtection,
  newCmsDatabase,
  readCmsDatabase,
  writeCmsDatabase,
  type CmsDatabase,
  type CmsRecord,
  type CmsVersion,
} from '../../../../src/core/keystore/cms/index.js';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo } from '../../../../src/core/pki/pbe.js';
import { fixture, gskitBytes } from '../../../helpers/fixtures.js';

const provider = softwareProvider();
const PASSWORD = 'correct horse';

// ---------------------------------------------------------------------------------------------
// The independent checker

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSHA384: '1.2.840.113549.2.10',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  pkcs12Sha3Des: '1.2.840.113549.1.12.1.3',
  pbeMd5Des: '1.2.840.113549.1.5.3',
};

const u32 = (b: Buffer, at: number) => b.readUInt32BE(at);
const sha1 = (data: Uint8Array) => nodeCrypto.createHash('sha1').update(data).digest();
const tlvBytes = (block: asn1js.AsnType) => Buffer.from(block.valueBeforeDecodeView);

function parseDer(der: Uint8Array): asn1js.AsnType {
  const parsed = asn1js.fromBER(der);
  assert.notEqual(parsed.offset, -1, 'not BER');
  assert.equal(parsed.offset, der.length, 'bytes after the DER');
  return parsed.result;
}

function children(block: asn1js.AsnType): asn1js.AsnType[] {
  return (block as asn1js.Constructed).valueBlock.value as asn1js.AsnType[];
}

/** A DER TLV with a definite length, assembled by hand (X.690 8.1.3). */
function derTlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}

interface CheckedRecord {
  label: string;
  tag: number;
  flags: Buffer;
  certificate: Buffer;
  epki?: Buffer;
}

/** Checks a whole CMS file against the format facts; returns its records. */
function checkCmsFile(bytes: Uint8Array, password: string, version: CmsVersion, salt: Uint8Array): CheckedRecord[] {
  const b = Buffer.from(bytes);
  const pw = Buffer.from(password, 'utf8');
  const M = { 3: 16, 4: 20, 6: 48 }[version];
  const headerSize = 0x30 + 2 * M;
  assert.equal(headerSize, { 3: 0x50, 4: 0x58, 6: 0x90 }[version]);

  assert.deepEqual([...b.subarray(0, 4)], [0x37, 0x48, version, 0x02], 'magic');
  assert.deepEqual([...b.subarray(4, 8)], [0, 0, 0, 0]);
  assert.equal(b.subarray(8, 16).toString('latin1'), 'X509KEY\0');
  const slot = u32(b, 0x10);
  const count = u32(b, 0x14);
  assert.equal(slot, 5000);
  assert.deepEqual(b.subarray(0x18, 0x30), Buffer.from(salt));
  assert.equal(b.length, headerSize + count * slot);

  const verifier = b.subarray(0x30, 0x30 + M);
  const mac = b.subarray(0x30 + M, headerSize);
  const slots = b.subarray(headerSize);
  if (version === 3) {
    const md5 = (...parts: Buffer[]) => nodeCrypto.createHash('md5').update(Buffer.concat(parts)).digest();
    assert.deepEqual(verifier, md5(b.subarray(0, 0x30), pw), 'verifier');
    const expected = md5(b.subarray(0, 0x40), pw);
    for (let i = 0; i < count; i++) {
      const h = md5(slots.subarray(i * slot, (i + 1) * slot), pw);
      for (let j = 0; j < 16; j++) expected[j] ^= h[j];
    }
    assert.deepEqual(mac, expected, 'integrity MAC');
  } else {
    const alg = version === 6 ? 'sha384' : 'sha1';
    assert.deepEqual(verifier, nodeCrypto.createHmac(alg, pw).update(b.subarray(0, 0x30)).digest(), 'verifier');
    const expected = nodeCrypto.createHmac(alg, pw).update(b.subarray(0, 0x30 + M)).update(slots).digest();
    assert.deepEqual(mac, expected, 'integrity MAC');
  }

  const records: CheckedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const s = slots.subarray(i * slot, (i + 1) * slot);
    const n = i + 1;
    assert.equal(u32(s, 0), 1, 'recordType');
    assert.equal(u32(s, 4), n, 'recordNumber');
    const derLength = u32(s, 8);
    const der = s.subarray(12, 12 + derLength);
    let p = 12 + derLength;
    const labelLength = u32(s, p);
    const label = s.subarray(p + 4, p + 4 + labelLength).toString('utf8');
    p += 4 + labelLength;
    assert.equal(u32(s, p), version === 3 ? n : 0, 'reserved');
    p += 4;

    // The record DER: SEQUENCE { INTEGER n, [1]/[2] ..., VisibleString label, BIT STRING flags }.
    const rec = parseDer(der);
    assert.ok(rec instanceof asn1js.Sequence);
    const [int, choice, vis, flags, ...rest] = children(rec);
    assert.equal(rest.length, 0);
    assert.ok(int instanceof asn1js.Integer);
    assert.equal(int.valueBlock.valueDec, n);
    assert.equal(choice.idBlock.tagClass, 3);
    assert.equal(choice.idBlock.isConstructed, true);
    assert.ok(vis instanceof asn1js.VisibleString);
    assert.equal(Buffer.from(vis.valueBlock.valueHexView).toString('utf8'), label);
    assert.ok(flags instanceof asn1js.BitString);

    let certBlock: asn1js.AsnType;
    let epki: Buffer | undefined;
    if (choice.idBlock.tagNumber === 1) {
      const inner = children(choice);
      assert.equal(inner.length, 1);
      certBlock = inner[0];
    } else {
      assert.equal(choice.idBlock.tagNumber, 2);
      const [pair] = children(choice);
      assert.ok(pair instanceof asn1js.Sequence);
      const [c, k, ...more] = children(pair);
      assert.equal(more.length, 0);
      certBlock = c;
      epki = tlvBytes(k);
    }

    // The five digests, in the facts' order.
    const [tbs, , sig] = children(certBlock);
    const tbsParts = children(tbs);
    const hasVersion = tbsParts[0].idBlock.tagClass === 3 && tbsParts[0].idBlock.tagNumber === 0;
    const [serial, , issuer, , subject, spki] = tbsParts.slice(hasVersion ? 1 : 0);
    const expectedDigests = [
      sha1(tlvBytes(sig)),
      sha1(tlvBytes(tbs)),
      sha1(tlvBytes(subject)),
      sha1(tlvBytes(spki)),
      sha1(derTlv(0x30, Buffer.concat([tlvBytes(issuer), tlvBytes(serial)]))),
    ];
    for (const digest of expectedDigests) {
      assert.equal(u32(s, p), 20, 'digest length');
      assert.deepEqual(s.subarray(p + 4, p + 24), digest, `digest of record ${n}`);
      p += 24;
    }
    assert.ok(s.subarray(p).every((x) => x === 0), 'zero padding');
    records.push({ label, tag: choice.idBlock.tagNumber, flags: tlvBytes(flags), certificate: tlvBytes(certBlock), epki });
  }
  return records;
}

/** Checks a v6 key: PBES2, PBKDF2-HMAC-SHA-384, AES-256-CBC, 4096 iterations, 20-byte salt; returns the PKCS #8. */
function checkPbes2Key(epki: Buffer, password: string): Buffer {
  const [alg, encrypted] = children(parseDer(epki));
  const [oid, params] = children(alg);
  assert.equal((oid as asn1js.ObjectIdentifier).valueBlock.toString(), OID.pbes2);
  const [kdf, scheme] = children(params);
  const [kdfOid, kdfParams] = children(kdf);
  assert.equal((kdfOid as asn1js.ObjectIdentifier).valueBlock.toString(), OID.pbkdf2);
  const [salt, iterations, ...optional] = children(kdfParams);
  const prf = optional.find((x) => x instanceof asn1js.Sequence);
  assert.ok(prf, 'PBKDF2 PRF given (the default would be HMAC-SHA-1)');
  assert.equal((children(prf)[0] as asn1js.ObjectIdentifier).valueBlock.toString(), OID.hmacWithSHA384);
  const saltBytes = Buffer.from((salt as asn1js.OctetString).valueBlock.valueHexView);
  assert.equal(saltBytes.length, 20);
  assert.equal((iterations as asn1js.Integer).valueBlock.valueDec, 4096);
  const [cipherOid, iv] = children(scheme);
  assert.equal((cipherOid as asn1js.ObjectIdentifier).valueBlock.toString(), OID.aes256Cbc);
  const key = nodeCrypto.pbkdf2Sync(Buffer.from(password, 'utf8'), saltBytes, 4096, 32, 'sha384');
  const decipher = nodeCrypto.createDecipheriv('aes-256-cbc', key, Buffer.from((iv as asn1js.OctetString).valueBlock.valueHexView));
  return Buffer.concat([decipher.update((encrypted as asn1js.OctetString).valueBlock.valueHexView), decipher.final()]);
}

/** The OID, salt length and iteration count of a legacy (PBES1 / PKCS #12) key. */
function legacyScheme(epki: Buffer): { oid: string; saltLength: number; iterations: number } {
  const [alg] = children(parseDer(epki));
  const [oid, params] = children(alg);
  const [salt, iterations] = children(params);
  return {
    oid: (oid as asn1js.ObjectIdentifier).valueBlock.toString(),
    saltLength: (salt as asn1js.OctetString).valueBlock.valueHexView.length,
    iterations: (iterations as asn1js.Integer).valueBlock.valueDec,
  };
}

// ---------------------------------------------------------------------------------------------
// Test material: two self-signed EC certificates and their keys, as openssl wrote them (fixtures/openssl/cms-*)

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function opensslCertificate(cn: string): { certificate: Buffer; pkcs8: Buffer } {
  return { certificate: pemBody(readFileSync(fixture(`openssl/cms-${cn}.crt`), 'utf8')), pkcs8: pemBody(readFileSync(fixture(`openssl/cms-${cn}.key`), 'utf8')) };
}

describe('CMS databases kyman writes, checked independently', () => {
  const ca = opensslCertificate('ca');
  const x = opensslCertificate('x');

  function records(version: CmsVersion): CmsRecord[] {
    return [
      { label: 'ca', kind: 'certificate', certificate: ca.certificate, trusted: true, isDefault: false },
      {
        label: 'x',
        kind: 'key-pair',
        certificate: x.certificate,
        encryptedPrivateKey: encryptPrivateKeyInfo(provider, x.pkcs8, PASSWORD, cmsKeyProtection(version)),
        trusted: true,
        isDefault: true,
      },
      { label: 'untrusted', kind: 'certificate', certificate: x.certificate, trusted: false, isDefault: false },
    ];
  }

  it('a new v6 database: header, verifier, MAC, slots, digests, flags and a PBES2 key as the facts say', () => {
    const db = newCmsDatabase(provider);
    assert.equal(db.version, 6);
    assert.equal(db.recordLength, 5000);
    assert.equal(db.fileType, 'key');
    assert.equal(db.salt.length, 24);
    db.records = records(6);
    const bytes = writeCmsDatabase(provider, db, PASSWORD);

    const checked = checkCmsFile(bytes, PASSWORD, 6, db.salt);
    assert.deepEqual(
      checked.map((r) => [r.label, r.tag, r.flags.toString('hex')]),
      [
        ['ca', 1, '03020780'], // trusted, as every IBM record
        ['x', 2, '030206c0'], // trusted and default, as ikeyman's key record
        ['untrusted', 1, '030100'], // no flag: DER's empty named-bit list (unverified reading)
      ],
    );
    assert.deepEqual(checked[0].certificate, ca.certificate);
    assert.deepEqual(checked[1].certificate, x.certificate);
    assert.deepEqual(checkPbes2Key(checked[1].epki!, PASSWORD), x.pkcs8);
  });

  it('fresh salts differ between new databases', () => {
    assert.notDeepEqual(newCmsDatabase(provider).salt, newCmsDatabase(provider).salt);
  });

  for (const version of [4, 3] as const) {
    it(`a v${version} database: its own MAC scheme, reserved field and key scheme`, () => {
      const db: CmsDatabase = { version, fileType: 'key', recordLength: 5000, salt: provider.random(24), records: records(version) };
      const bytes = writeCmsDatabase(provider, db, PASSWORD);
      const checked = checkCmsFile(bytes, PASSWORD, version, db.salt);
      assert.deepEqual(
        checked.map((r) => r.label),
        ['ca', 'x', 'untrusted'],
      );
      const scheme = legacyScheme(checked[1].epki!);
      if (version === 4) assert.deepEqual(scheme, { oid: OID.pkcs12Sha3Des, saltLength: 20, iterations: 10 });
      else assert.deepEqual(scheme, { oid: OID.pbeMd5Des, saltLength: 8, iterations: 5 });

      const back = readCmsDatabase(provider, bytes, PASSWORD, { verifyDigests: true });
      assert.equal(back.version, version);
      assert.deepEqual(Buffer.from(decryptPrivateKeyInfo(provider, back.records[1].encryptedPrivateKey!, PASSWORD)), x.pkcs8);
    });
  }

  it('upgrades the z/OS v3 database to v6, keys carried as they are', () => {
    const v3 = readCmsDatabase(provider, gskitBytes('zos-v3.kdb'), 'password');
    const bytes = writeCmsDatabase(provider, { ...v3, version: 6 }, 'password');
    const checked = checkCmsFile(bytes, 'password', 6, v3.salt);
    assert.equal(checked.length, 19);
    assert.deepEqual(checked[17].epki, Buffer.from(v3.records[17].encryptedPrivateKey!));
  });
});
