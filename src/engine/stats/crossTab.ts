// Cross-tabulation of records by two categorical keys.
import { compareValues } from './tally';

/** Counts of records by row value × column value, with margins. */
export interface CrossTab {
  /** What the rows and columns are, e.g. 'label' and 'fitzpatrick'. */
  rowName: string;
  columnName: string;
  rowValues: string[];
  columnValues: string[];
  /** counts[i][j]: records with rowValues[i] and columnValues[j]. */
  counts: number[][];
  rowTotals: number[];
  columnTotals: number[];
  n: number;
}

/** Tabulates `items` by two keys; `extraRows` / `extraColumns` add values that should appear even with no record (e.g. reference groups). */
export function crossTab<T>(
  items: Iterable<T>,
  rowName: string,
  rowOf: (item: T) => string,
  columnName: string,
  columnOf: (item: T) => string,
  extra: { rows?: Iterable<string>; columns?: Iterable<string> } = {},
): CrossTab {
  const pairs = new Map<string, Map<string, number>>();
  const rowSet = new Set<string>(extra.rows ?? []);
  const columnSet = new Set<string>(extra.columns ?? []);
  for (const item of items) {
    const row = rowOf(item);
    const column = columnOf(item);
    rowSet.add(row);
    columnSet.add(column);
    let cells = pairs.get(row);
    if (!cells) pairs.set(row, (cells = new Map()));
    cells.set(column, (cells.get(column) ?? 0) + 1);
  }
  const rowValues = [...rowSet].sort(compareValues);
  const columnValues = [...columnSet].sort(compareValues);
  const counts = rowValues.map((row) => columnValues.map((column) => pairs.get(row)?.get(column) ?? 0));
  const rowTotals = counts.map((row) => row.reduce((sum, value) => sum + value, 0));
  const columnTotals = columnValues.map((_, j) => counts.reduce((sum, row) => sum + row[j], 0));
  return { rowName, columnName, rowValues, columnValues, counts, rowTotals, columnTotals, n: rowTotals.reduce((sum, value) => sum + value, 0) };
}
