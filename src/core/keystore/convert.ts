// Converting a key database between CMS and PKCS #12: every entry carried over, or nothing written.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CryptoProvider } from '../crypto/provider.js';
import { softwareProvider } from '../crypto/software.js';
import { conflict, usage } from '../errors.js';
import type { CmsMeta } from './cms-backend.js';
import { createKeyStore, DEFAULT_RECORD_LENGTH } from './create.js';
import type { FileKeyStore } from './file-key-store.js';
import { fileExists, withFileLock } from './file-io.js';
import { openKeyDatabase } from './open.js';
import { copyKymanSidecar } from './password-expiry.js';

export interface ConvertOptions {
  type: 'cms' | 'pkcs12';
  password: string;
  recordLength?: number;
  legacy?: boolean;
  provider?: CryptoProvider;
}

/**
 * Copies every entry of `source` into a new database: labels, trust and the default key kept,
 * keys re-encrypted under the new file's password and scheme. Nothing is written when any entry
 * cannot be carried over.
 */
export async function convertKeyStore(source: FileKeyStore, target: string, options: ConvertOptions): Promise<FileKeyStore> {
  const provider = options.provider ?? softwareProvider();
  if (path.resolve(target) === path.resolve(source.path)) throw usage('the target must be a different file from the source');
  if (await fileExists(target)) throw conflict(`${target} already exists: choose another name, or delete it first`);
  let recordLength = options.recordLength;
  if (options.type === 'cms' && recordLength === undefined) {
    // Keep the source's slot size, raised if some entry would not fit in it.
    recordLength = source.type === 'cms' ? (source.meta as CmsMeta).recordLength : DEFAULT_RECORD_LENGTH;
  }
  const keys = new Map<string, Awaited<ReturnType<FileKeyStore['privateKey']>>>();
  for (const e of source.entries()) if (e.hasPrivateKey) keys.set(e.label, await source.privateKey(e.label));
  // Build the whole target in a temporary file, then move it into place, so a failure leaves nothing.
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.convert`);
  await fs.rm(temp, { force: true });
  try {
    const store = await createKeyStore(temp, { type: options.type, password: options.password, recordLength, legacy: options.legacy, provider });
    for (const e of source.entries()) {
      const trusted = options.type === 'pkcs12' && e.hasPrivateKey ? false : e.trusted;
      if (e.hasPrivateKey) await store.addKeyPair(e.label, e.certificate, keys.get(e.label)!, { trusted, isDefault: e.isDefault });
      else await store.addCertificate(e.label, e.certificate, { trusted });
    }
    await withFileLock(target, async () => {
      if (await fileExists(target)) throw conflict(`${target} already exists: choose another name, or delete it first`);
      await fs.rename(temp, target);
      // The password expiry goes with the entries: the same password, or one the person chose now.
      await copyKymanSidecar(source.path, target);
    });
  } finally {
    await fs.rm(temp, { force: true });
    await fs.rm(`${temp}.lock`, { force: true });
  }
  return openKeyDatabase(target, { password: options.password, provider });
}
