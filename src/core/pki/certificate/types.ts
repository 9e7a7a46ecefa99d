// The shapes of a certificate as kyman reports it and the options it issues one from.

import type { MlDsaParameterSet, NamedCurve, PrivateKeyHandle } from '../../crypto/provider.js';

export interface PublicKeyInfo {
  type: 'rsa' | 'ec' | 'ed25519' | 'ml-dsa' | 'other';
  curve?: NamedCurve;
  bits?: number;
  /** ML-DSA-44, -65 or -87. */
  parameterSet?: MlDsaParameterSet;
  algorithmOid: string;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
}

export interface CertificateExtensionInfo {
  oid: string;
  name: string;
  critical: boolean;
  /** A one- or multi-line rendering, like `openssl x509 -text`. */
  value: string;
}

export interface CertificateInfo {
  der: Uint8Array;
  version: number;
  /** Lower-case hex, no colons, no sign octet. */
  serialNumber: string;
  /** RFC 4514. */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: PublicKeyInfo;
  /** A name people know: `ecdsa-with-SHA256`, `sha256WithRSAEncryption`, `RSASSA-PSS (SHA-256)`, `Ed25519`, `ML-DSA-65`. */
  signatureAlgorithm: string;
  /** The subject names the issuer and the signature verifies with the certificate's own key. */
  selfSigned: boolean;
  isCA: boolean;
  pathLength?: number;
  /** `dns:…`, `ip:…`, `email:…`, `uri:…`. */
  subjectAltNames: string[];
  /** RFC 5280 names: digitalSignature, keyCertSign … */
  keyUsage: string[];
  /** serverAuth, clientAuth …, or the dotted OID. */
  extendedKeyUsage: string[];
  /** Lower-case hex. */
  subjectKeyIdentifier?: string;
  authorityKeyIdentifier?: string;
  extensions: CertificateExtensionInfo[];
  /** Upper-case hex with colons, as `openssl x509 -fingerprint` prints them. */
  fingerprints: { sha1: string; sha256: string };
}

export interface CertificateSummary {
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** `EC P-256`, `RSA 2048`, `Ed25519`, `ML-DSA-65`. */
  keyType: string;
  isCA: boolean;
  spki: Uint8Array;
}

export type SignatureHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface CertificateOptions {
  /** RFC 4514. */
  subject: string;
  /** The subject's key handle, or its SubjectPublicKeyInfo DER when a CA certifies someone else's key. */
  subjectKey: PrivateKeyHandle | Uint8Array;
  /** Absent: self-signed with `subjectKey`, which must then be a handle. */
  issuer?: { certificate: Uint8Array; key: PrivateKeyHandle };
  /** Default: 16 random bytes with the top bit cleared, so the INTEGER stays positive. */
  serialNumber?: Uint8Array;
  notBefore?: Date;
  notAfter?: Date;
  /** Validity in days from notBefore (when given) or from now; default 365. */
  days?: number;
  /** The injected clock. */
  now?: Date;
  /** `dns:…`, `ip:…`, `email:…`, `uri:…` specs. */
  subjectAltNames?: string[];
  ca?: boolean;
  pathLength?: number;
  keyUsage?: string[];
  extendedKeyUsage?: string[];
  /** Default: SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521. */
  signatureHash?: SignatureHash;
  /** Sign with RSASSA-PSS instead of PKCS #1 v1.5 when the issuer key is RSA. */
  rsaPss?: boolean;
}
