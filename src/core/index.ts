// kyman's library: the only door the commands use into core, and the public API.

export * from './errors.js';
export * from './crypto/index.js';
export * from './pki/index.js';
export * from './keystore/index.js';
export { importCertificates, importKeyPair, exportEntry, labelFor } from './keystore/transfer.js';
export type { ImportResult, ImportCertificatesOptions, ImportKeyPairOptions, ExportFormat, ExportOptions, ExportResult } from './keystore/transfer.js';
export { createSelfSignedEntry, DEFAULT_KEY_SPEC, DEFAULT_DAYS } from './keystore/create-entry.js';
export type { SelfSignedOptions } from './keystore/create-entry.js';
