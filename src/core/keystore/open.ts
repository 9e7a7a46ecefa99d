// Opening a key store: a key database file (its backend read from its first bytes, Java keystores read-only) or a token by its URI.

import { softwareProvider } from '../crypto/software.js';
import { usage } from '../errors.js';
import { FileKeyStore } from './file-key-store.js';
import { upgradeKeyStore } from './maintenance.js';
import { isPkcs11Uri, parsePkcs11Uri } from './pkcs11-uri.js';
import type { KeyStore, PasswordOptions } from './types.js';

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
  // Loaded here, not with the module: opening a file must not load the PKCS #11 layer and its native addon.
  const { Pkcs11KeyStore } = await import('./pkcs11-key-store.js');
  return Pkcs11KeyStore.open({
    tokenLabel: uri.tokenLabel,
    module: options.module ?? uri.module,
    pin: options.password,
    tokenOps: options.tokenOps,
    onNotice: options.onNotice,
    ...(options.provider ? { fallback: options.provider } : {}),
  });
}
