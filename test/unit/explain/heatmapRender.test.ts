// Rendering: the viridis table, normalisation, bilinear upsampling by hand, and overlay PNGs decoded back.
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Heatmap } from '../../../src/engine/explain/explainTypes';
import { heatmapToFloat32, normaliseHeatmap, renderOverlayPng, upsampleBilinear, VIRIDIS_LUT, viridis } from '../../../src/engine/explain/heatmapRender';

function heatmap(width: number, height: number, data: number[]): Heatmap {
  return { method: 'occlusion', classIndex: 0, width, height, data: Float32Array.from(data), params: {}, modelCalls: 0 };
}

describe('explain: heatmap rendering', function () {
  this.timeout(30_000);

  it("embeds matplotlib's viridis: 256 entries, first, middle and last as published", () => {
    assert.equal(VIRIDIS_LUT.length, 768);
    // _viridis_data[0] = (0.267004, 0.004874, 0.329415), [128] = (0.127568, 0.566949, 0.550556), [255] = (0.993248, 0.906157, 0.143936).
    assert.deepEqual(viridis(0), [68, 1, 84]);
    assert.deepEqual(viridis(128 / 255), [33, 145, 140]);
    assert.deepEqual(viridis(1), [253, 231, 37]);
    assert.deepEqual(viridis(2), [253, 231, 37]); // clamped
  });

  it('normalises min–max, or signed around 0', () => {
    assert.deepEqual(Array.from(normaliseHeatmap([-2, 0, 2])), [0, 0.5, 1]);
    assert.deepEqual(Array.from(normaliseHeatmap([1, 2, 5])), [0, 0.25, 1]);
    assert.deepEqual(Array.from(normaliseHeatmap([-1, 0, 3], { signed: true })).map((v) => Number(v.toFixed(6))), [0.333333, 0.5, 1]);
    assert.deepEqual(Array.from(normaliseHeatmap([4, 4])), [0, 0]);
    const raw = heatmapToFloat32(heatmap(3, 1, [1, 2, 5]));
    assert.deepEqual({ min: raw.min, max: raw.max, width: raw.width, height: raw.height, data: Array.from(raw.data) }, { min: 1, max: 5, width: 3, height: 1, data: [0, 0.25, 1] });
  });

  it('upsamples bilinearly with half-pixel centres: [0, 1] → [0, ¼, ¾, 1]', () => {
    assert.deepEqual(Array.from(upsampleBilinear([0, 1], 2, 1, 4, 1)), [0, 0.25, 0.75, 1]);
    const grid = upsampleBilinear([0, 1, 2, 3], 2, 2, 4, 4);
    assert.equal(grid[0], 0);
    assert.equal(grid[15], 3);
    assert.equal(grid[1 * 4 + 1], 0.75); // (u, v) = (0.25, 0.25): 0.25 · 1 + 0.25 · 2
  });

  it('renders a 28×28 image at 224×224: nearest for the image, viridis for the map, α blended', async () => {
    const pixels = new Uint8Array(28 * 28).map((_, i) => (i % 28 < 14 ? 0 : 200));
    const image = { pixels, width: 28, height: 28, channels: 1 as const };
    const map = heatmap(2, 2, [0, 0, 0, 1]);
    const png = await renderOverlayPng(image, map);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.format], [224, 224, 'raw']);
    assert.equal((await sharp(png).metadata()).format, 'png');
    const at = (x: number, y: number): number[] => Array.from(data.subarray((y * 224 + x) * info.channels, (y * 224 + x) * info.channels + 3));
    // Top-left: image 0, map 0 → ½ · viridis(0) = (34, 1, 42) after rounding (68/2, 0.5, 84/2).
    assert.deepEqual(at(0, 0), [34, 1, 42]);
    // Bottom-right: image 200, map 1 → ½ · 200 + ½ · (253, 231, 37).
    assert.deepEqual(at(223, 223), [227, 216, 119]);
    const imageOnly = await sharp(await renderOverlayPng(image, map, { alpha: 0, size: 56 })).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([imageOnly.info.width, imageOnly.info.height], [56, 56]);
    assert.deepEqual([imageOnly.data[0], imageOnly.data[(56 - 1) * imageOnly.info.channels]], [0, 200]);
  });

  it('keeps the aspect ratio and keeps large images at their size', async () => {
    const wide = { pixels: new Uint8Array(64 * 32 * 3).fill(90), width: 64, height: 32, channels: 3 as const };
    const meta = await sharp(await renderOverlayPng(wide, heatmap(4, 2, [0, 1, 2, 3, 4, 5, 6, 7]), { size: 100 })).metadata();
    assert.deepEqual([meta.width, meta.height], [100, 50]);
    const big = { pixels: new Uint8Array(300 * 200).fill(10), width: 300, height: 200, channels: 1 as const };
    const bigMeta = await sharp(await renderOverlayPng(big, heatmap(1, 1, [0]))).metadata();
    assert.deepEqual([bigMeta.width, bigMeta.height], [300, 200]);
  });
});
