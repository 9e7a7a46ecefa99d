// Opening a key store: a key database file (its backend read from its first bytes, Java keystores read-only) or a token by its URI.

import { openKeyDatabase, type OpenKeyStoreOptions } from './open-database.js';
import { Pkcs11KeyStore } from './pkcs11-key-store.js';
import { isPkcs11Uri, parsePkcs11Uri } from './pkcs11-uri.js';
import type { KeyStore } from './types.js';

export { openKeyDatabase, type OpenKeyStoreOptions } from './open-database.js';

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
