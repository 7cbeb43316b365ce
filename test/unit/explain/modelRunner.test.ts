// The explanation runner and image preparation on hand-built models whose outputs are computed by hand.
import * as assert from 'node:assert/strict';
import { FairframeError } from '../../../src/engine/errors';
import { createModelRunner } from '../../../src/engine/explain/modelRunner';
import { occlusionMap } from '../../../src/engine/explain/occlusion';
import { baselinePixels, createPerturber, inputFromPixels, prepareExplainImage } from '../../../src/engine/explain/prepareImage';
import type { ModelSpec } from '../../../src/engine/model/modelTypes';
import { preprocessImage } from '../../../src/engine/model/preprocess';
import { explainSpec, linearQuadrantModel, pngOf, quadrantImage, quadrantModel } from './agnosticModels';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

async function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => FairframeError.is(error) && error.code === code && pattern.test(error.message));
}

describe('explain: createModelRunner', function () {
  this.timeout(30_000);

  it('gives softmax probabilities of the logits: P(0) = σ(2g(m − t)) for a uniform grey image', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16, 1, 4, 0.5), spec);
    const image = await prepareExplainImage(await pngOf(16, 16, () => 204), spec);
    const [probs] = await runner.predict([image.input]);
    // m = 204/255 = 0.8: 2 · 4 · 0.3 = 2.4.
    assert.ok(Math.abs(probs[0] - sigmoid(2.4)) < 1e-6, String(probs[0]));
    assert.ok(Math.abs(probs[0] - 0.916827) < 1e-6);
    assert.ok(Math.abs(probs[0] + probs[1] - 1) < 1e-6);
    assert.equal(runner.calls, 1);
    assert.equal(runner.classes, 2);
    await runner.dispose();
  });

  it('batches: 70 inputs in batches of 32 give what one-by-one runs give, and 70 calls', async () => {
    const spec = explainSpec(16);
    const runner = await createModelRunner(quadrantModel(16), spec, { batchSize: 32 });
    const inputs = Array.from({ length: 70 }, (_, k) => new Float32Array(256).fill(k / 70));
    const batched = await runner.predict(inputs);
    assert.equal(runner.calls, 70);
    for (const k of [0, 31, 32, 69]) {
      const [single] = await runner.predict([inputs[k]]);
      assert.deepEqual(Array.from(batched[k]), Array.from(single));
      assert.ok(Math.abs(single[0] - sigmoid(8 * (k / 70 - 0.5))) < 1e-6);
    }
    assert.equal(runner.calls, 74);
    await runner.dispose();
  });

  it('runs a model with a fixed batch of 1 one input at a time', async () => {
    const spec = explainSpec(16, { fixedBatch: 1 });
    const runner = await createModelRunner(quadrantModel(16, 1, 4, 0.5, 1), spec, { batchSize: 32 });
    const probs = await runner.predict([0, 0.5, 1].map((v) => new Float32Array(256).fill(v)));
    assert.deepEqual(probs.map((row) => Number(row[0].toFixed(6))), [sigmoid(-4), 0.5, sigmoid(4)].map((p) => Number(p.toFixed(6))));
    assert.equal(runner.calls, 3);
    await runner.dispose();
  });

  it("passes outputs through unchanged when the spec says 'probabilities'", async () => {
    const spec = explainSpec(16, { outputKind: 'probabilities' });
    const runner = await createModelRunner(linearQuadrantModel(16, [1, 2, 3, 4], 0.5), spec);
    const [out] = await runner.predict([new Float32Array(256).fill(0.5)]);
    // f = (1 + 2 + 3 + 4) · 0.5 + 0.5 = 5.5, second output 0.
    assert.ok(Math.abs(out[0] - 5.5) < 1e-5);
    assert.equal(out[1], 0);
    await runner.dispose();
  });

  it('rejects a spec the model cannot take, an image prepared for another model, and a wrong-length input', async () => {
    await rejectsWith(createModelRunner(quadrantModel(16), explainSpec(8)), 'bad-config', /takes \[N, 1, 16, 16\].*gives 1×8×8/);
    await rejectsWith(createModelRunner(quadrantModel(16), explainSpec(16, { channels: 3 })), 'bad-config', /set preprocess\.channels/);
    const runner = await createModelRunner(quadrantModel(16), explainSpec(16));
    const other = await prepareExplainImage(await pngOf(8, 8, quadrantImage(8)), explainSpec(8));
    await rejectsWith(occlusionMap(runner, other), 'bad-image', /is 8×8×1 .* takes 16×16×1/);
    await rejectsWith(runner.predict([new Float32Array(10)]), 'bad-image', /has 10 values, but the model takes 1×16×16 = 256/);
    await runner.dispose();
    await rejectsWith(prepareExplainImage(Buffer.from('not an image'), explainSpec(16)), 'bad-image', /could not be decoded/);
  });
});

describe('explain: prepareExplainImage', function () {
  this.timeout(30_000);

  it('makes exactly the tensor the audit makes (centre crop, BGR, NHWC, normalised) and keeps the cropped pixels', async () => {
    const spec: ModelSpec = {
      ...explainSpec(8, { channels: 3 }),
      preprocess: { width: 8, height: 8, resize: 'center-crop', resizeShorter: 10, layout: 'NHWC', channels: 3, channelOrder: 'BGR', scale: 1 / 255, mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3], inputType: 'float32' },
    };
    const png = await pngOf(20, 12, (x, y) => [(x * 12) % 256, (y * 20) % 256, (x * y) % 256]);
    const image = await prepareExplainImage(png, spec);
    const audit = await preprocessImage(png, spec.preprocess);
    assert.deepEqual(Array.from(image.input), Array.from(audit));
    assert.equal(image.pixels.length, 8 * 8 * 3);
    assert.deepEqual(Array.from(inputFromPixels(image.pixels, spec)), Array.from(audit));
  });

  it('greyscale pixels are Rec. 601 luma, as the audit computes', async () => {
    const spec = explainSpec(4);
    const image = await prepareExplainImage(await pngOf(4, 4, () => [255, 0, 0]), spec);
    assert.deepEqual([...new Set(image.pixels)], [76]);
    assert.ok(Math.abs(image.input[0] - 76 / 255) < 1e-7);
  });

  it("baselines: 'mean' is the mean colour, a constant fills, 'blur' of a uniform image is uniform, keep = ½ blends", async () => {
    const spec = explainSpec(4);
    const image = await prepareExplainImage(await pngOf(4, 4, (x) => (x < 2 ? 100 : 200)), spec);
    assert.deepEqual([...new Set(await baselinePixels(image, 'mean'))], [150]);
    assert.deepEqual([...new Set(await baselinePixels(image, 'black'))], [0]);
    assert.deepEqual([...new Set(await baselinePixels(image, 51))], [51]);
    const flat = await prepareExplainImage(await pngOf(4, 4, () => 90), spec);
    assert.deepEqual([...new Set(await baselinePixels(flat, 'blur'))], [90]);
    await assert.rejects(baselinePixels(image, [1, 2]), (error: unknown) => FairframeError.is(error, 'bad-config'));
    const perturber = await createPerturber(image, spec, 'black');
    const half = perturber.blend(new Float32Array(16).fill(0.5));
    assert.ok(Math.abs(half[0] - 50 / 255) < 1e-7 && Math.abs(half[3] - 100 / 255) < 1e-7);
  });
});
