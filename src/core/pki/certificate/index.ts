// X.509 certificates (RFC 5280): reading them for people, summarising them fast, checking their signatures and issuing them.

export type { CertificateExtensionInfo, CertificateInfo, CertificateOptions, CertificateSummary, PublicKeyInfo, SignatureHash } from './types.js';
export { describePublicKey, layoutCertificate, type CertificateLayout } from './layout.js';
export { readCertificate, summarizeCertificate } from './read.js';
export { signatureAlgorithmIdentifier, signatureAlgorithmName, signatureSchemeFor, signatureSchemeOf } from './signature-algorithms.js';
export { publicKeyMatches, verifyCertificateSignature } from './verify.js';
export { createCertificate } from './issue.js';
