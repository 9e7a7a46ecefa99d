// Issuing X.509 v3 certificates through a CryptoProvider, written with the DER writer.

import type { CryptoProvider, PrivateKeyHandle } from '../../crypto/provider.js';
import { badInput, failed, usage } from '../../errors.js';
import * as DER from '../../der/writer.js';
import { expectTlv, readTlv } from '../../der/reader.js';
import { OID } from '../../der/oids.js';
import { equalBytes } from '../../bytes.js';
import { encodeName, parseName } from '../name.js';
import { layoutCertificate, readPublicKey } from './layout.js';
import { readCertificate } from './read.js';
import { signatureAlgorithmDer, signatureSchemeFor } from './signature-algorithms.js';
import type { CertificateInfo, CertificateOptions } from './types.js';
import { extensionsFor } from './extensions.js';
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
