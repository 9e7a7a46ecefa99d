// gskkyman's request actions: create a request, renew one, receive the certificate, move pending keys to a new password.

import * as path from 'node:path';
import { sameBytes } from '../../bytes.js';
import type { CryptoProvider, KeySpec, PrivateKeyHandle } from '../../crypto/provider.js';
import { softwareProvider } from '../../crypto/software.js';
import { conflict, failed, KymanError, notFound, usage } from '../../errors.js';
import { publicKeyMatches, readCertificate, summarizeCertificate, type SignatureHash } from '../../pki/certificate/index.js';
import { readCertificateFile } from '../../pki/certificate-file.js';
import { createCertificationRequest, readCertificationRequest, type RequestInfo } from '../../pki/csr.js';
import { parseSubjectAltName } from '../../pki/general-name.js';
import { parseName } from '../../pki/name.js';
import { isCmsFile } from '../cms/index.js';
import { DEFAULT_KEY_SPEC } from '../create-entry.js';
import { fileExists, readFileOrFail } from '../file-io.js';
import { checkLabel, labelFor } from '../labels.js';
import type { KeyStore } from '../types.js';
import { requestDatabasePathFor } from './cms-container.js';
import { RequestStore } from './file-store.js';
import type { PendingRequest, PendingRequestStore } from './types.js';

export interface CreateRequestOptions {
  /** RFC 4514 subject. */
  subject: string;
  /** `dns:…`, `ip:…`, `email:…`, `uri:…`. */
  subjectAltNames?: string[];
  /** The key to generate (default EC P-256), or a key handle to use. */
  key?: KeySpec | PrivateKeyHandle;
  signatureHash?: SignatureHash;
  rsaPss?: boolean;
}

export interface CreatedRequest {
  label: string;
  /** PKCS #10 DER. */
  request: Uint8Array;
  info: RequestInfo;
  /** Where the pending request and key were written. */
  file: string;
}

/** The label must be free in both the key database and the pending requests. */
function refuseTakenLabel(keyStore: KeyStore, requests: PendingRequestStore, label: string): void {
  checkLabel(label);
  if (keyStore.has(label)) throw conflict(`label "${label}" already exists in ${path.basename(keyStore.path)}`);
  if (requests.has(label)) throw conflict(`label "${label}" is already a pending request for ${path.basename(keyStore.path)}: see "kyman req list"`);
}

const isKeyHandle = (k: KeySpec | PrivateKeyHandle): k is PrivateKeyHandle => 'spki' in k;

/**
 * gskkyman "Create new certificate request": a new key pair and a PKCS #10 request for it; the
 * key waits in the request database until the certificate comes back.
 */
export async function createRequest(keyStore: KeyStore, requests: PendingRequestStore, label: string, options: CreateRequestOptions, provider: CryptoProvider = keyStore.provider): Promise<CreatedRequest> {
  refuseTakenLabel(keyStore, requests, label);
  const spec = options.key ?? DEFAULT_KEY_SPEC;
  // Check the subject and names before spending time on an RSA key.
  if (!isKeyHandle(spec)) checkRequestNames(options);
  const key = isKeyHandle(spec) ? spec : await requests.newKeyPair(spec, label);
  try {
    const request = await createCertificationRequest(provider, { subject: options.subject, key, subjectAltNames: options.subjectAltNames, signatureHash: options.signatureHash, rsaPss: options.rsaPss });
    await requests.add(label, request, key);
    return { label, request, info: readCertificationRequest(provider, request), file: requests.path };
  } catch (error) {
    // A key made for this request goes with it; one the caller brought stays.
    if (!isKeyHandle(spec)) await requests.discardKeyPair(key);
    throw error;
  }
}

function checkRequestNames(options: CreateRequestOptions): void {
  const subject = parseName(options.subject);
  const names = (options.subjectAltNames ?? []).map(parseSubjectAltName);
  if (subject.length === 0 && names.length === 0) throw usage('the subject is empty, so the request needs at least one subject alternative name');
}

export interface RenewRequestOptions {
  /** Default: the current certificate's subject. */
  subject?: string;
  /** Default: the current certificate's subject alternative names. */
  subjectAltNames?: string[];
  signatureHash?: SignatureHash;
  rsaPss?: boolean;
}

/**
 * gskkyman "Create a certificate renewal request": a request for the key pair already under
 * `label`, with its certificate's subject and names unless others are given. The pending entry
 * is marked as a renewal; receiving its certificate replaces the old one under the same label.
 */
export async function renewRequest(keyStore: KeyStore, requests: PendingRequestStore, label: string, options: RenewRequestOptions = {}, provider: CryptoProvider = keyStore.provider): Promise<CreatedRequest> {
  const entry = keyStore.entry(label);
  if (!entry.hasPrivateKey) throw usage(`"${label}" has no private key: only a key entry can be renewed`);
  if (requests.has(label)) throw conflict(`a request for "${label}" is already pending: receive it, or delete it with "kyman req delete ${label}"`);
  const key = await keyStore.privateKey(label);
  const current = readCertificate(provider, entry.certificate);
  const request = await createCertificationRequest(provider, {
    subject: options.subject ?? current.subject,
    key,
    subjectAltNames: options.subjectAltNames ?? current.subjectAltNames,
    signatureHash: options.signatureHash,
    rsaPss: options.rsaPss,
  });
  await requests.add(label, request, key, { renewal: true });
  return { label, request, info: readCertificationRequest(provider, request), file: requests.path };
}

export interface ReceiveOptions {
  /** Add the file's other certificates that the key database lacks: the root trusted, intermediates not. */
  addChain?: boolean;
}

export interface ReceiveResult {
  label: string;
  subject: string;
  /** The received certificate replaced the one of an existing key entry (a renewal). */
  renewed: boolean;
  /** Other certificates in the file that were not in the key database, and what became of them. */
  chain: Array<{ subject: string; label?: string; added: boolean }>;
}

/**
 * gskkyman "Receive requested certificate or a renewal certificate": the certificate (alone, in
 * PEM or DER, or in a PKCS #7 chain) whose public key is that of a pending request. Its key and
 * the certificate become a key entry under the request's label; the key database is written
 * first and the pending entry removed after, so a crash between the two leaves the key in both
 * places, never in neither. FAILED when no pending request has the certificate's key: the file
 * is a good certificate, the key database just has nothing waiting for it.
 */
export async function receiveCertificate(keyStore: KeyStore, requests: PendingRequestStore, fileBytes: Uint8Array, options: ReceiveOptions = {}): Promise<ReceiveResult> {
  const certificates = readCertificateFile(fileBytes);
  const pending = requests.list();
  let match: { cert: Uint8Array; request: PendingRequest } | undefined;
  for (const cert of certificates) {
    const request = pending.find((p) => publicKeyMatches(cert, p.spki));
    if (request) {
      match = { cert, request };
      break;
    }
  }
  if (!match) {
    const leaf = certificates.find((c) => !summarizeCertificate(c).isCA) ?? certificates[0];
    const subject = summarizeCertificate(leaf).subject;
    throw failed(
      pending.length === 0
        ? `no certificate request is pending for ${path.basename(keyStore.path)}, so the certificate for "${subject}" cannot be received`
        : `the certificate for "${subject}" matches no pending request for ${path.basename(keyStore.path)}: see "kyman req list"`,
    );
  }
  const { cert, request } = match;
  const label = request.label;
  const subject = summarizeCertificate(cert).subject;

  if (requests instanceof RequestStore && requests.type === 'pkcs12') {
    // Pending key and key entries share one file: one write moves it.
    await requests.settlePkcs12(label, cert);
  } else if (request.renewal) {
    if (!keyStore.has(label)) throw notFound(`the key entry "${label}" this renewal was made for is no longer in ${path.basename(keyStore.path)}`);
    await keyStore.replaceCertificate(label, cert);
    await requests.delete(label);
  } else {
    if (keyStore.has(label)) throw conflict(`label "${label}" already exists in ${path.basename(keyStore.path)}: rename that entry, then receive again`);
    const key = await requests.privateKey(label);
    await keyStore.addKeyPair(label, cert, key);
    await requests.delete(label);
  }

  // The rest of the file: the issuer chain, as the CA sent it.
  const chain: ReceiveResult['chain'] = [];
  for (const other of certificates) {
    if (other === cert) continue;
    const otherSubject = summarizeCertificate(other).subject;
    const present = keyStore.entries().some((e) => sameBytes(e.certificate, other));
    if (present) continue;
    if (!options.addChain) {
      chain.push({ subject: otherSubject, added: false });
      continue;
    }
    const otherLabel = labelFor(other, (l) => keyStore.has(l) || requests.has(l));
    // As pki apply does: the root anchors, an intermediate is only a link, so trusting it would let it anchor alone.
    const trusted = readCertificate(softwareProvider(), other).selfSigned;
    await keyStore.addCertificate(otherLabel, other, { trusted });
    chain.push({ subject: otherSubject, label: otherLabel, added: true });
  }
  return { label, subject, renewed: request.renewal, chain };
}

/**
 * Re-encrypts the pending requests of a key database after its password changed: call it right
 * after `changeKeyStorePassword`. Returns how many pending keys moved (0 when there is no .rdb).
 */
export async function changeRequestStorePassword(keyDatabasePath: string, oldPassword: string, newPassword: string, provider: CryptoProvider = softwareProvider()): Promise<number> {
  const kdb = await readFileOrFail(keyDatabasePath, 'key database');
  if (isCmsFile(kdb) && !(await fileExists(requestDatabasePathFor(keyDatabasePath)))) return 0;
  // Open under the password the container is under now: CMS .rdb still the old one; PKCS #12 the new one.
  const store = await RequestStore.open(keyDatabasePath, { password: isCmsFile(kdb) ? oldPassword : newPassword, provider }).catch((error: unknown) => {
    if (isCmsFile(kdb) && error instanceof KymanError && error.code === 'BAD_PASSWORD') {
      // Already moved (a second run after an interruption): nothing to do if the new password opens it.
      return RequestStore.open(keyDatabasePath, { password: newPassword, provider }).then(() => undefined);
    }
    throw error;
  });
  if (!store) return 0;
  return store.reencrypt(oldPassword, newPassword);
}
