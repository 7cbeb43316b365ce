// A predictions file on real data the project did not make: the logits of the real MNIST model on the 10,000 MNIST test
// images, computed in torch outside the engine (scripts/reference/mnistPredictions.py), audited against the MNIST
// ImageFolder. The figures must be those of shared/data/mnist/PROVENANCE.json, measured independently.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { auditPath } from '../../../src/engine/audit';
import type { AuditResult } from '../../../src/engine/auditResult';
import { encodeGreyPng, readIdx } from '../model/idx';
import { requireSharedData, sharedDataPath } from '../sharedData';

const MNIST = sharedDataPath('mnist');
const LOGITS = path.resolve(__dirname, '../../fixtures/predictions/mnist-logits.csv.gz');

describe('audit from a predictions file of the real MNIST model on the MNIST test set', function () {
  this.timeout(600_000);
  let dir: string;
  let result: AuditResult;
  let provenance: { measured: { top1_pixels_scaled_to_0_1: number; per_class_recall_pixels_scaled_to_0_1: Record<string, number> } };

  before(async function () {
    requireSharedData(this, path.join(MNIST, 't10k-images-idx3-ubyte.gz'), path.join(MNIST, 'PROVENANCE.json'));
    provenance = JSON.parse(await fs.readFile(path.join(MNIST, 'PROVENANCE.json'), 'utf8')) as typeof provenance;
    const images = readIdx(await fs.readFile(path.join(MNIST, 't10k-images-idx3-ubyte.gz')));
    const labels = readIdx(await fs.readFile(path.join(MNIST, 't10k-labels-idx1-ubyte.gz')));
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-mnist-predictions-'));
    const root = path.join(dir, 'mnist');
    for (let digit = 0; digit < 10; digit++) await fs.mkdir(path.join(root, String(digit)), { recursive: true });
    for (let i = 0; i < 10000; i++) {
      await fs.writeFile(path.join(root, String(labels.data[i]), `${String(i).padStart(5, '0')}.png`), encodeGreyPng(images.data.subarray(i * 784, (i + 1) * 784), 28, 28));
    }
    // The predictions file sits outside the dataset, paths relative to the dataset root.
    const predictions = path.join(dir, 'mnist-logits.csv');
    await fs.writeFile(predictions, gunzipSync(await fs.readFile(LOGITS)));
    result = await auditPath(root, { models: [predictions], cacheDir: path.join(dir, 'cache'), thresholds: { bootstrapReplicates: 100 } });
  });

  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('reproduces top-1 accuracy 0.9890 and every per-class recall from the logits', () => {
    const audit = result.models[0];
    assert.equal(audit.status, 'ok', audit.reason);
    assert.equal(audit.predictionsFile?.scoreKind, 'logits');
    assert.deepEqual([audit.predictionsFile?.rows, audit.predictionsFile?.unmatchedRows, audit.predictionsFile?.imagesWithoutPrediction, audit.predictionsFile?.invalidRows], [10000, 0, 0, 0]);
    assert.equal(audit.overall?.images, 10000);
    assert.equal(audit.overall?.accuracy.estimate, provenance.measured.top1_pixels_scaled_to_0_1);
    for (const row of audit.overall?.perClass ?? []) {
      assert.equal(Number((row.recall ?? NaN).toFixed(4)), provenance.measured.per_class_recall_pixels_scaled_to_0_1[row.class], `recall of ${row.class}`);
    }
    // Logits through a softmax give probabilities: calibration and label issues are measured.
    assert.notEqual(audit.overall?.calibration.ece.estimate, null);
    assert.ok(audit.labelIssues && audit.labelIssues.audited === 10000);
  });
});
