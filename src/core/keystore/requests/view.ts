// A pending request as callers see it, read from its PKCS #10 DER: the view every request store gives.

import type { CryptoProvider } from '../../crypto/provider.js';
import { readCertificationRequest, type RequestInfo } from '../../pki/csr.js';
import type { PendingRequest } from './types.js';

/** A pending request as callers see it, read from its DER. */
export function pendingRequestView(provider: CryptoProvider, label: string, request: Uint8Array, renewal: boolean): PendingRequest {
  const info = readCertificationRequest(provider, request);
  return {
    label,
    request,
    subject: info.subject,
    subjectAltNames: info.subjectAltNames,
    keyType: describeRequestKey(info),
    spki: info.publicKey.spki,
    renewal,
  };
}

/** The key as `req list` names it: `EC P-256`, `RSA 2048`, `Ed25519`, `ML-DSA-65`, else its algorithm OID. */
export function describeRequestKey(info: RequestInfo): string {
  const k = info.publicKey;
  if (k.type === 'rsa') return `RSA ${k.bits}`;
  if (k.type === 'ec') return k.curve ? `EC ${k.curve}` : 'EC (unnamed curve)';
  if (k.type === 'ed25519') return 'Ed25519';
  if (k.type === 'ml-dsa' && k.parameterSet) return k.parameterSet;
  return k.algorithmOid;
}
