// Many additions and replacements to one key database in a single locked write, for `pki apply`.
//
// FileKeyStore writes the whole file on every change, which is right for one entry and ruinous
// for a thousand. This applies a list of changes the same way FileKeyStore#change does — take the
// lock, re-read the file, change a copy, write it atomically, release — but once for the list.

import * as path from 'node:path';
import { sameBytes } from '../bytes.js';
import type { CryptoProvider, PrivateKeyHandle } from '../crypto/provider.js';
import { badInput, conflict, usage } from '../errors.js';
import { publicKeyMatches } from '../pki/certificate/index.js';
import { keyEncryptor } from '../pki/pbe.js';
import type { StoredEntry } from './backend.js';
import { backendFor } from './file-key-store.js';
import { checkLabel } from './labels.js';
import { readFileOrFail, withFileLock, writeFileAtomic } from './file-io.js';

/** One change: a key pair (new, or replacing the entry's certificate and key), or a CA certificate. */
export type BatchChange =
  | { kind: 'key-pair'; label: string; certificate: Uint8Array; key: PrivateKeyHandle }
  | { kind: 'certificate'; label: string; certificate: Uint8Array; trusted: boolean };

export interface BatchOptions {
  password: string;
  provider: CryptoProvider;
  lockTimeoutMs?: number;
}

export interface BatchResult {
  added: number;
  replaced: number;
  /** Certificate changes skipped because the file already held the same certificate. */
  unchanged: number;
}

/**
 * Applies `changes` to the database `file` in one locked, atomic write. A key-pair change adds the
 * entry or replaces the certificate and key of an entry with that label, keeping its trust and
 * default flags; a new key becomes the default when the file has none, as FileKeyStore does. A
 * certificate change adds a certificate entry or updates one with that label, and is skipped when
 * the same certificate is already in the file under any label. CONFLICT when a certificate change
 * would overwrite a key entry. Nothing is written when `changes` turns out to change nothing.
 */
export async function applyBatch(file: string, changes: readonly BatchChange[], options: BatchOptions): Promise<BatchResult> {
  const name = path.basename(file);
  const provider = options.provider;
  for (const c of changes) {
    checkLabel(c.label);
    if (c.kind === 'key-pair') {
      if (!publicKeyMatches(c.certificate, c.key.spki)) throw badInput(`the private key for "${c.label}" does not belong to its certificate`);
      if (!c.key.extractable) throw usage(`the key for "${c.label}" lives on a token and cannot be copied into a file`);
    }
  }
  return withFileLock(
    file,
    async () => {
      const bytes = await readFileOrFail(file, 'key database');
      const backend = backendFor(bytes, name);
      const image = backend.decode(provider, bytes, options.password, name);
      const encrypt = keyEncryptor(provider, options.password, backend.keyProtection(image.meta));
      const byLabel = new Map<string, StoredEntry>(image.entries.map((e) => [e.label, e]));
      const result: BatchResult = { added: 0, replaced: 0, unchanged: 0 };
      for (const c of changes) {
        const existing = byLabel.get(c.label);
        if (c.kind === 'certificate') {
          if (image.entries.some((e) => e.certificate !== undefined && sameBytes(e.certificate, c.certificate))) {
            result.unchanged++;
            continue;
          }
          if (existing && existing.kind !== 'certificate') throw conflict(`"${c.label}" in ${name} holds a private key; kyman will not replace it with the CA certificate of that label`);
          if (existing) {
            existing.certificate = c.certificate;
            existing.trusted = c.trusted;
            result.replaced++;
          } else {
            const entry: StoredEntry = { label: c.label, kind: 'certificate', certificate: c.certificate, trusted: c.trusted, isDefault: false };
            image.entries.push(entry);
            byLabel.set(c.label, entry);
            result.added++;
          }
          continue;
        }
        const encryptedKey = encrypt(provider.exportPrivateKey(c.key));
        if (existing && existing.kind !== 'other') {
          existing.kind = 'key-pair';
          existing.certificate = c.certificate;
          existing.encryptedKey = encryptedKey;
          // A PKCS #12 file cannot mark a key entry trusted (FileKeyStore#setTrusted).
          if (backend.type === 'pkcs12') existing.trusted = false;
          result.replaced++;
        } else {
          if (existing) throw conflict(`label "${c.label}" in ${name} belongs to an entry kyman does not model: rename it first`);
          const isDefault = !image.entries.some((e) => e.isDefault);
          // GSKit marks every record it writes as trusted; kyman does the same for CMS (FileKeyStore#addKeyPair).
          const entry: StoredEntry = { label: c.label, kind: 'key-pair', certificate: c.certificate, encryptedKey, trusted: backend.type === 'cms', isDefault };
          image.entries.push(entry);
          byLabel.set(c.label, entry);
          result.added++;
        }
      }
      if (result.added + result.replaced > 0) await writeFileAtomic(file, backend.encode(provider, image, options.password, name));
      return result;
    },
    { timeoutMs: options.lockTimeoutMs },
  );
}
