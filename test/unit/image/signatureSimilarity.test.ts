import * as assert from 'node:assert/strict';
import { alignedCorrelation, comparableThumbnail, phaseGrids, rankShifts, RANK_GATE, smoothThumbnail, zoomAround, thumbnailCorrelation } from '../../../src/engine/image/signatureSimilarity';
import { unitCosine, layoutVector, simHash, spectrumVector } from '../../../src/engine/image/imageSignatures';
import { decodeThumbnail, lumaThumbnail } from '../../../src/engine/image/thumbnail';
import { popcount32 } from '../../../src/engine/hash/hammingDistance';
import { pearsonAtShift, pearsonBilinear } from '../pearsonReference';

const a = Uint8Array.from({ length: 1024 }, (_, i) => (i * 37 + (i >> 5) * 11) % 251);
const b = Uint8Array.from({ length: 1024 }, (_, i) => (i * 53 + (i >> 5) * 7) % 241);

/** A smooth pattern (a few low-frequency cosines) in [20, 230]. */
function smooth(seed: number): Uint8Array {
  const plane = Float64Array.from({ length: 1024 }, (_, i) => {
    const x = i % 32;
    const y = Math.floor(i / 32);
    return Math.cos((2 * Math.PI * (x + seed * y)) / 40 + seed) + Math.cos((2 * Math.PI * (2 * y - x)) / 50 + 2 * seed);
  });
  const min = Math.min(...plane);
  const max = Math.max(...plane);
  return Uint8Array.from(plane, (v) => Math.round(20 + (210 * (v - min)) / (max - min)));
}

function shift(p: Uint8Array, dx: number, dy: number): Uint8Array {
  return Uint8Array.from({ length: 1024 }, (_, i) => {
    const x = Math.max(0, Math.min(31, (i % 32) - dx));
    const y = Math.max(0, Math.min(31, Math.floor(i / 32) - dy));
    return p[y * 32 + x];
  });
}

describe('image/signatureSimilarity', () => {
  it('alignedCorrelation equals a plain Pearson correlation over the overlap, on both of its paths', () => {
    for (const step of [1, 2]) {
      for (let dy = -3; dy <= 3; dy++) {
        for (let dx = -3; dx <= 3; dx++) {
          const expected = pearsonAtShift(a, b, 32, dx, dy, step);
          assert.ok(Math.abs(alignedCorrelation(a, b, dx, dy, 1, step) - expected) < 1e-12);
          // A background no pixel is near counts every pixel.
          assert.ok(Math.abs(alignedCorrelation(a, b, dx, dy, 1, step, { a: -100, b: -100 }) - expected) < 1e-12);
          // A zoom a hair below 1 takes the bilinear path over the same pixels.
          assert.ok(Math.abs(alignedCorrelation(a, b, dx, dy, 1 - 1e-10, step) - expected) < 1e-6);
        }
      }
    }
    assert.equal(alignedCorrelation(a, a, 0, 0, 1), 1);
    // Too little overlap, or a flat image, gives no correlation (−2).
    assert.equal(alignedCorrelation(a, b, 20, 0, 1), -2);
    assert.equal(alignedCorrelation(new Uint8Array(1024).fill(9), b, 0, 0, 1), -2);
  });

  it('alignedCorrelation equals a plain bilinear Pearson reference at sub-pixel shifts and zooms, with and without a background', () => {
    // Marks on a plain ground of level 40 (a) and 200 (b), with grey levels near the ground too, so that
    // the background rule decides for many pixels; the reference is an independent plain computation.
    const marked = (seed: number, ground: number): Uint8Array => {
      const pattern = smooth(seed);
      return Uint8Array.from(pattern, (v, i) => (i % 32 > 8 && i % 32 < 24 && i > 200 && i < 800 ? v : ground + ((i * 7) % 21) - 10));
    };
    const p = marked(1, 40);
    const q = shift(marked(1, 200), 1, -2);
    let compared = 0;
    for (const step of [1, 2]) {
      for (const [dx, dy, scale] of [[0, 0, 1], [1, -2, 1], [-3, 3, 1], [0.5, -1.25, 1], [1, -2, 1.05], [-0.75, 0.25, 1 / 1.1], [2.5, 1, 1.13]]) {
        for (const background of [undefined, { a: 40, b: 200 }, { a: 45, b: 193 }]) {
          const expected = pearsonBilinear(p, q, 32, dx, dy, scale, step, background && { ...background, levels: 8 });
          const actual = alignedCorrelation(p, q, dx, dy, scale, step, background);
          assert.ok(Math.abs(actual - expected) < 1e-9, `step ${step}, shift ${dx},${dy}, scale ${scale}, background ${JSON.stringify(background)}: ${actual} against ${expected}`);
          compared++;
        }
      }
    }
    assert.equal(compared, 42);
  });

  it('prepares a thumbnail as plain references do: smoothing, phase grids and their sums, background level', () => {
    const random = (seed: number): Uint8Array => {
      let state = seed;
      return Uint8Array.from({ length: 1024 }, () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 24);
    };
    // Plain references: a 3×3 [1 2 1] binomial with replicated edges, rounded; cells (4i + px, 4j + py); sorted lower median.
    const at = (p: Uint8Array, x: number, y: number): number => p[Math.min(31, Math.max(0, y)) * 32 + Math.min(31, Math.max(0, x))];
    const smoothed = (p: Uint8Array): number[] =>
      Array.from({ length: 1024 }, (_, i) => {
        const [x, y] = [i % 32, Math.floor(i / 32)];
        let sum = 0;
        for (const [dx, wx] of [[-1, 1], [0, 2], [1, 1]]) for (const [dy, wy] of [[-1, 1], [0, 2], [1, 1]]) sum += wx * wy * at(p, x + dx, y + dy);
        return Math.floor((sum + 8) / 16);
      });
    for (const p of [a, b, smooth(3), random(1), random(2), new Uint8Array(1024).fill(255), new Uint8Array(1024)]) {
      const prepared = comparableThumbnail(p);
      const fine = smoothed(p);
      assert.deepEqual([...prepared.fine], fine);
      assert.deepEqual([...smoothThumbnail(p)], fine);
      const coarse = smoothed(Uint8Array.from(fine));
      assert.deepEqual([...prepared.coarse], coarse);
      assert.equal(prepared.background, [...fine].sort((x, y) => x - y)[511]);
      const grids = phaseGrids(Uint8Array.from(coarse));
      assert.deepEqual([...prepared.grids.cells], [...grids.cells]);
      assert.deepEqual([...prepared.grids.sums], [...grids.sums]);
      for (let phase = 0; phase < 16; phase++) {
        const [px, py] = [phase % 4, Math.floor(phase / 4)];
        const cell = (i: number, j: number): number => coarse[(4 * j + py) * 32 + 4 * i + px];
        const range = [0, 1, 2, 3, 4, 5, 6, 7];
        for (const i of range) for (const j of range) assert.equal(grids.cells[phase * 64 + j * 8 + i], cell(i, j));
        const sums = (cells: number[]): number[] => [cells.reduce((s, v) => s + v, 0), cells.reduce((s, v) => s + v * v, 0)];
        const expected = [
          ...sums(range.flatMap((j) => range.map((i) => cell(i, j)))),
          ...sums(range.map((i) => cell(i, 0))),
          ...sums(range.map((i) => cell(i, 7))),
          ...sums(range.map((j) => cell(0, j))),
          ...sums(range.map((j) => cell(7, j))),
          cell(0, 0),
          cell(7, 0),
          cell(0, 7),
          cell(7, 7),
        ];
        assert.deepEqual([...grids.sums.subarray(phase * 14, phase * 14 + 14)], expected, `phase ${phase}`);
      }
    }
  });

  it('rankShifts gives the plain Pearson correlation on every fourth pixel at all 49 shifts, and the same bits as alignedCorrelation', () => {
    const out = new Float64Array(49);
    const planes = [a, b, smooth(1), smooth(3), Uint8Array.from({ length: 1024 }, (_, i) => (i * i * 7 + 13 * (i >> 5)) % 256)];
    let compared = 0;
    for (const p of planes) {
      for (const q of planes) {
        rankShifts(phaseGrids(p), phaseGrids(q), out);
        for (let dy = -3; dy <= 3; dy++) {
          for (let dx = -3; dx <= 3; dx++) {
            const value = out[(dy + 3) * 7 + dx + 3];
            assert.ok(Math.abs(value - pearsonAtShift(p, q, 32, dx, dy, 4)) < 1e-12, `shift ${dx},${dy}`);
            assert.equal(value, alignedCorrelation(p, q, dx, dy, 1, 4));
            compared++;
          }
        }
      }
    }
    assert.equal(compared, 25 * 49);
    // A flat image has no correlation (−2) at any shift.
    rankShifts(phaseGrids(new Uint8Array(1024).fill(77)), phaseGrids(a), out);
    assert.deepEqual([...new Set(out)], [-2]);
  });

  it('zoomAround gives alignedCorrelation\'s zoomed correlations to the last bit, in its order, edges included', () => {
    const planes = [a, b, smooth(2), shift(smooth(4), 2, -1)];
    let visited = 0;
    for (const p of planes) {
      for (const q of planes) {
        for (const scale of [1 / 1.1, 1 / 1.05, 1.05, 1.1, 1.3]) {
          for (const [cx, cy] of [[0, 0], [3, -3], [-2, 1], [3, 3]]) {
            const seen: Array<[number, number]> = [];
            zoomAround(p, q, scale, cx, cy, (r, dx, dy) => {
              assert.equal(r, alignedCorrelation(p, q, dx, dy, scale, 2), `scale ${scale}, shift ${dx},${dy}`);
              seen.push([dx, dy]);
              visited++;
            });
            const expected: Array<[number, number]> = [];
            for (let dy = cy - 1; dy <= cy + 1; dy++) for (let dx = cx - 1; dx <= cx + 1; dx++) if (Math.abs(dx) <= 3 && Math.abs(dy) <= 3) expected.push([dx, dy]);
            assert.deepEqual(seen, expected);
          }
        }
      }
    }
    assert.ok(visited > 16 * 5 * 20, `${visited} zooms compared`);
  });

  it('a pair that falls out at the first look is far from any look-alike that the ratio test weighs', () => {
    // Unrelated smooth patterns: the best correlation at any whole-pixel shift (plain reference, on the
    // once-smoothed thumbnails) is far below 0.95, the least correlation a look-alike needs to count
    // against a pair at the 0.98 threshold with the default ratio 0.4 (1 − 0.02 / 0.4).
    let fellOut = 0;
    for (let seed = 2; seed < 12; seed++) {
      const p = smooth(seed);
      const q = shift(smooth(seed + 17), 1, 0);
      const found = thumbnailCorrelation(comparableThumbnail(p), comparableThumbnail(q), 0.98);
      let best = -1;
      for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) best = Math.max(best, pearsonAtShift(smoothThumbnail(p), smoothThumbnail(q), 32, dx, dy));
      if (found.correlation < 0.98 - RANK_GATE) {
        fellOut++;
        assert.ok(best < 0.95, `seed ${seed}: the estimate ${found.correlation} stood for a pair correlating ${best}`);
      }
      assert.ok(found.correlation < 0.98);
    }
    assert.ok(fellOut > 0, 'no pair fell out at the first look: the test shows nothing');
  });

  it('leaves out pixels that sit on both images\' background', () => {
    // Two different marks on one black ground: correlated over all pixels because both are mostly black, not over the marks.
    const p = new Uint8Array(1024);
    const q = new Uint8Array(1024);
    for (let y = 4; y < 28; y++) {
      p[y * 32 + 14] = 255;
      p[y * 32 + 15] = 255;
      q[y * 32 + 15] = 255;
      q[y * 32 + 16] = 255;
    }
    const all = alignedCorrelation(p, q, 0, 0, 1);
    const informative = alignedCorrelation(p, q, 0, 0, 1, 1, { a: 0, b: 0 });
    const informativeBilinear = alignedCorrelation(p, q, 0, 0, 1 - 1e-10, 1, { a: 0, b: 0 });
    // By hand: over all 1,024 pixels, 24 shared on-pixels of 48 each: r = (24·1024 − 48·48) / (48·(1024 − 48)) = 0.4754.
    assert.ok(Math.abs(all - (24 * 1024 - 48 * 48) / (48 * (1024 - 48))) < 1e-12);
    // Over the 72 pixels either mark covers: 24 both, 24 p only, 24 q only: r = (24·72 − 48·48) / (48·24) = −0.5.
    assert.ok(Math.abs(informative - -0.5) < 1e-12);
    assert.ok(Math.abs(informativeBilinear - -0.5) < 1e-6);
  });

  it('finds the shift of a moved and brightened copy, and rejects an unrelated image', () => {
    const source = smooth(1);
    const copy = shift(source, 2, -1).map((v) => Math.min(255, Math.round(1.15 * v + 8)));
    const found = thumbnailCorrelation(comparableThumbnail(source), comparableThumbnail(Uint8Array.from(copy)), 0.98);
    assert.ok(found.correlation > 0.99, JSON.stringify(found));
    assert.ok(Math.abs(found.dx - 2) <= 0.25 && Math.abs(found.dy + 1) <= 0.25 && Math.abs(found.scale - 1) <= 0.02, JSON.stringify(found));
    assert.ok(thumbnailCorrelation(comparableThumbnail(source), comparableThumbnail(smooth(5)), 0.98).correlation < 0.9);
  });

  it('layout, SimHash and spectrum: equal for equal images, close for a shifted copy, far for unrelated ones', () => {
    const source = smooth(2);
    const copy = shift(source, 1, 0);
    const other = smooth(7);
    const [la, lb, lc] = [layoutVector(source)!, layoutVector(copy)!, layoutVector(other)!];
    assert.ok(Math.abs(unitCosine(la, la) - 1) < 1e-6);
    assert.ok(unitCosine(la, lb) > unitCosine(la, lc));
    const hamming = (x: [number, number], y: [number, number]): number => popcount32(x[0] ^ y[0]) + popcount32(x[1] ^ y[1]);
    assert.equal(hamming(simHash(la), simHash(la)), 0);
    assert.ok(hamming(simHash(la), simHash(lb)) < hamming(simHash(la), simHash(lc)));
    // A circular shift leaves the amplitude spectrum exactly as it was.
    const circular = Uint8Array.from({ length: 1024 }, (_, i) => source[Math.floor(i / 32) * 32 + (((i % 32) - 3 + 32) % 32)]);
    assert.ok(Math.abs(unitCosine(spectrumVector(source)!, spectrumVector(circular)!) - 1) < 1e-6);
    assert.equal(layoutVector(new Uint8Array(1024).fill(128)), undefined);
  });

  it('thumbnails are area averages, stored as base64 of 1,024 bytes', () => {
    // A 64×64 plane of 2×2 blocks with values 4·(block index mod 50): each thumbnail pixel is one block's value.
    const plane = Float64Array.from({ length: 64 * 64 }, (_, i) => 4 * (((Math.floor(i / 128) * 32) + Math.floor((i % 64) / 2)) % 50));
    const pixels = decodeThumbnail(lumaThumbnail(plane, 64, 64))!;
    assert.equal(pixels.length, 1024);
    assert.deepEqual([...pixels.subarray(0, 4)], [0, 4, 8, 12]);
    assert.equal(pixels[33], 4 * ((32 + 1) % 50));
    assert.equal(decodeThumbnail('AAAA'), undefined);
    assert.equal(decodeThumbnail(42), undefined);
  });
});
