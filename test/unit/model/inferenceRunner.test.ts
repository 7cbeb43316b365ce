// runInference on tiny models built by test/fixtures/inference/makeModels.py. Each reads a 4×4 image, takes m = the
// mean of its values and outputs logits [4m − 2, 2 − 4m], so every probability below is computed by hand:
// p(class 0) = 1 / (1 + e^−(8m − 4)). Images are solid colours, so resizing leaves their values exact.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { FairframeError } from '../../../src/engine/errors';
import { runInference, type InferenceItem, type InferenceProgress } from '../../../src/engine/model/inferenceRunner';
import type { ModelSpec, PreprocessSpec } from '../../../src/engine/model/modelTypes';
import { PredictionCache } from '../../../src/engine/model/predictionCache';
import { detectOutputKind, softmax, topK } from '../../../src/engine/model/softmax';

const FIXTURES = path.resolve(__dirname, '../../fixtures/inference');

function model(name: string): Promise<Buffer> {
  return fs.readFile(path.join(FIXTURES, name));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function makeSpec(overrides: Partial<ModelSpec> = {}, preprocess: Partial<PreprocessSpec> = {}): ModelSpec {
  return {
    labels: ['bright', 'dark'],
    preprocess: { width: 4, height: 4, resize: 'stretch', layout: 'NCHW', channels: 3, channelOrder: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], inputType: 'float32', ...preprocess },
    inputName: 'image',
    outputName: 'logits',
    outputKind: 'auto',
    labelMap: {},
    sources: {},
    ...overrides,
  };
}

/** p(class 0) for an image of mean value m (on the 0–1 scale). */
function brightProbability(m: number): number {
  return 1 / (1 + Math.exp(-(8 * m - 4)));
}

type Rgb = [number, number, number];

// Solid colours, their mean m = (r + g + b) / 765 and, by hand, p(bright) = 1 / (1 + e^−(8m − 4)).
const COLOURS: Array<{ rgb: Rgb; m: number; bright: number }> = [
  { rgb: [255, 255, 255], m: 1, bright: 0.98201379 },
  { rgb: [0, 0, 0], m: 0, bright: 0.01798621 },
  { rgb: [51, 102, 153], m: 0.4, bright: 0.31002552 },
  { rgb: [255, 0, 0], m: 1 / 3, bright: 0.20860853 },
  { rgb: [153, 153, 153], m: 0.6, bright: 0.68997448 },
  { rgb: [0, 255, 255], m: 2 / 3, bright: 0.79139147 },
];

describe('runInference', function () {
  this.timeout(30_000);
  let dir: string;
  let items: InferenceItem[];
  const colourOf = new Map<string, (typeof COLOURS)[number]>();

  async function writeImage(name: string, rgb: Rgb, width = 8, height = 6): Promise<InferenceItem> {
    const bytes = await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
    const file = path.join(dir, name);
    await fs.writeFile(file, bytes);
    return { recordId: name, path: file, contentHash: sha256(bytes) };
  }

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-infer-'));
    items = [];
    for (const [index, colour] of COLOURS.entries()) {
      const item = await writeImage(`colour-${index}.png`, colour.rgb);
      colourOf.set(item.recordId, colour);
      items.push(item);
    }
  });

  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  function assertPredictions(predictions: Map<string, { probs: Float32Array; top: Array<[number, number]> }>, records: InferenceItem[]): void {
    for (const item of records) {
      const colour = colourOf.get(item.recordId);
      assert.ok(colour, item.recordId);
      const prediction = predictions.get(item.recordId);
      assert.ok(prediction, `no prediction for ${item.recordId}`);
      assert.ok(Math.abs(prediction.probs[0] - colour.bright) < 1e-6, `${item.recordId}: p(bright) = ${prediction.probs[0]}, expected ${colour.bright}`);
      assert.ok(Math.abs(prediction.probs[0] - brightProbability(colour.m)) < 1e-6);
      assert.ok(Math.abs(prediction.probs[0] + prediction.probs[1] - 1) < 1e-6);
      const best = colour.bright >= 0.5 ? 0 : 1;
      assert.deepEqual(prediction.top.map(([index]) => index), [best, 1 - best]);
      assert.equal(prediction.top[0][1], prediction.probs[best]);
    }
  }

  it('batches a dynamic-batch model, detects logits and applies softmax; features are the channel means', async () => {
    const progress: InferenceProgress[] = [];
    const { predictions, failures, stats } = await runInference({
      modelBytes: await model('mean_logits.onnx'),
      spec: makeSpec(),
      items,
      featureOutput: 'features',
      batchSize: 4,
      onProgress: (report) => progress.push(report),
    });
    assert.deepEqual(failures, []);
    assert.deepEqual(stats, { inferred: 6, cacheHits: 0, batches: 2, batchSize: 4, fellBackToBatch1: false, outputKind: 'logits' });
    assertPredictions(predictions, items);
    const features = predictions.get('colour-2.png')?.features;
    assert.ok(features);
    assert.deepEqual([...features].map((v) => Math.round(v * 255 * 1e4) / 1e4), [51, 102, 153]);
    assert.deepEqual(progress.at(-1), { stage: 'infer', done: 6, total: 6, message: 'Running the model on 6 images' });
    assert.equal(progress[0].done, 0);
  });

  it('uses a probability output as it is (not softmax twice): detected as probabilities', async () => {
    const { predictions, stats } = await runInference({ modelBytes: await model('mean_probs.onnx'), spec: makeSpec({ outputName: 'probs' }), items, batchSize: 32 });
    assert.equal(stats.outputKind, 'probabilities');
    assert.equal(stats.batches, 1);
    assertPredictions(predictions, items);
  });

  it('runs a model whose input is fixed to batch 1 one image per run, without calling it a fallback', async () => {
    const { predictions, stats } = await runInference({ modelBytes: await model('fixed_batch1.onnx'), spec: makeSpec(), items, batchSize: 4 });
    assert.deepEqual(stats, { inferred: 6, cacheHits: 0, batches: 6, batchSize: 1, fellBackToBatch1: false, outputKind: 'logits' });
    assertPredictions(predictions, items);
  });

  it('pads the short last batch of a model fixed to batch 4 with black images, and drops their rows', async () => {
    const { predictions, stats } = await runInference({ modelBytes: await model('fixed_batch4.onnx'), spec: makeSpec(), items, batchSize: 32 });
    assert.deepEqual(stats, { inferred: 6, cacheHits: 0, batches: 2, batchSize: 4, fellBackToBatch1: false, outputKind: 'logits' });
    assert.equal(predictions.size, 6);
    assertPredictions(predictions, items);
  });

  it('falls back to batch 1 when a batched run fails (a reshape to batch 1 inside the graph), and says so', async () => {
    const { predictions, stats, failures } = await runInference({ modelBytes: await model('reshape_batch1.onnx'), spec: makeSpec(), items, batchSize: 4 });
    assert.deepEqual(failures, []);
    // The refused batch of 4 is not counted; then 4 + 2 single-image runs.
    assert.deepEqual(stats, { inferred: 6, cacheHits: 0, batches: 6, batchSize: 1, fellBackToBatch1: true, outputKind: 'logits' });
    assertPredictions(predictions, items);
  });

  it('feeds uint8 NHWC tensors to a uint8 model', async () => {
    const { predictions, stats } = await runInference({ modelBytes: await model('uint8_nhwc.onnx'), spec: makeSpec({}, { inputType: 'uint8', layout: 'NHWC' }), items, batchSize: 3 });
    assert.equal(stats.batches, 2);
    assertPredictions(predictions, items);
  });

  it('lists a corrupt image as a failure and predicts the others; identical files run once', async () => {
    const corrupt = path.join(dir, 'corrupt.jpg');
    await fs.writeFile(corrupt, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xdb]));
    const copy = { ...items[2], recordId: 'copy-of-colour-2' };
    const mixed = [items[0], { recordId: 'corrupt', path: corrupt, contentHash: 'c0ffee' }, items[1], copy, ...items.slice(2)];
    const { predictions, failures, stats } = await runInference({ modelBytes: await model('mean_logits.onnx'), spec: makeSpec(), items: mixed, batchSize: 4 });
    assert.equal(failures.length, 1);
    assert.equal(failures[0].recordId, 'corrupt');
    assert.match(failures[0].message, /^The image 'corrupt\.jpg' could not be decoded for the model \(.+\)\. Replace or remove the file/);
    assert.equal(stats.inferred, 6);
    assert.equal(predictions.size, 7);
    assert.equal(predictions.has('corrupt'), false);
    assert.deepEqual([...(predictions.get('copy-of-colour-2')?.probs ?? [])], [...(predictions.get('colour-2.png')?.probs ?? [])]);
    assertPredictions(predictions, items);
  });

  it('refuses inputs images cannot give, before decoding anything (the image paths do not exist)', async () => {
    const missing: InferenceItem[] = [{ recordId: 'x', path: path.join(dir, 'does-not-exist.png'), contentHash: 'x' }];
    await assert.rejects(runInference({ modelBytes: await model('four_channels.onnx'), spec: makeSpec(), items: missing }), (error: unknown) => {
      assert.ok(FairframeError.is(error, 'bad-model'));
      assert.match(error.message, /^The model input 'image' expects 4 channels \(shape \[batch, 4, 4, 4\]\); images give 1 \(greyscale\) or 3 \(RGB\)/);
      return true;
    });
    await assert.rejects(
      runInference({ modelBytes: await model('int64_input.onnx'), spec: makeSpec(), items: missing }),
      (error: unknown) => FairframeError.is(error, 'bad-model') && /has element type int64; images give float32 or uint8 tensors/.test(error.message),
    );
    await assert.rejects(
      runInference({ modelBytes: await model('mean_logits.onnx'), spec: makeSpec({}, { width: 8, height: 8 }), items: missing }),
      (error: unknown) => FairframeError.is(error, 'bad-config') && /expects 4×4 images \(shape \[batch, 3, 4, 4\], NCHW\) but the preprocessing gives 8×8/.test(error.message),
    );
    await assert.rejects(
      runInference({ modelBytes: await model('mean_logits.onnx'), spec: makeSpec({}, { layout: 'NHWC' }), items: missing }),
      (error: unknown) => FairframeError.is(error, 'bad-config') && /reads as NCHW: set preprocess.layout to 'NCHW'/.test(error.message),
    );
    await assert.rejects(
      runInference({ modelBytes: await model('mean_logits.onnx'), spec: makeSpec({ inputName: 'pixels' }), items: missing }),
      (error: unknown) => FairframeError.is(error, 'bad-config') && /no input named 'pixels' \(its inputs: image\)/.test(error.message),
    );
    await assert.rejects(
      runInference({ modelBytes: await model('mean_logits.onnx'), spec: makeSpec(), items: missing, featureOutput: 'penultimate' }),
      (error: unknown) => FairframeError.is(error, 'bad-config') && /no output named 'penultimate' \(its outputs: logits, features\)/.test(error.message),
    );
    await assert.rejects(
      runInference({ modelBytes: await model('uint8_nhwc.onnx'), spec: makeSpec({}, { layout: 'NHWC' }), items: missing }),
      (error: unknown) => FairframeError.is(error, 'bad-config') && /is uint8 but the preprocessing produces float32; set preprocess.inputType to 'uint8'/.test(error.message),
    );
  });

  it('turns a truncated model file into bad-model', async () => {
    const bytes = await model('mean_logits.onnx');
    await assert.rejects(runInference({ modelBytes: bytes.subarray(0, 100), spec: makeSpec(), items }), (error: unknown) => {
      assert.ok(FairframeError.is(error, 'bad-model'));
      assert.match(error.message, /^ONNX Runtime could not load the model \(.+\)\. The file may be truncated/);
      return true;
    });
  });

  it('refuses labels that do not match the number of outputs', async () => {
    await assert.rejects(
      runInference({ modelBytes: await model('mean_logits.onnx'), spec: makeSpec({ labels: ['a', 'b', 'c'] }), items }),
      (error: unknown) => FairframeError.is(error, 'bad-config') && /gives 2 values per image but 3 labels are declared/.test(error.message),
    );
  });

  it('caches per image content: a second run infers nothing, adding images infers only those', async () => {
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-infer-cache-'));
    try {
      const modelBytes = await model('mean_logits.onnx');
      const spec = makeSpec();
      const open = (): Promise<PredictionCache> => PredictionCache.open(cacheDir, sha256(modelBytes), spec);
      const first = await runInference({ modelBytes, spec, items: items.slice(0, 4), batchSize: 2, cache: await open() });
      assert.equal(first.stats.inferred, 4);
      assert.equal(first.stats.cacheHits, 0);

      const again = await runInference({ modelBytes, spec, items: items.slice(0, 4), batchSize: 2, cache: await open() });
      assert.deepEqual(again.stats, { inferred: 0, cacheHits: 4, batches: 0, batchSize: 2, fellBackToBatch1: false, outputKind: 'logits' });
      assertPredictions(again.predictions, items.slice(0, 4));

      // Two new images and a renamed copy of a cached one (the same image by content): only the two new ones run.
      const renamed = { ...items[0], recordId: 'renamed', path: path.join(dir, 'renamed.png') };
      await fs.copyFile(items[0].path, renamed.path);
      colourOf.set('renamed', COLOURS[0]);
      const grown = [...items, renamed];
      const third = await runInference({ modelBytes, spec, items: grown, batchSize: 2, cache: await open() });
      assert.equal(third.stats.inferred, 2);
      assert.equal(third.stats.cacheHits, 4);
      assert.equal(third.predictions.size, 7);
      assert.equal(third.stats.batches, 1);
      assertPredictions(third.predictions, grown);

      // Asking for features that the cache lacks runs the model again.
      const withFeatures = await runInference({ modelBytes, spec, items: grown, featureOutput: 'features', cache: await open() });
      assert.equal(withFeatures.stats.inferred, 6);
      const featuresCached = await runInference({ modelBytes, spec, items: grown, featureOutput: 'features', cache: await open() });
      assert.equal(featuresCached.stats.cacheHits, 6);
      assert.deepEqual([...(featuresCached.predictions.get('colour-3.png')?.features ?? [])].map((v) => Math.round(v * 255)), [255, 0, 0]);

      // Another preprocessing is another cache file: nothing is reused.
      const otherSpec = makeSpec({}, { mean: [0.1, 0.1, 0.1] });
      const other = await runInference({ modelBytes, spec: otherSpec, items: grown, cache: await PredictionCache.open(cacheDir, sha256(modelBytes), otherSpec) });
      assert.equal(other.stats.cacheHits, 0);
      await assert.rejects(runInference({ modelBytes, spec: otherSpec, items, cache: await open() }), (error: unknown) => FairframeError.is(error, 'internal'));
    } finally {
      await fs.rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('after adding 100 images to 50 cached ones, runs the model on those 100 only', async () => {
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-infer-grow-'));
    try {
      const many: InferenceItem[] = [];
      for (let i = 0; i < 150; i++) {
        const rgb: Rgb = [i, (2 * i) % 256, 255 - i];
        const m = (rgb[0] + rgb[1] + rgb[2]) / 765;
        const item = await writeImage(`many-${i}.png`, rgb, 4, 4);
        colourOf.set(item.recordId, { rgb, m, bright: brightProbability(m) });
        many.push(item);
      }
      const modelBytes = await model('mean_logits.onnx');
      const spec = makeSpec();
      const first = await runInference({ modelBytes, spec, items: many.slice(0, 50), cache: await PredictionCache.open(cacheDir, sha256(modelBytes), spec) });
      assert.equal(first.stats.inferred, 50);
      const grown = await runInference({ modelBytes, spec, items: many, cache: await PredictionCache.open(cacheDir, sha256(modelBytes), spec) });
      assert.equal(grown.stats.inferred, 100);
      assert.equal(grown.stats.cacheHits, 50);
      assert.equal(grown.stats.batches, 4); // 100 images in batches of 32
      assertPredictions(grown.predictions, many);
    } finally {
      await fs.rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('cancels between batches with "cancelled"; what was computed stays in the cache', async () => {
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-infer-cancel-'));
    try {
      const modelBytes = await model('mean_logits.onnx');
      const spec = makeSpec();
      const open = (): Promise<PredictionCache> => PredictionCache.open(cacheDir, sha256(modelBytes), spec);
      const controller = new AbortController();
      const seen: number[] = [];
      await assert.rejects(
        runInference({
          modelBytes,
          spec,
          items,
          batchSize: 2,
          cache: await open(),
          signal: controller.signal,
          onProgress: (report) => {
            seen.push(report.done);
            if (report.done >= 2) controller.abort(); // after the first batch
          },
        }),
        (error: unknown) => FairframeError.is(error, 'cancelled'),
      );
      assert.deepEqual(seen, [0, 2]);
      const resumed = await runInference({ modelBytes, spec, items, batchSize: 2, cache: await open() });
      assert.equal(resumed.stats.cacheHits, 2);
      assert.equal(resumed.stats.inferred, 4);
      assertPredictions(resumed.predictions, items);

      const fired = new AbortController();
      fired.abort();
      await assert.rejects(runInference({ modelBytes, spec, items, signal: fired.signal }), (error: unknown) => FairframeError.is(error, 'cancelled'));
    } finally {
      await fs.rm(cacheDir, { recursive: true, force: true });
    }
  });
});

describe('softmax, topK and detectOutputKind', () => {
  it('softmax: [1, 2, 3] → e^k / (e + e² + e³) = 0.09003057, 0.24472847, 0.66524096; stable for huge logits', () => {
    const expected = [0.09003057, 0.24472847, 0.66524096];
    const close = (actual: Float32Array): boolean => actual.every((v, i) => Math.abs(v - expected[i]) < 1e-7);
    assert.ok(close(softmax([1, 2, 3])));
    assert.ok(close(softmax([1001, 1002, 1003]))); // e^1003 overflows; subtracting the maximum first does not
    assert.deepEqual([...softmax([-1e308, 0])], [0, 1]);
    assert.deepEqual([...softmax([Infinity, 0, Infinity])], [0.5, 0, 0.5]);
    assert.ok(softmax([Number.NaN, 1]).every((v) => Number.isNaN(v)));
  });

  it('topK: largest first, ties to the lower index, at most k and at most the row length', () => {
    assert.deepEqual(topK([0.1, 0.4, 0.2, 0.4, 0.05, 0.3], 3), [[1, 0.4], [3, 0.4], [5, 0.3]]);
    assert.deepEqual(topK([0.5, 0.5], 5), [[0, 0.5], [1, 0.5]]);
    assert.deepEqual(topK([3, Number.NaN, 1], 2), [[0, 3], [2, 1]]);
    assert.deepEqual(topK([1, 2], 0), []);
  });

  it('detectOutputKind: probabilities only when every row is within [0, 1] and sums to 1 ± 1e-3', () => {
    assert.equal(detectOutputKind([[0.2, 0.8], [0.5, 0.5]]), 'probabilities');
    assert.equal(detectOutputKind([[0.2, 0.8005]]), 'probabilities');
    assert.equal(detectOutputKind([[0.2, 0.802]]), 'logits');
    assert.equal(detectOutputKind([[0.2, 0.8], [0.3, 0.3]]), 'logits');
    assert.equal(detectOutputKind([[-0.1, 1.1]]), 'logits');
    assert.equal(detectOutputKind([[Number.NaN, 1]]), 'logits');
    assert.equal(detectOutputKind([]), 'logits');
  });
});
