// The per-image signatures' inner loops (see src/engine/image/imageSignatures.ts for what each one
// computes): the layout's tent-weighted cells, the low-frequency DFT magnitudes, and random-hyperplane
// hashes. Every sum adds its terms one by one in the TypeScript definition's order; SIMD lanes hold
// independent sums (neighbouring columns, frequencies or hyperplanes), so the results are the same bits
// as the plain definitions (test/unit/image/imageSignatures.test.ts checks that on real images).
//
// Memory (memory.ts): the thumbnail at THUMB; tables written once by TypeScript (weights, DFT factors,
// hyperplanes two by two); outputs at LAYOUT_RAW, SPECTRUM_RAW and HASHES.
import {
  DFT_COLUMN_COS, DFT_COLUMN_SIN, DFT_ROW_COS, DFT_ROW_SIN, HASHES, LAYOUT_CELLS, LAYOUT_LENGTH, LAYOUT_PLANES, LAYOUT_RAW, LAYOUT_ROWS,
  LAYOUT_WEIGHTS, LAYOUT_WEIGHTS_T, ROW_IM, ROW_RE, SIDE, SIMHASH_PLANES, SPECTRUM_BAND, SPECTRUM_PLANES, SPECTRUM_RAW, THUMB, U_LANES, V_LANES, VECTOR, VECTOR_SPLAT,
} from './memory';

export function thumbnailInput(): usize {
  return THUMB;
}
export function layoutOutput(): usize {
  return LAYOUT_RAW;
}
export function spectrumOutput(): usize {
  return SPECTRUM_RAW;
}
export function vectorInput(): usize {
  return VECTOR;
}
export function hashesOutput(): usize {
  return HASHES;
}
/** Where TypeScript writes each table (by number, in memory.ts's order). */
export function table(which: i32): usize {
  switch (which) {
    case 0:
      return LAYOUT_WEIGHTS;
    case 1:
      return LAYOUT_WEIGHTS_T;
    case 2:
      return DFT_ROW_COS;
    case 3:
      return DFT_ROW_SIN;
    case 4:
      return DFT_COLUMN_COS;
    case 5:
      return DFT_COLUMN_SIN;
    case 6:
      return LAYOUT_PLANES;
    case 7:
      return SPECTRUM_PLANES;
    default:
      return SIMHASH_PLANES;
  }
}

/**
 * The 8×8 tent-weighted layout cells of the thumbnail at THUMB, before centring and scaling (layoutVector):
 * rows[cy][x] = Σ_y w[cy][y]·t(x, y) (y ascending, zero weights skipped), then cell (cx, cy) = Σ_x w[cx][x]·rows[cy][x]
 * (x ascending), into LAYOUT_RAW. Lanes: two columns x in the first sum, two cells cx in the second.
 */
export function layoutCells(): void {
  for (let cy = 0; cy < LAYOUT_CELLS; cy++) {
    const row = LAYOUT_ROWS + 8 * <usize>(cy * SIDE);
    for (let x = 0; x < SIDE; x += 2) v128.store(row + 8 * <usize>x, f64x2.splat(0));
    for (let y = 0; y < SIDE; y++) {
      const w = load<f64>(LAYOUT_WEIGHTS + 8 * <usize>(cy * SIDE + y));
      if (w == 0) continue;
      const weight = f64x2.splat(w);
      const pixels = THUMB + <usize>(y * SIDE);
      for (let x = 0; x < SIDE; x += 2) {
        const at = row + 8 * <usize>x;
        const t = f64x2(<f64>load<u8>(pixels + <usize>x), <f64>load<u8>(pixels + <usize>x, 1));
        v128.store(at, f64x2.add(v128.load(at), f64x2.mul(weight, t)));
      }
    }
  }
  for (let cy = 0; cy < LAYOUT_CELLS; cy++) {
    const row = LAYOUT_ROWS + 8 * <usize>(cy * SIDE);
    for (let cx = 0; cx < LAYOUT_CELLS; cx += 2) {
      let v = f64x2.splat(0);
      for (let x = 0; x < SIDE; x++) {
        const weights = v128.load(LAYOUT_WEIGHTS_T + 8 * <usize>(x * LAYOUT_CELLS + cx));
        v = f64x2.add(v, f64x2.mul(weights, f64x2.splat(load<f64>(row + 8 * <usize>x))));
      }
      v128.store(LAYOUT_RAW + 8 * <usize>(cy * LAYOUT_CELLS + cx), v);
    }
  }
}

/**
 * The low-frequency DFT magnitudes of the thumbnail at THUMB, before scaling (spectrumVector), into SPECTRUM_RAW:
 * row transforms Σ_x t(x, y)·e^{−2πiux/32} (x ascending; lanes: two frequencies u), then for each (u, v) in the
 * vector's order Σ_y (a + ib)(c − i·s) (y ascending; lanes: two frequencies v), and |·|.
 */
export function spectrumMagnitudes(): void {
  for (let y = 0; y < SIDE; y++) {
    const pixels = THUMB + <usize>(y * SIDE);
    let re0 = f64x2.splat(0);
    let re1 = f64x2.splat(0);
    let re2 = f64x2.splat(0);
    let im0 = f64x2.splat(0);
    let im1 = f64x2.splat(0);
    let im2 = f64x2.splat(0);
    for (let x = 0; x < SIDE; x++) {
      const v = f64x2.splat(<f64>load<u8>(pixels + <usize>x));
      const c = DFT_ROW_COS + 8 * <usize>(x * U_LANES);
      const s = DFT_ROW_SIN + 8 * <usize>(x * U_LANES);
      re0 = f64x2.add(re0, f64x2.mul(v, v128.load(c)));
      re1 = f64x2.add(re1, f64x2.mul(v, v128.load(c, 16)));
      re2 = f64x2.add(re2, f64x2.mul(v, v128.load(c, 32)));
      im0 = f64x2.sub(im0, f64x2.mul(v, v128.load(s)));
      im1 = f64x2.sub(im1, f64x2.mul(v, v128.load(s, 16)));
      im2 = f64x2.sub(im2, f64x2.mul(v, v128.load(s, 32)));
    }
    // [y][u] (U_LANES per row).
    const at = 8 * <usize>(y * U_LANES);
    v128.store(ROW_RE + at, re0);
    v128.store(ROW_RE + at, re1, 16);
    v128.store(ROW_RE + at, re2, 32);
    v128.store(ROW_IM + at, im0);
    v128.store(ROW_IM + at, im1, 16);
    v128.store(ROW_IM + at, im2, 32);
  }
  let count = 0;
  for (let u = 0; u <= SPECTRUM_BAND; u++) {
    // The frequencies v of this u, in the vector's order: 1…4 for u = 0 (the mean and the conjugate half left out), else −4…4.
    const first = u == 0 ? 1 : -SPECTRUM_BAND;
    for (let v = first; v <= SPECTRUM_BAND; v += 2) {
      let re = f64x2.splat(0);
      let im = f64x2.splat(0);
      const lane = <usize>(v + SPECTRUM_BAND);
      for (let y = 0; y < SIDE; y++) {
        const a = f64x2.splat(load<f64>(ROW_RE + 8 * <usize>(y * U_LANES + u)));
        const b = f64x2.splat(load<f64>(ROW_IM + 8 * <usize>(y * U_LANES + u)));
        const c = v128.load(DFT_COLUMN_COS + 8 * (<usize>(y * V_LANES) + lane));
        const s = v128.load(DFT_COLUMN_SIN + 8 * (<usize>(y * V_LANES) + lane));
        re = f64x2.add(re, f64x2.add(f64x2.mul(a, c), f64x2.mul(b, s)));
        im = f64x2.add(im, f64x2.sub(f64x2.mul(b, c), f64x2.mul(a, s)));
      }
      const magnitude = f64x2.sqrt(f64x2.add(f64x2.mul(re, re), f64x2.mul(im, im)));
      store<f64>(SPECTRUM_RAW + 8 * <usize>count, f64x2.extract_lane(magnitude, 0));
      count++;
      if (v + 1 <= SPECTRUM_BAND) {
        store<f64>(SPECTRUM_RAW + 8 * <usize>count, f64x2.extract_lane(magnitude, 1));
        count++;
      }
    }
  }
}

/**
 * `words` 32-bit random-hyperplane hashes of the `length` f32 coordinates at VECTOR, into HASHES: bit k of word h
 * set when Σ_i plane[32h + k][i]·vector[i] (i ascending) is positive, the first plane in the highest bit. `planes`
 * holds the planes two by two (coordinate i of planes 2m and 2m + 1 side by side), so a lane is one plane; four
 * pairs are summed at once (independent sums, so they need not wait for one another).
 */
export function projectionHashes(planes: usize, length: i32, words: i32): void {
  for (let i = 0; i < length; i++) v128.store(VECTOR_SPLAT + 16 * <usize>i, f64x2.splat(<f64>load<f32>(VECTOR + 4 * <usize>i)));
  const stride = 16 * <usize>length;
  for (let h = 0; h < words; h++) {
    let hash: u32 = 0;
    for (let m = 0; m < 16; m += 4) {
      const first = planes + stride * <usize>(h * 16 + m);
      let dot0 = f64x2.splat(0);
      let dot1 = f64x2.splat(0);
      let dot2 = f64x2.splat(0);
      let dot3 = f64x2.splat(0);
      for (let i = 0; i < length; i++) {
        const at = first + 16 * <usize>i;
        const v = v128.load(VECTOR_SPLAT + 16 * <usize>i);
        dot0 = f64x2.add(dot0, f64x2.mul(v128.load(at), v));
        dot1 = f64x2.add(dot1, f64x2.mul(v128.load(at + stride), v));
        dot2 = f64x2.add(dot2, f64x2.mul(v128.load(at + 2 * stride), v));
        dot3 = f64x2.add(dot3, f64x2.mul(v128.load(at + 3 * stride), v));
      }
      hash = (hash << 2) | (f64x2.extract_lane(dot0, 0) > 0 ? 2 : 0) | (f64x2.extract_lane(dot0, 1) > 0 ? 1 : 0);
      hash = (hash << 2) | (f64x2.extract_lane(dot1, 0) > 0 ? 2 : 0) | (f64x2.extract_lane(dot1, 1) > 0 ? 1 : 0);
      hash = (hash << 2) | (f64x2.extract_lane(dot2, 0) > 0 ? 2 : 0) | (f64x2.extract_lane(dot2, 1) > 0 ? 1 : 0);
      hash = (hash << 2) | (f64x2.extract_lane(dot3, 0) > 0 ? 2 : 0) | (f64x2.extract_lane(dot3, 1) > 0 ? 1 : 0);
    }
    store<u32>(HASHES + 4 * <usize>h, hash);
  }
}
