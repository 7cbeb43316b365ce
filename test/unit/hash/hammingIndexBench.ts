// Benchmark, not a test: all pairs within radius r among N random 64-bit hashes.
// Run: npx tsx test/unit/hash/hammingIndexBench.ts [N] [radius]
import { HammingIndex } from '../../../src/engine/hash/hammingIndex';

const n = Number(process.argv[2] ?? 100_000);
const radius = Number(process.argv[3] ?? 4);
let seed = 12345;
const next = (): number => {
  // mulberry32 (T. Ettinger): deterministic, non-linear pseudo-random 32-bit words.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
};
const high = new Uint32Array(n);
const low = new Uint32Array(n);
for (let i = 0; i < n; i++) {
  high[i] = next();
  low[i] = next();
}
const started = performance.now();
const index = HammingIndex.fromHalves(high, low);
const result = index.pairsWithin(radius);
const elapsed = performance.now() - started;
console.log(`${n} hashes, radius ${radius}: ${result.pairs.length} pairs, ${result.comparisons} comparisons, ` +
  `${result.method} with ${result.parts} parts (sub-radius ${result.subRadius}), ${elapsed.toFixed(0)} ms`);
