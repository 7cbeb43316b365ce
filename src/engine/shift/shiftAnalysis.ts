// The statistics of a shift comparison on loaded, scanned records: image properties (KS, PSI, mean ratio) overall and by
// group, group shares (chi-square), embeddings (MMD) and class priors (BBSE), then the findings.
import { pushFinding } from '../checks/check';
import type { ResolvedConfig } from '../config/configTypes';
import { throwIfAborted } from '../errors';
import { percentileInterval, type ConfidenceInterval } from '../metrics/bootstrap';
import { INTERSECTION_SEPARATOR } from '../metrics/metricFrame';
import { mulberry32 } from '../metrics/seededRandom';
import { chiSquareIndependence } from '../stats/contingency';
import type { DatasetRecord, Finding, ImageFacts, Location, ScanOutcome } from '../types';
import { blackBoxShift } from './blackBoxShift';
import { kolmogorovSmirnov } from './kolmogorovSmirnov';
import { mmdPermutationTest } from './maximumMeanDiscrepancy';
import { benjaminiHochberg } from './multipleTesting';
import { populationStabilityIndex } from './populationStability';
import type { ShiftModelRun } from './shiftModel';
import { SHIFT_RULES } from './shiftRules';
import { SHIFT_PROPERTIES, type EmbeddingShift, type PriorShift, type PropertyShift, type ShareShift, type ShiftGroup, type ShiftProperty, type ShiftResult } from './shiftTypes';

/** One side's records (readable or not) and scans. */
export interface AnalysisSide {
  name: string;
  records: readonly DatasetRecord[];
  scans: Map<string, ScanOutcome>;
  location: Location;
}

export interface AnalysisInput {
  reference: AnalysisSide;
  target: AnalysisSide;
  attributes: string[];
  config: ResolvedConfig;
  model?: ShiftModelRun;
  signal?: AbortSignal;
}

type Analysis = Pick<ShiftResult, 'properties' | 'shares' | 'embedding' | 'priors' | 'findings' | 'settings' | 'intersections'>;

/**
 * The intersections compared, as in the model audit: the tuples of fairframe.json's `intersections` whose attributes
 * both sides carry, else every pair of the shared attributes.
 */
export function shiftIntersections(attributes: readonly string[], configured: string[][] | undefined): string[][] {
  if (configured) return configured.filter((tuple) => tuple.length >= 2 && tuple.every((name) => attributes.includes(name)));
  const pairs: string[][] = [];
  for (let i = 0; i < attributes.length; i++) for (let j = i + 1; j < attributes.length; j++) pairs.push([attributes[i], attributes[j]]);
  return pairs;
}

/** A record's group under one attribute or intersection: its values joined by ' × ' (undefined when one is missing). */
function groupValue(record: DatasetRecord, attributes: readonly string[]): string | undefined {
  const values = attributes.map((name) => record.attributes[name]);
  return values.every((value) => value !== undefined) ? values.join(INTERSECTION_SEPARATOR) : undefined;
}

function propertyOf(facts: ImageFacts, property: ShiftProperty): number {
  return facts[property];
}

function groupName(group: ShiftGroup | null): string {
  return group ? `${group.attribute} = ${group.value}` : 'all images';
}

function formatP(p: number): string {
  if (!Number.isFinite(p)) return 'n/a';
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

function fixed(value: number | null, digits = 3): string {
  return value === null || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}

function interval(ci: ConfidenceInterval, digits = 3): string {
  return `[${fixed(ci.lower, digits)}, ${fixed(ci.upper, digits)}]`;
}

/** Percentile-bootstrap intervals of the difference and the ratio of means, both samples resampled independently. */
function meanIntervals(reference: Float64Array, target: Float64Array, replicates: number, level: number, seed: number): { difference: ConfidenceInterval; ratio: ConfidenceInterval } {
  const mean = (values: Float64Array): number => values.reduce((sum, v) => sum + v, 0) / values.length;
  const random = mulberry32(seed);
  const differences = new Float64Array(replicates);
  const ratios = new Float64Array(replicates);
  for (let b = 0; b < replicates; b++) {
    let sumR = 0;
    for (let i = 0; i < reference.length; i++) sumR += reference[Math.floor(random() * reference.length)];
    let sumT = 0;
    for (let i = 0; i < target.length; i++) sumT += target[Math.floor(random() * target.length)];
    const r = sumR / reference.length;
    const t = sumT / target.length;
    differences[b] = t - r;
    ratios[b] = r !== 0 ? t / r : Number.NaN;
  }
  const r = mean(reference);
  const t = mean(target);
  return { difference: percentileInterval(t - r, differences, level), ratio: percentileInterval(r !== 0 ? t / r : Number.NaN, ratios, level) };
}

/**
 * Groups compared: every value of every shared attribute, then every cell of every intersection, with at least
 * `minSize` images on both sides (minMetricGroupSize, as in the model audit); the others are listed as too small.
 */
function comparedGroups(input: AnalysisInput, intersections: string[][], minSize: number): { groups: ShiftGroup[]; tooSmall: Array<ShiftGroup & { nReference: number; nTarget: number }> } {
  const groups: ShiftGroup[] = [];
  const tooSmall: Array<ShiftGroup & { nReference: number; nTarget: number }> = [];
  for (const attributes of [...input.attributes.map((name) => [name]), ...intersections]) {
    const attribute = attributes.join(INTERSECTION_SEPARATOR);
    const values = new Set([...input.reference.records, ...input.target.records].flatMap((record) => groupValue(record, attributes) ?? []));
    for (const value of [...values].sort()) {
      const nReference = input.reference.records.filter((record) => groupValue(record, attributes) === value).length;
      const nTarget = input.target.records.filter((record) => groupValue(record, attributes) === value).length;
      const group: ShiftGroup = attributes.length > 1 ? { attribute, value, attributes } : { attribute, value };
      if (nReference >= minSize && nTarget >= minSize) groups.push(group);
      else tooSmall.push({ ...group, nReference, nTarget });
    }
  }
  return { groups, tooSmall };
}

function inGroup(record: DatasetRecord, group: ShiftGroup | null): boolean {
  return group === null || groupValue(record, group.attributes ?? [group.attribute]) === group.value;
}

/** A seeded random subset of at most `cap` items (all of them, in order, when there are fewer). */
export function sampleAtMost<T>(items: T[], cap: number, seed: number): T[] {
  if (items.length <= cap) return items;
  const random = mulberry32(seed);
  const copy = [...items];
  for (let i = 0; i < cap; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, cap);
}

/** Runs every statistic and builds the findings. */
export function analyseShift(input: AnalysisInput): Analysis {
  const { config, reference, target } = input;
  const t = config.thresholds;
  const settings: Analysis['settings'] = {
    alpha: t.shiftAlpha,
    minPsi: t.minPopulationStability,
    maxGroupShareChange: t.maxGroupShareChange,
    maxPriorChange: t.maxPriorChange,
    minGroupSize: t.minMetricGroupSize,
    permutations: t.shiftPermutations,
    maxEmbeddings: t.maxShiftEmbeddings,
    bootstrapReplicates: t.bootstrapReplicates,
    confidenceLevel: t.confidenceLevel,
    seed: t.bootstrapSeed,
    multipleTesting: 'benjamini-hochberg',
  };
  const findings: Finding[] = [];
  const facts = (side: AnalysisSide): Array<{ record: DatasetRecord; facts: ImageFacts }> =>
    side.records.flatMap((record) => {
      const scan = side.scans.get(record.id);
      return scan?.ok ? [{ record, facts: scan.facts }] : [];
    });
  const referenceFacts = facts(reference);
  const targetFacts = facts(target);
  const intersections = shiftIntersections(input.attributes, config.intersections);
  const { groups, tooSmall } = comparedGroups(input, intersections, t.minMetricGroupSize);
  const scopes: Array<ShiftGroup | null> = [null, ...groups];

  // Image properties.
  const properties: PropertyShift[] = [];
  let seedOffset = 0;
  for (const group of scopes) {
    throwIfAborted(input.signal);
    const r = referenceFacts.filter(({ record }) => inGroup(record, group));
    const g = targetFacts.filter(({ record }) => inGroup(record, group));
    if (r.length === 0 || g.length === 0) continue;
    for (const property of SHIFT_PROPERTIES) {
      const a = Float64Array.from(r, ({ facts: f }) => propertyOf(f, property)).filter(Number.isFinite);
      const b = Float64Array.from(g, ({ facts: f }) => propertyOf(f, property)).filter(Number.isFinite);
      if (a.length === 0 || b.length === 0) continue;
      const ks = kolmogorovSmirnov(a, b);
      const psi = populationStabilityIndex(a, b).psi;
      const means = meanIntervals(a, b, t.bootstrapReplicates, t.confidenceLevel, (t.bootstrapSeed + ++seedOffset) >>> 0);
      properties.push({
        property, group, nReference: a.length, nTarget: b.length,
        referenceMean: a.reduce((s, v) => s + v, 0) / a.length,
        targetMean: b.reduce((s, v) => s + v, 0) / b.length,
        meanDifference: means.difference, meanRatio: means.ratio,
        ksStatistic: ks.statistic, pValue: ks.pValue, ksMethod: ks.method, adjustedPValue: Number.NaN, psi, shifted: false,
      });
    }
  }

  // Group shares: of each attribute's values, and of each intersection's cells.
  const shares: ShareShift[] = [];
  for (const attributes of [...input.attributes.map((name) => [name]), ...intersections]) {
    const attribute = attributes.join(INTERSECTION_SEPARATOR);
    const values = [...new Set([...reference.records, ...target.records].flatMap((record) => groupValue(record, attributes) ?? []))].sort();
    const count = (records: readonly DatasetRecord[], value: string): number => records.filter((record) => groupValue(record, attributes) === value).length;
    const table = [values.map((v) => count(reference.records, v)), values.map((v) => count(target.records, v))];
    const test = chiSquareIndependence(table);
    const rows = values.map((value, k) => ({
      value, referenceCount: table[0][k], targetCount: table[1][k],
      referenceShare: table[0][k] / Math.max(1, reference.records.length), targetShare: table[1][k] / Math.max(1, target.records.length),
    }));
    shares.push({
      attribute, values: rows, chi2: test?.chi2 ?? 0, dof: test?.dof ?? 0, pValue: test?.pValue ?? 1, adjustedPValue: Number.NaN,
      largestChange: Math.max(0, ...rows.map((row) => Math.abs(row.targetShare - row.referenceShare))), shifted: false,
    });
  }

  // Embeddings.
  const embedding: EmbeddingShift[] = [];
  const model = input.model;
  if (model) {
    for (const group of scopes) {
      throwIfAborted(input.signal);
      const features = (side: AnalysisSide, predictions: ShiftModelRun['reference']): Float32Array[] =>
        side.records.filter((record) => inGroup(record, group)).flatMap((record) => {
          const f = predictions.get(record.id)?.features;
          return f && f.length > 0 && f.every(Number.isFinite) ? [f] : [];
        });
      const x = features(reference, model.reference);
      const y = features(target, model.target);
      if (x.length < 2 || y.length < 2) continue;
      const xs = sampleAtMost(x, t.maxShiftEmbeddings, t.bootstrapSeed);
      const ys = sampleAtMost(y, t.maxShiftEmbeddings, t.bootstrapSeed + 1);
      const test = mmdPermutationTest(xs, ys, { permutations: t.shiftPermutations, seed: t.bootstrapSeed, signal: input.signal });
      embedding.push({
        group, nReference: x.length, nTarget: y.length,
        sampledTo: x.length > t.maxShiftEmbeddings || y.length > t.maxShiftEmbeddings ? t.maxShiftEmbeddings : undefined,
        mmd2: test.mmd2, bandwidth: test.bandwidth, pValue: test.pValue, adjustedPValue: Number.NaN, permutations: test.permutations, shifted: false,
      });
    }
  }

  // One family for every p-value of the comparison: Benjamini–Hochberg keeps the expected share of false alarms among
  // the reported shifts at shiftAlpha, however many properties × groups are tested.
  const family = [...properties.map((p) => p.pValue), ...shares.map((s) => s.pValue), ...embedding.map((e) => e.pValue)];
  const adjusted = benjaminiHochberg(family);
  properties.forEach((p, k) => {
    p.adjustedPValue = adjusted[k];
    p.shifted = p.adjustedPValue < t.shiftAlpha && p.psi >= t.minPopulationStability;
  });
  shares.forEach((s, k) => {
    s.adjustedPValue = adjusted[properties.length + k];
    s.shifted = s.adjustedPValue < t.shiftAlpha && s.largestChange >= t.maxGroupShareChange;
  });
  embedding.forEach((e, k) => {
    e.adjustedPValue = adjusted[properties.length + shares.length + k];
    e.shifted = e.adjustedPValue < t.shiftAlpha;
  });

  // Class priors.
  const priors: PriorShift[] = [];
  if (model) {
    for (const group of scopes) {
      throwIfAborted(input.signal);
      const labelled = reference.records.filter((record) => inGroup(record, group)).flatMap((record) => {
        const p = model.reference.get(record.id);
        return p && p.label !== undefined ? [{ label: p.label, predicted: p.predicted }] : [];
      });
      const targetRecords = target.records.filter((record) => inGroup(record, group));
      const targetPredicted = targetRecords.flatMap((record) => {
        const p = model.target.get(record.id);
        return p ? [p.predicted] : [];
      });
      if (labelled.length === 0 || targetPredicted.length === 0) continue;
      const k = model.classNames.length;
      // A class moves when its change exceeds maxPriorChange and its interval excludes 0 at a level simultaneous over every
      // class × scope (Bonferroni), and its weight was not clipped at 0 (a boundary estimate has no usable interval).
      const decisionLevel = 1 - (1 - t.confidenceLevel) / (k * scopes.length);
      const bbse = blackBoxShift(labelled.map((l) => l.label), labelled.map((l) => l.predicted), targetPredicted, k, {
        replicates: t.bootstrapReplicates, level: t.confidenceLevel, decisionLevel, seed: t.bootstrapSeed, signal: input.signal,
      });
      const labelShares = targetLabelShares(targetRecords, model);
      const shiftedClasses = bbse.priorChangeDecisionIntervals.flatMap((ci, j) =>
        ci.estimate !== null && Math.abs(ci.estimate) > t.maxPriorChange && (bbse.weights?.[j] ?? 0) > 0 && ci.lower !== null && ci.upper !== null && (ci.lower > 0 || ci.upper < 0) ? [model.classNames[j]] : []);
      priors.push({
        group, classes: model.classNames, nReference: labelled.length, nTarget: targetPredicted.length,
        skipped: bbse.weights ? undefined : 'the reference confusion matrix is singular (some class is never predicted, or two classes are confused alike), so C⁻¹μ̂ has no solution',
        referencePriors: bbse.referencePriors, targetPredicted: bbse.targetPredicted,
        weights: bbse.weightIntervals, targetPriors: bbse.priorIntervals, priorChange: bbse.priorChangeIntervals,
        referenceAccuracy: bbse.referenceAccuracy, expectedAccuracy: bbse.expectedAccuracyInterval,
        targetLabelShares: labelShares, singularReplicates: bbse.singularReplicates, shiftedClasses, decisionLevel,
      });
    }
  }

  pushShiftFindings(findings, input, properties, shares, embedding, priors, tooSmall);
  return { properties, shares, embedding, priors, findings, settings, intersections };
}

/** Label shares of the target, when at least half its images carry a label the model knows (else undefined). */
function targetLabelShares(records: readonly DatasetRecord[], model: ShiftModelRun): number[] | undefined {
  const index = new Map(model.classNames.map((name, j) => [name, j]));
  const counts = new Array<number>(model.classNames.length).fill(0);
  let known = 0;
  for (const record of records) {
    const j = index.get(record.label);
    if (j === undefined) continue;
    counts[j]++;
    known++;
  }
  return known > 0 && known >= records.length / 2 ? counts.map((c) => c / known) : undefined;
}

const PROPERTY_NAMES: Record<ShiftProperty, string> = {
  brightness: 'Brightness (mean luma)',
  contrast: 'Contrast (luma standard deviation)',
  saturation: 'Colour saturation',
  sharpness: 'Sharpness (Laplacian variance)',
  width: 'Width',
  height: 'Height',
};

function pushShiftFindings(
  findings: Finding[],
  input: AnalysisInput,
  properties: PropertyShift[],
  shares: ShareShift[],
  embedding: EmbeddingShift[],
  priors: PriorShift[],
  tooSmall: Array<ShiftGroup & { nReference: number; nTarget: number }>,
): void {
  const { config, reference, target } = input;
  const t = config.thresholds;
  const between = `between '${reference.name}' and '${target.name}'`;
  const base = { reference: reference.name, target: target.name };
  // One finding per property: the figures for all images, then the groups that moved most (by PSI); every row is in the evidence.
  const describeProperty = (p: PropertyShift): string =>
    `${groupName(p.group)}: mean ${p.referenceMean.toFixed(2)} → ${p.targetMean.toFixed(2)}, ratio ${fixed(p.meanRatio.estimate)} ${interval(p.meanRatio)}, KS D = ${p.ksStatistic.toFixed(3)}, adjusted p = ${formatP(p.adjustedPValue)}, PSI ${p.psi.toFixed(3)}`;
  // The single attributes' groups lead (an intersection cell inside a shifted group moves as much, and says less), then
  // the intersections' cells that moved most.
  const mostMoved = (moved: PropertyShift[]): string => {
    const single = moved.filter((p) => !p.group?.attributes);
    const cells = moved.filter((p) => p.group?.attributes);
    return [single.slice(0, 3).map(describeProperty).join('; '), cells.length > 0 ? `${single.length > 0 ? '; among intersections, ' : ''}${cells.slice(0, 2).map(describeProperty).join('; ')}` : ''].join('');
  };
  for (const property of SHIFT_PROPERTIES) {
    const rows = properties.filter((p) => p.property === property);
    const moved = rows.filter((p) => p.shifted);
    if (moved.length === 0) continue;
    const overall = rows.find((p) => p.group === null);
    const groupsMoved = moved.filter((p) => p.group !== null).sort((a, b) => b.psi - a.psi);
    const groupsCompared = rows.filter((p) => p.group !== null).length;
    const steady = rows.filter((p) => p.group !== null && !p.shifted);
    pushFinding(findings, config, SHIFT_RULES.propertyShift, {
      message: `${PROPERTY_NAMES[property]} moved ${between}. ${overall ? `${describeProperty(overall)}${overall.shifted ? '' : ' (not shifted overall)'}` : ''}.${groupsMoved.length > 0 ? ` Shifted in ${groupsMoved.length} of ${groupsCompared} groups, most in ${mostMoved(groupsMoved)}.` : ''}${steady.length > 0 && groupsMoved.length > 0 ? ` Not shifted: ${steady.slice(0, 6).map((p) => `${groupName(p.group)} (ratio ${fixed(p.meanRatio.estimate)} ${interval(p.meanRatio)})`).join(', ')}${steady.length > 6 ? ', …' : ''}.` : ''}`,
      location: target.location,
      evidence: { ...base, property, rows },
      suggestion: 'Check how the target images of the groups that moved were acquired (camera, exposure, resizing), and whether the model was validated on images like them.',
    });
  }
  for (const s of shares.filter((item) => item.shifted)) {
    const moved = [...s.values].sort((a, b) => Math.abs(b.targetShare - b.referenceShare) - Math.abs(a.targetShare - a.referenceShare)).slice(0, 3);
    pushFinding(findings, config, SHIFT_RULES.groupShareShift, {
      message: `The shares of '${s.attribute}' moved ${between}: ${moved.map((v) => `${v.value} ${(100 * v.referenceShare).toFixed(1)}% → ${(100 * v.targetShare).toFixed(1)}%`).join(', ')}; χ² = ${s.chi2.toFixed(1)} (dof ${s.dof}), p = ${formatP(s.pValue)} (adjusted ${formatP(s.adjustedPValue)}).`,
      location: target.location,
      evidence: { ...base, ...s },
    });
  }
  const movedEmbeddings = embedding.filter((item) => item.shifted);
  if (movedEmbeddings.length > 0) {
    const describe = (e: EmbeddingShift): string => `${groupName(e.group)}: MMD² = ${e.mmd2.toExponential(2)}, adjusted p = ${formatP(e.adjustedPValue)} (n = ${e.nReference}, ${e.nTarget}${e.sampledTo ? `, ${e.sampledTo} per side sampled` : ''})`;
    const overall = embedding.find((e) => e.group === null);
    const groupsMoved = movedEmbeddings.filter((e) => e.group !== null).sort((a, b) => a.adjustedPValue - b.adjustedPValue || b.mmd2 - a.mmd2);
    pushFinding(findings, config, SHIFT_RULES.embeddingShift, {
      message: `The model's embeddings moved ${between} (RBF-kernel MMD, median-distance bandwidth, ${overall?.permutations ?? t.shiftPermutations} permutations). ${overall ? describe(overall) : ''}${overall && !overall.shifted ? ' (not shifted overall)' : ''}.${groupsMoved.length > 0 ? ` Shifted in ${groupsMoved.length} of ${embedding.length - (overall ? 1 : 0)} groups: ${groupsMoved.slice(0, 4).map(describe).join('; ')}${groupsMoved.length > 4 ? '; …' : ''}.` : ''}`,
      location: target.location,
      evidence: { ...base, rows: embedding },
    });
  }
  const level = `${Math.round(t.confidenceLevel * 100)}%`;
  const describePriors = (prior: PriorShift): string => prior.classes.map((name, j) => `${name} ${(100 * prior.referencePriors[j]).toFixed(1)}% → ${(100 * (prior.targetPriors[j].estimate ?? Number.NaN)).toFixed(1)}% [${(100 * (prior.targetPriors[j].lower ?? Number.NaN)).toFixed(1)}, ${(100 * (prior.targetPriors[j].upper ?? Number.NaN)).toFixed(1)}]`).join(', ');
  const accuracyOf = (prior: PriorShift): string => `expected accuracy on the target ${fixed(prior.expectedAccuracy.estimate)} ${interval(prior.expectedAccuracy)} against ${prior.referenceAccuracy.toFixed(3)} on the reference`;
  const notEstimated = priors.filter((prior) => prior.skipped);
  if (notEstimated.length > 0) {
    pushFinding(findings, config, SHIFT_RULES.shiftNotMeasured, {
      message: `Class priors ${between} are not estimated for ${notEstimated.map((prior) => groupName(prior.group)).join(', ')}: ${notEstimated[0].skipped}.`,
      location: target.location,
      evidence: { ...base, groups: notEstimated.map((prior) => ({ group: prior.group, nReference: prior.nReference, nTarget: prior.nTarget })) },
    });
  }
  const estimated = priors.filter((prior) => !prior.skipped);
  const overallPrior = estimated.find((prior) => prior.group === null);
  const groupsMoved = estimated.filter((prior) => prior.group !== null && prior.shiftedClasses.length > 0);
  const anyMoved = (overallPrior?.shiftedClasses.length ?? 0) > 0 || groupsMoved.length > 0;
  if (overallPrior || groupsMoved.length > 0) {
    const head = overallPrior ? `all images: ${describePriors(overallPrior)}; ${accuracyOf(overallPrior)}${overallPrior.shiftedClasses.length > 0 ? `. Moved by more than ${t.maxPriorChange}: ${overallPrior.shiftedClasses.join(', ')}` : ''}` : '';
    const groups = groupsMoved.length > 0
      ? ` By group, priors moved in ${groupsMoved.length} of ${estimated.length - (overallPrior ? 1 : 0)} groups: ${groupsMoved.slice(0, 4).map((prior) => `${groupName(prior.group)} (${prior.shiftedClasses.join(', ')}; ${accuracyOf(prior)})`).join('; ')}${groupsMoved.length > 4 ? '; …' : ''}.`
      : '';
    pushFinding(findings, config, anyMoved ? SHIFT_RULES.priorShift : SHIFT_RULES.shiftSummary, {
      message: `Class priors ${between} by black-box shift estimation (${level} intervals; a move needs an interval excluding 0 simultaneously over classes × groups): ${head}.${groups}`,
      location: target.location,
      evidence: { ...base, overall: overallPrior, groupsMoved: groupsMoved.map((prior) => prior.group) },
    });
  }
  if (tooSmall.length > 0) {
    pushFinding(findings, config, SHIFT_RULES.shiftNotMeasured, {
      message: `${tooSmall.length} group${tooSmall.length === 1 ? ' has' : 's have'} fewer than ${t.minMetricGroupSize} images on one side and ${tooSmall.length === 1 ? 'is' : 'are'} not compared: ${tooSmall.slice(0, 8).map((g) => `${g.attribute} = ${g.value} (${g.nReference}, ${g.nTarget})`).join(', ')}${tooSmall.length > 8 ? ', …' : ''}.`,
      location: target.location,
      evidence: { ...base, groups: tooSmall },
    });
  }
  const unreadable = (side: AnalysisSide): number => side.records.filter((record) => !side.scans.get(record.id)?.ok).length;
  for (const side of [reference, target]) {
    const count = unreadable(side);
    if (count > 0) {
      pushFinding(findings, config, SHIFT_RULES.shiftNotMeasured, {
        message: `${count} of ${side.records.length} images of '${side.name}' could not be read and are left out of the comparison.`,
        location: side.location,
        evidence: { ...base, side: side.name, unreadable: count },
      });
    }
  }
}
