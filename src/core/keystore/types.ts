// The KeyStore interface: one view of a key database, whatever holds it (CMS file, PKCS #12, token).

import type { CryptoProvider, KeySpec, PrivateKeyHandle } from '../crypto/provider.js';

export type KeyStoreType = 'cms' | 'pkcs12' | 'jks' | 'jceks' | 'pkcs11';

/** One entry as callers see it: a label, a certificate, perhaps a private key, two flags. */
export interface KeyStoreEntry {
  readonly label: string;
  readonly certificate: Uint8Array;
  readonly hasPrivateKey: boolean;
  readonly trusted: boolean;
  readonly isDefault: boolean;
}

export interface KeyStoreInfo {
  readonly type: KeyStoreType;
  readonly path: string;
  /** CMS format version (3, 4, 6), Java keystore version (1, 2); absent for other types. */
  readonly version?: number;
  /** CMS record length in bytes; absent for other types. */
  readonly recordLength?: number;
  readonly entryCount: number;
  readonly keyCount: number;
  /** Whether the file's integrity check (CMS MAC, PKCS #12 MAC) was verified on open. */
  readonly integrity: 'verified' | 'none';
  /** PKCS #12 only: written with the legacy 3DES/RC2 algorithms. */
  readonly legacy?: boolean;
}

export interface AddOptions {
  trusted?: boolean;
  isDefault?: boolean;
}

export interface KeyStore {
  readonly type: KeyStoreType;
  /** The file, or the token's RFC 7512 URI (`pkcs11:token=web`). */
  readonly path: string;
  /**
   * The provider that holds this store's keys: operations with them go through it. For a file it
   * is the software provider the store was opened with; for a token, the token's.
   */
  readonly provider: CryptoProvider;
  /** A new key pair made where this store keeps keys (in memory for a file, on the token for a token), for an entry to be added under `label`. */
  newKeyPair(spec: KeySpec, label: string): Promise<PrivateKeyHandle>;
  /** Removes a key from `newKeyPair` that never became an entry (a no-op where keys live in memory). */
  discardKeyPair(key: PrivateKeyHandle): Promise<void>;
  /** Ends the store's session with a token; nothing to do for a file. */
  close(): void;
  info(): KeyStoreInfo;
  entries(): readonly KeyStoreEntry[];
  /** The entry with this label, or NOT_FOUND. */
  entry(label: string): KeyStoreEntry;
  has(label: string): boolean;
  defaultEntry(): KeyStoreEntry | undefined;
  /** The entry's private key, ready for the CryptoProvider (decrypted in memory only). */
  privateKey(label: string): Promise<PrivateKeyHandle>;

  addCertificate(label: string, certificate: Uint8Array, options?: AddOptions): Promise<KeyStoreEntry>;
  addKeyPair(label: string, certificate: Uint8Array, key: PrivateKeyHandle, options?: AddOptions): Promise<KeyStoreEntry>;
  /** Replaces the certificate of an entry, keeping its key (the public keys must match). */
  replaceCertificate(label: string, certificate: Uint8Array): Promise<KeyStoreEntry>;
  setTrusted(label: string, trusted: boolean): Promise<KeyStoreEntry>;
  setDefault(label: string): Promise<KeyStoreEntry>;
  rename(label: string, newLabel: string): Promise<KeyStoreEntry>;
  delete(label: string): Promise<void>;
}

/** How a key database file is opened or created: its password, the provider, how long to wait for a lock. */
export interface PasswordOptions {
  password: string;
  /** Java keystores: the password of their private keys (default: the store password). */
  keyPassword?: string;
  /** Told of entries a file holds that kyman leaves out (a JCEKS secret key). */
  onNotice?: (message: string) => void;
  provider?: CryptoProvider;
  lockTimeoutMs?: number;
}
