// Label-issue reporting: one summary, the full ranked list, and per-image findings whose number and severity follow the
// model's error rate. Figures are hand-computed; the planted flips are the ground truth.
import * as assert from 'node:assert/strict';
import { resolveConfig } from '../../../src/engine/config/config';
import { mulberry32 } from '../../../src/engine/metrics';
import { labelIssueFindings, MAX_PER_IMAGE_LABEL_FINDINGS, perImageBudget } from '../../../src/engine/modelAudit/labelIssueFindings';
import type { DatasetRecord } from '../../../src/engine/types';

/** A synthetic classifier: logits = strength · onehot(true class) + N(0, 1), softmax; `flips` labels changed to another class. */
function syntheticModel(n: number, k: number, strength: number, flips: number, seed: number): { labels: number[]; probs: number[][]; flipped: Set<number>; accuracy: number } {
  const random = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const truth: number[] = [];
  const probs: number[][] = [];
  for (let i = 0; i < n; i++) {
    const y = Math.floor(random() * k);
    truth.push(y);
    const logits = Array.from({ length: k }, (_, j) => (j === y ? strength : 0) + normal());
    const top = Math.max(...logits);
    const e = logits.map((x) => Math.exp(x - top));
    const sum = e.reduce((a, b) => a + b, 0);
    probs.push(e.map((x) => x / sum));
  }
  const flipped = new Set<number>();
  while (flipped.size < flips) flipped.add(Math.floor(random() * n));
  const labels = truth.map((y, i) => (flipped.has(i) ? (y + 1 + Math.floor(random() * (k - 1))) % k : y));
  const argmax = (row: number[]): number => row.indexOf(Math.max(...row));
  const accuracy = labels.filter((y, i) => argmax(probs[i]) === y).length / n;
  return { labels, probs, flipped, accuracy };
}

function records(n: number, labels: number[]): DatasetRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `r${i}`, path: `/d/${i}.png`, relPath: `${i}.png`, label: String(labels[i]), attributes: {}, source: { file: '/d/manifest.csv', line: i + 2 },
  }) as DatasetRecord);
}

function run(model: ReturnType<typeof syntheticModel>, k: number, config = resolveConfig({})): ReturnType<typeof labelIssueFindings> {
  const n = model.labels.length;
  const classNames = Array.from({ length: k }, (_, c) => String(c));
  const yPred = model.probs.map((row) => row.indexOf(Math.max(...row)));
  return labelIssueFindings({
    sample: { yTrue: model.labels, yPred, probs: model.probs, classNames },
    records: records(n, model.labels),
    errorRate: 1 - model.accuracy,
    onTrainingSplit: false,
    config,
    modelName: "Model 'm.onnx'",
    datasetName: 'd',
    datasetLocation: { file: '/d/manifest.csv' },
    evidenceBase: {},
  });
}

describe('modelAudit/label-issue findings', () => {
  it('sizes the per-image findings by the error rate: share 1 − e / 0.2, warnings up to e = 0.1, capped', () => {
    // 65 flagged, e = 1.59%: share 1 − 0.0159/0.2 = 0.9205, ⌈59.83⌉ = 60 warnings.
    assert.deepEqual({ ...perImageBudget(65, 0.0159, 0.2), share: undefined }, { share: undefined, count: 60, severity: 'warning' });
    // The CIFAR-10 case of the issue: 501 flagged by a 66%-accurate model → none one by one, information.
    assert.deepEqual(perImageBudget(501, 0.34, 0.2), { share: 0, count: 0, severity: 'info' });
    // e = 15%: share 0.25 of 40 = 10, information.
    const quarter = perImageBudget(40, 0.15, 0.2);
    assert.ok(Math.abs(quarter.share - 0.25) < 1e-12);
    assert.deepEqual([quarter.count, quarter.severity], [10, 'info']);
    // e = 5%: share 0.75 of 1,000 = 750, capped.
    assert.equal(perImageBudget(1000, 0.05, 0.2).count, MAX_PER_IMAGE_LABEL_FINDINGS);
    assert.equal(perImageBudget(0, 0.01, 0.2).count, 0);
  });

  it('a weak model (about 60% accurate) gets a summary and a ranked list, but no per-image findings', () => {
    const model = syntheticModel(5000, 10, 1.85, 25, 11);
    assert.ok(model.accuracy > 0.55 && model.accuracy < 0.65, `accuracy ${model.accuracy}`);
    const { labelIssues, findings } = run(model, 10);
    // Confident learning still flags hundreds: most are the model's own mistakes.
    assert.ok(labelIssues.flagged > 200, `${labelIssues.flagged} flagged`);
    assert.equal(labelIssues.issues.length, labelIssues.flagged, 'nothing dropped');
    assert.deepEqual(labelIssues.issues.map((issue) => issue.rank), Array.from({ length: labelIssues.flagged }, (_, i) => i + 1));
    assert.equal(findings.filter((f) => f.rule === 'FF-M020').length, 0);
    const summary = findings.filter((f) => f.rule === 'FF-M023');
    assert.equal(summary.length, 1);
    assert.equal(summary[0].severity, 'info');
    assert.equal(summary[0].evidence.flagged, labelIssues.flagged);
    assert.match(summary[0].message, new RegExp(`flags ${labelIssues.flagged} of 5000 images`));
    assert.match(summary[0].message, /None is reported one by one/);
  });

  it('a fairly weak model (about 85% accurate) reports a few of the top as information only', () => {
    const model = syntheticModel(5000, 10, 2.8, 25, 12);
    assert.ok(model.accuracy > 0.8 && model.accuracy < 0.9, `accuracy ${model.accuracy}`);
    const { labelIssues, findings } = run(model, 10);
    const perImage = findings.filter((f) => f.rule === 'FF-M020');
    // share = 1 − e/0.2 with e in (0.1, 0.2): fewer than half the flagged, all information.
    assert.ok(perImage.length > 0 && perImage.length < labelIssues.flagged / 2, `${perImage.length} of ${labelIssues.flagged}`);
    assert.ok(perImage.every((f) => f.severity === 'info'));
    assert.deepEqual(perImage.map((f) => f.evidence.rank), Array.from({ length: perImage.length }, (_, i) => i + 1), 'the top of the ranking');
  });

  it('a strong model (about 99% accurate) puts the planted flips at the top and warns on them', () => {
    const model = syntheticModel(5000, 10, 7, 25, 13);
    assert.ok(model.accuracy > 0.98, `accuracy ${model.accuracy}`);
    const { labelIssues, findings } = run(model, 10);
    const perImage = findings.filter((f) => f.rule === 'FF-M020');
    assert.ok(perImage.length >= 20 && perImage.every((f) => f.severity === 'warning'), `${perImage.length} warnings`);
    const top = new Set(labelIssues.issues.slice(0, 25).map((issue) => Number(issue.relPath.replace('.png', ''))));
    const found = [...model.flipped].filter((i) => top.has(i)).length;
    assert.ok(found >= 20, `${found} of 25 flips in the top 25`);
  });

  it('keeps the severity set in fairframe.json, and the threshold moves the budget', () => {
    const model = syntheticModel(2000, 10, 2.8, 10, 14);
    const strict = run(model, 10, resolveConfig({ rules: { 'FF-M020': 'error' } }));
    assert.ok(strict.findings.filter((f) => f.rule === 'FF-M020').every((f) => f.severity === 'error'));
    const none = run(model, 10, resolveConfig({ thresholds: { labelIssueMaxModelError: 0.01 } }));
    assert.equal(none.findings.filter((f) => f.rule === 'FF-M020').length, 0);
    assert.equal(none.labelIssues.flagged, strict.labelIssues.flagged);
  });
});
