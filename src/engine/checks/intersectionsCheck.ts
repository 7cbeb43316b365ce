// Intersections: label × attribute and attribute × attribute cross-tabs with empty or tiny cells (FF-D005).
import { crossTab, type CrossTab } from '../stats/crossTab';
import { expectedShares } from '../stats/expectedShares';
import { attributeValue, datasetLocation, formatCount, tally } from '../stats/tally';
import type { Dataset, DatasetRecord, Finding } from '../types';
import { UNKNOWN } from '../types';
import type { CheckContext, CheckOutput, DatasetCheck, RuleInfo } from './check';
import { pushFinding } from './check';

const INTERSECTION_SMALL: RuleInfo = {
  id: 'FF-D005',
  name: 'intersection-small',
  description: 'Cells of a label × attribute or attribute × attribute cross-tab are empty or hold fewer than `minGroupSize` images.',
  defaultSeverity: 'warning',
};

/** Cells listed in a message; the evidence lists them all. */
const MAX_CELLS_IN_MESSAGE = 8;

/** A cell of a cross-tab with its count. */
export interface SparseCell {
  row: string;
  column: string;
  count: number;
}

/** A cross-tab with its empty and tiny cells; UNKNOWN attribute values are tabulated but never judged. */
export interface JudgedCrossTab extends CrossTab {
  /** Cells judged: known row value × known column value. */
  judgedCells: number;
  emptyCells: SparseCell[];
  tinyCells: SparseCell[];
}

/** Values from the attribute's reference that no record has: they still get a row or column, so their absence shows. */
function referenceOnlyValues(dataset: Dataset, attribute: string, reference: Record<string, number> | undefined): string[] {
  if (!reference) return [];
  const observed = [...tally(dataset.records.map((record) => attributeValue(record, attribute))).keys()].filter((value) => value !== UNKNOWN);
  const expected = expectedShares(observed, reference);
  return expected.source === 'reference' ? [...expected.shares].filter(([value, share]) => share > 0 && !observed.includes(value)).map(([value]) => value) : [];
}

/** Marks the empty (0) and tiny (0 < count < minGroupSize) cells; rows or columns that are attributes skip their UNKNOWN value. */
export function judgeCrossTab(table: CrossTab, minGroupSize: number, rowsAreAttribute: boolean, columnsAreAttribute = true): JudgedCrossTab {
  const emptyCells: SparseCell[] = [];
  const tinyCells: SparseCell[] = [];
  let judgedCells = 0;
  table.rowValues.forEach((row, i) => {
    if (rowsAreAttribute && row === UNKNOWN) return;
    table.columnValues.forEach((column, j) => {
      if (columnsAreAttribute && column === UNKNOWN) return;
      judgedCells++;
      const count = table.counts[i][j];
      if (count === 0) emptyCells.push({ row, column, count });
      else if (count < minGroupSize) tinyCells.push({ row, column, count });
    });
  });
  tinyCells.sort((a, b) => a.count - b.count);
  return { ...table, judgedCells, emptyCells, tinyCells };
}

function describeSparseCells(table: JudgedCrossTab, minGroupSize: number): string {
  const what = `${table.rowName} × ${table.columnName} cells`;
  const empty = table.emptyCells.length;
  const tiny = table.tinyCells.length;
  const lead = `${empty > 0 ? formatCount(empty) : formatCount(tiny)} of ${formatCount(table.judgedCells)} ${what}`;
  let head: string;
  if (empty > 0 && tiny > 0) head = `${lead} are empty and ${formatCount(tiny)} ha${tiny === 1 ? 's' : 've'} fewer than ${formatCount(minGroupSize)} images`;
  else if (empty > 0) head = `${lead} ${empty === 1 ? 'is' : 'are'} empty`;
  else head = `${lead} ha${tiny === 1 ? 's' : 've'} fewer than ${formatCount(minGroupSize)} images`;
  const cells = [...table.emptyCells, ...table.tinyCells];
  const listed = cells.slice(0, MAX_CELLS_IN_MESSAGE).map((cell) => `'${cell.row}' × '${cell.column}' (${formatCount(cell.count)})`);
  const more = cells.length - listed.length;
  return `${head}: ${listed.join(', ')}${more > 0 ? `, and ${formatCount(more)} more` : ''}.`;
}

function run(context: CheckContext): CheckOutput {
  const { dataset, config } = context;
  const minGroupSize = config.thresholds.minGroupSize;
  const location = datasetLocation(dataset);
  const findings: Finding[] = [];
  const names = dataset.attributes.map((attribute) => attribute.name);
  const extra = new Map(names.map((name) => [name, referenceOnlyValues(dataset, name, config.reference[name])]));
  const valueOf = (name: string) => (record: DatasetRecord): string => attributeValue(record, name);

  const tables: JudgedCrossTab[] = [];
  for (const name of names) {
    const table = crossTab(dataset.records, 'label', (record) => record.label, name, valueOf(name), { columns: extra.get(name) });
    tables.push(judgeCrossTab(table, minGroupSize, false));
  }
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const table = crossTab(dataset.records, names[a], valueOf(names[a]), names[b], valueOf(names[b]), { rows: extra.get(names[a]), columns: extra.get(names[b]) });
      tables.push(judgeCrossTab(table, minGroupSize, true));
    }
  }

  for (const table of tables) {
    if (table.emptyCells.length + table.tinyCells.length === 0) continue;
    pushFinding(findings, config, INTERSECTION_SMALL, {
      message: describeSparseCells(table, minGroupSize),
      location,
      evidence: {
        rows: table.rowName,
        columns: table.columnName,
        judgedCells: table.judgedCells,
        threshold: minGroupSize,
        emptyCells: table.emptyCells,
        tinyCells: table.tinyCells,
        table: { rowValues: table.rowValues, columnValues: table.columnValues, counts: table.counts },
      },
      suggestion:
        `Collect images for the empty and sparse ${table.rowName} × ${table.columnName} combinations, or merge sparse groups ` +
        '(e.g. adjacent age bands or skin types); metrics for these combinations will be missing or unreliable.',
    });
  }

  return { findings, summary: { minGroupSize, tables } };
}

/** FF-D005: sparse intersections of label and sensitive attributes, one finding per cross-tab. */
export const intersectionsCheck: DatasetCheck = {
  name: 'intersections',
  description: 'Cross-tabulates label × attribute and attribute × attribute and reports empty or tiny cells.',
  rules: [INTERSECTION_SMALL],
  thresholds: ['minGroupSize'],
  needsScan: false,
  run,
};
