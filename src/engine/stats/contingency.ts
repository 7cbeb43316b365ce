// Contingency tables: Pearson's chi-square test of independence, Cramér's V and adjusted residuals.
import { chiSquareLogSf } from './chiSquare';

/** Row and column totals and the grand total of a table of counts. */
export interface Margins {
  rowTotals: number[];
  columnTotals: number[];
  n: number;
}

/** Row sums, column sums and the grand total. */
export function tableMargins(table: readonly (readonly number[])[]): Margins {
  const columns = table.reduce((max, row) => Math.max(max, row.length), 0);
  const rowTotals = table.map((row) => row.reduce((sum, value) => sum + value, 0));
  const columnTotals = new Array<number>(columns).fill(0);
  for (const row of table) row.forEach((value, j) => (columnTotals[j] += value));
  return { rowTotals, columnTotals, n: rowTotals.reduce((sum, value) => sum + value, 0) };
}

/** Expected counts under independence: E_ij = R_i·C_j / n. */
export function expectedCounts(margins: Margins): number[][] {
  return margins.rowTotals.map((r) => margins.columnTotals.map((c) => (margins.n > 0 ? (r * c) / margins.n : 0)));
}

/** Cramér's V = √(χ² / (n·(min(r,c) − 1))) without bias correction (Cramér 1946, §21.9); NaN when undefined. */
export function cramersV(chi2: number, n: number, rows: number, columns: number): number {
  const k = Math.min(rows, columns) - 1;
  if (!(n > 0) || k < 1) return Number.NaN;
  return Math.sqrt(Math.max(0, chi2) / (n * k));
}

/**
 * Adjusted standardised residuals r_ij = (O_ij − E_ij) / √(E_ij·(1 − R_i/n)·(1 − C_j/n)), ≈ N(0,1) under independence
 * (Haberman 1973; Agresti, Categorical Data Analysis, 3rd ed. §3.3.1). NaN where the denominator is 0.
 */
export function adjustedResiduals(table: readonly (readonly number[])[]): number[][] {
  const margins = tableMargins(table);
  const expected = expectedCounts(margins);
  const { rowTotals, columnTotals, n } = margins;
  return table.map((row, i) =>
    row.map((observed, j) => {
      const variance = expected[i][j] * (1 - rowTotals[i] / n) * (1 - columnTotals[j] / n);
      return variance > 0 ? (observed - expected[i][j]) / Math.sqrt(variance) : Number.NaN;
    }),
  );
}

/** Result of the chi-square test of independence on a table reduced to its non-empty rows and columns. */
export interface IndependenceTest {
  chi2: number;
  dof: number;
  pValue: number;
  /** log10 of the p-value, finite even when the p-value underflows to 0. */
  log10PValue: number;
  n: number;
  /** Cramér's V, not bias-corrected. */
  cramersV: number;
  /** Indices (into the input) of the rows and columns kept, i.e. with a non-zero total. */
  rows: number[];
  columns: number[];
  /** The reduced table, its expected counts and adjusted residuals. */
  observed: number[][];
  expected: number[][];
  residuals: number[][];
  /** Cells of the reduced table whose expected count is below 5 (Cochran 1954 asks for at most 20%). */
  lowExpectedCells: number;
  lowExpectedShare: number;
  minExpected: number;
}

/**
 * Pearson's chi-square test of independence: χ² = Σ (O_ij − E_ij)² / E_ij, dof = (r−1)(c−1), p = P(χ²_dof ≥ χ²)
 * (Pearson 1900; scipy.stats.chi2_contingency with correction=False). All-zero rows and columns are dropped first;
 * undefined when fewer than 2 × 2 remain.
 */
export function chiSquareIndependence(table: readonly (readonly number[])[]): IndependenceTest | undefined {
  const full = tableMargins(table);
  const rows = full.rowTotals.flatMap((total, i) => (total > 0 ? [i] : []));
  const columns = full.columnTotals.flatMap((total, j) => (total > 0 ? [j] : []));
  if (rows.length < 2 || columns.length < 2) return undefined;
  const observed = rows.map((i) => columns.map((j) => table[i][j] ?? 0));
  const margins = tableMargins(observed);
  const expected = expectedCounts(margins);
  let chi2 = 0;
  let lowExpectedCells = 0;
  let minExpected = Number.POSITIVE_INFINITY;
  observed.forEach((row, i) =>
    row.forEach((value, j) => {
      const e = expected[i][j];
      chi2 += (value - e) ** 2 / e;
      if (e < 5) lowExpectedCells++;
      minExpected = Math.min(minExpected, e);
    }),
  );
  const dof = (rows.length - 1) * (columns.length - 1);
  const logP = chiSquareLogSf(chi2, dof);
  return {
    chi2,
    dof,
    pValue: Math.exp(logP),
    log10PValue: logP / Math.LN10,
    n: margins.n,
    cramersV: cramersV(chi2, margins.n, rows.length, columns.length),
    rows,
    columns,
    observed,
    expected,
    residuals: adjustedResiduals(observed),
    lowExpectedCells,
    lowExpectedShare: lowExpectedCells / (rows.length * columns.length),
    minExpected,
  };
}
