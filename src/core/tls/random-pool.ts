// Random bytes for a handshake's public fields (hello randoms, session ids, ticket nonces), drawn from the provider a block at a time.

import type { CryptoProvider } from '../crypto/provider.js';

/**
 * Bytes drawn from the provider at once. A small draw costs about as much as this whole block
 * (the call, not the bytes, is the cost), and a handshake makes four or five of them; one block
 * serves some fifty handshakes.
 */
const BLOCK = 2048;

interface Pool {
  block: Uint8Array;
  at: number;
}

const pools = new WeakMap<CryptoProvider, Pool>();

/**
 * `n` fresh random bytes from `provider`, the caller's own copy. For values that go on the wire;
 * secrets (keys, the ticket key) are asked of the provider directly and never sit in a pool.
 */
export function handshakeRandom(provider: CryptoProvider, n: number): Uint8Array {
  if (n > BLOCK) return provider.random(n);
  let pool = pools.get(provider);
  if (!pool || pool.at + n > pool.block.length) {
    pool = { block: provider.random(BLOCK), at: 0 };
    pools.set(provider, pool);
  }
  const out = pool.block.slice(pool.at, pool.at + n);
  // Handed out once: the bytes are overwritten so the pool never holds what a caller has.
  pool.block.fill(0, pool.at, pool.at + n);
  pool.at += n;
  return out;
}
