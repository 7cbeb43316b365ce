import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { hashPlanes, LAYOUT_LENGTH, layoutHashes, layoutVector, simHash, SPECTRUM_LENGTH, spectrumHashes, spectrumVector } from '../../../src/engine/image/imageSignatures';
import { decodeThumbnail, lumaThumbnail } from '../../../src/engine/image/thumbnail';
import { requireSharedData, sharedDataPath } from '../sharedData';

// Plain references, written from the definitions (not the engine's code): the layout as a direct double sum of
// tent weights, the spectrum as a direct 2-D DFT, the hashes as signs of plain dot products.

/** The tent weight of thumbnail position x for layout cell `cell` (8 cells over 32 pixels, half-width 8), normalised over x. */
function tentWeight(cell: number, x: number): number {
  const weight = (c: number, p: number): number => Math.max(0, 1 - Math.abs(p - (c * 4 + 1.5)) / 8);
  let sum = 0;
  for (let p = 0; p < 32; p++) sum += weight(cell, p);
  return weight(cell, x) / sum;
}
const TENTS = Array.from({ length: 8 }, (_, cell) => Array.from({ length: 32 }, (_, x) => tentWeight(cell, x)));
const tent = (cell: number, x: number): number => TENTS[cell][x];

function referenceLayout(t: Uint8Array): number[] | undefined {
  const cells: number[] = [];
  for (let cy = 0; cy < 8; cy++) {
    for (let cx = 0; cx < 8; cx++) {
      let v = 0;
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) v += tent(cy, y) * tent(cx, x) * t[y * 32 + x];
      cells.push(v);
    }
  }
  const mean = cells.reduce((s, v) => s + v, 0) / 64;
  const norm = Math.sqrt(cells.reduce((s, v) => s + (v - mean) ** 2, 0));
  return norm > 0.1 * 8 ? cells.map((v) => (v - mean) / norm) : undefined;
}

function referenceSpectrum(t: Uint8Array): number[] {
  const out: number[] = [];
  for (let u = 0; u <= 4; u++) {
    for (let v = -4; v <= 4; v++) {
      if (u === 0 && v <= 0) continue;
      let re = 0;
      let im = 0;
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const angle = (-2 * Math.PI * (u * x + v * y)) / 32;
          re += t[y * 32 + x] * Math.cos(angle);
          im += t[y * 32 + x] * Math.sin(angle);
        }
      }
      out.push(Math.hypot(re, im));
    }
  }
  const norm = Math.sqrt(out.reduce((s, v) => s + v * v, 0));
  return out.map((v) => v / norm);
}

/** Hash bits whose plane the vector is clearly on one side of (|dot| > 1e-9), as [word, bit, expected]. */
function clearBits(vector: Float32Array, planes: Float64Array): Array<[number, number, number]> {
  const length = vector.length;
  const bits: Array<[number, number, number]> = [];
  for (let plane = 0; plane < planes.length / length; plane++) {
    let dot = 0;
    for (let i = 0; i < length; i++) dot += planes[plane * length + i] * vector[i];
    if (Math.abs(dot) > 1e-9) bits.push([Math.floor(plane / 32), 31 - (plane % 32), dot > 0 ? 1 : 0]);
  }
  return bits;
}

describe('image/imageSignatures', () => {
  it('layout, spectrum and their hashes equal plain references on real digits and on textures', async function () {
    this.timeout(120_000);
    const path = sharedDataPath('mnist/t10k-images-idx3-ubyte.gz');
    requireSharedData(this, path);
    const images = gunzipSync(await fs.readFile(path));
    const thumbnails = Array.from({ length: 150 }, (_, i) => decodeThumbnail(lumaThumbnail(images.subarray(16 + i * 784, 16 + (i + 1) * 784), 28, 28))!);
    for (let k = 0; k < 50; k++) thumbnails.push(Uint8Array.from({ length: 1024 }, (_, p) => Math.round(127 + 120 * Math.sin((p * (k + 3)) / 37) * Math.cos((p >> 5) / (k + 2)))));
    thumbnails.push(new Uint8Array(1024).fill(90));
    const planes = hashPlanes();
    let bitsChecked = 0;
    for (const t of thumbnails) {
      const layout = layoutVector(t);
      const expected = referenceLayout(t);
      assert.equal(layout === undefined, expected === undefined);
      if (!layout || !expected) continue;
      assert.equal(layout.length, LAYOUT_LENGTH);
      // Stored as float32: within its rounding of unit-length coordinates.
      layout.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `layout ${i}: ${v} against ${expected[i]}`));
      const spectrum = spectrumVector(t)!;
      const spectral = referenceSpectrum(t);
      assert.equal(spectrum.length, SPECTRUM_LENGTH);
      spectrum.forEach((v, i) => assert.ok(Math.abs(v - spectral[i]) < 1e-6, `spectrum ${i}: ${v} against ${spectral[i]}`));
      for (const [hashes, vector, table] of [
        [layoutHashes(layout), layout, planes.layout],
        [spectrumHashes(spectrum), spectrum, planes.spectrum],
        [Uint32Array.from(simHash(layout)), layout, planes.simHash],
      ] as const) {
        for (const [word, bit, value] of clearBits(vector, table)) {
          assert.equal((hashes[word] >>> bit) & 1, value);
          bitsChecked++;
        }
      }
    }
    // 200 non-flat thumbnails × 576 bits (8 + 8 + 2 words); only bits within 1e-9 of a plane are left out.
    assert.ok(bitsChecked > 110_000, `${bitsChecked} hash bits checked`);
  });
});
