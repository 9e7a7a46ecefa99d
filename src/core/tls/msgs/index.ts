// The handshake messages and extensions in one import: enums, extensions, the shared hellos, TLS 1.3 and TLS 1.2 messages.

export * from './enums.js';
export * from './fields.js';
export * from './extensions.js';
export * from './common.js';
export * from './tls13.js';
export * from './tls12.js';
