import assert from 'node:assert/strict';
import type { CryptoProvider } from '../../../src/core/crypto/provider.js';
import { handshakeRandom } from '../../../src/core/tls/random-pool.js';
import { provider as software, provider } from '../../helpers/tls-credentials.js';

/** A provider whose random bytes count up, and which records each draw's size. */
function countingProvider(): { provider: CryptoProvider; draws: number[] } {
  const draws: number[] = [];
  let next = 0;
  const provider = {
    ...software,
    random(n: number) {
      draws.push(n);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = (next++ % 251) + 1;
      return out;
    },
  } as CryptoProvider;
  return { provider, draws };
}

describe('handshake random pool', () => {
  it('serves many small draws from one block of the provider, each bytes not handed out before', () => {
    const { provider, draws } = countingProvider();
    const a = handshakeRandom(provider, 32);
    const b = handshakeRandom(provider, 32);
    assert.deepEqual(draws, [2048]);
    assert.equal(a.length, 32);
    assert.deepEqual([...a.subarray(0, 3)], [1, 2, 3]);
    assert.deepEqual([...b.subarray(0, 3)], [33, 34, 35], 'the next bytes of the block, not the same ones');
  });

  it('draws a new block when the current one cannot serve the whole request', () => {
    const { provider, draws } = countingProvider();
    handshakeRandom(provider, 2040);
    const c = handshakeRandom(provider, 16);
    assert.deepEqual(draws, [2048, 2048]);
    assert.equal(c.length, 16);
    assert.equal(c[0], (2048 % 251) + 1, 'from the start of the second block');
  });

  it('asks the provider directly for more than a block', () => {
    const { provider, draws } = countingProvider();
    assert.equal(handshakeRandom(provider, 4096).length, 4096);
    assert.deepEqual(draws, [4096]);
  });

  it('gives the caller its own copy, and keeps one pool per provider', () => {
    const one = countingProvider();
    const two = countingProvider();
    const a = handshakeRandom(one.provider, 8);
    a.fill(0);
    const b = handshakeRandom(one.provider, 8);
    assert.deepEqual([...b], [9, 10, 11, 12, 13, 14, 15, 16], 'changing a copy leaves the pool alone');
    assert.deepEqual([...handshakeRandom(two.provider, 2)], [1, 2]);
    assert.deepEqual(one.draws, [2048]);
    assert.deepEqual(two.draws, [2048]);
  });

  it('handshake random bytes come from the provider in blocks, each handed out once', () => {
    let calls = 0;
    const counting: CryptoProvider = {
      ...provider,
      random: (n) => {
        calls++;
        return provider.random(n);
      },
    };
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const r = handshakeRandom(counting, 32);
      assert.equal(r.length, 32);
      seen.add(Buffer.from(r).toString('hex'));
    }
    assert.equal(seen.size, 100);
    assert.ok(calls < 10, `${calls} provider calls for 100 randoms`);
  });
});
