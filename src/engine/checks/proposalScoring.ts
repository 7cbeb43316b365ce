// Scoring of the pairs that sorted hashes propose (nearDuplicateSearch.ts, stage 1): every pair within a
// window of places in the order of a layout or spectrum hash is scored by the cosine of the two images'
// layouts (and spectra), and each image keeps its best partners. The orders are independent, so they are
// divided among threads when a ParallelVerifier is given (src/worker/verifyPool.ts): each thread keeps its
// own best partners, and the lists are merged. A list keeps the best partners by a total order (score, then
// the lower index), so the merged lists are exactly what one thread would have kept.
import { throwIfAborted } from '../errors';
import { sortByHash } from '../hash/sortedNeighbours';
import { LAYOUT_LENGTH, SPECTRUM_LENGTH } from '../image/imageSignatures';
import type { ParallelVerifier } from './verifyPairs';

/** Proposed pairs whose layouts correlate below this are dropped without verification. */
export const MIN_LAYOUT_SIMILARITY = 0.5;
/** Partners kept per image for verification: the best by layout similarity, and by spectrum similarity. */
export const CANDIDATES_PER_IMAGE = 6;
export const SPECTRUM_CANDIDATES_PER_IMAGE = 4;
/** Places either side at which items sorted by a spectrum hash are proposed to each other. */
export const SPECTRUM_WINDOW = 4;
/** Spectrum-proposed pairs whose spectra correlate below this are dropped without verification. */
export const MIN_SPECTRUM_SIMILARITY = 0.9;

/**
 * For each item, the `k` partners with the highest score offered so far (a partner offered twice counts once);
 * among equal scores, the lower partner index ranks higher, so what is kept does not depend on the order of offers.
 */
export class CandidateLists {
  constructor(
    readonly k: number,
    readonly partner: Int32Array,
    readonly score: Float32Array,
  ) {}

  static empty(count: number, k: number): CandidateLists {
    return new CandidateLists(k, new Int32Array(count * k).fill(-1), new Float32Array(count * k).fill(Number.NEGATIVE_INFINITY));
  }

  offer(item: number, partner: number, score: number): void {
    const start = item * this.k;
    // The slot that ranks lowest: the lowest score, and among equal scores the highest partner (an empty slot, −1, first).
    let lowest = start;
    for (let s = start; s < start + this.k; s++) {
      if (this.partner[s] === partner) return;
      if (this.score[s] < this.score[lowest] || (this.score[s] === this.score[lowest] && ranksBelow(this.partner[s], this.partner[lowest]))) lowest = s;
    }
    const rounded = Math.fround(score);
    if (rounded > this.score[lowest] || (rounded === this.score[lowest] && ranksBelow(this.partner[lowest], partner))) {
      this.partner[lowest] = partner;
      this.score[lowest] = rounded;
    }
  }

  /** Offers everything `other` kept (the same items and k). */
  merge(other: CandidateLists): void {
    for (let item = 0; item < other.partner.length / other.k; item++) {
      for (let s = item * other.k; s < (item + 1) * other.k; s++) if (other.partner[s] >= 0) this.offer(item, other.partner[s], other.score[s]);
    }
  }

  of(item: number): number[] {
    const out: number[] = [];
    for (let s = item * this.k; s < (item + 1) * this.k; s++) if (this.partner[s] >= 0) out.push(this.partner[s]);
    return out;
  }
}

/** Whether partner x ranks below partner y at equal scores: an empty slot (−1) lowest, then the higher index. */
function ranksBelow(x: number, y: number): boolean {
  return y >= 0 && (x < 0 || x > y);
}

/** What the threads that score share: the vectors, the orders, and one pair of lists per unit of work. */
export interface ScoringShared {
  kind: 'scores';
  count: number;
  /** count × LAYOUT_LENGTH and count × SPECTRUM_LENGTH unit vectors (float32). */
  layouts: SharedArrayBuffer;
  spectra: SharedArrayBuffer;
  /** Layout orders (count hashes each), proposing to both lists, at `layoutWindow` places; then spectrum orders. */
  layoutOrders: SharedArrayBuffer;
  layoutOrderCount: number;
  layoutWindow: number;
  spectrumOrders: SharedArrayBuffer;
  spectrumOrderCount: number;
  /** Units of work: unit u scores the orders o (layout orders first) with o mod units = u. */
  units: number;
  /** Per unit: count × CANDIDATES_PER_IMAGE partners and scores by layout, then count × SPECTRUM_CANDIDATES_PER_IMAGE by spectrum. */
  partners: SharedArrayBuffer;
  scores: SharedArrayBuffer;
  /** Per unit: the layout pairs and the spectrum pairs it visited. */
  visits: SharedArrayBuffer;
}

/** Partners (and scores) per item in one unit's lists: by layout, then by spectrum. */
const LISTED = CANDIDATES_PER_IMAGE + SPECTRUM_CANDIDATES_PER_IMAGE;

/** The lists of `unit` in `shared`, as views. */
function unitLists(shared: ScoringShared, unit: number): { byLayout: CandidateLists; bySpectrum: CandidateLists } {
  const n = shared.count;
  const at = unit * n * LISTED;
  const layoutEnd = at + n * CANDIDATES_PER_IMAGE;
  return {
    byLayout: new CandidateLists(CANDIDATES_PER_IMAGE, new Int32Array(shared.partners, 4 * at, n * CANDIDATES_PER_IMAGE), new Float32Array(shared.scores, 4 * at, n * CANDIDATES_PER_IMAGE)),
    bySpectrum: new CandidateLists(
      SPECTRUM_CANDIDATES_PER_IMAGE,
      new Int32Array(shared.partners, 4 * layoutEnd, n * SPECTRUM_CANDIDATES_PER_IMAGE),
      new Float32Array(shared.scores, 4 * layoutEnd, n * SPECTRUM_CANDIDATES_PER_IMAGE),
    ),
  };
}

/**
 * Scores the orders of unit `unit` into its lists (what each thread runs). For each order the vectors are first
 * gathered in sorted order, so that the pairs of a window read neighbouring memory.
 */
export function scoreUnit(shared: ScoringShared, unit: number): void {
  const n = shared.count;
  const layouts = new Float32Array(shared.layouts);
  const spectra = new Float32Array(shared.spectra);
  const { byLayout, bySpectrum } = unitLists(shared, unit);
  byLayout.partner.fill(-1);
  byLayout.score.fill(Number.NEGATIVE_INFINITY);
  bySpectrum.partner.fill(-1);
  bySpectrum.score.fill(Number.NEGATIVE_INFINITY);
  const visits = new Float64Array(shared.visits, 16 * unit, 2);
  visits.fill(0);
  let gatheredLayouts: Float32Array | undefined;
  const gatheredSpectra = new Float32Array(n * SPECTRUM_LENGTH);
  const orders = shared.layoutOrderCount + shared.spectrumOrderCount;
  for (let o = unit; o < orders; o += shared.units) {
    const layoutOrder = o < shared.layoutOrderCount;
    const hashes = layoutOrder ? new Uint32Array(shared.layoutOrders, 4 * n * o, n) : new Uint32Array(shared.spectrumOrders, 4 * n * (o - shared.layoutOrderCount), n);
    const sorted = sortByHash(hashes);
    gather(spectra, sorted, SPECTRUM_LENGTH, gatheredSpectra);
    if (layoutOrder) {
      gatheredLayouts ??= new Float32Array(n * LAYOUT_LENGTH);
      gather(layouts, sorted, LAYOUT_LENGTH, gatheredLayouts);
      const window = shared.layoutWindow;
      for (let i = 0; i < n; i++) {
        const p = sorted[i];
        const end = Math.min(n, i + 1 + window);
        for (let j = i + 1; j < end; j++) {
          visits[0]++;
          const similarity = flatCosine(gatheredLayouts, i, j, LAYOUT_LENGTH);
          if (similarity < MIN_LAYOUT_SIMILARITY) continue;
          const q = sorted[j];
          byLayout.offer(p, q, similarity);
          byLayout.offer(q, p, similarity);
          const spectral = flatCosine(gatheredSpectra, i, j, SPECTRUM_LENGTH);
          bySpectrum.offer(p, q, spectral);
          bySpectrum.offer(q, p, spectral);
        }
      }
    } else {
      for (let i = 0; i < n; i++) {
        const p = sorted[i];
        const end = Math.min(n, i + 1 + SPECTRUM_WINDOW);
        for (let j = i + 1; j < end; j++) {
          visits[1]++;
          const spectral = flatCosine(gatheredSpectra, i, j, SPECTRUM_LENGTH);
          if (spectral < MIN_SPECTRUM_SIMILARITY) continue;
          const q = sorted[j];
          bySpectrum.offer(p, q, spectral);
          bySpectrum.offer(q, p, spectral);
        }
      }
    }
  }
}

/** Rows `order[i]` of `vectors` (rows of `length`) into row i of `out`. */
function gather(vectors: Float32Array, order: Uint32Array, length: number, out: Float32Array): void {
  for (let i = 0; i < order.length; i++) out.set(vectors.subarray(order[i] * length, (order[i] + 1) * length), i * length);
}

/** The dot product of unit vectors p and q of `length` numbers each, side by side in `vectors` (the cosine of their angle). */
export function flatCosine(vectors: Float32Array, p: number, q: number, length: number): number {
  const x = p * length;
  const y = q * length;
  let dot = 0;
  for (let i = 0; i < length; i++) dot += vectors[x + i] * vectors[y + i];
  return dot;
}

/** Fewest items worth scoring in threads. */
export const PARALLEL_MIN_SCORED = 4096;

export interface ScoredProposals {
  byLayout: CandidateLists;
  bySpectrum: CandidateLists;
  /** Pairs visited in the layout orders, and in the spectrum orders (a pair adjacent in several orders counts each time). */
  layoutVisits: number;
  spectrumVisits: number;
}

/**
 * Each item's best partners over the pairs proposed by `layoutOrders` (within `layoutWindow` places; both
 * lists) and `spectrumOrders` (within SPECTRUM_WINDOW; the spectrum list), for n items whose unit layouts and
 * spectra lie side by side in `layouts` and `spectra`.
 */
export async function scoreSortedProposals(
  layouts: Float32Array,
  spectra: Float32Array,
  layoutOrders: readonly Uint32Array[],
  layoutWindow: number,
  spectrumOrders: readonly Uint32Array[],
  options: { parallel?: ParallelVerifier; parallelMinItems?: number; signal?: AbortSignal },
): Promise<ScoredProposals> {
  const n = layouts.length / LAYOUT_LENGTH;
  const { parallel } = options;
  const threaded = parallel?.scores !== undefined && parallel.threads > 1 && n >= (options.parallelMinItems ?? PARALLEL_MIN_SCORED);
  const units = threaded ? Math.min(parallel!.threads, layoutOrders.length + spectrumOrders.length) : 1;
  const shared: ScoringShared = {
    kind: 'scores',
    count: n,
    layouts: copyToShared(layouts),
    spectra: copyToShared(spectra),
    layoutOrders: copyToShared(concatenate(layoutOrders, n)),
    layoutOrderCount: layoutOrders.length,
    layoutWindow,
    spectrumOrders: copyToShared(concatenate(spectrumOrders, n)),
    spectrumOrderCount: spectrumOrders.length,
    units,
    partners: new SharedArrayBuffer(4 * units * n * LISTED),
    scores: new SharedArrayBuffer(4 * units * n * LISTED),
    visits: new SharedArrayBuffer(16 * units),
  };
  throwIfAborted(options.signal);
  if (threaded) await parallel!.scores!(shared, options.signal);
  else scoreUnit(shared, 0);
  throwIfAborted(options.signal);
  const merged = unitLists(shared, 0);
  for (let unit = 1; unit < units; unit++) {
    const lists = unitLists(shared, unit);
    merged.byLayout.merge(lists.byLayout);
    merged.bySpectrum.merge(lists.bySpectrum);
  }
  const visits = new Float64Array(shared.visits);
  let layoutVisits = 0;
  let spectrumVisits = 0;
  for (let unit = 0; unit < units; unit++) {
    layoutVisits += visits[2 * unit];
    spectrumVisits += visits[2 * unit + 1];
  }
  return { ...merged, layoutVisits, spectrumVisits };
}

function concatenate(orders: readonly Uint32Array[], n: number): Uint32Array {
  const out = new Uint32Array(orders.length * n);
  orders.forEach((order, o) => out.set(order, o * n));
  return out;
}

function copyToShared(values: Float32Array | Uint32Array): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(values.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return buffer;
}
