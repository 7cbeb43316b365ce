// The corruptions against the reference code's definitions, computed independently by scikit-image, SciPy and Pillow
// (test/fixtures/robustness/makeCorruptionReferences.py), and the noise corruptions against their hand-derived moments.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ModelPixels } from '../../../src/engine/model/preprocess';
import { corruptPixels, CORRUPTIONS, imageSeed, type CorruptionName } from '../../../src/engine/robustness/corruptions';

const FIXTURES = path.resolve(__dirname, '../../fixtures/robustness');
const references = JSON.parse(readFileSync(path.join(FIXTURES, 'corruption-references.json'), 'utf8')) as { width: number; height: number; references: Record<string, string[]> };

async function input(): Promise<ModelPixels> {
  const { data, info } = await sharp(path.join(FIXTURES, 'corruption-input.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [references.width, references.height, 3]);
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3, left: 0, top: 0 };
}

function differences(actual: Uint8Array, expected: Uint8Array): { max: number; mean: number } {
  assert.equal(actual.length, expected.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / actual.length };
}

function flat(level: number, size = 100): ModelPixels {
  return { data: new Uint8Array(size * size * 3).fill(level), width: size, height: size, channels: 3, left: 0, top: 0 };
}

describe('ImageNet-C corruptions', () => {
  // The only difference allowed is rounding (±1 level). JPEG is encoded by sharp here and by Pillow in the reference:
  // two encoders with the same quantisation tables and 4:2:0 chroma; pixelate is Pillow's BOX resize written out.
  for (const name of ['gaussian-blur', 'defocus-blur', 'brightness', 'contrast', 'jpeg', 'pixelate'] as CorruptionName[]) {
    it(`${name} matches the reference implementation at every severity (±1 level)`, async () => {
      const pixels = await input();
      for (let severity = 1; severity <= 5; severity++) {
        const out = await corruptPixels(pixels, { corruption: name, severity }, 1);
        const { max } = differences(out.data, new Uint8Array(Buffer.from(references.references[name][severity - 1], 'base64')));
        assert.ok(max <= 1, `${name}@${severity}: largest difference ${max} levels`);
      }
    });
  }

  it('gaussian noise has the standard deviation of the table (0.08 · 255 = 20.4 levels at severity 1) and no bias', async () => {
    const out = await corruptPixels(flat(128), { corruption: 'gaussian-noise', severity: 1 }, 7);
    const values = Array.from(out.data, (v) => v - 128);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    // 30,000 draws: the standard error of the mean is 20.4/√30000 ≈ 0.12, of the sd ≈ 0.08 (+ rounding, sd of 0.29).
    assert.ok(Math.abs(mean) < 0.6, `mean shift ${mean}`);
    assert.ok(Math.abs(sd - 20.4) < 0.6, `sd ${sd}`);
  });

  it('shot noise is Poisson: at p = 128/255 and c = 60 photons the sd is 255·√(p/c) = 23.3 levels', async () => {
    const out = await corruptPixels(flat(128), { corruption: 'shot-noise', severity: 1 }, 7);
    const values = Array.from(out.data, (v) => v);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    assert.ok(Math.abs(mean - 128) < 0.8, `mean ${mean}`);
    assert.ok(Math.abs(sd - 255 * Math.sqrt(128 / 255 / 60)) < 0.8, `sd ${sd}`);
  });

  it('is deterministic for a seed, differs between seeds, and never changes its input', async () => {
    const pixels = await input();
    const copy = Uint8Array.from(pixels.data);
    for (const corruption of CORRUPTIONS) {
      const a = await corruptPixels(pixels, { corruption, severity: 3 }, imageSeed(1, 'abc', corruption));
      const b = await corruptPixels(pixels, { corruption, severity: 3 }, imageSeed(1, 'abc', corruption));
      assert.deepEqual(a.data, b.data, corruption);
    }
    const one = await corruptPixels(pixels, { corruption: 'gaussian-noise', severity: 3 }, 1);
    const two = await corruptPixels(pixels, { corruption: 'gaussian-noise', severity: 3 }, 2);
    assert.notDeepEqual(one.data, two.data);
    assert.deepEqual(pixels.data, copy);
    await assert.rejects(corruptPixels(pixels, { corruption: 'jpeg', severity: 6 }, 1), RangeError);
  });
});
