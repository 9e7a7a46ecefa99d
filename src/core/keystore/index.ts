// The key store layer's door: open, create, inspect, change, convert and delete key databases and stashes.

export type { KeyStore, KeyStoreEntry, KeyStoreInfo, KeyStoreType, AddOptions, PasswordOptions } from './types.js';
export { FileKeyStore } from './file-key-store.js';
export { checkLabel, MAX_LABEL_LENGTH } from './labels.js';
export { stashPathFor, readStash, writeStash, writeStashFile, readStashFor, readStashFile } from './stash.js';
export type { CmsVersion, CmsDatabase, CmsRecord } from './cms/index.js';
export { readCmsDatabase, writeCmsDatabase, newCmsDatabase, cmsKeyProtection, isCmsFile, peekCmsHeader } from './cms/index.js';
export { withFileLock, writeFileAtomic, lockPathFor, realTarget, removeDeadWritersFiles, fileSystemError, STALE_UNREADABLE_LOCK_MS } from './file-io.js';
export { isPkcs11Uri, parsePkcs11Uri } from './pkcs11-uri.js';
export { openKeyDatabase, openKeyStore } from './open.js';
export type { OpenKeyStoreOptions, OpenAnyKeyStoreOptions } from './open.js';
export { createKeyStore, checkRecordLength, checkNewPassword, DEFAULT_RECORD_LENGTH, MIN_RECORD_LENGTH, MAX_RECORD_LENGTH } from './create.js';
export type { CreateKeyStoreOptions } from './create.js';
export { upgradeKeyStore, changeRecordLength } from './maintenance.js';
export { changeKeyStorePassword, finishPasswordChange, stashedPassword, pendingStashPathFor } from './password-change.js';
export { convertKeyStore } from './convert.js';
export type { ConvertOptions } from './convert.js';
export { peekKeyDatabase, deleteKeyStore } from './database-files.js';
export { isJavaKeyStore } from './jks/keystore-file.js';
export {
  kymanSidecarPathFor,
  checkPasswordExpiryDays,
  readPasswordExpiry,
  writePasswordExpiry,
  renewPasswordExpiry,
  passwordDaysLeft,
  passwordExpiryWarning,
  describePasswordExpiry,
  MAX_PASSWORD_EXPIRY_DAYS,
  PASSWORD_EXPIRY_WARNING_DAYS,
} from './password-expiry.js';
export type { PasswordExpiry } from './password-expiry.js';
export type { KeyDatabaseSummary } from './database-files.js';
