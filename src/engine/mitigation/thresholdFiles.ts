// The files of a threshold mitigation: the thresholds (JSON), the before/after table (Markdown) and the mitigated
// predictions (a predictions CSV anyone can audit). Written by `fairframe mitigate thresholds` and the editor alike.
import * as path from 'node:path';
import type { ConfidenceInterval } from '../metrics';
import { TOOL_VERSION } from '../version';
import type { ThresholdMitigationResult } from './thresholdMitigation';

const NAMES: Record<string, string> = { accuracy: 'accuracy', selectionRate: 'selection rate', truePositiveRate: 'true positive rate', falsePositiveRate: 'false positive rate' };

function formatCi(interval: ConfidenceInterval, signed = false): string {
  const f = (v: number | null): string => (v === null ? '–' : `${signed && v > 0 ? '+' : ''}${v.toFixed(3)}`);
  return `${f(interval.estimate)} [${f(interval.lower)}, ${f(interval.upper)}]`;
}

/** The before/after table in Markdown. */
export function renderBeforeAfter(result: ThresholdMitigationResult): string {
  const groups = Object.keys(result.table[0]?.before.byGroup ?? {});
  const level = Math.round((result.table[0]?.before.overall.level ?? 0.95) * 100);
  const lines = [
    `# Per-group thresholds for '${result.positiveClass}' by ${result.attribute} (${result.thresholds.constraint}, maximising ${result.thresholds.objective})`,
    '',
    `${result.method}. Fitted on ${result.fit.split} (${result.fit.images} images), evaluated on ${result.evaluation.split} (${result.evaluation.images} images).${result.fit.note ? ` ${result.fit.note}` : ''}`,
    '',
    `Values with ${level}% bootstrap intervals; "change" is after − before with a paired bootstrap over the same images.`,
    '',
    `| metric | | overall | ${groups.join(' | ')} | difference between groups |`,
    `|---|---|---|${groups.map(() => '---').join('|')}|---|`,
  ];
  for (const row of result.table) {
    for (const side of ['before', 'after'] as const) {
      const values = row[side];
      lines.push(`| ${side === 'before' ? NAMES[row.metric] : ''} | ${side} | ${formatCi(values.overall)} | ${groups.map((g) => formatCi(values.byGroup[g])).join(' | ')} | ${formatCi(values.difference)} |`);
    }
    lines.push(`| | change | ${formatCi(row.overallChange, true)} | ${groups.map(() => '').join(' | ')} | ${formatCi(row.differenceChange, true)} |`);
  }
  lines.push('', '| group | images (fit) | P(positive) rule |', '|---|---|---|');
  for (const [group, rule] of Object.entries(result.thresholds.groups)) {
    const threshold = (t: number | string): string => (typeof t === 'number' ? t.toPrecision(4) : t === 'Infinity' ? '∞' : '−∞');
    const ignore = rule.pIgnore !== undefined && rule.pIgnore > 0 ? `; with probability ${rule.pIgnore.toFixed(3)} ignore the score and predict positive with probability ${(rule.predictionConstant ?? 0).toFixed(3)}` : '';
    lines.push(`| ${group} | ${rule.count} | ${rule.p0.toFixed(3)} · [score > ${threshold(rule.operation0.threshold)}] + ${rule.p1.toFixed(3)} · [score > ${threshold(rule.operation1.threshold)}]${ignore} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Rows as RFC 4180 CSV: a field holding a comma, quote or line break is quoted, its quotes doubled. */
export function csvText(rows: string[][]): string {
  const field = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return rows.map((row) => row.map(field).join(',')).join('\n') + '\n';
}

/** File names of the three outputs. */
export const THRESHOLD_FILES = { thresholds: 'thresholds.json', table: 'thresholds-before-after.md', predictions: 'mitigated-predictions.csv' } as const;

/** The three files' contents: the thresholds with the table and provenance, the Markdown table, the mitigated predictions. */
export function thresholdFiles(result: ThresholdMitigationResult, source: string, dataset: string | undefined, createdAt = new Date().toISOString()): Record<keyof typeof THRESHOLD_FILES, string> {
  const { mitigated, ...summary } = result;
  return {
    thresholds: `${JSON.stringify({ tool: { name: 'fairframe', version: TOOL_VERSION }, createdAt, source: path.resolve(source), dataset, ...summary }, null, 2)}\n`,
    table: renderBeforeAfter(result),
    predictions: csvText([['path', 'predicted', 'positive_probability', result.attribute], ...mitigated.map((row) => [row.relPath, row.predicted, String(row.positiveProbability), row.group])]),
  };
}
