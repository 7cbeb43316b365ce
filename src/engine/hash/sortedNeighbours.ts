// Approximate near neighbours by sorting random-hyperplane hashes (Charikar 2002, "Similarity
// Estimation Techniques from Rounding Algorithms", §5): two vectors at a small angle agree on each
// hash bit with probability 1 − angle/π, so they often share a long prefix and sit close together once
// the hashes are sorted. Over several independent hashes, a vector's near neighbours are, with high
// probability, within a few places of it in at least one order. Unlike a radius search, the work is
// bounded whatever the data's crowding: O(orders · n log n + orders · n · window). The walk over each order's
// window is proposalScoring.ts's, block by block.

/** Items up to this many sort by a packed float key (hash · 2^21 + index), exact in a double. */
const PACKED_LIMIT = 2 ** 21;

/** Item indices ordered by hash, then index. */
export function sortByHash(hashes: Uint32Array): Uint32Array {
  const n = hashes.length;
  if (n <= PACKED_LIMIT) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = hashes[i] * PACKED_LIMIT + i;
    keys.sort();
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = keys[i] % PACKED_LIMIT;
    return out;
  }
  const out = Uint32Array.from({ length: n }, (_, i) => i);
  return out.sort((a, b) => hashes[a] - hashes[b] || a - b);
}
