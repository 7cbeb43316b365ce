// Renders a run comparison (RunDiff) as Markdown: the gaps first, then findings, then every figure with its change.
import * as path from 'node:path';
import type { ConfidenceInterval } from '../metrics/bootstrap';
import { formatNumber } from '../modelAudit/groupFindings';
import type { FigureChange, GapChange, ModelComparison, RunDiff } from '../runs/runDiff';
import type { Finding } from '../types';
import { escapeMarkdown } from './markdownReport';

const METRIC_WORDS: Record<string, string> = {
  accuracy: 'accuracy',
  balancedAccuracy: 'balanced accuracy',
  macroF1: 'macro F1',
  logLoss: 'log loss',
  auc: 'ROC AUC',
  macroAuc: 'macro one-vs-rest ROC AUC',
  errorRate: 'error rate',
  ece: 'expected calibration error',
  selectionRate: 'selection rate',
  truePositiveRate: 'true positive rate',
  falsePositiveRate: 'false positive rate',
};

/** "+0.052 [+0.013, +0.090]" for a change with its interval. */
export function formatChange(change: ConfidenceInterval): string {
  const signed = (value: number | null): string => (value === null ? 'undefined' : `${value > 0 ? '+' : ''}${formatNumber(value)}`);
  if (change.lower === null || change.upper === null) return `${signed(change.estimate)} (no interval)`;
  return `${signed(change.estimate)} [${signed(change.lower)}, ${signed(change.upper)}]`;
}

function figureCells(figure: FigureChange): string {
  return `${formatNumber(figure.before)} | ${formatNumber(figure.after)} | ${formatChange(figure.change)}`;
}

function runName(run: RunDiff['before']): string {
  return `\`${run.id}\`${run.label ? ` (${escapeMarkdown(run.label)})` : ''}${run.commit ? `, commit ${run.commit.slice(0, 10)}` : ''}`;
}

function gapLine(gap: GapChange, report: string): string {
  const name = `${gap.name}${gap.class !== undefined ? ` for '${escapeMarkdown(gap.class)}'` : ''} by ${escapeMarkdown(report)}`;
  const pass = (passed: boolean | null): string => (passed === null ? 'undefined' : passed ? 'passes' : 'fails');
  return `| ${gap.verdict} | ${name} | ${figureCells(gap)} | ${gap.direction === 'max' ? '≤' : '≥'} ${formatNumber(gap.threshold)}: ${pass(gap.passedBefore)} → ${pass(gap.passedAfter)} |`;
}

function findingLine(finding: Finding): string {
  return `- ${finding.severity} ${finding.rule}${finding.dataset ? ` (${escapeMarkdown(finding.dataset)})` : ''}: ${escapeMarkdown(finding.message)}`;
}

function modelSection(model: ModelComparison, level: number): string[] {
  const percent = `${Math.round(level * 100)}%`;
  const lines = [
    `## ${escapeMarkdown(path.basename(model.before.model))} → ${escapeMarkdown(path.basename(model.after.model))} on ${escapeMarkdown(model.dataset)}`,
    '',
    `${model.before.images} → ${model.after.images} images. Intervals of the change: ${escapeMarkdown(model.modeReason)}${model.mode === 'none' ? '' : ` (${percent} percentile intervals)`}.`,
    '',
  ];
  if (model.overall.length > 0) {
    lines.push('| Metric | Before | After | Change [interval] |', '|---|---:|---:|---|');
    for (const figure of model.overall) lines.push(`| ${METRIC_WORDS[figure.metric] ?? figure.metric} | ${figureCells(figure)} |`);
    lines.push('');
  }
  const gaps = model.reports.flatMap((report) => report.gaps.map((gap) => gapLine(gap, report.name)));
  if (gaps.length > 0) {
    lines.push('### Fairness gaps', '', '| Verdict | Figure | Before | After | Change [interval] | Threshold |', '|---|---|---:|---:|---|---|', ...gaps, '');
  }
  for (const report of model.reports) {
    if (report.metrics.length === 0) continue;
    lines.push(`### By ${escapeMarkdown(report.name)}`, '', '| Metric | Group | Before | After | Change [interval] |', '|---|---|---:|---:|---|');
    for (const metric of report.metrics) {
      const name = `${METRIC_WORDS[metric.metric] ?? metric.metric}${metric.class !== undefined ? ` ('${escapeMarkdown(metric.class)}')` : ''}`;
      lines.push(`| ${name} | overall | ${figureCells(metric.overall)} |`);
      for (const group of metric.byGroup) lines.push(`| ${name} | ${escapeMarkdown(group.group)} | ${figureCells(group)} |`);
      lines.push(`| ${name} | difference (max − min) | ${figureCells(metric.difference)} |`);
    }
    lines.push('');
  }
  return lines;
}

/** The Markdown comparison of two runs. */
export function renderDiffMarkdown(diff: RunDiff): string {
  const lines = [
    '# Fairframe run comparison',
    '',
    `Before: ${runName(diff.before)}, recorded ${diff.before.recordedAt}.  `,
    `After: ${runName(diff.after)}, recorded ${diff.after.recordedAt}.  `,
    `Changes are after − before, with ${Math.round(diff.level * 100)}% bootstrap percentile intervals (${diff.replicates} replicates, seed ${diff.seed}). A gap "grew" or "narrowed" when the interval of its change excludes 0; it "closed" when it narrowed from failing its threshold to passing it.`,
    '',
    `## Findings: ${diff.findings.added.length} new, ${diff.findings.resolved.length} resolved, ${diff.findings.changed.length} changed, ${diff.findings.unchanged} unchanged`,
    '',
  ];
  if (diff.findings.added.length > 0) lines.push('### New', '', ...diff.findings.added.map(findingLine), '');
  if (diff.findings.resolved.length > 0) lines.push('### Resolved', '', ...diff.findings.resolved.map(findingLine), '');
  if (diff.findings.changed.length > 0) {
    lines.push('### Changed', '');
    for (const { before, after } of diff.findings.changed) lines.push(findingLine(before), `  - now ${after.severity}: ${escapeMarkdown(after.message)}`);
    lines.push('');
  }
  for (const model of diff.models) lines.push(...modelSection(model, diff.level));
  if (diff.models.length === 0) lines.push('No model audit appears in both runs: only the findings are compared.', '');
  if (diff.unmatched.length > 0) lines.push(`Not compared (no counterpart in the other run): ${diff.unmatched.map(escapeMarkdown).join('; ')}.`, '');
  return `${lines.join('\n')}\n`;
}
