// Label issues as the audit reports them: confident learning on the audited images, one summary finding (FF-M023)
// with the estimated noise rate and the flagged count, and per-image findings (FF-M020) only for the top of the
// ranking, their number and severity set by the model's own error rate (README, "Label errors").
import type { ResolvedConfig } from '../config/configTypes';
import { pushFinding } from '../checks/check';
import { findLabelIssues } from '../labels';
import type { DatasetRecord, Finding, Location } from '../types';
import { formatPercent } from './groupFindings';
import type { LabelIssue, LabelIssueSummary } from './modelAuditTypes';
import { MODEL_RULES } from './modelRules';
import type { AuditedSample } from './overallMetrics';

/** Per-image findings at most, however many images are flagged (the rest are in the ranked list). */
export const MAX_PER_IMAGE_LABEL_FINDINGS = 100;

/** How many flagged images get a finding of their own, and at which severity. */
export interface PerImageBudget {
  /** Share of the flagged images reported one by one: max(0, 1 − errorRate / labelIssueMaxModelError). */
  share: number;
  /** min(⌈flagged · share⌉, MAX_PER_IMAGE_LABEL_FINDINGS). */
  count: number;
  /** 'warning' while errorRate ≤ labelIssueMaxModelError / 2, else 'info'. */
  severity: 'warning' | 'info';
}

/**
 * A model that disagrees with e of the given labels makes mistakes of its own among them, and its flags are worth
 * less the larger e is: the share of flags reported one by one falls linearly from 1 (a perfect model) to 0 at
 * e = maxModelError; past half of it they are information, not warnings.
 */
export function perImageBudget(flagged: number, errorRate: number, maxModelError: number): PerImageBudget {
  const share = maxModelError > 0 ? Math.max(0, 1 - errorRate / maxModelError) : 0;
  return {
    share,
    count: Math.max(0, Math.min(Math.ceil(flagged * share - 1e-9), MAX_PER_IMAGE_LABEL_FINDINGS, flagged)),
    severity: errorRate <= maxModelError / 2 ? 'warning' : 'info',
  };
}

/** What the label-issue step needs from the audit. */
export interface LabelIssueInput {
  sample: AuditedSample;
  records: DatasetRecord[];
  /** 1 − accuracy on the audited images (against the given labels). */
  errorRate: number;
  onTrainingSplit: boolean;
  config: ResolvedConfig;
  modelName: string;
  datasetName: string;
  datasetLocation: Location;
  evidenceBase: Record<string, unknown>;
}

/** Runs confident learning and builds the summary, the ranked list (every flagged image) and the findings. */
export function labelIssueFindings(input: LabelIssueInput): { labelIssues: LabelIssueSummary; findings: Finding[] } {
  const { sample, records, errorRate, onTrainingSplit, config, modelName, evidenceBase } = input;
  const report = findLabelIssues(sample.yTrue, sample.probs, sample.classNames.length);
  const issues: LabelIssue[] = report.issues.map((example, rank) => {
    const record = records[example.index];
    return {
      rank: rank + 1,
      recordId: record.id,
      relPath: record.relPath,
      givenLabel: record.label,
      suggestedLabel: sample.classNames[example.suggestedLabel],
      selfConfidence: example.selfConfidence,
      normalizedMargin: example.normalizedMargin,
      line: record.source.line,
    };
  });
  const maxModelError = config.thresholds.labelIssueMaxModelError;
  const budget = perImageBudget(issues.length, errorRate, maxModelError);
  const labelIssues: LabelIssueSummary = {
    method: `confident learning (${report.filterBy})`,
    rankedBy: report.rankBy,
    audited: records.length,
    flagged: issues.length,
    estimatedNoiseRate: report.estimatedNoiseRate,
    estimatedIssueCount: report.estimatedIssueCount,
    errorRate,
    perImage: { ...budget, maxModelError },
    issues,
    onTrainingSplit,
  };

  const findings: Finding[] = [];
  const trainingNote = onTrainingSplit ? ' (on the training split: not out-of-sample)' : '';
  pushFinding(findings, config, MODEL_RULES.labelNoise, {
    message: `${labelIssueSentence(labelIssues, `'${input.datasetName}'`)}${trainingNote} ${perImageSentence(labelIssues)}`,
    location: input.datasetLocation,
    evidence: { ...evidenceBase, ...summaryEvidence(labelIssues) },
    suggestion: issues.length > 0 ? 'Review the ranked list (report and dashboard) from the top: the lower the probability the model gives the label, the likelier the label is wrong.' : undefined,
  });
  const byId = new Map(records.map((record) => [record.id, record]));
  for (const issue of issues.slice(0, budget.count)) {
    const before = findings.length;
    pushFinding(findings, config, MODEL_RULES.labelIssue, {
      message: `'${issue.relPath}' is labelled '${issue.givenLabel}' but ${modelName} says '${issue.suggestedLabel}' (it gives the label ${formatProbability(issue.selfConfidence)}); rank ${issue.rank} of ${issues.length} flagged by confident learning${trainingNote}.`,
      location: byId.get(issue.recordId)?.source ?? input.datasetLocation,
      evidence: { ...evidenceBase, ...issue },
      suggestion: `Check the image and relabel it '${issue.suggestedLabel}' if the model is right.`,
    });
    // The severity follows the model's error rate unless fairframe.json sets the rule's severity.
    if (findings.length > before && config.rules[MODEL_RULES.labelIssue.id] === undefined) findings[findings.length - 1].severity = budget.severity;
  }
  return { labelIssues, findings };
}

/** The flagged count and the noise estimate, in the words every view uses. */
export function labelIssueSentence(summary: LabelIssueSummary, where: string): string {
  return `Confident learning flags ${summary.flagged} of ${summary.audited} images of ${where} as probably mislabelled (${formatPercent(summary.flagged / Math.max(summary.audited, 1))}); estimated noise rate ${formatPercent(summary.estimatedNoiseRate)}, about ${summary.estimatedIssueCount} wrong labels (the off-diagonal mass of the calibrated confident joint: the share of labels the model's probabilities put in another class).`;
}

/** Why as many flagged images as were are reported one by one. */
export function perImageSentence(summary: LabelIssueSummary): string {
  const { perImage, errorRate } = summary;
  const modelText = `The model disagrees with ${formatPercent(errorRate)} of the labels (labelIssueMaxModelError ${formatPercent(perImage.maxModelError)})`;
  if (summary.flagged === 0) return `${modelText}; nothing to review.`;
  if (perImage.count === 0) return `${modelText}: too often for its flags to single out wrong labels: most are likely its own mistakes, and the noise rate is an upper bound. None is reported one by one; the ranked list is in the report.`;
  const capped = perImage.count < Math.ceil(summary.flagged * perImage.share - 1e-9) ? ` (capped at ${MAX_PER_IMAGE_LABEL_FINDINGS})` : '';
  return `${modelText}, so the top ${perImage.count} of the ranking${capped} are reported one by one as ${perImage.severity === 'warning' ? 'warnings' : 'information'} (FF-M020); the full ranked list is in the report.`;
}

/** The summary figures as finding evidence. */
function summaryEvidence(summary: LabelIssueSummary): Record<string, unknown> {
  return Object.fromEntries(Object.entries(summary).filter(([key]) => key !== 'issues'));
}

/** A probability as a percentage, with enough digits to tell a tiny one from zero. */
export function formatProbability(p: number): string {
  if (p >= 0.001 || p === 0) return formatPercent(p);
  return `${(100 * p).toExponential(1)}%`;
}
