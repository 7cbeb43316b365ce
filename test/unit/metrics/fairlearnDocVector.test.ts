import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MetricFunction } from '../../../src/engine/metrics';
import {
  demographicParityDifference,
  demographicParityRatio,
  equalizedOddsDifference,
  equalizedOddsRatio,
  equalOpportunityDifference,
  equalOpportunityRatio,
  falsePositiveRate,
  metricFrame,
  selectionRate,
  truePositiveRate,
} from '../../../src/engine/metrics';

// fairlearn's documented doctest values (docs/user_guide/assessment/*.rst at the commit named in the file).
const vectorFile = path.resolve(__dirname, '../../../../shared/data/vectors/fairlearn_doc_vector.json');

interface Figures {
  tpr: number;
  fpr: number;
  sel: number;
  count: number;
}

interface DocVector {
  y_true: number[];
  y_pred: number[];
  sensitive_features: string[];
  expected: {
    demographic_parity_difference: number;
    demographic_parity_ratio: number;
    equalized_odds_difference: number;
    equalized_odds_ratio: number;
    overall: Figures;
    by_group: Record<string, Figures>;
    group_min: Figures;
    group_max: Figures;
    difference_between_groups: Figures;
    ratio_between_groups: Figures;
    difference_to_overall: Figures;
    ratio_to_overall: Figures;
  };
  derived_not_in_upstream_doctest: { equal_opportunity_difference: number; equal_opportunity_ratio: number };
}

// The doctest prints pandas frames to 6 decimals, so those figures agree to half a unit in the 6th decimal.
const PRINTED = 5e-7 + 1e-12;

function close(actual: number | null, expected: number, tolerance: number, what: string): void {
  assert.ok(actual !== null, `${what} is undefined`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

describe('metrics: fairlearn documented example', function () {
  let vector: DocVector;
  before(function () {
    if (!existsSync(vectorFile)) this.skip(); // ../shared/data is absent on this checkout: nothing to compare against.
    vector = JSON.parse(readFileSync(vectorFile, 'utf8')) as DocVector;
  });

  const metrics: Record<keyof Figures, MetricFunction> = {
    tpr: (y, p) => truePositiveRate(y, p),
    fpr: (y, p) => falsePositiveRate(y, p),
    sel: (y, p) => selectionRate(y, p),
    count: (y) => y.length,
  };
  // fairlearn's MetricFrame has no small-group rule: flag none.
  const options = { minGroupSize: 1 };

  for (const name of Object.keys(metrics) as Array<keyof Figures>) {
    it(`reproduces every MetricFrame figure of '${name}'`, () => {
      const { y_true: y, y_pred: p, sensitive_features: s, expected } = vector;
      const frame = metricFrame(metrics[name], y, p, s, options);
      close(frame.overall.value, expected.overall[name], PRINTED, 'overall');
      assert.deepEqual(frame.byGroup.map((g) => g.key), ['a', 'b', 'c']);
      for (const group of frame.byGroup) close(group.value, expected.by_group[group.key][name], PRINTED, `group ${group.key}`);
      assert.deepEqual(frame.byGroup.map((g) => g.count), [4, 6, 8]);
      close(frame.groupMin.value, expected.group_min[name], PRINTED, 'group_min');
      close(frame.groupMax.value, expected.group_max[name], PRINTED, 'group_max');
      close(frame.differenceBetweenGroups.value, expected.difference_between_groups[name], PRINTED, 'difference between groups');
      close(frame.ratioBetweenGroups.value, expected.ratio_between_groups[name], PRINTED, 'ratio between groups');
      close(frame.differenceToOverall.value, expected.difference_to_overall[name], PRINTED, 'difference to overall');
      close(frame.ratioToOverall.value, expected.ratio_to_overall[name], PRINTED, 'ratio to overall');
    });
  }

  it('reproduces demographic parity, equalized odds and equal opportunity', () => {
    const { y_true: y, y_pred: p, sensitive_features: s, expected } = vector;
    close(demographicParityDifference(y, p, s, options).value.value, expected.demographic_parity_difference, 1e-12, 'DP difference');
    close(demographicParityRatio(y, p, s, options).value.value, expected.demographic_parity_ratio, 1e-12, 'DP ratio');
    close(equalizedOddsDifference(y, p, s, options).value.value, expected.equalized_odds_difference, 1e-12, 'EO difference');
    close(equalizedOddsRatio(y, p, s, options).value.value, expected.equalized_odds_ratio, 1e-12, 'EO ratio');
    const derived = vector.derived_not_in_upstream_doctest;
    close(equalOpportunityDifference(y, p, s, options).value.value, derived.equal_opportunity_difference, 1e-12, 'equal opportunity difference');
    close(equalOpportunityRatio(y, p, s, options).value.value, derived.equal_opportunity_ratio, 1e-12, 'equal opportunity ratio');
  });

  it('applies the to_overall method to the compositions', () => {
    const { y_true: y, y_pred: p, sensitive_features: s, expected } = vector;
    const method = 'to_overall' as const;
    close(demographicParityDifference(y, p, s, { ...options, method }).value.value, expected.difference_to_overall.sel, PRINTED, 'DP difference to overall');
    // EO to overall: max(0.1, 0.666667) and min(0.8, 0).
    close(equalizedOddsDifference(y, p, s, { ...options, method }).value.value, expected.difference_to_overall.fpr, PRINTED, 'EO difference to overall');
    close(equalizedOddsRatio(y, p, s, { ...options, method }).value.value, 0, 0, 'EO ratio to overall');
  });
});
