// IBM CMS key databases: the public face of the format modules in this folder.

export type { CmsDatabase, CmsFileType, CmsHeaderInfo, CmsRecord, CmsRecordKind, CmsVersion } from './types.js';
export {
  DEFAULT_RECORD_LENGTH,
  cmsKeyProtection,
  isCmsFile,
  newCmsDatabase,
  peekCmsHeader,
  readCmsDatabase,
  recordLengthAdvice,
  RecordTooLargeError,
  writeCmsDatabase,
  type CmsReadOptions,
  type CmsWriteOptions,
} from './cms-file.js';
export { recordSize } from './record.js';
