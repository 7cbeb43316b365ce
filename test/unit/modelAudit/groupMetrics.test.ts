// Fairness figures and their findings on hand-computed samples: which figure fails, its value, and what the message says.
import * as assert from 'node:assert/strict';
import { resolveConfig } from '../../../src/engine/config/config';
import { chooseSplit, matchLabels } from '../../../src/engine/modelAudit/auditedRecords';
import { formatInterval, formatNumber, groupFindings } from '../../../src/engine/modelAudit/groupFindings';
import { groupReport } from '../../../src/engine/modelAudit/groupMetrics';
import type { AuditedSample } from '../../../src/engine/modelAudit/overallMetrics';
import { FairframeError } from '../../../src/engine/errors';
import type { DatasetRecord } from '../../../src/engine/types';

/** Group 'a': 100 images, 95 right; group 'b': 100 images, 60 right. Two classes, half of each group is class 1. */
function twoGroups(): { sample: AuditedSample; groups: string[] } {
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const groups: string[] = [];
  const add = (group: string, right: number): void => {
    for (let i = 0; i < 100; i++) {
      const y = i % 2;
      yTrue.push(y);
      yPred.push(i < right ? y : 1 - y);
      groups.push(group);
    }
  };
  add('a', 95);
  add('b', 60);
  const probs = yPred.map((p) => (p === 1 ? [0.2, 0.8] : [0.8, 0.2]));
  return { sample: { yTrue, yPred, probs, classNames: ['benign', 'malignant'] }, groups };
}

const bootstrap = { replicates: 400, level: 0.95, seed: 7 };

describe('group metrics and fairness figures', () => {
  it('computes accuracy by group and the accuracy difference 0.35 with an interval that excludes no gap', () => {
    const { sample, groups } = twoGroups();
    const config = resolveConfig({});
    const report = groupReport(sample, { attributes: ['site'], values: { site: groups } }, config.thresholds, bootstrap);
    const accuracy = report.metrics.find((m) => m.metric === 'accuracy');
    assert.deepEqual(accuracy?.byGroup.map((g) => [g.group, g.estimate, g.count]), [['a', 0.95, 100], ['b', 0.6, 100]]);
    const figure = report.fairness.find((f) => f.rule === 'FF-M010');
    assert.ok(figure);
    assert.ok(Math.abs((figure.value ?? 0) - 0.35) < 1e-12);
    assert.equal(figure.passed, false);
    assert.equal(figure.excludesNoGap, true);
    assert.deepEqual(figure.groups, { higher: 'a', lower: 'b' });
    assert.ok(Math.abs((figure.ratio ?? 0) - 0.6 / 0.95) < 1e-12);
    assert.equal(report.worstGroup?.group, 'b');
    assert.equal(report.worstGroup?.accuracy.estimate, 0.6);
    // To overall (0.775): max |v − overall| = 0.175; min ratio = 0.6 / 0.775.
    assert.ok(Math.abs((accuracy?.differenceToOverall.estimate ?? 0) - 0.175) < 1e-12);
    assert.ok(Math.abs((accuracy?.ratioToOverall.estimate ?? 0) - 0.6 / 0.775) < 1e-12);
    // Error-rate ratio: 0.40 / 0.05 = 8.
    const ratio = report.fairness.find((f) => f.rule === 'FF-M011');
    assert.ok(Math.abs((ratio?.value ?? 0) - 8) < 1e-9);
    assert.ok((ratio?.interval?.lower ?? 0) > 1 && (ratio?.interval?.upper ?? 0) > (ratio?.interval?.lower ?? 0));
  });

  it('turns the failed figures into findings whose message carries both groups, the interval and the verdict', () => {
    const { sample, groups } = twoGroups();
    const config = resolveConfig({});
    const report = groupReport(sample, { attributes: ['site'], values: { site: groups } }, config.thresholds, bootstrap);
    const findings = groupFindings([report], config, { file: 'fairframe.json' }, "Model 'm.onnx'", {});
    const accuracy = findings.find((f) => f.rule === 'FF-M010');
    assert.ok(accuracy);
    assert.equal(accuracy.severity, 'warning');
    assert.match(accuracy.message, /95\.0% \[[\d.]+%, [\d.]+%\] on site 'a' \(n=100\) against 60\.0% \[[\d.]+%, [\d.]+%\] on site 'b' \(n=100\): accuracy difference 0\.35 \(95% CI \[[\d.]+, [\d.]+\]\), above maxAccuracyDifference 0\.05; the 95% interval excludes no gap\./);
    // The per-class TPR gap of class 'malignant' (0.95 vs 0.6 in each group's positives) is reported once, as equal opportunity.
    const eo = findings.filter((f) => f.rule === 'FF-M013' || f.rule === 'FF-M014');
    assert.ok(eo.length > 0);
    for (const finding of eo) assert.ok(finding.rule === 'FF-M014' || !/true positive rate/.test(finding.message), finding.message);
  });

  it('reports a gap whose interval covers zero as information, not a warning', () => {
    // 30 vs 30 images, 27 vs 25 right: a gap of 0.067 above 0.05, but well within noise.
    const yTrue: number[] = [];
    const yPred: number[] = [];
    const groups: string[] = [];
    for (const [group, right] of [['a', 27], ['b', 25]] as const) {
      for (let i = 0; i < 30; i++) {
        yTrue.push(i % 2);
        yPred.push(i < right ? i % 2 : 1 - (i % 2));
        groups.push(group);
      }
    }
    const sample: AuditedSample = { yTrue, yPred, probs: yPred.map((p) => (p ? [0.3, 0.7] : [0.7, 0.3])), classNames: ['x', 'y'] };
    const config = resolveConfig({});
    const report = groupReport(sample, { attributes: ['g'], values: { g: groups } }, config.thresholds, bootstrap);
    const findings = groupFindings([report], config, { file: 'f' }, 'M', {});
    const accuracy = findings.find((f) => f.rule === 'FF-M010');
    assert.ok(accuracy);
    assert.equal(accuracy.severity, 'info');
    assert.match(accuracy.message, /includes no gap, so it may be sampling noise/);
    // A severity set in fairframe.json is kept as it is.
    const strict = resolveConfig({ rules: { 'FF-M010': 'error' } });
    const kept = groupFindings([report], strict, { file: 'f' }, 'M', {}).find((f) => f.rule === 'FF-M010');
    assert.equal(kept?.severity, 'error');
  });

  it('flags groups below minMetricGroupSize and does not rank them', () => {
    const { sample, groups } = twoGroups();
    const tiny = [...groups];
    for (let i = 0; i < 10; i++) tiny[i] = 'c';
    const config = resolveConfig({});
    const report = groupReport(sample, { attributes: ['site'], values: { site: tiny } }, config.thresholds, bootstrap);
    assert.deepEqual(report.groups.map((g) => [g.group, g.count, g.small]), [['a', 90, false], ['b', 100, false], ['c', 10, true]]);
    const findings = groupFindings([report], config, { file: 'f' }, 'M', {});
    const small = findings.filter((f) => f.rule === 'FF-M017');
    assert.equal(small.length, 1);
    assert.match(small[0].message, /'c' \(10\)/);
    const figure = report.fairness.find((f) => f.rule === 'FF-M010');
    assert.deepEqual(figure?.groups, { higher: 'a', lower: 'b' });
  });

  it('formats numbers and intervals for messages', () => {
    assert.equal(formatNumber(-0.0001), '0');
    assert.equal(formatNumber(0.35), '0.35');
    assert.equal(formatNumber(null), 'undefined');
    assert.equal(formatInterval({ estimate: 1, lower: null, upper: 2, level: 0.95, replicates: 1, undefinedReplicates: 0 }), '(no interval)');
  });
});

function record(id: string, label: string, split?: string): DatasetRecord {
  return { id, path: `/d/${id}.png`, relPath: `${id}.png`, label, split, attributes: {}, source: { file: '/d/m.csv', line: 2 } };
}

describe('audited records', () => {
  it('audits the test split by default, then validation, else every record', () => {
    assert.equal(chooseSplit([record('1', 'a', 'train'), record('2', 'a', 'test'), record('3', 'a', 'val')]), 'test');
    assert.equal(chooseSplit([record('1', 'a', 'train'), record('3', 'a', 'Validation')]), 'Validation');
    assert.equal(chooseSplit([record('1', 'a', 'train'), record('2', 'a')]), undefined);
    assert.equal(chooseSplit([record('1', 'a', 'train')], 'all'), undefined);
    assert.throws(() => chooseSplit([record('1', 'a', 'train')], 'test'), (e: unknown) => FairframeError.is(e, 'bad-config') && /'train'/.test(e.message));
  });

  it('maps labels through labelMap, lists unknown dataset labels, and refuses a model whose labels mostly do not match', () => {
    const records = [record('1', 'cat'), record('2', 'dog'), record('3', 'Cat'), record('4', 'dog')];
    const match = matchLabels(['c', 'dog', 'bird'], records, { c: 'cat' });
    assert.deepEqual(match.classNames, ['cat', 'dog', 'bird']);
    assert.deepEqual(match.unknown, { Cat: 1 });
    assert.deepEqual(match.absent, ['bird']);
    assert.deepEqual(match.suggestedLabelMap, {}, "'Cat' differs from 'cat' only in case, but 'cat' is not absent: nothing to map");
    assert.equal(match.index.get('dog'), 1);
    const spelled = matchLabels(['Cat', 'dog ', 'bird'], [record('1', 'cat'), record('2', 'dog'), record('3', 'dog'), ...['4', '5', '6', '7'].map((id) => record(id, 'bird'))]);
    assert.deepEqual(spelled.unknown, { cat: 1, dog: 2 });
    assert.deepEqual(spelled.suggestedLabelMap, { Cat: 'cat', 'dog ': 'dog' });
    assert.throws(() => matchLabels(['Cat', 'dog '], [record('1', 'cat'), record('2', 'dog')]),
      (e: unknown) => FairframeError.is(e, 'model-labels') && /add "labelMap": \{"Cat":"cat","dog ":"dog"\}/.test(e.message));
    assert.throws(() => matchLabels(['0', '1'], records, {}, "Model 'm.onnx'"),
      (e: unknown) => FairframeError.is(e, 'model-labels') && /predicts '0', '1'/.test(e.message) && /'Cat', 'cat', 'dog'/.test(e.message));
  });
});
