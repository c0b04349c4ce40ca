// Helpers for the key store's unit tests; not part of the library.

/** The error `action` throws, for tests that inspect it; fails the test when nothing is thrown. */
export function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}

/** Small deterministic PRNG so a failing property run can be replayed from its seed. */
export function prng(seed: number): (maxExclusive: number) => number {
  let state = seed >>> 0;
  return (maxExclusive) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % maxExclusive;
  };
}
