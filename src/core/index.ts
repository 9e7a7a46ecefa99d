// kyman's library: the only door the commands use into core, and the public API.

export * from './errors.js';
export * from './crypto/index.js';
export * from './pki/index.js';
export * from './keystore/index.js';
export { importCertificates, importKeyPair, exportEntry, labelFor } from './keystore/transfer.js';
export type { ImportResult, ImportCertificatesOptions, ImportKeyPairOptions, ExportFormat, ExportOptions, ExportResult } from './keystore/transfer.js';
export { createSelfSignedEntry, DEFAULT_KEY_SPEC, DEFAULT_DAYS } from './keystore/create-entry.js';
export type { SelfSignedOptions } from './keystore/create-entry.js';
export { signRequest, issueEntry } from './keystore/issue.js';
export type { IssueOptions, IssueEntryOptions, SignRequestResult } from './keystore/issue.js';
export { openRequestStore, RequestStore, createRequest, renewRequest, receiveCertificate, changeRequestStorePassword, requestDatabasePathFor } from './keystore/requests.js';
export type { PendingRequest, OpenRequestStoreOptions, CreateRequestOptions, CreatedRequest, RenewRequestOptions, ReceiveOptions, ReceiveResult } from './keystore/requests.js';
export { readFileOrFail } from './keystore/file-io.js';
export { loadPkiSpec, parsePkiSpec, applyPkiSpec, parseDuration } from './pki-spec/index.js';
export type { PkiSpec, DatabaseSpec, CertificateSpec, ApplyPkiOptions, PkiPlan, PkiResult, PkiProgress, PlanAction, PlannedCertificate, PlannedChainCopy } from './pki-spec/index.js';
export { applyBatch, keyEncryptor } from './keystore/batch.js';
export type { BatchChange, BatchOptions, BatchResult } from './keystore/batch.js';
export { connect, createTlsServer, listen, TlsSocket, TlsAlertError, ALERTS, formatTraceEvent, CIPHER_SUITES, GROUPS, SIGNATURE_SCHEMES } from './tls/index.js';
export type { TlsServer, TlsClientOptions, TlsServerOptions, TlsCommonOptions, HandshakeSummary, ClientAuthMode, Alert, AlertName, TraceEvent, TraceField, TraceSink, CipherSuiteName, GroupName, SignatureSchemeName } from './tls/index.js';
