// Sub-quadratic search for 64-bit hashes within a Hamming radius: multi-index hashing
// (Norouzi, Punjani & Fleet 2012, "Fast Search in Hamming Space with Multi-Index Hashing").
// The 64 bits are split into m disjoint parts; by the pigeonhole principle two hashes within
// distance r agree within floor(r / m) bits on at least one part. Each part is indexed by its
// value; candidates come from the buckets of that value's neighbours and are verified with a
// popcount. With m = r + 1 the parts must match exactly, the common case.
import { FairframeError } from '../errors';
import { hexToHalves, popcount32 } from './hammingDistance';

/** Two indexed hashes within the searched radius; `first < second`. */
export interface HammingPair {
  first: number;
  second: number;
  distance: number;
}

/** How a search ran, for summaries and benchmarks. */
export interface HammingSearchStats {
  method: 'multi-index' | 'brute-force';
  /** Number of parts the 64 bits were split into (0 for brute force). */
  parts: number;
  /** Bits a part may differ by and still yield candidates: floor(radius / parts). */
  subRadius: number;
  /** Candidate pairs whose full distance was computed. */
  comparisons: number;
}

export interface HammingPairsResult extends HammingSearchStats {
  pairs: HammingPair[];
}

export interface HammingMatch {
  index: number;
  distance: number;
}

export type HammingSearchMethod = 'auto' | 'multi-index' | 'brute-force';

export interface HammingSearchOptions {
  /** Default 'auto': the cheaper of multi-index hashing and brute force by a cost model. */
  method?: HammingSearchMethod;
  /** Number of parts for multi-index hashing (2–64); default: chosen by the cost model. */
  parts?: number;
}

const HASH_BITS = 64;
/** Parts narrower than 4 bits bucket nothing useful. */
const MAX_PARTS = 16;
/** Parts up to this many bits are bucketed with a dense offsets array (≤ 16 MB); wider ones with a Map. */
const DENSE_PART_BITS = 22;
/** Relative cost of a dense and of a Map bucket look-up against one popcount verification, for choosing the plan. */
const DENSE_LOOKUP_COST = 4;
const MAP_LOOKUP_COST = 40;

interface Plan {
  parts: number;
  subRadius: number;
}

/** One part of the hash: its bit range and the hashes bucketed by the part's value. */
interface PartTable {
  start: number;
  width: number;
  maskHigh: number;
  maskLow: number;
  keys: Uint32Array;
  /** Hash indices sorted by (key, index). */
  members: Int32Array;
  /** Bucket b holds members[begin[b] .. begin[b + 1]). */
  begin: Int32Array;
  /** Bucket id of a key, or -1 when no hash has it. */
  bucketOf: (key: number) => number;
  bucketCount: number;
}

/** An index of 64-bit hashes answering "which pairs (or which hashes) lie within Hamming distance r". */
export class HammingIndex {
  readonly size: number;
  private readonly high: Uint32Array;
  private readonly low: Uint32Array;
  private readonly tables = new Map<number, PartTable[]>();
  private readonly neighbourMasks = new Map<string, Uint32Array>();

  private constructor(high: Uint32Array, low: Uint32Array) {
    this.high = high;
    this.low = low;
    this.size = high.length;
  }

  /** Builds an index over hashes given as 16-hex-digit strings or 64-bit bigints. */
  static build(hashes: readonly string[] | readonly bigint[]): HammingIndex {
    const high = new Uint32Array(hashes.length);
    const low = new Uint32Array(hashes.length);
    hashes.forEach((hash: string | bigint, index: number) => {
      const [h, l] = typeof hash === 'bigint' ? bigintToHalves(hash) : hexToHalves(hash);
      high[index] = h;
      low[index] = l;
    });
    return new HammingIndex(high, low);
  }

  /** Builds an index over hashes given as high and low 32-bit halves (copied). */
  static fromHalves(high: Uint32Array, low: Uint32Array): HammingIndex {
    if (high.length !== low.length) throw new FairframeError('internal', 'The high and low halves must have the same length.');
    return new HammingIndex(Uint32Array.from(high), Uint32Array.from(low));
  }

  /** Every pair of indexed hashes within `radius` bits, sorted by (first, second). */
  pairsWithin(radius: number, options: HammingSearchOptions = {}): HammingPairsResult {
    const pairs: HammingPair[] = [];
    const stats = this.forEachPairWithin(radius, (first, second, distance) => pairs.push({ first, second, distance }), options);
    pairs.sort((a, b) => a.first - b.first || a.second - b.second);
    return { pairs, ...stats };
  }

  /**
   * Calls `visit(first, second, distance)` once for every pair of indexed hashes within `radius`
   * bits (first < second), in no particular order, without holding the pairs in memory.
   */
  forEachPairWithin(radius: number, visit: (first: number, second: number, distance: number) => void, options: HammingSearchOptions = {}): HammingSearchStats {
    const r = checkRadius(radius);
    const plan = this.plan(r, options);
    const comparisons = plan.parts === 0 ? this.bruteForcePairs(r, visit) : this.multiIndexPairs(r, plan, visit);
    return { comparisons, method: plan.parts === 0 ? 'brute-force' : 'multi-index', parts: plan.parts, subRadius: plan.subRadius };
  }

  /** Indexed hashes within `radius` bits of `hash`, sorted by index. */
  query(hash: string | bigint, radius: number, options: HammingSearchOptions = {}): HammingMatch[] {
    const r = checkRadius(radius);
    const [qh, ql] = typeof hash === 'bigint' ? bigintToHalves(hash) : hexToHalves(hash);
    const matches: HammingMatch[] = [];
    const { high, low } = this;
    // A single query costs n popcounts by scanning; the index pays off once its parts are built.
    const plan = this.plan(r, options, true);
    if (plan.parts === 0) {
      for (let j = 0; j < this.size; j++) {
        const distance = popcount32(high[j] ^ qh) + popcount32(low[j] ^ ql);
        if (distance <= r) matches.push({ index: j, distance });
      }
      return matches;
    }
    const tables = this.tablesFor(plan.parts);
    const s = plan.subRadius;
    for (let p = 0; p < tables.length; p++) {
      const table = tables[p];
      const key = partKey(qh, ql, table.start, table.width);
      for (const mask of this.masksFor(table.width, s)) {
        const bucket = table.bucketOf((key ^ mask) >>> 0);
        if (bucket < 0) continue;
        for (let x = table.begin[bucket]; x < table.begin[bucket + 1]; x++) {
          const j = table.members[x];
          const dh = high[j] ^ qh;
          const dl = low[j] ^ ql;
          const distance = popcount32(dh) + popcount32(dl);
          if (distance > r || foundInEarlierPart(tables, p, dh, dl, s)) continue;
          matches.push({ index: j, distance });
        }
      }
    }
    return matches.sort((a, b) => a.index - b.index);
  }

  /** Chooses the number of parts by a cost model, or brute force when that is cheaper. */
  private plan(radius: number, options: HammingSearchOptions, single = false): Plan {
    const method = options.method ?? 'auto';
    if (method !== 'brute-force' && options.parts !== undefined) {
      if (!Number.isInteger(options.parts) || options.parts < 2 || options.parts > HASH_BITS) {
        throw new FairframeError('internal', `Multi-index hashing needs 2 to 64 parts, not ${options.parts}.`);
      }
      return { parts: options.parts, subRadius: Math.floor(radius / options.parts) };
    }
    const n = this.size;
    const bruteCost = single ? n : (n * (n - 1)) / 2;
    let best: Plan = { parts: 0, subRadius: 0 };
    let bestCost = method === 'multi-index' ? Number.POSITIVE_INFINITY : bruteCost;
    if (method === 'brute-force') return best;
    // Any number of parts is correct; more than radius + 1 (all exact) can still pay off with many hashes.
    for (let m = 2; m <= MAX_PARTS; m++) {
      const narrow = Math.floor(HASH_BITS / m);
      const wide = Math.ceil(HASH_BITS / m);
      const s = Math.floor(radius / m);
      const dense = wide <= DENSE_PART_BITS;
      const lookup = dense ? DENSE_LOOKUP_COST : MAP_LOOKUP_COST;
      const perBucket = n / 2 ** narrow;
      // Building the parts (once; they are kept): a dense offsets array of 2^bits entries, or one Map insertion per hash.
      const build = this.tables.has(m) ? 0 : m * (dense ? 2 ** wide + n : n * MAP_LOOKUP_COST);
      let cost: number;
      if (single) cost = build + m * ballSize(wide, s) * (lookup + perBucket);
      // Exact parts: pairs inside each bucket, n²/2^(bits+1) per part.
      else if (s === 0) cost = build + (m * n * perBucket) / 2;
      // Otherwise, per hash and part, one look-up per neighbouring key, each yielding n / 2^bits candidates.
      else cost = build + m * n * ballSize(wide, s) * (lookup + perBucket);
      if (cost < bestCost) {
        bestCost = cost;
        best = { parts: m, subRadius: s };
      }
    }
    return best;
  }

  private bruteForcePairs(radius: number, visit: (first: number, second: number, distance: number) => void): number {
    const { high, low, size } = this;
    for (let i = 0; i < size; i++) {
      const hi = high[i];
      const lo = low[i];
      for (let j = i + 1; j < size; j++) {
        const distance = popcount32(hi ^ high[j]) + popcount32(lo ^ low[j]);
        if (distance <= radius) visit(i, j, distance);
      }
    }
    return (size * (size - 1)) / 2;
  }

  private multiIndexPairs(radius: number, plan: Plan, visit: (first: number, second: number, distance: number) => void): number {
    const { high, low, size } = this;
    const tables = this.tablesFor(plan.parts);
    const s = plan.subRadius;
    let comparisons = 0;
    // A pair is emitted only from the first part on which it is within s bits, so never twice.
    const consider = (i: number, j: number, p: number): void => {
      comparisons++;
      const dh = high[i] ^ high[j];
      const dl = low[i] ^ low[j];
      const distance = popcount32(dh) + popcount32(dl);
      if (distance > radius || foundInEarlierPart(tables, p, dh, dl, s)) return;
      if (i < j) visit(i, j, distance);
      else visit(j, i, distance);
    };
    for (let p = 0; p < tables.length; p++) {
      const { members, begin, bucketCount, keys, bucketOf, width } = tables[p];
      if (s === 0) {
        for (let b = 0; b < bucketCount; b++) {
          const end = begin[b + 1];
          for (let x = begin[b]; x < end; x++) {
            const i = members[x];
            for (let y = x + 1; y < end; y++) consider(i, members[y], p);
          }
        }
        continue;
      }
      const masks = this.masksFor(width, s);
      for (let i = 0; i < size; i++) {
        const key = keys[i];
        for (let k = 0; k < masks.length; k++) {
          const bucket = bucketOf((key ^ masks[k]) >>> 0);
          if (bucket < 0) continue;
          const end = begin[bucket + 1];
          // Members are sorted by index within a bucket: visit each unordered pair from its smaller index.
          for (let x = begin[bucket]; x < end; x++) {
            const j = members[x];
            if (j > i) consider(i, j, p);
          }
        }
      }
    }
    return comparisons;
  }

  private tablesFor(parts: number): PartTable[] {
    let tables = this.tables.get(parts);
    if (!tables) {
      tables = [];
      let start = 0;
      for (let p = 0; p < parts; p++) {
        const width = Math.floor(HASH_BITS / parts) + (p < HASH_BITS % parts ? 1 : 0);
        tables.push(buildPartTable(this.high, this.low, start, width));
        start += width;
      }
      this.tables.set(parts, tables);
    }
    return tables;
  }

  /** Every `width`-bit XOR mask with at most `radius` bits set (0 first). */
  private masksFor(width: number, radius: number): Uint32Array {
    const cacheKey = `${width}:${radius}`;
    let masks = this.neighbourMasks.get(cacheKey);
    if (!masks) {
      const list: number[] = [0];
      const extend = (mask: number, lowestBit: number, bitsLeft: number): void => {
        if (bitsLeft === 0) return;
        for (let bit = lowestBit; bit < width; bit++) {
          const next = (mask | (2 ** bit)) >>> 0;
          list.push(next);
          extend(next, bit + 1, bitsLeft - 1);
        }
      };
      extend(0, 0, Math.min(radius, width));
      masks = Uint32Array.from(list);
      this.neighbourMasks.set(cacheKey, masks);
    }
    return masks;
  }
}

function checkRadius(radius: number): number {
  if (!Number.isInteger(radius) || radius < 0) throw new FairframeError('internal', `A Hamming radius must be a non-negative integer, not ${radius}.`);
  return Math.min(radius, HASH_BITS);
}

function bigintToHalves(hash: bigint): [number, number] {
  if (hash < 0n || hash >= 1n << 64n) throw new FairframeError('internal', `${hash} is not an unsigned 64-bit hash.`);
  return [Number(hash >> 32n) >>> 0, Number(hash & 0xffffffffn) >>> 0];
}

/** Number of `width`-bit values within `radius` bits of a given one: Σ_{k ≤ radius} C(width, k). */
function ballSize(width: number, radius: number): number {
  let total = 0;
  let term = 1;
  for (let k = 0; k <= Math.min(radius, width); k++) {
    total += term;
    term = (term * (width - k)) / (k + 1);
  }
  return total;
}

/** The bits [start, start + width) of a 64-bit hash (bit 0 = lowest bit of `low`), as an unsigned number. */
function partKey(high: number, low: number, start: number, width: number): number {
  let value: number;
  if (start >= 32) value = high >>> (start - 32);
  else if (start + width <= 32) value = low >>> start;
  else value = (low >>> start) | (high << (32 - start));
  return width >= 32 ? value >>> 0 : (value & (2 ** width - 1)) >>> 0;
}

/** High and low 32-bit masks selecting the bits [start, start + width). */
function partMasks(start: number, width: number): [number, number] {
  let maskHigh = 0;
  let maskLow = 0;
  for (let bit = start; bit < start + width; bit++) {
    if (bit >= 32) maskHigh = (maskHigh | (2 ** (bit - 32))) >>> 0;
    else maskLow = (maskLow | (2 ** bit)) >>> 0;
  }
  return [maskHigh, maskLow];
}

/** True when the pair (given by its XORed halves) is within `s` bits on a part before `p`. */
function foundInEarlierPart(tables: PartTable[], p: number, dh: number, dl: number, s: number): boolean {
  for (let q = 0; q < p; q++) {
    if (popcount32(dh & tables[q].maskHigh) + popcount32(dl & tables[q].maskLow) <= s) return true;
  }
  return false;
}

function buildPartTable(high: Uint32Array, low: Uint32Array, start: number, width: number): PartTable {
  const n = high.length;
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = partKey(high[i], low[i], start, width);
  const [maskHigh, maskLow] = partMasks(start, width);
  const members = new Int32Array(n);

  if (width <= DENSE_PART_BITS) {
    // Counting sort: stable, so indices stay ascending within each bucket; bucket id = key.
    const bucketCount = 2 ** width;
    const begin = new Int32Array(bucketCount + 1);
    for (let i = 0; i < n; i++) begin[keys[i] + 1]++;
    for (let b = 0; b < bucketCount; b++) begin[b + 1] += begin[b];
    const fill = begin.slice(0, bucketCount);
    for (let i = 0; i < n; i++) members[fill[keys[i]]++] = i;
    return { start, width, maskHigh, maskLow, keys, members, begin, bucketCount, bucketOf: (key) => key };
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
  const bucketIds = new Map<number, number>();
  const starts: number[] = [];
  order.forEach((index, position) => {
    members[position] = index;
    if (!bucketIds.has(keys[index])) {
      bucketIds.set(keys[index], starts.length);
      starts.push(position);
    }
  });
  starts.push(n);
  return {
    start, width, maskHigh, maskLow, keys, members,
    begin: Int32Array.from(starts),
    bucketCount: bucketIds.size,
    bucketOf: (key) => bucketIds.get(key) ?? -1,
  };
}
