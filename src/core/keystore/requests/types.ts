// What callers see of pending certificate requests, whichever store holds them (.rdb, PKCS #12 file, token).

import type { CryptoProvider, KeySpec, PrivateKeyHandle } from '../../crypto/provider.js';

/** One pending request as callers see it. */
export interface PendingRequest {
  readonly label: string;
  /** PKCS #10 DER. */
  readonly request: Uint8Array;
  /** RFC 4514 subject of the request. */
  readonly subject: string;
  /** `dns:…` names the request asks for. */
  readonly subjectAltNames: readonly string[];
  /** `EC P-256`, `RSA 2048`, `Ed25519`. */
  readonly keyType: string;
  /** SubjectPublicKeyInfo DER of the request's key. */
  readonly spki: Uint8Array;
  /** A request for a key pair already in the key database: its certificate will be replaced. */
  readonly renewal: boolean;
}

/** Where a key database's pending requests wait: its .rdb, the PKCS #12 file itself, or its token. */
export interface PendingRequestStore {
  readonly type: 'cms' | 'pkcs12' | 'pkcs11';
  /** The file (or token URI) that holds them. */
  readonly path: string;
  list(): PendingRequest[];
  has(label: string): boolean;
  get(label: string): PendingRequest;
  /** The pending request's private key. */
  privateKey(label: string): Promise<PrivateKeyHandle>;
  /** A key for a new request, made where this store keeps pending keys. */
  newKeyPair(spec: KeySpec, label: string): Promise<PrivateKeyHandle>;
  /** Drops a key from `newKeyPair` that never became a pending request. */
  discardKeyPair(key: PrivateKeyHandle): Promise<void>;
  add(label: string, request: Uint8Array, key: PrivateKeyHandle, options?: { renewal?: boolean }): Promise<PendingRequest>;
  delete(label: string): Promise<void>;
}

export interface OpenRequestStoreOptions {
  password: string;
  provider?: CryptoProvider;
  lockTimeoutMs?: number;
}
