// One DER module for pki, keystore and tls: the reader, the writer and the OID table.

export * from './reader.js';
export * as DER from './writer.js';
export * from './spki.js';
export * from './oids.js';
