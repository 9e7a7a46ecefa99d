// Key databases held in one file (CMS .kdb or PKCS #12), with every change locked and atomic.

import * as path from 'node:path';
import { sameBytes } from '../bytes.js';
import type { CryptoProvider, KeySpec, PrivateKeyHandle } from '../crypto/provider.js';
import { badInput, conflict, notFound, usage, KymanError } from '../errors.js';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo } from '../pki/pbe.js';
import { publicKeyMatches, summarizeCertificate } from '../pki/certificate/index.js';
import type { DecodeOptions, FileBackend, StoredEntry, StoreImage } from './backend.js';
import { cmsBackend } from './cms-backend.js';
import { isCmsFile } from './cms/index.js';
import { readFileOrFail, withFileLock, writeFileAtomic, fileExists } from './file-io.js';
import { pkcs12Backend } from './pkcs12-backend.js';
import { jceksBackend, jksBackend } from './jks/jks-backend.js';
import { javaKeyStoreFormat } from './jks/keystore-file.js';
import { isPkcs12 } from '../pki/pkcs12.js';
import type { AddOptions, KeyStore, KeyStoreEntry, KeyStoreInfo } from './types.js';
import { checkLabel } from './labels.js';
import { closestWord } from '../did-you-mean.js';

/** Which backend reads these bytes: decided by the first bytes, never the file name. */
export function backendFor(bytes: Uint8Array, name: string): FileBackend<unknown> {
  if (isCmsFile(bytes)) return cmsBackend as FileBackend<unknown>;
  if (isPkcs12(bytes)) return pkcs12Backend as FileBackend<unknown>;
  const java = javaKeyStoreFormat(bytes);
  if (java) return (java === 'jks' ? jksBackend : jceksBackend) as FileBackend<unknown>;
  if (bytes.length === 0) throw badInput(`${name} is empty: it is not a key database`);
  throw badInput(`${name} is not a key database (neither an IBM CMS .kdb, a PKCS #12 file nor a Java keystore)`);
}

function view(e: StoredEntry): KeyStoreEntry {
  return { label: e.label, certificate: e.certificate!, hasPrivateKey: e.kind === 'key-pair', trusted: e.trusted, isDefault: e.isDefault };
}

export interface OpenOptions {
  password: string;
  provider: CryptoProvider;
  /** How long to wait for another writer's lock (ms). */
  lockTimeoutMs?: number;
  /** Java keystores: the password of their private keys (default: the store password). */
  keyPassword?: string;
  /** Told of entries the file holds that kyman leaves out. */
  onNotice?: (message: string) => void;
}

export class FileKeyStore implements KeyStore {
  readonly path: string;
  readonly type: 'cms' | 'pkcs12' | 'jks' | 'jceks';
  readonly #backend: FileBackend<unknown>;
  readonly #provider: CryptoProvider;
  readonly #lockTimeoutMs?: number;
  readonly #decodeOptions: DecodeOptions;
  #password: string;
  #image: StoreImage<unknown>;
  #bytes: Uint8Array;

  private constructor(file: string, backend: FileBackend<unknown>, image: StoreImage<unknown>, bytes: Uint8Array, options: OpenOptions) {
    this.path = file;
    this.type = backend.type;
    this.#backend = backend;
    this.#image = image;
    this.#bytes = bytes;
    this.#password = options.password;
    this.#provider = options.provider;
    this.#lockTimeoutMs = options.lockTimeoutMs;
    this.#decodeOptions = { keyPassword: options.keyPassword };
  }

  /** Opens an existing database: the password and the file's integrity are checked here. */
  static async open(file: string, options: OpenOptions): Promise<FileKeyStore> {
    const bytes = await readFileOrFail(file, 'key database');
    const name = path.basename(file);
    const backend = backendFor(bytes, name);
    const image = backend.decode(options.provider, bytes, options.password, name, { keyPassword: options.keyPassword, onNotice: options.onNotice });
    return new FileKeyStore(file, backend, image, bytes, options);
  }

  /** Creates a new, empty database; refuses to replace an existing file. */
  static async create(file: string, image: StoreImage<unknown>, backend: FileBackend<unknown>, options: OpenOptions): Promise<FileKeyStore> {
    const name = path.basename(file);
    return withFileLock(
      file,
      async () => {
        if (await fileExists(file)) throw conflict(`${file} already exists: choose another name, or delete it first with "kyman db delete"`);
        const bytes = backend.encode(options.provider, image, options.password, name);
        await writeFileAtomic(file, bytes);
        return new FileKeyStore(file, backend, backend.decode(options.provider, bytes, options.password, name), bytes, options);
      },
      { timeoutMs: options.lockTimeoutMs },
    );
  }

  info(): KeyStoreInfo {
    const entries = this.#image.entries.filter((e) => e.kind !== 'other');
    return {
      type: this.type,
      path: this.path,
      entryCount: entries.length,
      keyCount: entries.filter((e) => e.kind === 'key-pair').length,
      integrity: 'verified',
      ...this.#backend.describe(this.#image.meta),
    };
  }

  entries(): readonly KeyStoreEntry[] {
    return this.#image.entries.filter((e) => e.kind !== 'other').map(view);
  }

  has(label: string): boolean {
    return this.#image.entries.some((e) => e.label === label && e.kind !== 'other');
  }

  entry(label: string): KeyStoreEntry {
    return view(this.#find(this.#image, label));
  }

  defaultEntry(): KeyStoreEntry | undefined {
    const e = this.#image.entries.find((x) => x.isDefault && x.kind === 'key-pair');
    return e && view(e);
  }

  async privateKey(label: string): Promise<PrivateKeyHandle> {
    const e = this.#find(this.#image, label);
    if (e.kind !== 'key-pair' || !e.encryptedKey) throw notFound(`entry "${label}" in ${this.#name} has no private key`);
    return this.#provider.importPrivateKey(this.#decrypt(e));
  }

  get provider(): CryptoProvider {
    return this.#provider;
  }

  async newKeyPair(spec: KeySpec): Promise<PrivateKeyHandle> {
    return this.#provider.generateKeyPair(spec);
  }

  async discardKeyPair(): Promise<void> {
    // A software key is only in memory: dropping the handle is enough.
  }

  close(): void {
    // Nothing stays open between changes: each one takes the lock and re-reads the file.
  }

  /** How long this handle waits for another writer's lock (ms); undefined: the default. */
  get lockTimeoutMs(): number | undefined {
    return this.#lockTimeoutMs;
  }

  /** The password this handle was opened with; the companion files (.rdb, .sth) share it. */
  get password(): string {
    return this.#password;
  }

  /** Why this file cannot be changed (a format kyman reads but does not write), or undefined. */
  get readOnly(): string | undefined {
    return this.#backend.readOnly?.(this.#name);
  }

  /** The backend-specific metadata (CMS version and record length, PKCS #12 legacy mode). */
  get meta(): unknown {
    return this.#image.meta;
  }

  async addCertificate(label: string, certificate: Uint8Array, options: AddOptions = {}): Promise<KeyStoreEntry> {
    checkLabel(label);
    return this.#change((image) => {
      this.#refuseDuplicate(image, label, certificate);
      const entry: StoredEntry = { label, kind: 'certificate', certificate, trusted: options.trusted ?? true, isDefault: false };
      image.entries.push(entry);
      return view(entry);
    });
  }

  async addKeyPair(label: string, certificate: Uint8Array, key: PrivateKeyHandle, options: AddOptions = {}): Promise<KeyStoreEntry> {
    checkLabel(label);
    if (!publicKeyMatches(certificate, key.spki)) throw badInput(`the private key for "${label}" does not belong to its certificate`);
    if (!key.extractable) throw usage(`the key for "${label}" lives on a token and cannot be copied into a file`);
    const pkcs8 = this.#provider.exportPrivateKey(key);
    return this.#change((image) => {
      this.#refuseDuplicate(image, label, certificate);
      const encryptedKey = encryptPrivateKeyInfo(this.#provider, pkcs8, this.#password, this.#backend.keyProtection(image.meta));
      const isDefault = options.isDefault ?? !image.entries.some((e) => e.isDefault);
      if (isDefault) for (const e of image.entries) e.isDefault = false;
      const entry: StoredEntry = {
        label,
        kind: 'key-pair',
        certificate,
        encryptedKey,
        // GSKit marks every record it writes as trusted (flags 07 80); kyman does the same for CMS.
        trusted: options.trusted ?? this.type === 'cms',
        isDefault,
      };
      image.entries.push(entry);
      return view(entry);
    });
  }

  async replaceCertificate(label: string, certificate: Uint8Array): Promise<KeyStoreEntry> {
    return this.#change((image) => {
      const e = this.#find(image, label);
      // The current certificate carries the key's public half; a renewal must keep it.
      if (e.kind === 'key-pair' && e.certificate && !publicKeyMatches(certificate, summarizeCertificate(e.certificate).spki)) {
        throw badInput(`the new certificate's public key does not match the key of "${label}"`);
      }
      e.certificate = certificate;
      return view(e);
    });
  }

  async setTrusted(label: string, trusted: boolean): Promise<KeyStoreEntry> {
    return this.#change((image) => {
      const e = this.#find(image, label);
      if (this.type === 'pkcs12' && e.kind === 'key-pair' && trusted) {
        throw usage(`a PKCS #12 file cannot mark the key entry "${label}" as trusted; only certificate entries are anchors there`);
      }
      e.trusted = trusted;
      return view(e);
    });
  }

  async setDefault(label: string): Promise<KeyStoreEntry> {
    return this.#change((image) => {
      const e = this.#find(image, label);
      if (e.kind !== 'key-pair') throw usage(`"${label}" has no private key, so it cannot be the default key`);
      for (const x of image.entries) x.isDefault = false;
      e.isDefault = true;
      return view(e);
    });
  }

  async rename(label: string, newLabel: string): Promise<KeyStoreEntry> {
    checkLabel(newLabel);
    return this.#change((image) => {
      const e = this.#find(image, label);
      if (label !== newLabel && image.entries.some((x) => x.label === newLabel)) throw conflict(`label "${newLabel}" already exists in ${this.#name}`);
      e.label = newLabel;
      return view(e);
    });
  }

  async delete(label: string): Promise<void> {
    await this.#change((image) => {
      const e = this.#find(image, label);
      image.entries.splice(image.entries.indexOf(e), 1);
    });
  }

  /** Re-encrypts every key under a new password and rewrites the file with it (and its MACs). */
  async changePassword(newPassword: string): Promise<void> {
    await this.#change(
      (image) => {
        for (const e of image.entries) {
          if (e.kind === 'key-pair' && e.encryptedKey) {
            e.encryptedKey = encryptPrivateKeyInfo(this.#provider, this.#decrypt(e), newPassword, this.#backend.keyProtection(image.meta));
          }
        }
      },
      newPassword,
    );
    this.#password = newPassword;
  }

  /**
   * Changes backend metadata (CMS record length, version) and rewrites the file. Keys are
   * re-encrypted when the version changes, so an upgraded database protects them as it should.
   */
  async updateMeta(change: (meta: unknown) => unknown): Promise<void> {
    await this.#change((image) => {
      const before = this.#backend.keyProtection(image.meta);
      image.meta = change(image.meta);
      const after = this.#backend.keyProtection(image.meta);
      if (JSON.stringify(before) !== JSON.stringify(after)) {
        for (const e of image.entries) {
          if (e.kind === 'key-pair' && e.encryptedKey) {
            e.encryptedKey = encryptPrivateKeyInfo(this.#provider, this.#decrypt(e), this.#password, after);
          }
        }
      }
    });
  }

  get #name(): string {
    return path.basename(this.path);
  }

  #decrypt(e: StoredEntry): Uint8Array {
    // A format with keys of its own kind says itself what a key that will not open means.
    if (this.#backend.decryptKey) return this.#backend.decryptKey(this.#provider, e, this.#password, this.#decodeOptions, this.#name);
    try {
      return decryptPrivateKeyInfo(this.#provider, e.encryptedKey!, this.#password);
    } catch (error) {
      // The database password was right (its verifier passed), so a key that will not decrypt is damage.
      if (error instanceof KymanError && error.code === 'BAD_PASSWORD') {
        throw badInput(`the private key of "${e.label}" in ${this.#name} cannot be decrypted with the database password: the entry is damaged`);
      }
      throw error;
    }
  }

  #find(image: StoreImage<unknown>, label: string): StoredEntry {
    const e = image.entries.find((x) => x.label === label && x.kind !== 'other');
    if (!e) {
      const near = closestWord(label, image.entries.filter((x) => x.kind !== 'other').map((x) => x.label));
      throw notFound(`no entry labelled "${label}" in ${this.#name}${near === undefined ? '' : ` (did you mean "${near}"?)`}`);
    }
    return e;
  }

  #refuseDuplicate(image: StoreImage<unknown>, label: string, certificate: Uint8Array): void {
    if (image.entries.some((e) => e.label === label)) throw conflict(`label "${label}" already exists in ${this.#name}`);
    const same = image.entries.find((e) => e.certificate && sameBytes(e.certificate, certificate));
    if (same) throw conflict(`this certificate is already in ${this.#name} as "${same.label}"`);
  }

  /**
   * One locked change: take the lock, re-read the file (another writer may have saved since we
   * read it), apply the change to a copy, write it atomically, release.
   */
  async #change<T>(apply: (image: StoreImage<unknown>) => T, newPassword?: string): Promise<T> {
    const readOnly = this.readOnly;
    if (readOnly) throw usage(readOnly);
    return withFileLock(
      this.path,
      async () => {
        const current = await readFileOrFail(this.path, 'key database');
        const fresh = sameBytes(this.#bytes, current)
          ? this.#image
          : this.#backend.decode(this.#provider, current, this.#password, this.#name);
        const copy: StoreImage<unknown> = { entries: fresh.entries.map((e) => ({ ...e })), meta: structuredCloneMeta(fresh.meta) };
        const result = apply(copy);
        const bytes = this.#backend.encode(this.#provider, copy, newPassword ?? this.#password, this.#name);
        await writeFileAtomic(this.path, bytes);
        this.#image = copy;
        this.#bytes = bytes;
        return result;
      },
      { timeoutMs: this.#lockTimeoutMs },
    );
  }
}

function structuredCloneMeta(meta: unknown): unknown {
  return meta && typeof meta === 'object' ? { ...(meta as object) } : meta;
}

