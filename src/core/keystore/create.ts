// Creating a new key database (empty, or holding trusted CA certificates), and the checks its password and record length must pass.

import type { CryptoProvider } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { usage } from '../errors.js';
import { sameBytes } from '../bytes.js';
import { readCertificate } from '../pki/certificate/index.js';
import type { FileBackend, StoredEntry } from './backend.js';
import { labelFor } from './labels.js';
import { cmsBackend } from './cms-backend.js';
import { DEFAULT_RECORD_LENGTH, newCmsDatabase } from './cms/index.js';
import { FileKeyStore } from './file-key-store.js';
import { pkcs12Backend, type Pkcs12Meta } from './pkcs12-backend.js';
import { writeStashFile } from './stash.js';
import { checkPasswordExpiryDays, writePasswordExpiry } from './password-expiry.js';
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
  /**
   * CA certificates to start with, each a trusted entry labelled by its subject (gskkyman's
   * database "with the usual CA certificates"). Ones that are not CA or self-signed certificates,
   * have expired or are not yet valid, cannot be read, or repeat another are left out.
   */
  trustedCertificates?: readonly Uint8Array[];
  /** Days until the password expires (gsk8capicmd -expire), kept in kyman's sidecar; 0 or absent: never. */
  passwordExpiryDays?: number;
  /** The time the expiry counts from (tests). */
  now?: Date;
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
  if (options.passwordExpiryDays !== undefined) checkPasswordExpiryDays(options.passwordExpiryDays);
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
  const entries = options.trustedCertificates ? trustedEntries(provider, options.trustedCertificates, new Date()) : [];
  const store = await FileKeyStore.create(file, { entries, meta }, backend, { provider, password: options.password, lockTimeoutMs: options.lockTimeoutMs });
  if (options.stash) await writeStashFile(file, options.password, provider);
  // Also clears a sidecar a database of the same name, removed by hand, left behind.
  await writePasswordExpiry(file, options.passwordExpiryDays ?? 0, options.now);
  return store;
}

/** The entries of createKeyStore's trustedCertificates: current CA certificates, once each, trusted. */
function trustedEntries(provider: CryptoProvider, certificates: readonly Uint8Array[], now: Date): StoredEntry[] {
  const entries: StoredEntry[] = [];
  const taken = new Set<string>();
  for (const der of certificates) {
    let info;
    try {
      info = readCertificate(provider, der);
    } catch {
      continue;
    }
    if (!(info.isCA || info.selfSigned) || info.notAfter < now || info.notBefore > now) continue;
    if (entries.some((e) => e.certificate && sameBytes(e.certificate, der))) continue;
    const label = labelFor(der, (l) => taken.has(l));
    taken.add(label);
    entries.push({ label, kind: 'certificate', certificate: der, trusted: true, isDefault: false });
  }
  return entries;
}
