// One model handle per audit: the bytes are decoded once, and the explanation methods, the sanity check's randomised
// classifier and the runner share its graph, sessions and measured shapes. Counted by wrapping the decoder and
// ONNX Runtime's session factory (no timing).
import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { auditDataset } from '../../../src/engine/audit';
import { resolveConfig } from '../../../src/engine/config/config';
import { discoverDatasets } from '../../../src/engine/dataset/discover';
import { loadDataset } from '../../../src/engine/dataset/loadDataset';
import { Explainer } from '../../../src/engine/explain/explainer';
import { auditModel } from '../../../src/engine/modelAudit/modelAudit';
import { editableCopy, ModelHandle } from '../../../src/engine/model/modelHandle';
import type { ResolvedModelSpec } from '../../../src/engine/model/modelSpec';

const FIXTURES = path.resolve(__dirname, '../../fixtures/gradient');

function spec(size: number): ResolvedModelSpec {
  return {
    labels: Array.from({ length: 10 }, (_, i) => `class ${i}`), inputName: 'input', outputName: 'logits', outputKind: 'logits', labelMap: {}, sources: {},
    preprocess: { width: size, height: size, channels: 3, layout: 'NCHW', resize: 'stretch', channelOrder: 'RGB', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], inputType: 'float32' },
  };
}

/** Counts ModelProto decodes and session creations while `run` runs. */
async function counting(run: () => Promise<void>): Promise<{ decodes: number; sessions: number }> {
  const counts = { decodes: 0, sessions: 0 };
  const decode = onnx.ModelProto.decode;
  const create = ort.InferenceSession.create;
  onnx.ModelProto.decode = ((...args: Parameters<typeof decode>) => {
    counts.decodes++;
    return decode.apply(onnx.ModelProto, args);
  }) as typeof decode;
  (ort.InferenceSession as unknown as { create: unknown }).create = (...args: unknown[]) => {
    counts.sessions++;
    return (create as (...a: unknown[]) => unknown).apply(ort.InferenceSession, args);
  };
  try {
    await run();
  } finally {
    onnx.ModelProto.decode = decode;
    (ort.InferenceSession as unknown as { create: unknown }).create = create;
  }
  return counts;
}

describe('ModelHandle', function () {
  this.timeout(120_000);

  it('decodes the model once for every explanation method and the sanity check, and measures shapes once', async () => {
    const file = path.join(FIXTURES, 'resnet.onnx');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="rgb(40,120,200)"/><circle cx="11" cy="13" r="7" fill="rgb(240,200,30)"/></svg>';
    const image = await sharp(Buffer.from(svg)).png().toBuffer();
    const handle = ModelHandle.fromBytes(readFileSync(file), file);
    const methods = ['gradcam', 'gradient-input', 'integrated-gradients', 'lrp', 'occlusion'] as const;
    const counts = await counting(async () => {
      const explainer = Explainer.fromModel(file, handle, spec(32), 'resnet');
      try {
        for (const method of methods) {
          const result = await explainer.explain(image, { method, classIndex: 3, sanity: method === 'gradcam' });
          assert.equal(result.method, method);
          if (method === 'gradcam') assert.equal(typeof result.sanity?.spearman, 'number');
        }
      } finally {
        await explainer.dispose();
        await handle.dispose();
      }
    });
    assert.equal(counts.decodes, 1, 'one decode of the model bytes');
    // The runner's session, one shape probe, and one session per gradient graph: Grad-CAM's, the input gradient's
    // (shared by gradient × input and Integrated Gradients), LRP's, and Grad-CAM's on the randomised classifier.
    assert.equal(counts.sessions, 6);
  });

  it('shares one inference session between callers whose outputs it exposes', async () => {
    const file = path.join(FIXTURES, 'resnet.onnx');
    const handle = ModelHandle.fromBytes(readFileSync(file), file);
    try {
      const logitsInput = (handle.model().graph?.node ?? []).find((node) => node.opType === 'Gemm')?.input?.[0] as string;
      const withFeatures = await handle.session([logitsInput]);
      assert.equal(await handle.session(), withFeatures);
      assert.ok(withFeatures.outputNames.includes(logitsInput));
      assert.equal(handle.exposedSha256([]), handle.info().sha256);
    } finally {
      await handle.dispose();
    }
  });

  it('edits only copies: a variant leaves the parsed model and its initializers as they were', () => {
    const file = path.join(FIXTURES, 'resnet.onnx');
    const handle = ModelHandle.fromBytes(readFileSync(file), file);
    const original = handle.model();
    const nodes = original.graph?.node?.length;
    const first = original.graph?.initializer?.[0];
    const variant = handle.variant('test', (copy) => {
      (copy.graph?.initializer ?? [])[0] = { ...first, name: 'renamed' };
      copy.graph?.node?.pop();
      (copy.opsetImport ?? [])[0].version = 99;
      return copy;
    });
    assert.equal(original.graph?.node?.length, nodes);
    assert.equal(original.graph?.initializer?.[0], first);
    assert.notEqual(Number((original.opsetImport ?? [])[0].version), 99);
    assert.equal(variant.model().graph?.initializer?.[0].name, 'renamed');
    assert.equal(variant.shapes, handle.shapes);
    assert.notEqual(editableCopy(original).graph?.node, original.graph?.node);
  });
});

describe('the model audit', function () {
  this.timeout(120_000);

  for (const name of ['resnet', 'vit']) {
      it(`decodes the ${name} model once for inference, the embeddings and the explained errors`, async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-handle-'));
      try {
        const labels = Array.from({ length: 10 }, (_, i) => `class ${i}`);
        for (const [k, label] of labels.slice(0, 3).entries()) {
          await fs.mkdir(path.join(dir, 'data', label), { recursive: true });
          for (let i = 0; i < 3; i++) {
            const background = { r: (60 * k + 40 * i) % 256, g: (90 * i + 30) % 256, b: (50 * k + 120) % 256 };
            await sharp({ create: { width: 32, height: 32, channels: 3, background } }).png().toFile(path.join(dir, 'data', label, `${i}.png`));
          }
        }
        const model = path.join(FIXTURES, `${name}.onnx`);
        const config = resolveConfig({
          models: [{ path: model, labels, preprocess: { width: 32, height: 32, resize: 'stretch', layout: 'NCHW', channels: 3, channelOrder: 'RGB', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } }],
          thresholds: { explainErrorsPerGroup: 2, saliencyImagesPerCell: 0, bootstrapReplicates: 50 },
        }, path.join(dir, 'fairframe.json'));
        const [ref] = await discoverDatasets(path.join(dir, 'data'), config, {});
        const dataset = await loadDataset(ref, config, {});
        const { scans } = await auditDataset(dataset, config, {});
        let result: Awaited<ReturnType<typeof auditModel>> | undefined;
        const counts = await counting(async () => {
          result = await auditModel({ file: model, config: config.models[0] }, dataset, scans, config);
        });
        assert.equal(result?.audit.status, 'ok', result?.audit.reason);
        assert.ok((result?.audit.explanations?.errors.length ?? 0) > 0, 'errors were explained');
        assert.ok(result?.audit.explanations?.errors.every((error) => error.method === 'gradcam'), 'Grad-CAM ran natively (a token map on the ViT)');
        assert.equal(counts.decodes, 1, 'one decode of the model bytes');
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  }
});
