// The thumbnail comparison (src/engine/image/signatureSimilarity.ts documents what it computes): thumbnail
// preparation (smooth, phaseGrids, medianLevel, prepare), the first look at 49 shifts (rankShifts),
// correlation at a whole-pixel shift (shiftedCorrelation, integer sums in SIMD lanes) or after bilinear
// resampling (alignedCorrelation), the zoom search (zoomAround), and the whole search of a pair (firstLook,
// verifyRest). Where a sum is of non-integers, its terms are added one by one in a fixed order, so the zoom
// search and alignedCorrelation give the same bits (test/unit/image/signatureSimilarity.test.ts checks that,
// and every path against an independent Pearson reference).
//
// Memory (memory.ts): two prepared thumbnails, a at SLOT_A and b at SLOT_B, each in the layout of
// wasmKernels.ts (fine, coarse, phase-grid cells, phase sums, background), then outputs and scratch.
import { SIDE, MAX_SHIFT, SHIFT_SPAN, GRID, PHASE_SUMS, MIN_OVERLAP, MIN_INFORMATIVE, CENTRE, FINE, COARSE, CELLS, SUMS, SLOT_A, SLOT_B, RANKED, MASKED, ZOOMED, COLUMN_INDEX, COLUMN_FRACTION, ROW_INDEX, ROW_FRACTION, ZOOM_A, ZOOM_B, ZOOM_COUNT, ZOOM_LANES, ZOOM_ROWS, PIXELS, SMOOTH_ROWS, HISTOGRAM, PREPARE_IN, PREPARE_OUT, ALIGNMENT, KEPT } from './memory';

export function slotA(): usize {
  return SLOT_A;
}
export function slotB(): usize {
  return SLOT_B;
}
export function ranked(): usize {
  return RANKED;
}
export function zoomed(): usize {
  return ZOOMED;
}

/**
 * Pearson correlation from the sums over n pairs; −2 when fewer than MIN_INFORMATIVE of `possible` pixels were
 * counted, or either side is flat within a grey level (variance·n² ≤ n²).
 */
@inline
function pearsonFromSums(n: f64, sa: f64, sb: f64, saa: f64, sbb: f64, sab: f64, possible: f64): f64 {
  if (n < MIN_INFORMATIVE * possible) return -2;
  const varA = n * saa - sa * sa;
  const varB = n * sbb - sb * sb;
  if (!(varA > n * n) || !(varB > n * n)) return -2;
  return (n * sab - sa * sb) / Math.sqrt(varA * varB);
}

/**
 * rankShifts (see signatureSimilarity.ts) for a (SLOT_A) and b (SLOT_B) into RANKED. Σab over a grid row is an
 * 8-lane dot product of 16-bit values (i32x4.dot_i16x8_s); every sum is of integers, so the order does not matter.
 */
export function rankShifts(): void {
  const cellsA = SLOT_A + CELLS;
  const cellsB = SLOT_B + CELLS;
  const sumsA = SLOT_A + SUMS;
  const sumsB = SLOT_B + SUMS;
  for (let j = 0; j < GRID; j++) {
    const row = <usize>(j * GRID);
    store<u8>(MASKED + row, 0);
    for (let i = 1; i < GRID; i++) store<u8>(MASKED + row + <usize>i, load<u8>(cellsA + row + <usize>i));
  }
  const possible: f64 = <f64>(GRID * GRID);
  for (let dy = -MAX_SHIFT; dy <= MAX_SHIFT; dy++) {
    const j0 = dy < 0 ? 1 : 0;
    const py = dy & 3;
    for (let dx = -MAX_SHIFT; dx <= MAX_SHIFT; dx++) {
      const i0 = dx < 0 ? 1 : 0;
      const phase = 4 * py + (dx & 3);
      // a's cell (i, j) meets cell (i − i0, j − j0) of b's phase grid; with i0, lane 0 of a's row is 0.
      const rowsA = i0 ? MASKED : cellsA;
      const gridB = cellsB + <usize>(phase * GRID * GRID - j0 * GRID - i0);
      let acc = i32x4.splat(0);
      for (let j = j0; j < GRID; j++) {
        const va = v128.load8x8_u(rowsA + <usize>(j * GRID));
        const vb = v128.load8x8_u(gridB + <usize>(j * GRID));
        acc = i32x4.add(acc, i32x4.dot_i16x8_s(va, vb));
      }
      const sab = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
      let sa = load<i32>(sumsA);
      let saa = load<i32>(sumsA, 4);
      const at = sumsB + <usize>(4 * phase * PHASE_SUMS);
      let sb = load<i32>(at);
      let sbb = load<i32>(at, 4);
      if (j0) {
        sa -= load<i32>(sumsA, 8);
        saa -= load<i32>(sumsA, 12);
        sb -= load<i32>(at, 16);
        sbb -= load<i32>(at, 20);
      }
      if (i0) {
        sa -= load<i32>(sumsA, 24);
        saa -= load<i32>(sumsA, 28);
        sb -= load<i32>(at, 32);
        sbb -= load<i32>(at, 36);
      }
      if (j0 && i0) {
        const cornerA = load<i32>(sumsA, 40);
        const cornerB = load<i32>(at, 52);
        sa += cornerA;
        saa += cornerA * cornerA;
        sb += cornerB;
        sbb += cornerB * cornerB;
      }
      const n = <f64>((GRID - j0) * (GRID - i0));
      store<f64>(RANKED + <usize>(8 * ((dy + MAX_SHIFT) * SHIFT_SPAN + dx + MAX_SHIFT)), pearsonFromSums(n, <f64>sa, <f64>sb, <f64>saa, <f64>sbb, <f64>sab, possible));
    }
  }
}

/**
 * Where every `step`-th column (or row) x of a samples b at zoom `scale` and shift `shift`: c + scale·(x − c) + shift,
 * kept when inside b, as x | (left index << 8) at `index` and the fraction beyond that index at `fraction`. Returns
 * how many were kept.
 */
function samplingTable(scale: f64, shift: f64, step: i32, index: usize, fraction: usize): i32 {
  let kept = 0;
  for (let x = 0; x < SIDE; x += step) {
    const position = CENTRE + scale * (<f64>x - CENTRE) + shift;
    if (position < 0 || position > <f64>(SIDE - 1)) continue;
    const left = <i32>Math.min(Math.floor(position), <f64>(SIDE - 2));
    store<i32>(index + 4 * <usize>kept, x | (left << 8));
    store<f64>(fraction + 8 * <usize>kept, position - <f64>left);
    kept++;
  }
  return kept;
}

/** b's coarse thumbnail as f64, row by row (ZOOM_B, with ZOOM_B_MARGIN zeros before and after): what zoomAround interpolates. Run when b changes. */
export function zoomRowsOfB(): void {
  const b = SLOT_B + COARSE;
  for (let i = 0; i < PIXELS; i++) store<f64>(ZOOM_B + 8 * <usize>i, <f64>load<u8>(b + <usize>i));
}

/**
 * zoomAround (see signatureSimilarity.ts) on the coarse thumbnails of a and b, for the nine whole-pixel shifts
 * around (centreDx, centreDy): the correlations into ZOOMED, row of shifts by row (dy, then dx, ascending),
 * −3 where a shift lies beyond ±MAX_SHIFT. b is interpolated along rows once per column shift k and shared
 * by the three row shifts; the three column shifts of a row shift are summed together, one per SIMD lane.
 * Each lane adds its own samples in the same order as a single evaluation would (with exact zeros after a
 * row's last column where another lane has more), so every correlation has alignedCorrelation's bits.
 */
export function zoomAround(scale: f64, centreDx: i32, centreDy: i32): void {
  const step = 2;
  const half = SIDE / step;
  const possible: f64 = <f64>(half * half);
  const a = SLOT_A + COARSE;
  // Columns x = 2c: for each column shift k, where x samples b (position, left index, fraction) and whether it
  // lies inside b. Lanes are indexed by x, so a lane adds exact zeros (masked) where its shift leaves b: its
  // own samples still come in ascending x, as in a single evaluation. Unclamped left indices: at position 31
  // exactly, b31 + 0·(…) is the clamped b30 + 1·(b31 − b30), the same integer.
  let count0 = 0;
  let count1 = 0;
  let count2 = 0;
  const valid0 = abs(centreDx - 1) <= MAX_SHIFT;
  const valid1 = abs(centreDx) <= MAX_SHIFT;
  const valid2 = abs(centreDx + 1) <= MAX_SHIFT;
  const rowBytes = 8 * <usize>(half * ZOOM_LANES);
  for (let c = 0; c < half; c++) {
    const x = step * c;
    const q = CENTRE + scale * (<f64>x - CENTRE);
    const p0 = q + <f64>(centreDx - 1);
    const p1 = q + <f64>centreDx;
    const p2 = q + <f64>(centreDx + 1);
    const inside0 = valid0 && p0 >= 0 && p0 <= <f64>(SIDE - 1);
    const inside1 = valid1 && p1 >= 0 && p1 <= <f64>(SIDE - 1);
    const inside2 = valid2 && p2 >= 0 && p2 <= <f64>(SIDE - 1);
    count0 += <i32>inside0;
    count1 += <i32>inside1;
    count2 += <i32>inside2;
    const left0 = <i32>Math.floor(p0);
    const left1 = <i32>Math.floor(p1);
    const left2 = <i32>Math.floor(p2);
    const fractions01 = f64x2(p0 - <f64>left0, p1 - <f64>left1);
    const fractions23 = f64x2(p2 - <f64>left2, 0);
    const mask01 = i64x2(inside0 ? -1 : 0, inside1 ? -1 : 0);
    const mask23 = i64x2(inside2 ? -1 : 0, 0);
    const lane = 8 * <usize>(c * ZOOM_LANES);
    if (left1 == left0 + 1 && left2 == left0 + 2) {
      // b's pixels left0 … left0 + 4 of a row give all three lanes' neighbours: two loads per pair of lanes.
      for (let row = 0; row < SIDE; row++) {
        const from = ZOOM_B + 8 * <usize>(row * SIDE + left0);
        const b0 = v128.load(from);
        const b1 = v128.load(from, 8);
        const b2 = v128.load(from, 16);
        const b3 = v128.load(from, 24);
        const at = ZOOM_ROWS + rowBytes * <usize>row + lane;
        v128.store(at, v128.and(f64x2.add(b0, f64x2.mul(fractions01, f64x2.sub(b1, b0))), mask01));
        v128.store(at, v128.and(f64x2.add(b2, f64x2.mul(fractions23, f64x2.sub(b3, b2))), mask23), 16);
      }
    } else {
      // Rounding put two shifts' left indices other than one apart: each lane on its own.
      for (let row = 0; row < SIDE; row++) {
        const from = ZOOM_B + 8 * <usize>(row * SIDE);
        const at = ZOOM_ROWS + rowBytes * <usize>row + lane;
        v128.store(at, v128.and(f64x2.add(f64x2(load<f64>(from + 8 * <usize>left0), load<f64>(from + 8 * <usize>left1)), f64x2.mul(fractions01, f64x2.sub(f64x2(load<f64>(from + 8 * <usize>(left0 + 1)), load<f64>(from + 8 * <usize>(left1 + 1))), f64x2(load<f64>(from + 8 * <usize>left0), load<f64>(from + 8 * <usize>left1))))), mask01));
        v128.store(at, v128.and(f64x2.add(f64x2(load<f64>(from + 8 * <usize>left2), 0), f64x2.mul(fractions23, f64x2.sub(f64x2(load<f64>(from + 8 * <usize>(left2 + 1)), 0), f64x2(load<f64>(from + 8 * <usize>left2), 0)))), mask23), 16);
      }
    }
    for (let row = 0; row < half; row++) {
      const va = f64x2.splat(<f64>load<u8>(a + <usize>(step * row * SIDE + x)));
      const at = ZOOM_A + rowBytes * <usize>row + lane;
      v128.store(at, v128.and(va, mask01));
      v128.store(at, v128.and(va, mask23), 16);
    }
  }
  store<i32>(ZOOM_COUNT, valid0 ? count0 : -1);
  store<i32>(ZOOM_COUNT, valid1 ? count1 : -1, 4);
  store<i32>(ZOOM_COUNT, valid2 ? count2 : -1, 8);
  const widest = half;
  for (let d = 0; d < 3; d++) {
    const dy = centreDy - 1 + d;
    const out = ZOOMED + 8 * <usize>(3 * d);
    if (abs(dy) > MAX_SHIFT) {
      for (let k = 0; k < 3; k++) store<f64>(out + 8 * <usize>k, -3);
      continue;
    }
    const rows = samplingTable(scale, <f64>dy, step, ROW_INDEX, ROW_FRACTION);
    let sa01 = f64x2.splat(0);
    let sb01 = f64x2.splat(0);
    let saa01 = f64x2.splat(0);
    let sbb01 = f64x2.splat(0);
    let sab01 = f64x2.splat(0);
    let sa23 = f64x2.splat(0);
    let sb23 = f64x2.splat(0);
    let saa23 = f64x2.splat(0);
    let sbb23 = f64x2.splat(0);
    let sab23 = f64x2.splat(0);
    for (let r = 0; r < rows; r++) {
      const packed = load<i32>(ROW_INDEX + 4 * <usize>r);
      const fy = f64x2.splat(load<f64>(ROW_FRACTION + 8 * <usize>r));
      const top = ZOOM_ROWS + rowBytes * <usize>(packed >> 8);
      const bottom = top + rowBytes;
      const rowA = ZOOM_A + rowBytes * <usize>((packed & 0xff) / step);
      for (let c = 0; c < widest; c++) {
        const at = 8 * <usize>(c * ZOOM_LANES);
        const upper01 = v128.load(top + at);
        const upper23 = v128.load(top + at, 16);
        const vb01 = f64x2.add(upper01, f64x2.mul(fy, f64x2.sub(v128.load(bottom + at), upper01)));
        const vb23 = f64x2.add(upper23, f64x2.mul(fy, f64x2.sub(v128.load(bottom + at, 16), upper23)));
        const va01 = v128.load(rowA + at);
        const va23 = v128.load(rowA + at, 16);
        sa01 = f64x2.add(sa01, va01);
        sb01 = f64x2.add(sb01, vb01);
        saa01 = f64x2.add(saa01, f64x2.mul(va01, va01));
        sbb01 = f64x2.add(sbb01, f64x2.mul(vb01, vb01));
        sab01 = f64x2.add(sab01, f64x2.mul(va01, vb01));
        sa23 = f64x2.add(sa23, va23);
        sb23 = f64x2.add(sb23, vb23);
        saa23 = f64x2.add(saa23, f64x2.mul(va23, va23));
        sbb23 = f64x2.add(sbb23, f64x2.mul(vb23, vb23));
        sab23 = f64x2.add(sab23, f64x2.mul(va23, vb23));
      }
    }
    for (let k = 0; k < 3; k++) {
      const columns = load<i32>(ZOOM_COUNT + 4 * <usize>k);
      let r: f64 = -3;
      if (columns >= 0) {
        if (<f64>(columns * rows) < MIN_OVERLAP * possible) {
          r = -2;
        } else if (k == 0) {
          r = pearsonFromSums(<f64>(columns * rows), f64x2.extract_lane(sa01, 0), f64x2.extract_lane(sb01, 0), f64x2.extract_lane(saa01, 0), f64x2.extract_lane(sbb01, 0), f64x2.extract_lane(sab01, 0), possible);
        } else if (k == 1) {
          r = pearsonFromSums(<f64>(columns * rows), f64x2.extract_lane(sa01, 1), f64x2.extract_lane(sb01, 1), f64x2.extract_lane(saa01, 1), f64x2.extract_lane(sbb01, 1), f64x2.extract_lane(sab01, 1), possible);
        } else {
          r = pearsonFromSums(<f64>(columns * rows), f64x2.extract_lane(sa23, 0), f64x2.extract_lane(sb23, 0), f64x2.extract_lane(saa23, 0), f64x2.extract_lane(sbb23, 0), f64x2.extract_lane(sab23, 0), possible);
        }
      }
      store<f64>(out + 8 * <usize>k, r);
    }
  }
}

/** Grey levels (of 255) within which a pixel counts as background (its image's median level). */
const BACKGROUND_LEVELS: i32 = 8;
/** Lane numbers 0…15. */
const LANES: v128 = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

/** Σ of the four i32 lanes. */
@inline
function laneSum(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

/**
 * alignedCorrelation (see signatureSimilarity.ts) for a whole-pixel shift at scale 1, of the
 * thumbnails at offset `part` (FINE or COARSE) of a and b: every step-th row and column of a that lands inside b,
 * less (when `useBackground`) the pixels where both sit within BACKGROUND_LEVELS of their background. A row is two
 * 16-byte vectors; a lane mask keeps the columns sampled, and all sums are of integers.
 */
export function shiftedCorrelation(part: usize, dx: i32, dy: i32, step: i32, useBackground: bool, backgroundA: i32, backgroundB: i32): f64 {
  const x0 = max(0, -dx);
  const x1 = min(SIDE, SIDE - dx);
  const y0 = max(0, -dy);
  const y1 = min(SIDE, SIDE - dy);
  const xStart = x0 + ((step - (x0 % step)) % step);
  const yStart = y0 + ((step - (y0 % step)) % step);
  const columns = x1 > xStart ? (x1 - xStart + step - 1) / step : 0;
  const rows = y1 > yStart ? (y1 - yStart + step - 1) / step : 0;
  const perSide = (SIDE + step - 1) / step;
  const possible = <f64>(perSide * perSide);
  if (<f64>(columns * rows) < MIN_OVERLAP * possible) return -2;
  // Columns sampled: x0 ≤ x < x1 and x a multiple of step (xStart is the first such).
  const stepMask = step == 1 ? i8x16.splat(-1) : i8x16.eq(v128.and(LANES, i8x16.splat(<i8>(step - 1))), i8x16.splat(0));
  const low = v128.and(stepMask, v128.and(i8x16.ge_u(LANES, i8x16.splat(<i8>x0)), i8x16.lt_u(LANES, i8x16.splat(<i8>x1))));
  const high = v128.and(stepMask, v128.and(i8x16.ge_u(LANES, i8x16.splat(<i8>max(0, x0 - 16))), i8x16.lt_u(LANES, i8x16.splat(<i8>(x1 - 16)))));
  // A pixel is near its background when its level lies in [background − LEVELS, background + LEVELS] ∩ [0, 255];
  // an empty range (a background far outside 0…255) leaves nothing near.
  const fromA = max(0, backgroundA - BACKGROUND_LEVELS);
  const toA = min(255, backgroundA + BACKGROUND_LEVELS);
  const fromB = max(0, backgroundB - BACKGROUND_LEVELS);
  const toB = min(255, backgroundB + BACKGROUND_LEVELS);
  const background = useBackground && fromA <= toA && fromB <= toB;
  const lowA = i8x16.splat(<i8>fromA);
  const highA = i8x16.splat(<i8>toA);
  const lowB = i8x16.splat(<i8>fromB);
  const highB = i8x16.splat(<i8>toB);
  let n = 0;
  let sa = i32x4.splat(0);
  let sb = i32x4.splat(0);
  let saa = i32x4.splat(0);
  let sbb = i32x4.splat(0);
  let sab = i32x4.splat(0);
  const a = SLOT_A + part;
  const b = SLOT_B + part + <usize>(dy * SIDE + dx);
  for (let y = yStart; y < y1; y += step) {
    for (let half = 0; half < 2; half++) {
      const at = <usize>(y * SIDE + 16 * half);
      let keep = half ? high : low;
      let va = v128.load(a + at);
      let vb = v128.load(b + at);
      if (background) {
        const nearA = v128.and(i8x16.ge_u(va, lowA), i8x16.le_u(va, highA));
        const nearB = v128.and(i8x16.ge_u(vb, lowB), i8x16.le_u(vb, highB));
        keep = v128.andnot(keep, v128.and(nearA, nearB));
      }
      va = v128.and(va, keep);
      vb = v128.and(vb, keep);
      n += <i32>popcnt(i8x16.bitmask(keep));
      sa = i32x4.add(sa, i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(va)));
      sb = i32x4.add(sb, i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(vb)));
      const aLow = i16x8.extend_low_i8x16_u(va);
      const aHigh = i16x8.extend_high_i8x16_u(va);
      const bLow = i16x8.extend_low_i8x16_u(vb);
      const bHigh = i16x8.extend_high_i8x16_u(vb);
      saa = i32x4.add(saa, i32x4.add(i32x4.dot_i16x8_s(aLow, aLow), i32x4.dot_i16x8_s(aHigh, aHigh)));
      sbb = i32x4.add(sbb, i32x4.add(i32x4.dot_i16x8_s(bLow, bLow), i32x4.dot_i16x8_s(bHigh, bHigh)));
      sab = i32x4.add(sab, i32x4.add(i32x4.dot_i16x8_s(aLow, bLow), i32x4.dot_i16x8_s(aHigh, bHigh)));
    }
  }
  return pearsonFromSums(<f64>n, <f64>laneSum(sa), <f64>laneSum(sb), <f64>laneSum(saa), <f64>laneSum(sbb), <f64>laneSum(sab), possible);
}

/**
 * alignedCorrelation (see signatureSimilarity.ts) in general (bilinear sampling at zoom `scale` and shift (dx, dy)),
 * of the thumbnails at offset `part` of a and b: the same positions, fractions, interpolation and sums, in the
 * same order. A whole-pixel shift at scale 1 goes to shiftedCorrelation.
 */
export function alignedCorrelation(part: usize, dx: f64, dy: f64, scale: f64, step: i32, useBackground: bool, backgroundA: i32, backgroundB: i32): f64 {
  if (scale == 1 && Math.floor(dx) == dx && Math.floor(dy) == dy) return shiftedCorrelation(part, <i32>dx, <i32>dy, step, useBackground, backgroundA, backgroundB);
  const columns = samplingTable(scale, dx, step, COLUMN_INDEX, COLUMN_FRACTION);
  const rows = samplingTable(scale, dy, step, ROW_INDEX, ROW_FRACTION);
  const perSide = (SIDE + step - 1) / step;
  const possible = <f64>(perSide * perSide);
  if (<f64>(columns * rows) < MIN_OVERLAP * possible) return -2;
  const a = SLOT_A + part;
  const b = SLOT_B + part;
  const levelA = <f64>backgroundA;
  const levelB = <f64>backgroundB;
  let counted = 0;
  let sa: f64 = 0;
  let sb: f64 = 0;
  let saa: f64 = 0;
  let sbb: f64 = 0;
  let sab: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const packedRow = load<i32>(ROW_INDEX + 4 * <usize>r);
    const fy = load<f64>(ROW_FRACTION + 8 * <usize>r);
    const top = b + <usize>((packedRow >> 8) * SIDE);
    const bottom = top + <usize>SIDE;
    const rowA = a + <usize>((packedRow & 0xff) * SIDE);
    for (let c = 0; c < columns; c++) {
      const packed = load<i32>(COLUMN_INDEX + 4 * <usize>c);
      const x = <usize>(packed & 0xff);
      const bx = <usize>(packed >> 8);
      const fx = load<f64>(COLUMN_FRACTION + 8 * <usize>c);
      const topLeft = <f64>load<u8>(top + bx);
      const bottomLeft = <f64>load<u8>(bottom + bx);
      const upper = topLeft + fx * (<f64>load<u8>(top + bx, 1) - topLeft);
      const lower = bottomLeft + fx * (<f64>load<u8>(bottom + bx, 1) - bottomLeft);
      const vb = upper + fy * (lower - upper);
      const va = <f64>load<u8>(rowA + x);
      if (useBackground && Math.abs(va - levelA) <= <f64>BACKGROUND_LEVELS && Math.abs(vb - levelB) <= <f64>BACKGROUND_LEVELS) continue;
      counted++;
      sa += va;
      sb += vb;
      saa += va * va;
      sbb += vb * vb;
      sab += va * vb;
    }
  }
  return pearsonFromSums(<f64>counted, sa, sb, saa, sbb, sab, possible);
}

/**
 * smoothThumbnail (see signatureSimilarity.ts): the [1 2 1]/4 × [1 2 1]/4 binomial smoothing of the thumbnail at
 * `from` (edges replicated), rounded to 8 bits ((Σ + 8) >> 4), into `to`. Integer arithmetic in 16-bit lanes
 * (a sum is at most 16 × 255 + 8): a row's horizontal sums, then the vertical sums of three rows.
 */
export function smooth(from: usize, to: usize): void {
  for (let y = 0; y < SIDE; y++) {
    const row = from + <usize>(y * SIDE);
    const left = v128.load(row);
    const right = v128.load(row, 16);
    // Each pixel's left and right neighbours (the edge pixel standing in for the missing one).
    const leftOfLeft = i8x16.shuffle(left, left, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    const rightOfLeft = i8x16.shuffle(left, right, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    const leftOfRight = i8x16.shuffle(left, right, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
    const rightOfRight = i8x16.shuffle(right, right, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15);
    const out = SMOOTH_ROWS + 2 * <usize>(y * SIDE);
    v128.store(out, horizontal(i16x8.extend_low_i8x16_u(leftOfLeft), i16x8.extend_low_i8x16_u(left), i16x8.extend_low_i8x16_u(rightOfLeft)));
    v128.store(out, horizontal(i16x8.extend_high_i8x16_u(leftOfLeft), i16x8.extend_high_i8x16_u(left), i16x8.extend_high_i8x16_u(rightOfLeft)), 16);
    v128.store(out, horizontal(i16x8.extend_low_i8x16_u(leftOfRight), i16x8.extend_low_i8x16_u(right), i16x8.extend_low_i8x16_u(rightOfRight)), 32);
    v128.store(out, horizontal(i16x8.extend_high_i8x16_u(leftOfRight), i16x8.extend_high_i8x16_u(right), i16x8.extend_high_i8x16_u(rightOfRight)), 48);
  }
  const rounding = i16x8.splat(8);
  for (let y = 0; y < SIDE; y++) {
    const up = SMOOTH_ROWS + 2 * <usize>((y > 0 ? y - 1 : 0) * SIDE);
    const here = SMOOTH_ROWS + 2 * <usize>(y * SIDE);
    const down = SMOOTH_ROWS + 2 * <usize>((y < SIDE - 1 ? y + 1 : y) * SIDE);
    const out = to + <usize>(y * SIDE);
    for (let half = 0; half < 2; half++) {
      const at = 32 * <usize>half;
      const first = i16x8.shr_u(i16x8.add(horizontal(v128.load(up + at), v128.load(here + at), v128.load(down + at)), rounding), 4);
      const second = i16x8.shr_u(i16x8.add(horizontal(v128.load(up + at + 16), v128.load(here + at + 16), v128.load(down + at + 16)), rounding), 4);
      v128.store(out + 16 * <usize>half, i8x16.narrow_i16x8_u(first, second));
    }
  }
}

/** a + 2b + c in 16-bit lanes. */
@inline
function horizontal(a: v128, b: v128, c: v128): v128 {
  return i16x8.add(i16x8.add(a, c), i16x8.shl(b, 1));
}

/** The lower median of the 1,024 levels at `from`, by histogram. */
export function medianLevel(from: usize): i32 {
  memory.fill(HISTOGRAM, 0, 4 * 256);
  for (let i = 0; i < PIXELS; i++) {
    const at = HISTOGRAM + 4 * <usize>load<u8>(from + <usize>i);
    store<i32>(at, load<i32>(at) + 1);
  }
  const half = (PIXELS - 1) >> 1;
  let seen = 0;
  for (let level = 0; level < 256; level++) {
    seen += load<i32>(HISTOGRAM + 4 * <usize>level);
    if (seen > half) return level;
  }
  return 255;
}

/**
 * phaseGrids (see signatureSimilarity.ts): the 16 every-fourth-pixel grids of the thumbnail at `from` into `cells`
 * (phase (px, py) at (4·py + px)·64, cell (i, j) at j·8 + i), and per phase into `sums` (14 i32): Σv and Σv² over
 * the grid, its first row, last row, first column and last column, then the four corner values.
 */
export function phaseGrids(from: usize, cells: usize, sums: usize): void {
  const last = GRID - 1;
  for (let phase = 0; phase < 16; phase++) {
    const px = phase & 3;
    const py = phase >> 2;
    const grid = cells + <usize>(phase * GRID * GRID);
    const at = sums + 4 * <usize>(phase * PHASE_SUMS);
    let total = 0;
    let squares = 0;
    for (let j = 0; j < GRID; j++) {
      for (let i = 0; i < GRID; i++) {
        const v = <i32>load<u8>(from + <usize>((4 * j + py) * SIDE + 4 * i + px));
        store<u8>(grid + <usize>(j * GRID + i), <u8>v);
        total += v;
        squares += v * v;
      }
    }
    store<i32>(at, total);
    store<i32>(at, squares, 4);
    // The first and last row, the first and last column.
    for (let edge = 0; edge < 4; edge++) {
      let s = 0;
      let q = 0;
      for (let k = 0; k < GRID; k++) {
        const index = edge == 0 ? k : edge == 1 ? last * GRID + k : edge == 2 ? k * GRID : k * GRID + last;
        const v = <i32>load<u8>(grid + <usize>index);
        s += v;
        q += v * v;
      }
      store<i32>(at + 8 + 8 * <usize>edge, s);
      store<i32>(at + 12 + 8 * <usize>edge, q);
    }
    store<i32>(at, <i32>load<u8>(grid), 40);
    store<i32>(at, <i32>load<u8>(grid + <usize>last), 44);
    store<i32>(at, <i32>load<u8>(grid + <usize>(last * GRID)), 48);
    store<i32>(at, <i32>load<u8>(grid + <usize>(last * GRID + last)), 52);
  }
}

/**
 * comparableThumbnail (see signatureSimilarity.ts): the thumbnail at PREPARE_IN prepared into PREPARE_OUT (the
 * layout of a prepared slot): smoothed once (fine), twice (coarse), the coarse thumbnail's phase grids and sums,
 * and the fine thumbnail's median level.
 */
export function prepare(): void {
  smooth(PREPARE_IN, PREPARE_OUT + FINE);
  smooth(PREPARE_OUT + FINE, PREPARE_OUT + COARSE);
  phaseGrids(PREPARE_OUT + COARSE, PREPARE_OUT + CELLS, PREPARE_OUT + SUMS);
  store<i32>(PREPARE_OUT + SUMS + 4 * <usize>(16 * PHASE_SUMS), medianLevel(PREPARE_OUT + FINE));
}

export function prepareInput(): usize {
  return PREPARE_IN;
}
export function prepareOutput(): usize {
  return PREPARE_OUT;
}

// The whole comparison of a loaded pair (thumbnailCorrelation, documented in signatureSimilarity.ts), in two steps so that
// TypeScript copies the fine and coarse thumbnails only for the pairs that pass the first look.
/** Scales searched around 1, the gates and limits of the search (documented with thumbnailCorrelation). */
/** Search scale k of 4: 1/1.1, 1/1.05, 1.05, 1.1 (a function, not an array: the module keeps no static data, see memory.ts). */
@inline
function searchScale(k: i32): f64 {
  return k == 0 ? 1 / 1.1 : k == 1 ? 1 / 1.05 : k == 2 ? 1.05 : 1.1;
}
const RANK_GATE: f64 = 0.22;
const SCALE_GATE: f64 = 0.15;
const REFINE_MARGIN: f64 = 0.06;
const SHIFTS_KEPT: i32 = 4;
const MAX_SCALE: f64 = 1.15;
const FINE_MARGIN: f64 = 0.03;
const MAX_REFINE_STEPS: i32 = 8;

/** Where the result goes: correlation, dx, dy, scale (f64). */
export function alignment(): usize {
  return ALIGNMENT;
}

@inline
function result(correlation: f64, dx: f64, dy: f64, scale: f64): void {
  store<f64>(ALIGNMENT, correlation);
  store<f64>(ALIGNMENT, dx, 8);
  store<f64>(ALIGNMENT, dy, 16);
  store<f64>(ALIGNMENT, scale, 24);
}

/**
 * The first look (rankShifts on the phase grids, which must be loaded): true when the pair goes on (then the whole
 * prepared thumbnails must be loaded before verifyRest); false when it stops, its estimate at ALIGNMENT.
 */
export function firstLook(threshold: f64): bool {
  rankShifts();
  let first = 0;
  for (let s = 1; s < SHIFT_SPAN * SHIFT_SPAN; s++) if (load<f64>(RANKED + 8 * <usize>s) > load<f64>(RANKED + 8 * <usize>first)) first = s;
  const best = load<f64>(RANKED + 8 * <usize>first);
  if (best >= threshold - RANK_GATE) return true;
  result(max<f64>(-1, best), <f64>((first % SHIFT_SPAN) - MAX_SHIFT), <f64>(first / SHIFT_SPAN - MAX_SHIFT), 1);
  return false;
}

/** The rest of the comparison after a first look that went on (the ranking still at RANKED), into ALIGNMENT. */
export function verifyRest(threshold: f64): void {
  // The best SHIFTS_KEPT shifts of the ranking other than the zero shift: highest first, the earlier first among equals.
  const centre = MAX_SHIFT * SHIFT_SPAN + MAX_SHIFT;
  let kept = 0;
  for (let s = 0; s < SHIFT_SPAN * SHIFT_SPAN; s++) {
    if (s == centre) continue;
    const value = load<f64>(RANKED + 8 * <usize>s);
    let at = kept;
    while (at > 0 && value > load<f64>(RANKED + 8 * <usize>load<i32>(KEPT + 4 * <usize>(at - 1)))) at--;
    if (at >= SHIFTS_KEPT) continue;
    for (let m = min(kept, SHIFTS_KEPT - 1); m > at; m--) store<i32>(KEPT + 4 * <usize>m, load<i32>(KEPT + 4 * <usize>(m - 1)));
    store<i32>(KEPT + 4 * <usize>at, s);
    if (kept < SHIFTS_KEPT) kept++;
  }
  const backgroundA = load<i32>(SLOT_A + SUMS + 4 * <usize>(16 * PHASE_SUMS));
  const backgroundB = load<i32>(SLOT_B + SUMS + 4 * <usize>(16 * PHASE_SUMS));
  const identity = max<f64>(-1, alignedCorrelation(FINE, 0, 0, 1, 1, true, backgroundA, backgroundB));
  if (identity >= threshold) {
    result(identity, 0, 0, 1);
    return;
  }
  let coarseR = alignedCorrelation(COARSE, 0, 0, 1, 2, false, 0, 0);
  let coarseDx: f64 = 0;
  let coarseDy: f64 = 0;
  let coarseScale: f64 = 1;
  for (let m = 0; m < kept; m++) {
    const s = load<i32>(KEPT + 4 * <usize>m);
    const dx = <f64>((s % SHIFT_SPAN) - MAX_SHIFT);
    const dy = <f64>(s / SHIFT_SPAN - MAX_SHIFT);
    const r = alignedCorrelation(COARSE, dx, dy, 1, 2, false, 0, 0);
    if (r > coarseR) {
      coarseR = r;
      coarseDx = dx;
      coarseDy = dy;
    }
  }
  if (coarseR < threshold - SCALE_GATE) {
    result(identity, 0, 0, 1);
    return;
  }
  const centreDx = <i32>coarseDx;
  const centreDy = <i32>coarseDy;
  zoomRowsOfB();
  for (let k = 0; k < 4; k++) {
    const scale = searchScale(k);
    zoomAround(scale, centreDx, centreDy);
    for (let d = 0; d < 3; d++) {
      for (let c = 0; c < 3; c++) {
        const r = load<f64>(ZOOMED + 8 * <usize>(3 * d + c));
        if (r == -3) continue;
        if (r > coarseR) {
          coarseR = r;
          coarseDx = <f64>(centreDx - 1 + c);
          coarseDy = <f64>(centreDy - 1 + d);
          coarseScale = scale;
        }
      }
    }
  }
  if (coarseR < threshold - REFINE_MARGIN) {
    result(identity, 0, 0, 1);
    return;
  }
  // Fine: hill-climb on every other pixel of the once-smoothed thumbnails, from the coarse optimum.
  let bestR = alignedCorrelation(FINE, coarseDx, coarseDy, coarseScale, 2, false, 0, 0);
  let bestDx = coarseDx;
  let bestDy = coarseDy;
  let bestScale = coarseScale;
  for (let stage = 0; stage < 2; stage++) {
    const shiftStep: f64 = stage == 0 ? 0.5 : 0.25;
    const scaleStep: f64 = stage == 0 ? 1.02 : 1.01;
    for (let steps = 0; steps < MAX_REFINE_STEPS; steps++) {
      const dx0 = bestDx;
      const dy0 = bestDy;
      const scale0 = bestScale;
      let improved = false;
      for (let move = 0; move < 6; move++) {
        let dx = dx0;
        let dy = dy0;
        let scale = scale0;
        if (move == 0) dx = dx0 + shiftStep;
        else if (move == 1) dx = dx0 - shiftStep;
        else if (move == 2) dy = dy0 + shiftStep;
        else if (move == 3) dy = dy0 - shiftStep;
        else if (move == 4) scale = scale0 * scaleStep;
        else scale = scale0 / scaleStep;
        if (Math.abs(dx) > <f64>MAX_SHIFT + 0.5 || Math.abs(dy) > <f64>MAX_SHIFT + 0.5 || scale > MAX_SCALE || scale < 1 / MAX_SCALE) continue;
        const r = alignedCorrelation(FINE, dx, dy, scale, 2, false, 0, 0);
        if (r > bestR) {
          bestR = r;
          bestDx = dx;
          bestDy = dy;
          bestScale = scale;
          improved = true;
        }
      }
      if (!improved) break;
    }
    // Quarter pixels only when half pixels came close.
    if (bestR < threshold - FINE_MARGIN) break;
  }
  const correlation = alignedCorrelation(FINE, bestDx, bestDy, bestScale, 1, true, backgroundA, backgroundB);
  if (correlation > identity) result(correlation, bestDx, bestDy, bestScale);
  else result(identity, 0, 0, 1);
}
