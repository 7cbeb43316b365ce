// The proposal scoring's dot products (see src/engine/checks/proposalScoring.ts): the cosine of two unit
// vectors of f32 coordinates, as f64 products summed in four partial sums by coordinate index mod 4, each
// in index order, combined as (s0 + s1) + (s2 + s3). flatCosine in TypeScript sums in the same order, so a
// pair gets the same score to the last bit wherever it is scored.
import { LAYOUT_LENGTH, MAX_WINDOW, SCORE_BLOCK, SCORE_LAYOUT_COSINES, SCORE_LAYOUTS, SCORE_SPECTRA, SCORE_SPECTRUM_COSINES, SPECTRUM_LENGTH } from './memory';

export function scoreLayouts(): usize {
  return SCORE_LAYOUTS;
}
export function scoreSpectra(): usize {
  return SCORE_SPECTRA;
}
export function scoreLayoutCosines(): usize {
  return SCORE_LAYOUT_COSINES;
}
export function scoreSpectrumCosines(): usize {
  return SCORE_SPECTRUM_COSINES;
}
export function scoreBlock(): i32 {
  return SCORE_BLOCK;
}
export function maxWindow(): i32 {
  return MAX_WINDOW;
}

/** Coordinates 4m + 2, 4m + 3 of a v128 of four f32, as f64. */
@inline
function upperPair(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** The cosines of rows p and q, r (both after p) of `length` f32 coordinates at `rows`: two pairs summed together. */
@inline
function twoCosines(rows: usize, length: i32, p: i32, q: i32, r: i32, out: usize): void {
  const a = rows + 4 * <usize>(p * length);
  const b = rows + 4 * <usize>(q * length);
  const c = rows + 4 * <usize>(r * length);
  let ab01 = f64x2.splat(0);
  let ab23 = f64x2.splat(0);
  let ac01 = f64x2.splat(0);
  let ac23 = f64x2.splat(0);
  for (let i = 0; i < length; i += 4) {
    const va = v128.load(a + 4 * <usize>i);
    const vb = v128.load(b + 4 * <usize>i);
    const vc = v128.load(c + 4 * <usize>i);
    const a01 = f64x2.promote_low_f32x4(va);
    const a23 = upperPair(va);
    ab01 = f64x2.add(ab01, f64x2.mul(a01, f64x2.promote_low_f32x4(vb)));
    ab23 = f64x2.add(ab23, f64x2.mul(a23, upperPair(vb)));
    ac01 = f64x2.add(ac01, f64x2.mul(a01, f64x2.promote_low_f32x4(vc)));
    ac23 = f64x2.add(ac23, f64x2.mul(a23, upperPair(vc)));
  }
  store<f64>(out, f64x2.extract_lane(ab01, 0) + f64x2.extract_lane(ab01, 1) + (f64x2.extract_lane(ab23, 0) + f64x2.extract_lane(ab23, 1)));
  store<f64>(out, f64x2.extract_lane(ac01, 0) + f64x2.extract_lane(ac01, 1) + (f64x2.extract_lane(ac23, 0) + f64x2.extract_lane(ac23, 1)), 8);
}

/** The cosine of rows p and q (one pair; see twoCosines). */
@inline
function oneCosine(rows: usize, length: i32, p: i32, q: i32, out: usize): void {
  const a = rows + 4 * <usize>(p * length);
  const b = rows + 4 * <usize>(q * length);
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  for (let i = 0; i < length; i += 4) {
    const va = v128.load(a + 4 * <usize>i);
    const vb = v128.load(b + 4 * <usize>i);
    s01 = f64x2.add(s01, f64x2.mul(f64x2.promote_low_f32x4(va), f64x2.promote_low_f32x4(vb)));
    s23 = f64x2.add(s23, f64x2.mul(upperPair(va), upperPair(vb)));
  }
  store<f64>(out, f64x2.extract_lane(s01, 0) + f64x2.extract_lane(s01, 1) + (f64x2.extract_lane(s23, 0) + f64x2.extract_lane(s23, 1)));
}

/**
 * For rows 0 ≤ i < `count` of the block (`total` rows gathered), the cosines with rows i + 1 … i + window (those
 * below `total`): of the layouts into SCORE_LAYOUT_COSINES when `layouts`, and of the spectra into
 * SCORE_SPECTRUM_COSINES, at [i][place − 1] (MAX_WINDOW places per row).
 */
export function scoreRows(count: i32, total: i32, window: i32, layouts: bool): void {
  for (let i = 0; i < count; i++) {
    const last = min(total - 1, i + window);
    const outLayout = SCORE_LAYOUT_COSINES + 8 * <usize>(i * MAX_WINDOW);
    const outSpectrum = SCORE_SPECTRUM_COSINES + 8 * <usize>(i * MAX_WINDOW);
    let j = i + 1;
    for (; j + 1 <= last; j += 2) {
      if (layouts) twoCosines(SCORE_LAYOUTS, LAYOUT_LENGTH, i, j, j + 1, outLayout + 8 * <usize>(j - i - 1));
      twoCosines(SCORE_SPECTRA, SPECTRUM_LENGTH, i, j, j + 1, outSpectrum + 8 * <usize>(j - i - 1));
    }
    if (j <= last) {
      if (layouts) oneCosine(SCORE_LAYOUTS, LAYOUT_LENGTH, i, j, outLayout + 8 * <usize>(j - i - 1));
      oneCosine(SCORE_SPECTRA, SPECTRUM_LENGTH, i, j, outSpectrum + 8 * <usize>(j - i - 1));
    }
  }
}
