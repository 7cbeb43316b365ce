// What the dashboard's Runs section shows: the recorded runs of one model on one dataset (the trend), and the comparison
// of two of them (RunDiff, made by the host) — plain data, made on the host from the run store.
import type { RunDiff } from '../src/engine/runs/runDiff';
import type { RunRecord } from '../src/engine/runs/runRecord';

/** A rate with its interval. */
export interface RateView {
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

/** One run of the model, for the trend. */
export interface RunPoint {
  id: string;
  recordedAt: string;
  label?: string;
  commit?: string;
  modelSha256: string;
  accuracy: RateView;
  /** The accuracy difference between groups per group report (FF-M010), by report name. */
  accuracyGaps: Record<string, number | null>;
}

/** The comparison of two runs, as the section draws it. */
export interface RunComparisonView {
  before: string;
  after: string;
  mode: string;
  modeReason: string;
  level: number;
  findings: { added: number; resolved: number; changed: number; unchanged: number };
  reports: Array<{
    name: string;
    /** Accuracy per group in both runs, with the interval of the change. */
    groups: Array<{ group: string; before: number | null; after: number | null; change: RateView }>;
    gaps: Array<{ name: string; class?: string; before: number | null; after: number | null; change: RateView; verdict: string; passedBefore: boolean | null; passedAfter: boolean | null }>;
  }>;
}

/** The Runs section's data. */
export interface RunsView {
  model: string;
  dataset: string;
  /** Oldest first. */
  runs: RunPoint[];
  comparison?: RunComparisonView;
}

/** The trend points of the model file `model` on `dataset` in `runs` (oldest first). */
export function runPoints(runs: readonly RunRecord[], model: string, dataset: string): RunPoint[] {
  return runs.flatMap((run) => run.result.models
    /* paths are absolute in every AuditResult */
    .filter((audit) => audit.model.file === model && audit.dataset === dataset && audit.status === 'ok' && audit.overall)
    .map((audit) => ({
      id: run.id,
      recordedAt: run.recordedAt,
      label: run.label,
      commit: run.git?.commit,
      modelSha256: audit.model.sha256,
      accuracy: { estimate: audit.overall?.accuracy.estimate ?? null, lower: audit.overall?.accuracy.lower ?? null, upper: audit.overall?.accuracy.upper ?? null },
      accuracyGaps: Object.fromEntries((audit.groups ?? []).map((report) => [report.name, report.fairness.find((f) => f.rule === 'FF-M010')?.value ?? null])),
    })));
}

/** The comparison view of a RunDiff, for the model on `dataset` (its first model comparison there). */
export function comparisonView(diff: RunDiff, dataset: string): RunComparisonView | undefined {
  const model = diff.models.find((m) => m.dataset === dataset);
  if (!model) return undefined;
  const rate = (change: { estimate: number | null; lower: number | null; upper: number | null }): RateView => ({ estimate: change.estimate, lower: change.lower, upper: change.upper });
  return {
    before: diff.before.id,
    after: diff.after.id,
    mode: model.mode,
    modeReason: model.modeReason,
    level: diff.level,
    findings: { added: diff.findings.added.length, resolved: diff.findings.resolved.length, changed: diff.findings.changed.length, unchanged: diff.findings.unchanged },
    reports: model.reports.map((report) => ({
      name: report.name,
      groups: (report.metrics.find((m) => m.metric === 'accuracy')?.byGroup ?? []).map((g) => ({ group: g.group, before: g.before, after: g.after, change: rate(g.change) })),
      gaps: report.gaps.map((gap) => ({ name: gap.name, class: gap.class, before: gap.before, after: gap.after, change: rate(gap.change), verdict: gap.verdict, passedBefore: gap.passedBefore, passedAfter: gap.passedAfter })),
    })),
  };
}
