import * as assert from 'node:assert/strict';
import { classBalanceCheck, balancedClassWeights } from '../../../src/engine/checks/classBalanceCheck';
import { resolveConfig } from '../../../src/engine/config/config';
import type { FairframeConfig } from '../../../src/engine/config/configTypes';
import type { Dataset, DatasetRecord } from '../../../src/engine/types';

/** `count` records of `label` in `split`. */
function records(label: string, count: number, split?: string): DatasetRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${label}-${split ?? ''}-${i}`,
    path: `/data/skin/${label}/${split ?? ''}${i}.jpg`,
    relPath: `${label}/${split ?? ''}${i}.jpg`,
    label,
    split,
    attributes: {},
    source: { file: '/data/skin/metadata.csv', line: i + 2 },
  }));
}

function dataset(list: DatasetRecord[], withManifest = true): Dataset {
  const manifest = withManifest ? '/data/skin/metadata.csv' : undefined;
  return { name: 'skin', root: '/data/skin', format: withManifest ? 'manifest' : 'imagefolder', manifest, records: list, attributes: [], columns: [], loadIssues: [] };
}

// nevus 60 (train 50, test 10), melanoma 5 (4, 1), bcc 25 (20, 5): n = 90.
const skin = dataset([
  ...records('nevus', 50, 'train'), ...records('nevus', 10, 'test'),
  ...records('melanoma', 4, 'train'), ...records('melanoma', 1, 'test'),
  ...records('bcc', 20, 'train'), ...records('bcc', 5, 'test'),
]);

async function run(data: Dataset, raw: FairframeConfig = {}) {
  return classBalanceCheck.run({ dataset: data, scans: new Map(), config: resolveConfig(raw) });
}

describe('checks/classBalanceCheck', () => {
  it('declares its rules and does not need a scan', () => {
    assert.deepEqual(classBalanceCheck.rules.map((rule) => rule.id), ['FF-D001', 'FF-D002']);
    assert.equal(classBalanceCheck.needsScan, false);
  });

  it('reports the imbalance ratio 60/5 = 12 and the class below 20 images', async () => {
    const output = await run(skin);
    assert.deepEqual(output.findings.map((f) => [f.rule, f.severity]), [['FF-D001', 'warning'], ['FF-D002', 'warning']]);
    const [imbalance, small] = output.findings;
    assert.equal(imbalance.message, "Class 'melanoma' has 5 images, 5.6% of the dataset (imbalance ratio 12:1 against 'nevus', 60 images).");
    assert.deepEqual(imbalance.location, { file: '/data/skin/metadata.csv' });
    assert.equal(imbalance.evidence.imbalanceRatio, 12);
    assert.deepEqual(imbalance.evidence.minority, { label: 'melanoma', count: 5, share: 5 / 90 });
    assert.ok(imbalance.suggestion);
    assert.equal(small.message, "Class 'melanoma' has only 5 images (5.6% of the dataset), fewer than the minimum of 20.");
    assert.equal(small.evidence.count, 5);
    assert.deepEqual(small.evidence.perSplit, { test: 1, train: 4 });
  });

  it('summarises counts, entropy, class weights, the resampling plan and splits', async () => {
    const { summary } = await run(skin);
    assert.equal(summary.total, 90);
    assert.deepEqual(summary.classes, [
      { label: 'bcc', count: 25, share: 25 / 90 },
      { label: 'melanoma', count: 5, share: 5 / 90 },
      { label: 'nevus', count: 60, share: 60 / 90 },
    ]);
    assert.equal(summary.imbalanceRatio, 12);
    // scipy.stats.entropy([60, 5, 25], base=2) = 1.134969974603941; / log2(3) = 0.7160863263878677
    assert.ok(Math.abs((summary.entropyBits as number) - 1.134969974603941) < 1e-12);
    assert.ok(Math.abs((summary.normalisedEntropy as number) - 0.7160863263878677) < 1e-12);
    // n / (K · n_c) = 90 / (3 · n_c)
    assert.deepEqual(summary.classWeights, { bcc: 1.2, melanoma: 6, nevus: 0.5 });
    const resampling = summary.resampling as Record<string, Record<string, unknown>>;
    assert.deepEqual(resampling.oversample.extraDraws, { bcc: 35, melanoma: 55, nevus: 0 });
    assert.equal(resampling.oversample.totalAfter, 180);
    assert.deepEqual(resampling.undersample.drop, { bcc: 20, melanoma: 0, nevus: 55 });
    assert.equal(resampling.undersample.totalAfter, 15);
    const perSplit = summary.perSplit as Record<string, { total: number; imbalanceRatio: number; normalisedEntropy: number; classes: Array<{ count: number }> }>;
    assert.deepEqual(Object.keys(perSplit), ['test', 'train']);
    assert.equal(perSplit.train.total, 74);
    assert.deepEqual(perSplit.train.classes.map((c) => c.count), [20, 4, 50]);
    assert.equal(perSplit.train.imbalanceRatio, 12.5);
    assert.equal(perSplit.test.imbalanceRatio, 10);
    assert.ok(Math.abs(perSplit.train.normalisedEntropy - 0.7065405258957561) < 1e-12);
  });

  it('follows configured thresholds and severities, and emits nothing for rules that are off', async () => {
    const raised = await run(skin, { thresholds: { imbalanceRatio: 13, minClassCount: 5 } });
    assert.deepEqual(raised.findings, []);
    const severities = await run(skin, { rules: { 'FF-D001': 'off', 'FF-D002': 'error' } });
    assert.deepEqual(severities.findings.map((f) => [f.rule, f.severity]), [['FF-D002', 'error']]);
    const off = await run(skin, { rules: { 'FF-D001': 'off', 'FF-D002': 'off' } });
    assert.deepEqual(off.findings, []);
    assert.equal(off.summary.imbalanceRatio, 12);
  });

  it('counts the other classes far below the majority and points at the root without a manifest', async () => {
    const data = dataset([...records('a', 100), ...records('b', 5), ...records('c', 8), ...records('d', 50)], false);
    const output = await run(data, { rules: { 'FF-D002': 'off' } });
    assert.equal(output.findings.length, 1);
    assert.equal(output.findings[0].message,
      "Class 'b' has 5 images, 3.1% of the dataset (imbalance ratio 20:1 against 'a', 100 images); 1 other class is also at least 10 times smaller than 'a'.");
    assert.deepEqual(output.findings[0].location, { file: '/data/skin' });
    assert.equal(output.summary.perSplit, undefined);
  });

  it('handles an empty dataset and a single class', async () => {
    const empty = await run(dataset([]));
    assert.deepEqual(empty.findings, []);
    assert.equal(empty.summary.total, 0);
    const single = await run(dataset(records('only', 30)));
    assert.deepEqual(single.findings, []);
    assert.equal(single.summary.imbalanceRatio, 1);
    assert.equal(single.summary.normalisedEntropy, 1);
  });

  it('computes balanced class weights like sklearn', () => {
    // compute_class_weight('balanced', classes, y) = n / (K · n_c): 8 / (2 · 6), 8 / (2 · 2)
    assert.deepEqual(balancedClassWeights({ x: 6, y: 2 }), { x: 8 / 12, y: 2 });
  });
});
