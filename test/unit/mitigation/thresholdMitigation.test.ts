// The before/after table on hand-counted decisions; the whole mitigation (fit split → held-out probabilities) against
// fairlearn's ThresholdOptimizer; and `fairframe mitigate thresholds` end to end, its mitigated predictions audited.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AuditResult } from '../../../src/engine/auditResult';
import { beforeAfter, mitigateWithThresholds, type ScoredRecord } from '../../../src/engine/mitigation/thresholdMitigation';
import type { DatasetRecord } from '../../../src/engine/types';
import { tempDir, writeImages, writeText } from '../dataset/datasetFixtures';

const root = path.resolve(__dirname, '../../..');
const fixtures = path.join(root, 'test/fixtures/predictions');
const reference = JSON.parse(readFileSync(path.join(fixtures, 'seededReference.json'), 'utf8')) as {
  thresholdsDemographicParity: { xBest: number; groups: Record<string, { p0: number; threshold0: number; p1: number; threshold1: number }>; testPaths: string[]; testPositiveProbability: number[]; testDemographicParityDifferenceBefore: number };
};
const seededRows = readFileSync(path.join(fixtures, 'seeded.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));

const close = (actual: number | null | undefined, expected: number, what: string, tolerance = 1e-12): void => {
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} ≠ ${expected}`);
};

function seededScored(): ScoredRecord[] {
  return seededRows.map(([relPath, label, split, skin, benign, malignant], i) => {
    const sum = Number(benign) + Number(malignant);
    const record: DatasetRecord = { id: String(i), path: `/d/${relPath}`, relPath, label, split, attributes: { skin }, source: { file: '/d/m.csv', line: i + 2 } };
    return { record, probs: [Number(benign) / sum, Number(malignant) / sum], label: label === 'malignant' ? 1 : 0 };
  });
}

describe('threshold mitigation', function () {
  this.timeout(180_000);

  it('counts the before/after table by hand', () => {
    // Group a: truth 1 1 0 0, before 1 1 1 0, after 1 0 0 0. Group b: truth 1 0, before 0 0, after 1 0.
    const yTrue = [1, 1, 0, 0, 1, 0];
    const before = [1, 1, 1, 0, 0, 0];
    const after = [1, 0, 0, 0, 1, 0];
    const groups = ['a', 'a', 'a', 'a', 'b', 'b'];
    const table = beforeAfter(yTrue, before, after, groups, { replicates: 200, level: 0.95, seed: 1 });
    const row = (metric: string): (typeof table)[number] => table.find((r) => r.metric === metric) as (typeof table)[number];
    // Accuracy: before a 3/4, b 1/2, overall 4/6; after a 3/4, b 2/2, overall 5/6.
    close(row('accuracy').before.byGroup.a.estimate, 3 / 4, 'acc a before');
    close(row('accuracy').after.byGroup.b.estimate, 1, 'acc b after');
    close(row('accuracy').overallChange.estimate, 5 / 6 - 4 / 6, 'acc change');
    // Selection rate: before a 3/4, b 0 (difference 3/4); after a 1/4, b 1/2 (difference 1/4); change −1/2.
    close(row('selectionRate').before.difference.estimate, 3 / 4, 'SR difference before');
    close(row('selectionRate').after.difference.estimate, 1 / 4, 'SR difference after');
    close(row('selectionRate').differenceChange.estimate, -1 / 2, 'SR difference change');
    // TPR: before a 2/2, b 0/1 (difference 1); after a 1/2, b 1/1 (difference 1/2). FPR: before a 1/2, b 0; after 0, 0.
    close(row('truePositiveRate').differenceChange.estimate, -1 / 2, 'TPR difference change');
    close(row('falsePositiveRate').after.difference.estimate, 0, 'FPR difference after');
    // The paired bootstrap of a change that is zero on every image is exactly [0, 0].
    const same = beforeAfter(yTrue, before, before, groups, { replicates: 200, level: 0.95, seed: 1 });
    for (const r of same) assert.deepEqual([r.differenceChange.lower, r.differenceChange.upper, r.overallChange.lower, r.overallChange.upper], [0, 0, 0, 0], r.metric);
  });

  it('fits on validation and scores test as fairlearn ThresholdOptimizer does (demographic parity)', () => {
    const result = mitigateWithThresholds(seededScored(), ['benign', 'malignant'], { attribute: 'skin', constraint: 'demographic_parity', replicates: 100 });
    const expected = reference.thresholdsDemographicParity;
    assert.equal(result.fit.split, 'validation');
    assert.equal(result.evaluation.split, 'test');
    assert.equal(result.positiveClass, 'malignant');
    close(result.thresholds.xBest, expected.xBest, 'x best');
    for (const [group, rule] of Object.entries(expected.groups)) {
      close(result.thresholds.groups[group].p0, rule.p0, `${group} p0`);
      close(result.thresholds.groups[group].operation0.threshold, rule.threshold0, `${group} t0`);
      close(result.thresholds.groups[group].operation1.threshold, rule.threshold1, `${group} t1`);
    }
    assert.deepEqual(result.mitigated.map((row) => row.relPath), expected.testPaths);
    result.mitigated.forEach((row, i) => close(row.positiveProbability, expected.testPositiveProbability[i], `P(positive) of ${row.relPath}`));
    // A decision is 'malignant' exactly where the draw said positive: certain rows follow their probability.
    for (const row of result.mitigated) if (row.positiveProbability === 1) assert.equal(row.predicted, 'malignant');
    for (const row of result.mitigated) if (row.positiveProbability === 0) assert.equal(row.predicted, 'benign');
    close(result.table.find((r) => r.metric === 'selectionRate')?.before.difference.estimate, expected.testDemographicParityDifferenceBefore, 'DP difference before (fairlearn)');
  });

  it('halves a single split when there is nothing else to fit on, never sharing an image', () => {
    const scored = seededScored().map((s) => ({ ...s, record: { ...s.record, split: undefined } }));
    const result = mitigateWithThresholds(scored, ['benign', 'malignant'], { attribute: 'skin', constraint: 'equal_opportunity', replicates: 50 });
    assert.equal(result.fit.images, 80);
    assert.equal(result.evaluation.images, 80);
    assert.match(result.fit.note ?? '', /halved by a seeded hash/);
  });

  it('asks for the class to mitigate when the model has more than two', () => {
    assert.throws(() => mitigateWithThresholds([], ['a', 'b', 'c'], { attribute: 'x', constraint: 'demographic_parity' }), /name the class to mitigate one-vs-rest with --positive/);
  });

  it('fairframe mitigate thresholds writes thresholds, a table and predictions whose audit shows the gap it reports', async () => {
    const cli = path.join(root, 'dist/cli.js');
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    const dir = await tempDir('ff-mitigate-');
    const data = path.join(dir, 'data');
    await writeImages(data, seededRows.map((row) => row[0]));
    await writeText(data, 'manifest.csv', ['path,label,split,skin', ...seededRows.map((row) => row.slice(0, 4).join(','))].join('\n') + '\n');
    await writeText(dir, 'fairframe.json', JSON.stringify({ attributes: ['skin'] }));
    const config = path.join(dir, 'fairframe.json');
    const out = path.join(dir, 'out');
    const run = spawnSync(process.execPath, [cli, 'mitigate', 'thresholds', path.join(data, 'manifest.csv'), '--predictions', path.join(fixtures, 'seeded.csv'), '--attribute', 'skin', '--constraint', 'demographic_parity', '--replicates', '200', '-c', config, '--no-cache', '--quiet', '-o', out], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\| selection rate \| before \|/);
    const thresholds = JSON.parse(await fs.readFile(path.join(out, 'thresholds.json'), 'utf8')) as { xBest?: number; thresholds: { xBest: number }; table: Array<{ metric: string; after: { difference: { estimate: number } } }> };
    close(thresholds.thresholds.xBest, reference.thresholdsDemographicParity.xBest, 'x best in thresholds.json');
    const audit = spawnSync(process.execPath, [cli, 'audit', path.join(data, 'manifest.csv'), '--predictions', path.join(out, 'mitigated-predictions.csv'), '--split', 'test', '-c', config, '--no-cache', '--quiet', '-f', 'json'], { encoding: 'utf8' });
    assert.equal(audit.status, 0, audit.stderr);
    const result = JSON.parse(audit.stdout) as AuditResult;
    const skin = result.models[0].groups?.find((group) => group.name === 'skin');
    const selection = skin?.metrics.find((metric) => metric.metric === 'selectionRate' && metric.class === 'malignant');
    close(selection?.difference.estimate, thresholds.table.find((row) => row.metric === 'selectionRate')?.after.difference.estimate as number, 'audited DP difference = the table\'s after');
    await fs.rm(dir, { recursive: true, force: true });
  });
});
