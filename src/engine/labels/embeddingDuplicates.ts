// Near-duplicate records by cosine similarity of model embeddings, cos(a, b) = a·b / (‖a‖‖b‖).
// Vectors are L2-normalised; pairs with cos ≥ threshold are joined by union-find into clusters.
// Large sets are searched with sign-random-projection signatures (Charikar 2002, "Similarity estimation
// techniques from rounding algorithms"): each of H random hyperplanes separates a pair at angle θ with
// probability θ/π, so the Hamming distance of their H-bit signatures is Binomial(H, θ/π). Pairs whose distance
// is within the radius that a threshold pair exceeds with probability ≤ 1e-6 are verified by exact dot product.
import { FairframeError } from '../errors';

/** How pairs are searched: 'exact' compares every pair; 'simhash' filters by signature first; 'auto' picks by size. */
export type EmbeddingSearchMethod = 'auto' | 'exact' | 'simhash';

/** A record's class label or split name; null/undefined when unknown. */
export type RecordTag = string | number | null | undefined;

/** Options of the near-duplicate search. */
export interface EmbeddingDuplicateOptions {
  /** Cosine similarity at or above which two records are near duplicates; default 0.9. */
  threshold?: number;
  /** Class label per record, to flag clusters with conflicting labels. */
  labels?: readonly RecordTag[];
  /** Split per record (train/validation/test), to flag clusters that straddle splits. */
  splits?: readonly RecordTag[];
  /** Default 'auto': exact up to 2,000 records or when the signature filter would not be selective. */
  method?: EmbeddingSearchMethod;
  /** Most pairs kept in the result (clusters still use every pair); default 1,000,000. */
  maxPairs?: number;
  /** Seed of the random hyperplanes; default 1. */
  seed?: number;
}

/** Two records at cosine similarity ≥ threshold; `first < second`. */
export interface EmbeddingPair {
  first: number;
  second: number;
  similarity: number;
}

/** Records joined by chains of near-duplicate pairs. */
export interface EmbeddingDuplicateCluster {
  /** Record indices, ascending. */
  members: number[];
  /** Highest and lowest similarity among the kept pairs inside the cluster. */
  maxSimilarity: number;
  minSimilarity: number;
  /** Distinct known labels / splits of the members, in first-seen order. */
  labels: (string | number)[];
  splits: (string | number)[];
  conflictingLabels: boolean;
  crossSplit: boolean;
}

/** The pairs and clusters found, and how the search ran. */
export interface EmbeddingDuplicatesResult {
  threshold: number;
  method: 'exact' | 'simhash';
  pairs: EmbeddingPair[];
  /** True when more than `maxPairs` pairs were found and the rest were dropped from `pairs`. */
  pairsTruncated: boolean;
  /** Clusters of two or more records, ordered by their first member. */
  clusters: EmbeddingDuplicateCluster[];
  /** Records whose vector is all zeros: they have no direction and are never duplicates. */
  zeroVectors: number[];
  /** Exact dot products computed. */
  comparisons: number;
  /** Per pair at exactly the threshold, the chance the signature filter missed it (0 for exact search). */
  missProbabilityBound: number;
}

const SIGNATURE_BITS = 128;
const SIGNATURE_WORDS = SIGNATURE_BITS / 32;
const MISS_PROBABILITY = 1e-6;
const EXACT_SEARCH_MAX_RECORDS = 2000;
/** Rows per cache tile of the exact search. */
const TILE_ROWS = 256;

/** L2-normalised copy of the vectors, row-major, with the indices of zero vectors (left as zeros, never NaN). */
export function l2Normalise(vectors: readonly ArrayLike<number>[]): { data: Float64Array; dimension: number; zeroVectors: number[] } {
  const dimension = vectors.length > 0 ? vectors[0].length : 0;
  const data = new Float64Array(vectors.length * dimension);
  const zeroVectors: number[] = [];
  vectors.forEach((vector, i) => {
    if (vector.length !== dimension) {
      throw new FairframeError('internal', `Embedding ${i} has ${vector.length} dimensions but embedding 0 has ${dimension}; embed every record with the same model output.`);
    }
    let squares = 0;
    for (let k = 0; k < dimension; k++) {
      const value = vector[k];
      if (!Number.isFinite(value)) throw new FairframeError('internal', `Embedding ${i} has a non-finite value at dimension ${k}; check the model output for NaN or Infinity.`);
      squares += value * value;
    }
    if (squares === 0) {
      zeroVectors.push(i);
      return;
    }
    const inverse = 1 / Math.sqrt(squares);
    for (let k = 0; k < dimension; k++) data[i * dimension + k] = vector[k] * inverse;
  });
  return { data, dimension, zeroVectors };
}

/** log C(n, k). */
function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log((n - k + i) / i);
  return sum;
}

/** Smallest radius h with P(Binomial(bits, q) > h) ≤ missProbability, and that tail probability. */
export function signatureRadius(threshold: number, bits = SIGNATURE_BITS, missProbability = MISS_PROBABILITY): { radius: number; tail: number } {
  const q = Math.acos(Math.min(1, Math.max(-1, threshold))) / Math.PI;
  if (q === 0) return { radius: 0, tail: 0 };
  const pmf = (h: number): number => Math.exp(logChoose(bits, h) + h * Math.log(q) + (bits - h) * Math.log1p(-q));
  // Sum the upper tail from the top so that small tails keep their precision.
  let tail = 0;
  for (let h = bits; h >= 1; h--) {
    const above = tail + pmf(h);
    if (above > missProbability) return { radius: h, tail };
    tail = above;
  }
  return { radius: 0, tail };
}

/** Deterministic standard-normal generator (xorshift32 + Box–Muller). */
function gaussianSource(seed: number): () => number {
  let state = (seed | 0) || 1;
  const uniform = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Dot product of rows a and b of row-major data. */
function rowDot(data: Float64Array, dimension: number, a: number, b: number): number {
  const oa = a * dimension;
  const ob = b * dimension;
  let sum = 0;
  for (let k = 0; k < dimension; k++) sum += data[oa + k] * data[ob + k];
  return sum;
}

/** Calls `visit` for every candidate pair (first < second) of non-zero records, exactly once each. */
function forEachExactCandidate(count: number, active: Uint8Array, visit: (a: number, b: number) => void): void {
  for (let tile = 0; tile < count; tile += TILE_ROWS) {
    const tileEnd = Math.min(tile + TILE_ROWS, count);
    for (let a = 0; a < tileEnd; a++) {
      if (!active[a]) continue;
      for (let b = Math.max(tile, a + 1); b < tileEnd; b++) if (active[b]) visit(a, b);
    }
  }
}

/** H-bit sign signatures, bit h set when the record lies on the positive side of random hyperplane h (four planes per pass). */
function signatures(data: Float64Array, dimension: number, count: number, seed: number): Int32Array {
  const gaussian = gaussianSource(seed);
  const planes = new Float64Array(SIGNATURE_BITS * dimension);
  for (let i = 0; i < planes.length; i++) planes[i] = gaussian();
  const result = new Int32Array(count * SIGNATURE_WORDS);
  for (let r = 0; r < count; r++) {
    const or = r * dimension;
    for (let bit = 0; bit < SIGNATURE_BITS; bit += 4) {
      const o0 = bit * dimension, o1 = o0 + dimension, o2 = o1 + dimension, o3 = o2 + dimension;
      let p0 = 0, p1 = 0, p2 = 0, p3 = 0;
      for (let k = 0; k < dimension; k++) {
        const x = data[or + k];
        p0 += planes[o0 + k] * x;
        p1 += planes[o1 + k] * x;
        p2 += planes[o2 + k] * x;
        p3 += planes[o3 + k] * x;
      }
      const shift = bit & 31;
      result[r * SIGNATURE_WORDS + (bit >>> 5)] |= ((p0 > 0 ? 1 : 0) | (p1 > 0 ? 2 : 0) | (p2 > 0 ? 4 : 0) | (p3 > 0 ? 8 : 0)) << shift;
    }
  }
  return result;
}

/** Bit counts of each 4-bit field of x (the first two SWAR popcount steps; each field ≤ 4). */
function nibbleCounts(x: number): number {
  const pairs = x - ((x >>> 1) & 0x55555555);
  return (pairs & 0x33333333) + ((pairs >>> 2) & 0x33333333);
}

/** Calls `visit` for every pair of non-zero records whose 128-bit signatures differ in at most `radius` bits. */
function forEachSignatureCandidate(sig: Int32Array, count: number, active: Uint8Array, radius: number, visit: (a: number, b: number) => void): void {
  for (let a = 0; a < count; a++) {
    if (!active[a]) continue;
    const o = a * SIGNATURE_WORDS;
    const w0 = sig[o], w1 = sig[o + 1], w2 = sig[o + 2], w3 = sig[o + 3];
    for (let b = a + 1; b < count; b++) {
      const p = b * SIGNATURE_WORDS;
      // Hamming distance of the four words, summing nibble counts before the final byte fold.
      const low = nibbleCounts(w0 ^ sig[p]) + nibbleCounts(w1 ^ sig[p + 1]);
      const high = nibbleCounts(w2 ^ sig[p + 2]) + nibbleCounts(w3 ^ sig[p + 3]);
      const bytes = ((low & 0x0f0f0f0f) + ((low >>> 4) & 0x0f0f0f0f)) + ((high & 0x0f0f0f0f) + ((high >>> 4) & 0x0f0f0f0f));
      const distance = Math.imul(bytes, 0x01010101) >>> 24;
      if (distance <= radius && active[b]) visit(a, b);
    }
  }
}

function find(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/** Distinct known tags of the members, in first-seen order. */
function distinctTags(members: readonly number[], tags: readonly RecordTag[] | undefined): (string | number)[] {
  const seen: (string | number)[] = [];
  if (!tags) return seen;
  for (const i of members) {
    const tag = tags[i];
    if (tag !== null && tag !== undefined && !seen.includes(tag)) seen.push(tag);
  }
  return seen;
}

/** Finds near-duplicate records: all pairs with cosine ≥ threshold, clustered with union-find, with label and split conflicts. */
export function findEmbeddingDuplicates(embeddings: readonly ArrayLike<number>[], options: EmbeddingDuplicateOptions = {}): EmbeddingDuplicatesResult {
  const threshold = options.threshold ?? 0.9;
  if (!(threshold > -1 && threshold <= 1)) {
    throw new FairframeError('bad-config', `The near-duplicate similarity threshold must be in (−1, 1], not ${threshold}; 0.9 is a good default.`);
  }
  for (const [name, tags] of [['labels', options.labels], ['splits', options.splits]] as const) {
    if (tags && tags.length !== embeddings.length) {
      throw new FairframeError('internal', `There are ${embeddings.length} embeddings but ${tags.length} ${name}; pass one per record.`);
    }
  }
  const maxPairs = options.maxPairs ?? 1_000_000;
  const { data, dimension, zeroVectors } = l2Normalise(embeddings);
  const count = embeddings.length;
  const active = new Uint8Array(count).fill(1);
  for (const i of zeroVectors) active[i] = 0;
  const { radius, tail } = signatureRadius(threshold);
  const selective = radius < SIGNATURE_BITS * 0.4;
  const method = options.method === 'exact' || options.method === 'simhash'
    ? options.method
    : count > EXACT_SEARCH_MAX_RECORDS && selective && dimension > 0 ? 'simhash' : 'exact';

  const parent = Int32Array.from({ length: count }, (_, i) => i);
  const pairs: EmbeddingPair[] = [];
  let pairsTruncated = false;
  let comparisons = 0;
  const visit = (a: number, b: number): void => {
    comparisons++;
    const similarity = rowDot(data, dimension, a, b);
    if (similarity < threshold) return;
    if (pairs.length < maxPairs) pairs.push({ first: a, second: b, similarity });
    else pairsTruncated = true;
    const ra = find(parent, a);
    const rb = find(parent, b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  if (method === 'exact') forEachExactCandidate(count, active, visit);
  else forEachSignatureCandidate(signatures(data, dimension, count, options.seed ?? 1), count, active, radius, visit);
  pairs.sort((x, y) => x.first - y.first || x.second - y.second);

  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const root = find(parent, i);
    let group = byRoot.get(root);
    if (!group) {
      group = [];
      byRoot.set(root, group);
    }
    group.push(i);
  }
  const stats = new Map<number, { max: number; min: number }>();
  for (const pair of pairs) {
    const root = find(parent, pair.first);
    const s = stats.get(root) ?? { max: Number.NEGATIVE_INFINITY, min: Number.POSITIVE_INFINITY };
    s.max = Math.max(s.max, pair.similarity);
    s.min = Math.min(s.min, pair.similarity);
    stats.set(root, s);
  }
  const clusters: EmbeddingDuplicateCluster[] = [];
  for (const [root, members] of byRoot) {
    if (members.length < 2) continue;
    const labels = distinctTags(members, options.labels);
    const splits = distinctTags(members, options.splits);
    const s = stats.get(root);
    clusters.push({
      members,
      maxSimilarity: s?.max ?? Number.NaN,
      minSimilarity: s?.min ?? Number.NaN,
      labels,
      splits,
      conflictingLabels: labels.length > 1,
      crossSplit: splits.length > 1,
    });
  }
  clusters.sort((x, y) => x.members[0] - y.members[0]);
  return { threshold, method, pairs, pairsTruncated, clusters, zeroVectors, comparisons, missProbabilityBound: method === 'exact' ? 0 : tail };
}

/** The clusters whose members carry two or more distinct known labels (null/undefined labels are ignored). */
export function conflictingLabelDuplicates(clusters: readonly EmbeddingDuplicateCluster[], labels: readonly RecordTag[]): EmbeddingDuplicateCluster[] {
  return clusters.filter((cluster) => distinctTags(cluster.members, labels).length > 1);
}
