// The key store layer's door: open, create, inspect, convert and delete key databases and stashes.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CryptoProvider } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { badInput, conflict, usage } from '../errors.js';
import { isPkcs12 } from '../pki/pkcs12.js';
import { cmsBackend, type CmsMeta } from './cms-backend.js';
import { isCmsFile, newCmsDatabase, peekCmsHeader, type CmsVersion } from './cms/index.js';
import { FileKeyStore } from './file-key-store.js';
import { fileExists, readFileOrFail, withFileLock, writeFileAtomic } from './file-io.js';
import { pkcs12Backend, type Pkcs12Meta } from './pkcs12-backend.js';
import { readStash, stashPathFor, writeStash } from './stash.js';
import type { FileBackend } from './backend.js';
import { isPkcs11Uri, parsePkcs11Uri, Pkcs11KeyStore } from './pkcs11-key-store.js';
import type { KeyStore } from './types.js';
import { changeRequestStorePassword } from './requests/actions.js';

export type { KeyStore, KeyStoreEntry, KeyStoreInfo, KeyStoreType, AddOptions } from './types.js';
export { FileKeyStore } from './file-key-store.js';
export { checkLabel, MAX_LABEL_LENGTH } from './labels.js';
export { stashPathFor, readStash, writeStash } from './stash.js';
export type { CmsVersion, CmsDatabase, CmsRecord } from './cms/index.js';
export { readCmsDatabase, writeCmsDatabase, newCmsDatabase, cmsKeyProtection, isCmsFile, peekCmsHeader } from './cms/index.js';
export { withFileLock, writeFileAtomic, lockPathFor } from './file-io.js';
export { isPkcs11Uri, parsePkcs11Uri } from './pkcs11-key-store.js';

/** gskkyman's default record length for a new CMS database. */
export const DEFAULT_RECORD_LENGTH = 5000;
/** Bounds on the record length: no real entry fits in less; more wastes megabytes per entry. */
export const MIN_RECORD_LENGTH = 1000;
export const MAX_RECORD_LENGTH = 1_048_576;

export interface PasswordOptions {
  password: string;
  provider?: CryptoProvider;
  lockTimeoutMs?: number;
}

export interface OpenKeyStoreOptions extends PasswordOptions {
  /** Rewrite a CMS v3 or v4 database as v6 (keys re-encrypted under PBES2) before anything else. */
  upgrade?: boolean;
}

/** Opens a key database file; the backend is read from the file's first bytes. */
export async function openKeyDatabase(file: string, options: OpenKeyStoreOptions): Promise<FileKeyStore> {
  if (isPkcs11Uri(file)) throw usage(`${file} is a token, not a key database file`);
  const store = await FileKeyStore.open(file, { provider: options.provider ?? softwareProvider(), password: options.password, lockTimeoutMs: options.lockTimeoutMs });
  if (options.upgrade) await upgradeKeyStore(store);
  return store;
}

export interface OpenAnyKeyStoreOptions extends OpenKeyStoreOptions {
  /** Tokens: the PKCS #11 library (else the URI's module-path, KYMAN_PKCS11_MODULE, SoftHSM2's). */
  module?: string;
  /** Tokens: `all` also runs key agreement and record protection on the token where it can. */
  tokenOps?: 'sign' | 'all';
  /** Tokens: told when an operation falls back to software. */
  onNotice?: (message: string) => void;
}

/**
 * Opens a key store: a key database file (CMS or PKCS #12, read from its first bytes), or a
 * token named by an RFC 7512 URI, `pkcs11:token=LABEL`, whose PIN is `password`. Either way the
 * caller gets the same KeyStore, with the provider its keys need, so what runs on a token is a
 * matter of configuration, not of code.
 */
export async function openKeyStore(target: string, options: OpenAnyKeyStoreOptions): Promise<KeyStore> {
  if (!isPkcs11Uri(target)) return openKeyDatabase(target, options);
  const uri = parsePkcs11Uri(target);
  return Pkcs11KeyStore.open({
    tokenLabel: uri.tokenLabel,
    module: options.module ?? uri.module,
    pin: options.password,
    tokenOps: options.tokenOps,
    onNotice: options.onNotice,
    ...(options.provider ? { fallback: options.provider } : {}),
  });
}

/** Rewrites a CMS v3/v4 database as version 6, the format GSKit 8 writes. */
export async function upgradeKeyStore(store: FileKeyStore): Promise<boolean> {
  if (store.type !== 'cms') return false;
  if ((store.meta as CmsMeta).version === 6) return false;
  await store.updateMeta((meta) => ({ ...(meta as CmsMeta), version: 6 as CmsVersion }));
  return true;
}

export interface CreateKeyStoreOptions extends PasswordOptions {
  type?: 'cms' | 'pkcs12';
  /** CMS slot size; default 5000 as gskkyman. */
  recordLength?: number;
  /** PKCS #12 with 3DES and RC2 (for old readers); weaker, so the caller warns. */
  legacy?: boolean;
  /** Also write a stash file beside it. */
  stash?: boolean;
}

export function checkRecordLength(n: number): number {
  if (!Number.isInteger(n) || n < MIN_RECORD_LENGTH || n > MAX_RECORD_LENGTH) {
    throw usage(`record length must be a whole number from ${MIN_RECORD_LENGTH} to ${MAX_RECORD_LENGTH} bytes, not ${n}`);
  }
  return n;
}

export function checkNewPassword(password: string): string {
  if (password.length === 0) throw usage('the password must not be empty');
  // gskkyman limits database passwords to 128 characters; the v1 stash holds at most 128 bytes.
  if (Buffer.byteLength(password, 'utf8') > 128) throw usage('the password must be at most 128 bytes long');
  return password;
}

/** Creates a new, empty key database (and its stash when asked). */
export async function createKeyStore(file: string, options: CreateKeyStoreOptions): Promise<FileKeyStore> {
  const provider = options.provider ?? softwareProvider();
  checkNewPassword(options.password);
  const type = options.type ?? 'cms';
  let backend: FileBackend<unknown>;
  let meta: unknown;
  if (type === 'cms') {
    if (options.legacy) throw usage('--legacy applies to PKCS #12 databases only');
    const { records: _none, ...cmsMeta } = newCmsDatabase(provider, { recordLength: checkRecordLength(options.recordLength ?? DEFAULT_RECORD_LENGTH) });
    backend = cmsBackend as FileBackend<unknown>;
    meta = cmsMeta;
  } else {
    if (options.recordLength !== undefined) throw usage('a record length applies to CMS databases only');
    backend = pkcs12Backend as FileBackend<unknown>;
    meta = { legacy: options.legacy ?? false } satisfies Pkcs12Meta;
  }
  const store = await FileKeyStore.create(file, { entries: [], meta }, backend, { provider, password: options.password, lockTimeoutMs: options.lockTimeoutMs });
  if (options.stash) await writeStashFile(file, options.password, provider);
  return store;
}

/** Writes the stash file beside a database (0600, atomically) and returns its path. */
export async function writeStashFile(databaseFile: string, password: string, provider: CryptoProvider = softwareProvider()): Promise<string> {
  const stashFile = stashPathFor(databaseFile);
  await writeFileAtomic(stashFile, writeStash(provider, password), 0o600);
  await fs.chmod(stashFile, 0o600);
  return stashFile;
}

/** Reads the stash beside a database, if there is one. */
export async function readStashFor(databaseFile: string, provider: CryptoProvider = softwareProvider()): Promise<{ path: string; password: string } | undefined> {
  const stashFile = stashPathFor(databaseFile);
  if (!(await fileExists(stashFile))) return undefined;
  return { path: stashFile, password: readStash(provider, await readFileOrFail(stashFile, 'stash file')) };
}

export async function readStashFile(stashFile: string, provider: CryptoProvider = softwareProvider()): Promise<string> {
  return readStash(provider, await readFileOrFail(stashFile, 'stash file'));
}

/**
 * Changes the database password: every key re-encrypted, both MACs recomputed, the request
 * database's pending keys moved to the new password, an existing stash rewritten.
 */
export async function changeKeyStorePassword(store: FileKeyStore, newPassword: string): Promise<{ stash?: string; pendingRequests: number }> {
  checkNewPassword(newPassword);
  const oldPassword = store.password;
  await store.changePassword(newPassword);
  // After the key database, so a crash in between leaves a request database that the next
  // password change still opens (it tries both passwords).
  const pendingRequests = await changeRequestStorePassword(store.path, oldPassword, newPassword);
  const stash = (await fileExists(stashPathFor(store.path))) ? await writeStashFile(store.path, newPassword) : undefined;
  return { stash, pendingRequests };
}

/** Changes a CMS database's record length, refusing (and naming the entry) when one would not fit. */
export async function changeRecordLength(store: FileKeyStore, recordLength: number): Promise<void> {
  if (store.type !== 'cms') throw usage(`${path.basename(store.path)} is a PKCS #12 file: only CMS databases have a record length`);
  checkRecordLength(recordLength);
  await store.updateMeta((meta) => ({ ...(meta as CmsMeta), recordLength }));
}

/** What can be said of a file without its password, and more with it. */
export interface KeyDatabaseSummary {
  path: string;
  type: 'cms' | 'pkcs12';
  /** CMS: key database, request database or CRL file. */
  fileType?: 'key' | 'request' | 'crl';
  version?: number;
  recordLength?: number;
  entryCount?: number;
  size: number;
  mode: string;
}

export async function peekKeyDatabase(file: string): Promise<KeyDatabaseSummary> {
  const bytes = await readFileOrFail(file, 'key database');
  const stat = await fs.stat(file);
  const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
  const name = path.basename(file);
  if (isCmsFile(bytes)) {
    const h = peekCmsHeader(bytes);
    return { path: file, type: 'cms', fileType: h.fileType, version: h.version, recordLength: h.recordLength, entryCount: h.recordCount, size: bytes.length, mode };
  }
  if (isPkcs12(bytes)) return { path: file, type: 'pkcs12', size: bytes.length, mode };
  throw badInput(`${name} is not a key database (neither an IBM CMS .kdb nor a PKCS #12 file)`);
}

export interface ConvertOptions {
  type: 'cms' | 'pkcs12';
  password: string;
  recordLength?: number;
  legacy?: boolean;
  provider?: CryptoProvider;
}

/**
 * Copies every entry of `source` into a new database: labels, trust and the default key kept,
 * keys re-encrypted under the new file's password and scheme. Nothing is written when any entry
 * cannot be carried over.
 */
export async function convertKeyStore(source: FileKeyStore, target: string, options: ConvertOptions): Promise<FileKeyStore> {
  const provider = options.provider ?? softwareProvider();
  if (path.resolve(target) === path.resolve(source.path)) throw usage('the target must be a different file from the source');
  if (await fileExists(target)) throw conflict(`${target} already exists: choose another name, or delete it first`);
  let recordLength = options.recordLength;
  if (options.type === 'cms' && recordLength === undefined) {
    // Keep the source's slot size, raised if some entry would not fit in it.
    recordLength = source.type === 'cms' ? (source.meta as CmsMeta).recordLength : DEFAULT_RECORD_LENGTH;
  }
  const keys = new Map<string, Awaited<ReturnType<FileKeyStore['privateKey']>>>();
  for (const e of source.entries()) if (e.hasPrivateKey) keys.set(e.label, await source.privateKey(e.label));
  // Build the whole target in a temporary file, then move it into place, so a failure leaves nothing.
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.convert`);
  await fs.rm(temp, { force: true });
  try {
    const store = await createKeyStore(temp, { type: options.type, password: options.password, recordLength, legacy: options.legacy, provider });
    for (const e of source.entries()) {
      const trusted = options.type === 'pkcs12' && e.hasPrivateKey ? false : e.trusted;
      if (e.hasPrivateKey) await store.addKeyPair(e.label, e.certificate, keys.get(e.label)!, { trusted, isDefault: e.isDefault });
      else await store.addCertificate(e.label, e.certificate, { trusted });
    }
    await withFileLock(target, async () => {
      if (await fileExists(target)) throw conflict(`${target} already exists: choose another name, or delete it first`);
      await fs.rename(temp, target);
    });
  } finally {
    await fs.rm(temp, { force: true });
    await fs.rm(`${temp}.lock`, { force: true });
  }
  return openKeyDatabase(target, { password: options.password, provider });
}

/** Deletes a key database with its request database and stash; returns the files removed. */
export async function deleteKeyStore(file: string): Promise<string[]> {
  const bytes = await readFileOrFail(file, 'key database');
  if (!isCmsFile(bytes) && !isPkcs12(bytes)) throw badInput(`${path.basename(file)} is not a key database: not deleting it`);
  return withFileLock(file, async () => {
    const removed: string[] = [];
    const companions = [file, file.replace(/\.[^./\\]*$/, '') + '.rdb', stashPathFor(file)];
    for (const f of [...new Set(companions)]) {
      if (await fileExists(f)) {
        await fs.rm(f);
        removed.push(f);
      }
    }
    return removed;
  });
}
