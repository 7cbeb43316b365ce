// What the robustness audit measures: fairframe.json's `robustnessSettings` over the defaults (all eight corruptions at
// the five ImageNet-C severities; FGSM and PGD at ε 1, 2, 4, 8 / 255 with 10 steps of 0.25 · ε from a random start;
// Square Attack with 500 queries).
import type { RobustnessSettingsConfig } from '../config/configTypes';
import { FairframeError } from '../errors';
import { DEFAULT_ATTACK_SETTINGS } from './attacks';
import { CORRUPTIONS, SEVERITIES, type CorruptionName } from './corruptions';
import { DEFAULT_SQUARE_SETTINGS } from './squareAttack';

/** The resolved settings. */
export interface RobustnessSettings {
  /** In report order (CORRUPTIONS' order). */
  corruptions: CorruptionName[];
  /** Ascending, 1–5. */
  severities: number[];
  /** Ascending, pixel levels of 0–255. */
  epsilons: number[];
  pgdSteps: number;
  /** PGD step as a multiple of ε. */
  pgdStepFactor: number;
  randomStart: boolean;
  squareQueries: number;
}

export const DEFAULT_ROBUSTNESS_SETTINGS: RobustnessSettings = {
  corruptions: [...CORRUPTIONS],
  severities: [...SEVERITIES],
  epsilons: [...DEFAULT_ATTACK_SETTINGS.epsilons],
  pgdSteps: DEFAULT_ATTACK_SETTINGS.pgdSteps,
  pgdStepFactor: DEFAULT_ATTACK_SETTINGS.pgdStepFactor,
  randomStart: DEFAULT_ATTACK_SETTINGS.randomStart,
  squareQueries: DEFAULT_SQUARE_SETTINGS.queries,
};

function invalid(field: string, problem: string): never {
  throw new FairframeError('bad-config', `fairframe.json: robustnessSettings.${field} ${problem}.`);
}

function list<T>(field: string, value: T[] | undefined, fallback: T[], valid: (item: T) => boolean, expected: string): T[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length === 0) invalid(field, `must be a non-empty list of ${expected}`);
  const wrong = value.find((item) => !valid(item));
  if (wrong !== undefined) invalid(field, `must list ${expected}; ${JSON.stringify(wrong)} is not one`);
  if (new Set(value).size !== value.length) invalid(field, 'lists a value twice');
  return value;
}

function count(field: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) invalid(field, `must be a whole number from 1 to ${max}, not ${JSON.stringify(value)}`);
  return value;
}

/**
 * The settings with defaults applied; a value out of range is a 'bad-config' error naming the field (the schema
 * refuses the same values in fairframe.json; this guards callers that build a configuration in code).
 */
export function resolveRobustnessSettings(config: RobustnessSettingsConfig = {}): RobustnessSettings {
  const d = DEFAULT_ROBUSTNESS_SETTINGS;
  const chosen = list('corruptions', config.corruptions, d.corruptions as string[], (name) => (CORRUPTIONS as readonly string[]).includes(name), `corruption names (${CORRUPTIONS.join(', ')})`);
  const severities = list('severities', config.severities, d.severities, (s) => Number.isInteger(s) && s >= 1 && s <= 5, 'severities from 1 to 5');
  const epsilons = list('epsilons', config.epsilons, d.epsilons, (e) => typeof e === 'number' && Number.isFinite(e) && e > 0 && e <= 255, 'ε values above 0 and at most 255 (pixel levels)');
  const stepFactor = config.pgdStepSize ?? d.pgdStepFactor;
  if (typeof stepFactor !== 'number' || !Number.isFinite(stepFactor) || stepFactor <= 0 || stepFactor > 10) invalid('pgdStepSize', `must be a multiple of ε above 0 and at most 10, not ${JSON.stringify(stepFactor)}`);
  const randomStart = config.pgdRandomStart ?? d.randomStart;
  if (typeof randomStart !== 'boolean') invalid('pgdRandomStart', 'must be true or false');
  return {
    corruptions: CORRUPTIONS.filter((name) => chosen.includes(name)),
    severities: [...severities].sort((a, b) => a - b),
    epsilons: [...epsilons].sort((a, b) => a - b),
    pgdSteps: count('pgdSteps', config.pgdSteps, d.pgdSteps, 1000),
    pgdStepFactor: stepFactor,
    randomStart,
    squareQueries: count('squareQueries', config.squareQueries, d.squareQueries, 100_000),
  };
}
