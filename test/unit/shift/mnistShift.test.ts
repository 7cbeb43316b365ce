// Black-box shift estimation on data and a model the project did not make: the ONNX Model Zoo MNIST classifier, the
// MNIST test set split in two halves, the second half with digits 0–4 thinned to a tenth (seeded). The target's true
// class shares are counted here from the IDX labels, which the estimate never sees.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../../src/engine/metrics/seededRandom';
import { compareDistributions } from '../../../src/engine/shift/compareDistributions';
import type { ShiftResult } from '../../../src/engine/shift/shiftTypes';
import { encodeGreyPng, readIdx } from '../model/idx';
import { requireSharedData, sharedDataPath } from '../sharedData';

const MNIST = sharedDataPath('mnist');

describe('distribution shift on MNIST (real model, real digits)', function () {
  this.timeout(600_000);
  let dir: string;
  let result: ShiftResult;
  const trueShares = new Array<number>(10).fill(0);
  const referenceShares = new Array<number>(10).fill(0);

  before(async function () {
    requireSharedData(this, path.join(MNIST, 'mnist.onnx'), path.join(MNIST, 't10k-images-idx3-ubyte.gz'));
    const images = readIdx(await fs.readFile(path.join(MNIST, 't10k-images-idx3-ubyte.gz')));
    const labels = readIdx(await fs.readFile(path.join(MNIST, 't10k-labels-idx1-ubyte.gz')));
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-mnist-shift-'));
    const random = mulberry32(20261203);
    let kept = 0;
    for (let i = 0; i < 10000; i++) {
      const digit = labels.data[i];
      const side = i < 5000 ? 'reference' : 'target';
      if (side === 'target' && digit < 5 && random() >= 0.1) continue;
      if (side === 'target') {
        trueShares[digit]++;
        kept++;
      } else referenceShares[digit] += 1 / 5000;
      const folder = path.join(dir, side, String(digit));
      await fs.mkdir(folder, { recursive: true });
      await fs.writeFile(path.join(folder, `${String(i).padStart(5, '0')}.png`), encodeGreyPng(images.data.subarray(i * 784, (i + 1) * 784), 28, 28));
    }
    for (let d = 0; d < 10; d++) trueShares[d] /= kept;
    result = await compareDistributions(path.join(dir, 'reference'), path.join(dir, 'target'), { model: path.join(MNIST, 'mnist.onnx'), cacheDir: path.join(dir, 'cache') });
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('covers every true target class share with its interval, and flags every digit whose share moved', () => {
    const overall = result.priors.find((prior) => prior.group === null);
    assert.ok(overall && !overall.skipped, overall?.skipped);
    assert.equal(overall.nReference, 5000);
    overall.classes.forEach((name, j) => {
      const share = trueShares[Number(name)];
      const interval = overall.targetPriors[j];
      assert.ok(interval.lower !== null && interval.upper !== null && interval.lower <= share && share <= interval.upper, `digit ${name}: true share ${share.toFixed(4)}, interval [${interval.lower}, ${interval.upper}]`);
    });
    // Every true change (counted from the labels) exceeds maxPriorChange (0.05) by a margin, so every digit must be
    // flagged: digits 0–4 fall from about 10% to about 2%, digits 5–9 rise to about 18%.
    for (let d = 0; d < 10; d++) assert.ok(Math.abs(trueShares[d] - referenceShares[d]) >= 0.065, `digit ${d}: true change ${(trueShares[d] - referenceShares[d]).toFixed(4)}`);
    assert.deepEqual([...overall.shiftedClasses].sort(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.ok(result.findings.some((finding) => finding.rule === 'FF-S004'));
  });
});
