// IBM CMS key databases (.kdb, .rdb) as a KeyStore backend.

import type { CryptoProvider } from '../crypto/provider.js';
import {
  cmsKeyProtection,
  readCmsDatabase,
  recordLengthAdvice,
  writeCmsDatabase,
  type CmsDatabase,
  type CmsRecord,
} from './cms/index.js';
import type { FileBackend, StoredEntry, StoreImage } from './backend.js';

export type CmsMeta = Omit<CmsDatabase, 'records'>;

function toEntry(record: CmsRecord): StoredEntry {
  const modelled = record.kind === 'certificate' || record.kind === 'key-pair';
  return {
    label: record.label,
    kind: modelled ? (record.kind as 'certificate' | 'key-pair') : 'other',
    certificate: record.certificate,
    encryptedKey: record.encryptedPrivateKey,
    trusted: record.trusted,
    isDefault: record.isDefault,
    carry: modelled ? undefined : record,
  };
}

function toRecord(entry: StoredEntry): CmsRecord {
  if (entry.kind === 'other') {
    // Only the label and flags may have changed on a record kyman does not model.
    return { ...(entry.carry as CmsRecord), label: entry.label, trusted: entry.trusted, isDefault: entry.isDefault };
  }
  return {
    label: entry.label,
    kind: entry.kind,
    certificate: entry.certificate,
    encryptedPrivateKey: entry.encryptedKey,
    trusted: entry.trusted,
    isDefault: entry.isDefault,
  };
}

export const cmsBackend: FileBackend<CmsMeta> = {
  type: 'cms',
  decode(provider: CryptoProvider, bytes, password, name): StoreImage<CmsMeta> {
    const { records, ...meta } = readCmsDatabase(provider, bytes, password, { name });
    return { entries: records.map(toEntry), meta };
  },
  encode(provider, image, password, name) {
    try {
      return writeCmsDatabase(provider, { ...image.meta, records: image.entries.map(toRecord) }, password, { name });
    } catch (e) {
      throw recordLengthAdvice(e, name);
    }
  },
  keyProtection: (meta) => cmsKeyProtection(meta.version),
  describe: (meta) => ({ version: meta.version, recordLength: meta.recordLength }),
};
