// What the near-duplicate search knows of one thumbnail before comparing it with any other (see
// signatureSimilarity.ts for the comparison):
// - layoutVector: a coarse 8×8 tent-weighted layout, mean-centred and unit-length; its dot product
//   is a cheap, shift-tolerant similarity used to rank candidate pairs.
// - spectrumVector: the low-frequency amplitude spectrum, which a shift does not change.
// - simHash, layoutHashes, spectrumHashes: random-hyperplane hashes of those vectors (Charikar 2002),
//   whose Hamming distances estimate the angles between them, for radius searches and sorted orders.
import { mulberry32 } from '../metrics/seededRandom';
import { THUMBNAIL_SIDE } from './thumbnail';

const SIDE = THUMBNAIL_SIDE;
/** The layout grid: LAYOUT_CELLS × LAYOUT_CELLS tent-weighted cells. */
export const LAYOUT_CELLS = 8;
export const LAYOUT_LENGTH = LAYOUT_CELLS * LAYOUT_CELLS;
/** Half-width, in thumbnail pixels, of a layout cell's tent (twice the cell pitch: neighbouring cells overlap). */
const LAYOUT_RADIUS = 2 * (SIDE / LAYOUT_CELLS);

/** Tent weights of each layout cell over the thumbnail's columns (or rows), each row summing to 1. */
const LAYOUT_WEIGHTS: Float64Array = (() => {
  const weights = new Float64Array(LAYOUT_CELLS * SIDE);
  const pitch = SIDE / LAYOUT_CELLS;
  for (let cell = 0; cell < LAYOUT_CELLS; cell++) {
    const centre = cell * pitch + (pitch - 1) / 2;
    let sum = 0;
    for (let x = 0; x < SIDE; x++) {
      const w = Math.max(0, 1 - Math.abs(x - centre) / LAYOUT_RADIUS);
      weights[cell * SIDE + x] = w;
      sum += w;
    }
    for (let x = 0; x < SIDE; x++) weights[cell * SIDE + x] /= sum;
  }
  return weights;
})();

/**
 * The 8×8 tent-weighted layout of a thumbnail, minus its mean and scaled to unit length;
 * undefined when the thumbnail is flat (no layout to compare).
 */
export function layoutVector(thumbnail: Uint8Array): Float32Array | undefined {
  const rows = new Float64Array(LAYOUT_CELLS * SIDE); // cell row × thumbnail column
  for (let cy = 0; cy < LAYOUT_CELLS; cy++) {
    for (let y = 0; y < SIDE; y++) {
      const w = LAYOUT_WEIGHTS[cy * SIDE + y];
      if (w === 0) continue;
      for (let x = 0; x < SIDE; x++) rows[cy * SIDE + x] += w * thumbnail[y * SIDE + x];
    }
  }
  const layout = new Float64Array(LAYOUT_LENGTH);
  let mean = 0;
  for (let cy = 0; cy < LAYOUT_CELLS; cy++) {
    for (let cx = 0; cx < LAYOUT_CELLS; cx++) {
      let v = 0;
      for (let x = 0; x < SIDE; x++) v += LAYOUT_WEIGHTS[cx * SIDE + x] * rows[cy * SIDE + x];
      layout[cy * LAYOUT_CELLS + cx] = v;
      mean += v;
    }
  }
  mean /= LAYOUT_LENGTH;
  let norm = 0;
  for (let i = 0; i < LAYOUT_LENGTH; i++) norm += (layout[i] - mean) ** 2;
  norm = Math.sqrt(norm);
  // Below a tenth of a grey level of spread per cell there is nothing to compare.
  if (!(norm > 0.1 * Math.sqrt(LAYOUT_LENGTH))) return undefined;
  const out = new Float32Array(LAYOUT_LENGTH);
  for (let i = 0; i < LAYOUT_LENGTH; i++) out[i] = (layout[i] - mean) / norm;
  return out;
}

/** Dot product of two unit vectors (layouts or spectra): the cosine of the angle between them. */
export function unitCosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

/** Spectrum features: DFT magnitudes at horizontal frequencies 0…SPECTRUM_BAND and vertical −SPECTRUM_BAND…SPECTRUM_BAND. */
const SPECTRUM_BAND = 4;
/** Length of a spectrum vector: (u, v) with 0 ≤ u ≤ SPECTRUM_BAND, |v| ≤ SPECTRUM_BAND, less the mean and the conjugate half of u = 0. */
export const SPECTRUM_LENGTH = (SPECTRUM_BAND + 1) * (2 * SPECTRUM_BAND + 1) - (SPECTRUM_BAND + 1);
/** cos and sin of 2π·f·x/SIDE for f = 0…SPECTRUM_BAND (rows f, columns x). */
const DFT_COS = Float64Array.from({ length: (SPECTRUM_BAND + 1) * SIDE }, (_, i) => Math.cos((2 * Math.PI * Math.floor(i / SIDE) * (i % SIDE)) / SIDE));
const DFT_SIN = Float64Array.from({ length: (SPECTRUM_BAND + 1) * SIDE }, (_, i) => Math.sin((2 * Math.PI * Math.floor(i / SIDE) * (i % SIDE)) / SIDE));

/**
 * The low-frequency amplitude spectrum of a thumbnail: |DFT| at the (u, v) with 0 ≤ u ≤ 4, |v| ≤ 4,
 * except the mean (and the duplicate half of u = 0), unit length. A circular shift leaves DFT
 * magnitudes unchanged, so a shifted copy keeps nearly the same spectrum while look-alikes of one
 * kind differ in it: the ranking of candidates uses it beside the layout.
 */
export function spectrumVector(thumbnail: Uint8Array): Float32Array | undefined {
  const band = SPECTRUM_BAND;
  // Row transforms: for each row y and horizontal frequency u, Σ_x t(x, y)·e^{−2πiux/SIDE}.
  const rowRe = new Float64Array((band + 1) * SIDE);
  const rowIm = new Float64Array((band + 1) * SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let u = 0; u <= band; u++) {
      let re = 0;
      let im = 0;
      for (let x = 0; x < SIDE; x++) {
        const v = thumbnail[y * SIDE + x];
        re += v * DFT_COS[u * SIDE + x];
        im -= v * DFT_SIN[u * SIDE + x];
      }
      rowRe[u * SIDE + y] = re;
      rowIm[u * SIDE + y] = im;
    }
  }
  const features = new Float64Array(SPECTRUM_LENGTH);
  let count = 0;
  let energy = 0;
  for (let u = 0; u <= band; u++) {
    for (let v = -band; v <= band; v++) {
      if (u === 0 && v <= 0) continue; // the mean, and the conjugate half of u = 0
      // e^{−2πi·v·y/SIDE} for v < 0 is the conjugate of that for −v.
      const row = Math.abs(v) * SIDE;
      const sign = v < 0 ? -1 : 1;
      let re = 0;
      let im = 0;
      for (let y = 0; y < SIDE; y++) {
        const c = DFT_COS[row + y];
        const sn = sign * DFT_SIN[row + y];
        const a = rowRe[u * SIDE + y];
        const b = rowIm[u * SIDE + y];
        // (a + ib)(c − i·sn)
        re += a * c + b * sn;
        im += b * c - a * sn;
      }
      const magnitude = Math.sqrt(re * re + im * im);
      features[count++] = magnitude;
      energy += magnitude * magnitude;
    }
  }
  const norm = Math.sqrt(energy);
  if (!(norm > 0)) return undefined;
  const out = new Float32Array(SPECTRUM_LENGTH);
  for (let i = 0; i < SPECTRUM_LENGTH; i++) out[i] = features[i] / norm;
  return out;
}

/** 64 fixed hyperplanes (seeded Gaussian directions) for simHash, one LAYOUT_LENGTH row each. */
const HYPERPLANES: Float64Array = (() => {
  // A fixed seed: every run and every machine draws the same planes.
  const uniform = mulberry32(0x9e3779b9);
  const planes = new Float64Array(64 * LAYOUT_LENGTH);
  for (let i = 0; i < planes.length; i++) {
    // Box–Muller: a standard normal from two uniforms in (0, 1].
    const u = 1 - uniform();
    const v = uniform();
    planes[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return planes;
})();

/**
 * SimHash of a vector (Charikar 2002): bit k is set when the vector lies on the positive side of
 * hyperplane k. For random planes, P(bit differs) = angle / π, so Hamming distance ≈ 64·angle/π.
 * Returned as [high, low] 32-bit halves (bit 63 = first plane).
 */
export function simHash(vector: Float32Array): [number, number] {
  let high = 0;
  let low = 0;
  for (let k = 0; k < 64; k++) {
    let dot = 0;
    const row = k * LAYOUT_LENGTH;
    for (let i = 0; i < LAYOUT_LENGTH; i++) dot += HYPERPLANES[row + i] * vector[i];
    const bit = dot > 0 ? 1 : 0;
    if (k < 32) high = ((high << 1) | bit) >>> 0;
    else low = ((low << 1) | bit) >>> 0;
  }
  return [high, low];
}

/** Independent 32-bit spectrum hashes per thumbnail, each one order for sorted-neighbour proposals. */
export const SPECTRUM_HASHES = 8;
/** `count` × 32 seeded Gaussian directions of `length` coordinates, for sorted-neighbour hashes. */
function gaussianPlanes(seed: number, count: number, length: number): Float64Array {
  const uniform = mulberry32(seed);
  const planes = new Float64Array(count * 32 * length);
  for (let i = 0; i < planes.length; i++) {
    const u = 1 - uniform();
    const v = uniform();
    planes[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return planes;
}
const SPECTRUM_PLANES = gaussianPlanes(0x85ebca6b, SPECTRUM_HASHES, SPECTRUM_LENGTH);
/** Independent 32-bit layout hashes per thumbnail, each one order for sorted-neighbour proposals. */
export const LAYOUT_HASHES = 8;
const LAYOUT_PLANES = gaussianPlanes(0xc2b2ae35, LAYOUT_HASHES, LAYOUT_LENGTH);

/**
 * `planes.length / (32 · vector.length)` independent 32-bit SimHashes of a vector (bit k of hash h set when
 * the vector lies on the positive side of plane 32·h + k; first plane in the highest bit).
 */
function projectionHashes(vector: Float32Array, planes: Float64Array): Uint32Array {
  const length = vector.length;
  const out = new Uint32Array(planes.length / (32 * length));
  for (let h = 0; h < out.length; h++) {
    let hash = 0;
    for (let k = 0; k < 32; k++) {
      const row = (32 * h + k) * length;
      let dot = 0;
      for (let i = 0; i < length; i++) dot += planes[row + i] * vector[i];
      hash = ((hash << 1) | (dot > 0 ? 1 : 0)) >>> 0;
    }
    out[h] = hash;
  }
  return out;
}

/** SPECTRUM_HASHES independent 32-bit SimHashes of a spectrum vector. */
export function spectrumHashes(spectrum: Float32Array): Uint32Array {
  return projectionHashes(spectrum, SPECTRUM_PLANES);
}

/** LAYOUT_HASHES independent 32-bit SimHashes of a layout vector. */
export function layoutHashes(layout: Float32Array): Uint32Array {
  return projectionHashes(layout, LAYOUT_PLANES);
}
