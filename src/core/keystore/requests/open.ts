// Opening the pending requests of any key store: its .rdb, inside its PKCS #12 file, or on its token.

import type { Pkcs11KeyStore } from '../pkcs11-key-store.js';
import type { KeyStore } from '../types.js';
import { RequestStore } from './file-store.js';
import { TokenRequestStore } from './token-store.js';
import type { OpenRequestStoreOptions, PendingRequestStore } from './types.js';

/** The pending requests of any key store: its .rdb, inside its PKCS #12 file, or on its token. */
export async function openPendingRequests(keyStore: KeyStore, options: OpenRequestStoreOptions): Promise<PendingRequestStore> {
  if (keyStore.type === 'pkcs11') return new TokenRequestStore(keyStore as Pkcs11KeyStore);
  return RequestStore.open(keyStore.path, options);
}
