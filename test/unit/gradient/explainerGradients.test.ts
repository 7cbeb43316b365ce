// The Explainer runs every gradient method natively on residual, dense-Concat, NHWC and Vision Transformer graphs (no
// occlusion fallback), and their maps differ from occlusion's; LRP says why it does not run on a transformer.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { Explainer } from '../../../src/engine/explain/explainer';
import type { ExplainMethod } from '../../../src/engine/explain/explainTypes';
import { spearmanRankCorrelation } from '../../../src/engine/explain/faithfulness';
import type { ResolvedModelSpec } from '../../../src/engine/model/modelSpec';

const FIXTURES = path.resolve(__dirname, '../../fixtures/gradient');
const GRADIENT_METHODS: ExplainMethod[] = ['gradcam', 'gradcam++', 'integrated-gradients', 'smoothgrad', 'gradient-input'];

function spec(size: number, layout: 'NCHW' | 'NHWC'): ResolvedModelSpec {
  return {
    labels: Array.from({ length: 10 }, (_, i) => `class ${i}`), inputName: 'input', outputName: 'logits', outputKind: 'logits', labelMap: {}, sources: {},
    preprocess: { width: size, height: size, channels: 3, layout, resize: 'stretch', channelOrder: 'RGB', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], inputType: 'float32' },
  };
}

describe('Explainer with gradient graphs', function () {
  this.timeout(120_000);
  // The small versions of the twelve CNN families and the NHWC graph (LRP too), and the two ViT exports.
  const cnns = (JSON.parse(readFileSync(path.join(FIXTURES, 'references.json'), 'utf8')) as { models: Array<{ name: string; size: number; layout: 'NCHW' | 'NHWC' }> }).models;
  const models = [...cnns.map(({ name, size, layout }) => ({ name, size, layout, methods: [...GRADIENT_METHODS, 'lrp' as const] })), ...['vit', 'vit17'].map((name) => ({ name, size: 32, layout: 'NCHW' as const, methods: GRADIENT_METHODS }))];
  for (const { name, size, layout, methods } of models) {
    it(`runs ${methods.join(', ')} natively on ${name}, each map distinct from occlusion's`, async () => {
      const file = path.join(FIXTURES, `${name}.onnx`);
      const explainer = Explainer.fromModel(file, readFileSync(file), spec(size, layout), name);
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="${size}" height="${size}" fill="rgb(40,120,200)"/><circle cx="${Math.round(size / 3)}" cy="${Math.round(size / 2.5)}" r="${Math.round(size / 4.5)}" fill="rgb(240,200,30)"/></svg>`;
      const image = await sharp(Buffer.from(svg)).png().toBuffer();
      try {
        const occlusion = await explainer.explain(image, { method: 'occlusion', classIndex: 3, params: { patch: 4, stride: 2 } });
        for (const method of methods) {
          const result = await explainer.explain(image, { method, classIndex: 3 });
          assert.equal(result.method, method, `${method} ran as itself (${result.fallbackFrom?.reason ?? ''})`);
          assert.equal(result.heatmap.data.length, size * size);
          assert.ok(result.heatmap.data.every(Number.isFinite));
          const rho = spearmanRankCorrelation(result.heatmap.data, occlusion.heatmap.data);
          assert.ok(!(rho > 0.999), `${method} is not occlusion's map (ρ = ${rho})`);
        }
      } finally {
        await explainer.dispose();
      }
    });
  }

  it('LRP on a transformer falls back to occlusion, naming the attention MatMul', async () => {
    const file = path.join(FIXTURES, 'vit.onnx');
    const explainer = Explainer.fromModel(file, readFileSync(file), spec(32, 'NCHW'), 'vit');
    try {
      const image = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 200, g: 90, b: 40 } } }).png().toBuffer();
      const result = await explainer.explain(image, { method: 'lrp', classIndex: 3 });
      assert.equal(result.method, 'occlusion');
      assert.equal(result.fallbackFrom?.method, 'lrp');
      assert.match(result.fallbackFrom?.reason ?? '', /MatMul node '.*self_attention.*' multiplies two tensors computed from the input/);
    } finally {
      await explainer.dispose();
    }
  });
});
