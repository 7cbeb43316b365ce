// Near-duplicate search in two stages, then clustering that cannot chain.
// 1. Proposal: a Hamming index proposes pairs whose layout SimHashes are within LAYOUT_HASH_RADIUS
//    bits (shift- and crop-tolerant; past RADIUS_SEARCH_LIMIT images, neighbours in sorted layout
//    hashes instead) or whose dHashes are within the configured radius. Proposals
//    stream past: each is scored by layout and spectrum similarity, and only each image's best
//    CANDIDATES_PER_IMAGE partners by layout and SPECTRUM_CANDIDATES_PER_IMAGE by spectrum are kept,
//    so images of one kind (digits, aligned faces) that propose each other by the thousand cost a
//    bounded number of verifications. A shift of a fine texture moves its layout far but not its
//    amplitude spectrum: items next to each other when sorted by each of SPECTRUM_HASHES spectrum
//    SimHashes (sortedNeighbours.ts) are proposed too, by spectrum alone, at a bounded cost.
// 2. Verification: the kept pairs are compared by thumbnail correlation after alignment
//    (signatureSimilarity.ts). A pair at or above the threshold is a near duplicate only when it also
//    stands out from each image's look-alikes (a ratio test after Lowe 2004): its residual 1 − r is at
//    most `lookAlikeRatio` times that of the closest candidate of either image that failed verification.
//    Images of one kind (digits, aligned faces) reach the threshold with many partners by degrees; a
//    copy is much closer to its source than anything else is.
// 3. Clustering by complete linkage: two clusters merge only when every pair across them is
//    verified, so every pair inside a reported cluster is itself a verified near duplicate. An image
//    left on its own although it has verified links is reported with its strongest link as a pair.
import { throwIfAborted } from '../errors';
import { HammingIndex, type HammingSearchStats } from '../hash/hammingIndex';
import { verifyPairs, type ParallelVerifier } from './verifyPairs';
import { popcount32 } from '../hash/hammingDistance';
import { comparableThumbnail, thumbnailCorrelation, type Alignment, type ComparableThumbnail } from '../image/signatureSimilarity';
import { LAYOUT_HASHES, LAYOUT_LENGTH, layoutHashes, SPECTRUM_LENGTH } from '../image/imageSignatures';
import { searchFeatures } from './searchFeatures';
import { flatCosine, MIN_LAYOUT_SIMILARITY, scoreSortedProposals } from './proposalScoring';

export { CANDIDATES_PER_IMAGE, MIN_SPECTRUM_SIMILARITY, SPECTRUM_CANDIDATES_PER_IMAGE, SPECTRUM_WINDOW } from './proposalScoring';
export { MIN_LAYOUT_SIMILARITY };

/** Layout SimHashes within this many bits propose a pair (about a 22° angle between layouts). */
export const LAYOUT_HASH_RADIUS = 8;
/** Above this many compared images, layout proposals come from sorted layout hashes, not a radius search. */
export const RADIUS_SEARCH_LIMIT = 20_000;
/** Places either side at which items sorted by a layout hash are proposed to each other. */
export const LAYOUT_WINDOW = 8;
/**
 * A set is crowded when a radius search would propose more than this many pairs per compared image (an
 * estimate from a sample): images of one kind, whose layouts all lie within a few bits of each other. A crowded
 * set below the radius-search limit takes its layout proposals from sorted hashes too, with twice the window
 * (CROWDED_LAYOUT_WINDOW), which visits this many pairs per image.
 */
export const CROWDED_PAIRS_PER_IMAGE = 128;
export const CROWDED_LAYOUT_WINDOW = 16;
/** Images sampled to estimate how many pairs a radius search would propose. */
const CROWDING_SAMPLE = 256;
/** Largest cluster complete linkage builds (a merge beyond it is not attempted). */
export const MAX_CLUSTER_SIZE = 256;
/** Default ratio test: a near duplicate's residual is at most 0.4 of the closest look-alike's (a distance ratio of about 0.63). */
export const LOOK_ALIKE_RATIO = 0.4;

/**
 * How layout proposals were found: a Hamming radius search, or sorted hashes (`comparisons`: neighbours visited);
 * below the radius-search limit, how many pairs the radius search was estimated to propose, and whether that
 * made the set crowded (sorted hashes with CROWDED_LAYOUT_WINDOW).
 */
export type LayoutSearchStats = HammingSearchStats & { kind: 'radius' | 'sorted'; estimatedRadiusPairs?: number; crowded?: boolean };

/** What the search knows of one distinct image. */
export interface SearchItem {
  /** The 32×32 greyscale thumbnail; undefined when unknown (the item can then only be an exact duplicate). */
  thumbnail: Uint8Array | undefined;
  /** 64-bit dHash as 16 hex digits, when known. */
  dhash: string | undefined;
}

export interface NearDuplicateOptions {
  /** Thumbnail correlation at or above which a pair is a near duplicate. */
  threshold: number;
  /** dHash Hamming radius that also proposes pairs. */
  dhashRadius: number;
  /**
   * Largest ratio of a pair's residual (1 − r) to the residual of either image's closest look-alike
   * (its closest candidate below the threshold) for the pair to count (default LOOK_ALIKE_RATIO).
   */
  lookAlikeRatio?: number;
  signal?: AbortSignal;
  /** Above this many compared images, layout proposals come from sorted hashes (default RADIUS_SEARCH_LIMIT). */
  radiusSearchLimit?: number;
  /** Estimated radius-search pairs per image above which a set is crowded (default CROWDED_PAIRS_PER_IMAGE). */
  crowdedPairsPerImage?: number;
  /** Threads to verify the candidates in (default: this thread only). */
  parallel?: ParallelVerifier;
  /** Fewest candidate pairs worth handing to `parallel` (default PARALLEL_MIN_PAIRS). */
  parallelMinPairs?: number;
}

/** A verified near-duplicate pair of items (a < b). */
export interface VerifiedPair {
  a: number;
  b: number;
  alignment: Alignment;
}

export interface NearDuplicateCluster {
  /** Item indices, ascending. An item is in at most one complete-linkage cluster; it may also be the partner in pairs (an image left alone, with its strongest link). */
  members: number[];
  /** The least-correlated pair in the cluster (every pair in it is verified). */
  weakest: VerifiedPair;
}

export interface NearDuplicateSearchResult {
  clusters: NearDuplicateCluster[];
  /** Verified pairs, including those found while clustering. */
  pairs: VerifiedPair[];
  stats: {
    /** Items with a layout (not flat, thumbnail known). */
    itemsCompared: number;
    /** Items left out because their thumbnail is flat or unknown. */
    itemsWithoutLayout: number;
    /** Pairs proposed by the two hash indexes (a pair proposed by both counts twice). */
    proposals: number;
    /** Pairs proposed by sorted spectrum hashes (a pair adjacent in several orders counts each time). */
    spectrumProposals: number;
    /** Distinct pairs verified by thumbnail correlation: for candidates, and while clustering. */
    pairsVerified: number;
    /** Of those, verified for complete linkage (pairs across two clusters that were not candidates). */
    pairsVerifiedForClusters: number;
    /** Pairs at or above the threshold that also pass the look-alike ratio test: the near-duplicate pairs. */
    pairsAboveThreshold: number;
    /** Pairs at or above the threshold set aside because one image has a look-alike nearly as close. */
    pairsSetAsideAsLookAlikes: number;
    /** Threads that verified the candidates (1: this thread). */
    verificationThreads: number;
    /** Wall-clock milliseconds of each stage (proposals with their scoring; candidate verification; the ratio test and clustering). */
    milliseconds: { proposals: number; verification: number; clustering: number };
    layoutSearch: LayoutSearchStats;
    dhashSearch: HammingSearchStats;
  };
}

/** Near-duplicate clusters among `items`: proposed by hashes, verified by correlation, linked completely. */
export async function findNearDuplicates(items: readonly SearchItem[], options: NearDuplicateOptions): Promise<NearDuplicateSearchResult> {
  const { threshold, signal } = options;
  const started = performance.now();
  // Items with a layout, by position p in `compared`; their layouts and spectra side by side in one array each.
  const radiusLimit = options.radiusSearchLimit ?? RADIUS_SEARCH_LIMIT;
  const features = await searchFeatures(items.map((item) => item.thumbnail), radiusLimit, { parallel: options.parallel, parallelMinItems: options.parallelMinPairs, signal });
  const { compared, layouts, spectra } = features;
  const n = compared.length;
  // Layout proposals: every pair within LAYOUT_HASH_RADIUS bits while that stays affordable. Past
  // `radiusSearchLimit` images (a radius search's work grows with the square of a crowd), and for a crowded
  // set below it (digits, aligned faces: most layouts within a few bits of each other), the neighbours in
  // the orders of LAYOUT_HASHES layout hashes instead, at a bounded cost per image.
  let estimatedRadiusPairs: number | undefined;
  let layoutOrders: Uint32Array[] = [];
  let layoutWindow = 0;
  if (features.layoutHigh && features.layoutLow) {
    estimatedRadiusPairs = estimatePairsWithin(features.layoutHigh, features.layoutLow, LAYOUT_HASH_RADIUS);
    if (estimatedRadiusPairs > (options.crowdedPairsPerImage ?? CROWDED_PAIRS_PER_IMAGE) * n) {
      layoutOrders = Array.from({ length: LAYOUT_HASHES }, () => new Uint32Array(n));
      for (let p = 0; p < n; p++) layoutHashes(layouts.subarray(p * LAYOUT_LENGTH, (p + 1) * LAYOUT_LENGTH)).forEach((hash, h) => (layoutOrders[h][p] = hash));
      layoutWindow = CROWDED_LAYOUT_WINDOW;
    }
  } else {
    layoutOrders = features.layoutOrders!;
    layoutWindow = LAYOUT_WINDOW;
  }
  // Images of one kind propose each other by the hundred: keep the most similar by layout, and by
  // spectrum (which a shift does not change), so a shifted copy is not crowded out by look-alikes. The
  // sorted orders, layout and spectrum (items adjacent in the order of any spectrum hash), are scored first,
  // in threads when there are many items.
  const scored = await scoreSortedProposals(layouts, spectra, layoutOrders, layoutWindow, features.spectrumOrders, {
    parallel: options.parallel,
    parallelMinItems: options.parallelMinPairs,
    signal,
  });
  const { byLayout, bySpectrum } = scored;
  let proposals = scored.layoutVisits;
  const propose = (p: number, q: number): void => {
    proposals++;
    const similarity = flatCosine(layouts, p, q, LAYOUT_LENGTH);
    if (similarity < MIN_LAYOUT_SIMILARITY) return;
    byLayout.offer(p, q, similarity);
    byLayout.offer(q, p, similarity);
    const spectral = flatCosine(spectra, p, q, SPECTRUM_LENGTH);
    bySpectrum.offer(p, q, spectral);
    bySpectrum.offer(q, p, spectral);
  };
  let layoutSearch: LayoutSearchStats;
  if (layoutOrders.length === 0) {
    layoutSearch = { ...HammingIndex.fromHalves(features.layoutHigh!, features.layoutLow!).forEachPairWithin(LAYOUT_HASH_RADIUS, propose), kind: 'radius', estimatedRadiusPairs };
  } else {
    const sorted: LayoutSearchStats = { kind: 'sorted', method: 'brute-force', parts: 0, subRadius: 0, comparisons: scored.layoutVisits };
    layoutSearch = estimatedRadiusPairs === undefined ? sorted : { ...sorted, estimatedRadiusPairs, crowded: true };
  }
  throwIfAborted(signal);

  // dHash proposals among the items that have both.
  const hashed = compared.map((_, p) => p).filter((p) => items[compared[p]].dhash !== undefined);
  const dhashSearch = HammingIndex.build(hashed.map((p) => items[compared[p]].dhash!))
    .forEachPairWithin(options.dhashRadius, (x, y) => propose(hashed[x], hashed[y]));
  throwIfAborted(signal);
  const spectrumProposals = scored.spectrumVisits;

  // Verification of every kept candidate pair, once.
  const verified = new PairMemo<Alignment>();
  // Smoothed thumbnails, prepared once per item that takes part in a verification (2 KB each).
  const prepared = new Map<number, ComparableThumbnail>();
  const comparable = (p: number): ComparableThumbnail => {
    let thumbnail = prepared.get(p);
    if (!thumbnail) prepared.set(p, (thumbnail = comparableThumbnail(items[compared[p]].thumbnail!)));
    return thumbnail;
  };
  const verify = (p: number, q: number): Alignment => {
    const [lo, hi] = p < q ? [p, q] : [q, p];
    let alignment = verified.get(lo, hi);
    if (!alignment) {
      alignment = thumbnailCorrelation(comparable(lo), comparable(hi), threshold);
      verified.set(lo, hi, alignment);
    }
    return alignment;
  };
  // The kept candidates, each unordered pair once, verified together (in worker threads when many).
  const candidatePairs: number[] = [];
  for (let p = 0; p < n; p++) {
    const partners = [...byLayout.of(p), ...bySpectrum.of(p)];
    partners.forEach((q, k) => {
      // Each unordered pair once: from the first of p's lists to name q, and from the lower of p and q when both name the other.
      if (partners.indexOf(q) !== k) return;
      if (q < p && (byLayout.has(q, p) || bySpectrum.has(q, p))) return;
      candidatePairs.push(Math.min(p, q), Math.max(p, q));
    });
  }
  throwIfAborted(signal);
  const proposed = performance.now();
  const candidates = await verifyPairs(Int32Array.from(candidatePairs), (p) => items[compared[p]].thumbnail!, comparable, { threshold, parallel: options.parallel, parallelMinPairs: options.parallelMinPairs, signal });
  const candidatesDone = performance.now();
  // Each image's candidates below the threshold (its look-alikes), closest first: image p's at
  // [belowStart[p], belowStart[p + 1]) of belowPartner and belowResidual.
  const belowStart = new Int32Array(n + 1);
  candidates.alignments.forEach((alignment, k) => {
    const lo = candidatePairs[2 * k];
    const hi = candidatePairs[2 * k + 1];
    verified.set(lo, hi, alignment);
    if (alignment.correlation >= threshold) return;
    belowStart[lo + 1]++;
    belowStart[hi + 1]++;
  });
  for (let p = 0; p < n; p++) belowStart[p + 1] += belowStart[p];
  const belowPartner = new Int32Array(belowStart[n]);
  const belowResidual = new Float64Array(belowStart[n]);
  const filled = belowStart.slice(0, n);
  candidates.alignments.forEach((alignment, k) => {
    if (alignment.correlation >= threshold) return;
    const lo = candidatePairs[2 * k];
    const hi = candidatePairs[2 * k + 1];
    belowPartner[filled[lo]] = hi;
    belowResidual[filled[lo]++] = 1 - alignment.correlation;
    belowPartner[filled[hi]] = lo;
    belowResidual[filled[hi]++] = 1 - alignment.correlation;
  });
  const candidatesVerified = verified.size;
  // Closest first, then by partner: an insertion sort of each image's few look-alikes.
  for (let p = 0; p < n; p++) {
    for (let i = belowStart[p] + 1; i < belowStart[p + 1]; i++) {
      const partner = belowPartner[i];
      const residual = belowResidual[i];
      let j = i - 1;
      while (j >= belowStart[p] && (belowResidual[j] > residual || (belowResidual[j] === residual && belowPartner[j] > partner))) {
        belowPartner[j + 1] = belowPartner[j];
        belowResidual[j + 1] = belowResidual[j];
        j--;
      }
      belowPartner[j + 1] = partner;
      belowResidual[j + 1] = residual;
    }
  }
  const ratio = options.lookAlikeRatio ?? LOOK_ALIKE_RATIO;
  /**
   * Whether p has a look-alike within `residual / ratio`: a candidate below the threshold that is not
   * itself a copy of q (a second, more edited copy of one image is not a look-alike of the first).
   */
  const hasCloseLookAlike = (p: number, q: number, residual: number): boolean => {
    for (let i = belowStart[p]; i < belowStart[p + 1]; i++) {
      const other = belowPartner[i];
      if (residual <= ratio * belowResidual[i]) return false; // this look-alike and every later one are far enough
      if (other === q) continue;
      if (verify(q, other).correlation < threshold) return true;
    }
    return false;
  };
  const decided = new PairMemo<boolean>();
  /** A verified near duplicate: above the threshold, and standing out from both images' look-alikes. */
  const isNear = (p: number, q: number, alignment: Alignment): boolean => {
    if (alignment.correlation < threshold) return false;
    const [lo, hi] = p < q ? [p, q] : [q, p];
    let near = decided.get(lo, hi);
    if (near === undefined) {
      const residual = 1 - alignment.correlation;
      near = !hasCloseLookAlike(lo, hi, residual) && !hasCloseLookAlike(hi, lo, residual);
      decided.set(lo, hi, near);
    }
    return near;
  };
  const links: Array<[number, number, Alignment]> = [];
  candidates.alignments.forEach((alignment, k) => {
    const lo = candidatePairs[2 * k];
    const hi = candidatePairs[2 * k + 1];
    if (isNear(lo, hi, alignment)) links.push([lo, hi, alignment]);
  });

  // Complete linkage over verified links, strongest first.
  links.sort((x, y) => y[2].correlation - x[2].correlation || x[0] - y[0] || x[1] - y[1]);
  const clusterOf = Int32Array.from({ length: n }, (_, p) => p);
  const members = new Map<number, number[]>();
  const weakest = new Map<number, [number, number, Alignment]>();
  for (const link of links) {
    const [p, q] = link;
    const cp = clusterOf[p];
    const cq = clusterOf[q];
    if (cp === cq) continue;
    const left = members.get(cp) ?? [p];
    const right = members.get(cq) ?? [q];
    if (left.length + right.length > MAX_CLUSTER_SIZE) continue;
    let weak: [number, number, Alignment] = link;
    let complete = true;
    for (const x of left) {
      for (const y of right) {
        const alignment = verify(x, y);
        if (!isNear(x, y, alignment)) {
          complete = false;
          break;
        }
        if (alignment.correlation < weak[2].correlation) weak = x < y ? [x, y, alignment] : [y, x, alignment];
      }
      if (!complete) break;
    }
    if (!complete) continue;
    for (const w of [weakest.get(cp), weakest.get(cq)]) if (w && w[2].correlation < weak[2].correlation) weak = w;
    const [keep, drop] = cp < cq ? [cp, cq] : [cq, cp];
    const merged = [...left, ...right];
    for (const x of merged) clusterOf[x] = keep;
    members.set(keep, merged);
    members.delete(drop);
    weakest.set(keep, weak);
    weakest.delete(drop);
  }
  throwIfAborted(signal);

  const toPair = ([p, q, alignment]: [number, number, Alignment]): VerifiedPair => ({ a: compared[p], b: compared[q], alignment });
  const clusters: NearDuplicateCluster[] = [...members.entries()]
    .map(([root, list]) => ({ members: list.map((p) => compared[p]).sort((x, y) => x - y), weakest: toPair(weakest.get(root)!) }));
  // An image that complete linkage left on its own although it has verified links (a copy that matches
  // its source but not every other copy) is reported with its strongest link, as a pair of its own.
  const attached = new Set<number>();
  for (const link of links) {
    for (const [alone, other] of [[link[0], link[1]], [link[1], link[0]]]) {
      if (members.has(clusterOf[alone]) || attached.has(alone)) continue;
      attached.add(alone);
      clusters.push({ members: [compared[alone], compared[other]].sort((x, y) => x - y), weakest: toPair(link) });
    }
  }
  clusters.sort((x, y) => x.members[0] - y.members[0] || x.members[1] - y.members[1]);
  const pairs: VerifiedPair[] = [];
  let setAside = 0;
  const above: Array<[number, number, Alignment]> = [];
  verified.forEach((p, q, alignment) => {
    if (alignment.correlation >= threshold) above.push([p, q, alignment]);
  });
  for (const pair of above) {
    if (isNear(pair[0], pair[1], pair[2])) pairs.push(toPair(pair));
    else setAside++;
  }
  pairs.sort((x, y) => x.a - y.a || x.b - y.b);
  return {
    clusters,
    pairs,
    stats: {
      itemsCompared: n,
      itemsWithoutLayout: items.length - n,
      proposals,
      spectrumProposals,
      pairsVerified: verified.size,
      pairsVerifiedForClusters: verified.size - candidatesVerified,
      pairsAboveThreshold: pairs.length,
      pairsSetAsideAsLookAlikes: setAside,
      verificationThreads: candidates.threads,
      milliseconds: { proposals: proposed - started, verification: candidatesDone - proposed, clustering: performance.now() - candidatesDone },
      layoutSearch,
      dhashSearch,
    },
  };
}

/**
 * About how many pairs of the 64-bit hashes (high, low halves) lie within `radius` bits: the neighbours of
 * CROWDING_SAMPLE evenly spaced items counted against every item, scaled to all n (exact when n ≤ the sample).
 */
export function estimatePairsWithin(high: Uint32Array, low: Uint32Array, radius: number): number {
  const n = high.length;
  const sample = Math.min(n, CROWDING_SAMPLE);
  let within = 0;
  for (let k = 0; k < sample; k++) {
    const p = Math.floor((k * n) / sample);
    for (let q = 0; q < n; q++) if (q !== p && popcount32(high[p] ^ high[q]) + popcount32(low[p] ^ low[q]) <= radius) within++;
  }
  return sample === 0 ? 0 : (within * n) / (2 * sample);
}

/**
 * Values of unordered pairs (lo < hi): an open-addressing hash table of the two indices (linear probing, at most
 * half full), which unlike a Map of lo·n + hi needs no heap number per key; visited in insertion order.
 */
export class PairMemo<T> {
  private keys = new Int32Array(2 * 1024).fill(-1);
  private values: Array<T | undefined> = new Array<T | undefined>(1024);
  private readonly order: number[] = [];

  get size(): number {
    return this.order.length / 2;
  }

  private slot(lo: number, hi: number): number {
    const mask = this.values.length - 1;
    let h = (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca77)) >>> 0;
    h = (h ^ (h >>> 15)) & mask;
    while (this.keys[2 * h] !== -1 && (this.keys[2 * h] !== lo || this.keys[2 * h + 1] !== hi)) h = (h + 1) & mask;
    return h;
  }

  get(lo: number, hi: number): T | undefined {
    const h = this.slot(lo, hi);
    return this.keys[2 * h] === -1 ? undefined : this.values[h];
  }

  set(lo: number, hi: number, value: T): void {
    let h = this.slot(lo, hi);
    if (this.keys[2 * h] === -1) {
      if (2 * (this.size + 1) > this.values.length) {
        this.grow();
        h = this.slot(lo, hi);
      }
      this.keys[2 * h] = lo;
      this.keys[2 * h + 1] = hi;
      this.order.push(lo, hi);
    }
    this.values[h] = value;
  }

  forEach(visit: (lo: number, hi: number, value: T) => void): void {
    for (let k = 0; k < this.order.length; k += 2) visit(this.order[k], this.order[k + 1], this.get(this.order[k], this.order[k + 1])!);
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Int32Array(4 * values.length).fill(-1);
    this.values = new Array<T | undefined>(2 * values.length);
    for (let h = 0; h < values.length; h++) {
      if (keys[2 * h] === -1) continue;
      const to = this.slot(keys[2 * h], keys[2 * h + 1]);
      this.keys[2 * to] = keys[2 * h];
      this.keys[2 * to + 1] = keys[2 * h + 1];
      this.values[to] = values[h];
    }
  }
}
