// fairframe.json's robustnessSettings: the defaults are the audit's usual settings, and bad values are refused with
// the field named (by the schema for fairframe.json, and again by the engine for a configuration built in code).
import * as assert from 'node:assert/strict';
import { validateConfig } from '../../../src/engine/config/config';
import { FairframeError } from '../../../src/engine/errors';
import { resolveRobustnessSettings } from '../../../src/engine/robustness/robustnessSettings';

describe('robustnessSettings', () => {
  it('defaults to the eight ImageNet-C corruptions at five severities, ε 1, 2, 4, 8 and PGD 10 × 0.25 ε from a random start', () => {
    assert.deepEqual(resolveRobustnessSettings(), {
      corruptions: ['gaussian-noise', 'shot-noise', 'gaussian-blur', 'defocus-blur', 'brightness', 'contrast', 'jpeg', 'pixelate'],
      severities: [1, 2, 3, 4, 5],
      epsilons: [1, 2, 4, 8],
      pgdSteps: 10,
      pgdStepFactor: 0.25,
      randomStart: true,
      squareQueries: 500,
    });
  });

  it('keeps the report order of corruptions and sorts severities and ε', () => {
    const settings = resolveRobustnessSettings({ corruptions: ['jpeg', 'gaussian-noise'], severities: [4, 2], epsilons: [16, 0.5], pgdSteps: 20, pgdStepSize: 0.1, pgdRandomStart: false, squareQueries: 50 });
    assert.deepEqual(settings, { corruptions: ['gaussian-noise', 'jpeg'], severities: [2, 4], epsilons: [0.5, 16], pgdSteps: 20, pgdStepFactor: 0.1, randomStart: false, squareQueries: 50 });
  });

  for (const [field, value, pattern] of [
    ['corruptions', ['fog'], /robustnessSettings\.corruptions must list corruption names \(gaussian-noise, .*\); "fog" is not one/],
    ['severities', [2, 6], /robustnessSettings\.severities must list severities from 1 to 5; 6 is not one/],
    ['severities', [], /robustnessSettings\.severities must be a non-empty list/],
    ['epsilons', [0], /robustnessSettings\.epsilons must list ε values above 0/],
    ['epsilons', [2, 2], /robustnessSettings\.epsilons lists a value twice/],
    ['pgdSteps', 2.5, /robustnessSettings\.pgdSteps must be a whole number from 1 to 1000, not 2\.5/],
    ['pgdStepSize', 0, /robustnessSettings\.pgdStepSize must be a multiple of ε above 0/],
    ['squareQueries', 0, /robustnessSettings\.squareQueries must be a whole number from 1 to 100000/],
  ] as const) {
    it(`refuses ${field} = ${JSON.stringify(value)} in code and in fairframe.json`, () => {
      assert.throws(() => resolveRobustnessSettings({ [field]: value }), (e: unknown) => FairframeError.is(e, 'bad-config') && pattern.test(e.message));
      assert.throws(() => validateConfig({ robustnessSettings: { [field]: value } }), (e: unknown) => FairframeError.is(e, 'bad-config') && e.message.includes(`/robustnessSettings/${field}`));
    });
  }

  it('names an unknown setting', () => {
    assert.throws(() => validateConfig({ robustnessSettings: { pgdStep: 5 } }), (e: unknown) => FairframeError.is(e, 'bad-config') && /\/robustnessSettings must NOT have additional properties \('pgdStep'\)/.test(e.message));
  });
});
