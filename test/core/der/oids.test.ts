// core/der/oids: every OID in the table well formed, unique, and what the specifications and the libraries say.

import assert from 'node:assert/strict';
import { id_ecPublicKey, id_secp256r1, id_secp384r1, id_secp521r1 } from '@peculiar/asn1-ecc';
import { id_rsaEncryption, id_RSASSA_PSS, id_mgf1, id_sha1, id_sha256, id_sha384, id_sha512 } from '@peculiar/asn1-rsa';
import { id_data, id_encryptedData, id_envelopedData, id_signedData } from '@peculiar/asn1-cms';
import { id_SafeContents, id_certBag, id_keyBag, id_pkcs8ShroudedKeyBag, id_x509Certificate } from '@peculiar/asn1-pfx';
import { id_ce_basicConstraints, id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName, id_pe_authorityInfoAccess, anyExtendedKeyUsage } from '@peculiar/asn1-x509';
import { byOid, CURVE_BY_OID, HASH_OID, HMAC_OID, OID, OID_OF_CURVE } from '../../../src/core/der/oids.js';
import { readOid, readTlv } from '../../../src/core/der/reader.js';
import { oid as encodeOid } from '../../../src/core/der/writer.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('der/oids', () => {
  it('holds only dotted OIDs X.660 allows, each one once', () => {
    const seen = new Map<string, string>();
    for (const [name, dotted] of Object.entries(OID)) {
      assert.match(dotted, /^[0-2](\.(0|[1-9][0-9]*))+$/, name);
      assert.equal(seen.get(dotted), undefined, `${name} and ${seen.get(dotted)} are the same OID`);
      seen.set(dotted, name);
    }
  });

  it('round-trips every OID through the writer and the reader', () => {
    for (const [name, dotted] of Object.entries(OID)) {
      const der = encodeOid(dotted);
      assert.equal(readOid(der, readTlv(der, 0)), dotted, name);
    }
  });

  it('encodes to the DER the specifications print', () => {
    assert.equal(hex(encodeOid(OID.rsaEncryption)), '06092a864886f70d010101');
    assert.equal(hex(encodeOid(OID.id_RSASSA_PSS)), '06092a864886f70d01010a');
    assert.equal(hex(encodeOid(OID.id_ecPublicKey)), '06072a8648ce3d0201');
    assert.equal(hex(encodeOid(OID.secp256r1)), '06082a8648ce3d030107');
    assert.equal(hex(encodeOid(OID.secp384r1)), '06052b81040022');
    assert.equal(hex(encodeOid(OID.secp521r1)), '06052b81040023');
    assert.equal(hex(encodeOid(OID.id_Ed25519)), '06032b6570');
    assert.equal(hex(encodeOid(OID.id_ce_basicConstraints)), '0603551d13');
    assert.equal(hex(encodeOid(OID.pkcs_7)), '06082a864886f70d0107');
    assert.equal(hex(encodeOid(OID.anyExtendedKeyUsage)), '0604551d2500');
    assert.equal(hex(encodeOid(OID.pkcs_9_at_extensionRequest)), '06092a864886f70d01090e'); // RFC 2985 §5.4.2
  });

  it('agrees with the constants the @peculiar/asn1 modules export', () => {
    assert.equal(OID.id_ecPublicKey, id_ecPublicKey);
    assert.equal(OID.secp256r1, id_secp256r1);
    assert.equal(OID.secp384r1, id_secp384r1);
    assert.equal(OID.secp521r1, id_secp521r1);
    assert.equal(OID.rsaEncryption, id_rsaEncryption);
    assert.equal(OID.id_RSASSA_PSS, id_RSASSA_PSS);
    assert.equal(OID.id_mgf1, id_mgf1);
    assert.equal(OID.id_sha1, id_sha1);
    assert.equal(OID.id_sha256, id_sha256);
    assert.equal(OID.id_sha384, id_sha384);
    assert.equal(OID.id_sha512, id_sha512);
    assert.equal(OID.id_ce_basicConstraints, id_ce_basicConstraints);
    assert.equal(OID.id_ce_keyUsage, id_ce_keyUsage);
    assert.equal(OID.id_ce_extKeyUsage, id_ce_extKeyUsage);
    assert.equal(OID.id_ce_subjectAltName, id_ce_subjectAltName);
    assert.equal(OID.id_pe_authorityInfoAccess, id_pe_authorityInfoAccess);
    assert.equal(OID.anyExtendedKeyUsage, anyExtendedKeyUsage);
    assert.equal(OID.id_data, id_data);
    assert.equal(OID.id_signedData, id_signedData);
    assert.equal(OID.id_envelopedData, id_envelopedData);
    assert.equal(OID.id_encryptedData, id_encryptedData);
    assert.equal(OID.keyBag, id_keyBag);
    assert.equal(OID.pkcs8ShroudedKeyBag, id_pkcs8ShroudedKeyBag);
    assert.equal(OID.certBag, id_certBag);
    assert.equal(OID.safeContentsBag, id_SafeContents);
    assert.equal(OID.x509Certificate, id_x509Certificate);
  });

  it('maps curves, hashes and HMACs both ways', () => {
    for (const [curve, oid] of Object.entries(OID_OF_CURVE)) assert.equal(CURVE_BY_OID[oid], curve);
    assert.equal(Object.keys(CURVE_BY_OID).length, 3);
    const hashByOid = byOid(HASH_OID);
    assert.equal(hashByOid.get(OID.id_sha384), 'SHA-384');
    assert.equal(hashByOid.get(OID.id_md5), 'MD5');
    assert.equal(hashByOid.get('constructor'), undefined);
    assert.equal(byOid(HMAC_OID).get(OID.id_hmacWithSHA256), 'SHA-256');
    assert.equal(HMAC_OID['SHA-512'], '1.2.840.113549.2.11');
  });
});
