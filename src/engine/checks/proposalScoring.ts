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
import { kernels } from '../kernels/wasmKernels';

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
  /** Per item, the lowest score kept while its list is full (−∞ until then): a lower offer changes nothing. */
  private readonly floor: Float32Array;

  constructor(
    readonly k: number,
    readonly partner: Int32Array,
    readonly score: Float32Array,
  ) {
    this.floor = new Float32Array(partner.length / k).fill(Number.NEGATIVE_INFINITY);
    for (let item = 0; item < this.floor.length; item++) this.updateFloor(item);
  }

  static empty(count: number, k: number): CandidateLists {
    return new CandidateLists(k, new Int32Array(count * k).fill(-1), new Float32Array(count * k).fill(Number.NEGATIVE_INFINITY));
  }

  offer(item: number, partner: number, score: number): void {
    const rounded = Math.fround(score);
    if (rounded < this.floor[item]) return;
    const start = item * this.k;
    // The slot that ranks lowest: the lowest score, and among equal scores the highest partner (an empty slot, −1, first).
    let lowest = start;
    for (let s = start; s < start + this.k; s++) {
      if (this.partner[s] === partner) return;
      if (this.score[s] < this.score[lowest] || (this.score[s] === this.score[lowest] && ranksBelow(this.partner[s], this.partner[lowest]))) lowest = s;
    }
    if (rounded > this.score[lowest] || (rounded === this.score[lowest] && ranksBelow(this.partner[lowest], partner))) {
      this.partner[lowest] = partner;
      this.score[lowest] = rounded;
      this.updateFloor(item);
    }
  }

  /** Empties every list. */
  clear(): void {
    this.partner.fill(-1);
    this.score.fill(Number.NEGATIVE_INFINITY);
    this.floor.fill(Number.NEGATIVE_INFINITY);
  }

  private updateFloor(item: number): void {
    let floor = Number.POSITIVE_INFINITY;
    for (let s = item * this.k; s < (item + 1) * this.k; s++) floor = this.partner[s] < 0 ? Number.NEGATIVE_INFINITY : Math.min(floor, this.score[s]);
    this.floor[item] = floor;
  }

  /** Offers everything `other` kept (the same items and k). */
  merge(other: CandidateLists): void {
    for (let item = 0; item < other.partner.length / other.k; item++) {
      for (let s = item * other.k; s < (item + 1) * other.k; s++) if (other.partner[s] >= 0) this.offer(item, other.partner[s], other.score[s]);
    }
  }

  /** Whether `partner` is in `item`'s list. */
  has(item: number, partner: number): boolean {
    for (let s = item * this.k; s < (item + 1) * this.k; s++) if (this.partner[s] === partner) return true;
    return false;
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
 * Scores the orders of unit `unit` into its lists (what each thread runs). Each order is scored block by block:
 * the vectors of a block of places (and the window after it) are gathered in sorted order into the kernels'
 * memory, which compute every cosine of the block at once (kernel scoreRows), then the lists are offered them.
 */
export function scoreUnit(shared: ScoringShared, unit: number): void {
  const n = shared.count;
  const layouts = new Float32Array(shared.layouts);
  const spectra = new Float32Array(shared.spectra);
  const { byLayout, bySpectrum } = unitLists(shared, unit);
  byLayout.clear();
  bySpectrum.clear();
  let layoutVisits = 0;
  let spectrumVisits = 0;
  const block = kernels().scoring;
  const orders = shared.layoutOrderCount + shared.spectrumOrderCount;
  for (let o = unit; o < orders; o += shared.units) {
    const layoutOrder = o < shared.layoutOrderCount;
    const hashes = layoutOrder ? new Uint32Array(shared.layoutOrders, 4 * n * o, n) : new Uint32Array(shared.spectrumOrders, 4 * n * (o - shared.layoutOrderCount), n);
    const window = layoutOrder ? shared.layoutWindow : SPECTRUM_WINDOW;
    if (window > block.maxWindow) throw new Error(`a window of ${window} places is more than the scoring kernel holds (${block.maxWindow})`);
    const sorted = sortByHash(hashes);
    for (let start = 0; start < n; start += block.rows) {
      const count = Math.min(block.rows, n - start);
      const total = Math.min(n - start, block.rows + window);
      for (let i = 0; i < total; i++) {
        const item = sorted[start + i];
        copyRow(spectra, item, block.spectra, i, SPECTRUM_LENGTH);
        if (layoutOrder) copyRow(layouts, item, block.layouts, i, LAYOUT_LENGTH);
      }
      block.score(count, total, window, layoutOrder);
      for (let i = 0; i < count; i++) {
        const p = sorted[start + i];
        const places = Math.min(window, total - 1 - i);
        for (let place = 1; place <= places; place++) {
          const q = sorted[start + i + place];
          const at = i * block.maxWindow + place - 1;
          const spectral = block.spectrumCosines[at];
          if (layoutOrder) {
            layoutVisits++;
            const similarity = block.layoutCosines[at];
            if (similarity < MIN_LAYOUT_SIMILARITY) continue;
            byLayout.offer(p, q, similarity);
            byLayout.offer(q, p, similarity);
            bySpectrum.offer(p, q, spectral);
            bySpectrum.offer(q, p, spectral);
          } else {
            spectrumVisits++;
            if (spectral < MIN_SPECTRUM_SIMILARITY) continue;
            bySpectrum.offer(p, q, spectral);
            bySpectrum.offer(q, p, spectral);
          }
        }
      }
    }
  }
  new Float64Array(shared.visits, 16 * unit, 2).set([layoutVisits, spectrumVisits]);
}

/** Row `from` of `source` into row `to` of `target` (rows of `length`). */
function copyRow(source: Float32Array, from: number, target: Float32Array, to: number, length: number): void {
  const x = from * length;
  const y = to * length;
  for (let i = 0; i < length; i++) target[y + i] = source[x + i];
}

/**
 * The dot product of unit vectors p and q of `length` numbers each (a multiple of 4), side by side in `vectors`:
 * the cosine of their angle. The products are summed in four partial sums by coordinate index mod 4, combined as
 * (s0 + s1) + (s2 + s3): the order of the kernel scoreRows, so a pair scores the same bits on either path.
 */
export function flatCosine(vectors: Float32Array, p: number, q: number, length: number): number {
  const x = p * length;
  const y = q * length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < length; i += 4) {
    s0 += vectors[x + i] * vectors[y + i];
    s1 += vectors[x + i + 1] * vectors[y + i + 1];
    s2 += vectors[x + i + 2] * vectors[y + i + 2];
    s3 += vectors[x + i + 3] * vectors[y + i + 3];
  }
  return s0 + s1 + (s2 + s3);
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
