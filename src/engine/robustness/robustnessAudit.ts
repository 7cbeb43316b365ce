// Robustness by group: the audited images under every common corruption and severity (run through the same inference
// pipeline, cached per corruption), and under FGSM/PGD; accuracy overall and per group with paired bootstrap intervals,
// the drop from clean accuracy, and the difference-in-differences between the groups that drop most and least.
import { FairframeError, throwIfAborted } from '../errors';
import { GradientSessionCache } from '../gradient/gradientExplain';
import { percentileInterval, quantile, type ConfidenceInterval } from '../metrics/bootstrap';
import { INTERSECTION_SEPARATOR } from '../metrics/metricFrame';
import { mulberry32 } from '../metrics/seededRandom';
import { runInference, type InferenceItem } from '../model/inferenceRunner';
import type { ModelHandle } from '../model/modelHandle';
import type { ModelSpec, OutputKind } from '../model/modelTypes';
import { argmax } from '../model/softmax';
import * as ort from 'onnxruntime-node';
import { PredictionCache } from '../model/predictionCache';
import { preprocessImage } from '../model/preprocess';
import type { GroupDefinition } from '../modelAudit/groupMetrics';
import type { Progress } from '../types';
import { attackImage, DEFAULT_ATTACK_SETTINGS, PixelSpace, type AttackSettings, type ImageAttackOutcome } from './attacks';
import { conditionKey, CORRUPTION_PARAMETERS, corruptPixels, imageSeed, type CorruptionCondition } from './corruptions';
import { DEFAULT_SQUARE_SETTINGS, squareAttack, type ScoreFunction, type SquareAttackSettings } from './squareAttack';
import type { GradientModel } from '../gradient/gradientModel';
import type { PreprocessSpec } from '../model/modelTypes';
import { pairedConditionBootstrap, type DerivedCondition, type PairedBootstrapOptions } from './pairedBootstrap';
import type { AttackResults, CorruptionResults, RadiusSummary, RobustnessCondition, RobustnessGroupReport, RobustnessMode, RobustnessResults } from './robustnessTypes';
import { DEFAULT_ROBUSTNESS_SETTINGS, type RobustnessSettings } from './robustnessSettings';

/** What the robustness audit needs from the model audit. */
export interface RobustnessInput {
  handle: ModelHandle;
  spec: ModelSpec;
  outputKind: OutputKind;
  /** The audited images, in the order of `yTrue` and of the group definitions' values. */
  items: InferenceItem[];
  yTrue: number[];
  /** Clean predictions (top class) of the audited images. */
  yPred: number[];
  definitions: GroupDefinition[];
  minGroupSize: number;
  bootstrap: PairedBootstrapOptions;
  /** Attack at most this many images (a seeded sample); 0 for all. */
  attackImages: number;
  /** Which corruptions and severities, which ε grid and attack parameters (default: DEFAULT_ROBUSTNESS_SETTINGS). */
  settings?: RobustnessSettings;
  cacheDir?: string;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** Runs the requested robustness audits. */
export async function auditRobustness(mode: RobustnessMode, input: RobustnessInput): Promise<RobustnessResults> {
  const result: RobustnessResults = { mode };
  if (mode === 'corruptions' || mode === 'all') result.corruptions = await corruptionAudit(input);
  if (mode === 'attacks' || mode === 'all') result.attacks = await attackAudit(input);
  return result;
}

/** Group index of every image for one definition, the group names, and which groups are compared (large enough). */
function groupIndex(definition: GroupDefinition, n: number, minGroupSize: number): { groupOf: Int32Array; groups: string[]; counts: number[]; compared: boolean[] } {
  const keys = Array.from({ length: n }, (_, i) => definition.attributes.map((name) => String(definition.values[name][i])).join(INTERSECTION_SEPARATOR));
  const groups = [...new Set(keys)].sort();
  const index = new Map(groups.map((group, k) => [group, k]));
  const groupOf = Int32Array.from(keys, (key) => index.get(key) as number);
  const counts = groups.map(() => 0);
  for (const k of groupOf) counts[k]++;
  return { groupOf, groups, counts, compared: counts.map((count) => count >= minGroupSize) };
}

/** The per-definition reports for a set of condition rows (row 0 clean), keyed as `keys` (rows, then derived). */
function groupReports(input: RobustnessInput, rows: Uint8Array[], keys: string[], derived: DerivedCondition[], select: (i: number) => number = (i) => i, n = rows[0].length): RobustnessGroupReport[] {
  return input.definitions.map((definition, d) => {
    throwIfAborted(input.signal);
    const picked: GroupDefinition = { attributes: definition.attributes, values: Object.fromEntries(definition.attributes.map((name) => [name, Array.from({ length: n }, (_, i) => definition.values[name][select(i)])])) };
    const { groupOf, groups, counts, compared } = groupIndex(picked, n, input.minGroupSize);
    const figures = pairedConditionBootstrap(rows, groupOf, groups, compared, derived, { ...input.bootstrap, seed: input.bootstrap.seed + d });
    return {
      name: definition.attributes.join(INTERSECTION_SEPARATOR),
      attributes: definition.attributes,
      conditions: figures.slice(1).map((figure, c) => ({
        key: keys[c + 1],
        byGroup: figure.byGroup.map((group, k) => ({ group: groups[k], count: counts[k], compared: compared[k], accuracy: group.accuracy, drop: group.drop })),
        dropDifference: figure.dropDifference,
      })),
    };
  });
}

/** Overall figures (one stratum: every image) for the condition rows. */
function overallConditions(input: RobustnessInput, rows: Uint8Array[], derived: DerivedCondition[], describe: Array<{ key: string; kind: string; level: number | 'mean' }>): { clean: ConfidenceInterval; conditions: RobustnessCondition[] } {
  const n = rows[0].length;
  const figures = pairedConditionBootstrap(rows, new Int32Array(n), ['all'], [true], derived, input.bootstrap);
  return {
    clean: figures[0].overall.accuracy,
    conditions: describe.slice(1).map((condition, c) => ({ ...condition, accuracy: figures[c + 1].overall.accuracy, drop: figures[c + 1].overall.drop })),
  };
}

async function corruptionAudit(input: RobustnessInput): Promise<CorruptionResults> {
  const { handle, spec, items, yTrue, yPred, signal } = input;
  const n = items.length;
  const seed = input.bootstrap.seed;
  const { corruptions, severities } = input.settings ?? DEFAULT_ROBUSTNESS_SETTINGS;
  const conditions: CorruptionCondition[] = corruptions.flatMap((corruption) => severities.map((severity) => ({ corruption, severity })));
  const rows: Uint8Array[] = [Uint8Array.from(yPred, (p, i) => (p === yTrue[i] ? 1 : 0))];
  let failures = 0;
  let cacheHits = 0;
  let inferred = 0;
  const runHash = handle.exposedSha256([]);
  for (const [index, condition] of conditions.entries()) {
    throwIfAborted(signal);
    const key = `corruption:${conditionKey(condition)}:seed=${seed}`;
    input.onProgress?.({ stage: 'infer', done: index, total: conditions.length, message: `Corruption ${conditionKey(condition)} (${index + 1} of ${conditions.length})` });
    const cache = input.cacheDir ? await PredictionCache.open(input.cacheDir, runHash, spec, key) : undefined;
    const run = await runInference({
      modelBytes: handle,
      spec,
      items,
      cache,
      signal,
      pixelTransform: { key, apply: (pixels, image) => corruptPixels(pixels, condition, imageSeed(seed, image.contentHash || image.path, conditionKey(condition))) },
    });
    await cache?.flush();
    failures += run.failures.length;
    cacheHits += run.stats.cacheHits;
    inferred += run.stats.inferred;
    rows.push(Uint8Array.from(items, (item, i) => {
      const prediction = run.predictions.get(item.recordId);
      return prediction && (prediction.top[0]?.[0] ?? -1) === yTrue[i] ? 1 : 0;
    }));
  }
  input.onProgress?.({ stage: 'metrics', done: 0, message: 'Robustness by group (paired bootstrap)' });
  // Each corruption's mean over its S severities: rows 1 + Sj … S + Sj.
  const derived: DerivedCondition[] = corruptions.map((_, j) => ({ members: severities.map((_s, k) => 1 + severities.length * j + k) }));
  const describe = [
    { key: 'clean', kind: 'clean', level: 0 as number | 'mean' },
    ...conditions.map((condition) => ({ key: conditionKey(condition), kind: condition.corruption as string, level: condition.severity as number | 'mean' })),
    ...corruptions.map((corruption) => ({ key: `${corruption}@mean`, kind: corruption as string, level: 'mean' as const })),
  ];
  const overall = overallConditions(input, rows, derived, describe);
  const corruptionError: Record<string, number> = {};
  for (const corruption of corruptions) {
    const mean = overall.conditions.find((c) => c.key === `${corruption}@mean`)?.accuracy.estimate;
    corruptionError[corruption] = mean === null || mean === undefined ? Number.NaN : 1 - mean;
  }
  return {
    corruptions: corruptions.map((name) => ({ name, parameter: CORRUPTION_PARAMETERS[name].parameter, values: CORRUPTION_PARAMETERS[name].values.map((v) => (typeof v === 'number' ? v : [...v])) })),
    severities: [...severities],
    seed,
    images: n,
    clean: overall.clean,
    corruptionError,
    conditions: overall.conditions,
    groups: groupReports(input, rows, describe.map((c) => c.key), derived),
    failures,
    cacheHits,
    inferred,
  };
}

/** A seeded sample of `limit` indices out of n (all, in order, when limit is 0 or ≥ n). */
export function sampleIndices(n: number, limit: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (limit <= 0 || limit >= n) return all;
  const random = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, limit).sort((a, b) => a - b);
}

/** Median robust radius (null radii: not flipped, +∞) with a percentile bootstrap interval; null while over half are unbroken. */
export function radiusSummary(group: string, radii: Array<number | null>, options: PairedBootstrapOptions): RadiusSummary {
  const values = Float64Array.from(radii, (r) => (r === null ? Number.POSITIVE_INFINITY : r));
  const median = (sample: Float64Array): number => quantile(Float64Array.from(sample).sort(), 0.5);
  const random = mulberry32(options.seed);
  const draws = new Float64Array(options.replicates);
  const resample = new Float64Array(values.length);
  for (let b = 0; b < options.replicates; b++) {
    for (let j = 0; j < values.length; j++) resample[j] = values[Math.floor(random() * values.length)];
    draws[b] = median(resample);
  }
  return {
    group,
    count: values.length,
    median: percentileInterval(values.length > 0 ? median(values) : Number.NaN, draws, options.level),
    unbroken: values.length > 0 ? radii.filter((r) => r === null).length / values.length : Number.NaN,
  };
}

async function attackAudit(input: RobustnessInput): Promise<AttackResults> {
  const { spec, signal } = input;
  if (spec.preprocess.inputType !== 'float32') {
    return { status: 'skipped', reason: `the model takes a ${spec.preprocess.inputType} input, which has no gradient; a black-box attack (Square Attack) is not implemented yet` };
  }
  const chosen = input.settings ?? DEFAULT_ROBUSTNESS_SETTINGS;
  const settings: AttackSettings = { ...DEFAULT_ATTACK_SETTINGS, epsilons: chosen.epsilons, pgdSteps: chosen.pgdSteps, pgdStepFactor: chosen.pgdStepFactor, randomStart: chosen.randomStart, seed: input.bootstrap.seed };
  const squareSettings: SquareAttackSettings = { ...DEFAULT_SQUARE_SETTINGS, queries: chosen.squareQueries };
  const cache = new GradientSessionCache(input.handle, spec);
  try {
    let model: GradientModel | undefined;
    let gradientProblem = '';
    try {
      model = await cache.inputGradients();
    } catch (error) {
      if (FairframeError.is(error, 'cancelled')) throw error;
      gradientProblem = error instanceof Error ? error.message : String(error);
    }
    const space = new PixelSpace(spec.preprocess);
    const sampled = sampleIndices(input.items.length, input.attackImages, settings.seed);
    // Without a gradient graph: Square Attack, on the model's own inference session.
    const score = model ? undefined : await blackBoxScores(input.handle, spec);
    if (!model && !score) return { status: 'skipped', reason: `the model's gradient graph cannot be built (${gradientProblem}), and its input cannot be fed one image at a time for the black-box attack` };
    const outcomes: ImageAttackOutcome[] = [];
    for (const [done, i] of sampled.entries()) {
      throwIfAborted(signal);
      if (done % 8 === 0) input.onProgress?.({ stage: 'infer', done, total: sampled.length, message: `Attacking images (${model ? 'FGSM, PGD' : 'Square Attack'}): ${done} of ${sampled.length}` });
      const item = input.items[i];
      let tensor: Float32Array;
      try {
        tensor = (await preprocessImage(item.path, spec.preprocess)) as Float32Array;
      } catch {
        // The image was run clean moments ago; if it cannot be read now, it counts as not robust.
        outcomes.push({ cleanCorrect: false, fgsmCorrect: settings.epsilons.map(() => false), pgdCorrect: settings.epsilons.map(() => false), radius: 0 });
        continue;
      }
      const seed = imageSeed(settings.seed, item.contentHash || item.path, model ? 'pgd' : 'square');
      outcomes.push(model
        ? await attackImage(model, space, tensor, input.yTrue[i], settings, input.outputKind, seed, signal)
        : await squareAttackImage(score as ScoreFunction, spec, space, tensor, input.yTrue[i], settings.epsilons, squareSettings, seed, signal));
    }
    const rows: Uint8Array[] = [Uint8Array.from(outcomes, (o) => (o.cleanCorrect ? 1 : 0))];
    const describe: Array<{ key: string; kind: string; level: number | 'mean' }> = [{ key: 'clean', kind: 'clean', level: 0 }];
    const kinds = model ? ([['fgsm', (o: ImageAttackOutcome) => o.fgsmCorrect], ['pgd', (o: ImageAttackOutcome) => o.pgdCorrect]] as const) : ([['square', (o: ImageAttackOutcome) => o.pgdCorrect]] as const);
    for (const [kind, pick] of kinds) {
      settings.epsilons.forEach((epsilon, e) => {
        rows.push(Uint8Array.from(outcomes, (o) => (pick(o)[e] ? 1 : 0)));
        describe.push({ key: `${kind}@${epsilon}`, kind, level: epsilon });
      });
    }
    input.onProgress?.({ stage: 'metrics', done: 0, message: 'Attack robustness by group (paired bootstrap)' });
    const overall = overallConditions(input, rows, [], describe);
    const radii = outcomes.map((o) => o.radius);
    const groups = groupReports(input, rows, describe.map((c) => c.key), [], (j) => sampled[j], sampled.length);
    groups.forEach((report, d) => {
      const definition = input.definitions[d];
      const keys = sampled.map((i) => definition.attributes.map((name) => String(definition.values[name][i])).join(INTERSECTION_SEPARATOR));
      report.radius = [...new Set(keys)].sort().map((group, k) => radiusSummary(group, radii.filter((_, j) => keys[j] === group), { ...input.bootstrap, seed: input.bootstrap.seed + 1000 * (d + 1) + k }));
    });
    return {
      status: 'ok',
      settings: {
        attack: model ? 'pgd' : 'square',
        ...(model ? {} : { reason: `the model's gradient graph cannot be built (${gradientProblem})`, queries: squareSettings.queries, pInit: squareSettings.pInit }),
        epsilons: settings.epsilons,
        pgdSteps: settings.pgdSteps,
        pgdStepSize: `${settings.pgdStepFactor} · ε`,
        randomStart: settings.randomStart,
        radiusBisectionSteps: model ? settings.radiusBisectionSteps : 0,
        seed: settings.seed,
        loss: 'cross-entropy of the true label',
      },
      images: sampled.length,
      sampled: sampled.length < input.items.length,
      clean: overall.clean,
      conditions: overall.conditions,
      groups,
      radius: { overall: radiusSummary('all', radii, input.bootstrap) },
    };
  } finally {
    await cache.dispose();
  }
}

/** The scores of one image through the model's inference session (batch 1), or undefined when that cannot run. */
async function blackBoxScores(handle: ModelHandle, spec: ModelSpec): Promise<ScoreFunction | undefined> {
  const p = spec.preprocess;
  const dims = p.layout === 'NCHW' ? [1, p.channels, p.height, p.width] : [1, p.height, p.width, p.channels];
  try {
    const session = await handle.session();
    const score: ScoreFunction = async (input) => {
      const results = await session.run({ [spec.inputName]: new ort.Tensor('float32', input, dims) }, [spec.outputName], { logSeverityLevel: 4 });
      return Float32Array.from((results[spec.outputName] as ort.Tensor).data as Float32Array);
    };
    await score(new Float32Array(dims.reduce((a, b) => a * b, 1)));
    return score;
  } catch {
    return undefined;
  }
}

/**
 * Square Attack at every grid ε (ascending; an ε that fools the model is not retried at larger ones); the robust radius
 * is the smallest grid ε that fools it (no bisection: each try costs up to the whole query budget). pgdCorrect holds
 * the Square Attack outcomes; there is no FGSM.
 */
async function squareAttackImage(score: ScoreFunction, spec: ModelSpec, space: PixelSpace, clean: Float32Array, label: number, epsilons: number[], settings: SquareAttackSettings, seed: number, signal?: AbortSignal): Promise<ImageAttackOutcome> {
  const random = mulberry32(seed);
  const cleanCorrect = argmax(await score(clean)) === label;
  const correct: boolean[] = [];
  let radius: number | null = cleanCorrect ? null : 0;
  for (const epsilon of epsilons) {
    if (!cleanCorrect || radius !== null) {
      correct.push(false);
      continue;
    }
    const { fooled } = await squareAttack(score, spec.preprocess as PreprocessSpec, space, clean, label, epsilon, settings, random, signal);
    correct.push(!fooled);
    if (fooled) radius = epsilon;
  }
  return { cleanCorrect, fgsmCorrect: [], pgdCorrect: correct, radius };
}
