// A discovered model's description: a sidecar that cannot be read is an error on the entry, not silently skipped.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeModel, describePredictionsFile } from '../../../src/extension/describeModel';
import { configIn, tempDir, writeText } from '../dataset/datasetFixtures';

const MODEL = path.resolve(__dirname, '../../fixtures/inference/mean_logits.onnx');

describe('describeModel', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('ff-describe-model-');
    await fs.copyFile(MODEL, path.join(dir, 'mean.onnx'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('takes the labels from fairframe.json before the sidecar', async () => {
    const file = path.join(dir, 'mean.onnx');
    await writeText(dir, 'mean.json', JSON.stringify({ labels: ['light', 'shade'] }));
    const entry = await describeModel(file, dir, configIn(dir, { models: [{ path: 'mean.onnx', labels: ['bright', 'dark'] }] }));
    assert.equal(entry.error, undefined);
    assert.deepEqual([entry.labels, entry.describedBy], [['bright', 'dark'], 'fairframe.json']);
  });

  it('reports a malformed sidecar as the entry error', async () => {
    await writeText(dir, 'mean.json', '{ "labels": [ "a", ');
    const entry = await describeModel(path.join(dir, 'mean.onnx'), dir, configIn(dir));
    assert.ok(entry.info, 'the model itself was inspected');
    assert.match(entry.error ?? '', /mean\.json/);
  });

  it('lists a predictions file declared in fairframe.json, resolved against it, and says when it is missing', async () => {
    await writeText(dir, 'scores/preds.csv', 'path,cat,dog\na.png,0.5,0.5\n');
    const config = configIn(dir, { models: [{ predictions: 'scores/preds.csv', labels: ['cat', 'dog'] }, { predictions: 'gone.csv' }] });
    const [present, missing] = config.models as Array<{ predictions: string }>;
    assert.equal(present.predictions, path.join(dir, 'scores/preds.csv'));
    const entry = await describePredictionsFile(present, dir);
    assert.deepEqual([entry.predictions, entry.error, entry.labels, entry.file], [true, undefined, ['cat', 'dog'], path.join(dir, 'scores/preds.csv')]);
    const gone = await describePredictionsFile(missing, dir);
    assert.match(gone.error ?? '', /predictions file '.*gone\.csv' named in fairframe\.json does not exist/);
  });
});
