// Robustness by group on real data the project did not make: 300 MNIST test digits with the real MNIST classifier,
// grouped by how much ink a digit has. The JPEG corruption is reproduced independently — each PNG re-encoded by sharp
// at the stated quality, written to a folder and audited plainly — and must give the same accuracies overall and by
// group. A second run answers every corrupted prediction from the cache.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { auditPath } from '../../../src/engine/audit';
import type { AuditResult } from '../../../src/engine/auditResult';
import { CORRUPTION_PARAMETERS } from '../../../src/engine/robustness/corruptions';
import { encodeGreyPng, readIdx } from '../model/idx';
import { requireSharedData, sharedDataPath } from '../sharedData';

const MNIST = sharedDataPath('mnist');
const COUNT = 300;
const CONFIG = { attributes: ['ink'], thresholds: { bootstrapReplicates: 200, explainErrorsPerGroup: 0, saliencyImagesPerCell: 0, minMetricGroupSize: 30 } };

/** Writes the digits (as PNG, or re-encoded as JPEG at `quality`) with a metadata.csv naming each one's ink group. */
async function writeDataset(root: string, digits: Array<{ pixels: Uint8Array; label: number; ink: string }>, quality?: number): Promise<void> {
  await fs.mkdir(root, { recursive: true });
  const rows = ['file_name,label,ink'];
  for (const [i, digit] of digits.entries()) {
    const png = encodeGreyPng(digit.pixels, 28, 28);
    const name = `${String(i).padStart(4, '0')}.${quality === undefined ? 'png' : 'jpg'}`;
    // The corruption encodes the decoded sRGB pixels, so the independent copy is encoded from sRGB too.
    await fs.writeFile(path.join(root, name), quality === undefined ? png : await sharp(png).toColourspace('srgb').jpeg({ quality }).toBuffer());
    rows.push(`${name},${digit.label},${digit.ink}`);
  }
  await fs.writeFile(path.join(root, 'metadata.csv'), `${rows.join('\n')}\n`);
  await fs.writeFile(path.join(root, 'fairframe.json'), JSON.stringify(CONFIG));
}

describe('robustness by group on MNIST', function () {
  this.timeout(900_000);
  let dir: string;
  let digits: Array<{ pixels: Uint8Array; label: number; ink: string }>;
  let result: AuditResult;

  before(async function () {
    requireSharedData(this, path.join(MNIST, 'mnist.onnx'), path.join(MNIST, 't10k-images-idx3-ubyte.gz'));
    const images = readIdx(await fs.readFile(path.join(MNIST, 't10k-images-idx3-ubyte.gz')));
    const labels = readIdx(await fs.readFile(path.join(MNIST, 't10k-labels-idx1-ubyte.gz')));
    const raw = Array.from({ length: COUNT }, (_, i) => images.data.subarray(i * 784, (i + 1) * 784));
    const ink = raw.map((pixels) => pixels.reduce((a, b) => a + b, 0));
    const median = [...ink].sort((a, b) => a - b)[COUNT / 2];
    digits = raw.map((pixels, i) => ({ pixels, label: labels.data[i], ink: ink[i] >= median ? 'heavy' : 'light' }));
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-robustness-mnist-'));
    await writeDataset(path.join(dir, 'clean'), digits);
    result = await auditPath(path.join(dir, 'clean'), { models: [path.join(MNIST, 'mnist.onnx')], robustness: 'corruptions', cacheDir: path.join(dir, 'cache') });
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('measures every corruption and severity overall and by ink group, with intervals', () => {
    const model = result.models[0];
    assert.equal(model.status, 'ok', model.reason);
    const corruptions = model.robustness?.corruptions;
    assert.ok(corruptions);
    assert.equal(corruptions.images, COUNT);
    assert.equal(corruptions.failures, 0);
    assert.equal(corruptions.conditions.length, 8 * 5 + 8);
    assert.equal(corruptions.clean.estimate, model.overall?.accuracy.estimate);
    const report = corruptions.groups.find((group) => group.name === 'ink');
    assert.ok(report);
    for (const condition of report.conditions) {
      assert.deepEqual(condition.byGroup.map((g) => g.group), ['heavy', 'light']);
      for (const group of condition.byGroup) assert.ok((group.accuracy.lower as number) <= (group.accuracy.estimate as number) && (group.accuracy.estimate as number) <= (group.accuracy.upper as number));
    }
    // The severest noise hurts more than the mildest (a sanity check on real digits, not a fixture value).
    const at = (key: string): number => corruptions.conditions.find((c) => c.key === key)?.accuracy.estimate as number;
    assert.ok(at('gaussian-noise@5') < at('gaussian-noise@1'));
  });

  it('JPEG at each severity gives the accuracies of an independent re-encode at the same quality, overall and by group', async () => {
    const corruptions = result.models[0].robustness?.corruptions;
    const report = corruptions?.groups.find((group) => group.name === 'ink');
    const qualities = CORRUPTION_PARAMETERS.jpeg.values as number[];
    for (const [index, quality] of qualities.entries()) {
      const root = path.join(dir, `jpeg-${quality}`);
      await writeDataset(root, digits, quality);
      const plain = await auditPath(root, { models: [path.join(MNIST, 'mnist.onnx')], cacheDir: path.join(dir, 'cache') });
      const model = plain.models[0];
      assert.equal(corruptions?.conditions.find((c) => c.key === `jpeg@${index + 1}`)?.accuracy.estimate, model.overall?.accuracy.estimate, `quality ${quality}`);
      const byGroup = model.groups?.find((g) => g.name === 'ink')?.metrics.find((m) => m.metric === 'accuracy')?.byGroup;
      const condition = report?.conditions.find((c) => c.key === `jpeg@${index + 1}`);
      for (const group of ['heavy', 'light']) {
        assert.equal(condition?.byGroup.find((g) => g.group === group)?.accuracy.estimate, byGroup?.find((g) => g.group === group)?.estimate, `quality ${quality}, ${group}`);
      }
    }
  });

  it('a second run answers every corrupted prediction from the cache, with the same figures', async () => {
    const again = await auditPath(path.join(dir, 'clean'), { models: [path.join(MNIST, 'mnist.onnx')], robustness: 'corruptions', cacheDir: path.join(dir, 'cache') });
    const first = result.models[0].robustness?.corruptions;
    const second = again.models[0].robustness?.corruptions;
    assert.equal(second?.inferred, 0);
    assert.equal(second?.cacheHits, COUNT * 40);
    assert.deepEqual(second?.conditions, first?.conditions);
  });
});
