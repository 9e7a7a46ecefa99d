// The request database of a CMS key database: `name.rdb` beside `name.kdb`, a CMS file of its own.
//
// gskkyman keeps pending requests in a companion CMS file under the key database's password (and
// so its stash). kyman does the same: the .rdb is created on the first request, as version 6 (IBM
// tools write an empty .rdb as version 3, but kyman's key databases are v6 and v6 protects keys
// with PBES2; every reader of v6 .kdb files reads v6), with the key database's record length,
// locked and written atomically like the key database. The `[0]` record layout is in
// ../cms/request-record.ts.

import * as path from 'node:path';
import type { CryptoProvider } from '../../crypto/provider.js';
import { badInput } from '../../errors.js';
import { cmsKeyProtection, newCmsDatabase, readCmsDatabase, recordLengthAdvice, writeCmsDatabase, type CmsDatabase } from '../cms/index.js';
import { readRequestRecord, requestRecord } from '../cms/request-record.js';
import type { RequestContainer } from './container.js';

/** The companion request database of a key database: `name.rdb` beside `name.kdb`. */
export function requestDatabasePathFor(keyDatabasePath: string): string {
  return keyDatabasePath.replace(/\.[^./\\]*$/, '') + '.rdb';
}

export function cmsContainer(provider: CryptoProvider, keyDatabasePath: string, recordLength: number): RequestContainer<CmsDatabase> {
  const file = requestDatabasePathFor(keyDatabasePath);
  const name = path.basename(file);
  return {
    file,
    type: 'cms',
    decode(bytes, password) {
      if (!bytes) return newCmsDatabase(provider, { recordLength, fileType: 'request' });
      const db = readCmsDatabase(provider, bytes, password, { name });
      if (db.fileType !== 'request') throw badInput(`${name} is not a request database (its type tag is not X509KYP)`);
      return db;
    },
    encode(image, password) {
      try {
        return writeCmsDatabase(provider, image, password, { name });
      } catch (e) {
        throw recordLengthAdvice(e, name, path.basename(keyDatabasePath));
      }
    },
    list: (image) => image.records.filter((r) => r.kind === 'request').map((r) => ({ label: r.label, ...storedOf(readRequestRecord(r)) })),
    setList(image, items) {
      const others = image.records.filter((r) => r.kind !== 'request');
      image.records = [...others, ...items.map((i) => requestRecord(i.label, { request: i.request, encryptedPrivateKey: i.encryptedKey, renewal: i.renewal }))];
    },
    keyProtection: (image) => cmsKeyProtection(image.version),
  };
}

const storedOf = (c: { request: Uint8Array; encryptedPrivateKey: Uint8Array; renewal: boolean }) => ({
  request: c.request,
  encryptedKey: c.encryptedPrivateKey,
  renewal: c.renewal,
});
