// Comparing two images by their 32×32 greyscale thumbnails (see thumbnail.ts; what is known of one
// thumbnail alone, its layout, spectrum and hashes, is in imageSignatures.ts).
// - thumbnailCorrelation: the verification. The Pearson correlation of the two thumbnails after the
//   best alignment of one onto the other (shift up to ±3 px, scale up to ±10%, bilinear sampling,
//   over the overlapping pixels). Correlation ignores gain and offset, so brightness, contrast and
//   moderate colour changes keep it high; re-encoding, resizing, small crops and shifts are undone
//   by the alignment. Images of one kind that merely look alike (two digits, two aligned faces)
//   differ in detail at 32×32 and stay below the threshold.
import { CELLS_OFFSET, COARSE_OFFSET, FINE_OFFSET, kernels, PREPARED_BYTES, SUMS_OFFSET } from '../kernels/wasmKernels';
import { THUMBNAIL_PIXELS } from './thumbnail';

/** Largest shift searched, in thumbnail pixels (±3 of 32: about ±10% of the side). */
export const MAX_SHIFT = 3;

// The correlation's own limits are the kernels' (wasm/kernels.ts): at least MIN_OVERLAP = 60% of the sampled
// pixels must overlap after alignment, at least MIN_INFORMATIVE = 5% must be informative, and a pixel within
// BACKGROUND_LEVELS = 8 grey levels of its image's median level counts as background.

/** The background grey level of each of two thumbnails. */
export interface Background {
  a: number;
  b: number;
}

/** How one thumbnail was best aligned onto another, and the correlation there. */
export interface Alignment {
  /** Pearson correlation of the overlapping pixels after alignment, in [−1, 1]. */
  correlation: number;
  /** Shift of the second thumbnail, in thumbnail pixels. */
  dx: number;
  dy: number;
  /** Zoom of the second thumbnail about its centre. */
  scale: number;
}

/**
 * Pearson correlation between a and b sampled at (c + scale·(x − c) + dx, c + scale·(y − c) + dy),
 * bilinearly, over the pixels of a (every `step`-th row and column) whose sample falls inside b, where
 * c = 15.5 is the centre. With `background` (integer grey levels), pixels where both images sit within
 * BACKGROUND_LEVELS of their own background level are left out. −2 when fewer than MIN_OVERLAP of the
 * pixels overlap, fewer than MIN_INFORMATIVE are left, or either side is flat there (variance·n² ≤ n²).
 * A whole-pixel shift at scale 1 samples b's pixels themselves: every sum is then of integers.
 * (Computed by the kernel alignedCorrelation of wasm/kernels.ts; this form takes two plain thumbnails.)
 */
export function alignedCorrelation(a: Uint8Array, b: Uint8Array, dx: number, dy: number, scale: number, step = 1, background?: Background): number {
  const k = kernels();
  k.loadPart(0, FINE_OFFSET, a);
  k.loadPart(1, FINE_OFFSET, b);
  return k.correlation(FINE_OFFSET, dx, dy, scale, step, background);
}

/**
 * alignedCorrelation(a, b, dx, dy, scale, 2) for the nine whole-pixel shifts around (centreDx, centreDy) within
 * ±MAX_SHIFT, passed to `visit` row of shifts by row (dy, then dx, ascending). (The kernel zoomAround of
 * wasm/kernels.ts interpolates b along rows once per column shift and shares it among the three row shifts;
 * it gives alignedCorrelation's bits.)
 */
export function zoomAround(a: Uint8Array, b: Uint8Array, scale: number, centreDx: number, centreDy: number, visit: (r: number, dx: number, dy: number) => void): void {
  const k = kernels();
  k.loadPart(0, COARSE_OFFSET, a);
  k.loadPart(1, COARSE_OFFSET, b);
  visitZoomed(k.zoomAround(scale, centreDx, centreDy), centreDx, centreDy, visit);
}

/** Passes the kernel's nine zoomed correlations to `visit` in their order, leaving out shifts beyond ±MAX_SHIFT. */
function visitZoomed(zoomed: Float64Array, centreDx: number, centreDy: number, visit: (r: number, dx: number, dy: number) => void): void {
  for (let d = 0; d < 3; d++) {
    for (let k = 0; k < 3; k++) {
      const r = zoomed[3 * d + k];
      if (r !== -3) visit(r, centreDx - 1 + k, centreDy - 1 + d);
    }
  }
}

/** A [1 2 1]/4 × [1 2 1]/4 binomial smoothing of a thumbnail (edges replicated), rounded to 8 bits: (Σ + 8) >> 4 of the 16-weighted sum. */
export function smoothThumbnail(thumbnail: Uint8Array): Uint8Array {
  return kernels().smooth(thumbnail);
}

/** A thumbnail prepared for comparison: smoothed once (compared) and twice (searched), in one block of PREPARED_BYTES. */
export interface ComparableThumbnail {
  /** The whole prepared form (what the kernels load): the parts below are views of it. */
  bytes: Uint8Array;
  fine: Uint8Array;
  coarse: Uint8Array;
  /** The median grey level of `fine`: the background of an object on a plain ground. */
  background: number;
  /** The phase grids of `coarse`, for the first look at every shift. */
  grids: PhaseGrids;
}

/** The prepared thumbnail held in `bytes` (PREPARED_BYTES, at a multiple of 4 in its buffer), as views. */
export function comparableView(bytes: Uint8Array): ComparableThumbnail {
  const { buffer, byteOffset } = bytes;
  return {
    bytes,
    fine: bytes.subarray(FINE_OFFSET, FINE_OFFSET + THUMBNAIL_PIXELS),
    coarse: bytes.subarray(COARSE_OFFSET, COARSE_OFFSET + THUMBNAIL_PIXELS),
    grids: { cells: bytes.subarray(CELLS_OFFSET, CELLS_OFFSET + THUMBNAIL_PIXELS), sums: new Int32Array(buffer, byteOffset + SUMS_OFFSET, PHASE_SUMS_LENGTH) },
    background: new Int32Array(buffer, byteOffset + BACKGROUND_OFFSET, 1)[0],
  };
}

/**
 * Prepares a thumbnail into `bytes` (PREPARED_BYTES, at a multiple of 4 in its buffer; a new block when not given):
 * smoothed once (fine) and twice (coarse) by smoothThumbnail, the coarse thumbnail's phaseGrids, and the fine
 * thumbnail's lower median level, by histogram, as its background (the kernel prepare).
 */
export function comparableThumbnail(thumbnail: Uint8Array, bytes: Uint8Array<ArrayBufferLike> = new Uint8Array(PREPARED_BYTES)): ComparableThumbnail {
  kernels().prepare(thumbnail, bytes);
  return comparableView(bytes);
}

/** Numbers kept per phase grid (see phaseGrids; a grid has GRID = 8 cells per side: every fourth pixel). */
const PHASE_SUMS = 14;
/** Length of PhaseGrids.sums: PHASE_SUMS for each of the 16 phases. */
export const PHASE_SUMS_LENGTH = 16 * PHASE_SUMS;
/** Where a prepared thumbnail keeps its background level (after the phase sums). */
const BACKGROUND_OFFSET = SUMS_OFFSET + 4 * PHASE_SUMS_LENGTH;

/** A thumbnail's every-fourth-pixel grids, one per phase, and their sums: what rankShifts reads. */
export interface PhaseGrids {
  /** Phase (px, py), 0 ≤ px, py < 4, at (4·py + px)·GRID², cell (i, j) at j·GRID + i: pixel (4i + px, 4j + py). */
  cells: Uint8Array;
  /**
   * Per phase, PHASE_SUMS integers: Σv and Σv² over the grid, over its first row, last row, first column and
   * last column, then the corner values (0, 0), (GRID − 1, 0), (0, GRID − 1) and (GRID − 1, GRID − 1).
   */
  sums: Int32Array;
}

/** The every-fourth-pixel grids of a thumbnail and their sums (the kernel phaseGrids). */
export function phaseGrids(thumbnail: Uint8Array): PhaseGrids {
  return kernels().phaseGrids(thumbnail);
}

/**
 * Pearson correlation of a and b at every whole-pixel shift within ±MAX_SHIFT, on every fourth row and
 * column of a: the samples of alignedCorrelation(a, b, dx, dy, 1, 4), and equal to it to the last bit (all
 * sums are of integers), into `out` by shift. Pixel (4i, 4j) of a meets pixel (4i + dx, 4j + dy) of b: a
 * cell of one of b's phase grids. A negative shift drops a's first row or column and that grid's last, so
 * every sum but Σab comes from the grids' stored sums, and Σab over a grid row is one 8-lane dot product
 * (the kernel rankShifts of wasm/kernels.ts).
 */
export function rankShifts(a: PhaseGrids, b: PhaseGrids, out: Float64Array): void {
  const k = kernels();
  k.loadPart(0, CELLS_OFFSET, a.cells);
  k.loadPart(0, SUMS_OFFSET, a.sums);
  k.loadPart(1, CELLS_OFFSET, b.cells);
  k.loadPart(1, SUMS_OFFSET, b.sums);
  out.set(k.rankShifts());
}

/** The first look, on every fourth pixel, must come within this of the threshold for the search to go on (the kernels' RANK_GATE). */
export const RANK_GATE = 0.22;

/**
 * The best alignment of thumbnail b onto a, and the correlation there. Both are compared smoothed once
 * with a 3×3 binomial filter, so JPEG noise and resampling do not decide. The alignment is searched
 * coarse to fine on the twice-smoothed thumbnails (a wider, smoother landscape): every whole-pixel shift
 * within ±MAX_SHIFT on every fourth pixel (rankShifts), the best 4 on every other pixel, then zooms of ±5% and
 * ±10% around the best shift (zoomAround); then, if within 0.06 of `threshold`, a hill-climb on the
 * once-smoothed thumbnails in half and quarter pixels and 2% and 1% zoom steps (to at most ±3.5 px and a zoom
 * of 1.15; quarter steps only when half steps end within 0.03). The correlation returned is over all
 * informative pixels (those off the background in either image), so a shared plain ground (digits on black,
 * products on white) does not make two different objects look alike.
 *
 * A pair that falls out at a gate gets the coarse search's estimate instead, at its alignment: below
 * threshold − RANK_GATE at the first look, or below threshold − 0.15 after the best shifts, or below
 * threshold − 0.06 after the zooms: far below the threshold (below threshold − RANK_GATE + 0.1 on the
 * benchmark sets whatever its exact value), which is all the look-alike ratio test needs of it. A pair at or
 * above the threshold always gets the exact correlation. (The kernels firstLook and verifyRest of
 * wasm/correlation.ts run the whole search; the thumbnails' parts are copied as they are needed.)
 */
export function thumbnailCorrelation(a: ComparableThumbnail, b: ComparableThumbnail, threshold: number): Alignment {
  const k = kernels();
  k.loadPair(a.bytes, b.bytes);
  return k.verify(threshold);
}
