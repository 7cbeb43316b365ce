// fairlearn's documented doctest values, reproduced by the code the model audit ships: the count metrics and their
// frames (bootstrapCountFrames) and the fairness figures composed from them (groupReport → fairnessFigures).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { THRESHOLD_DEFAULTS } from '../../../src/engine/config/configTypes';
import { bootstrapCountFrames, COUNT_METRICS } from '../../../src/engine/metrics';
import { groupReport } from '../../../src/engine/modelAudit/groupMetrics';
import type { FairnessFigure, GroupReport } from '../../../src/engine/modelAudit/modelAuditTypes';
import { requireSharedData, sharedDataPath } from '../sharedData';

// docs/user_guide/assessment/*.rst at the commit named in the file.
const vectorFile = sharedDataPath('vectors', 'fairlearn_doc_vector.json');

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

function close(actual: number | null | undefined, expected: number, tolerance: number, what: string): void {
  assert.ok(actual !== null && actual !== undefined, `${what} is undefined`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

// fairlearn's MetricFrame has no small-group or minimum-count rule: switch both off.
const thresholds = { ...THRESHOLD_DEFAULTS, minMetricGroupSize: 1, minConditionCount: 1 };
const bootstrap = { replicates: 50, seed: 1 };

describe('metrics: fairlearn documented example, through the audit code', function () {
  let vector: DocVector;
  let report: GroupReport;
  before(function () {
    requireSharedData(this, vectorFile);
    vector = JSON.parse(readFileSync(vectorFile, 'utf8')) as DocVector;
    const { y_true: yTrue, y_pred: yPred, sensitive_features: groups } = vector;
    // Probabilities only feed the calibration figure; one-hot rows of the prediction.
    const probs = yPred.map((p) => (p === 1 ? [0, 1] : [1, 0]));
    report = groupReport({ yTrue, yPred, probs, classNames: ['0', '1'] }, { attributes: ['group'], values: { group: groups } }, thresholds, bootstrap);
  });

  const keys: Record<Exclude<keyof Figures, 'count'>, string> = { tpr: 'truePositiveRate', fpr: 'falsePositiveRate', sel: 'selectionRate' };

  for (const [name, metric] of Object.entries(keys) as Array<[Exclude<keyof Figures, 'count'>, string]>) {
    it(`reproduces every MetricFrame figure of '${name}' (positive class 1)`, () => {
      const { expected } = vector;
      const figures = report.metrics.find((m) => m.metric === metric && m.class === '1');
      assert.ok(figures, `${metric} of class 1 is in the report`);
      close(figures.overall.estimate, expected.overall[name], PRINTED, 'overall');
      assert.deepEqual(figures.byGroup.map((g) => g.group), ['a', 'b', 'c']);
      assert.deepEqual(figures.byGroup.map((g) => g.count), [4, 6, 8]);
      for (const group of figures.byGroup) close(group.estimate, expected.by_group[group.group][name], PRINTED, `group ${group.group}`);
      close(Math.min(...figures.byGroup.map((g) => g.estimate as number)), expected.group_min[name], PRINTED, 'group_min');
      close(Math.max(...figures.byGroup.map((g) => g.estimate as number)), expected.group_max[name], PRINTED, 'group_max');
      close(figures.difference.estimate, expected.difference_between_groups[name], PRINTED, 'difference between groups');
      close(figures.ratio.estimate, expected.ratio_between_groups[name], PRINTED, 'ratio between groups');
      close(figures.differenceToOverall.estimate, expected.difference_to_overall[name], PRINTED, 'difference to overall');
      close(figures.ratioToOverall.estimate, expected.ratio_to_overall[name], PRINTED, 'ratio to overall');
    });
  }

  it('reproduces the group minimum and maximum of the frames the report is built from', () => {
    const { y_true: yTrue, y_pred: yPred, sensitive_features: groups, expected } = vector;
    const frames = bootstrapCountFrames({ tpr: COUNT_METRICS.truePositiveRate(1), fpr: COUNT_METRICS.falsePositiveRate(1), sel: COUNT_METRICS.selectionRate(1) }, yTrue, yPred, 2, groups, { ...bootstrap, minGroupSize: 1 });
    for (const name of ['tpr', 'fpr', 'sel'] as const) {
      close(frames[name].groupMin.estimate, expected.group_min[name], PRINTED, `${name} group_min`);
      close(frames[name].groupMax.estimate, expected.group_max[name], PRINTED, `${name} group_max`);
    }
  });

  it('reproduces demographic parity, equalized odds and equal opportunity as the audit reports them', () => {
    const { expected } = vector;
    const figure = (name: string): FairnessFigure => {
      const found = report.fairness.find((f) => f.name === name && f.class === '1');
      assert.ok(found, `${name} of class 1`);
      return found;
    };
    close(figure('demographic parity difference').value, expected.demographic_parity_difference, 1e-12, 'DP difference');
    close(figure('disparate impact ratio').value, expected.demographic_parity_ratio, 1e-12, 'DP ratio');
    close(figure('equalized odds difference').value, expected.equalized_odds_difference, 1e-12, 'EO difference');
    close(figure('equalized odds difference').ratio, expected.equalized_odds_ratio, 1e-12, 'EO ratio');
    const derived = vector.derived_not_in_upstream_doctest;
    close(figure('equal opportunity difference').value, derived.equal_opportunity_difference, 1e-12, 'equal opportunity difference');
    close(figure('equal opportunity difference').ratio, derived.equal_opportunity_ratio, 1e-12, 'equal opportunity ratio');
  });
});
