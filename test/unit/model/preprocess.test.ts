// Image → tensor on hand-made images whose every output value is known: layouts, channel orders, normalisation,
// greyscale luma (PIL's values), crop and pad geometry (torchvision's), alpha, EXIF orientation and bad files.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { FairframeError } from '../../../src/engine/errors';
import type { PreprocessSpec } from '../../../src/engine/model/modelTypes';
import { luma601, planResize, preprocessImage, preprocessInto, validatePreprocessSpec } from '../../../src/engine/model/preprocess';

const FIXTURES = path.resolve(__dirname, '../../fixtures/inference');

function spec(overrides: Partial<PreprocessSpec>): PreprocessSpec {
  return { width: 2, height: 2, resize: 'stretch', layout: 'NCHW', channels: 3, channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], inputType: 'float32', ...overrides };
}

function png(pixels: number[], width: number, height: number, channels: 1 | 3 | 4): Promise<Buffer> {
  const image = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  return (channels === 1 ? image.toColourspace('b-w') : image).png().toBuffer();
}

// 2×2 RGB: row 0 = (10,20,30) (40,50,60); row 1 = (70,80,90) (100,110,120).
const RGB_2X2 = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];
// 4×2 grey: row 0 = 0 50 100 150; row 1 = 200 250 25 75.
const GREY_4X2 = [0, 50, 100, 150, 200, 250, 25, 75];

describe('preprocessImage', () => {
  let rgb: Buffer;
  let grey: Buffer;
  before(async () => {
    rgb = await png(RGB_2X2, 2, 2, 3);
    grey = await png(GREY_4X2, 4, 2, 1);
  });

  it('NCHW RGB: one plane per channel, rows then columns', async () => {
    const tensor = await preprocessImage(rgb, spec({}));
    assert.ok(tensor instanceof Float32Array);
    assert.deepEqual([...tensor], [10, 40, 70, 100, 20, 50, 80, 110, 30, 60, 90, 120]);
  });

  it('NHWC RGB keeps pixels interleaved; BGR reverses the channels in either layout', async () => {
    assert.deepEqual([...(await preprocessImage(rgb, spec({ layout: 'NHWC' })))], RGB_2X2);
    assert.deepEqual([...(await preprocessImage(rgb, spec({ channelOrder: 'BGR' })))], [30, 60, 90, 120, 20, 50, 80, 110, 10, 40, 70, 100]);
    assert.deepEqual([...(await preprocessImage(rgb, spec({ layout: 'NHWC', channelOrder: 'BGR' })))], [30, 20, 10, 60, 50, 40, 90, 80, 70, 120, 110, 100]);
  });

  it('applies (v · scale − mean[c]) / std[c] per channel (ImageNet constants)', async () => {
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const scale = 1 / 255;
    const tensor = await preprocessImage(rgb, spec({ scale, mean, std }));
    const expected = [10, 40, 70, 100, 20, 50, 80, 110, 30, 60, 90, 120].map((v, i) => Math.fround((v * scale - mean[Math.floor(i / 4)]) / std[Math.floor(i / 4)]));
    assert.deepEqual([...tensor], expected);
    // (10/255 − 0.485)/0.229 = (0.039216 − 0.485)/0.229 = −1.946656…, by hand
    assert.ok(Math.abs(tensor[0] - -1.946656) < 1e-5);
  });

  it('greyscale is Rec. 601 luma with PIL convert("L") rounding', async () => {
    // PIL: Image.fromarray(RGB_2X2).convert('L') → [18, 48, 78, 108]; pure red, green, blue, white → 76, 150, 29, 255.
    assert.deepEqual([...(await preprocessImage(rgb, spec({ channels: 1, mean: [0], std: [1] })))], [18, 48, 78, 108]);
    const primaries = await png([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255], 2, 2, 3);
    assert.deepEqual([...(await preprocessImage(primaries, spec({ channels: 1, mean: [0], std: [1] })))], [76, 150, 29, 255]);
    assert.equal(luma601(10, 20, 30), 18);
    for (let v = 0; v < 256; v++) assert.equal(luma601(v, v, v), v);
  });

  it('a greyscale file gives its exact values, replicated into three channels for a colour model', async () => {
    const one = await preprocessImage(grey, spec({ width: 4, height: 2, channels: 1, mean: [0], std: [1] }));
    assert.deepEqual([...one], GREY_4X2);
    const three = await preprocessImage(grey, spec({ width: 4, height: 2 }));
    assert.deepEqual([...three], [...GREY_4X2, ...GREY_4X2, ...GREY_4X2]);
  });

  it('uint8 input gives the raw bytes, ignoring scale, mean and std', async () => {
    const tensor = await preprocessImage(rgb, spec({ inputType: 'uint8', layout: 'NHWC', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.1, 0.1, 0.1] }));
    assert.ok(tensor instanceof Uint8Array);
    assert.deepEqual([...tensor], RGB_2X2);
  });

  it('center-crop takes the middle after no resize is needed: columns 1–2 of the 4×2 image', async () => {
    const tensor = await preprocessImage(grey, spec({ width: 2, height: 2, resize: 'center-crop', channels: 1, mean: [0], std: [1] }));
    assert.deepEqual([...tensor], [50, 100, 250, 25]);
  });

  it('center-crop rounds the offset half to even, as torchvision (Python round): (4 − 3)/2 = 0.5 → 0', async () => {
    const tensor = await preprocessImage(grey, spec({ width: 3, height: 2, resize: 'center-crop', resizeShorter: 2, channels: 1, mean: [0], std: [1] }));
    assert.deepEqual([...tensor], [0, 50, 100, 200, 250, 25]);
  });

  it('center-crop pads with black when the crop is taller than the image; black is normalised like any pixel', async () => {
    const tensor = await preprocessImage(grey, spec({ width: 2, height: 4, resize: 'center-crop', resizeShorter: 2, channels: 1, scale: 1, mean: [10], std: [2] }));
    const black = (0 - 10) / 2;
    assert.deepEqual([...tensor], [black, black, (50 - 10) / 2, (100 - 10) / 2, (250 - 10) / 2, (25 - 10) / 2, black, black]);
  });

  it('pad centres the image in the frame with black, the odd row going below', async () => {
    const square = await preprocessImage(grey, spec({ width: 4, height: 4, resize: 'pad', channels: 1, mean: [0], std: [1] }));
    assert.deepEqual([...square], [0, 0, 0, 0, ...GREY_4X2, 0, 0, 0, 0]);
    const three = await preprocessImage(grey, spec({ width: 4, height: 3, resize: 'pad', channels: 1, mean: [0], std: [1] }));
    assert.deepEqual([...three], [...GREY_4X2, 0, 0, 0, 0]);
  });

  it('plans torchvision geometry: Resize(256) + CenterCrop(224) of 500×375 → 341×256, offset (58, 16)', () => {
    // int(256 · 500 / 375) = 341; round((341 − 224) / 2) = round(58.5) = 58 in Python; (256 − 224) / 2 = 16.
    assert.deepEqual(planResize(500, 375, spec({ width: 224, height: 224, resize: 'center-crop', resizeShorter: 256 })), { width: 341, height: 256, left: 58, top: 16 });
    assert.deepEqual(planResize(375, 500, spec({ width: 224, height: 224, resize: 'center-crop' })), { width: 224, height: 298, left: 0, top: 37 });
    // pad: 100×50 into 64×64 → 64×32, 16 rows above
    assert.deepEqual(planResize(100, 50, spec({ width: 64, height: 64, resize: 'pad' })), { width: 64, height: 32, left: -0, top: -16 });
  });

  it('stretch resizes a solid image to the same solid colour, ignoring aspect', async () => {
    const solid = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 30, g: 60, b: 90 } } }).png().toBuffer();
    const tensor = await preprocessImage(solid, spec({ width: 4, height: 4, layout: 'NHWC' }));
    assert.deepEqual([...tensor], Array.from({ length: 16 }, () => [30, 60, 90]).flat());
  });

  it('resamples like PIL bilinear (antialiased triangle filter), much closer than sharp’s default Lanczos', async () => {
    const reference = JSON.parse(readFileSync(path.join(FIXTURES, 'resize_reference.json'), 'utf8')) as Record<'source' | 'pilBilinear', { width: number; height: number; grey: string }>;
    const source = await png([...Buffer.from(reference.source.grey, 'base64')], reference.source.width, reference.source.height, 1);
    const pil = Buffer.from(reference.pilBilinear.grey, 'base64');
    const ours = await preprocessImage(source, spec({ width: 16, height: 12, channels: 1, mean: [0], std: [1] }));
    const lanczos = await sharp(source).resize({ width: 16, height: 12, fit: 'fill' }).toColourspace('b-w').raw().toBuffer();
    const meanAbs = (values: ArrayLike<number>): number => Array.from(pil, (v, i) => Math.abs(values[i] - v)).reduce((a, b) => a + b, 0) / pil.length;
    // Measured on this noise image (the worst case for resampling): 3.06 grey levels for 'linear', 5.55 for Lanczos-3.
    assert.ok(meanAbs(ours) < 3.5, `mean |ours − PIL| = ${meanAbs(ours)}`);
    assert.ok(meanAbs(lanczos) > 5, `mean |lanczos − PIL| = ${meanAbs(lanczos)}`);
  });

  it('flattens alpha onto black: (200,100,50) at alpha 128 → (100,50,25); transparent → black', async () => {
    const rgba = await png([200, 100, 50, 128, 10, 20, 30, 255, 90, 90, 90, 0, 255, 255, 255, 255], 2, 2, 4);
    const tensor = await preprocessImage(rgba, spec({ layout: 'NHWC' }));
    assert.deepEqual([...tensor], [100, 50, 25, 10, 20, 30, 0, 0, 0, 255, 255, 255]);
  });

  it('applies the EXIF orientation: a wide JPEG tagged "rotate 90° clockwise" becomes tall', async () => {
    // 16×8: left half red, right half blue. Orientation 6 displays it rotated 90° clockwise: 8×16, red on top.
    const raw = Buffer.alloc(16 * 8 * 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 16; x++) raw.set(x < 8 ? [255, 0, 0] : [0, 0, 255], (y * 16 + x) * 3);
    const jpeg = await sharp(raw, { raw: { width: 16, height: 8, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const tensor = await preprocessImage(jpeg, spec({ width: 8, height: 16, resize: 'pad', layout: 'NHWC' }));
    const at = (x: number, y: number): number[] => [...tensor.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3)];
    const near = (actual: number[], expected: number[]): boolean => actual.every((v, i) => Math.abs(v - expected[i]) <= 12);
    assert.ok(near(at(4, 3), [255, 0, 0]), `top is red: ${at(4, 3)}`);
    assert.ok(near(at(4, 12), [0, 0, 255]), `bottom is blue: ${at(4, 12)}`);
  });

  it('rejects a corrupt JPEG, a missing file and a truncated PNG with bad-image, naming the file', async () => {
    const corrupt = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8]);
    await assert.rejects(preprocessImage(corrupt, spec({})), (error: unknown) => {
      assert.ok(FairframeError.is(error, 'bad-image'));
      assert.match(error.message, /^The image in memory could not be decoded for the model \(.+\)\. Replace or remove the file/);
      return true;
    });
    const missingFile = path.join(FIXTURES, 'missing-dir', 'nothing.png');
    await assert.rejects(preprocessImage(missingFile, spec({})), (error: unknown) => FairframeError.is(error, 'bad-image') && /'nothing\.png'/.test(error.message));
    const big = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
    await assert.rejects(preprocessImage(big.subarray(0, big.length / 2), spec({})), (error: unknown) => FairframeError.is(error, 'bad-image'));
  });
});

describe('preprocessInto', () => {
  it('writes C·H·W values at the offset and leaves the rest of the batch buffer alone', async () => {
    const rgb = await png(RGB_2X2, 2, 2, 3);
    const batch = new Float32Array(3 * 12).fill(-7);
    await preprocessInto(batch, 12, rgb, spec({}));
    assert.deepEqual([...batch.subarray(0, 12)], new Array(12).fill(-7));
    assert.deepEqual([...batch.subarray(12, 24)], [10, 40, 70, 100, 20, 50, 80, 110, 30, 60, 90, 120]);
    assert.deepEqual([...batch.subarray(24)], new Array(12).fill(-7));
    await assert.rejects(preprocessInto(batch, 30, rgb, spec({})), RangeError);
  });
});

describe('validatePreprocessSpec', () => {
  it('accepts a good spec and names every problem of a bad one', () => {
    validatePreprocessSpec(spec({}));
    assert.throws(
      () => validatePreprocessSpec(spec({ width: 0, mean: [0.5], std: [1, 1, 0] })),
      (error: unknown) => FairframeError.is(error, 'bad-config') && /width and height must be positive integers/.test(error.message) && /one value per channel \(3\); got 1 and 3/.test(error.message),
    );
    assert.throws(() => validatePreprocessSpec(spec({ std: [1, 0, 1] })), /std values finite and non-zero/);
  });
});
