// Opening a key database file: its backend read from its first bytes (Java keystores read-only). Apart from open.ts so opening a file does not load the PKCS #11 layer and its native addon.

import { softwareProvider } from '../crypto/software.js';
import { usage } from '../errors.js';
import { FileKeyStore } from './file-key-store.js';
import { upgradeKeyStore } from './maintenance.js';
import { isPkcs11Uri } from './pkcs11-uri.js';
import type { PasswordOptions } from './types.js';

export interface OpenKeyStoreOptions extends PasswordOptions {
  /** Rewrite a CMS v3 or v4 database as v6 (keys re-encrypted under PBES2) before anything else. */
  upgrade?: boolean;
}

/** Opens a key database file; the backend is read from the file's first bytes. */
export async function openKeyDatabase(file: string, options: OpenKeyStoreOptions): Promise<FileKeyStore> {
  if (isPkcs11Uri(file)) throw usage(`${file} is a token, not a key database file`);
  const store = await FileKeyStore.open(file, {
    provider: options.provider ?? softwareProvider(),
    password: options.password,
    lockTimeoutMs: options.lockTimeoutMs,
    keyPassword: options.keyPassword,
    onNotice: options.onNotice,
  });
  if (options.upgrade) await upgradeKeyStore(store);
  return store;
}
