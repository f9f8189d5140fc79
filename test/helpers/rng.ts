/**
 * A small deterministic PRNG for tests (mulberry32), independent of Tessera's own generator so
 * that test data does not move when the library's random draws change.
 * @example const r = rng(1); const xs = Array.from({ length: 4 }, r); // values in [0, 1)
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
