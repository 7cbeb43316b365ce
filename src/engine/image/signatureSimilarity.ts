// Comparing two images by their 32×32 greyscale thumbnails (see thumbnail.ts; what is known of one
// thumbnail alone, its layout, spectrum and hashes, is in imageSignatures.ts).
// - thumbnailCorrelation: the verification. The Pearson correlation of the two thumbnails after the
//   best alignment of one onto the other (shift up to ±3 px, scale up to ±10%, bilinear sampling,
//   over the overlapping pixels). Correlation ignores gain and offset, so brightness, contrast and
//   moderate colour changes keep it high; re-encoding, resizing, small crops and shifts are undone
//   by the alignment. Images of one kind that merely look alike (two digits, two aligned faces)
//   differ in detail at 32×32 and stay below the threshold.
import { THUMBNAIL_PIXELS, THUMBNAIL_SIDE } from './thumbnail';

const SIDE = THUMBNAIL_SIDE;
/** Largest shift searched, in thumbnail pixels (±3 of 32: about ±10% of the side). */
export const MAX_SHIFT = 3;
/** Scales searched around 1 (the copy is zoomed in or out by up to about 10%). */
const SEARCH_SCALES = [1 / 1.1, 1 / 1.05, 1.05, 1.1];
/** Scale-and-shift search runs only when the best shift alone is within this of the threshold. */
const SCALE_GATE = 0.15;
/** Sub-pixel refinement runs only when the coarse search is within this of the threshold. */
const REFINE_MARGIN = 0.06;
/** Whole-pixel shifts, of the 48 ranked on a sparse grid, measured on the denser one. */
const SHIFTS_KEPT = 4;
/** Largest zoom the refinement reaches. */
const MAX_SCALE = 1.15;
/** The quarter-pixel stage runs only when the half-pixel stage ends within this of the threshold. */
const FINE_MARGIN = 0.03;
/** Refinement gives up after this many improving steps. */
const MAX_REFINE_STEPS = 8;
/** Least share of the thumbnail that must overlap after alignment for a correlation to count. */
const MIN_OVERLAP = 0.6;
/** Grey levels (of 255) within which a pixel counts as background: the image's median level. */
const BACKGROUND_LEVELS = 8;
/** Least share of the thumbnail that must be informative (off the background in either image). */
const MIN_INFORMATIVE = 0.05;

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

const CENTRE = (SIDE - 1) / 2;
// Per-column and per-row sampling tables, reused by every evaluation (the search is synchronous).
const COLUMN_INDEX = new Int32Array(SIDE);
const COLUMN_FRACTION = new Float64Array(SIDE);
const ROW_INDEX = new Int32Array(SIDE);
const ROW_FRACTION = new Float64Array(SIDE);

/**
 * Where every `step`-th column (or row) x of a samples b at zoom `scale` and shift `shift`: c + scale·(x − c) +
 * shift, kept when inside b, as x | (left index << 8) in `index` and the fraction beyond that index in `fraction`.
 * Returns how many were kept.
 */
function samplingTable(scale: number, shift: number, step: number, index: Int32Array, fraction: Float64Array): number {
  let kept = 0;
  for (let x = 0; x < SIDE; x += step) {
    const position = CENTRE + scale * (x - CENTRE) + shift;
    if (position < 0 || position > SIDE - 1) continue;
    const left = Math.min(Math.floor(position), SIDE - 2);
    index[kept] = x | (left << 8);
    fraction[kept] = position - left;
    kept++;
  }
  return kept;
}

/**
 * Pearson correlation between a and b sampled at (c + scale·(x − c) + dx, c + scale·(y − c) + dy),
 * bilinearly, over the pixels of a (every `step`-th row and column) whose sample falls inside b.
 * With `background`, pixels where both images sit within BACKGROUND_LEVELS of their own background
 * level are left out. −2 when fewer than MIN_OVERLAP of the pixels overlap, fewer than MIN_INFORMATIVE
 * are left, or either side is flat there.
 */
export function alignedCorrelation(a: Uint8Array, b: Uint8Array, dx: number, dy: number, scale: number, step = 1, background?: Background): number {
  if (scale === 1 && Number.isInteger(dx) && Number.isInteger(dy)) return shiftedCorrelation(a, b, dx, dy, step, background);
  const columns = samplingTable(scale, dx, step, COLUMN_INDEX, COLUMN_FRACTION);
  const rows = samplingTable(scale, dy, step, ROW_INDEX, ROW_FRACTION);
  const overlap = columns * rows;
  const possible = Math.ceil(SIDE / step) ** 2;
  if (overlap < MIN_OVERLAP * possible) return -2;
  let counted = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let r = 0; r < rows; r++) {
    const y = ROW_INDEX[r] & 0xff;
    const by = ROW_INDEX[r] >> 8;
    const fy = ROW_FRACTION[r];
    const top = by * SIDE;
    const bottom = top + SIDE;
    const rowA = y * SIDE;
    for (let c = 0; c < columns; c++) {
      const x = COLUMN_INDEX[c] & 0xff;
      const bx = COLUMN_INDEX[c] >> 8;
      const fx = COLUMN_FRACTION[c];
      const upper = b[top + bx] + fx * (b[top + bx + 1] - b[top + bx]);
      const lower = b[bottom + bx] + fx * (b[bottom + bx + 1] - b[bottom + bx]);
      const vb = upper + fy * (lower - upper);
      const va = a[rowA + x];
      if (background && Math.abs(va - background.a) <= BACKGROUND_LEVELS && Math.abs(vb - background.b) <= BACKGROUND_LEVELS) continue;
      counted++;
      sa += va;
      sb += vb;
      saa += va * va;
      sbb += vb * vb;
      sab += va * vb;
    }
  }
  return pearsonFromSums(counted, sa, sb, saa, sbb, sab, possible);
}

// The zoom search's b, interpolated along rows once per column shift: [shift k][row][column], and a's columns.
const ZOOM_ROWS = new Float64Array(3 * SIDE * SIDE);
const ZOOM_COLUMNS = new Int32Array(3 * SIDE);
const ZOOM_COUNT = new Int32Array(3);

/**
 * alignedCorrelation(a, b, dx, dy, scale, 2) for the nine whole-pixel shifts around (centreDx, centreDy) within
 * ±MAX_SHIFT, passed to `visit` row of shifts by row (dy, then dx, ascending), equal to it to the last bit: the
 * same positions, indices and fractions, the same interpolation and sums. A whole-pixel shift moves every
 * sample by the same amount, so the interpolation along rows is done once per column shift and row and shared
 * by the three row shifts, instead of once per sample.
 */
export function zoomAround(a: Uint8Array, b: Uint8Array, scale: number, centreDx: number, centreDy: number, visit: (r: number, dx: number, dy: number) => void): void {
  const step = 2;
  const possible = Math.ceil(SIDE / step) ** 2;
  for (let k = 0; k < 3; k++) {
    const dx = centreDx - 1 + k;
    ZOOM_COUNT[k] = -1;
    if (Math.abs(dx) > MAX_SHIFT) continue;
    const columns = samplingTable(scale, dx, step, COLUMN_INDEX, COLUMN_FRACTION);
    for (let c = 0; c < columns; c++) {
      const index = COLUMN_INDEX[c] >> 8;
      const fx = COLUMN_FRACTION[c];
      ZOOM_COLUMNS[k * SIDE + c] = COLUMN_INDEX[c] & 0xff;
      for (let row = 0; row < SIDE; row++) {
        const at = row * SIDE + index;
        ZOOM_ROWS[(k * SIDE + row) * SIDE + c] = b[at] + fx * (b[at + 1] - b[at]);
      }
    }
    ZOOM_COUNT[k] = columns;
  }
  for (let dy = centreDy - 1; dy <= centreDy + 1; dy++) {
    if (Math.abs(dy) > MAX_SHIFT) continue;
    const rows = samplingTable(scale, dy, step, ROW_INDEX, ROW_FRACTION);
    for (let k = 0; k < 3; k++) {
      const columns = ZOOM_COUNT[k];
      if (columns < 0) continue;
      const dx = centreDx - 1 + k;
      if (columns * rows < MIN_OVERLAP * possible) {
        visit(-2, dx, dy);
        continue;
      }
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let r = 0; r < rows; r++) {
        const rowA = (ROW_INDEX[r] & 0xff) * SIDE;
        const fy = ROW_FRACTION[r];
        const top = (k * SIDE + (ROW_INDEX[r] >> 8)) * SIDE;
        const bottom = top + SIDE;
        for (let c = 0; c < columns; c++) {
          const upper = ZOOM_ROWS[top + c];
          const vb = upper + fy * (ZOOM_ROWS[bottom + c] - upper);
          const va = a[rowA + ZOOM_COLUMNS[k * SIDE + c]];
          sa += va;
          sb += vb;
          saa += va * va;
          sbb += vb * vb;
          sab += va * vb;
        }
      }
      visit(pearsonFromSums(columns * rows, sa, sb, saa, sbb, sab, possible), dx, dy);
    }
  }
}

/**
 * Pearson correlation from the sums over n pairs; −2 when fewer than MIN_INFORMATIVE of `possible`
 * pixels were counted, or either side is flat within a grey level (variance·n² ≤ n²).
 */
function pearsonFromSums(n: number, sa: number, sb: number, saa: number, sbb: number, sab: number, possible: number): number {
  if (n < MIN_INFORMATIVE * possible) return -2;
  const varA = n * saa - sa * sa;
  const varB = n * sbb - sb * sb;
  if (!(varA > n * n) || !(varB > n * n)) return -2;
  return (n * sab - sa * sb) / Math.sqrt(varA * varB);
}

/** alignedCorrelation for a whole-pixel shift at scale 1: no interpolation. */
function shiftedCorrelation(a: Uint8Array, b: Uint8Array, dx: number, dy: number, step: number, background: Background | undefined): number {
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(SIDE, SIDE - dx);
  const y0 = Math.max(0, -dy);
  const y1 = Math.min(SIDE, SIDE - dy);
  // The same sample grid as alignedCorrelation: every step-th row and column of a that lands inside b.
  const xStart = x0 + ((step - (x0 % step)) % step);
  const yStart = y0 + ((step - (y0 % step)) % step);
  const columns = x1 > xStart ? Math.ceil((x1 - xStart) / step) : 0;
  const rows = y1 > yStart ? Math.ceil((y1 - yStart) / step) : 0;
  const possible = Math.ceil(SIDE / step) ** 2;
  if (columns * rows < MIN_OVERLAP * possible) return -2;
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  const offset = dy * SIDE + dx;
  if (!background) {
    for (let y = yStart; y < y1; y += step) {
      const row = y * SIDE;
      for (let x = xStart; x < x1; x += step) {
        const va = a[row + x];
        const vb = b[row + x + offset];
        sa += va;
        sb += vb;
        saa += va * va;
        sbb += vb * vb;
        sab += va * vb;
      }
      n += Math.ceil((x1 - xStart) / step);
    }
    return pearsonFromSums(n, sa, sb, saa, sbb, sab, possible);
  }
  const backgroundA = background.a;
  const backgroundB = background.b;
  for (let y = yStart; y < y1; y += step) {
    const row = y * SIDE;
    for (let x = xStart; x < x1; x += step) {
      const va = a[row + x];
      const vb = b[row + x + offset];
      if (Math.abs(va - backgroundA) <= BACKGROUND_LEVELS && Math.abs(vb - backgroundB) <= BACKGROUND_LEVELS) continue;
      n++;
      sa += va;
      sb += vb;
      saa += va * va;
      sbb += vb * vb;
      sab += va * vb;
    }
  }
  return pearsonFromSums(n, sa, sb, saa, sbb, sab, possible);
}

/** A [1 2 1]/4 × [1 2 1]/4 binomial smoothing of a thumbnail (edges replicated), rounded to 8 bits. */
export function smoothThumbnail(thumbnail: Uint8Array): Uint8Array {
  const horizontal = SMOOTH_SCRATCH;
  for (let y = 0; y < SIDE; y++) {
    const row = y * SIDE;
    for (let x = 0; x < SIDE; x++) {
      horizontal[row + x] = thumbnail[row + (x > 0 ? x - 1 : 0)] + 2 * thumbnail[row + x] + thumbnail[row + (x < SIDE - 1 ? x + 1 : x)];
    }
  }
  const out = new Uint8Array(THUMBNAIL_PIXELS);
  for (let y = 0; y < SIDE; y++) {
    const up = (y > 0 ? y - 1 : 0) * SIDE;
    const down = (y < SIDE - 1 ? y + 1 : y) * SIDE;
    const row = y * SIDE;
    for (let x = 0; x < SIDE; x++) out[row + x] = (horizontal[up + x] + 2 * horizontal[row + x] + horizontal[down + x] + 8) >> 4;
  }
  return out;
}
const SMOOTH_SCRATCH = new Int32Array(THUMBNAIL_PIXELS);

/** A thumbnail prepared for comparison: smoothed once (compared) and twice (searched). */
export interface ComparableThumbnail {
  fine: Uint8Array;
  coarse: Uint8Array;
  /** The median grey level of `fine`: the background of an object on a plain ground. */
  background: number;
  /** The phase grids of `coarse`, for the first look at every shift. */
  grids: PhaseGrids;
}

export function comparableThumbnail(thumbnail: Uint8Array): ComparableThumbnail {
  const fine = smoothThumbnail(thumbnail);
  const coarse = smoothThumbnail(fine);
  return { fine, coarse, background: medianLevel(fine), grids: phaseGrids(coarse) };
}

/** The lower median of 8-bit values, by histogram. */
function medianLevel(values: Uint8Array): number {
  const histogram = new Int32Array(256);
  for (let i = 0; i < values.length; i++) histogram[values[i]]++;
  const half = (values.length - 1) >> 1;
  let seen = 0;
  for (let level = 0; level < 256; level++) {
    seen += histogram[level];
    if (seen > half) return level;
  }
  return 255;
}

/** Whole-pixel shifts ranked on every fourth pixel: (2·MAX_SHIFT + 1)², shift (dx, dy) at (dy + MAX_SHIFT)·SHIFT_SPAN + dx + MAX_SHIFT. */
const SHIFT_SPAN = 2 * MAX_SHIFT + 1;
const RANKED = new Float64Array(SHIFT_SPAN * SHIFT_SPAN);
/** Cells per side of a phase grid: every fourth pixel. */
const GRID = SIDE / 4;
/** Numbers kept per phase grid (see phaseGrids). */
const PHASE_SUMS = 14;
/** Length of PhaseGrids.sums: PHASE_SUMS for each of the 16 phases. */
export const PHASE_SUMS_LENGTH = 16 * PHASE_SUMS;

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

export function phaseGrids(thumbnail: Uint8Array): PhaseGrids {
  const cells = new Uint8Array(THUMBNAIL_PIXELS);
  const sums = new Int32Array(16 * PHASE_SUMS);
  const last = GRID - 1;
  for (let py = 0; py < 4; py++) {
    for (let px = 0; px < 4; px++) {
      const phase = 4 * py + px;
      const at = phase * PHASE_SUMS;
      for (let j = 0; j < GRID; j++) {
        for (let i = 0; i < GRID; i++) {
          const v = thumbnail[(4 * j + py) * SIDE + 4 * i + px];
          const q = v * v;
          cells[phase * GRID * GRID + j * GRID + i] = v;
          sums[at] += v;
          sums[at + 1] += q;
        }
      }
      const grid = phase * GRID * GRID;
      // The first and last row, the first and last column.
      for (let k = 0; k < GRID; k++) {
        [cells[grid + k], cells[grid + last * GRID + k], cells[grid + k * GRID], cells[grid + k * GRID + last]].forEach((v, edge) => {
          sums[at + 2 + 2 * edge] += v;
          sums[at + 3 + 2 * edge] += v * v;
        });
      }
      sums[at + 10] = cells[grid];
      sums[at + 11] = cells[grid + last];
      sums[at + 12] = cells[grid + last * GRID];
      sums[at + 13] = cells[grid + last * GRID + last];
    }
  }
  return { cells, sums };
}

/**
 * Pearson correlation of a and b at every whole-pixel shift within ±MAX_SHIFT, on every fourth row and
 * column of a: the samples of alignedCorrelation(a, b, dx, dy, 1, 4), and equal to it to the last bit (all
 * sums are of integers), into `out` by shift. Pixel (4i, 4j) of a meets pixel (4i + dx, 4j + dy) of b: a
 * cell of one of b's phase grids. A negative shift drops a's first row or column and that grid's last, so
 * every sum but Σab comes from the grids' stored sums, and the 49 shifts cost 49 × 64 multiplications.
 */
export function rankShifts(a: PhaseGrids, b: PhaseGrids, out: Float64Array): void {
  const cellsA = a.cells;
  const cellsB = b.cells;
  const sumsA = a.sums;
  const sumsB = b.sums;
  const possible = GRID * GRID;
  for (let dy = -MAX_SHIFT; dy <= MAX_SHIFT; dy++) {
    const j0 = dy < 0 ? 1 : 0;
    const py = dy & 3;
    for (let dx = -MAX_SHIFT; dx <= MAX_SHIFT; dx++) {
      const i0 = dx < 0 ? 1 : 0;
      const phase = 4 * py + (dx & 3);
      // b's cell for a's cell (i, j): (i − i0, j − j0) of the phase grid.
      const gridB = phase * GRID * GRID - j0 * GRID - i0;
      let sab = 0;
      for (let j = j0; j < GRID; j++) {
        const rowA = j * GRID;
        const rowB = gridB + j * GRID;
        for (let i = i0; i < GRID; i++) sab += cellsA[rowA + i] * cellsB[rowB + i];
      }
      // a: phase 0 less its first row (j0) and first column (i0); b: this phase less its last row and column.
      let sa = sumsA[0];
      let saa = sumsA[1];
      const at = phase * PHASE_SUMS;
      let sb = sumsB[at];
      let sbb = sumsB[at + 1];
      if (j0) {
        sa -= sumsA[2];
        saa -= sumsA[3];
        sb -= sumsB[at + 4];
        sbb -= sumsB[at + 5];
      }
      if (i0) {
        sa -= sumsA[6];
        saa -= sumsA[7];
        sb -= sumsB[at + 8];
        sbb -= sumsB[at + 9];
      }
      if (j0 && i0) {
        sa += sumsA[10];
        saa += sumsA[10] * sumsA[10];
        sb += sumsB[at + 13];
        sbb += sumsB[at + 13] * sumsB[at + 13];
      }
      out[(dy + MAX_SHIFT) * SHIFT_SPAN + dx + MAX_SHIFT] = pearsonFromSums((GRID - j0) * (GRID - i0), sa, sb, saa, sbb, sab, possible);
    }
  }
}

/** The first look, on every fourth pixel, must come within this of the threshold for the search to go on. */
export const RANK_GATE = 0.22;

/**
 * The best alignment of thumbnail b onto a, and the correlation there. Both are compared smoothed once
 * with a 3×3 binomial filter, so JPEG noise and resampling do not decide. The alignment is searched
 * coarse to fine on the twice-smoothed thumbnails (a wider, smoother landscape): every whole-pixel shift
 * within ±MAX_SHIFT on every fourth pixel, the best few on every other pixel, then zooms of ±5% and ±10%
 * around the best shift; then, if within REFINE_MARGIN of `threshold`, a hill-climb on the once-smoothed
 * thumbnails in half and quarter pixels and 2% and 1% zoom steps. The correlation returned is over all
 * informative pixels (those off the background in either image), so a shared plain ground (digits on
 * black, products on white) does not make two different objects look alike.
 *
 * A pair that falls out at a gate (within RANK_GATE, SCALE_GATE or REFINE_MARGIN of the threshold) gets
 * the coarse search's estimate instead, at its alignment: far below the threshold (below threshold −
 * RANK_GATE + 0.1 on the benchmark sets whatever its exact value), which is all the look-alike ratio test
 * needs of it. A pair at or above the threshold always gets the exact correlation.
 */
export function thumbnailCorrelation(a: ComparableThumbnail, b: ComparableThumbnail, threshold: number): Alignment {
  rankShifts(a.grids, b.grids, RANKED);
  let first = 0;
  for (let k = 1; k < RANKED.length; k++) if (RANKED[k] > RANKED[first]) first = k;
  const estimate = (r: number, dx: number, dy: number, scale: number): Alignment => ({ correlation: Math.max(-1, r), dx, dy, scale });
  if (RANKED[first] < threshold - RANK_GATE) return estimate(RANKED[first], (first % SHIFT_SPAN) - MAX_SHIFT, Math.floor(first / SHIFT_SPAN) - MAX_SHIFT, 1);

  const background: Background = { a: a.background, b: b.background };
  const identity = Math.max(-1, alignedCorrelation(a.fine, b.fine, 0, 0, 1, 1, background));
  if (identity >= threshold) return { correlation: identity, dx: 0, dy: 0, scale: 1 };

  let coarse = { r: alignedCorrelation(a.coarse, b.coarse, 0, 0, 1, 2), dx: 0, dy: 0, scale: 1 };
  const consider = (dx: number, dy: number, scale: number): void => {
    const r = alignedCorrelation(a.coarse, b.coarse, dx, dy, scale, 2);
    if (r > coarse.r) coarse = { r, dx, dy, scale };
  };
  // Whole-pixel shifts: the best few of the ranking (the zero shift aside) measured on every other pixel.
  const centre = MAX_SHIFT * SHIFT_SPAN + MAX_SHIFT;
  const order = Array.from({ length: RANKED.length }, (_, k) => k).filter((k) => k !== centre);
  order.sort((x, y) => RANKED[y] - RANKED[x] || x - y);
  for (const k of order.slice(0, SHIFTS_KEPT)) consider((k % SHIFT_SPAN) - MAX_SHIFT, Math.floor(k / SHIFT_SPAN) - MAX_SHIFT, 1);
  if (coarse.r < threshold - SCALE_GATE) return { correlation: identity, dx: 0, dy: 0, scale: 1 };
  const shifted = coarse;
  for (const scale of SEARCH_SCALES) {
    zoomAround(a.coarse, b.coarse, scale, shifted.dx, shifted.dy, (r, dx, dy) => {
      if (r > coarse.r) coarse = { r, dx, dy, scale };
    });
  }
  if (coarse.r < threshold - REFINE_MARGIN) return { correlation: identity, dx: 0, dy: 0, scale: 1 };

  // Fine: hill-climb on every other pixel of the once-smoothed thumbnails, from the coarse optimum.
  let best = { r: alignedCorrelation(a.fine, b.fine, coarse.dx, coarse.dy, coarse.scale, 2), dx: coarse.dx, dy: coarse.dy, scale: coarse.scale };
  for (const [shiftStep, scaleStep] of [[0.5, 1.02], [0.25, 1.01]] as const) {
    for (let steps = 0; steps < MAX_REFINE_STEPS; steps++) {
      const current = best;
      const moves: Array<[number, number, number]> = [
        [current.dx + shiftStep, current.dy, current.scale],
        [current.dx - shiftStep, current.dy, current.scale],
        [current.dx, current.dy + shiftStep, current.scale],
        [current.dx, current.dy - shiftStep, current.scale],
        [current.dx, current.dy, current.scale * scaleStep],
        [current.dx, current.dy, current.scale / scaleStep],
      ];
      for (const [dx, dy, scale] of moves) {
        if (Math.abs(dx) > MAX_SHIFT + 0.5 || Math.abs(dy) > MAX_SHIFT + 0.5 || scale > MAX_SCALE || scale < 1 / MAX_SCALE) continue;
        const r = alignedCorrelation(a.fine, b.fine, dx, dy, scale, 2);
        if (r > best.r) best = { r, dx, dy, scale };
      }
      if (best === current) break;
    }
    // Quarter pixels only when half pixels came close.
    if (best.r < threshold - FINE_MARGIN) break;
  }
  const correlation = alignedCorrelation(a.fine, b.fine, best.dx, best.dy, best.scale, 1, background);
  return correlation > identity ? { correlation, dx: best.dx, dy: best.dy, scale: best.scale } : { correlation: identity, dx: 0, dy: 0, scale: 1 };
}
