// Number formatting for the dashboard: rates as percentages, figures with three decimals, intervals in brackets.
import type { Interval } from '../src/engine/modelAudit/modelAuditTypes';

/** 0.9014 → "90.1%"; null → "n/a". */
export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : `${(value * 100).toFixed(digits)}%`;
}

/** A figure with three decimals (a true minus sign); null → "n/a". */
export function figure(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toFixed(3).replace('-', '−');
}

/** An interval as "[0.147, 0.430]" (or with percentages); "n/a" when undefined. */
export function intervalText(interval: Pick<Interval, 'lower' | 'upper'> | undefined, asPercent = false): string {
  if (!interval || interval.lower === null || interval.upper === null) return 'n/a';
  const f = asPercent ? (v: number) => percent(v) : figure;
  return `[${f(interval.lower)}, ${f(interval.upper)}]`;
}

/** "90.1% (95% CI 87.6%–92.5%)". */
export function estimateWithInterval(interval: Interval | undefined): string {
  if (!interval || interval.estimate === null) return 'n/a';
  if (interval.lower === null || interval.upper === null) return percent(interval.estimate);
  return `${percent(interval.estimate)} ± ${percent((interval.upper - interval.lower) / 2)} (${Math.round(interval.level * 100)}% CI ${percent(interval.lower)}–${percent(interval.upper)})`;
}

/** 12345 → "12,345". */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}

const METRIC_NAMES: Record<string, string> = {
  accuracy: 'Accuracy',
  errorRate: 'Error rate',
  ece: 'Expected calibration error',
  selectionRate: 'Selection rate',
  truePositiveRate: 'True positive rate',
  falsePositiveRate: 'False positive rate',
};

/** "truePositiveRate" + "melanoma" → "True positive rate — melanoma". */
export function metricLabel(metric: string, className?: string): string {
  const name = METRIC_NAMES[metric] ?? metric;
  return className === undefined ? name : `${name} — ${className}`;
}
