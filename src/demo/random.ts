// A small seeded pseudo-random generator for the demo dataset: same seed, same numbers, on every platform.

/** A stream of pseudo-random numbers with the helpers the demo needs. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** Index drawn with probability proportional to `weights`. */
  weighted(weights: readonly number[]): number;
  /** Shuffles in place (Fisher–Yates) and returns the array. */
  shuffle<T>(items: T[]): T[];
}

/**
 * mulberry32 (T. Ettinger, 2017): a 32-bit state generator with period 2^32, plenty for a few
 * thousand images per stream; streams for different purposes come from `deriveSeed`.
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  let spare: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    uniform: (min, max) => min + next() * (max - min),
    normal: () => {
      // Box–Muller transform (Box & Muller 1958), both values of each pair used; 1 − u keeps the logarithm finite.
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spare = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted: (weights) => {
      const total = weights.reduce((sum, w) => sum + w, 0);
      let target = next() * total;
      for (let i = 0; i < weights.length; i++) {
        target -= weights[i];
        if (target < 0) return i;
      }
      return weights.length - 1;
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j], items[i]];
      }
      return items;
    },
  };
  return random;
}

/**
 * A 32-bit seed for an independent stream named by `parts` (e.g. the image index and attempt):
 * FNV-1a over the parts' text, then the murmur3 finaliser to spread the bits.
 */
export function deriveSeed(seed: number, ...parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  const text = parts.join('\u0000');
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
