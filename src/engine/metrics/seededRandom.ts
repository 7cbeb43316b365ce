// A small seeded generator for resampling: same seed, same draws, on every platform.

/**
 * mulberry32 (T. Ettinger, 2017): 32-bit state, period 2^32; returns a function giving uniform numbers in [0, 1).
 * Plenty for bootstrap resampling (10^7 draws per audit at most).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
