// The per-image signatures' inner loops (see src/engine/image/imageSignatures.ts for what each one
// computes): the layout's tent-weighted cells, the low-frequency DFT magnitudes, and random-hyperplane
// hashes. Every sum adds its terms one by one in the order of the plain sequential computation; SIMD lanes
// hold independent sums (neighbouring columns, frequencies or hyperplanes), so the results are that
// computation's bits (test/unit/image/imageSignatures.test.ts checks them against plain references on real
// digits and textures).
//
// Memory (memory.ts): the thumbnail at THUMB; tables written once by TypeScript (weights, DFT factors,
// hyperplanes two by two); outputs at LAYOUT_RAW, SPECTRUM_RAW and HASHES.
import {
  DFT_COLUMN_COS, DFT_COLUMN_SIN, DFT_ROW_COS, DFT_ROW_SIN, HASHES, LAYOUT_CELLS, LAYOUT_LENGTH, LAYOUT_PLANES, LAYOUT_RAW, LAYOUT_ROWS,
  LAYOUT_WEIGHTS, LAYOUT_WEIGHTS_T, ROW_IM, ROW_RE, SIDE, SIMHASH_PLANES, SPECTRUM_BAND, SPECTRUM_PLANES, SPECTRUM_RAW, THUMB, THUMB_F64, PIXELS, MAGNITUDES, U_LANES, V_LANES, VECTOR, VECTOR_SPLAT,
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
 * (x ascending), into LAYOUT_RAW. Lanes: two columns x in the first sum, two cells cx in the second; eight columns,
 * or all eight cells, are summed at once.
 */
export function layoutCells(): void {
  // The thumbnail as f64, two pixels per lane pair.
  for (let i = 0; i < PIXELS; i += 2) v128.store(THUMB_F64 + 8 * <usize>i, f64x2(<f64>load<u8>(THUMB + <usize>i), <f64>load<u8>(THUMB + <usize>i, 1)));
  for (let cy = 0; cy < LAYOUT_CELLS; cy++) {
    const row = LAYOUT_ROWS + 8 * <usize>(cy * SIDE);
    for (let x = 0; x < SIDE; x += 8) {
      let r0 = f64x2.splat(0);
      let r1 = f64x2.splat(0);
      let r2 = f64x2.splat(0);
      let r3 = f64x2.splat(0);
      for (let y = 0; y < SIDE; y++) {
        const w = load<f64>(LAYOUT_WEIGHTS + 8 * <usize>(cy * SIDE + y));
        if (w == 0) continue;
        const weight = f64x2.splat(w);
        const pixels = THUMB_F64 + 8 * <usize>(y * SIDE + x);
        r0 = f64x2.add(r0, f64x2.mul(weight, v128.load(pixels)));
        r1 = f64x2.add(r1, f64x2.mul(weight, v128.load(pixels, 16)));
        r2 = f64x2.add(r2, f64x2.mul(weight, v128.load(pixels, 32)));
        r3 = f64x2.add(r3, f64x2.mul(weight, v128.load(pixels, 48)));
      }
      const at = row + 8 * <usize>x;
      v128.store(at, r0);
      v128.store(at, r1, 16);
      v128.store(at, r2, 32);
      v128.store(at, r3, 48);
    }
    let c0 = f64x2.splat(0);
    let c1 = f64x2.splat(0);
    let c2 = f64x2.splat(0);
    let c3 = f64x2.splat(0);
    for (let x = 0; x < SIDE; x++) {
      const weights = LAYOUT_WEIGHTS_T + 8 * <usize>(x * LAYOUT_CELLS);
      const value = f64x2.splat(load<f64>(row + 8 * <usize>x));
      c0 = f64x2.add(c0, f64x2.mul(v128.load(weights), value));
      c1 = f64x2.add(c1, f64x2.mul(v128.load(weights, 16), value));
      c2 = f64x2.add(c2, f64x2.mul(v128.load(weights, 32), value));
      c3 = f64x2.add(c3, f64x2.mul(v128.load(weights, 48), value));
    }
    const out = LAYOUT_RAW + 8 * <usize>(cy * LAYOUT_CELLS);
    v128.store(out, c0);
    v128.store(out, c1, 16);
    v128.store(out, c2, 32);
    v128.store(out, c3, 48);
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
    // The frequencies v of this u, in the vector's order: 1…4 for u = 0 (the mean and the conjugate half left out),
    // else −4…4; two per lane pair, all pairs summed at once (for u = 0 the last three pairs are not used).
    const first = u == 0 ? 1 : -SPECTRUM_BAND;
    const lane = 8 * <usize>(first + SPECTRUM_BAND);
    let re0 = f64x2.splat(0);
    let re1 = f64x2.splat(0);
    let re2 = f64x2.splat(0);
    let re3 = f64x2.splat(0);
    let re4 = f64x2.splat(0);
    let im0 = f64x2.splat(0);
    let im1 = f64x2.splat(0);
    let im2 = f64x2.splat(0);
    let im3 = f64x2.splat(0);
    let im4 = f64x2.splat(0);
    for (let y = 0; y < SIDE; y++) {
      const a = f64x2.splat(load<f64>(ROW_RE + 8 * <usize>(y * U_LANES + u)));
      const b = f64x2.splat(load<f64>(ROW_IM + 8 * <usize>(y * U_LANES + u)));
      const c = DFT_COLUMN_COS + 8 * <usize>(y * V_LANES) + lane;
      const s = DFT_COLUMN_SIN + 8 * <usize>(y * V_LANES) + lane;
      let cv = v128.load(c);
      let sv = v128.load(s);
      re0 = f64x2.add(re0, f64x2.add(f64x2.mul(a, cv), f64x2.mul(b, sv)));
      im0 = f64x2.add(im0, f64x2.sub(f64x2.mul(b, cv), f64x2.mul(a, sv)));
      cv = v128.load(c, 16);
      sv = v128.load(s, 16);
      re1 = f64x2.add(re1, f64x2.add(f64x2.mul(a, cv), f64x2.mul(b, sv)));
      im1 = f64x2.add(im1, f64x2.sub(f64x2.mul(b, cv), f64x2.mul(a, sv)));
      cv = v128.load(c, 32);
      sv = v128.load(s, 32);
      re2 = f64x2.add(re2, f64x2.add(f64x2.mul(a, cv), f64x2.mul(b, sv)));
      im2 = f64x2.add(im2, f64x2.sub(f64x2.mul(b, cv), f64x2.mul(a, sv)));
      cv = v128.load(c, 48);
      sv = v128.load(s, 48);
      re3 = f64x2.add(re3, f64x2.add(f64x2.mul(a, cv), f64x2.mul(b, sv)));
      im3 = f64x2.add(im3, f64x2.sub(f64x2.mul(b, cv), f64x2.mul(a, sv)));
      cv = v128.load(c, 64);
      sv = v128.load(s, 64);
      re4 = f64x2.add(re4, f64x2.add(f64x2.mul(a, cv), f64x2.mul(b, sv)));
      im4 = f64x2.add(im4, f64x2.sub(f64x2.mul(b, cv), f64x2.mul(a, sv)));
    }
    // |·| of each frequency, in order, as many as this u has (4 or 9).
    const frequencies = SPECTRUM_BAND - first + 1;
    v128.store(MAGNITUDES, magnitudes(re0, im0));
    v128.store(MAGNITUDES, magnitudes(re1, im1), 16);
    v128.store(MAGNITUDES, magnitudes(re2, im2), 32);
    v128.store(MAGNITUDES, magnitudes(re3, im3), 48);
    v128.store(MAGNITUDES, magnitudes(re4, im4), 64);
    for (let k = 0; k < frequencies; k++) store<f64>(SPECTRUM_RAW + 8 * <usize>(count + k), load<f64>(MAGNITUDES + 8 * <usize>k));
    count += frequencies;
  }
}

/** √(re² + im²) in each lane. */
@inline
function magnitudes(re: v128, im: v128): v128 {
  return f64x2.sqrt(f64x2.add(f64x2.mul(re, re), f64x2.mul(im, im)));
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
