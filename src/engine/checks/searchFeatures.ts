// What the near-duplicate search knows of each image before comparing any two (nearDuplicateSearch.ts):
// its layout and amplitude-spectrum vectors and their hashes. The work is per image, so it is divided
// among threads when a ParallelVerifier is given (src/worker/verifyPool.ts); one function fills the
// shared buffers in every thread, so the features do not depend on how many threads computed them.
import { throwIfAborted } from '../errors';
import { LAYOUT_HASHES, LAYOUT_LENGTH, layoutHashes, layoutVector, simHash, SPECTRUM_HASHES, SPECTRUM_LENGTH, spectrumHashes, spectrumVector } from '../image/imageSignatures';
import { THUMBNAIL_PIXELS } from '../image/thumbnail';
import type { ParallelVerifier } from './verifyPairs';

/** The feature pass's buffers: thumbnails in, vectors and hashes out, one slot per image with a thumbnail. */
export interface FeatureShared {
  kind: 'features';
  count: number;
  /** Layout hashes for sorted-neighbour proposals (true), or the 64-bit layout SimHash for a radius search (false). */
  sorted: boolean;
  thumbnails: SharedArrayBuffer;
  /** 1 where the slot has a layout and a spectrum (its thumbnail is not flat). */
  valid: SharedArrayBuffer;
  layouts: SharedArrayBuffer;
  spectra: SharedArrayBuffer;
  /** LAYOUT_HASHES per slot when `sorted`, else the SimHash's two halves (high, low). */
  layoutHashes: SharedArrayBuffer;
  spectrumHashes: SharedArrayBuffer;
}

/** Words of `layoutHashes` per slot. */
function layoutWords(sorted: boolean): number {
  return sorted ? LAYOUT_HASHES : 2;
}

/** Computes the features of slots [start, end) into `shared` (what each thread runs). */
export function computeFeatures(shared: FeatureShared, start: number, end: number): void {
  const thumbnails = new Uint8Array(shared.thumbnails);
  const valid = new Uint8Array(shared.valid);
  const layouts = new Float32Array(shared.layouts);
  const spectra = new Float32Array(shared.spectra);
  const layoutOut = new Uint32Array(shared.layoutHashes);
  const spectrumOut = new Uint32Array(shared.spectrumHashes);
  const words = layoutWords(shared.sorted);
  for (let slot = start; slot < end; slot++) {
    const thumbnail = thumbnails.subarray(slot * THUMBNAIL_PIXELS, (slot + 1) * THUMBNAIL_PIXELS);
    const layout = layoutVector(thumbnail);
    const spectrum = spectrumVector(thumbnail);
    if (!layout || !spectrum) continue;
    valid[slot] = 1;
    layouts.set(layout, slot * LAYOUT_LENGTH);
    spectra.set(spectrum, slot * SPECTRUM_LENGTH);
    layoutOut.set(shared.sorted ? layoutHashes(layout) : simHash(layout), slot * words);
    spectrumOut.set(spectrumHashes(spectrum), slot * SPECTRUM_HASHES);
  }
}

/** The features of the images that have a layout, by position p in `compared` (their indices in the search's items). */
export interface SearchFeatures {
  compared: number[];
  /** n × LAYOUT_LENGTH and n × SPECTRUM_LENGTH unit vectors. */
  layouts: Float32Array;
  spectra: Float32Array;
  /** When proposals come from sorted layout hashes: LAYOUT_HASHES orders of n hashes. */
  layoutOrders?: Uint32Array[];
  /** Otherwise the 64-bit layout SimHashes, as halves. */
  layoutHigh?: Uint32Array;
  layoutLow?: Uint32Array;
  /** SPECTRUM_HASHES orders of n spectrum hashes. */
  spectrumOrders: Uint32Array[];
}

/** Fewest thumbnails worth handing to threads. */
export const PARALLEL_MIN_ITEMS = 4096;

/**
 * The features of `thumbnails` (undefined: no thumbnail, left out like a flat one), with layout hashes for
 * sorted proposals when more than `radiusLimit` thumbnails could be compared, else SimHashes for a radius search.
 */
export async function searchFeatures(
  thumbnails: ReadonlyArray<Uint8Array | undefined>,
  radiusLimit: number,
  options: { parallel?: ParallelVerifier; parallelMinItems?: number; signal?: AbortSignal },
): Promise<SearchFeatures> {
  const present: number[] = [];
  thumbnails.forEach((thumbnail, i) => thumbnail && present.push(i));
  const count = present.length;
  const sorted = count > radiusLimit;
  const words = layoutWords(sorted);
  const shared: FeatureShared = {
    kind: 'features',
    count,
    sorted,
    thumbnails: new SharedArrayBuffer(count * THUMBNAIL_PIXELS),
    valid: new SharedArrayBuffer(count),
    layouts: new SharedArrayBuffer(count * LAYOUT_LENGTH * 4),
    spectra: new SharedArrayBuffer(count * SPECTRUM_LENGTH * 4),
    layoutHashes: new SharedArrayBuffer(count * words * 4),
    spectrumHashes: new SharedArrayBuffer(count * SPECTRUM_HASHES * 4),
  };
  const bytes = new Uint8Array(shared.thumbnails);
  present.forEach((i, slot) => bytes.set(thumbnails[i]!, slot * THUMBNAIL_PIXELS));
  const { parallel } = options;
  if (parallel?.features && parallel.threads > 1 && count >= (options.parallelMinItems ?? PARALLEL_MIN_ITEMS)) {
    await parallel.features(shared, options.signal);
  } else {
    for (let start = 0; start < count; start += 1024) {
      throwIfAborted(options.signal);
      computeFeatures(shared, start, Math.min(count, start + 1024));
    }
  }
  throwIfAborted(options.signal);

  // Keep the slots with a layout, in item order.
  const valid = new Uint8Array(shared.valid);
  const slots: number[] = [];
  for (let slot = 0; slot < count; slot++) if (valid[slot]) slots.push(slot);
  const n = slots.length;
  const allLayouts = new Float32Array(shared.layouts);
  const allSpectra = new Float32Array(shared.spectra);
  const allLayoutHashes = new Uint32Array(shared.layoutHashes);
  const allSpectrumHashes = new Uint32Array(shared.spectrumHashes);
  const layouts = new Float32Array(n * LAYOUT_LENGTH);
  const spectra = new Float32Array(n * SPECTRUM_LENGTH);
  const spectrumOrders = Array.from({ length: SPECTRUM_HASHES }, () => new Uint32Array(n));
  const layoutWordsOf = Array.from({ length: words }, () => new Uint32Array(n));
  slots.forEach((slot, p) => {
    layouts.set(allLayouts.subarray(slot * LAYOUT_LENGTH, (slot + 1) * LAYOUT_LENGTH), p * LAYOUT_LENGTH);
    spectra.set(allSpectra.subarray(slot * SPECTRUM_LENGTH, (slot + 1) * SPECTRUM_LENGTH), p * SPECTRUM_LENGTH);
    for (let h = 0; h < SPECTRUM_HASHES; h++) spectrumOrders[h][p] = allSpectrumHashes[slot * SPECTRUM_HASHES + h];
    for (let w = 0; w < words; w++) layoutWordsOf[w][p] = allLayoutHashes[slot * words + w];
  });
  const compared = slots.map((slot) => present[slot]);
  if (!sorted) return { compared, layouts, spectra, layoutHigh: layoutWordsOf[0], layoutLow: layoutWordsOf[1], spectrumOrders };
  if (n > radiusLimit) return { compared, layouts, spectra, layoutOrders: layoutWordsOf, spectrumOrders };
  // More thumbnails than the limit, but after flat ones are left out the radius search is affordable: its SimHashes.
  const layoutHigh = new Uint32Array(n);
  const layoutLow = new Uint32Array(n);
  for (let p = 0; p < n; p++) [layoutHigh[p], layoutLow[p]] = simHash(layouts.subarray(p * LAYOUT_LENGTH, (p + 1) * LAYOUT_LENGTH));
  return { compared, layouts, spectra, layoutHigh, layoutLow, spectrumOrders };
}
