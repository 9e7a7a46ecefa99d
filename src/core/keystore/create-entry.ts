// Making a new key pair and its self-signed certificate straight into a key database.

import type { CryptoProvider, KeySpec, PrivateKeyHandle } from '../crypto/provider.js';
import { conflict } from '../errors.js';
import { createCertificate } from '../pki/certificate/index.js';
import { parseName } from '../pki/name.js';
import { parseSubjectAltName } from '../pki/general-name.js';
import { checkLabel } from './labels.js';
import type { KeyStore, KeyStoreEntry } from './types.js';

export interface SelfSignedOptions {
  subject: string;
  subjectAltNames?: string[];
  key?: KeySpec;
  /** A key already in the store (a lone key on a token) to certify instead of making one. */
  existingKey?: PrivateKeyHandle;
  days?: number;
  ca?: boolean;
  pathLength?: number;
  isDefault?: boolean;
  /** Explicit validity instead of now and `days`; serial number content octets instead of random ones. */
  notBefore?: Date;
  notAfter?: Date;
  serialNumber?: Uint8Array;
  /** Key usage and extended key usage (names, or dotted OIDs for EKU) instead of the defaults. */
  keyUsage?: string[];
  extendedKeyUsage?: string[];
  now?: Date;
  provider?: CryptoProvider;
}

/** The key spec kyman uses when none is given: EC P-256, as mkcert and step-cli do. */
export const DEFAULT_KEY_SPEC: KeySpec = { type: 'ec', curve: 'P-256' };
export const DEFAULT_DAYS = 365;

/** gskkyman's "create a self-signed certificate": a new key pair and certificate under `label`. */
export async function createSelfSignedEntry(store: KeyStore, label: string, options: SelfSignedOptions): Promise<KeyStoreEntry> {
  const provider = options.provider ?? store.provider;
  checkLabel(label);
  // Check everything a person typed before spending time on a key.
  parseName(options.subject);
  for (const san of options.subjectAltNames ?? []) parseSubjectAltName(san);
  if (store.has(label)) throw conflict(`label "${label}" already exists in ${store.path}`);
  const key = options.existingKey ?? (await store.newKeyPair(options.key ?? DEFAULT_KEY_SPEC, label));
  try {
    const certificate = await createCertificate(provider, {
      subject: options.subject,
      subjectKey: key,
      subjectAltNames: options.subjectAltNames,
      days: options.notAfter ? undefined : (options.days ?? DEFAULT_DAYS),
      ca: options.ca,
      pathLength: options.pathLength,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      serialNumber: options.serialNumber,
      keyUsage: options.keyUsage,
      extendedKeyUsage: options.extendedKeyUsage,
      now: options.now,
    });
    return await store.addKeyPair(label, certificate, key, { isDefault: options.isDefault });
  } catch (error) {
    // A key made here goes with the failure, so nothing is left behind on a token.
    if (!options.existingKey) await store.discardKeyPair(key);
    throw error;
  }
}
