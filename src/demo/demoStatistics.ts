// Statistics the demo records as ground truth: association tests on the table and image-property gaps between groups.
import { chiSquareIndependence } from '../engine/stats/contingency';
import { mean, standardisedMeanDifference } from '../engine/stats/effectSize';
import { DEMO_ATTRIBUTES } from './demoDesign';

/** The columns of a row the statistics read. */
export interface DemoRow {
  label: string;
  fitzpatrick: string;
  sex: string;
  age_group: string;
  site: string;
}

/** Pearson's chi-square test of independence between two columns (scipy.stats.chi2_contingency, correction=False). */
export interface AssociationTest {
  /** 'label' is the label column as written; 'label (normalised)' trims it and lower-cases it first. */
  rows: string;
  columns: string;
  chi2: number;
  dof: number;
  pValue: number;
  log10PValue: number;
  /** Cramér's V = √(χ² / (n·(min(r, c) − 1))), not bias-corrected. */
  cramersV: number;
  /** True for the planted association (label × fitzpatrick). */
  planted: boolean;
}

type Column = (row: DemoRow) => string;

/** Label × every attribute (as written and normalised) and every attribute pair. */
export function associationTests(rows: readonly DemoRow[]): AssociationTest[] {
  const columns: Array<[string, Column]> = [
    ['label', (row) => row.label],
    ['label (normalised)', (row) => row.label.trim().toLowerCase()],
    ...DEMO_ATTRIBUTES.map((name): [string, Column] => [name, (row) => row[name]]),
  ];
  const tests: AssociationTest[] = [];
  for (let i = 0; i < columns.length; i++) {
    for (let j = Math.max(i + 1, 2); j < columns.length; j++) {
      const [rowName, rowOf] = columns[i];
      const [columnName, columnOf] = columns[j];
      const result = chiSquareIndependence(crossTable(rows, rowOf, columnOf));
      if (!result) continue;
      tests.push({
        rows: rowName,
        columns: columnName,
        chi2: result.chi2,
        dof: result.dof,
        pValue: result.pValue,
        log10PValue: result.log10PValue,
        cramersV: result.cramersV,
        planted: rowName.startsWith('label') && columnName === 'fitzpatrick',
      });
    }
  }
  return tests;
}

/** Counts per (row value, column value), values in sorted order. */
export function crossTable(rows: readonly DemoRow[], rowOf: Column, columnOf: Column): number[][] {
  const rowValues = [...new Set(rows.map(rowOf))].sort();
  const columnValues = [...new Set(rows.map(columnOf))].sort();
  const table = rowValues.map(() => new Array<number>(columnValues.length).fill(0));
  for (const row of rows) table[rowValues.indexOf(rowOf(row))][columnValues.indexOf(columnOf(row))]++;
  return table;
}

/** Image properties compared between groups (as in ImageFacts; `bytes` is the file size). */
export const DEMO_PROPERTIES = ['brightness', 'contrast', 'saturation', 'sharpness', 'bytes'] as const;
export type DemoProperty = (typeof DEMO_PROPERTIES)[number];

/** One group's property against the rest of the attribute's rows. */
export interface PropertyGap {
  attribute: string;
  value: string;
  property: DemoProperty;
  n: number;
  groupMean: number;
  restMean: number;
  /** Cohen's d of the group against all other rows with the pooled SD (Cohen 1988, §2.2). */
  smd: number;
}

/** Group-versus-rest standardised mean differences for every attribute value and property. */
export function propertyGaps(
  rows: ReadonlyArray<{ row: DemoRow; properties: Record<DemoProperty, number> }>,
  attributes: readonly (keyof DemoRow)[],
): PropertyGap[] {
  const gaps: PropertyGap[] = [];
  for (const attribute of attributes) {
    const values = [...new Set(rows.map((r) => r.row[attribute]))].sort();
    for (const value of values) {
      for (const property of DEMO_PROPERTIES) {
        const group = rows.filter((r) => r.row[attribute] === value).map((r) => r.properties[property]);
        const rest = rows.filter((r) => r.row[attribute] !== value).map((r) => r.properties[property]);
        if (group.length < 2 || rest.length < 2) continue;
        gaps.push({ attribute, value, property, n: group.length, groupMean: mean(group), restMean: mean(rest), smd: standardisedMeanDifference(group, rest) });
      }
    }
  }
  return gaps;
}
