/**
 * A small seeded PRNG, so tests, fuzzers and simulations in every package are reproducible from
 * a printed seed. Code under test only ever sees an `rng: () => number`; production passes
 * `Math.random`.
 */

/**
 * Mulberry32 (public domain): 32-bit state, a few integer operations per call; ample for
 * tie-breaks and simulations. Not cryptographic.
 *
 * @returns a function giving uniform numbers in [0, 1), determined by `seed`.
 */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
