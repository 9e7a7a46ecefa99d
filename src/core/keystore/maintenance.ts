// Changes to a whole key database: a new password (its pending requests and stash follow), a new record length, an upgrade to v6.

import * as path from 'node:path';
import { usage } from '../errors.js';
import type { CmsMeta } from './cms-backend.js';
import type { CmsVersion } from './cms/index.js';
import { checkNewPassword, checkRecordLength } from './create.js';
import type { FileKeyStore } from './file-key-store.js';
import { fileExists } from './file-io.js';
import { changeRequestStorePassword } from './requests/actions.js';
import { stashPathFor, writeStashFile } from './stash.js';

/** Rewrites a CMS v3/v4 database as version 6, the format GSKit 8 writes. */
export async function upgradeKeyStore(store: FileKeyStore): Promise<boolean> {
  if (store.type !== 'cms') return false;
  if ((store.meta as CmsMeta).version === 6) return false;
  await store.updateMeta((meta) => ({ ...(meta as CmsMeta), version: 6 as CmsVersion }));
  return true;
}

/**
 * Changes the database password: every key re-encrypted, both MACs recomputed, the request
 * database's pending keys moved to the new password, an existing stash rewritten.
 */
export async function changeKeyStorePassword(store: FileKeyStore, newPassword: string): Promise<{ stash?: string; pendingRequests: number }> {
  checkNewPassword(newPassword);
  const oldPassword = store.password;
  await store.changePassword(newPassword);
  // After the key database, so a crash in between leaves a request database that the next
  // password change still opens (it tries both passwords).
  const pendingRequests = await changeRequestStorePassword(store.path, oldPassword, newPassword);
  const stash = (await fileExists(stashPathFor(store.path))) ? await writeStashFile(store.path, newPassword) : undefined;
  return { stash, pendingRequests };
}

/** Changes a CMS database's record length, refusing (and naming the entry) when one would not fit. */
export async function changeRecordLength(store: FileKeyStore, recordLength: number): Promise<void> {
  if (store.type !== 'cms') throw usage(`${path.basename(store.path)} is a PKCS #12 file: only CMS databases have a record length`);
  checkRecordLength(recordLength);
  await store.updateMeta((meta) => ({ ...(meta as CmsMeta), recordLength }));
}
