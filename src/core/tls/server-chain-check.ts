// What the client checks the server's chain against: the anchors for that chain, and the name it must carry.

import type { TlsClientOptions } from './options.js';

/** The anchors the server's chain `peerCertificates` is checked against: `trustAnchors`, and what `trustAnchorSource` picks for it. */
export function anchorsFor(options: TlsClientOptions, peerCertificates: readonly Uint8Array[]): readonly Uint8Array[] {
  const picked = options.trustAnchorSource?.(peerCertificates);
  if (!picked?.length) return options.trustAnchors ?? [];
  return options.trustAnchors?.length ? [...options.trustAnchors, ...picked] : picked;
}

/** The name the server's certificate must carry: `serverName`, unless `verifyName` is false. */
export const checkedName = (options: TlsClientOptions): string | undefined => (options.verifyName === false ? undefined : options.serverName);
