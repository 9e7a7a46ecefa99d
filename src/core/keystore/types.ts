// The KeyStore interface: one view of a key database, whatever holds it (CMS file, PKCS #12, token).

import type { PrivateKeyHandle } from '../crypto/provider.js';

export type KeyStoreType = 'cms' | 'pkcs12' | 'pkcs11';

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
  /** CMS format version (3, 4, 6); absent for other types. */
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
  readonly path: string;
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
