// Per-group thresholds against fairlearn 0.12's ThresholdOptimizer: the fitted thresholds, their interpolation and the
// positive-prediction probabilities on a held-out split, frozen by scripts/reference/thresholdOptimizerReference.py.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fitThresholds, positiveProbabilities, randomisedDecisions, type ThresholdConstraint, type ThresholdObjective } from '../../../src/engine/mitigation/thresholdOptimizer';
import { mulberry32 } from '../../../src/engine/metrics';

interface Split {
  scores: number[];
  labels: number[];
  groups: string[];
}
interface Case {
  name: string;
  constraint: ThresholdConstraint;
  objective: ThresholdObjective;
  fit: Split;
  heldOut: Split;
  xBest: number;
  yBest: number | null;
  interpolation: Record<string, { p0: number; threshold0: number | string; p1: number; threshold1: number | string; pIgnore?: number; predictionConstant?: number }>;
  heldOutPositiveProbability: number[];
}

const reference = JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/mitigation/thresholdOptimizerReference.json'), 'utf8')) as { cases: Case[] };
const decode = (value: number | string): number => (value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : Number(value));
const close = (actual: number | undefined, expected: number, what: string, tolerance = 1e-12): void => {
  assert.ok(actual !== undefined && (actual === expected || Math.abs(actual - expected) <= tolerance), `${what}: ${actual} ≠ ${expected}`);
};

describe('per-group thresholds match fairlearn ThresholdOptimizer', () => {
  assert.equal(reference.cases.length, 12);
  for (const c of reference.cases) {
    it(c.name, () => {
      const fitted = fitThresholds(c.fit.scores, c.fit.labels, c.fit.groups, { constraint: c.constraint, objective: c.objective });
      close(fitted.xBest, c.xBest, 'x best');
      if (c.yBest !== null) close(fitted.yBest, c.yBest, 'y best');
      assert.deepEqual(Object.keys(fitted.groups).sort(), Object.keys(c.interpolation).sort());
      for (const [group, expected] of Object.entries(c.interpolation)) {
        const rule = fitted.groups[group];
        close(rule.p0, expected.p0, `${group} p0`);
        close(rule.p1, expected.p1, `${group} p1`);
        close(rule.operation0.threshold, decode(expected.threshold0), `${group} threshold0`);
        close(rule.operation1.threshold, decode(expected.threshold1), `${group} threshold1`);
        if (expected.pIgnore !== undefined) {
          close(rule.pIgnore, expected.pIgnore, `${group} p_ignore`);
          close(rule.predictionConstant, expected.predictionConstant as number, `${group} prediction constant`);
        } else assert.equal(rule.pIgnore, undefined);
      }
      const probabilities = positiveProbabilities(fitted, c.heldOut.scores, c.heldOut.groups);
      c.heldOutPositiveProbability.forEach((p, i) => close(probabilities[i], p, `held-out P(positive) ${i}`));
    });
  }

  it('randomises as fairlearn predict does: positive when P ≥ u (P = 0 never, P = 1 always)', () => {
    const decisions = randomisedDecisions(Float64Array.from([0, 1, 0.5, 0.5]), (() => {
      const u = [0.3, 0.999, 0.5, 0.51];
      let i = 0;
      return () => u[i++];
    })());
    assert.deepEqual([...decisions], [0, 1, 1, 0]);
    // Over many draws the share of positives approaches P (seeded: 20,000 draws at P = 0.3, within 0.01).
    const random = mulberry32(5);
    const many = randomisedDecisions(new Float64Array(20000).fill(0.3), random);
    const share = many.reduce((a, b) => a + b, 0) / many.length;
    assert.ok(Math.abs(share - 0.3) < 0.01, `share ${share}`);
  });

  it('refuses a group without positives or negatives, naming it', () => {
    assert.throws(() => fitThresholds([0.1, 0.9, 0.4], [0, 1, 0], ['a', 'a', 'b'], { constraint: 'demographic_parity' }), /group 'b' has no positive/);
  });
});
