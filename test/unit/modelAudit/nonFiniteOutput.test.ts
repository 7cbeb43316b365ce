// A model whose output is NaN for some images (test/fixtures/inference/nan_when_dark.onnx, made by
// scripts/models/makeNonFiniteModel.py: logits [4m − 2, 2 − 4m] + 0·log(m − 0.25), m = mean pixel on the 0–1 scale)
// is audited on the other images, and the failed ones are named and counted.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { auditPath } from '../../../src/engine/audit';
import { runInference } from '../../../src/engine/model/inferenceRunner';

const MODEL = path.resolve(__dirname, '../../fixtures/inference/nan_when_dark.onnx');

async function grey(file: string, level: number): Promise<void> {
  await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(file);
}

describe('non-finite model outputs', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-non-finite-'));
    // 80 images: grey 230 (m = 0.902, 'bright', finite), grey 100 (m = 0.392, 'dark', finite), grey 20 (m = 0.078 < 0.25: NaN).
    const rows = ['file_name,label'];
    for (let i = 0; i < 80; i++) {
      const level = i % 2 === 0 ? 20 : i % 4 === 1 ? 230 : 100;
      await grey(path.join(dir, `img${String(i).padStart(2, '0')}.png`), level);
      rows.push(`img${String(i).padStart(2, '0')}.png,${level === 230 ? 'bright' : 'dark'}`);
    }
    await fs.writeFile(path.join(dir, 'metadata.csv'), `${rows.join('\n')}\n`);
    await fs.writeFile(path.join(dir, 'fairframe.json'), JSON.stringify({ models: [{ path: MODEL, labels: ['bright', 'dark'] }], thresholds: { bootstrapReplicates: 0 } }));
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    if (dir) await fs.rm(`${dir}-cache`, { recursive: true, force: true });
  });

  it('audits the model on the 40 finite images and names the 40 NaN ones in an error', async () => {
    const result = await auditPath(dir, { cacheDir: `${dir}-cache` });
    const model = result.models[0];
    assert.equal(model.status, 'ok', model.reason);
    assert.equal(model.inference?.failed, 40);
    // By hand: 230/255 → class 0 'bright'; 100/255 → 4m − 2 = −0.43 < 0.43 → class 1 'dark': every finite image right.
    assert.equal(model.overall?.accuracy.estimate, 1);
    assert.equal(Object.keys(model.predictions ?? {}).length, 40);
    const nonFinite = result.findings.filter((f) => f.rule === 'FF-M007');
    assert.equal(nonFinite.length, 1);
    assert.equal(nonFinite[0].severity, 'error');
    assert.match(nonFinite[0].message, /non-finite output \(NaN or ±Infinity\) for 40 of 80 images.*'img00\.png', 'img02\.png', 'img04\.png', 'img06\.png', 'img08\.png' and 35 more/);
    const images = (nonFinite[0].evidence.images as Array<{ relPath: string }>).map((image) => image.relPath);
    assert.deepEqual(images, Array.from({ length: 40 }, (_, i) => `img${String(2 * i).padStart(2, '0')}.png`));
    assert.equal(result.findings.filter((f) => f.rule === 'FF-M001').length, 0);
    // A second run answers the two distinct finite images (grey 230, grey 100) from the cache and fails the same 40 again.
    const again = await auditPath(dir, { cacheDir: `${dir}-cache` });
    assert.equal(again.models[0].inference?.failed, 40);
    assert.equal(again.models[0].inference?.cacheHits, 2);
  });

  it('reports the model as not audited when every output is NaN', async () => {
    const dark = path.join(dir, 'dark');
    await fs.mkdir(dark);
    for (let i = 0; i < 4; i++) await grey(path.join(dark, `d${i}.png`), 10);
    await fs.writeFile(path.join(dark, 'metadata.csv'), 'file_name,label\nd0.png,bright\nd1.png,dark\nd2.png,bright\nd3.png,dark\n');
    const configFile = path.join(dir, 'fairframe.json');
    const result = await auditPath(dark, { configFile });
    assert.equal(result.models[0].status, 'failed');
    const unusable = result.findings.filter((f) => f.rule === 'FF-M001');
    assert.equal(unusable.length, 1);
    assert.match(unusable[0].message, /cannot be audited on dataset 'dark': its output holds NaN or ±Infinity for every image it ran on \(4 of 4/);
    assert.equal(result.findings.filter((f) => f.rule === 'FF-M007')[0]?.evidence.count, 4);
  });

  it('fails single rows, not the batch: NaN rows are failures, the others are predictions', async () => {
    const files = [path.join(dir, 'img00.png'), path.join(dir, 'img01.png'), path.join(dir, 'img03.png')];
    const result = await runInference({
      modelBytes: await fs.readFile(MODEL),
      spec: {
        labels: ['bright', 'dark'],
        preprocess: { width: 4, height: 4, resize: 'stretch', layout: 'NCHW', channels: 3, channelOrder: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], inputType: 'float32' },
        inputName: 'image',
        outputName: 'logits',
        outputKind: 'auto',
        labelMap: {},
        sources: {},
      },
      items: files.map((file, i) => ({ recordId: String(i), path: file, contentHash: `content-${i}` })),
    });
    assert.deepEqual(result.failures, [{ recordId: '0', message: "the model's output holds NaN in 2 of 2 values", kind: 'non-finite-output' }]);
    assert.equal(result.stats.outputKind, 'logits');
    // p(bright) = 1 / (1 + e^−(8m − 4)) with m = 230/255 and m = 100/255.
    assert.ok(Math.abs((result.predictions.get('1')?.probs[0] ?? 0) - 1 / (1 + Math.exp(-(8 * 230 / 255 - 4)))) < 1e-5);
    assert.ok(Math.abs((result.predictions.get('2')?.probs[0] ?? 0) - 1 / (1 + Math.exp(-(8 * 100 / 255 - 4)))) < 1e-5);
  });
});
