// A small seeded random source (mulberry32) for tests that must pick "at random" and still be repeatable.

export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
  /** One of `items`. */
  pick<T>(items: readonly T[]): T;
}

/** The seed a test uses: KYMAN_TEST_SEED when set (to reproduce or vary a run), else `fallback`. */
export function testSeed(fallback: number): number {
  const fromEnv = Number(process.env.KYMAN_TEST_SEED);
  return Number.isInteger(fromEnv) && process.env.KYMAN_TEST_SEED ? fromEnv : fallback;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n: number) => Math.floor(next() * n);
  return { next, below, pick: (items) => items[below(items.length)] };
}
