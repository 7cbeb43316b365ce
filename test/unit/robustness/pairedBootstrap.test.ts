// The paired bootstrap of accuracy drops and their difference-in-differences, on samples small enough to compute by
// hand, and on a larger one against the normal approximation of its standard error.
import * as assert from 'node:assert/strict';
import { pairedConditionBootstrap } from '../../../src/engine/robustness/pairedBootstrap';

const options = { replicates: 2000, level: 0.95, seed: 11 };

describe('paired bootstrap of robustness drops', () => {
  it('hand-checked figures: drops, the DiD, and intervals that keep the pairing', () => {
    // Group A (4 images): all correct clean, 2 correct corrupted → drop 1 − 2/4 = 0.5.
    // Group B (4 images): 3 correct clean, the same 3 correct corrupted → drop 0.
    const clean = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 0]);
    const corrupted = Uint8Array.from([1, 1, 0, 0, 1, 1, 1, 0]);
    const groupOf = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const [, figures] = pairedConditionBootstrap([clean, corrupted], groupOf, ['A', 'B'], [true, true], [], options);
    assert.equal(figures.byGroup[0].accuracy.estimate, 0.5);
    assert.equal(figures.byGroup[0].drop.estimate, 0.5);
    assert.equal(figures.byGroup[1].drop.estimate, 0);
    // Overall: 7/8 clean, 5/8 corrupted → drop 2/8.
    assert.equal(figures.overall.accuracy.estimate, 5 / 8);
    assert.equal(figures.overall.drop.estimate, 0.25);
    // DiD = 0.5 − 0 between A (larger drop) and B.
    assert.equal(figures.dropDifference.estimate, 0.5);
    assert.equal(figures.dropDifference.higherGroup, 'A');
    assert.equal(figures.dropDifference.lowerGroup, 'B');
    // B's resampled images are the same images clean and corrupted: its drop is 0 in every replicate (an unpaired
    // bootstrap would not give this). A's drop is Binomial(4, ½)/4: P(0) = P(1) = 1/16 > 2.5%, so the 95% interval is [0, 1].
    assert.deepEqual([figures.byGroup[1].drop.lower, figures.byGroup[1].drop.upper], [0, 0]);
    assert.deepEqual([figures.byGroup[0].drop.lower, figures.byGroup[0].drop.upper], [0, 1]);
    assert.deepEqual([figures.dropDifference.lower, figures.dropDifference.upper], [0, 1]);
  });

  it('a derived condition is the mean of its members\' accuracies', () => {
    const clean = Uint8Array.from([1, 1, 1, 1]);
    const one = Uint8Array.from([1, 1, 1, 0]);
    const two = Uint8Array.from([1, 0, 0, 0]);
    const figures = pairedConditionBootstrap([clean, one, two], new Int32Array(4), ['all'], [true], [{ members: [1, 2] }], options);
    assert.equal(figures[3].overall.accuracy.estimate, (0.75 + 0.25) / 2);
    assert.equal(figures[3].overall.drop.estimate, 0.5);
    // One compared group only: no pair, no DiD.
    assert.equal(figures[1].dropDifference.estimate, null);
  });

  it('the DiD interval agrees with the normal approximation: SE² = pA(1 − pA)/nA + pB(1 − pB)/nB', () => {
    // 400 images per group. A: 120 of the clean-correct images break (drop 0.3); B: 30 break (drop 0.075).
    const n = 400;
    const clean = new Uint8Array(2 * n);
    const corrupted = new Uint8Array(2 * n);
    const groupOf = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      clean[i] = i < 360 ? 1 : 0;
      corrupted[i] = i < 240 ? 1 : 0;
      groupOf[n + i] = 1;
      clean[n + i] = i < 300 ? 1 : 0;
      corrupted[n + i] = i < 270 ? 1 : 0;
    }
    const [, figures] = pairedConditionBootstrap([clean, corrupted], groupOf, ['A', 'B'], [true, true], [], options);
    // Per image the paired difference clean − corrupted is 0 or 1, so drop_A ~ Binomial(400, 0.3)/400.
    const se = Math.sqrt((0.3 * 0.7) / n + (0.075 * 0.925) / n); // 0.02643
    const did = figures.dropDifference;
    assert.ok(Math.abs((did.estimate as number) - 0.225) < 1e-12);
    assert.ok(Math.abs((did.lower as number) - (0.225 - 1.96 * se)) < 0.012, `lower ${did.lower} vs ${0.225 - 1.96 * se}`);
    assert.ok(Math.abs((did.upper as number) - (0.225 + 1.96 * se)) < 0.012, `upper ${did.upper} vs ${0.225 + 1.96 * se}`);
  });

  it('groups too small to compare are never the DiD pair', () => {
    const clean = Uint8Array.from([1, 1, 1, 1, 1, 1]);
    const corrupted = Uint8Array.from([0, 1, 1, 1, 1, 1]);
    const groupOf = Int32Array.from([0, 1, 1, 1, 2, 2]);
    const [, figures] = pairedConditionBootstrap([clean, corrupted], groupOf, ['tiny', 'B', 'C'], [false, true, true], [], options);
    assert.equal(figures.byGroup[0].drop.estimate, 1);
    assert.notEqual(figures.dropDifference.higherGroup, 'tiny');
    assert.equal(figures.dropDifference.estimate, 0);
  });
});
