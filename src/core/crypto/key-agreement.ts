// The server's side of a TLS 1.3 key exchange, for any group: a fresh share and the secret, or a hybrid's encapsulation.

import { hybridAnswer, isHybridGroup, MLKEM_MESSAGE_LENGTH } from './hybrid-kem.js';
import type { CryptoProvider, KeyExchangeGroup } from './provider.js';

/** What the server sends back for a client's share (RFC 8446 §4.2.8), and the secret both then hold. */
export interface KeyShareAnswer {
  readonly publicKey: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

/**
 * Answers the peer's share for `group` with `provider`: for a Diffie-Hellman group a fresh share
 * and the agreed secret; for an ECDHE-MLKEM hybrid the provider's ECDH half beside an ML-KEM
 * encapsulation to the client's key. Throws (a plain Error) on a share that is not valid for the
 * group. `privateKey` reproduces a published exchange in tests: the scalar, or for a hybrid the
 * 32-byte ML-KEM message m and then the scalar.
 */
export function answerKeyShare(provider: CryptoProvider, group: KeyExchangeGroup, peerShare: Uint8Array, privateKey?: Uint8Array): KeyShareAnswer {
  if (isHybridGroup(group)) {
    const scalar = privateKey && privateKey.length > MLKEM_MESSAGE_LENGTH ? privateKey.subarray(MLKEM_MESSAGE_LENGTH) : undefined;
    return hybridAnswer(group, peerShare, (g) => provider.generateKeyShare(g, scalar), (n) => provider.random(n), privateKey?.subarray(0, MLKEM_MESSAGE_LENGTH));
  }
  const share = provider.generateKeyShare(group, privateKey);
  return { publicKey: share.publicKey, sharedSecret: share.deriveSecret(peerShare) };
}
