// Pending requests kept in a file: the .rdb of a CMS key database, or the PKCS #12 key database itself.
//
// Where the requests live in each format is in cms-container.ts and pkcs12-container.ts; this
// store does what is common to both, with the same locked, atomic changes as ../file-key-store.ts.

import * as path from 'node:path';
import type { CryptoProvider, KeySpec, PrivateKeyHandle } from '../../crypto/provider.js';
import { softwareProvider } from '../../crypto/software.js';
import { sameBytes } from '../../bytes.js';
import { badInput, conflict, KymanError, notFound, usage } from '../../errors.js';
import { readCertificationRequest } from '../../pki/csr.js';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo } from '../../pki/pbe.js';
import type { StoreImage } from '../backend.js';
import { DEFAULT_RECORD_LENGTH, isCmsFile, peekCmsHeader } from '../cms/index.js';
import { fileExists, readFileOrFail, withFileLock, writeFileAtomic } from '../file-io.js';
import { checkLabel } from '../labels.js';
import type { Pkcs12Meta } from '../pkcs12-backend.js';
import { cmsContainer } from './cms-container.js';
import type { RequestContainer, StoredRequest } from './container.js';
import { pkcs12Container } from './pkcs12-container.js';
import type { OpenRequestStoreOptions, PendingRequest, PendingRequestStore } from './types.js';
import { pendingRequestView } from './view.js';
import { closestWord } from '../../did-you-mean.js';

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
    if (!sameBytes(info.publicKey.spki, key.spki)) throw usage(`the key given for pending request "${label}" is not the request's key`);
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
    if (!item) {
      const near = closestWord(label, this.#items.map((i) => i.label));
      throw notFound(`no pending request labelled "${label}" for ${path.basename(this.keyDatabasePath)}${near === undefined ? ': see "kyman req list"' : ` (did you mean "${near}"?)`}`);
    }
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

/** Opens the request store of a key database (the .rdb need not exist yet: it is made on first write). */
export function openRequestStore(keyDatabasePath: string, options: OpenRequestStoreOptions): Promise<RequestStore> {
  return RequestStore.open(keyDatabasePath, options);
}
