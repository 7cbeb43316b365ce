// Near duplicates on real images: MNIST digits (look-alikes, few duplicates), skimage's photographs with edited
// copies made here (must be found), and skimage's aligned face crops of different people (must not be linked).
// Every reported pair is also checked by an independent measure: Pearson correlation of sharp's own 32×32 cubic
// resize (not the engine's thumbnail, no smoothing), at the best whole-pixel shift within ±2.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import type { CheckOutput } from '../../../src/engine/checks/check';
import { duplicatesCheck } from '../../../src/engine/checks/duplicatesCheck';
import { resolveConfig } from '../../../src/engine/config/config';
import { scanImage } from '../../../src/engine/image/scanImage';
import type { Dataset, DatasetRecord, ScanOutcome } from '../../../src/engine/types';
import { pearsonAtShift } from '../pearsonReference';
import { requireSharedData, sharedDataPath } from '../sharedData';
import { parseNpyFloat64, requireSkimage, skimagePath } from '../skimageData';

interface Image {
  file: string;
  label: string;
  source: string;
}

async function audit(root: string, images: Image[], thresholds: Record<string, number> = {}): Promise<{ output: CheckOutput; relPaths: string[] }> {
  const records: DatasetRecord[] = images.map((image, i) => ({
    id: `r${i}`, path: image.file, relPath: path.relative(root, image.file), label: image.label, attributes: {}, source: { file: image.file, line: 0 },
  }));
  const scans = new Map<string, ScanOutcome>();
  for (const record of records) scans.set(record.id, await scanImage(record.path, { maxPixels: 1e8 }));
  const dataset: Dataset = { name: 'real', root, format: 'imagefolder', records, attributes: [], columns: [], loadIssues: [] };
  return { output: await duplicatesCheck.run({ dataset, scans, config: resolveConfig({ thresholds }) }), relPaths: records.map((r) => r.relPath) };
}

/** Independent similarity: sharp's 32×32 cubic greyscale resize, Pearson correlation at the best shift within ±2 px. */
async function independentCorrelation(fileA: string, fileB: string): Promise<number> {
  const load = async (file: string): Promise<Float64Array> => Float64Array.from(await sharp(file).greyscale().resize(32, 32, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer());
  const [a, b] = await Promise.all([load(fileA), load(fileB)]);
  let best = -1;
  for (let dy = -2; dy <= 2; dy++) {
    for (let dx = -2; dx <= 2; dx++) best = Math.max(best, pearsonAtShift(a, b, 32, dx, dy) || -1);
  }
  return best;
}

function clusters(output: CheckOutput): string[][] {
  return output.findings.filter((f) => f.rule === 'FF-D021').map((f) => f.evidence.paths as string[]);
}

/** True when one finding (near or exact duplicates) names both paths. */
function reportedTogether(output: CheckOutput, x: string, y: string): boolean {
  return output.findings.some((f) => (f.rule === 'FF-D021' || f.rule === 'FF-D020') && (f.evidence.paths as string[]).includes(x) && (f.evidence.paths as string[]).includes(y));
}

describe('near duplicates on real images', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-near-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('MNIST: look-alike digits are not linked across labels; every linked pair is close by an independent measure; edited copies are found', async function () {
    const imagesFile = sharedDataPath('mnist', 't10k-images-idx3-ubyte.gz');
    const labelsFile = sharedDataPath('mnist', 't10k-labels-idx1-ubyte.gz');
    requireSharedData(this, imagesFile, labelsFile);
    const pixels = gunzipSync(await fs.readFile(imagesFile));
    const labels = gunzipSync(await fs.readFile(labelsFile));
    const root = path.join(dir, 'mnist');
    const images: Image[] = [];
    const count = 2000;
    for (let i = 0; i < count; i++) {
      const file = path.join(root, String(labels[8 + i]), `${i}.png`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await sharp(pixels.subarray(16 + i * 784, 16 + (i + 1) * 784), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(file);
      images.push({ file, label: String(labels[8 + i]), source: String(i) });
    }
    // Edited copies of 20 digits, in a folder of their own, under their true labels.
    const edits: Array<[string, (image: Sharp) => Promise<Sharp>]> = [
      // sharp extracts before it extends within one pipeline: the shift takes two.
      ['shift', async (image) => sharp(await image.extend({ left: 1, top: 1, background: 'black' }).toBuffer()).extract({ left: 0, top: 0, width: 28, height: 28 })],
      ['brighter', async (image) => image.linear(1.2, 10)],
      ['jpeg', async (image) => image.jpeg({ quality: 90 })],
    ];
    for (let i = 0; i < 20; i++) {
      for (const [name, edit] of edits) {
        const file = path.join(root, 'copies', `${i}-${name}.png`);
        await fs.mkdir(path.dirname(file), { recursive: true });
        await sharp(await (await edit(sharp(images[i].file))).toBuffer()).png().toFile(file);
        images.push({ file, label: images[i].label, source: String(i) });
      }
    }
    const { output, relPaths } = await audit(root, images);
    assert.deepEqual(output.findings.filter((f) => f.rule === 'FF-D022').map((f) => f.message), []);
    const byPath = new Map(relPaths.map((p, i) => [p, images[i]]));
    for (let k = count; k < images.length; k++) {
      const copy = relPaths[k];
      const source = relPaths[Number(images[k].source)];
      assert.ok(reportedTogether(output, copy, source), `${copy} is not with ${source}`);
    }
    // Look-alikes: few clusters among 2,000 digits, each within one label, each weakest pair close independently.
    const near = clusters(output);
    const originalsLinked = near.filter((members) => members.filter((p) => !p.startsWith('copies')).length >= 2);
    // Without the look-alike ratio test, many more pairs of distinct digits pass the correlation threshold.
    const withoutRatioTest = clusters((await audit(root, images, { nearDuplicateLookAlikeRatio: 1000 })).output);
    const originalsLinkedWithout = withoutRatioTest.filter((members) => members.filter((p) => !p.startsWith('copies')).length >= 2);
    assert.ok(originalsLinked.length <= 3, `${originalsLinked.length} clusters of distinct MNIST digits`);
    assert.ok(originalsLinkedWithout.length >= 3 * Math.max(1, originalsLinked.length), `${originalsLinkedWithout.length} clusters without the ratio test`);
    assert.ok((output.summary.pairsSetAsideAsLookAlikes as number) > 0);
    for (const finding of output.findings.filter((f) => f.rule === 'FF-D021')) {
      assert.equal(new Set((finding.evidence.paths as string[]).map((p) => byPath.get(p)!.label)).size, 1);
      const [a, b] = (finding.evidence.weakestPair as { paths: string[] }).paths;
      const independent = await independentCorrelation(byPath.get(a)!.file, byPath.get(b)!.file);
      assert.ok(independent >= 0.9, `${a} ~ ${b}: independent correlation ${independent.toFixed(3)}`);
    }
  });

  it('photographs: re-encoded, resized, cropped, shifted and recoloured copies are found, and no cluster mixes photographs', async function () {
    const names = ['astronaut.png', 'camera.png', 'coffee.png', 'chelsea.png', 'rocket.jpg', 'coins.png', 'motorcycle_left.png', 'retina.jpg'];
    requireSkimage(this, ...names);
    const root = path.join(dir, 'photos');
    await fs.mkdir(root, { recursive: true });
    const edits: Array<[string, (image: Sharp, width: number, height: number) => Sharp | Promise<Sharp>]> = [
      ['jpeg50', (image) => image.jpeg({ quality: 50 })],
      ['half', (image, w) => image.resize({ width: Math.round(w / 2) })],
      ['crop3', (image, w, h) => image.extract({ left: Math.round(0.015 * w), top: Math.round(0.015 * h), width: Math.round(0.97 * w), height: Math.round(0.97 * h) })],
      // sharp extracts before it extends within one pipeline: the shift takes two.
      ['shift4', async (image, w, h) => sharp(await image.extend({ left: 4, top: 4, extendWith: 'copy' }).toBuffer()).extract({ left: 0, top: 0, width: w, height: h })],
      ['brighter', (image) => image.modulate({ brightness: 1.2 })],
      ['hue60', (image) => image.modulate({ hue: 60 })],
      ['grey', (image) => image.greyscale()],
    ];
    const images: Image[] = [];
    for (const name of names) {
      const original = path.join(root, `${name}.png`);
      await sharp(skimagePath(name)).removeAlpha().png().toFile(original);
      images.push({ file: original, label: name, source: name });
      const { width, height } = await sharp(original).metadata();
      for (const [edit, make] of edits) {
        const file = path.join(root, `${name}~${edit}.png`);
        // Each edit is decoded and written as PNG, so pixels (not the file) carry the change.
        await sharp(await (await make(sharp(original), width!, height!)).toBuffer()).png().toFile(file);
        images.push({ file, label: name, source: name });
      }
    }
    const { output, relPaths } = await audit(root, images);
    const missed = images.map((image, i) => [image, relPaths[i]] as const)
      .filter(([image, rel]) => rel !== `${image.source}.png` && !reportedTogether(output, rel, `${image.source}.png`))
      .map(([, rel]) => rel);
    assert.deepEqual(missed, []);
    for (const members of clusters(output)) assert.equal(new Set(members.map((p) => p.split(/[~.]/)[0])).size, 1, members.join());
    for (const finding of output.findings.filter((f) => f.rule === 'FF-D021')) {
      const [a, b] = (finding.evidence.weakestPair as { paths: string[] }).paths;
      const independent = await independentCorrelation(path.join(root, a), path.join(root, b));
      // Unrelated photographs score 0.0–0.5 here; a brightened copy with clipped highlights against a shifted one, 0.9.
      assert.ok(independent >= 0.85, `${a} ~ ${b}: independent correlation ${independent.toFixed(3)}`);
    }
  });

  it('aligned face crops of different people are not near duplicates', async function () {
    requireSkimage(this, 'lfw_subset.npy');
    const { shape, data } = parseNpyFloat64(await fs.readFile(skimagePath('lfw_subset.npy')));
    const side = shape[1];
    const root = path.join(dir, 'faces');
    await fs.mkdir(root, { recursive: true });
    const images: Image[] = [];
    // The first 100 crops are faces (the other 100 are not).
    for (let i = 0; i < 100; i++) {
      const file = path.join(root, `${i}.png`);
      const pixels = Buffer.from(Array.from(data.subarray(i * side * side, (i + 1) * side * side), (v) => Math.round(255 * v)));
      await sharp(pixels, { raw: { width: side, height: side, channels: 1 } }).png().toFile(file);
      images.push({ file, label: 'face', source: String(i) });
    }
    const { output } = await audit(root, images);
    assert.deepEqual(output.findings.map((f) => f.message), []);
    assert.equal(output.summary.imagesCompared, 100);
  });
});
