// Audits from predictions files. The seeded file and its figures come from scripts/reference/predictionsReference.py
// (scikit-learn and fairlearn, run outside the engine); the small cases are counted by hand in the comments.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { auditPath } from '../../../src/engine/audit';
import type { AuditResult } from '../../../src/engine/auditResult';
import type { ModelAudit } from '../../../src/engine/modelAudit/modelAuditTypes';
import { renderMarkdown } from '../../../src/engine/report/markdownReport';
import { toDashboardData } from '../../../webview/dashboardData';
import { readPredictionsFile, softmaxRow } from '../../../src/engine/predictions/predictionsFile';
import { tempDir, writeImages, writeText } from '../dataset/datasetFixtures';

const root = path.resolve(__dirname, '../../..');
const fixtures = path.join(root, 'test/fixtures/predictions');
const reference = JSON.parse(readFileSync(path.join(fixtures, 'seededReference.json'), 'utf8')) as {
  images: number;
  accuracy: number;
  balancedAccuracy: number;
  logLoss: number;
  aucMalignant: number;
  accuracyByGroup: Record<string, number>;
  accuracyDifference: number;
  demographicParityDifference: number;
  equalizedOddsDifference: number;
  truePositiveRateByGroup: Record<string, number>;
};
const seededRows = readFileSync(path.join(fixtures, 'seeded.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));

const close = (actual: number | null | undefined, expected: number, tolerance = 1e-9, what = ''): void => {
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} ≠ ${expected}`);
};

/** The seeded dataset (paths, labels, splits, skin) as a manifest dataset in a fresh folder, and a fairframe.json naming 'skin'. */
async function seededDataset(extraConfig: Record<string, unknown> = {}): Promise<string> {
  const dir = await tempDir('ff-predictions-');
  const data = path.join(dir, 'data');
  await writeImages(data, seededRows.map((row) => row[0]));
  await writeText(data, 'manifest.csv', ['path,label,split,skin', ...seededRows.map((row) => row.slice(0, 4).join(','))].join('\n') + '\n');
  await writeText(dir, 'fairframe.json', JSON.stringify({ attributes: ['skin'], thresholds: { bootstrapReplicates: 50 }, ...extraConfig }));
  return dir;
}

async function auditWith(dir: string, predictions: string[] | undefined): Promise<AuditResult> {
  return auditPath(path.join(dir, 'data', 'manifest.csv'), { configFile: path.join(dir, 'fairframe.json'), models: predictions, split: 'all' });
}

function expectReferenceFigures(audit: ModelAudit, withScores: boolean): void {
  assert.equal(audit.status, 'ok', audit.reason);
  const overall = audit.overall;
  assert.ok(overall);
  assert.equal(overall.images, reference.images);
  close(overall.accuracy.estimate, reference.accuracy, 1e-12, 'accuracy');
  close(overall.balancedAccuracy.estimate, reference.balancedAccuracy, 1e-12, 'balanced accuracy');
  if (withScores) {
    close(overall.logLoss, reference.logLoss, 1e-6, 'log loss');
    close(overall.perClass.find((row) => row.class === 'malignant')?.auc, reference.aucMalignant, 1e-9, 'AUC');
  }
  const skin = audit.groups?.find((group) => group.name === 'skin');
  assert.ok(skin);
  const accuracy = skin.metrics.find((metric) => metric.metric === 'accuracy');
  for (const [group, value] of Object.entries(reference.accuracyByGroup)) close(accuracy?.byGroup.find((g) => g.group === group)?.estimate, value, 1e-12, `accuracy of ${group}`);
  close(accuracy?.difference.estimate, reference.accuracyDifference, 1e-12, 'accuracy difference');
  const figure = (name: string): number | null | undefined => skin.fairness.find((f) => f.name === name && f.class === 'malignant')?.value;
  close(figure('demographic parity difference'), reference.demographicParityDifference, 1e-12, 'demographic parity difference');
  close(figure('equalized odds difference'), reference.equalizedOddsDifference, 1e-12, 'equalized odds difference');
  const tpr = skin.metrics.find((metric) => metric.metric === 'truePositiveRate' && metric.class === 'malignant');
  for (const [group, value] of Object.entries(reference.truePositiveRateByGroup)) close(tpr?.byGroup.find((g) => g.group === group)?.estimate, value, 1e-12, `TPR of ${group}`);
}

describe('audit from a predictions file', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });

  it('reports the figures scikit-learn and fairlearn compute from a probability CSV', async () => {
    const dir = await seededDataset();
    dirs.push(dir);
    const result = await auditWith(dir, [path.join(fixtures, 'seeded.csv')]);
    const audit = result.models[0];
    expectReferenceFigures(audit, true);
    assert.equal(audit.predictionsFile?.scoreKind, 'probabilities');
    assert.deepEqual(audit.predictionsFile?.columns.scores, ['benign', 'malignant']);
    assert.ok(audit.labelIssues, 'confident learning runs on probabilities');
    assert.ok(result.findings.some((f) => f.rule === 'FF-M054' && /explanations/.test(f.message)));
    const markdown = renderMarkdown(result);
    assert.match(markdown, /- Predictions file \(CSV\): a probability per class; path column `path`, score columns `benign`, `malignant`/);
    assert.match(markdown, /- Rows: 160 read, 0 skipped as unreadable, 0 naming no image/);
    assert.doesNotMatch(markdown, /ONNX IR 0/);
    // The dashboard names the classes of the confusion matrix from the per-class rows (there is no ONNX usage).
    assert.deepEqual(toDashboardData(result).models[0].classNames, ['benign', 'malignant']);
  });

  it('reads logit columns through a softmax, and a models[].predictions entry in fairframe.json', async () => {
    const dir = await seededDataset({ models: [{ predictions: 'scores/logits.jsonl' }] });
    dirs.push(dir);
    // logit = ln(p) + 3: the softmax gives p / (p_benign + p_malignant) back, the figures are the same.
    const lines = seededRows.map((row) => JSON.stringify({ image: row[0], logits: { benign: Math.log(Number(row[4])) + 3, malignant: Math.log(Number(row[5])) + 3 } }));
    await writeText(dir, 'scores/logits.jsonl', lines.join('\n') + '\n');
    const result = await auditWith(dir, undefined);
    assert.equal(result.models.length, 1);
    expectReferenceFigures(result.models[0], true);
    assert.equal(result.models[0].predictionsFile?.scoreKind, 'logits');
  });

  it('audits predicted labels alone, and says calibration and label issues need probabilities', async () => {
    const dir = await seededDataset();
    dirs.push(dir);
    const predicted = seededRows.map((row) => `${row[0]},${Number(row[5]) > Number(row[4]) ? 'malignant' : 'benign'}`);
    const file = await writeText(dir, 'labels.csv', ['file_name,predicted', ...predicted].join('\n') + '\n');
    const result = await auditWith(dir, [file]);
    const audit = result.models[0];
    expectReferenceFigures(audit, false);
    assert.equal(audit.predictionsFile?.scoreKind, 'labels');
    assert.equal(audit.overall?.calibration.ece.estimate, null);
    assert.equal(audit.overall?.logLoss, null);
    assert.equal(audit.labelIssues, undefined);
    assert.ok(!audit.groups?.some((group) => group.metrics.some((metric) => metric.metric === 'ece')));
    assert.ok(result.findings.some((f) => f.rule === 'FF-M054' && /calibration/.test(f.message) && /label issues/.test(f.message)));
  });

  it('matches rows by path or unique file name, and reports unmatched rows, missing images, bad rows and sums off 1', async () => {
    const dir = await tempDir('ff-predictions-');
    dirs.push(dir);
    const data = path.join(dir, 'data');
    await writeImages(data, ['a/x.png', 'a/y.png', 'b/y.png', 'b/z.png', 'c/w.png']);
    await writeText(data, 'manifest.csv', 'path,label\na/x.png,cat\na/y.png,dog\nb/y.png,cat\nb/z.png,dog\nc/w.png,cat\n');
    // BOM, CRLF, a quoted path with a comma-free name, './' prefix, backslashes, a bare unique name (z.png), an
    // ambiguous name (y.png: a/y.png and b/y.png), a row for no image, a repeated image, a bad number, a sum of 2.
    const text = '\uFEFFpath,prob_cat,prob_dog\r\n' +
      '"a/x.png",0.9,0.1\r\n' + // line 2: cat ✓ (label cat)
      '.\\a\\y.png,0.2,0.8\r\n' + // line 3: dog ✓ (label dog)
      'z.png,1.2,0.8\r\n' + // line 4: by name → b/z.png; sum 2 → 0.6/0.4: cat ✗ (label dog)
      'y.png,0.5,0.5\r\n' + // line 5: ambiguous name → unmatched
      'nothere.png,0.5,0.5\r\n' + // line 6: unmatched
      'a/x.png,0.1,0.9\r\n' + // line 7: repeats a/x.png → duplicate
      'c/w.png,abc,0.5\r\n'; // line 8: bad number → skipped, so c/w.png has no prediction
    const file = await writeText(dir, 'preds.csv', text);
    const result = await auditPath(path.join(data, 'manifest.csv'), { models: [file] });
    const audit = result.models[0];
    assert.equal(audit.status, 'ok', audit.reason);
    // Audited: a/x (✓), a/y (✓), b/z (✗); b/y and c/w have no usable row. Accuracy 2/3.
    assert.equal(audit.overall?.images, 3);
    close(audit.overall?.accuracy.estimate, 2 / 3, 1e-12, 'accuracy');
    assert.equal(audit.predictions?.['b/z.png']?.confidence, 0.6);
    const summary = audit.predictionsFile;
    assert.ok(summary);
    assert.equal(summary.rows, 6);
    assert.equal(summary.invalidRows, 1);
    assert.equal(summary.unmatchedRows, 2);
    assert.equal(summary.duplicateRows, 1);
    assert.equal(summary.matchedByName, 1);
    assert.equal(summary.imagesWithoutPrediction, 2);
    assert.equal(summary.renormalisedRows, 1);
    close(summary.maxSumDeviation, 1, 1e-12, 'largest deviation');
    const rule = (id: string): string => result.findings.filter((f) => f.rule === id).map((f) => f.message).join('\n');
    assert.match(rule('FF-M050'), /2 of 6 rows name no image.*'y\.png'.*'nothere\.png'.*1 of them give a file name several images share.*1 rows repeat/s);
    assert.match(rule('FF-M051'), /2 of 5 images have no row in preds\.csv.*'b\/y\.png'.*'c\/w\.png'/);
    assert.match(rule('FF-M053'), /Line 8 has no finite number for class 'cat' \("abc"\)/);
    assert.match(rule('FF-M052'), /in 1 of 6 rows the probabilities do not sum to 1/);
  });

  it('gives a clear error when no row names an image, and when no column holds a prediction', async () => {
    const dir = await tempDir('ff-predictions-');
    dirs.push(dir);
    const data = path.join(dir, 'data');
    await writeImages(data, ['cat/1.png', 'dog/1.png']);
    const none = await writeText(dir, 'none.csv', 'path,cat,dog\nelsewhere/9.png,0.5,0.5\n');
    const noScores = await writeText(dir, 'noscores.csv', 'path,something\ncat/1.png,3\n');
    const noPath = await writeText(dir, 'nopath.csv', 'picture,cat,dog\ncat/1.png,1,0\n');
    const result = await auditPath(data, { models: [none, noScores, noPath] });
    const messages = result.findings.filter((f) => f.rule === 'FF-M001').map((f) => f.message);
    assert.equal(result.models.every((model) => model.status === 'failed'), true);
    assert.match(messages[0], /no row of 'none\.csv' names an image of dataset.*first path: 'elsewhere\/9\.png'.*relative to the dataset root/);
    assert.match(messages[1], /has no predictions Fairframe recognises.*'predicted' column.*prob_<class>.*logit_<class>/);
    assert.match(messages[2], /has no image path column/);
  });
});

describe('predictions file parsing', () => {
  it('softmax of logits: [0, ln 3] gives [1/4, 3/4]', () => {
    const probs = softmaxRow([0, Math.log(3)]);
    close(probs[0], 0.25, 1e-15, 'p0');
    close(probs[1], 0.75, 1e-15, 'p1');
    // Stable for large logits: [1000, 1000 + ln 3] gives the same.
    const large = softmaxRow([1000, 1000 + Math.log(3)]);
    close(large[1], 0.75, 1e-12, 'large');
  });

  it('rejects hexadecimal, empty, infinite and NaN numbers, and takes a JSONL list in the configured class order', async () => {
    const dir = await tempDir('ff-predictions-');
    const file = await writeText(dir, 'p.jsonl', [
      '{"path":"a.png","probs":[0.25,0.75]}',
      '{"path":"b.png","probs":[0.25]}',
      '{"path":"c.png","probs":"nope"}',
      '{"path":"d.png","probs":[null,1]}',
    ].join('\n'));
    const table = await readPredictionsFile(file, { datasetLabels: ['cat', 'dog'], labels: ['cat', 'dog'] });
    assert.deepEqual(table.classNames, ['cat', 'dog']);
    assert.equal(table.rows.length, 1);
    assert.deepEqual([...table.rows[0].probs], [0.25, 0.75]);
    assert.equal(table.skippedRows, 3);
    const csv = await writeText(dir, 'p.csv', 'path,cat,dog\na.png,0x1,0\nb.png,,1\nc.png,Infinity,0\nd.png,NaN,1\ne.png,1e-1,9e-1\n');
    const parsed = await readPredictionsFile(csv, { datasetLabels: ['cat', 'dog'] });
    assert.equal(parsed.rows.length, 1);
    assert.equal(parsed.rows[0].path, 'e.png');
    assert.equal(parsed.skippedRows, 4);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('matches class columns to dataset labels up to case and spaces', async () => {
    const dir = await tempDir('ff-predictions-');
    const file = await writeText(dir, 'p.csv', 'Image,Prob_Skin Cancer,prob_benign\na.png,0.5,0.5\n');
    const table = await readPredictionsFile(file, { datasetLabels: ['skin  cancer', 'benign'] });
    assert.deepEqual(table.classNames, ['skin  cancer', 'benign']);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe('fairframe audit --predictions (CLI)', function () {
  this.timeout(180_000);
  const cli = path.join(root, 'dist/cli.js');
  it('audits from a predictions CSV and prints the accuracy', async () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    const dir = await seededDataset();
    const run = spawnSync(process.execPath, [cli, 'audit', path.join(dir, 'data', 'manifest.csv'), '-c', path.join(dir, 'fairframe.json'), '--predictions', path.join(fixtures, 'seeded.csv'), '--split', 'all', '--no-cache', '--quiet', '-f', 'json'], { encoding: 'utf8' });
    await fs.rm(dir, { recursive: true, force: true });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as AuditResult;
    close(result.models[0].overall?.accuracy.estimate, reference.accuracy, 1e-12, 'accuracy');
    assert.equal(result.models[0].predictionsFile?.rows, reference.images);
  });
});
