// Creating a new, empty key database, and the checks its password and record length must pass.

import { softwareProvider } from '../crypto/software.js';
import { usage } from '../errors.js';
import type { FileBackend } from './backend.js';
import { cmsBackend } from './cms-backend.js';
import { DEFAULT_RECORD_LENGTH, newCmsDatabase } from './cms/index.js';
import { FileKeyStore } from './file-key-store.js';
import { pkcs12Backend, type Pkcs12Meta } from './pkcs12-backend.js';
import { writeStashFile } from './stash.js';
import type { PasswordOptions } from './types.js';

// gskkyman's default record length for a new CMS database is a fact of the CMS format; it is offered here beside its bounds.
export { DEFAULT_RECORD_LENGTH };
/** Bounds on the record length: no real entry fits in less; more wastes megabytes per entry. */
export const MIN_RECORD_LENGTH = 1000;
export const MAX_RECORD_LENGTH = 1_048_576;

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
