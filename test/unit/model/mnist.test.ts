// End to end on the real MNIST classifier and the official MNIST test set: the 10,000 test images are written as
// greyscale PNG files (checked against sharp's own encoding below), then decoded, preprocessed and run through runInference. Expected numbers are those in
// shared/data/mnist/PROVENANCE.json, measured independently with onnxruntime on the raw IDX tensors.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { runInference, type InferenceItem } from '../../../src/engine/model/inferenceRunner';
import { preprocessImage } from '../../../src/engine/model/preprocess';
import type { ModelSpec } from '../../../src/engine/model/modelTypes';
import { encodeGreyPng, readIdx } from './idx';
import { requireSharedData, sharedDataPath } from '../sharedData';

const MNIST = sharedDataPath('mnist');

interface Provenance {
  labels: string[];
  input: { name: string };
  output: { name: string };
  measured: { top1_pixels_scaled_to_0_1: number; per_class_recall_pixels_scaled_to_0_1: Record<string, number> };
}

describe('MNIST end to end (real model, 10,000 test images)', function () {
  this.timeout(240_000);
  let dir: string;
  let items: InferenceItem[];
  let truth: Map<string, number>;
  let provenance: Provenance;
  let idxPixels: Uint8Array;
  let spec: ModelSpec;

  before(async function () {
    requireSharedData(this, path.join(MNIST, 'mnist.onnx'), path.join(MNIST, 't10k-images-idx3-ubyte.gz'), path.join(MNIST, 'PROVENANCE.json'));
    provenance = JSON.parse(await fs.readFile(path.join(MNIST, 'PROVENANCE.json'), 'utf8')) as Provenance;
    const images = readIdx(await fs.readFile(path.join(MNIST, 't10k-images-idx3-ubyte.gz')));
    idxPixels = images.data;
    const labels = readIdx(await fs.readFile(path.join(MNIST, 't10k-labels-idx1-ubyte.gz')));
    assert.deepEqual(images.dims, [10000, 28, 28]);
    assert.deepEqual(labels.dims, [10000]);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-mnist-'));
    items = [];
    truth = new Map();
    const pixels = 28 * 28;
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < 10000) {
        const i = next++;
        const raw = Buffer.from(images.data.buffer, images.data.byteOffset + i * pixels, pixels);
        const png = encodeGreyPng(raw, 28, 28);
        const file = path.join(dir, `${String(i).padStart(5, '0')}.png`);
        await fs.writeFile(file, png);
        items[i] = { recordId: `test-${i}`, path: file, contentHash: createHash('sha256').update(png).digest('hex') };
        truth.set(`test-${i}`, labels.data[i]);
      }
    };
    await Promise.all(Array.from({ length: 8 }, writer));
  });

  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('preprocesses the PNG files back to the IDX pixels / 255, exactly', async () => {
    spec = mnistSpec(provenance);
    const first = Buffer.from(idxPixels.subarray(0, 784));
    const bySharp = await sharp(first, { raw: { width: 28, height: 28, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    assert.deepEqual(await sharp(await fs.readFile(items[0].path)).raw().toBuffer(), await sharp(bySharp).raw().toBuffer());
    for (let i = 0; i < 50; i++) {
      const tensor = await preprocessImage(items[i].path, spec.preprocess);
      const expected = Array.from(idxPixels.subarray(i * 784, (i + 1) * 784), (v) => Math.fround(v / 255));
      assert.deepEqual([...tensor], expected, `image ${i}`);
    }
  });

  it('reaches top-1 accuracy 0.9890 and the per-class recalls of PROVENANCE.json, in batch-1 mode with logits detected', async () => {
    spec = mnistSpec(provenance);

    const modelBytes = await fs.readFile(path.join(MNIST, 'mnist.onnx'));
    const started = Date.now();
    const { predictions, failures, stats } = await runInference({ modelBytes, spec, items });
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual(failures, []);
    assert.equal(predictions.size, 10000);
    assert.equal(stats.inferred, 10000);
    assert.equal(stats.batches, 10000);
    assert.equal(stats.batchSize, 1);
    assert.equal(stats.outputKind, 'logits');

    const hits = new Array<number>(10).fill(0);
    const counts = new Array<number>(10).fill(0);
    let correct = 0;
    for (const [recordId, prediction] of predictions) {
      const label = truth.get(recordId) as number;
      counts[label]++;
      const sum = prediction.probs.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `probabilities of ${recordId} sum to ${sum}`);
      assert.equal(prediction.top.length, 5);
      if (prediction.top[0][0] === label) {
        correct++;
        hits[label]++;
      }
    }
    assert.deepEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    assert.equal(correct, 9890);
    assert.equal(correct / 10000, provenance.measured.top1_pixels_scaled_to_0_1);
    for (let digit = 0; digit < 10; digit++) {
      const recall = Math.round((hits[digit] / counts[digit]) * 10000) / 10000;
      assert.equal(recall, provenance.measured.per_class_recall_pixels_scaled_to_0_1[String(digit)], `recall of digit ${digit}`);
    }
    console.log(`      inference of 10,000 PNGs: ${seconds.toFixed(1)} s`);
  });
});

/** The MNIST model's settings, built by hand: 28×28 greyscale NCHW in [0, 1], a fixed batch of 1, logits left to detection. */
function mnistSpec(provenance: Provenance): ModelSpec {
  return {
    labels: provenance.labels,
    preprocess: { width: 28, height: 28, resize: 'stretch', layout: 'NCHW', channels: 1, channelOrder: 'RGB', scale: 1 / 255, mean: [0], std: [1], inputType: 'float32' },
    inputName: provenance.input.name,
    outputName: provenance.output.name,
    outputKind: 'auto',
    labelMap: {},
    fixedBatch: 1,
    sources: {},
  };
}
