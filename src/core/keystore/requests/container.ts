// What a file must provide to hold pending requests: the request-store counterpart of ../backend.ts.

import type { KeyProtection } from '../../pki/pbe.js';

/** A pending item as the file holds it: the key still encrypted. */
export interface StoredRequest {
  label: string;
  request: Uint8Array;
  encryptedKey: Uint8Array;
  renewal: boolean;
}

/** How one container (a CMS .rdb, or the PKCS #12 file itself) holds pending requests. */
export interface RequestContainer<Image> {
  readonly file: string;
  readonly type: 'cms' | 'pkcs12';
  /** The image of the file's bytes, or of no file yet (CMS only). */
  decode(bytes: Uint8Array | undefined, password: string): Image;
  encode(image: Image, password: string): Uint8Array;
  list(image: Image): StoredRequest[];
  /** Replaces the pending items (everything else in the file stays as it was). */
  setList(image: Image, items: StoredRequest[]): void;
  keyProtection(image: Image): KeyProtection;
}
