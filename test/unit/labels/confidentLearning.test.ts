import * as assert from 'node:assert/strict';
import {
  calibrateConfidentJoint,
  computeConfidentJoint,
  confidentThresholds,
  findLabelIssueMask,
  findLabelIssues,
  keepAtLeastNPerClass,
  normalizedMargin,
  numLabelIssues,
  orderLabelIssues,
  roundHalfEven,
  roundPreservingSum,
  selfConfidence,
} from '../../../src/engine/labels';
import { FairframeError } from '../../../src/engine/errors';

const close = (actual: number, expected: number, tolerance = 1e-12): void =>
  assert.ok(Math.abs(actual - expected) < tolerance, `${actual} ≠ ${expected}`);

// Three classes, nine examples. Example 2 (labelled 0) looks like class 1, example 5 (labelled 1) like class 2,
// example 7 (labelled 2) clears no threshold, example 8 (labelled 0) is unsure.
const labels = [0, 0, 0, 1, 1, 1, 2, 2, 0];
const probs = [
  [0.8, 0.1, 0.1],
  [0.6, 0.3, 0.1],
  [0.2, 0.7, 0.1],
  [0.1, 0.8, 0.1],
  [0.2, 0.6, 0.2],
  [0.05, 0.25, 0.7],
  [0.1, 0.1, 0.8],
  [0.3, 0.1, 0.6],
  [0.4, 0.35, 0.25],
];

describe('labels/confidentLearning', () => {
  it('computes the thresholds t_j as mean self-confidence per given class', () => {
    // t0 = (0.8 + 0.6 + 0.2 + 0.4) / 4 = 0.5; t1 = (0.8 + 0.6 + 0.25) / 3 = 0.55; t2 = (0.8 + 0.6) / 2 = 0.7.
    const t = confidentThresholds(labels, probs, 3);
    close(t[0], 0.5);
    close(t[1], 0.55);
    close(t[2], 0.7);
  });

  it('counts the confident joint by hand', () => {
    // Confident labels: e0 0, e1 0 (0.6 ≥ 0.5), e2 1, e3 1, e4 1 (0.6 ≥ 0.55), e5 2 (0.7 ≥ 0.7 − 1e-6),
    // e6 2, e7 none (0.6 < 0.7), e8 none (0.4 < 0.5, 0.35 < 0.55, 0.25 < 0.7).
    const raw = computeConfidentJoint(labels, probs, 3, { calibrate: false });
    assert.deepEqual(raw.joint, [[2, 1, 0], [0, 2, 1], [0, 0, 1]]);
    assert.deepEqual(raw.offDiagonalIndices, [2, 5]);
  });

  it('calibrates rows to the label counts (4, 3, 2) and rounds preserving row totals', () => {
    // Row 0: [2, 1, 0] / 3 · 4 = [2.667, 1.333, 0] → [3, 1, 0]; rows 1 and 2 already sum to 3 and 1 → ·3/3, ·2/1.
    const calibrated = computeConfidentJoint(labels, probs, 3).joint;
    assert.deepEqual(calibrated, [[3, 1, 0], [0, 2, 1], [0, 0, 2]]);
    assert.deepEqual(calibrateConfidentJoint([[2, 1, 0], [0, 2, 1], [0, 0, 1]], labels), calibrated);
  });

  it('floors the diagonal at 1 and gives an absent class threshold 2', () => {
    // Class 2 is never given: its threshold is 2, nothing is counted into it, and its diagonal is floored to 1.
    const result = computeConfidentJoint([0, 1], [[0.9, 0.05, 0.05], [0.2, 0.7, 0.1]], 3, { calibrate: false });
    assert.deepEqual(result.thresholds, [0.9, 0.7, 2]);
    assert.deepEqual(result.joint, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  });

  it('takes the argmax when several classes clear their thresholds', () => {
    // t = [0.3, 0.3]: example 0 [0.45, 0.55] clears both → argmax 1; example 1 [0.85, 0.15] clears class 0 only.
    const result = computeConfidentJoint([0, 1, 1], [[0.45, 0.55], [0.85, 0.15], [0.6, 0.4]], 2, { thresholds: [0.3, 0.3], calibrate: false });
    // e2 [0.6, 0.4] clears both → argmax 0.
    assert.deepEqual(result.joint, [[1, 1], [2, 1]]);
    assert.deepEqual(result.offDiagonalIndices, [0, 1, 2]);
  });

  it('rounds half to even and preserves sums like numpy and cleanlab', () => {
    assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999].map(roundHalfEven), [0, 2, 2, 0, -2, 2]);
    // [2.667, 1.333, 0] rounds to [3, 1, 0] (sum 4); [0.5, 0.5, 0.5, 0.5] rounds to [0, 0, 0, 0] and gets +1 on the
    // two largest residues, ties taken from the end: [0, 0, 1, 1].
    assert.deepEqual(roundPreservingSum([8 / 3, 4 / 3, 0]), [3, 1, 0]);
    assert.deepEqual(roundPreservingSum([0.5, 0.5, 0.5, 0.5]), [0, 0, 1, 1]);
  });

  it('keeps at least n examples per class by taking the increase evenly from the non-zero noise counts', () => {
    // Joint rows = given label. Transposed prune matrix column 0 = given class 0 = [1, 4, 2]; raising its diagonal to 3
    // takes (3 − 1) / 2 = 1 from each of 4 and 2 → [3, 3, 1].
    const prune = keepAtLeastNPerClass([[1, 4, 2], [0, 5, 0], [0, 0, 5]], 3);
    assert.deepEqual(prune.map((row) => row[0]), [3, 3, 1]);
    assert.deepEqual(keepAtLeastNPerClass([[4, 2], [1, 3]], 1, 0.5), [[5, 0], [1, 3]]);
  });

  it('flags examples 2 and 5 by noise rate, by class, both, and the off-diagonal', () => {
    // prune_by_noise_rate: given 0 → C[0][1] = 1 example with the largest p1 − p0 (e2, 0.5); given 1 → C[1][2] = 1 with the
    // largest p2 − p1 (e5, 0.45). prune_by_class: n_0 − C[0][0] = 4 − 3 = 1 lowest p0 (e2); 3 − 2 = 1 lowest p1 (e5).
    const expected = [false, false, true, false, false, true, false, false, false];
    for (const filterBy of ['prune_by_noise_rate', 'prune_by_class', 'both', 'confident_learning'] as const) {
      assert.deepEqual(findLabelIssueMask(labels, probs, 3, { filterBy }), expected, filterBy);
    }
    // predicted_neq_given also flags e2 and e5 only: every other argmax is its label.
    assert.deepEqual(findLabelIssueMask(labels, probs, 3, { filterBy: 'predicted_neq_given' }), expected);
  });

  it('never prunes a class with at most minExamplesPerClass examples', () => {
    const mask = findLabelIssueMask(labels, probs, 3, { minExamplesPerClass: 3 });
    // Class 0 has 4 examples and is still pruned; class 1 has 3 and is left alone.
    assert.deepEqual(mask, [false, false, true, false, false, false, false, false, false]);
  });

  it('estimates the noise rate 1 − trace(Q̂) = 1 − 7/9 and reports every example', () => {
    const report = findLabelIssues(labels, probs, 3);
    close(report.estimatedNoiseRate, 2 / 9);
    assert.equal(report.estimatedIssueCount, 2);
    assert.equal(numLabelIssues(labels, probs, 3, 'off_diagonal_calibrated'), 2);
    assert.equal(numLabelIssues(labels, probs, 3, 'off_diagonal'), 2);
    close(report.perClassNoiseRate[0], 1 / 4);
    close(report.perClassNoiseRate[1], 1 / 3);
    close(report.perClassNoiseRate[2], 0);
    assert.deepEqual(report.confidentJoint, [[2, 1, 0], [0, 2, 1], [0, 0, 1]]);
    assert.deepEqual(report.calibratedJoint, [[3, 1, 0], [0, 2, 1], [0, 0, 2]]);
    assert.deepEqual(report.issues.map((e) => e.index), [2, 5]);
    const e5 = report.examples[5];
    assert.equal(e5.givenLabel, 1);
    assert.equal(e5.suggestedLabel, 2);
    assert.equal(e5.isIssue, true);
    close(e5.selfConfidence, 0.25);
    close(e5.normalizedMargin, (0.25 - 0.7 + 1) / 2);
    assert.equal(report.examples.filter((e) => e.isIssue).length, 2);
  });

  it('ranks by self-confidence or by normalised margin, lowest first', () => {
    // a = [0.2, 0.4, 0.4]: s 0.2, m (0.2 − 0.4 + 1)/2 = 0.4; b = [0.3, 0.7, 0]: s 0.3, m 0.3; c = [0.9, 0.1, 0]: s 0.9, m 0.9.
    const l = [0, 0, 0];
    const p = [[0.9, 0.1, 0], [0.2, 0.4, 0.4], [0.3, 0.7, 0]];
    assert.deepEqual(selfConfidence(l, p), [0.9, 0.2, 0.3]);
    normalizedMargin(l, p).forEach((m, i) => close(m, [0.9, 0.4, 0.3][i]));
    assert.deepEqual(orderLabelIssues([true, true, true], selfConfidence(l, p)), [1, 2, 0]);
    assert.deepEqual(orderLabelIssues([true, true, true], normalizedMargin(l, p)), [2, 1, 0]);
    assert.deepEqual(orderLabelIssues([false, true, true], normalizedMargin(l, p)), [2, 1]);
    const byMargin = findLabelIssues(labels, probs, 3, { rankBy: 'normalized_margin' });
    // Margins: e2 (0.2 − 0.7 + 1)/2 = 0.25 before e5 0.275; e8 (0.4 − 0.35 + 1)/2 = 0.525 ranks third overall.
    assert.deepEqual(byMargin.rankedIndices.slice(0, 3), [2, 5, 8]);
  });

  it('accepts Float32Array rows', () => {
    const rows = probs.map((row) => Float32Array.from(row));
    assert.deepEqual(findLabelIssueMask(labels, rows, 3), [false, false, true, false, false, true, false, false, false]);
  });

  it('rejects mismatched inputs with a FairframeError that says what to fix', () => {
    assert.throws(() => findLabelIssues([0, 1], [[0.5, 0.5]], 2), (e: unknown) => FairframeError.is(e, 'internal') && /2 labels but 1 probability rows/.test(e.message));
    assert.throws(() => findLabelIssues([0, 3], [[0.5, 0.5], [0.5, 0.5]], 2), /not a class index/);
    assert.throws(() => findLabelIssues([0], [[0.5, 0.2, 0.3]], 2), /3 entries, not 2/);
    assert.throws(() => findLabelIssues([0], [[Number.NaN, 1]], 2), /non-finite/);
    assert.throws(() => findLabelIssues([0], [[1]], 1), /at least 2 classes/);
  });
});
