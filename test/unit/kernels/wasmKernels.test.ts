import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { COARSE_OFFSET, FINE_OFFSET, kernels } from '../../../src/engine/kernels/wasmKernels';
import { comparableThumbnail } from '../../../src/engine/image/signatureSimilarity';

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
});
