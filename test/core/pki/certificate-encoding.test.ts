// createCertificate writes the TBSCertificate with the DER writer; these hold it byte for byte to
// what the @peculiar/asn1-schema classes wrote before, built here the old way from the same facts.

import assert from 'node:assert/strict';
import { AsnConvert, AsnParser, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Time,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { createSoftwareProvider, type KeySpec, type PrivateKeyHandle } from '../../../src/core/crypto/index.js';
import { createCertificate, readCertificate, signatureAlgorithmIdentifier, signatureSchemeFor, type CertificateOptions } from '../../../src/core/pki/certificate/index.js';
import { parseSubjectAltName } from '../../../src/core/pki/general-name.js';
import { encodeName, parseName } from '../../../src/core/pki/name.js';
import { readTlv } from '../../../src/core/der/reader.js';

const provider = createSoftwareProvider();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const FLAGS: Record<string, KeyUsageFlags> = {
  digitalsignature: KeyUsageFlags.digitalSignature,
  nonrepudiation: KeyUsageFlags.nonRepudiation,
  keyencipherment: KeyUsageFlags.keyEncipherment,
  dataencipherment: KeyUsageFlags.dataEncipherment,
  keyagreement: KeyUsageFlags.keyAgreement,
  keycertsign: KeyUsageFlags.keyCertSign,
  crlsign: KeyUsageFlags.cRLSign,
  encipheronly: KeyUsageFlags.encipherOnly,
  decipheronly: KeyUsageFlags.decipherOnly,
};
const EKU: Record<string, string> = { serverauth: '1.3.6.1.5.5.7.3.1', clientauth: '1.3.6.1.5.5.7.3.2', codesigning: '1.3.6.1.5.5.7.3.3', ocspsigning: '1.3.6.1.5.5.7.3.9' };

/** The TBSCertificate of a certificate, and its fields in order: version, serial, signature, issuer, validity, subject … */
function tbsOf(cert: Uint8Array): { der: Uint8Array; fields: Uint8Array[] } {
  const tbs = readTlv(cert, readTlv(cert, 0).valueStart);
  const fields: Uint8Array[] = [];
  for (let p = tbs.valueStart; p < tbs.end; ) {
    const field = readTlv(cert, p, tbs.end);
    fields.push(cert.subarray(field.start, field.end));
    p = field.end;
  }
  return { der: cert.subarray(tbs.start, tbs.end), fields };
}

function keyIdOf(spki: Uint8Array): Uint8Array {
  return provider.hash('SHA-1', new Uint8Array(AsnParser.parse(spki, SubjectPublicKeyInfo).subjectPublicKey));
}

/**
 * The TBSCertificate as createCertificate built it with the schema classes before the DER writer,
 * from the options, the subject key's type, and what cannot be recomputed (serial, validity)
 * read back from `cert`.
 */
function previousTbs(cert: Uint8Array, options: CertificateOptions, subjectKeyType: string, signer: PrivateKeyHandle, issuer?: Uint8Array): Uint8Array {
  const info = readCertificate(provider, cert);
  const subject = parseName(options.subject);
  const subjectSpki = options.subjectKey instanceof Uint8Array ? options.subjectKey : options.subjectKey.spki;
  const issuerName = issuer ? AsnParser.parse(tbsOf(issuer).fields[5], Name) : subject;
  const issuerKeyId = issuer ? Uint8Array.from(Buffer.from(readCertificate(provider, issuer).subjectKeyIdentifier!, 'hex')) : keyIdOf(subjectSpki);
  const ca = options.ca ?? false;
  const keyUsage = options.keyUsage ?? (ca ? ['keyCertSign', 'cRLSign', 'digitalSignature'] : subjectKeyType === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature']);
  const flags = keyUsage.reduce((f, k) => f | FLAGS[k.toLowerCase()], 0);
  const ekus = (options.extendedKeyUsage ?? (ca ? [] : ['serverAuth', 'clientAuth'])).map((e) => EKU[e.toLowerCase()] ?? e);
  const altNames = (options.subjectAltNames ?? []).map(parseSubjectAltName);
  const extension = (extnID: string, critical: boolean, value: unknown) => new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
  const extensions = [extension('2.5.29.19', true, new BasicConstraints(ca ? { cA: true, pathLenConstraint: options.pathLength } : { cA: false }))];
  if (flags) extensions.push(extension('2.5.29.15', true, new KeyUsage(flags)));
  if (ekus.length) extensions.push(extension('2.5.29.37', false, new ExtendedKeyUsage(ekus)));
  extensions.push(extension('2.5.29.14', false, new SubjectKeyIdentifier(keyIdOf(subjectSpki))));
  extensions.push(extension('2.5.29.35', false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuerKeyId) })));
  if (altNames.length) extensions.push(extension('2.5.29.17', subject.length === 0, new SubjectAlternativeName(altNames)));
  const timeOf = (d: Date) => (d.getUTCFullYear() >= 1950 && d.getUTCFullYear() <= 2049 ? new Time({ utcTime: d }) : new Time({ generalTime: d }));
  const validity = new Validity();
  validity.notBefore = timeOf(info.notBefore);
  validity.notAfter = timeOf(info.notAfter);
  const serial = readTlv(tbsOf(cert).fields[1], 0);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: tbsOf(cert).fields[1].slice(serial.valueStart).buffer,
    signature: signatureAlgorithmIdentifier(signatureSchemeFor(signer, options.signatureHash, options.rsaPss ?? false)),
    issuer: issuerName,
    validity,
    subject,
    subjectPublicKeyInfo: AsnParser.parse(subjectSpki, SubjectPublicKeyInfo),
    extensions: new Extensions(extensions),
  });
  return new Uint8Array(AsnConvert.serialize(tbs));
}

describe('certificate encoding', function () {
  this.timeout(60_000);
  const keys = new Map<string, PrivateKeyHandle>();
  const keyOf = async (spec: KeySpec) => {
    const id = JSON.stringify(spec);
    if (!keys.has(id)) keys.set(id, await provider.generateKeyPair(spec));
    return keys.get(id)!;
  };
  const now = new Date(Date.UTC(2026, 0, 15, 12, 0, 0));

  const selfSigned: Array<[string, KeySpec, Omit<CertificateOptions, 'subjectKey'>]> = [
    ['an EC P-256 root CA with no path length', { type: 'ec', curve: 'P-256' }, { subject: 'CN=Root CA,O=Example,C=US', ca: true, now, days: 3650 }],
    ['an EC P-384 CA with path length 0 and every key usage', { type: 'ec', curve: 'P-384' }, { subject: 'CN=Issuing,O=Example', ca: true, pathLength: 0, now, keyUsage: Object.keys(FLAGS) }],
    ['a CA with path length 200 (a two-octet INTEGER)', { type: 'ec', curve: 'P-256' }, { subject: 'CN=Deep', ca: true, pathLength: 200, now }],
    ['an RSA leaf with keyEncipherment, RSASSA-PSS and a GeneralizedTime notAfter', { type: 'rsa', bits: 2048 }, { subject: 'CN=rsa.example.com', now, days: 30_000, rsaPss: true }],
    ['an Ed25519 leaf with a multi-valued RDN and a #hex value', { type: 'ed25519' }, { subject: 'CN=a+OU=b,O=Example\\, Inc.,DC=example,1.2.3.4=#0c03616263', now, serialNumber: Uint8Array.of(0x80, 1) }],
    ['an empty subject with a critical subjectAltName', { type: 'ec', curve: 'P-256' }, { subject: '', subjectAltNames: ['dns:only.example.com'], now }],
    ['a leaf with UTF-8, email and serialNumber attributes, before 1950', { type: 'ec', curve: 'P-521' }, { subject: 'CN=Grüße,emailAddress=a@example.com,serialNumber=42', notBefore: new Date(Date.UTC(1949, 5, 1)), days: 10 }],
  ];
  for (const [what, spec, options] of selfSigned) {
    it(`${what}: the TBSCertificate is what the schema classes wrote`, async () => {
      const key = await keyOf(spec);
      const full = { ...options, subjectKey: key };
      const cert = await createCertificate(provider, full);
      assert.equal(hex(tbsOf(cert).der), hex(previousTbs(cert, full, key.type, key)));
    });
  }

  it('a leaf issued by a CA, with SANs of every kind and EKUs by name and by OID', async () => {
    const caKey = await keyOf({ type: 'ec', curve: 'P-384' });
    const ca = await createCertificate(provider, { subject: 'CN=Issuer,O=Example', subjectKey: caKey, ca: true, pathLength: 1, now });
    const leafKey = await keyOf({ type: 'ec', curve: 'P-256' });
    const options: CertificateOptions = {
      subject: 'CN=www.example.com',
      subjectKey: leafKey.spki,
      issuer: { certificate: ca, key: caKey },
      now,
      days: 90,
      subjectAltNames: ['dns:www.example.com', 'dns:*.example.com', 'ip:192.0.2.10', 'ip:2001:db8::1', 'email:ops@example.com', 'uri:https://example.com/x'],
      keyUsage: ['digitalSignature', 'keyAgreement'],
      extendedKeyUsage: ['serverAuth', 'clientAuth', 'codeSigning', '1.3.6.1.4.1.11129.2.4.4'],
      signatureHash: 'SHA-512',
    };
    const cert = await createCertificate(provider, options);
    assert.equal(hex(tbsOf(cert).der), hex(previousTbs(cert, options, leafKey.type, caKey, ca)));
  });

  it('encodeName writes what AsnConvert.serialize writes', () => {
    for (const dn of ['', 'CN=x', 'CN=a+OU=b+O=c,C=GB', 'CN=\\#x\\ ,O=\\2C', 'DC=example,DC=com,UID=u1', 'CN=日本語', '2.5.4.3=#130141', 'jurisdictionC=DE,CN=EV']) {
      const name = parseName(dn);
      assert.equal(hex(encodeName(name)), hex(new Uint8Array(AsnConvert.serialize(name))), dn);
    }
  });
});
