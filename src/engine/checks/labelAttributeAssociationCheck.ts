// Label–attribute association: chi-square test of independence and Cramér's V per sensitive attribute (FF-D006).
import { chiSquareIndependence, type IndependenceTest } from '../stats/contingency';
import { crossTab } from '../stats/crossTab';
import { attributeValue, compareValues, datasetLocation, formatCount, formatNumber, formatPercent, formatPValue } from '../stats/tally';
import type { AttributeInfo, Finding } from '../types';
import { UNKNOWN } from '../types';
import type { CheckContext, CheckOutput, DatasetCheck, RuleInfo } from './check';
import { pushFinding } from './check';

const LABEL_ATTRIBUTE_ASSOCIATION: RuleInfo = {
  id: 'FF-D006',
  name: 'label-attribute-association',
  description: "The label depends on a sensitive attribute: chi-square p below `associationAlpha` and Cramér's V at least `minCramersV`.",
  defaultSeverity: 'warning',
};

/** Cells in the message; the evidence holds up to MAX_CELLS_IN_EVIDENCE. */
const MAX_CELLS_IN_MESSAGE = 3;
const MAX_CELLS_IN_EVIDENCE = 10;
/** |adjusted residual| above which a cell departs from independence at about the 5% level (N(0,1) two-sided). */
const NOTABLE_RESIDUAL = 1.96;
/** Cochran (1954): the chi-square approximation needs expected counts ≥ 5 in at least 80% of the cells. */
const COCHRAN_MAX_LOW_SHARE = 0.2;

/** A cell that drives the association, in words and numbers. */
export interface DrivingCell {
  label: string;
  value: string;
  count: number;
  expected: number;
  /** Share of this label's images that have this value. */
  labelShare: number;
  /** Share of all images (in the test) that have this value. */
  overallShare: number;
  adjustedResidual: number;
}

/** The cells with the largest |adjusted residual|: those beyond ±1.96, or the top three when none are. */
export function drivingCells(test: IndependenceTest, labels: readonly string[], values: readonly string[]): DrivingCell[] {
  const columnTotals = test.observed[0].map((_, j) => test.observed.reduce((sum, row) => sum + row[j], 0));
  const cells: DrivingCell[] = [];
  test.observed.forEach((row, i) => {
    const rowTotal = row.reduce((sum, value) => sum + value, 0);
    row.forEach((count, j) => {
      const residual = test.residuals[i][j];
      if (!Number.isFinite(residual)) return;
      cells.push({
        label: labels[i],
        value: values[j],
        count,
        expected: test.expected[i][j],
        labelShare: count / rowTotal,
        overallShare: columnTotals[j] / test.n,
        adjustedResidual: residual,
      });
    });
  });
  // Strongest first; on (near) ties, over-represented cells first, as they read more naturally.
  cells.sort((a, b) => {
    const difference = Math.abs(b.adjustedResidual) - Math.abs(a.adjustedResidual);
    if (Math.abs(difference) > 1e-9) return difference;
    return Math.sign(b.adjustedResidual) - Math.sign(a.adjustedResidual);
  });
  const notable = cells.filter((cell) => Math.abs(cell.adjustedResidual) > NOTABLE_RESIDUAL);
  return (notable.length > 0 ? notable : cells.slice(0, MAX_CELLS_IN_MESSAGE)).slice(0, MAX_CELLS_IN_EVIDENCE);
}

/** "62% of 'melanoma' images are fitzpatrick 'I' against 24% of all images". */
function cellInWords(cell: DrivingCell, attribute: string): string {
  return `${formatPercent(cell.labelShare)} of '${cell.label}' images are ${attribute} '${cell.value}' against ${formatPercent(cell.overallShare)} of all images`;
}

function testAttribute(context: CheckContext, attribute: AttributeInfo, findings: Finding[]): Record<string, unknown> {
  const { dataset, config } = context;
  const { associationAlpha, minCramersV } = config.thresholds;
  const name = attribute.name;
  const known = dataset.records.filter((record) => attributeValue(record, name) !== UNKNOWN);
  const table = crossTab(known, 'label', (record) => record.label, name, (record) => attributeValue(record, name));
  const base = { attribute: name, origin: attribute.origin, excludedUnknown: dataset.records.length - known.length };
  const test = chiSquareIndependence(table.counts);
  if (!test) return { ...base, skipped: 'The label × attribute table has fewer than 2 × 2 non-empty rows and columns.', n: known.length };

  const labels = test.rows.map((i) => table.rowValues[i]);
  const values = test.columns.map((j) => table.columnValues[j]);
  const tested = new Set(labels);
  const cells = drivingCells(test, labels, values);
  const cellCount = test.observed.length * test.observed[0].length;
  const cochran = {
    lowExpectedCells: test.lowExpectedCells,
    cells: cellCount,
    lowExpectedShare: test.lowExpectedShare,
    minExpected: test.minExpected,
    approximationReliable: test.lowExpectedShare <= COCHRAN_MAX_LOW_SHARE,
    warning:
      test.lowExpectedShare > COCHRAN_MAX_LOW_SHARE
        ? `${test.lowExpectedCells} of ${cellCount} cells (${formatPercent(test.lowExpectedShare)}) have expected counts below 5 ` +
          `(Cochran's rule allows 20%); the chi-square p-value is approximate.`
        : undefined,
  };
  const significant = test.pValue < associationAlpha && test.cramersV >= minCramersV;
  const result = {
    ...base,
    chi2: test.chi2,
    dof: test.dof,
    pValue: test.pValue,
    log10PValue: test.log10PValue,
    cramersV: test.cramersV,
    cramersVNote: "Cramér's V without bias correction: √(χ² / (n·(min(r, c) − 1))).",
    n: test.n,
    table: { rowValues: labels, columnValues: values, counts: test.observed },
    labelsWithoutKnownValue: [...new Set(dataset.records.map((record) => record.label))].filter((label) => !tested.has(label)).sort(compareValues),
    drivingCells: cells,
    cochran,
    significant,
  };

  if (significant) {
    const words = cells.slice(0, MAX_CELLS_IN_MESSAGE).map((cell) => cellInWords(cell, name));
    pushFinding(findings, config, LABEL_ATTRIBUTE_ASSOCIATION, {
      message:
        `The label depends on '${name}' (χ² = ${formatNumber(test.chi2, 1)}, dof ${test.dof}, ${formatPValue(test.log10PValue)}, ` +
        `Cramér's V = ${formatNumber(test.cramersV, 2)}, n = ${formatCount(test.n)})${words.length > 0 ? `: ${words.join('; ')}` : ''}.` +
        (cochran.approximationReliable ? '' : ` ${formatPercent(test.lowExpectedShare)} of the cells have expected counts below 5, so the p-value is approximate.`),
      location: datasetLocation(dataset),
      evidence: { ...result, alpha: associationAlpha, minCramersV, guessed: attribute.origin === 'guessed' },
      suggestion:
        `A model may learn '${name}' as a shortcut for the label. Balance the labels within each '${name}' group (collect or resample), ` +
        `or reweigh by label × '${name}' (Kamiran & Calders reweighing), and compare the model's recall per group.`,
    });
  }
  return result;
}

function run(context: CheckContext): CheckOutput {
  const findings: Finding[] = [];
  const attributes = context.dataset.attributes.map((attribute) => testAttribute(context, attribute, findings));
  return { findings, summary: { attributes } };
}

/** FF-D006: labels associated with a sensitive attribute, with the cells that drive the association. */
export const labelAttributeAssociationCheck: DatasetCheck = {
  name: 'label-attribute-association',
  description: "Tests label × attribute independence (Pearson chi-square, Cramér's V) and names the cells that drive any association.",
  rules: [LABEL_ATTRIBUTE_ASSOCIATION],
  thresholds: ['associationAlpha', 'minCramersV'],
  needsScan: false,
  run,
};
