// The request database: pending certificate requests and their private keys, kept beside the key database.
//
// gskkyman keeps them in a companion CMS file, `name.rdb`, under the key database's password
// (and so its stash). kyman does the same for a CMS key database: the .rdb is created on the
// first request, as version 6 (IBM tools write an empty .rdb as version 3, but kyman's key
// databases are v6 and v6 protects keys with PBES2; every reader of v6 .kdb files reads v6),
// with the key database's record length, locked and written atomically like the key database.
// The `[0]` record layout is in cms/request-record.ts.
//
// A PKCS #12 file has no companion, so a pending request lives in the key database itself, as
// a pkcs8ShroudedKeyBag whose friendlyName is the label and whose localKeyId is the DER of the
// request. That is portable: RFC 7292 and RFC 2985 §5.5.2 leave localKeyId's contents to the
// writer, so openssl, keytool and NSS read the file as it is (a key whose localKeyId pairs it
// with no certificate), while kyman recognises a pending request by a localKeyId that is a
// PKCS #10 request for that very key. A renewal is the same bag beside the key entry of the same
// friendlyName.

import * as path from 'node:path';
import type { CryptoProvider, KeySpec, PrivateKeyHandle } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { badInput, conflict, failed, KymanError, notFound, usage } from '../errors.js';
import { publicKeyMatches, readCertificate, summarizeCertificate, type SignatureHash } from '../pki/certificate/index.js';
import { parseSubjectAltName } from '../pki/general-name.js';
import { parseName } from '../pki/name.js';
import { readCertificateFile } from '../pki/certificate-file.js';
import { createCertificationRequest, readCertificationRequest, type RequestInfo } from '../pki/csr.js';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo, type KeyProtection } from '../pki/pbe.js';
import type { Pkcs12Bag } from '../pki/pkcs12.js';
import type { StoredEntry, StoreImage } from './backend.js';
import { DEFAULT_RECORD_LENGTH, cmsKeyProtection, isCmsFile, newCmsDatabase, peekCmsHeader, readCmsDatabase, writeCmsDatabase, type CmsDatabase } from './cms/index.js';
import { readRequestRecord, requestRecord } from './cms/request-record.js';
import { checkLabel } from './labels.js';
import type { KeyStore } from './types.js';
import type { Pkcs11KeyStore } from './pkcs11-key-store.js';
import { TokenRequestStore } from './pkcs11-requests.js';
import { fileExists, readFileOrFail, withFileLock, writeFileAtomic } from './file-io.js';
import { labelFor } from './transfer.js';
import { pkcs12Backend, type Pkcs12Meta } from './pkcs12-backend.js';

/** One pending request as callers see it. */
export interface PendingRequest {
  readonly label: string;
  /** PKCS #10 DER. */
  readonly request: Uint8Array;
  /** RFC 4514 subject of the request. */
  readonly subject: string;
  /** `dns:…` names the request asks for. */
  readonly subjectAltNames: readonly string[];
  /** `EC P-256`, `RSA 2048`, `Ed25519`. */
  readonly keyType: string;
  /** SubjectPublicKeyInfo DER of the request's key. */
  readonly spki: Uint8Array;
  /** A request for a key pair already in the key database: its certificate will be replaced. */
  readonly renewal: boolean;
}

/** Where a key database's pending requests wait: its .rdb, the PKCS #12 file itself, or its token. */
export interface PendingRequestStore {
  readonly type: 'cms' | 'pkcs12' | 'pkcs11';
  /** The file (or token URI) that holds them. */
  readonly path: string;
  list(): PendingRequest[];
  has(label: string): boolean;
  get(label: string): PendingRequest;
  /** The pending request's private key. */
  privateKey(label: string): Promise<PrivateKeyHandle>;
  /** A key for a new request, made where this store keeps pending keys. */
  newKeyPair(spec: KeySpec, label: string): Promise<PrivateKeyHandle>;
  /** Drops a key from `newKeyPair` that never became a pending request. */
  discardKeyPair(key: PrivateKeyHandle): Promise<void>;
  add(label: string, request: Uint8Array, key: PrivateKeyHandle, options?: { renewal?: boolean }): Promise<PendingRequest>;
  delete(label: string): Promise<void>;
}

/** A pending request as callers see it, read from its DER. */
export function pendingRequestView(provider: CryptoProvider, label: string, request: Uint8Array, renewal: boolean): PendingRequest {
  const info = readCertificationRequest(provider, request);
  return {
    label,
    request,
    subject: info.subject,
    subjectAltNames: info.subjectAltNames,
    keyType: describeRequestKey(info),
    spki: info.publicKey.spki,
    renewal,
  };
}

/** A pending item as the file holds it: the key still encrypted. */
interface StoredRequest {
  label: string;
  request: Uint8Array;
  encryptedKey: Uint8Array;
  renewal: boolean;
}

/** How one container (a CMS .rdb, or the PKCS #12 file itself) holds pending requests. */
interface RequestContainer<Image> {
  readonly file: string;
  readonly type: 'cms' | 'pkcs12';
  /** The image of the file's bytes, or of no file yet (CMS only). */
  decode(bytes: Uint8Array | undefined, password: string): Image;
  encode(image: Image, password: string): Uint8Array;
  list(image: Image): StoredRequest[];
  /** Replaces the pending items (everything else in the file stays as it was). */
  setList(image: Image, items: StoredRequest[]): void;
  keyProtection(image: Image): KeyProtection;
}

/** The companion request database of a key database: `name.rdb` beside `name.kdb`. */
export function requestDatabasePathFor(keyDatabasePath: string): string {
  return keyDatabasePath.replace(/\.[^./\\]*$/, '') + '.rdb';
}

function cmsContainer(provider: CryptoProvider, keyDatabasePath: string, recordLength: number): RequestContainer<CmsDatabase> {
  const file = requestDatabasePathFor(keyDatabasePath);
  const name = path.basename(file);
  return {
    file,
    type: 'cms',
    decode(bytes, password) {
      if (!bytes) return newCmsDatabase(provider, { recordLength, fileType: 'request' });
      const db = readCmsDatabase(provider, bytes, password, { name });
      if (db.fileType !== 'request') throw badInput(`${name} is not a request database (its type tag is not X509KYP)`);
      return db;
    },
    encode: (image, password) => writeCmsDatabase(provider, image, password, { name }),
    list: (image) => image.records.filter((r) => r.kind === 'request').map((r) => ({ label: r.label, ...storedOf(readRequestRecord(r)) })),
    setList(image, items) {
      const others = image.records.filter((r) => r.kind !== 'request');
      image.records = [...others, ...items.map((i) => requestRecord(i.label, { request: i.request, encryptedPrivateKey: i.encryptedKey, renewal: i.renewal }))];
    },
    keyProtection: (image) => cmsKeyProtection(image.version),
  };
}

const storedOf = (c: { request: Uint8Array; encryptedPrivateKey: Uint8Array; renewal: boolean }) => ({
  request: c.request,
  encryptedKey: c.encryptedPrivateKey,
  renewal: c.renewal,
});

/** A key bag that is a pending request: encrypted, named, and its localKeyId a PKCS #10 request. */
function pendingBag(provider: CryptoProvider, entry: StoredEntry): Pkcs12Bag | undefined {
  const bag = entry.carry as Pkcs12Bag | undefined;
  if (entry.kind !== 'other' || !bag || bag.type !== 'key' || !bag.encrypted || !bag.friendlyName || !bag.localKeyId) return undefined;
  if (bag.localKeyId[0] !== 0x30 || bag.localKeyId.length < 64) return undefined;
  try {
    readCertificationRequest(provider, bag.localKeyId);
    return bag;
  } catch {
    return undefined;
  }
}

function pkcs12Container(provider: CryptoProvider, keyDatabasePath: string): RequestContainer<StoreImage<Pkcs12Meta>> {
  const name = path.basename(keyDatabasePath);
  return {
    file: keyDatabasePath,
    type: 'pkcs12',
    decode(bytes, password) {
      if (!bytes) throw notFound(`key database ${keyDatabasePath} does not exist`);
      return pkcs12Backend.decode(provider, bytes, password, name);
    },
    encode: (image, password) => pkcs12Backend.encode(provider, image, password, name),
    list(image) {
      const out: StoredRequest[] = [];
      for (const e of image.entries) {
        const bag = pendingBag(provider, e);
        if (!bag) continue;
        const label = bag.friendlyName!;
        const renewal = image.entries.some((x) => x.kind === 'key-pair' && x.label === label);
        out.push({ label, request: bag.localKeyId!, encryptedKey: bag.data, renewal });
      }
      return out;
    },
    setList(image, items) {
      image.entries = image.entries.filter((e) => !pendingBag(provider, e));
      for (const i of items) {
        const bag: Pkcs12Bag = { type: 'key', data: i.encryptedKey, encrypted: true, friendlyName: i.label, localKeyId: i.request };
        image.entries.push({ label: `${i.label} (pending)`, kind: 'other', trusted: false, isDefault: false, carry: bag });
      }
    },
    keyProtection: (image) => pkcs12Backend.keyProtection(image.meta),
  };
}

export interface OpenRequestStoreOptions {
  password: string;
  provider?: CryptoProvider;
  lockTimeoutMs?: number;
}

/**
 * The pending requests of a key database, held in memory as last read. Every change takes the
 * container file's lock, re-reads it, applies the change and writes it atomically (0600), as
 * FileKeyStore does, so it never saves a stale copy over another writer's change.
 */
export class RequestStore implements PendingRequestStore {
  readonly keyDatabasePath: string;
  readonly type: 'cms' | 'pkcs12';
  readonly #container: RequestContainer<unknown>;
  readonly #provider: CryptoProvider;
  readonly #lockTimeoutMs?: number;
  #password: string;
  #items: StoredRequest[];

  private constructor(keyDatabasePath: string, container: RequestContainer<unknown>, items: StoredRequest[], options: Required<Pick<OpenRequestStoreOptions, 'password' | 'provider'>> & OpenRequestStoreOptions) {
    this.keyDatabasePath = keyDatabasePath;
    this.type = container.type;
    this.#container = container;
    this.#items = items;
    this.#password = options.password;
    this.#provider = options.provider;
    this.#lockTimeoutMs = options.lockTimeoutMs;
  }

  /** The file that holds the pending requests: the .rdb, or the PKCS #12 key database itself. */
  get path(): string {
    return this.#container.file;
  }

  static async open(keyDatabasePath: string, options: OpenRequestStoreOptions): Promise<RequestStore> {
    const provider = options.provider ?? softwareProvider();
    const kdb = await readFileOrFail(keyDatabasePath, 'key database');
    let container: RequestContainer<unknown>;
    if (isCmsFile(kdb)) {
      const header = peekCmsHeader(kdb, { name: path.basename(keyDatabasePath) });
      container = cmsContainer(provider, keyDatabasePath, header.recordLength || DEFAULT_RECORD_LENGTH) as RequestContainer<unknown>;
    } else {
      container = pkcs12Container(provider, keyDatabasePath) as RequestContainer<unknown>;
    }
    const bytes = (await fileExists(container.file)) ? await readFileOrFail(container.file, 'request database') : undefined;
    const items = container.list(container.decode(bytes, options.password));
    return new RequestStore(keyDatabasePath, container, items, { ...options, provider });
  }

  /** Pending requests, in file order. */
  list(): PendingRequest[] {
    return this.#items.map((i) => this.#view(i));
  }

  has(label: string): boolean {
    return this.#items.some((i) => i.label === label);
  }

  get(label: string): PendingRequest {
    return this.#view(this.#find(label));
  }

  /** The pending request's private key, decrypted in memory only. */
  async privateKey(label: string): Promise<PrivateKeyHandle> {
    const item = this.#find(label);
    let pkcs8: Uint8Array;
    try {
      pkcs8 = decryptPrivateKeyInfo(this.#provider, item.encryptedKey, this.#password);
    } catch (error) {
      if (error instanceof KymanError && error.code === 'BAD_PASSWORD') {
        throw badInput(`the private key of pending request "${label}" cannot be decrypted with the database password: the entry is damaged`);
      }
      throw error;
    }
    return this.#provider.importPrivateKey(pkcs8);
  }

  /** Adds a pending request with its key (which must be the request's key and extractable). */
  async add(label: string, request: Uint8Array, key: PrivateKeyHandle, options: { renewal?: boolean } = {}): Promise<PendingRequest> {
    checkLabel(label);
    const info = readCertificationRequest(this.#provider, request);
    if (!sameSpki(info.publicKey.spki, key.spki)) throw usage(`the key given for pending request "${label}" is not the request's key`);
    if (!key.extractable) throw usage(`the key for "${label}" lives on a token and cannot be kept in a request database`);
    const pkcs8 = this.#provider.exportPrivateKey(key);
    return this.#change((image, items) => {
      if (items.some((i) => i.label === label)) throw conflict(`label "${label}" already exists in ${path.basename(this.path)} as a pending request`);
      const encryptedKey = encryptPrivateKeyInfo(this.#provider, pkcs8, this.#password, this.#container.keyProtection(image));
      const item: StoredRequest = { label, request: info.der, encryptedKey, renewal: options.renewal ?? false };
      items.push(item);
      return this.#view(item);
    });
  }

  async delete(label: string): Promise<void> {
    await this.#change((_image, items) => {
      const i = items.findIndex((x) => x.label === label);
      if (i < 0) throw notFound(`no pending request labelled "${label}" for ${path.basename(this.keyDatabasePath)}`);
      items.splice(i, 1);
    });
  }

  /**
   * Re-encrypts every pending key from `oldPassword` to the store's new password and rewrites
   * the container with it. For PKCS #12 the file's MAC is already under the new password (the
   * key database was changed first), so only the pending keys move.
   */
  async reencrypt(oldPassword: string, newPassword: string): Promise<number> {
    let count = 0;
    const cms = this.type === 'cms';
    await this.#change(
      (image, items) => {
        for (const item of items) {
          const pkcs8 = decryptPendingKey(this.#provider, item, [oldPassword, newPassword]);
          item.encryptedKey = encryptPrivateKeyInfo(this.#provider, pkcs8, newPassword, this.#container.keyProtection(image));
          count++;
        }
      },
      { readPassword: cms ? oldPassword : newPassword, writePassword: newPassword, createIfMissing: false },
    );
    this.#password = newPassword;
    return count;
  }

  async newKeyPair(spec: KeySpec): Promise<PrivateKeyHandle> {
    return this.#provider.generateKeyPair(spec);
  }

  async discardKeyPair(): Promise<void> {
    // An in-memory key: nothing was stored.
  }

  #view(item: StoredRequest): PendingRequest {
    return pendingRequestView(this.#provider, item.label, item.request, item.renewal);
  }

  #find(label: string): StoredRequest {
    const item = this.#items.find((i) => i.label === label);
    if (!item) throw notFound(`no pending request labelled "${label}" for ${path.basename(this.keyDatabasePath)}: see "kyman req list"`);
    return item;
  }

  /** Lock, re-read, apply, write atomically (0600), release. */
  async #change<T>(
    apply: (image: unknown, items: StoredRequest[]) => T,
    options: { readPassword?: string; writePassword?: string; createIfMissing?: boolean } = {},
  ): Promise<T> {
    const container = this.#container;
    return withFileLock(
      container.file,
      async () => {
        const exists = await fileExists(container.file);
        if (!exists && options.createIfMissing === false) return undefined as T;
        const bytes = exists ? await readFileOrFail(container.file, 'request database') : undefined;
        const image = container.decode(bytes, options.readPassword ?? this.#password);
        const items = container.list(image).map((i) => ({ ...i }));
        const result = apply(image, items);
        container.setList(image, items);
        await writeFileAtomic(container.file, container.encode(image, options.writePassword ?? this.#password), 0o600);
        this.#items = items;
        return result;
      },
      { timeoutMs: this.#lockTimeoutMs },
    );
  }

  /**
   * PKCS #12 only: moves a pending request into a key entry in ONE write of the shared file, so
   * there is no moment at which the key is in neither place. `renewal` replaces the certificate
   * of the existing key entry instead.
   */
  async settlePkcs12(label: string, certificate: Uint8Array): Promise<void> {
    if (this.type !== 'pkcs12') throw usage('internal: settlePkcs12 on a CMS request database');
    await this.#change((raw, items) => {
      const image = raw as StoreImage<Pkcs12Meta>;
      const index = items.findIndex((i) => i.label === label);
      if (index < 0) throw notFound(`no pending request labelled "${label}"`);
      const item = items[index];
      items.splice(index, 1);
      const existing = image.entries.find((e) => e.kind === 'key-pair' && e.label === label);
      if (item.renewal) {
        if (!existing) throw notFound(`the key entry "${label}" this renewal was made for is no longer in ${path.basename(this.keyDatabasePath)}`);
        existing.certificate = certificate;
        return;
      }
      if (image.entries.some((e) => e.kind !== 'other' && e.label === label)) throw conflict(`label "${label}" already exists in ${path.basename(this.keyDatabasePath)}`);
      const isDefault = !image.entries.some((e) => e.isDefault);
      image.entries.push({ label, kind: 'key-pair', certificate, encryptedKey: item.encryptedKey, trusted: false, isDefault });
    });
  }
}

/** A pending key under either of two passwords (a password change interrupted half-way). */
function decryptPendingKey(provider: CryptoProvider, item: StoredRequest, passwords: string[]): Uint8Array {
  for (const pw of passwords) {
    try {
      return decryptPrivateKeyInfo(provider, item.encryptedKey, pw);
    } catch (error) {
      if (!(error instanceof KymanError && error.code === 'BAD_PASSWORD')) throw error;
    }
  }
  throw badInput(`the private key of pending request "${item.label}" cannot be decrypted with the old or the new password`);
}

function describeRequestKey(info: RequestInfo): string {
  const k = info.publicKey;
  if (k.type === 'rsa') return `RSA ${k.bits}`;
  if (k.type === 'ec') return k.curve ? `EC ${k.curve}` : 'EC (unnamed curve)';
  if (k.type === 'ed25519') return 'Ed25519';
  return k.algorithmOid;
}

function sameSpki(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Opens the request store of a key database (the .rdb need not exist yet: it is made on first write). */
export function openRequestStore(keyDatabasePath: string, options: OpenRequestStoreOptions): Promise<RequestStore> {
  return RequestStore.open(keyDatabasePath, options);
}

/** The pending requests of any key store: its .rdb, inside its PKCS #12 file, or on its token. */
export async function openPendingRequests(keyStore: KeyStore, options: OpenRequestStoreOptions): Promise<PendingRequestStore> {
  if (keyStore.type === 'pkcs11') return new TokenRequestStore(keyStore as Pkcs11KeyStore);
  return RequestStore.open(keyStore.path, options);
}

// ---------------------------------------------------------------------------------------------
// gskkyman's request actions
// ---------------------------------------------------------------------------------------------

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

const DEFAULT_REQUEST_KEY: KeySpec = { type: 'ec', curve: 'P-256' };

const isKeyHandle = (k: KeySpec | PrivateKeyHandle): k is PrivateKeyHandle => 'spki' in k;

/**
 * gskkyman "Create new certificate request": a new key pair and a PKCS #10 request for it; the
 * key waits in the request database until the certificate comes back.
 */
export async function createRequest(keyStore: KeyStore, requests: PendingRequestStore, label: string, options: CreateRequestOptions, provider: CryptoProvider = keyStore.provider): Promise<CreatedRequest> {
  refuseTakenLabel(keyStore, requests, label);
  const spec = options.key ?? DEFAULT_REQUEST_KEY;
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
  /** Add the file's other certificates that the key database lacks, as trusted CA certificates. */
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
  const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
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
    await keyStore.addCertificate(otherLabel, other, { trusted: true });
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
