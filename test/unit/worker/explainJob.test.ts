// The explain job resolves the model as the audit does: labels and preprocessing declared only in fairframe.json
// (found at or above the model's folder, or handed over from the audit) are used, and the asked-for class is explained.
// Model: mean_logits.onnx, logits [4m − 2, 2 − 4m] with m = the mean preprocessed value (test/fixtures/inference).
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { findModelDeclaration } from '../../../src/engine/explain/modelDeclaration';
import { Explainer } from '../../../src/engine/explain/explainer';
import { explainInWorker } from '../../../src/worker/explainJob';

const MODEL = path.resolve(__dirname, '../../fixtures/inference/mean_logits.onnx');

describe('explain job model settings', function () {
  this.timeout(120_000);
  let dir: string;
  let model: string;
  let image: string;

  before(async () => {
    dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ff-explain-job-')));
    model = path.join(dir, 'models', 'mean.onnx');
    await fs.mkdir(path.dirname(model), { recursive: true });
    await fs.copyFile(MODEL, model);
    image = path.join(dir, 'bright.png');
    await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 230, g: 230, b: 230 } } }).png().toFile(image);
    // Declared only here, one folder above the model: labels, and a normalisation that turns the bright image dark
    // ((230/255 − 1) / 1 = −0.098, so m < 0.5 and class 1 wins; without it m = 0.902 and class 0 wins).
    await fs.writeFile(path.join(dir, 'fairframe.json'), JSON.stringify({
      models: [{ path: 'models/mean.onnx', labels: ['light', 'shade'], preprocess: { mean: [1, 1, 1], std: [1, 1, 1] } }],
    }));
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('finds the fairframe.json entry at or above the model folder', async () => {
    const found = await findModelDeclaration(model);
    assert.equal(found.configFile, path.join(dir, 'fairframe.json'));
    assert.deepEqual(found.config?.labels, ['light', 'shade']);
    assert.deepEqual(await findModelDeclaration(MODEL), {}, 'the fixture itself is declared nowhere');
  });

  it('explains with the declared labels and preprocessing when no config is sent', async () => {
    const reply = await explainInWorker({ model, image, method: 'occlusion', size: 32 }, {});
    assert.equal(reply.predictedName, 'shade');
    assert.equal(reply.className, 'shade');
  });

  it('honours the asked-for class, by the model label or its dataset name after labelMap', async () => {
    const asked = await explainInWorker({ model, image, method: 'occlusion', size: 32, className: 'light' }, {});
    assert.equal(asked.className, 'light');
    assert.equal(asked.predictedName, 'shade');
    const mapped = await explainInWorker({ model, image, method: 'occlusion', size: 32, className: 'Dark', modelConfig: { labels: ['bright', 'dark'], labelMap: { dark: 'Dark' } } }, {});
    assert.equal(mapped.className, 'dark');
    assert.equal(mapped.predictedName, 'bright', 'the handed-over entry (no normalisation) wins over the file');
  });

  it('an explainer evicted while a concurrent request still uses it is disposed only after that request', async () => {
    // Watch every explainer: which are inside explain() or overlayPng(), whether dispose() comes while they are, and
    // whether one is used after it was disposed.
    const busy = new Map<Explainer, number>();
    const disposedWhileBusy: Explainer[] = [];
    const disposed: Explainer[] = [];
    const usedAfterDispose: Explainer[] = [];
    const proto = Explainer.prototype as unknown as Record<'explain' | 'overlayPng' | 'dispose', (...args: unknown[]) => Promise<unknown>>;
    const originals = { explain: proto.explain, overlayPng: proto.overlayPng, dispose: proto.dispose };
    for (const name of ['explain', 'overlayPng'] as const) {
      proto[name] = async function (this: Explainer, ...args: unknown[]) {
        if (disposed.includes(this)) usedAfterDispose.push(this);
        busy.set(this, (busy.get(this) ?? 0) + 1);
        try {
          // A turn of the event loop inside the work, as a real model run has.
          await new Promise((resolve) => setImmediate(resolve));
          return await originals[name].apply(this, args);
        } finally {
          busy.set(this, (busy.get(this) ?? 1) - 1);
        }
      };
    }
    proto.dispose = async function (this: Explainer) {
      disposed.push(this);
      if ((busy.get(this) ?? 0) > 0) disposedWhileBusy.push(this);
      return originals.dispose.apply(this);
    };
    try {
      // Three settings (three explainers) at once, two kept: the first is evicted as the third starts, while in use.
      const jobs = [['a', 'b'], ['c', 'd'], ['e', 'f']].map((labels) => explainInWorker({ model, image, size: 8, datasetLabels: labels, modelConfig: { labels } }, {}));
      const replies = await Promise.all(jobs);
      assert.deepEqual(replies.map((reply) => reply.className), ['a', 'c', 'e']);
      // Released after its request (a promise turn later): the first of the three, and those of earlier tests.
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(disposed.length >= 1, 'the evicted explainer is released once its request is done');
      assert.deepEqual(disposedWhileBusy, [], 'never while a request uses it');
      assert.deepEqual(usedAfterDispose, [], 'nor before a request that holds it has used it');
    } finally {
      Object.assign(proto, originals);
    }
    // And the one evicted is opened afresh when asked again.
    assert.equal((await explainInWorker({ model, image, size: 8, datasetLabels: ['a', 'b'], modelConfig: { labels: ['a', 'b'] } }, {})).className, 'a');
  });
});
