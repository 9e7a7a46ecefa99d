// A CA entry of a key database at work: signing certificate requests and issuing new key pairs under it.

import type { CryptoProvider, KeySpec, PrivateKeyHandle } from '../crypto/provider.js';
import { badInput, conflict, KymanError, notFound, usage } from '../errors.js';
import { createCertificate, readCertificate, type CertificateInfo, type SignatureHash } from '../pki/certificate/index.js';
import { readCertificationRequest } from '../pki/csr.js';
import { parseSubjectAltName } from '../pki/general-name.js';
import { parseName } from '../pki/name.js';
import { parseProfile, profileOptions, type CertificateProfile } from '../pki/profile.js';
import { DEFAULT_DAYS, DEFAULT_KEY_SPEC } from './create-entry.js';
import { checkLabel } from './labels.js';
import type { KeyStore, KeyStoreEntry } from './types.js';

/** CA/Browser Forum Baseline Requirements §7.1: at least 64 bits of CSPRNG output; we give 128. */
const SERIAL_RANDOM_OCTETS = 16;

export interface IssueOptions {
  /** What the certificate is for; default `any` (serverAuth and clientAuth, like `cert create`). */
  profile?: CertificateProfile | string;
  /** Validity in days; never beyond the CA certificate's own notAfter. Default 365. */
  days?: number;
  /** Subject alternative names (`dns:…`, `ip:…`); for a request, these replace the requested ones. */
  subjectAltNames?: string[];
  /** CA profile only: how many intermediate CAs may follow. */
  pathLength?: number;
  /** Sign with RSASSA-PSS when the CA key is RSA. */
  rsaPss?: boolean;
  signatureHash?: SignatureHash;
  /** Explicit validity, instead of now and `days` (notAfter is still never beyond the CA certificate's). */
  notBefore?: Date;
  notAfter?: Date;
  /** The serial number's INTEGER content octets, instead of 128 random bits. */
  serialNumber?: Uint8Array;
  /** Key usage and extended key usage (names, or dotted OIDs for EKU) instead of the profile's. */
  keyUsage?: string[];
  extendedKeyUsage?: string[];
  /** The injected clock. */
  now?: Date;
  provider?: CryptoProvider;
}

export interface SignRequestResult {
  /** The new certificate, DER. */
  certificate: Uint8Array;
  info: CertificateInfo;
  /** The CA certificate, DER, so a caller can hand out the chain. */
  caCertificate: Uint8Array;
}

/**
 * The CA entry's certificate and key. NOT_FOUND when the label is absent or the entry has no
 * private key: what is missing is a thing, not a mistake in how the command was asked, and it
 * is the code `privateKey()` itself gives.
 */
async function caOf(store: KeyStore, caLabel: string): Promise<{ entry: KeyStoreEntry; key: PrivateKeyHandle }> {
  const entry = store.entry(caLabel);
  if (!entry.hasPrivateKey) {
    throw notFound(`the CA entry "${caLabel}" has no private key, so it cannot sign: import the CA's key with it (kyman cert import … --key-file) or use the database that holds it`);
  }
  return { entry, key: await store.privateKey(caLabel) };
}

/** 128 random bits, with a zero octet in front so the INTEGER stays positive (RFC 5280 §4.1.2.2). */
function randomSerial(provider: CryptoProvider): Uint8Array {
  const serial = Uint8Array.of(0, ...provider.random(SERIAL_RANDOM_OCTETS));
  if (serial.every((b) => b === 0)) serial[serial.length - 1] = 1;
  return serial;
}

/** SAN specs checked up front, so a typing mistake costs no key generation and changes nothing. */
function checkAltNames(specs: readonly string[]): string[] {
  for (const s of specs) parseSubjectAltName(s);
  return [...specs];
}

/** A CA certificate signing: the profile's extensions, a random serial, the CA's key. */
async function issue(
  provider: CryptoProvider,
  ca: { entry: KeyStoreEntry; key: PrivateKeyHandle },
  subject: string,
  subjectKey: PrivateKeyHandle | Uint8Array,
  keyType: CertificateInfo['publicKey']['type'],
  profile: CertificateProfile,
  subjectAltNames: string[],
  options: IssueOptions,
): Promise<Uint8Array> {
  if (options.pathLength !== undefined && profile !== 'ca') throw usage('a path length applies to the ca profile only (RFC 5280 §4.2.1.9)');
  const caInfo = readCertificate(provider, ca.entry.certificate);
  const now = options.now ?? new Date();
  if (caInfo.notAfter.getTime() <= now.getTime()) {
    throw usage(`the CA certificate "${ca.entry.label}" (${caInfo.subject}) expired ${caInfo.notAfter.toISOString()}: renew it before signing with it`);
  }
  return createCertificate(provider, {
    subject,
    subjectKey,
    issuer: { certificate: ca.entry.certificate, key: ca.key },
    serialNumber: options.serialNumber ?? randomSerial(provider),
    // An explicit notAfter is the lifetime; days would contradict it.
    days: options.notAfter ? undefined : (options.days ?? DEFAULT_DAYS),
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    now,
    subjectAltNames,
    pathLength: options.pathLength,
    ...profileOptions(profile, keyType),
    ...(options.keyUsage ? { keyUsage: options.keyUsage } : {}),
    ...(options.extendedKeyUsage ? { extendedKeyUsage: options.extendedKeyUsage } : {}),
    rsaPss: options.rsaPss,
    signatureHash: options.signatureHash,
  });
}

/**
 * Signs a PKCS #10 request (PEM or DER) with the CA entry `caLabel`. BAD_INPUT for a malformed
 * request or one whose signature does not verify (no proof of possession, RFC 2986 §3);
 * USAGE for a request asking for a CA certificate unless the profile is `ca`. The request's
 * other extensions are not copied: the profile decides what the certificate may be used for.
 */
export async function signRequest(store: KeyStore, caLabel: string, request: Uint8Array, options: IssueOptions = {}): Promise<SignRequestResult> {
  const provider = options.provider ?? store.provider;
  const profile = parseProfile(options.profile ?? 'any');
  const csr = readCertificationRequest(provider, request);
  if (!csr.signatureValid) {
    throw badInput(`the request's signature does not verify with its own public key (${csr.subject || 'empty subject'}): it is damaged or was not made by the key's holder`);
  }
  if (csr.publicKey.type === 'other') throw badInput(`the request's key (${csr.publicKey.algorithmOid}) is not RSA, EC or Ed25519`);
  if (csr.isCA && profile !== 'ca') {
    throw usage(`the request (${csr.subject || 'empty subject'}) asks for a CA certificate: sign it with the ca profile if that is meant`);
  }
  let altNames: string[];
  if (options.subjectAltNames?.length) {
    altNames = checkAltNames(options.subjectAltNames);
  } else {
    altNames = csr.subjectAltNames;
    for (const s of altNames) {
      try {
        parseSubjectAltName(s);
      } catch (e) {
        throw badInput(`the request asks for the subject alternative name "${s}", which kyman cannot copy: give the names with --san`, e);
      }
    }
  }
  const ca = await caOf(store, caLabel);
  let certificate: Uint8Array;
  try {
    certificate = await issue(provider, ca, csr.subject, csr.publicKey.spki, csr.publicKey.type, profile, altNames, options);
  } catch (e) {
    // A subject kyman cannot re-encode is the request's fault, not the caller's.
    if (e instanceof KymanError && e.code === 'USAGE' && /distinguished name/.test(e.message)) throw badInput(`the request's subject cannot be used: ${e.message}`, e);
    throw e;
  }
  return { certificate, info: readCertificate(provider, certificate), caCertificate: ca.entry.certificate };
}

export interface IssueEntryOptions extends IssueOptions {
  subject: string;
  key?: KeySpec;
  isDefault?: boolean;
  /** The key store that holds the CA entry, when it is not the one the new entry goes into. */
  caStore?: KeyStore;
}

/**
 * gskkyman's "create a signed certificate and key": a new key pair under `label`, its
 * certificate signed by the CA entry `caLabel`, stored together. Nothing is written on failure.
 */
export async function issueEntry(store: KeyStore, label: string, caLabel: string, options: IssueEntryOptions): Promise<KeyStoreEntry> {
  const provider = options.provider ?? store.provider;
  checkLabel(label);
  const profile = parseProfile(options.profile ?? 'any');
  parseName(options.subject);
  const altNames = checkAltNames(options.subjectAltNames ?? []);
  if (store.has(label)) throw conflict(`label "${label}" already exists in ${store.path}`);
  const ca = await caOf(options.caStore ?? store, caLabel);
  const key = await store.newKeyPair(options.key ?? DEFAULT_KEY_SPEC, label);
  try {
    const certificate = await issue(provider, ca, options.subject, key, key.type, profile, altNames, options);
    return await store.addKeyPair(label, certificate, key, { isDefault: options.isDefault });
  } catch (error) {
    // Nothing is left behind on a token either.
    await store.discardKeyPair(key);
    throw error;
  }
}
