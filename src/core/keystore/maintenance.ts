// Changes to a whole key database: a new record length, an upgrade to v6 (a new password is password-change.ts).

import * as path from 'node:path';
import { usage } from '../errors.js';
import type { CmsMeta } from './cms-backend.js';
import type { CmsVersion } from './cms/index.js';
import { checkRecordLength } from './create.js';
import type { FileKeyStore } from './file-key-store.js';

/** Rewrites a CMS v3/v4 database as version 6, the format GSKit 8 writes. */
export async function upgradeKeyStore(store: FileKeyStore): Promise<boolean> {
  if (store.type !== 'cms') return false;
  if ((store.meta as CmsMeta).version === 6) return false;
  await store.updateMeta((meta) => ({ ...(meta as CmsMeta), version: 6 as CmsVersion }));
  return true;
}

/** Changes a CMS database's record length, refusing (and naming the entry) when one would not fit. */
export async function changeRecordLength(store: FileKeyStore, recordLength: number): Promise<void> {
  if (store.type !== 'cms') throw usage(`${path.basename(store.path)} is ${store.type === 'pkcs12' ? 'a PKCS #12 file' : 'a Java keystore'}: only CMS databases have a record length`);
  checkRecordLength(recordLength);
  await store.updateMeta((meta) => ({ ...(meta as CmsMeta), recordLength }));
}
