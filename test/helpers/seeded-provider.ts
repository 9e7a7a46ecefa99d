// A software provider whose random bytes come from a fixed seed, so that what kyman writes can be compared byte for byte.

import * as nodeCrypto from 'node:crypto';
import { createSoftwareProvider } from '../../src/core/crypto/index.js';
import type { CryptoProvider } from '../../src/core/crypto/provider.js';

/** SHA-512 output size: each 64 bytes of randomness take the next seed. */
const CHUNK = 64;

/**
 * A fresh provider whose n-th 64 random bytes are SHA-512 of `seed n`: two providers made by
 * this function hand out the same bytes in the same order.
 */
export function seededProvider(): CryptoProvider {
  let counter = 0;
  return createSoftwareProvider({
    random: (n) => {
      const out = new Uint8Array(n);
      for (let o = 0; o < n; o += CHUNK) {
        const d = nodeCrypto.createHash('sha512').update(`seed ${counter++}`).digest();
        out.set(d.subarray(0, Math.min(CHUNK, n - o)), o);
      }
      return out;
    },
  });
}
