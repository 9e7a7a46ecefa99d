// What a file format must provide to serve as a key database: decode, encode, and how new keys are protected.

import type { CryptoProvider } from '../crypto/provider.js';
import type { KeyProtection } from '../pki/pbe.js';
import type { KeyStoreInfo } from './types.js';

/** An entry as a file holds it: certificates in the clear, keys still encrypted under the file's password. */
export interface StoredEntry {
  label: string;
  kind: 'certificate' | 'key-pair' | 'other';
  certificate?: Uint8Array;
  /** PKCS #8 EncryptedPrivateKeyInfo DER, encrypted under the database password (or as the backend's decryptKey reads it). */
  encryptedKey?: Uint8Array;
  trusted: boolean;
  isDefault: boolean;
  /** The backend's own record for kinds kyman does not model; written back unchanged. */
  carry?: unknown;
}

export interface StoreImage<Meta> {
  entries: StoredEntry[];
  meta: Meta;
}

/** What a file is opened with besides its password. */
export interface DecodeOptions {
  /** Java keystores: the password of their private keys, when it is not the store password. */
  keyPassword?: string;
  /** Told of entries the file holds that kyman leaves out (a JCEKS secret key). */
  onNotice?: (message: string) => void;
}

export interface FileBackend<Meta> {
  readonly type: 'cms' | 'pkcs12' | 'jks' | 'jceks';
  /** Set for formats kyman reads but does not write: why a change to the file `name` is refused. */
  readonly readOnly?: (name: string) => string;
  /** Verifies the password and the file's integrity, and lists its entries. */
  decode(provider: CryptoProvider, bytes: Uint8Array, password: string, name: string, options?: DecodeOptions): StoreImage<Meta>;
  /**
   * The PKCS #8 key of an entry, for formats whose keys are not EncryptedPrivateKeyInfo under the
   * file's password (Java keystores); the others are decrypted with that password.
   */
  decryptKey?(provider: CryptoProvider, entry: StoredEntry, password: string, options: DecodeOptions, name: string): Uint8Array;
  /** The whole file; fails with CONFLICT when an entry does not fit the format's limits. */
  encode(provider: CryptoProvider, image: StoreImage<Meta>, password: string, name: string): Uint8Array;
  /** How a key added to this file is encrypted. */
  keyProtection(meta: Meta): KeyProtection;
  describe(meta: Meta): Pick<KeyStoreInfo, 'version' | 'recordLength' | 'legacy'>;
}
