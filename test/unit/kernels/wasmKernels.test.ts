import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { COARSE_OFFSET, FINE_OFFSET, kernels } from '../../../src/engine/kernels/wasmKernels';
import { comparableThumbnail } from '../../../src/engine/image/signatureSimilarity';
import { flatCosine } from '../../../src/engine/checks/proposalScoring';

const root = path.resolve(__dirname, '../../..');

describe('kernels', () => {
  it('the committed WebAssembly is what wasm/kernels.ts compiles to', function () {
    this.timeout(120_000);
    // Fails (non-zero exit, so execFileSync throws) when src/engine/kernels/kernelsWasm.ts is stale.
    const output = execFileSync(process.execPath, [path.join(root, 'scripts/build-kernels.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
    assert.match(output, /is up to date/);
  });

  it('copies each part of a loaded thumbnail when a kernel first needs it, and never reads a part left by another', () => {
    const k = kernels();
    const prepared = (seed: number): Uint8Array => comparableThumbnail(Uint8Array.from({ length: 1024 }, (_, i) => (i * seed + (i >> 5) * 3) % 251)).bytes;
    const [x, y, z] = [prepared(7), prepared(11), prepared(13)];
    const full = (): number[] => [k.correlation(FINE_OFFSET, 0, 0, 1, 1), k.correlation(COARSE_OFFSET, 1, -1, 1, 2), ...k.zoomAround(1.05, 0, 0), ...k.rankShifts()];
    k.loadPair(x, y);
    const first = full();
    // y's grids are replaced by z's (the first look only), then y comes back: its whole form must be copied again.
    k.loadPair(x, z);
    const ranked = [...k.rankShifts()];
    k.loadPair(x, y);
    assert.deepEqual(full(), first);
    k.loadPair(x, z);
    assert.deepEqual([...k.rankShifts()], ranked);
    assert.notDeepEqual(ranked, first.slice(-49));
    // In the other order: the whole of z, then y's first look, then z's whole again.
    const zWhole = full();
    k.loadPair(y, x);
    k.rankShifts();
    k.loadPair(x, z);
    assert.deepEqual(full(), zWhole);
  });

  it('scores a block of rows with the same bits as flatCosine, and both within 1e-15 of a plain dot product', () => {
    const { scoring } = kernels();
    let state = 3;
    const random = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
    const total = 300;
    const unit = (length: number): Float32Array => {
      const v = Array.from({ length }, random);
      const norm = Math.hypot(...v);
      return Float32Array.from(v, (x) => x / norm);
    };
    const layouts = new Float32Array(total * 64);
    const spectra = new Float32Array(total * 40);
    for (let i = 0; i < total; i++) {
      layouts.set(unit(64), i * 64);
      spectra.set(unit(40), i * 40);
    }
    scoring.layouts.set(layouts);
    scoring.spectra.set(spectra);
    const window = 7;
    scoring.score(total - 2, total, window, true);
    let compared = 0;
    for (let i = 0; i < total - 2; i++) {
      for (let place = 1; place <= window && i + place < total; place++) {
        const at = i * scoring.maxWindow + place - 1;
        for (const [vectors, length, cosines] of [[layouts, 64, scoring.layoutCosines], [spectra, 40, scoring.spectrumCosines]] as const) {
          const expected = flatCosine(vectors, i, i + place, length);
          assert.equal(cosines[at], expected);
          let plain = 0;
          for (let c = 0; c < length; c++) plain += vectors[i * length + c] * vectors[(i + place) * length + c];
          assert.ok(Math.abs(expected - plain) < 1e-15);
          compared++;
        }
      }
    }
    // Rows 0…292 reach 7 places; rows 293…297 reach the end of the 300 rows: 6, 5, 4, 3, 2 places; two cosines each.
    assert.equal(compared, 2 * (293 * 7 + 6 + 5 + 4 + 3 + 2));
  });
});
