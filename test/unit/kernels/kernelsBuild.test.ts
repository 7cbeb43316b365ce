import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { FINE_OFFSET, kernels, PREPARED_BYTES } from '../../../src/engine/kernels/wasmKernels';

const root = path.resolve(__dirname, '../../..');

describe('kernels', () => {
  it('the committed WebAssembly is what wasm/kernels.ts compiles to', function () {
    this.timeout(120_000);
    // Fails (non-zero exit, so execFileSync throws) when src/engine/kernels/kernelsWasm.ts is stale.
    const output = execFileSync(process.execPath, [path.join(root, 'scripts/build-kernels.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
    assert.match(output, /is up to date/);
  });

  it('a loaded thumbnail is copied again only when another one takes its place', () => {
    const k = kernels();
    const plane = (seed: number): Uint8Array => Uint8Array.from({ length: PREPARED_BYTES }, (_, i) => (i * seed + (i >> 5) * 3) % 251);
    const a = plane(7);
    const b = plane(11);
    k.loadPair(a, b);
    const first = k.correlation(FINE_OFFSET, 0, 0, 1, 1);
    // Changing a's array in place without a new load is not seen (the pair is cached by identity) …
    a[5] = 250;
    k.loadPair(a, b);
    assert.equal(k.correlation(FINE_OFFSET, 0, 0, 1, 1), first);
    // … while a different array is loaded.
    k.loadPair(a.slice(), b);
    assert.notEqual(k.correlation(FINE_OFFSET, 0, 0, 1, 1), first);
  });
});
