// Image statistics on synthetic pixels whose values are computed by hand.
import * as assert from 'node:assert/strict';
import { computePixelStats, GREYSCALE_TOLERANCE, laplacianVariance } from '../../../src/engine/image/pixelStats';
import { greyPixels, rgbPixels } from './scanFixtures';

describe('computePixelStats', () => {
  it('uniform (100,150,200): brightness 140.75, contrast 0, saturation 0.5, sharpness 0, not grey', () => {
    const stats = computePixelStats(rgbPixels(20, 10, () => [100, 150, 200]), 20, 10, 3);
    // 0.299·100 + 0.587·150 + 0.114·200 = 29.9 + 88.05 + 22.8
    assert.ok(Math.abs(stats.brightness - 140.75) < 1e-9);
    assert.ok(Math.abs(stats.contrast) < 1e-9);
    // (200 − 100) / 200
    assert.ok(Math.abs(stats.saturation - 0.5) < 1e-12);
    assert.ok(Math.abs(stats.sharpness) < 1e-9);
    assert.equal(stats.greyscale, false);
    assert.equal(stats.dhash, '0000000000000000');
  });

  it('half black, half white 100×100: brightness 127.5, contrast 127.5, sharpness 196·255²/98²', () => {
    const pixels = rgbPixels(100, 100, (x) => (x < 50 ? [0, 0, 0] : [255, 255, 255]));
    const stats = computePixelStats(pixels, 100, 100, 3);
    assert.ok(Math.abs(stats.brightness - 127.5) < 1e-9);
    assert.ok(Math.abs(stats.contrast - 127.5) < 1e-9);
    assert.equal(stats.saturation, 0); // black has max = 0 → 0; white has max = min → 0
    assert.equal(stats.greyscale, true);
    // Interior is 98×98 = 9604 pixels; the two columns at the edge give +255 and −255 (98 each), mean 0.
    assert.ok(Math.abs(stats.sharpness - (196 * 255 * 255) / 9604) < 1e-6);
    assert.ok(Math.abs(stats.sharpness - 1327.0408163265306) < 1e-6);
  });

  it('one-pixel checkerboard 64×64: Laplacian ±1020 everywhere, variance 1020² = 1,040,400', () => {
    const pixels = greyPixels(64, 64, (x, y) => ((x + y) % 2 === 0 ? 0 : 255));
    const stats = computePixelStats(pixels, 64, 64, 1);
    assert.ok(Math.abs(stats.sharpness - 1_040_400) < 1e-6);
    assert.ok(Math.abs(stats.brightness - 127.5) < 1e-9);
    assert.ok(Math.abs(stats.contrast - 127.5) < 1e-9);
    assert.equal(stats.greyscale, true);
  });

  it('greyscale tolerance: a difference of 2 levels is grey, 3 is colour', () => {
    const within = rgbPixels(8, 8, (x) => (x === 3 ? [100, 102, 100] : [50, 50, 50]));
    const beyond = rgbPixels(8, 8, (x) => (x === 3 ? [100, 103, 100] : [50, 50, 50]));
    assert.equal(GREYSCALE_TOLERANCE, 2);
    assert.equal(computePixelStats(within, 8, 8, 3).greyscale, true);
    assert.equal(computePixelStats(beyond, 8, 8, 3).greyscale, false);
  });

  it('saturation averages (max − min)/max per pixel: half (255,0,0), half (200,100,100) → (1 + 0.5)/2', () => {
    const pixels = rgbPixels(10, 10, (x) => (x < 5 ? [255, 0, 0] : [200, 100, 100]));
    assert.ok(Math.abs(computePixelStats(pixels, 10, 10, 3).saturation - 0.75) < 1e-12);
  });
});

describe('laplacianVariance', () => {
  it('is 0 without an interior (width or height below 3) and for a linear ramp', () => {
    assert.equal(laplacianVariance(new Float64Array([1, 2, 3, 4]), 2, 2), 0);
    const ramp = Float64Array.from({ length: 25 }, (_, i) => 10 * (i % 5) + 3 * Math.floor(i / 5));
    assert.ok(Math.abs(laplacianVariance(ramp, 5, 5)) < 1e-9);
  });

  it('a single bright pixel in the centre of 5×5: interior values −400, 100 ×4, 0 ×4 → variance 200000/9', () => {
    const plane = new Float64Array(25);
    plane[12] = 100;
    // Interior 3×3: centre −4·100, its 4 neighbours +100, 4 corners 0 → mean 0, E[x²] = (160000 + 4·10000)/9.
    assert.ok(Math.abs(laplacianVariance(plane, 5, 5) - 200000 / 9) < 1e-6);
  });
});
