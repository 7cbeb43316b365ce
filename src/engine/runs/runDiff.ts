// `fairframe diff`: what changed between two runs — findings, and every metric and group figure with the interval of
// its change — and whether each fairness gap closed, narrowed, grew or did not clearly move.
import * as path from 'node:path';
import type { ConfidenceInterval } from '../metrics/bootstrap';
import { DEFAULT_BOOTSTRAP_REPLICATES, DEFAULT_CONFIDENCE_LEVEL } from '../metrics/bootstrap';
import { calibrationBinIndex, DEFAULT_CALIBRATION_BINS } from '../metrics/calibration';
import { COUNT_METRICS, type CountMetric } from '../metrics/countBootstrap';
import { INTERSECTION_SEPARATOR } from '../metrics/metricFrame';
import type { FairnessFigure, GroupMetric, GroupReport, ModelAudit, RecordPrediction } from '../modelAudit/modelAuditTypes';
import { bootstrapChangeSteps, changeInterval, drainSteps, drainStepsAsync, sideEstimates, type ChangeMode, type ScoredImages, type SideDraws, type SideMetric, type SideValues } from './changeBootstrap';
import { aucChangeSteps, probabilityRows } from './aucChange';
import { diffFindings, type FindingsDiff } from './findingsDiff';
import type { RunRecord } from './runRecord';

/** A figure in both runs and the interval of its change (after − before); null where undefined. */
export interface FigureChange {
  before: number | null;
  after: number | null;
  change: ConfidenceInterval;
}

/** One metric of one report: overall, per group, and the difference between groups (max − min over compared groups). */
export interface MetricChange {
  metric: string;
  class?: string;
  overall: FigureChange;
  byGroup: Array<FigureChange & { group: string }>;
  difference: FigureChange;
}

/** What happened to a fairness gap. */
export type GapVerdict = 'closed' | 'narrowed' | 'grew' | 'no clear change' | 'undefined';

/** A fairness figure of both runs with the interval of its change, and the verdict. */
export interface GapChange extends FigureChange {
  name: string;
  rule: string;
  class?: string;
  threshold: number;
  direction: 'max' | 'min';
  passedBefore: boolean | null;
  passedAfter: boolean | null;
  verdict: GapVerdict;
}

/** The changes of one group report (an attribute or an intersection). */
export interface ReportChange {
  name: string;
  metrics: MetricChange[];
  gaps: GapChange[];
}

/** One model × dataset audit compared across the two runs. */
export interface ModelComparison {
  dataset: string;
  before: { model: string; sha256: string; split?: string; images: number };
  after: { model: string; sha256: string; split?: string; images: number };
  /** 'paired' when both runs scored the same images (same paths and labels, same dataset content), else 'independent'; 'none' when a run holds no per-image results. */
  mode: ChangeMode | 'none';
  /** Why the mode was chosen, in words. */
  modeReason: string;
  overall: Array<FigureChange & { metric: string }>;
  reports: ReportChange[];
}

/** The whole comparison of two runs. */
export interface RunDiff {
  before: { id: string; recordedAt: string; commit?: string; label?: string };
  after: { id: string; recordedAt: string; commit?: string; label?: string };
  level: number;
  replicates: number;
  seed: number;
  findings: FindingsDiff;
  models: ModelComparison[];
  /** Model audits of one run with no counterpart in the other. */
  unmatched: string[];
  /** True when some fairness gap grew (its change interval lies above 0, in the worsening direction). */
  gapGrew: boolean;
}

export interface RunDiffOptions {
  replicates?: number;
  level?: number;
  seed?: number;
  signal?: AbortSignal;
}

/** The figures recomputed from per-image results, by metric name: one-vs-rest metrics take the class index. */
const COUNT_METRIC_OF: Record<string, (classIndex: number, minCount: number) => CountMetric> = {
  accuracy: () => COUNT_METRICS.accuracy,
  errorRate: () => COUNT_METRICS.errorRate,
  ece: () => COUNT_METRICS.ece,
  selectionRate: (c) => COUNT_METRICS.selectionRate(c),
  truePositiveRate: (c, min) => COUNT_METRICS.truePositiveRate(c, min),
  falsePositiveRate: (c, min) => COUNT_METRICS.falsePositiveRate(c, min),
};

const orNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** Pairs the model audits of two runs: same dataset and model file name; then, per dataset, the one left on each side. */
export function pairModelAudits(before: readonly ModelAudit[], after: readonly ModelAudit[]): { pairs: Array<[ModelAudit, ModelAudit]>; unmatched: string[] } {
  const left = before.filter((audit) => audit.status === 'ok');
  const right = after.filter((audit) => audit.status === 'ok');
  const pairs: Array<[ModelAudit, ModelAudit]> = [];
  const name = (audit: ModelAudit): string => path.basename(audit.model.file);
  for (const audit of [...left]) {
    const match = right.find((other) => other.dataset === audit.dataset && name(other) === name(audit));
    if (!match) continue;
    pairs.push([audit, match]);
    left.splice(left.indexOf(audit), 1);
    right.splice(right.indexOf(match), 1);
  }
  for (const audit of [...left]) {
    const sameDataset = (list: ModelAudit[]): ModelAudit[] => list.filter((other) => other.dataset === audit.dataset);
    if (sameDataset(left).length !== 1 || sameDataset(right).length !== 1) continue;
    const match = sameDataset(right)[0];
    pairs.push([audit, match]);
    left.splice(left.indexOf(audit), 1);
    right.splice(right.indexOf(match), 1);
  }
  const describe = (run: string) => (audit: ModelAudit): string => `${run}: ${name(audit)} on ${audit.dataset}`;
  return { pairs, unmatched: [...left.map(describe('before')), ...right.map(describe('after'))] };
}

/** The group of an image in a report: its attribute values joined as the audit joins intersections. */
function groupOf(prediction: RecordPrediction, attributes: readonly string[]): string | undefined {
  const values = attributes.map((attribute) => prediction.groups?.[attribute]);
  return values.every((value) => value !== undefined) ? values.join(INTERSECTION_SEPARATOR) : undefined;
}

/** The scored images of one run, in `paths` order, over `classes`, grouped by the report's attributes. */
export function scoredImages(predictions: readonly RecordPrediction[], classes: readonly string[], groupKeys: readonly string[]): ScoredImages {
  const k = classes.length;
  const index = new Map(classes.map((name, i) => [name, i]));
  const groupNames = [...new Set(groupKeys)].sort();
  const groupIndex = new Map(groupNames.map((name, i) => [name, i]));
  const n = predictions.length;
  const negativeLogSelf = new Float64Array(n);
  const images: ScoredImages = { k, bins: DEFAULT_CALIBRATION_BINS, cell: new Int32Array(n), bin: new Int32Array(n), confidence: new Float64Array(n), correct: new Uint8Array(n), group: new Int32Array(n), groupNames };
  predictions.forEach((prediction, i) => {
    images.cell[i] = (index.get(prediction.label) as number) * k + (index.get(prediction.predicted) as number);
    images.confidence[i] = prediction.confidence;
    images.bin[i] = calibrationBinIndex(prediction.confidence, images.bins);
    images.correct[i] = prediction.label === prediction.predicted ? 1 : 0;
    images.group[i] = groupIndex.get(groupKeys[i]) as number;
    negativeLogSelf[i] = -Math.log(Math.max(prediction.selfConfidence, LOG_LOSS_EPSILON));
  });
  images.negativeLogSelf = negativeLogSelf;
  return images;
}

/** The smallest probability log loss takes: float64 machine epsilon, as sklearn's log_loss clips (eps='auto'). */
const LOG_LOSS_EPSILON = 2 ** -52;

/** Whether the audit's scores are probabilities (an ONNX model, or a predictions file of probabilities or logits), not predicted labels only. */
function hasProbabilities(audit: ModelAudit): boolean {
  return audit.predictionsFile === undefined || audit.predictionsFile.scoreKind !== 'labels';
}

/** Whether the two audits scored the same images: same paths with the same labels, and the same dataset content. */
function samenessOf(before: ModelAudit, after: ModelAudit, beforeRun: RunRecord, afterRun: RunRecord): { paired: boolean; reason: string } {
  const a = before.predictions ?? {};
  const b = after.predictions ?? {};
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  const common = aKeys.filter((key) => Object.hasOwn(b, key));
  if (common.length !== aKeys.length || common.length !== bKeys.length) {
    return { paired: false, reason: `the runs scored different images (${aKeys.length} and ${bKeys.length}, ${common.length} in common): independent bootstraps of each run` };
  }
  const relabelled = common.filter((key) => a[key].label !== b[key].label).length;
  if (relabelled > 0) return { paired: false, reason: `${relabelled} images carry a different label in the two runs: independent bootstraps of each run` };
  const hashA = beforeRun.datasets.find((d) => d.name === before.dataset)?.contentHash;
  const hashB = afterRun.datasets.find((d) => d.name === after.dataset)?.contentHash;
  if (hashA !== undefined && hashB !== undefined && hashA !== hashB) {
    return { paired: false, reason: 'the dataset content changed between the runs (its content hash differs): independent bootstraps of each run' };
  }
  return { paired: true, reason: `both runs scored the same ${common.length} images: paired bootstrap over the images` };
}

/** Compares one pair of model audits. */
function* compareModels(before: ModelAudit, after: ModelAudit, beforeRun: RunRecord, afterRun: RunRecord, options: Required<Omit<RunDiffOptions, 'signal'>> & { signal?: AbortSignal }): Generator<void, ModelComparison> {
  const predictionsA = Object.values(before.predictions ?? {});
  const predictionsB = Object.values(after.predictions ?? {});
  const head = {
    dataset: before.dataset,
    before: { model: before.model.file, sha256: before.model.sha256, split: before.split, images: before.overall?.images ?? 0 },
    after: { model: after.model.file, sha256: after.model.sha256, split: after.split, images: after.overall?.images ?? 0 },
  };
  const withoutGroups = [predictionsA, predictionsB].some((list) => list.length === 0 || list.some((p) => p.groups === undefined));
  if (withoutGroups) {
    return { ...head, mode: 'none', modeReason: 'a run holds no per-image results with their groups (recorded before schema 1.3.0): figures are shown without the interval of their change', overall: [], reports: unresampledReports(before, after) };
  }
  const sameness = samenessOf(before, after, beforeRun, afterRun);
  const mode: ChangeMode = sameness.paired ? 'paired' : 'independent';
  // Paired sides list the images in the same order.
  if (mode === 'paired') predictionsB.splice(0, predictionsB.length, ...predictionsA.map((p) => (after.predictions as Record<string, RecordPrediction>)[p.relPath]));
  const classes = [...new Set([...(before.usage?.classNames ?? []), ...(after.usage?.classNames ?? []), ...predictionsA.flatMap((p) => [p.label, p.predicted]), ...predictionsB.flatMap((p) => [p.label, p.predicted])])];
  const bootstrap = { replicates: options.replicates, seed: options.seed, signal: options.signal };

  // Overall accuracy, balanced accuracy, macro F1 and (when both runs have probabilities) log loss: images resampled as one stratum.
  const wholeA = scoredImages(predictionsA, classes, predictionsA.map(() => 'all'));
  const wholeB = scoredImages(predictionsB, classes, predictionsB.map(() => 'all'));
  const overallMetrics: Array<'accuracy' | 'balancedAccuracy' | 'macroF1' | 'logLoss'> = ['accuracy', 'balancedAccuracy', 'macroF1', ...(hasProbabilities(before) && hasProbabilities(after) ? ['logLoss' as const] : [])];
  const overallSide = overallMetrics.map((name) => ({ metric: COUNT_METRICS[name], compared: new Set<string>() }));
  const overallDraws = yield* bootstrapChangeSteps(wholeA, wholeB, overallSide, overallSide, mode, bootstrap);
  const overallA = sideEstimates(wholeA, overallSide);
  const overallB = sideEstimates(wholeB, overallSide);
  const overall: ModelComparison['overall'] = overallMetrics.map((metric, m) => ({ metric: metric as string, ...figureChange(overallA[m].overall, overallB[m].overall, overallDraws.before[m].overall, overallDraws.after[m].overall, options.level) }));

  const reports: ReportChange[] = [];
  for (const reportA of before.groups ?? []) {
    const reportB = after.groups?.find((report) => report.name === reportA.name);
    if (!reportB) continue;
    reports.push(yield* compareReport(reportA, reportB, predictionsA, predictionsB, classes, beforeRun, afterRun, mode, bootstrap, options.level));
  }
  // ROC AUC, when both runs kept every class's probability for every image (their top classes cover all classes).
  const rowsA = hasProbabilities(before) ? probabilityRows(predictionsA, classes) : undefined;
  const rowsB = hasProbabilities(after) ? probabilityRows(predictionsB, classes) : undefined;
  if (rowsA && rowsB && classes.length >= 2) {
    const labelsOf = (predictions: RecordPrediction[]): Int32Array => Int32Array.from(predictions, (p) => classes.indexOf(p.label));
    const auc = yield* aucChangeSteps({ labels: labelsOf(predictionsA), rows: rowsA }, { labels: labelsOf(predictionsB), rows: rowsB }, classes.length, mode, { ...bootstrap, level: options.level });
    overall.push({ metric: classes.length === 2 ? 'auc' : 'macroAuc', before: orNull(auc.before), after: orNull(auc.after), change: auc.change });
  }
  return { ...head, mode, modeReason: sameness.reason, overall, reports };
}

function figureChange(before: number, after: number, drawsBefore: Float64Array, drawsAfter: Float64Array, level: number): FigureChange {
  return { before: orNull(before), after: orNull(after), change: changeInterval(before, after, drawsBefore, drawsAfter, level) };
}

function* compareReport(
  reportA: GroupReport,
  reportB: GroupReport,
  predictionsA: RecordPrediction[],
  predictionsB: RecordPrediction[],
  classes: string[],
  beforeRun: RunRecord,
  afterRun: RunRecord,
  mode: ChangeMode,
  bootstrap: { replicates: number; seed: number; signal?: AbortSignal },
  level: number,
): Generator<void, ReportChange> {
  const keysA = predictionsA.map((p) => groupOf(p, reportA.attributes) ?? '');
  const keysB = predictionsB.map((p) => groupOf(p, reportB.attributes) ?? '');
  const sideA = scoredImages(predictionsA, classes, keysA);
  const sideB = scoredImages(predictionsB, classes, keysB);
  const shared = reportA.metrics.filter((metric) => COUNT_METRIC_OF[metric.metric] && reportB.metrics.some((other) => other.metric === metric.metric && other.class === metric.class));
  const sideMetric = (metric: GroupMetric, run: RunRecord): SideMetric => ({
    metric: COUNT_METRIC_OF[metric.metric](metric.class === undefined ? 0 : classes.indexOf(metric.class), run.result.config.thresholds.minConditionCount),
    compared: new Set(metric.byGroup.filter((group) => group.compared).map((group) => group.group)),
  });
  const metricsA = shared.map((metric) => sideMetric(metric, beforeRun));
  const metricsB = shared.map((metric) => sideMetric(reportB.metrics.find((other) => other.metric === metric.metric && other.class === metric.class) as GroupMetric, afterRun));
  const draws = yield* bootstrapChangeSteps(sideA, sideB, metricsA, metricsB, mode, bootstrap);
  const estimatesA = sideEstimates(sideA, metricsA);
  const estimatesB = sideEstimates(sideB, metricsB);
  const metrics: MetricChange[] = shared.map((metric, m) => {
    const groups = [...new Set([...sideA.groupNames, ...sideB.groupNames])].filter((group) => sideA.groupNames.includes(group) && sideB.groupNames.includes(group)).sort();
    return {
      metric: metric.metric,
      class: metric.class,
      overall: figureChange(estimatesA[m].overall, estimatesB[m].overall, draws.before[m].overall, draws.after[m].overall, level),
      byGroup: groups.map((group) => {
        const a = sideA.groupNames.indexOf(group);
        const b = sideB.groupNames.indexOf(group);
        return { group, ...figureChange(estimatesA[m].byGroup[a], estimatesB[m].byGroup[b], draws.before[m].byGroup[a], draws.after[m].byGroup[b], level) };
      }),
      difference: figureChange(estimatesA[m].difference, estimatesB[m].difference, draws.before[m].difference, draws.after[m].difference, level),
    };
  });
  const gaps: GapChange[] = [];
  for (const figureA of reportA.fairness) {
    const figureB = reportB.fairness.find((other) => other.rule === figureA.rule && other.class === figureA.class);
    if (!figureB) continue;
    const gap = gapChange(figureA, figureB, shared, estimatesA, estimatesB, draws, level);
    if (gap) gaps.push(gap);
  }
  return { name: reportA.name, metrics, gaps };
}

/** The value of a fairness figure from a side's metric figures (estimates or one replicate), or undefined when not recomputable. */
function gapValue(rule: string, at: (metric: string) => { difference: number; ratio: number } | undefined): number | undefined {
  switch (rule) {
    case 'FF-M010': return at('accuracy')?.difference; // accuracy difference = max − min accuracy
    case 'FF-M011': { // error-rate ratio = worst / best error rate = 1 / (min / max)
      const ratio = at('errorRate')?.ratio;
      return ratio === undefined ? undefined : 1 / ratio;
    }
    case 'FF-M016': return at('ece')?.difference; // calibration difference = max − min ECE
    case 'FF-M012': return at('selectionRate')?.difference; // demographic parity difference
    case 'FF-M015': return at('selectionRate')?.ratio; // disparate impact ratio = min / max selection rate
    case 'FF-M014': return at('truePositiveRate')?.difference; // equal opportunity difference
    case 'FF-M013': { // equalized odds difference = max(ΔTPR, ΔFPR) (fairlearn)
      const tpr = at('truePositiveRate')?.difference;
      const fpr = at('falsePositiveRate')?.difference;
      if (tpr === undefined || fpr === undefined) return undefined;
      return Number.isNaN(tpr) ? fpr : Number.isNaN(fpr) ? tpr : Math.max(tpr, fpr);
    }
    default: return undefined;
  }
}

function gapChange(
  figureA: FairnessFigure,
  figureB: FairnessFigure,
  shared: GroupMetric[],
  estimatesA: SideValues[],
  estimatesB: SideValues[],
  draws: { before: SideDraws[]; after: SideDraws[] },
  level: number,
): GapChange | undefined {
  const indexOf = (metric: string): number => shared.findIndex((m) => m.metric === metric && m.class === figureA.class);
  const lookup = (values: (m: number) => { difference: number; ratio: number }) => (metric: string): { difference: number; ratio: number } | undefined => {
    const m = indexOf(metric);
    return m < 0 ? undefined : values(m);
  };
  const before = gapValue(figureA.rule, lookup((m) => estimatesA[m]));
  const after = gapValue(figureA.rule, lookup((m) => estimatesB[m]));
  if (before === undefined || after === undefined) return undefined;
  const replicates = draws.before[0]?.overall.length ?? 0;
  const drawsA = new Float64Array(replicates);
  const drawsB = new Float64Array(replicates);
  for (let b = 0; b < replicates; b++) {
    drawsA[b] = gapValue(figureA.rule, lookup((m) => ({ difference: draws.before[m].difference[b], ratio: draws.before[m].ratio[b] }))) as number;
    drawsB[b] = gapValue(figureA.rule, lookup((m) => ({ difference: draws.after[m].difference[b], ratio: draws.after[m].ratio[b] }))) as number;
  }
  const change = figureChange(before, after, drawsA, drawsB, level);
  const passed = (value: number | null, figure: FairnessFigure): boolean | null => (value === null ? null : figure.direction === 'max' ? value <= figure.threshold : value >= figure.threshold);
  const passedBefore = passed(change.before, figureA);
  const passedAfter = passed(change.after, figureB);
  return {
    name: figureA.name,
    rule: figureA.rule,
    class: figureA.class,
    threshold: figureB.threshold,
    direction: figureA.direction,
    ...change,
    passedBefore,
    passedAfter,
    verdict: verdictOf(change.change, figureA.direction, passedBefore, passedAfter),
  };
}

/**
 * The verdict on a gap's change: it grew or narrowed when the change interval excludes 0 (in the worsening or improving
 * direction: up for differences, down for the disparate impact ratio); it closed when it narrowed from failing its
 * threshold to passing it.
 */
export function verdictOf(change: ConfidenceInterval, direction: 'max' | 'min', passedBefore: boolean | null, passedAfter: boolean | null): GapVerdict {
  if (change.estimate === null || change.lower === null || change.upper === null) return 'undefined';
  const worse = direction === 'max' ? change.lower > 0 : change.upper < 0;
  const better = direction === 'max' ? change.upper < 0 : change.lower > 0;
  if (worse) return 'grew';
  if (better) return passedBefore === false && passedAfter === true ? 'closed' : 'narrowed';
  return 'no clear change';
}

/** Figures of both runs side by side, without intervals of the change (a run without per-image results). */
function unresampledReports(before: ModelAudit, after: ModelAudit): ReportChange[] {
  const none = (a: number | null | undefined, b: number | null | undefined): FigureChange => ({
    before: a ?? null,
    after: b ?? null,
    change: { estimate: a == null || b == null ? null : b - a, lower: null, upper: null, level: 0, replicates: 0, undefinedReplicates: 0 },
  });
  return (before.groups ?? []).flatMap((reportA) => {
    const reportB = after.groups?.find((report) => report.name === reportA.name);
    if (!reportB) return [];
    return [{
      name: reportA.name,
      metrics: [],
      gaps: reportA.fairness.flatMap((figureA) => {
        const figureB = reportB.fairness.find((other) => other.rule === figureA.rule && other.class === figureA.class);
        if (!figureB) return [];
        return [{ name: figureA.name, rule: figureA.rule, class: figureA.class, threshold: figureB.threshold, direction: figureA.direction, ...none(figureA.value, figureB.value), passedBefore: figureA.passed, passedAfter: figureB.passed, verdict: 'undefined' as const }];
      }),
    }];
  });
}

/** Compares two runs (at once; see diffRunsAsync for the editor). */
export function diffRuns(before: RunRecord, after: RunRecord, options: RunDiffOptions = {}): RunDiff {
  return drainSteps(diffRunsSteps(before, after, options));
}

/** Compares two runs, giving the event loop a turn every few replicates (for the extension host); cancellable. */
export function diffRunsAsync(before: RunRecord, after: RunRecord, options: RunDiffOptions = {}): Promise<RunDiff> {
  return drainStepsAsync(diffRunsSteps(before, after, options), options.signal);
}

function* diffRunsSteps(before: RunRecord, after: RunRecord, options: RunDiffOptions): Generator<void, RunDiff> {
  const resolved = {
    replicates: options.replicates ?? before.result.config.thresholds.bootstrapReplicates ?? DEFAULT_BOOTSTRAP_REPLICATES,
    level: options.level ?? before.result.config.thresholds.confidenceLevel ?? DEFAULT_CONFIDENCE_LEVEL,
    seed: options.seed ?? before.result.config.thresholds.bootstrapSeed,
    signal: options.signal,
  };
  const { pairs, unmatched } = pairModelAudits(before.result.models, after.result.models);
  const models: ModelComparison[] = [];
  for (const [a, b] of pairs) models.push(yield* compareModels(a, b, before, after, resolved));
  const describe = (run: RunRecord): RunDiff['before'] => ({ id: run.id, recordedAt: run.recordedAt, commit: run.git?.commit, label: run.label });
  return {
    before: describe(before),
    after: describe(after),
    level: resolved.level,
    replicates: resolved.replicates,
    seed: resolved.seed,
    findings: diffFindings(before.result, after.result),
    models,
    unmatched,
    gapGrew: models.some((model) => model.reports.some((report) => report.gaps.some((gap) => gap.verdict === 'grew'))),
  };
}
