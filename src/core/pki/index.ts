// The pki layer's door: names, general names and certificates.
export { parseName, formatName, escapeValue, encodeName, namesMatch } from './name.js';
export { parseSubjectAltName, formatGeneralName, parseIpAddress, formatIpAddress } from './general-name.js';
export * from './certificate.js';
export { decodePem, encodePem, encodePemBlocks, isPem } from './pem.js';
export type { PemBlock } from './pem.js';
export { readCertificateFile } from './certificate-file.js';
export { readPkcs7, writePkcs7, isPkcs7 } from './pkcs7.js';
export { readPkcs12, writePkcs12, isPkcs12 } from './pkcs12.js';
export type { Pkcs12Bag, Pkcs12ReadResult, Pkcs12WriteOptions } from './pkcs12.js';
export { encryptPrivateKeyInfo, decryptPrivateKeyInfo, readKeyProtection, describeKeyProtection } from './pbe.js';
export type { KeyProtection } from './pbe.js';
export { readPrivateKeyFile, encryptedPrivateKeyPem, EXPORT_KEY_PROTECTION } from './private-key.js';
export { orderChain } from './chain.js';
