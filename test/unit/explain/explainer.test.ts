// The Explainer on the committed demo model and the real MNIST model: every method gives a map of the image's size,
// gradient methods fall back when the head is unsupported, results are cached, and the trust scores are computed.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { EXPLAIN_METHODS, Explainer } from '../../../src/engine/explain/explainer';
import { classifierWeightName, randomiseClassifier } from '../../../src/engine/explain/sanityCheck';
import { loadModelProto } from '../../../src/engine/model/onnxModel';
import { requireSharedData, sharedDataPath } from '../sharedData';

const DEMO_MODEL = path.resolve(__dirname, '../../../models/demo/lesion-cnn.onnx');
const MNIST = sharedDataPath('mnist');

/** A 64×64 skin-coloured image with a dark round lesion left of centre. */
async function lesionImage(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="rgb(224,172,140)"/><circle cx="24" cy="30" r="11" fill="rgb(70,40,30)"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 92 }).toBuffer();
}

describe('Explainer', function () {
  this.timeout(240_000);
  let dir: string;
  let image: Buffer;
  let explainer: Explainer;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-explainer-'));
    image = await lesionImage();
    explainer = await Explainer.open(DEMO_MODEL, { cacheDir: path.join(dir, 'cache') });
  });
  after(async () => {
    await explainer?.dispose();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('gives every method a finite, non-constant 64×64 map for the predicted class of the demo model', async () => {
    for (const method of EXPLAIN_METHODS) {
      const result = await explainer.explain(image, { method, params: method === 'rise' ? { masks: 200 } : method === 'shap' || method === 'lime' ? { samples: 300 } : {} });
      assert.equal(result.method, method, `${method} ran as itself (${result.fallbackFrom?.reason ?? ''})`);
      assert.equal(result.heatmap.width, 64);
      assert.equal(result.heatmap.height, 64);
      const values = [...result.heatmap.data];
      assert.ok(values.every(Number.isFinite), method);
      assert.ok(Math.max(...values) > Math.min(...values), `${method} map is not constant`);
      assert.equal(result.classIndex, result.predictedIndex);
      assert.ok(explainer.spec.labels.includes(result.className));
    }
  });

  it('computes faithfulness, the randomisation sanity check and a counterfactual, and caches the result', async () => {
    const first = await explainer.explain(image, { method: 'gradcam', faithfulness: true, sanity: true, counterfactual: true });
    assert.equal(first.fromCache, false);
    const f = first.faithfulness;
    assert.ok(f && f.deletionAuc >= 0 && f.deletionAuc <= 1 && f.insertionAuc >= 0 && f.insertionAuc <= 1, JSON.stringify(f));
    assert.equal(f.steps, 32);
    // The chance level: one random pixel order per image and class, the same for every method.
    assert.ok(f.randomDeletionAuc >= 0 && f.randomDeletionAuc <= 1 && f.randomInsertionAuc >= 0 && f.randomInsertionAuc <= 1, JSON.stringify(f));
    const occlusion = await explainer.explain(image, { method: 'occlusion', faithfulness: true });
    assert.equal(occlusion.faithfulness?.randomDeletionAuc, f.randomDeletionAuc);
    assert.equal(occlusion.faithfulness?.randomInsertionAuc, f.randomInsertionAuc);
    assert.ok(first.sanity && first.sanity.spearman !== null && first.sanity.spearman >= -1 && first.sanity.spearman <= 1, JSON.stringify(first.sanity));
    assert.ok(first.counterfactual && typeof first.counterfactual.flipped === 'boolean');
    const again = await explainer.explain(image, { method: 'gradcam', faithfulness: true, sanity: true, counterfactual: true });
    assert.equal(again.fromCache, true);
    assert.deepEqual([...again.heatmap.data], [...first.heatmap.data]);
    assert.deepEqual(again.faithfulness, first.faithfulness);
    const png = await explainer.overlayPng(image, first.heatmap);
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, 224);
  });

  it('explains a class by name, and refuses a class the model does not have', async () => {
    const index = explainer.classIndexOf('melanoma');
    const result = await explainer.explain(image, { method: 'gradcam', classIndex: index });
    assert.equal(result.className, 'melanoma');
    assert.throws(() => explainer.classIndexOf('tumour'), /no class 'tumour'.*'melanoma'/);
  });

  it('randomises only the classifier weights, without changing the model it was given', () => {
    return fs.readFile(DEMO_MODEL).then((bytes) => {
      const before = Buffer.from(bytes);
      const randomised = randomiseClassifier(bytes, 3);
      assert.deepEqual(Buffer.from(bytes), before);
      const name = classifierWeightName(loadModelProto(bytes));
      assert.ok(name);
      const original = loadModelProto(bytes).graph?.initializer?.find((t) => t.name === name);
      const changed = loadModelProto(randomised).graph?.initializer?.find((t) => t.name === name);
      assert.notDeepEqual(Buffer.from(changed?.rawData ?? []), Buffer.from(original?.rawData ?? []));
      const others = (loadModelProto(randomised).graph?.initializer ?? []).filter((t) => t.name !== name).length;
      assert.equal(others, (loadModelProto(bytes).graph?.initializer?.length ?? 0) - 1);
    });
  });

  it('explains the real MNIST model with every method, falling back to occlusion where CAM cannot read the head (no global average pool)', async function () {
    requireSharedData(this, path.join(MNIST, 'mnist.onnx'));
    const mnist = await Explainer.open(path.join(MNIST, 'mnist.onnx'), { datasetLabels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    try {
      const digit = await sharp({ create: { width: 28, height: 28, channels: 3, background: { r: 0, g: 0, b: 0 } } })
        .composite([{ input: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><rect x="12" y="4" width="4" height="20" fill="white"/></svg>') }])
        .png().toBuffer();
      const cam = await mnist.explain(digit, { method: 'cam' });
      assert.equal(cam.method, 'occlusion');
      assert.equal(cam.fallbackFrom?.method, 'cam');
      assert.match(cam.fallbackFrom?.reason ?? '', /GlobalAveragePool|global average|CAM/i);
      const gradcam = await mnist.explain(digit, { method: 'gradcam' });
      assert.equal(gradcam.method, 'gradcam');
      const lrp = await mnist.explain(digit, { method: 'lrp' });
      assert.equal(lrp.method, 'lrp');
      assert.equal(lrp.heatmap.width, 28);
      for (const method of ['occlusion', 'rise', 'lime', 'shap'] as const) {
        const result = await mnist.explain(digit, { method, params: method === 'rise' ? { masks: 200 } : { samples: 300 } });
        assert.equal(result.method, method);
        assert.equal(result.heatmap.width * result.heatmap.height, 28 * 28);
        const values = [...result.heatmap.data];
        assert.ok(values.every(Number.isFinite) && Math.max(...values) > Math.min(...values), `${method} on MNIST`);
      }
    } finally {
      await mnist.dispose();
    }
  });
});
