// A key database as files on disk: what can be said of one without its password, and deleting it with its companions.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { badInput } from '../errors.js';
import { isPkcs12 } from '../pki/pkcs12.js';
import { isCmsFile, peekCmsHeader } from './cms/index.js';
import { peekJavaKeyStore } from './jks/keystore-file.js';
import { fileExists, readFileOrFail, withFileLock } from './file-io.js';
import { requestDatabasePathFor } from './requests/cms-container.js';
import { pendingStashPathFor } from './password-change.js';
import { stashPathFor } from './stash.js';
import { kymanSidecarPathFor } from './password-expiry.js';

/** What can be said of a file without its password, and more with it. */
export interface KeyDatabaseSummary {
  path: string;
  type: 'cms' | 'pkcs12' | 'jks' | 'jceks';
  /** CMS: key database, request database or CRL file. */
  fileType?: 'key' | 'request' | 'crl';
  version?: number;
  recordLength?: number;
  entryCount?: number;
  size: number;
  mode: string;
}

export async function peekKeyDatabase(file: string): Promise<KeyDatabaseSummary> {
  const bytes = await readFileOrFail(file, 'key database');
  const stat = await fs.stat(file);
  const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
  const name = path.basename(file);
  if (isCmsFile(bytes)) {
    const h = peekCmsHeader(bytes);
    return { path: file, type: 'cms', fileType: h.fileType, version: h.version, recordLength: h.recordLength, entryCount: h.recordCount, size: bytes.length, mode };
  }
  if (isPkcs12(bytes)) return { path: file, type: 'pkcs12', size: bytes.length, mode };
  const java = peekJavaKeyStore(bytes);
  if (java) return { path: file, type: java.format, version: java.version, entryCount: java.entryCount, size: bytes.length, mode };
  throw badInput(`${name} is not a key database (neither an IBM CMS .kdb, a PKCS #12 file nor a Java keystore)`);
}

/** Deletes a key database with its request database, stash and kyman sidecar; returns the files removed. */
export async function deleteKeyStore(file: string): Promise<string[]> {
  const bytes = await readFileOrFail(file, 'key database');
  if (!isCmsFile(bytes) && !isPkcs12(bytes)) throw badInput(`${path.basename(file)} is not a key database: not deleting it`);
  return withFileLock(file, async () => {
    const removed: string[] = [];
    // The new stash an interrupted password change left goes too, but is not worth naming.
    await fs.rm(await pendingStashPathFor(file), { force: true });
    const companions = [file, requestDatabasePathFor(file), stashPathFor(file), kymanSidecarPathFor(file)];
    for (const f of [...new Set(companions)]) {
      if (await fileExists(f)) {
        await fs.rm(f);
        removed.push(f);
      }
    }
    return removed;
  });
}
