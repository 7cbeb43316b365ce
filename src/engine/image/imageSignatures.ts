// What the near-duplicate search knows of one thumbnail before comparing it with any other (see
// signatureSimilarity.ts for the comparison):
// - layoutVector: a coarse 8×8 tent-weighted layout, mean-centred and unit-length; its dot product
//   is a cheap, shift-tolerant similarity used to rank candidate pairs.
// - spectrumVector: the low-frequency amplitude spectrum, which a shift does not change.
// - simHash, layoutHashes, spectrumHashes: random-hyperplane hashes of those vectors (Charikar 2002),
//   whose Hamming distances estimate the angles between them, for radius searches and sorted orders.
import { kernels, SignatureTable, type Kernels } from '../kernels/wasmKernels';
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
  // rows[cy][x] = Σ_y w[cy][y]·t(x, y), then layout[cy][cx] = Σ_x w[cx][x]·rows[cy][x] (the kernel layoutCells).
  const layout = signatureKernels().layoutCells(thumbnail);
  let mean = 0;
  for (let i = 0; i < LAYOUT_LENGTH; i++) mean += layout[i];
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
  // Row transforms Σ_x t(x, y)·e^{−2πiux/SIDE} for u = 0…4, then for each (u, v) Σ_y row(u, y)·e^{−2πivy/SIDE}
  // and its magnitude (the kernel spectrumMagnitudes; e^{−2πi·v·y/SIDE} for v < 0 is the conjugate of that for −v).
  const features = signatureKernels().spectrumMagnitudes(thumbnail);
  let energy = 0;
  for (let i = 0; i < SPECTRUM_LENGTH; i++) energy += features[i] * features[i];
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
  const [high, low] = signatureKernels().projectionHashes(SignatureTable.SimHashPlanes, vector, 2);
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

/** SPECTRUM_HASHES independent 32-bit SimHashes of a spectrum vector. */
export function spectrumHashes(spectrum: Float32Array): Uint32Array {
  return signatureKernels().projectionHashes(SignatureTable.SpectrumPlanes, spectrum, SPECTRUM_HASHES).slice();
}

/** LAYOUT_HASHES independent 32-bit SimHashes of a layout vector. */
export function layoutHashes(layout: Float32Array): Uint32Array {
  return signatureKernels().projectionHashes(SignatureTable.LayoutPlanes, layout, LAYOUT_HASHES).slice();
}

/**
 * Planes two by two, as the kernel projectionHashes reads them: coordinate i of planes 2m and 2m + 1 side by side
 * (each plane a row of `length` coordinates in `planes`).
 */
function planesInPairs(planes: Float64Array, length: number): Float64Array {
  const out = new Float64Array(planes.length);
  for (let m = 0; m < planes.length / (2 * length); m++) {
    for (let i = 0; i < length; i++) {
      out[2 * (m * length + i)] = planes[2 * m * length + i];
      out[2 * (m * length + i) + 1] = planes[(2 * m + 1) * length + i];
    }
  }
  return out;
}

/** Lanes of the kernel's first DFT stage (u = 0…SPECTRUM_BAND, padded to an even count) and second (v = −SPECTRUM_BAND…SPECTRUM_BAND, padded). */
const U_LANES = 6;
const V_LANES = 10;

let kernelsWithTables: Kernels | undefined;

/** This thread's kernels, with the signature tables written (once). */
function signatureKernels(): Kernels {
  if (kernelsWithTables) return kernelsWithTables;
  const k = kernels();
  const transposed = new Float64Array(SIDE * LAYOUT_CELLS);
  for (let cell = 0; cell < LAYOUT_CELLS; cell++) for (let x = 0; x < SIDE; x++) transposed[x * LAYOUT_CELLS + cell] = LAYOUT_WEIGHTS[cell * SIDE + x];
  const rowCos = new Float64Array(SIDE * U_LANES);
  const rowSin = new Float64Array(SIDE * U_LANES);
  for (let x = 0; x < SIDE; x++) {
    for (let u = 0; u <= SPECTRUM_BAND; u++) {
      rowCos[x * U_LANES + u] = DFT_COS[u * SIDE + x];
      rowSin[x * U_LANES + u] = DFT_SIN[u * SIDE + x];
    }
  }
  const columnCos = new Float64Array(SIDE * V_LANES);
  const columnSin = new Float64Array(SIDE * V_LANES);
  for (let y = 0; y < SIDE; y++) {
    for (let v = -SPECTRUM_BAND; v <= SPECTRUM_BAND; v++) {
      columnCos[y * V_LANES + v + SPECTRUM_BAND] = DFT_COS[Math.abs(v) * SIDE + y];
      columnSin[y * V_LANES + v + SPECTRUM_BAND] = (v < 0 ? -1 : 1) * DFT_SIN[Math.abs(v) * SIDE + y];
    }
  }
  k.writeTable(SignatureTable.LayoutWeights, LAYOUT_WEIGHTS);
  k.writeTable(SignatureTable.LayoutWeightsTransposed, transposed);
  k.writeTable(SignatureTable.RowCos, rowCos);
  k.writeTable(SignatureTable.RowSin, rowSin);
  k.writeTable(SignatureTable.ColumnCos, columnCos);
  k.writeTable(SignatureTable.ColumnSin, columnSin);
  k.writeTable(SignatureTable.LayoutPlanes, planesInPairs(LAYOUT_PLANES, LAYOUT_LENGTH));
  k.writeTable(SignatureTable.SpectrumPlanes, planesInPairs(SPECTRUM_PLANES, SPECTRUM_LENGTH));
  k.writeTable(SignatureTable.SimHashPlanes, planesInPairs(HYPERPLANES, LAYOUT_LENGTH));
  return (kernelsWithTables = k);
}

/** The hyperplanes of the three hashes, one plane per row (what a reference implementation needs to check them). */
export function hashPlanes(): { simHash: Float64Array; layout: Float64Array; spectrum: Float64Array } {
  return { simHash: HYPERPLANES.slice(), layout: LAYOUT_PLANES.slice(), spectrum: SPECTRUM_PLANES.slice() };
}
