// The near-duplicate search's inner loops as WebAssembly with 128-bit SIMD (source: wasm/*.ts, compiled
// into kernelsWasm.ts by scripts/build-kernels.mjs). Each thread instantiates the module once, on first use,
// synchronously. A comparison loads two prepared thumbnails into the module's memory (loadPair), then runs
// any number of kernels on them; a signature loads one thumbnail (or vector) and reads what it computed.
import { KERNELS_WASM_BASE64 } from './kernelsWasm';

/** What wasm/kernels.ts exports. */
interface KernelExports {
  memory: WebAssembly.Memory;
  slotA(): number;
  slotB(): number;
  ranked(): number;
  zoomed(): number;
  rankShifts(): void;
  zoomAround(scale: number, centreDx: number, centreDy: number): void;
  zoomRowsOfB(): void;
  alignment(): number;
  firstLook(threshold: number): number;
  verifyRest(threshold: number): void;
  alignedCorrelation(part: number, dx: number, dy: number, scale: number, step: number, useBackground: number, backgroundA: number, backgroundB: number): number;
  thumbnailInput(): number;
  layoutOutput(): number;
  spectrumOutput(): number;
  vectorInput(): number;
  hashesOutput(): number;
  table(which: number): number;
  layoutCells(): void;
  spectrumMagnitudes(): void;
  projectionHashes(planes: number, length: number, words: number): void;
  MEMORY_END: WebAssembly.Global;
  prepare(): void;
  prepareInput(): number;
  prepareOutput(): number;
  smooth(from: number, to: number): void;
  phaseGrids(from: number, cells: number, sums: number): void;
  scoreLayouts(): number;
  scoreSpectra(): number;
  scoreLayoutCosines(): number;
  scoreSpectrumCosines(): number;
  scoreBlock(): number;
  maxWindow(): number;
  scoreRows(count: number, total: number, window: number, layouts: number): void;
}

/** The proposal scoring's block: rows gathered in sorted order in, cosines with the next rows out (all views). */
export interface ScoringBlock {
  /** Rows a block scores, and the most places after a row it reaches. */
  readonly rows: number;
  readonly maxWindow: number;
  /** (rows + maxWindow) × 64 layout and × 40 spectrum coordinates, row by row. */
  readonly layouts: Float32Array;
  readonly spectra: Float32Array;
  /** rows × maxWindow cosines: row i with row i + place at i·maxWindow + place − 1. */
  readonly layoutCosines: Float64Array;
  readonly spectrumCosines: Float64Array;
  /** Cosines of rows [0, count) with the rows up to `window` places after (below `total`); layouts too when `layouts`. */
  score(count: number, total: number, window: number, layouts: boolean): void;
}

/** The signature kernels' tables, by number (wasm/signatures.ts, `table`). */
export enum SignatureTable {
  LayoutWeights = 0,
  LayoutWeightsTransposed = 1,
  RowCos = 2,
  RowSin = 3,
  ColumnCos = 4,
  ColumnSin = 5,
  LayoutPlanes = 6,
  SpectrumPlanes = 7,
  SimHashPlanes = 8,
}

/** Where the parts of a prepared thumbnail start, in bytes (the layout of PreparedThumbnail.bytes). */
export const FINE_OFFSET = 0;
export const COARSE_OFFSET = 1024;
export const CELLS_OFFSET = 2048;
export const SUMS_OFFSET = 3072;
/** Bytes of a prepared thumbnail: fine, coarse and phase-grid cells (1,024 bytes each), phase sums (224 i32), background (i32). */
export const PREPARED_BYTES = 4096;

export interface Kernels {
  /**
   * Gives the kernels two prepared thumbnails (PREPARED_BYTES each): each part is copied into memory when a kernel
   * first needs it, and not again while the same arrays stay loaded (they must not change meanwhile).
   */
  loadPair(a: Uint8Array, b: Uint8Array): void;
  /** Copies `bytes` to offset `at` of a's (side 0) or b's (side 1) place, as a test or a one-off comparison needs. */
  loadPart(side: 0 | 1, at: number, bytes: Uint8Array | Int32Array): void;
  /** The whole comparison of the loaded pair (thumbnailCorrelation): correlation, dx, dy, scale. */
  verify(threshold: number): { correlation: number; dx: number; dy: number; scale: number };
  /** rankShifts on the loaded pair; the 49 correlations, by shift (a view, overwritten by the next call). */
  rankShifts(): Float64Array;
  /** zoomAround on the loaded pair's coarse thumbnails: nine correlations (a view), −3 where a shift is beyond ±3. */
  zoomAround(scale: number, centreDx: number, centreDy: number): Float64Array;
  /** alignedCorrelation of the loaded pair's thumbnails at `part` (FINE_OFFSET or COARSE_OFFSET). */
  correlation(part: number, dx: number, dy: number, scale: number, step: number, background?: { a: number; b: number }): number;
  /** Prepares a 32×32 thumbnail into `out` (PREPARED_BYTES, the layout above). */
  prepare(thumbnail: Uint8Array, out: Uint8Array): void;
  /** The 3×3 binomial smoothing of a 32×32 thumbnail (a new array). */
  smooth(thumbnail: Uint8Array): Uint8Array;
  /** The phase grids of a 32×32 thumbnail: cells (1,024 bytes) and sums (224 i32), new arrays. */
  phaseGrids(thumbnail: Uint8Array): { cells: Uint8Array; sums: Int32Array };
  /** The proposal scoring's block (its views and kernel). */
  readonly scoring: ScoringBlock;
  /** Writes a signature table (once per thread, before the signature kernels run). */
  writeTable(which: SignatureTable, values: Float64Array): void;
  /** The 64 layout cells of a 32×32 thumbnail before centring and scaling (a view, overwritten by the next call). */
  layoutCells(thumbnail: Uint8Array): Float64Array;
  /** The 40 low-frequency DFT magnitudes of a 32×32 thumbnail before scaling (a view). */
  spectrumMagnitudes(thumbnail: Uint8Array): Float64Array;
  /** `words` 32-bit hashes of `vector` on the hyperplanes of table `planes` (a view). */
  projectionHashes(planes: SignatureTable, vector: Float32Array, words: number): Uint32Array;
}

let instance: Kernels | undefined;

/** This thread's kernels (instantiated on first call). */
export function kernels(): Kernels {
  return (instance ??= instantiate());
}

function instantiate(): Kernels {
  const module = new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  const exports = new WebAssembly.Instance(module, {
    env: {
      abort: () => {
        throw new Error('a WebAssembly kernel aborted');
      },
    },
  }).exports as unknown as KernelExports;
  const memory = new Uint8Array(exports.memory.buffer);
  if (memory.length < (exports.MEMORY_END.value as number)) throw new Error('the WebAssembly kernels need more memory than they declare');
  const buffer = exports.memory.buffer;
  const layout = new Float64Array(buffer, exports.layoutOutput(), 64);
  const spectrum = new Float64Array(buffer, exports.spectrumOutput(), 40);
  const vectorIn = new Float32Array(buffer, exports.vectorInput(), 64);
  const hashes = new Uint32Array(buffer, exports.hashesOutput(), 8);
  const rows = exports.scoreBlock();
  const maxWindow = exports.maxWindow();
  const scoring: ScoringBlock = {
    rows,
    maxWindow,
    layouts: new Float32Array(buffer, exports.scoreLayouts(), (rows + maxWindow) * 64),
    spectra: new Float32Array(buffer, exports.scoreSpectra(), (rows + maxWindow) * 40),
    layoutCosines: new Float64Array(buffer, exports.scoreLayoutCosines(), rows * maxWindow),
    spectrumCosines: new Float64Array(buffer, exports.scoreSpectrumCosines(), rows * maxWindow),
    score: (count, total, window, layouts) => exports.scoreRows(count, total, window, layouts ? 1 : 0),
  };
  const alignment = new Float64Array(buffer, exports.alignment(), 4);
  const prepareIn = exports.prepareInput();
  const prepareOut = exports.prepareOutput();
  const slots = [exports.slotA(), exports.slotB()];
  const ranked = new Float64Array(exports.memory.buffer, exports.ranked(), 49);
  const zoomed = new Float64Array(exports.memory.buffer, exports.zoomed(), 9);
  // The pair given to loadPair, and what of each side is in memory: the phase grids and sums of `gridsOf` (all
  // the first look reads: most pairs stop there), and also the rest of the prepared form when `whole`.
  const given: Array<Uint8Array | undefined> = [undefined, undefined];
  const gridsOf: Array<Uint8Array | undefined> = [undefined, undefined];
  const whole = [false, false];
  // Whether the zoom search's copy of b by column (zoomRowsOfB) is of the b in memory.
  let columnsOfB = false;
  const needGrids = (): void => {
    for (const side of [0, 1]) {
      const bytes = given[side];
      if (!bytes || gridsOf[side] === bytes) continue;
      memory.set(bytes.subarray(CELLS_OFFSET), slots[side] + CELLS_OFFSET);
      gridsOf[side] = bytes;
      whole[side] = false;
    }
  };
  const needWhole = (): void => {
    for (const side of [0, 1]) {
      const bytes = given[side];
      if (!bytes || (gridsOf[side] === bytes && whole[side])) continue;
      if (gridsOf[side] === bytes) memory.set(bytes.subarray(0, CELLS_OFFSET), slots[side]);
      else memory.set(bytes, slots[side]);
      if (side === 1) columnsOfB = false;
      gridsOf[side] = bytes;
      whole[side] = true;
    }
  };
  return {
    scoring,
    loadPair(a, b) {
      given[0] = a;
      given[1] = b;
    },
    loadPart(side, at, bytes) {
      given[side] = gridsOf[side] = undefined;
      whole[side] = false;
      if (side === 1) columnsOfB = false;
      memory.set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), slots[side] + at);
    },
    verify(threshold) {
      needGrids();
      if (exports.firstLook(threshold)) {
        needWhole();
        exports.verifyRest(threshold);
        // The kernel's copy of b by row is now of this b.
        columnsOfB = true;
      }
      return { correlation: alignment[0], dx: alignment[1], dy: alignment[2], scale: alignment[3] };
    },
    rankShifts() {
      needGrids();
      exports.rankShifts();
      return ranked;
    },
    zoomAround(scale, centreDx, centreDy) {
      needWhole();
      if (!columnsOfB) exports.zoomRowsOfB();
      columnsOfB = true;
      exports.zoomAround(scale, centreDx, centreDy);
      return zoomed;
    },
    correlation(part, dx, dy, scale, step, background) {
      needWhole();
      return exports.alignedCorrelation(part, dx, dy, scale, step, background ? 1 : 0, background?.a ?? 0, background?.b ?? 0);
    },
    prepare(thumbnail, out) {
      memory.set(thumbnail, prepareIn);
      exports.prepare();
      out.set(memory.subarray(prepareOut, prepareOut + PREPARED_BYTES));
    },
    smooth(thumbnail) {
      memory.set(thumbnail, prepareIn);
      exports.smooth(prepareIn, prepareOut);
      return memory.slice(prepareOut, prepareOut + thumbnail.length);
    },
    phaseGrids(thumbnail) {
      memory.set(thumbnail, prepareIn);
      exports.phaseGrids(prepareIn, prepareOut + CELLS_OFFSET, prepareOut + SUMS_OFFSET);
      return { cells: memory.slice(prepareOut + CELLS_OFFSET, prepareOut + SUMS_OFFSET), sums: new Int32Array(buffer.slice(prepareOut + SUMS_OFFSET, prepareOut + SUMS_OFFSET + 4 * 224)) };
    },
    writeTable(which, values) {
      new Float64Array(buffer, exports.table(which), values.length).set(values);
    },
    layoutCells(thumbnail) {
      memory.set(thumbnail, exports.thumbnailInput());
      exports.layoutCells();
      return layout;
    },
    spectrumMagnitudes(thumbnail) {
      memory.set(thumbnail, exports.thumbnailInput());
      exports.spectrumMagnitudes();
      return spectrum;
    },
    projectionHashes(planes, vector, words) {
      vectorIn.set(vector);
      exports.projectionHashes(exports.table(planes), vector.length, words);
      return hashes.subarray(0, words);
    },
  };
}
