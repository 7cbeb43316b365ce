// Verification of candidate near-duplicate pairs: in this thread, or divided among threads by a
// ParallelVerifier that the front end supplies (src/worker/verifyPool.ts; the engine starts no thread).
// Every pair is verified by the same deterministic function (thumbnailCorrelation), so the result does
// not depend on how many threads ran it. Thumbnails, their prepared forms, pairs and results live in
// SharedArrayBuffers: the threads first prepare every thumbnail once (prepareChunk), then verify pairs
// (verifyChunk) reading the prepared forms in place, so nothing is copied or prepared twice.
import { throwIfAborted } from '../errors';
import { PREPARED_BYTES } from '../kernels/wasmKernels';
import { comparableThumbnail, comparableView, thumbnailCorrelation, type Alignment, type ComparableThumbnail } from '../image/signatureSimilarity';
import { THUMBNAIL_PIXELS } from '../image/thumbnail';
import type { FeatureShared } from './searchFeatures';
import type { ScoringShared } from './proposalScoring';

/** Below this many pairs, handing them to threads costs more than it saves: they are verified in this thread. */
export const PARALLEL_MIN_PAIRS = 4096;
/** Numbers stored per verified pair: correlation, dx, dy, scale. */
const RESULT_STRIDE = 4;

/** What every thread shares: thumbnails by slot, their prepared forms, pairs of slots, and the results. */
export interface VerifyShared {
  thumbnails: SharedArrayBuffer;
  /** PREPARED_BYTES per slot, written by prepareChunk (layout: comparableView in signatureSimilarity.ts). */
  prepared: SharedArrayBuffer;
  /** Slots (distinct thumbnails). */
  slots: number;
  pairs: SharedArrayBuffer;
  results: SharedArrayBuffer;
  threshold: number;
}

/**
 * Runs prepareChunk over slots [0, shared.slots), then, once every slot is prepared, verifyChunk over pairs
 * [0, count), in several threads; resolves when every pair is done.
 */
export interface ParallelVerifier {
  /** Threads it verifies in. */
  readonly threads: number;
  verify(shared: VerifyShared, count: number, signal?: AbortSignal): Promise<void>;
  /** Runs computeFeatures (searchFeatures.ts) over every slot of `shared` in several threads. */
  features?(shared: FeatureShared, signal?: AbortSignal): Promise<void>;
  /** Runs scoreUnit (proposalScoring.ts) for every unit of `shared`, each in a thread of its own. */
  scores?(shared: ScoringShared, signal?: AbortSignal): Promise<void>;
}

/** Prepares slots [start, end) of `shared` (smoothing, background, phase grids) into its prepared buffer. */
export function prepareChunk(shared: VerifyShared, start: number, end: number): void {
  const thumbnails = new Uint8Array(shared.thumbnails);
  for (let slot = start; slot < end; slot++) {
    comparableThumbnail(thumbnails.subarray(slot * THUMBNAIL_PIXELS, (slot + 1) * THUMBNAIL_PIXELS), new Uint8Array(shared.prepared, slot * PREPARED_BYTES, PREPARED_BYTES));
  }
}

/** Views of the prepared slots one thread has read so far (by buffer, so a new verification starts afresh). */
const VIEWS = new WeakMap<SharedArrayBuffer, Array<ComparableThumbnail | undefined>>();

/** Verifies pairs [start, end) of `shared` into its results (what each thread runs), once every slot is prepared. */
export function verifyChunk(shared: VerifyShared, start: number, end: number): void {
  const pairs = new Int32Array(shared.pairs);
  const results = new Float64Array(shared.results);
  let views = VIEWS.get(shared.prepared);
  if (!views) VIEWS.set(shared.prepared, (views = new Array<ComparableThumbnail | undefined>(shared.slots)));
  const comparable = (slot: number): ComparableThumbnail => views![slot] ?? (views![slot] = comparableView(new Uint8Array(shared.prepared, slot * PREPARED_BYTES, PREPARED_BYTES)));
  for (let k = start; k < end; k++) {
    const alignment = thumbnailCorrelation(comparable(pairs[2 * k]), comparable(pairs[2 * k + 1]), shared.threshold);
    const at = RESULT_STRIDE * k;
    results[at] = alignment.correlation;
    results[at + 1] = alignment.dx;
    results[at + 2] = alignment.dy;
    results[at + 3] = alignment.scale;
  }
}

export interface VerifyPairsOptions {
  threshold: number;
  /** Threads to divide the pairs among; none: this thread. */
  parallel?: ParallelVerifier;
  /** Fewest pairs worth handing to `parallel` (default PARALLEL_MIN_PAIRS; tests lower it). */
  parallelMinPairs?: number;
  signal?: AbortSignal;
}

export interface VerifiedAlignments {
  alignments: Alignment[];
  /** Threads that verified: 1 when done in this thread. */
  threads: number;
}

/**
 * The alignment of each pair (p, q) of `pairs` (flattened), where `thumbnailOf(p)` is item p's 32×32
 * thumbnail and `comparableOf(p)` its prepared form (used, and filled, when verifying in this thread).
 */
export async function verifyPairs(
  pairs: Int32Array,
  thumbnailOf: (item: number) => Uint8Array,
  comparableOf: (item: number) => ComparableThumbnail,
  options: VerifyPairsOptions,
): Promise<VerifiedAlignments> {
  const count = pairs.length / 2;
  const { parallel } = options;
  if (!parallel || parallel.threads < 2 || count < (options.parallelMinPairs ?? PARALLEL_MIN_PAIRS)) {
    const alignments: Alignment[] = [];
    for (let k = 0; k < count; k++) {
      if (k % 256 === 0) throwIfAborted(options.signal);
      alignments.push(thumbnailCorrelation(comparableOf(pairs[2 * k]), comparableOf(pairs[2 * k + 1]), options.threshold));
    }
    return { alignments, threads: 1 };
  }

  // Slots: the items that take part, each thumbnail copied once into shared memory.
  let largest = 0;
  for (const item of pairs) largest = Math.max(largest, item);
  const slotOf = new Int32Array(largest + 1).fill(-1);
  const itemOf: number[] = [];
  for (const item of pairs) {
    if (slotOf[item] >= 0) continue;
    slotOf[item] = itemOf.length;
    itemOf.push(item);
  }
  const shared: VerifyShared = {
    thumbnails: new SharedArrayBuffer(itemOf.length * THUMBNAIL_PIXELS),
    prepared: new SharedArrayBuffer(itemOf.length * PREPARED_BYTES),
    slots: itemOf.length,
    pairs: new SharedArrayBuffer(pairs.length * Int32Array.BYTES_PER_ELEMENT),
    results: new SharedArrayBuffer(count * RESULT_STRIDE * Float64Array.BYTES_PER_ELEMENT),
    threshold: options.threshold,
  };
  const thumbnails = new Uint8Array(shared.thumbnails);
  itemOf.forEach((item, slot) => thumbnails.set(thumbnailOf(item), slot * THUMBNAIL_PIXELS));
  const slotPairs = new Int32Array(shared.pairs);
  for (let i = 0; i < pairs.length; i++) slotPairs[i] = slotOf[pairs[i]];

  throwIfAborted(options.signal);
  await parallel.verify(shared, count, options.signal);
  throwIfAborted(options.signal);
  const results = new Float64Array(shared.results);
  const alignments: Alignment[] = [];
  for (let k = 0; k < count; k++) {
    const at = RESULT_STRIDE * k;
    alignments.push({ correlation: results[at], dx: results[at + 1], dy: results[at + 2], scale: results[at + 3] });
  }
  return { alignments, threads: parallel.threads };
}
