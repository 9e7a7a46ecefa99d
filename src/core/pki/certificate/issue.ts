// Issuing X.509 v3 certificates through a CryptoProvider, written with the DER writer.

import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, KeyUsageFlags } from '@peculiar/asn1-x509';
import type { CryptoProvider, PrivateKeyHandle } from '../../crypto/provider.js';
import { badInput, failed, usage } from '../../errors.js';
import * as DER from '../../der/writer.js';
import { expectTlv, readTlv } from '../../der/reader.js';
import { OID } from '../../der/oids.js';
import { equalBytes } from '../../bytes.js';
import { parseIpAddress, parseSubjectAltName } from '../general-name.js';
import { encodeName, parseName } from '../name.js';
import { layoutCertificate, readPublicKey } from './layout.js';
import { readCertificate } from './read.js';
import { signatureAlgorithmDer, signatureSchemeFor } from './signature-algorithms.js';
import type { CertificateInfo, CertificateOptions, PublicKeyInfo } from './types.js';
import { EKU_BY_NAME, EXTENDED_KEY_USAGES, KEY_USAGE_BY_NAME, KEY_USAGES } from './usages.js';
import { publicKeyMatches } from './verify.js';

/** RFC 5280 §4.1.2.2: at most 20 octets. */
const MAX_SERIAL_OCTETS = 20;
const DEFAULT_SERIAL_OCTETS = 16;
const DEFAULT_DAYS = 365;
/** notBefore a little in the past, so a peer whose clock lags a few minutes accepts the certificate at once. */
const BACKDATE_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

interface IssuerFacts {
  subject: string;
  subjectDer: Uint8Array;
  spki: Uint8Array;
  keyId: Uint8Array;
  notAfter: Date;
}

/**
 * What signing needs from an issuer certificate, read and checked once per certificate object:
 * a CA issuing a thousand leaves (kyman pki apply) passes the same array each time, and reading
 * it in full is most of the cost of a small certificate.
 */
const issuerCache = new WeakMap<Uint8Array, IssuerFacts>();
function issuerFacts(provider: CryptoProvider, certificate: Uint8Array): IssuerFacts {
  const cached = issuerCache.get(certificate);
  if (cached) return cached;
  const issuer = readCertificate(provider, certificate);
  checkCanIssue(issuer);
  const layout = layoutCertificate(certificate);
  const facts: IssuerFacts = {
    subject: issuer.subject,
    subjectDer: certificate.slice(layout.subject.start, layout.subject.end),
    spki: issuer.publicKey.spki,
    keyId: issuer.subjectKeyIdentifier ? Uint8Array.from(Buffer.from(issuer.subjectKeyIdentifier, 'hex')) : keyIdentifierOf(provider, issuer.publicKey.spki),
    notAfter: issuer.notAfter,
  };
  issuerCache.set(certificate, facts);
  return facts;
}

/** `[0] EXPLICIT Version v3` (RFC 5280 §4.1.2.1). */
const VERSION_V3 = DER.tlv(0xa0, DER.integer(2));

/**
 * Issues an X.509 v3 certificate and returns its DER. The signature is made through
 * `provider.sign` with the issuer's key handle (which may live on a token) and checked before
 * the certificate is returned. USAGE for options that cannot make a valid certificate.
 *
 * The TBSCertificate is written with the DER writer from parts that are mostly fixed for a given
 * issuer and profile; tests keep it byte for byte what the asn1-schema classes would write.
 */
export async function createCertificate(provider: CryptoProvider, options: CertificateOptions): Promise<Uint8Array> {
  const subjectName = parseName(options.subject);
  const subjectDer = encodeName(subjectName);
  const subjectSpki = subjectSpkiOf(options.subjectKey);
  const subjectKeyInfo = readPublicKey(subjectSpki, readTlv(subjectSpki, 0));

  // The signer: the issuer's key, or the subject's own for a self-signed certificate.
  let signingKey: PrivateKeyHandle;
  let issuerSpki: Uint8Array;
  let issuerKeyId: Uint8Array | undefined;
  let issuerNotAfter: Date | undefined;
  let issuerSubjectDer: Uint8Array;
  const subjectKeyId = keyIdentifierOf(provider, subjectSpki);
  if (options.issuer) {
    const { certificate, key } = options.issuer;
    const issuer = issuerFacts(provider, certificate);
    if (!equalBytes(key.spki, issuer.spki) && !publicKeyMatches(certificate, key.spki)) {
      throw usage(`the issuer key does not belong to the issuer certificate (${issuer.subject})`);
    }
    issuerSubjectDer = issuer.subjectDer;
    issuerSpki = issuer.spki;
    issuerKeyId = issuer.keyId;
    issuerNotAfter = issuer.notAfter;
    signingKey = key;
  } else {
    if (options.subjectKey instanceof Uint8Array) {
      throw usage('a self-signed certificate needs the subject private key, not only its public key: give an issuer or a key handle');
    }
    signingKey = options.subjectKey;
    issuerSubjectDer = subjectDer;
    issuerSpki = subjectSpki;
    issuerKeyId = subjectKeyId;
  }

  const { notBefore, notAfter } = validityOf(options, issuerNotAfter);
  const scheme = signatureSchemeFor(signingKey, options.signatureHash, options.rsaPss ?? false);
  const signatureAlgorithm = signatureAlgorithmDer(scheme);
  const extensions = extensionsFor(options, subjectName.length === 0, subjectKeyInfo.type, subjectKeyId, issuerKeyId);

  // RFC 5280 §4.1: the order of the fields is the order of TBSCertificate.
  const tbsDer = DER.sequence(
    VERSION_V3,
    DER.integerOctets(serialNumberOf(provider, options.serialNumber)),
    signatureAlgorithm,
    issuerSubjectDer,
    DER.sequence(DER.time(notBefore), DER.time(notAfter)),
    subjectDer,
    subjectSpki,
    DER.tlv(0xa3, DER.sequence(...extensions)),
  );
  const signature = await provider.sign(signingKey, scheme, tbsDer);
  // What was signed is embedded as it is, so there is nothing to re-encode and compare.
  const certificate = DER.sequence(tbsDer, signatureAlgorithm, DER.bitString(signature));
  if (!provider.verify(issuerSpki, scheme, tbsDer, signature)) {
    throw failed(`the new certificate's signature does not verify with the issuer's public key: the ${signingKey.provider} key may be faulty`);
  }
  return certificate;
}

/** A SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { algorithm OID, parameters ANY OPTIONAL }, BIT STRING }, checked and copied. */
function subjectSpkiOf(key: PrivateKeyHandle | Uint8Array): Uint8Array {
  const spki = key instanceof Uint8Array ? key : key.spki;
  try {
    const top = expectTlv(spki, 0, spki.length, 0x30, 'a SubjectPublicKeyInfo');
    if (top.end !== spki.length) throw badInput('extra data after the SubjectPublicKeyInfo');
    const alg = expectTlv(spki, top.valueStart, top.end, 0x30, 'the key AlgorithmIdentifier');
    const algorithm = expectTlv(spki, alg.valueStart, alg.end, 0x06, 'the key algorithm OID');
    if (algorithm.end < alg.end && readTlv(spki, algorithm.end, alg.end).end !== alg.end) throw badInput('extra data in the key AlgorithmIdentifier');
    const bits = expectTlv(spki, alg.end, top.end, 0x03, 'the subjectPublicKey BIT STRING');
    if (bits.end !== top.end) throw badInput('extra data after the subjectPublicKey');
    if (bits.end === bits.valueStart || spki[bits.valueStart] > 7) throw badInput('malformed subjectPublicKey BIT STRING');
    readPublicKey(spki, top);
  } catch (e) {
    throw badInput('the subject public key is not a DER SubjectPublicKeyInfo', e);
  }
  return spki.slice();
}

/** RFC 5280 §4.2.1.9, §4.2.1.3: only a CA certificate whose key may sign certificates can issue. */
function checkCanIssue(issuer: CertificateInfo): void {
  const hasBasicConstraints = issuer.extensions.some((e) => e.oid === OID.id_ce_basicConstraints);
  if (!issuer.isCA && (hasBasicConstraints || issuer.version === 3)) {
    throw usage(`the issuer certificate (${issuer.subject}) is not a CA certificate: it may not sign certificates`);
  }
  const hasKeyUsage = issuer.extensions.some((e) => e.oid === OID.id_ce_keyUsage);
  if (hasKeyUsage && !issuer.keyUsage.includes('keyCertSign')) {
    throw usage(`the issuer certificate (${issuer.subject}) lacks keyCertSign in its keyUsage: it may not sign certificates`);
  }
}

function validityOf(options: CertificateOptions, issuerNotAfter: Date | undefined): { notBefore: Date; notAfter: Date } {
  const now = options.now ?? new Date();
  if (options.notAfter && options.days !== undefined) throw usage('give notAfter or days, not both');
  const days = options.days ?? DEFAULT_DAYS;
  if (!(days > 0) || !Number.isFinite(days)) throw usage(`the validity must be a positive number of days, not ${options.days}`);
  const notBefore = wholeSeconds(options.notBefore ?? new Date(now.getTime() - BACKDATE_MS));
  let notAfter = wholeSeconds(options.notAfter ?? new Date((options.notBefore ?? now).getTime() + days * DAY_MS));
  // A certificate never outlives its issuer's: clients would reject the chain from that day anyway.
  if (issuerNotAfter && notAfter > issuerNotAfter) notAfter = issuerNotAfter;
  if (notAfter <= notBefore) {
    throw usage(
      issuerNotAfter && notAfter.getTime() === issuerNotAfter.getTime()
        ? `the issuer certificate expires (${issuerNotAfter.toISOString()}) before the new one would begin`
        : `notAfter (${notAfter.toISOString()}) must be later than notBefore (${notBefore.toISOString()})`,
    );
  }
  return { notBefore, notAfter };
}

const wholeSeconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

/** A positive INTEGER's minimal content octets (X.690 §8.3.2). */
function serialNumberOf(provider: CryptoProvider, given: Uint8Array | undefined): Uint8Array {
  let bytes: Uint8Array;
  if (given) {
    bytes = given;
  } else {
    bytes = provider.random(DEFAULT_SERIAL_OCTETS).slice();
    bytes[0] &= 0x7f;
    if (bytes.every((b) => b === 0)) bytes[bytes.length - 1] = 1;
  }
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const magnitude = bytes.subarray(i);
  if (magnitude.length === 0) throw usage('the serial number must be a positive integer (RFC 5280 §4.1.2.2)');
  const out = magnitude[0] & 0x80 ? Uint8Array.of(0, ...magnitude) : magnitude.slice();
  if (out.length > MAX_SERIAL_OCTETS) throw usage(`the serial number may be at most ${MAX_SERIAL_OCTETS} octets (RFC 5280 §4.1.2.2)`);
  return out;
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value (without the unused-bits octet). */
function keyIdentifierOf(provider: CryptoProvider, spki: Uint8Array): Uint8Array {
  const top = readTlv(spki, 0);
  const alg = readTlv(spki, top.valueStart, top.end);
  const bits = expectTlv(spki, alg.end, top.end, 0x03, 'the subjectPublicKey BIT STRING');
  return provider.hash('SHA-1', spki.subarray(bits.valueStart + 1, bits.end));
}

/** Signature AlgorithmIdentifiers by scheme: a handful recur, and the schema classes spell out RSASSA-PSS's parameters. */
/** RFC 5280 §4.1 Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function extension(extnID: string, critical: boolean, value: Uint8Array): Uint8Array {
  return DER.sequence(DER.oid(extnID), critical ? DER.BOOLEAN_TRUE : DER.EMPTY, DER.octetString(value));
}

/** RFC 5280 §4.2.1.3 KeyUsage, a named BIT STRING: trailing zero bits dropped (X.690 §11.2.2). */
function keyUsageDer(flags: number): Uint8Array {
  // KeyUsageFlags gives bit n of the BIT STRING the value 2^n.
  let bits = 0;
  for (let f = flags; f; f >>>= 1) bits++;
  const octets = new Uint8Array(Math.ceil(bits / 8));
  for (let n = 0; n < bits; n++) if (flags & (1 << n)) octets[n >> 3] |= 0x80 >> (n & 7);
  return DER.tlv(DER.TAG.BIT_STRING, Uint8Array.of(octets.length * 8 - bits), octets);
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * A GeneralName (RFC 5280 §4.2.1.6) of the four kinds parseSubjectAltName makes, as the schema
 * classes write it: IA5String and OCTET STRING contents under implicit context tags. Anything
 * else, or a CHOICE with more than one member set, goes through the schema classes.
 */
function generalNameDer(gn: GeneralName): Uint8Array {
  if (Object.values(gn).filter((v) => v !== undefined).length === 1) {
    if (gn.dNSName !== undefined && ASCII.test(gn.dNSName)) return DER.tlv(0x82, Buffer.from(gn.dNSName, 'latin1'));
    if (gn.rfc822Name !== undefined && ASCII.test(gn.rfc822Name)) return DER.tlv(0x81, Buffer.from(gn.rfc822Name, 'latin1'));
    if (gn.uniformResourceIdentifier !== undefined && ASCII.test(gn.uniformResourceIdentifier)) return DER.tlv(0x86, Buffer.from(gn.uniformResourceIdentifier, 'latin1'));
    if (gn.iPAddress !== undefined && !gn.iPAddress.includes('/')) {
      try {
        return DER.tlv(0x87, parseIpAddress(gn.iPAddress));
      } catch {
        // not an address parseIpAddress reads: the schema's converter decides
      }
    }
  }
  return new Uint8Array(AsnConvert.serialize(gn));
}

/** The extensions' DER, in the order kyman has always written them. */
function extensionsFor(
  options: CertificateOptions,
  emptySubject: boolean,
  keyType: PublicKeyInfo['type'],
  subjectKeyId: Uint8Array,
  issuerKeyId: Uint8Array | undefined,
): Uint8Array[] {
  const ca = options.ca ?? false;
  if (options.pathLength !== undefined) {
    if (!ca) throw usage('a path length constraint needs a CA certificate (RFC 5280 §4.2.1.9)');
    if (!Number.isInteger(options.pathLength) || options.pathLength < 0) throw usage(`the path length must be a whole number ≥ 0, not ${options.pathLength}`);
  }
  const keyUsage =
    options.keyUsage ?? (ca ? ['keyCertSign', 'cRLSign', 'digitalSignature'] : keyType === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature']);
  let flags = 0;
  for (const name of keyUsage) {
    const k = KEY_USAGE_BY_NAME.get(name.toLowerCase());
    if (!k) throw usage(`unknown key usage "${name}": use ${KEY_USAGES.map((u) => u.name).join(', ')}`);
    flags |= k.flag;
  }
  // RFC 5280 §4.2.1.9: keyCertSign asserted means cA MUST be asserted.
  if (flags & KeyUsageFlags.keyCertSign && !ca) throw usage('keyCertSign needs a CA certificate: add the CA option');
  const ekus = options.extendedKeyUsage ?? (ca ? [] : ['serverAuth', 'clientAuth']);
  const ekuOids = ekus.map((name) => {
    if (/^[0-2](\.(0|[1-9][0-9]*))+$/.test(name)) return name;
    const e = EKU_BY_NAME.get(name.toLowerCase());
    if (!e) throw usage(`unknown extended key usage "${name}": use ${EXTENDED_KEY_USAGES.map((u) => u.name).join(', ')} or a dotted OID`);
    return e.oid;
  });
  const altNames = (options.subjectAltNames ?? []).map(parseSubjectAltName);
  // RFC 5280 §4.1.2.6: an empty subject needs the subjectAltName extension, marked critical.
  if (emptySubject && altNames.length === 0) throw usage('the subject is empty, so the certificate needs at least one subject alternative name');

  // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }; DER leaves a FALSE cA out.
  const basicConstraints = ca ? DER.sequence(DER.BOOLEAN_TRUE, options.pathLength !== undefined ? DER.integer(options.pathLength) : DER.EMPTY) : DER.sequence();
  const out = [extension(OID.id_ce_basicConstraints, true, basicConstraints)];
  if (flags) out.push(extension(OID.id_ce_keyUsage, true, keyUsageDer(flags)));
  if (ekuOids.length) out.push(extension(OID.id_ce_extKeyUsage, false, DER.sequence(...ekuOids.map((o) => DER.oid(o)))));
  out.push(extension(OID.id_ce_subjectKeyIdentifier, false, DER.octetString(subjectKeyId)));
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT KeyIdentifier OPTIONAL, ... }
  if (issuerKeyId) out.push(extension(OID.id_ce_authorityKeyIdentifier, false, DER.sequence(DER.tlv(0x80, issuerKeyId))));
  if (altNames.length) {
    out.push(extension(OID.id_ce_subjectAltName, emptySubject, DER.sequence(...altNames.map(generalNameDer))));
  }
  return out;
}

