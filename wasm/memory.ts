// Where everything lives in the kernels' linear memory (fixed offsets: no allocator). The module must keep no
// static data (no array or string literals), which would lie in this memory too: scripts/build-kernels.mjs fails
// when the compiled module has a data segment.

export const SIDE: i32 = 32;
export const PIXELS: i32 = SIDE * SIDE;
export const MAX_SHIFT: i32 = 3;
export const SHIFT_SPAN: i32 = 2 * MAX_SHIFT + 1;
export const GRID: i32 = SIDE / 4;
export const PHASE_SUMS: i32 = 14;
export const MIN_OVERLAP: f64 = 0.6;
export const MIN_INFORMATIVE: f64 = 0.05;
export const CENTRE: f64 = <f64>(SIDE - 1) / 2;

/** Bytes of one prepared thumbnail, and where its parts start. */
export const PREPARED_BYTES: usize = 4 * PIXELS;
export const FINE: usize = 0;
export const COARSE: usize = PIXELS;
export const CELLS: usize = 2 * PIXELS;
export const SUMS: usize = 3 * PIXELS;

// A guard of 64 bytes before each slot: rankShifts reads one byte before a phase grid (a lane it multiplies by 0).
export const SLOT_A: usize = 64;
export const SLOT_B: usize = SLOT_A + PREPARED_BYTES + 64;
/** rankShifts' output: 49 f64 by shift, (dy + 3)·7 + dx + 3. */
export const RANKED: usize = SLOT_B + PREPARED_BYTES + 64;
/** a's phase-0 grid with each row's first cell zeroed (for shifts that drop a's first column). */
export const MASKED: usize = RANKED + 8 * <usize>(SHIFT_SPAN * SHIFT_SPAN);
/** zoomAround's output: 9 f64, row of shifts by row; −3 where the shift lies beyond ±MAX_SHIFT. */
export const ZOOMED: usize = MASKED + 64;
/** The comparison's result (correlation, dx, dy, scale: f64) and the shifts it keeps from the ranking (i32). */
export const ALIGNMENT: usize = ZOOMED + 8 * 9;
export const KEPT: usize = ALIGNMENT + 32;
/** Sampling tables: index (x | left << 8) as i32 and fraction as f64, for columns and for rows. */
export const COLUMN_INDEX: usize = KEPT + 16;
export const COLUMN_FRACTION: usize = COLUMN_INDEX + 4 * <usize>SIDE;
export const ROW_INDEX: usize = COLUMN_FRACTION + 8 * <usize>SIDE;
export const ROW_FRACTION: usize = ROW_INDEX + 4 * <usize>SIDE;
/**
 * The zoom search's tables, four lanes per entry (column shifts k = 0, 1, 2 and an unused lane), f64: b
 * interpolated along rows [row][column c][k] (32 rows), a's sampled pixels [row / 2][c][k] (every other row),
 * with zeros past each k's columns; and each k's column count.
 */
export const ZOOM_LANES: i32 = 4;
export const ZOOM_ROWS: usize = ROW_FRACTION + 8 * <usize>SIDE;
export const ZOOM_A: usize = ZOOM_ROWS + 8 * <usize>(SIDE * (SIDE / 2) * ZOOM_LANES);
export const ZOOM_COUNT: usize = ZOOM_A + 8 * <usize>((SIDE / 2) * (SIDE / 2) * ZOOM_LANES);
/** b's coarse thumbnail as f64, row by row (zoomRowsOfB), with ZOOM_B_MARGIN zero f64 before and after (shifts beyond b read there, masked). */
export const ZOOM_B_MARGIN: i32 = 16;
export const ZOOM_B: usize = ZOOM_COUNT + 64 + 8 * <usize>ZOOM_B_MARGIN;
/** Preparing a thumbnail: the thumbnail in, its prepared form out (a slot's layout), and scratch. */
export const PREPARE_IN: usize = ZOOM_B + 8 * <usize>(PIXELS + ZOOM_B_MARGIN);
export const PREPARE_OUT: usize = PREPARE_IN + <usize>PIXELS;
export const SMOOTH_ROWS: usize = PREPARE_OUT + PREPARED_BYTES;
export const HISTOGRAM: usize = SMOOTH_ROWS + 4 * <usize>PIXELS;

// The per-image signatures (signatures.ts): a thumbnail in, its layout cells and spectrum magnitudes out;
// a unit vector in, its random-hyperplane hashes out; and the tables that TypeScript writes once.
export const LAYOUT_CELLS: i32 = 8;
export const LAYOUT_LENGTH: i32 = LAYOUT_CELLS * LAYOUT_CELLS;
export const SPECTRUM_BAND: i32 = 4;
export const SPECTRUM_LENGTH: i32 = (SPECTRUM_BAND + 1) * (2 * SPECTRUM_BAND + 1) - (SPECTRUM_BAND + 1);
/** Lanes of the first DFT stage (u = 0…4, and one unused) and of the second (v = −4…4, and one unused). */
export const U_LANES: i32 = 6;
export const V_LANES: i32 = 10;
export const THUMB: usize = HISTOGRAM + 4 * 256;
/** The thumbnail as f64 (layoutCells). */
export const THUMB_F64: usize = THUMB + <usize>PIXELS;
export const LAYOUT_RAW: usize = THUMB_F64 + 8 * <usize>PIXELS;
export const SPECTRUM_RAW: usize = LAYOUT_RAW + 8 * <usize>LAYOUT_LENGTH;
export const LAYOUT_ROWS: usize = SPECTRUM_RAW + 8 * <usize>SPECTRUM_LENGTH;
export const ROW_RE: usize = LAYOUT_ROWS + 8 * <usize>(LAYOUT_CELLS * SIDE);
export const ROW_IM: usize = ROW_RE + 8 * <usize>(U_LANES * SIDE);
/** The ten magnitudes of one u (spectrumMagnitudes' scratch). */
export const MAGNITUDES: usize = ROW_IM + 8 * <usize>(U_LANES * SIDE);
export const VECTOR: usize = MAGNITUDES + 8 * 10;
/** The vector's coordinates, each in both lanes of an f64x2. */
export const VECTOR_SPLAT: usize = VECTOR + 4 * <usize>LAYOUT_LENGTH;
export const HASHES: usize = VECTOR_SPLAT + 16 * <usize>LAYOUT_LENGTH;
/** Tent weights [cell][position], and transposed [position][cell]. */
export const LAYOUT_WEIGHTS: usize = HASHES + 4 * 16;
export const LAYOUT_WEIGHTS_T: usize = LAYOUT_WEIGHTS + 8 * <usize>(LAYOUT_CELLS * SIDE);
/** cos and sin of 2π·u·x/32 by [x][u] (U_LANES), then of 2π·|v|·y/32 by [y][v + 4] (V_LANES), the sine signed by v. */
export const DFT_ROW_COS: usize = LAYOUT_WEIGHTS_T + 8 * <usize>(LAYOUT_CELLS * SIDE);
export const DFT_ROW_SIN: usize = DFT_ROW_COS + 8 * <usize>(U_LANES * SIDE);
export const DFT_COLUMN_COS: usize = DFT_ROW_SIN + 8 * <usize>(U_LANES * SIDE);
export const DFT_COLUMN_SIN: usize = DFT_COLUMN_COS + 8 * <usize>(V_LANES * SIDE);
/** Hyperplanes, two at a time: for planes 2m and 2m + 1, coordinate i of each side by side. */
export const LAYOUT_PLANES: usize = DFT_COLUMN_SIN + 8 * <usize>(V_LANES * SIDE);
export const SPECTRUM_PLANES: usize = LAYOUT_PLANES + 8 * 256 * <usize>LAYOUT_LENGTH;
export const SIMHASH_PLANES: usize = SPECTRUM_PLANES + 8 * 256 * <usize>SPECTRUM_LENGTH;

// Proposal scoring (scoring.ts): a block of rows gathered in sorted order (layouts, spectra: f32), and the
// cosines of each row with the rows after it within the window (f64, [row][place − 1]).
export const SCORE_BLOCK: i32 = 1024;
export const MAX_WINDOW: i32 = 16;
export const SCORE_LAYOUTS: usize = SIMHASH_PLANES + 8 * 64 * <usize>LAYOUT_LENGTH;
export const SCORE_SPECTRA: usize = SCORE_LAYOUTS + 4 * <usize>((SCORE_BLOCK + MAX_WINDOW) * LAYOUT_LENGTH);
export const SCORE_LAYOUT_COSINES: usize = SCORE_SPECTRA + 4 * <usize>((SCORE_BLOCK + MAX_WINDOW) * SPECTRUM_LENGTH);
export const SCORE_SPECTRUM_COSINES: usize = SCORE_LAYOUT_COSINES + 8 * <usize>(SCORE_BLOCK * MAX_WINDOW);
export const MEMORY_END: usize = SCORE_SPECTRUM_COSINES + 8 * <usize>(SCORE_BLOCK * MAX_WINDOW);
