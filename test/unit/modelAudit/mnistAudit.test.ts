// The whole pipeline on the real MNIST classifier: IDX → PNG files in an ImageFolder → discovery → scan →
// preprocessing resolved from the model alone → inference (batch-1 model) → metrics. The figures must be those in
// shared/data/mnist/PROVENANCE.json, measured independently on the raw IDX tensors.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { auditPath } from '../../../src/engine/audit';
import type { AuditResult } from '../../../src/engine/auditResult';
import { encodeGreyPng, readIdx } from '../model/idx';
import { requireSharedData, sharedDataPath } from '../sharedData';

const MNIST = sharedDataPath('mnist');

interface Provenance {
  measured: { top1_pixels_scaled_to_0_1: number; per_class_recall_pixels_scaled_to_0_1: Record<string, number> };
}

describe('model audit of the real MNIST model on the MNIST test set', function () {
  this.timeout(300_000);
  let dir: string;
  let result: AuditResult;
  let provenance: Provenance;

  before(async function () {
    requireSharedData(this, path.join(MNIST, 'mnist.onnx'), path.join(MNIST, 't10k-images-idx3-ubyte.gz'), path.join(MNIST, 'PROVENANCE.json'));
    provenance = JSON.parse(await fs.readFile(path.join(MNIST, 'PROVENANCE.json'), 'utf8')) as Provenance;
    const images = readIdx(await fs.readFile(path.join(MNIST, 't10k-images-idx3-ubyte.gz')));
    const labels = readIdx(await fs.readFile(path.join(MNIST, 't10k-labels-idx1-ubyte.gz')));
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-mnist-audit-'));
    const root = path.join(dir, 'mnist');
    for (let digit = 0; digit < 10; digit++) await fs.mkdir(path.join(root, String(digit)), { recursive: true });
    for (let i = 0; i < 10000; i++) {
      const pixels = images.data.subarray(i * 784, (i + 1) * 784);
      await fs.writeFile(path.join(root, String(labels.data[i]), `${String(i).padStart(5, '0')}.png`), encodeGreyPng(pixels, 28, 28));
    }
    result = await auditPath(root, { models: [path.join(MNIST, 'mnist.onnx')], cacheDir: path.join(dir, 'cache') });
  });

  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('reproduces top-1 accuracy 0.9890 and every per-class recall', () => {
    const audit = result.models[0];
    assert.equal(audit.status, 'ok', audit.reason);
    const overall = audit.overall;
    assert.ok(overall);
    assert.equal(overall.images, 10000);
    assert.equal(overall.accuracy.estimate, provenance.measured.top1_pixels_scaled_to_0_1);
    for (const row of overall.perClass) {
      assert.equal(Number((row.recall ?? NaN).toFixed(4)), provenance.measured.per_class_recall_pixels_scaled_to_0_1[row.class], `recall of ${row.class}`);
    }
    assert.equal(overall.confusionMatrix.flat().reduce((a, b) => a + b, 0), 10000);
    const interval = overall.accuracy;
    assert.ok(interval.lower !== null && interval.upper !== null && interval.lower < 0.989 && interval.upper > 0.989);
  });

  it('runs the fixed-batch model one image at a time, reads logits, and names the labels after the dataset', () => {
    const audit = result.models[0];
    assert.equal(audit.inference?.batchSize, 1);
    assert.equal(audit.inference?.inferred, 10000);
    assert.equal(audit.usage?.outputKind, 'logits');
    assert.equal(audit.usage?.outputKindSource, 'detected');
    assert.equal(audit.usage?.sources.labels, 'inferred');
    assert.deepEqual(audit.usage?.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(audit.usage?.preprocess.channels, 1);
    assert.equal(audit.usage?.features?.name, 'Pooling160_Output_0_reshape0');
  });

  it('says which preprocessing it assumed and reports the performance with its interval', () => {
    const assumed = result.findings.filter((f) => f.rule === 'FF-M003');
    assert.equal(assumed.length, 1);
    assert.match(assumed[0].message, /scale = 0\.0039/);
    const performance = result.findings.find((f) => f.rule === 'FF-M006');
    assert.match(performance?.message ?? '', /accuracy 98\.9% \[/);
  });

  it('flags likely label errors only among the model\'s mistakes', () => {
    const issues = result.models[0].labelIssues?.issues ?? [];
    assert.ok(issues.length > 0 && issues.length <= 110, `${issues.length} issues`);
    const predictions = result.models[0].predictions ?? {};
    for (const issue of issues) assert.equal(predictions[issue.relPath].correct, false, issue.relPath);
  });

  it('answers a second audit from the prediction cache', async () => {
    const again = await auditPath(path.join(dir, 'mnist'), { models: [path.join(MNIST, 'mnist.onnx')], cacheDir: path.join(dir, 'cache') });
    assert.equal(again.models[0].inference?.inferred, 0);
    assert.equal(again.models[0].inference?.cacheHits, 10000);
    assert.equal(again.models[0].overall?.accuracy.estimate, 0.989);
  });
});
