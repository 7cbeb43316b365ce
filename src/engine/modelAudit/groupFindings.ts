// Findings from the group reports: a fairness figure beyond its threshold, and groups too small to rank.
import type { RuleInfo } from '../checks/check';
import { pushFinding } from '../checks/check';
import type { ResolvedConfig } from '../config/configTypes';
import type { Finding, Location } from '../types';
import { GROUP_METRIC_NAMES } from './groupMetrics';
import { MODEL_RULES } from './modelRules';
import type { FairnessFigure, GroupMetric, GroupReport, Interval } from './modelAuditTypes';

const RULE_BY_ID: Record<string, RuleInfo> = Object.fromEntries(Object.values(MODEL_RULES).map((rule) => [rule.id, rule]));

const THRESHOLD_NAME: Record<string, string> = {
  'FF-M010': 'maxAccuracyDifference',
  'FF-M011': 'maxErrorRateRatio',
  'FF-M012': 'maxDemographicParityDifference',
  'FF-M013': 'maxEqualizedOddsDifference',
  'FF-M014': 'maxEqualOpportunityDifference',
  'FF-M015': 'minDisparateImpactRatio',
  'FF-M016': 'maxCalibrationDifference',
};

/** A number for a message: 3 significant decimals. */
export function formatNumber(value: number | null): string {
  if (value === null) return 'undefined';
  const text = Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(3).replace(/\.?0+$/, '') || '0';
  return text === '-0' ? '0' : text;
}

/** A rate as a percentage with one decimal. */
export function formatPercent(value: number | null): string {
  return value === null ? 'undefined' : `${(100 * value).toFixed(1)}%`;
}

/** "[0.12, 0.34]" for an interval, or "(no interval)". */
export function formatInterval(interval: Interval | undefined, format: (v: number | null) => string = formatNumber): string {
  if (!interval || interval.lower === null || interval.upper === null) return '(no interval)';
  return `[${format(interval.lower)}, ${format(interval.upper)}]`;
}

function groupValue(metric: GroupMetric | undefined, group: string | undefined): { value: number | null; interval?: Interval; count?: number } {
  const entry = metric?.byGroup.find((g) => g.group === group);
  return entry ? { value: entry.estimate, interval: entry, count: entry.count } : { value: null };
}

function metricFor(report: GroupReport, figure: FairnessFigure): GroupMetric | undefined {
  const name: Record<string, string> = {
    'FF-M010': 'accuracy',
    'FF-M011': 'errorRate',
    'FF-M012': 'selectionRate',
    'FF-M014': 'truePositiveRate',
    'FF-M015': 'selectionRate',
    'FF-M016': 'ece',
  };
  if (figure.rule === 'FF-M013') {
    const tpr = report.metrics.find((m) => m.metric === 'truePositiveRate' && m.class === figure.class);
    const fpr = report.metrics.find((m) => m.metric === 'falsePositiveRate' && m.class === figure.class);
    return tpr && tpr.difference.estimate === figure.value ? tpr : fpr;
  }
  return report.metrics.find((m) => m.metric === name[figure.rule] && m.class === figure.class);
}

/** The sentence for one failed figure. */
export function figureMessage(report: GroupReport, figure: FairnessFigure, modelName: string, level: number): string {
  const metric = metricFor(report, figure);
  const words = GROUP_METRIC_NAMES[metric?.metric ?? ''] ?? figure.name;
  const subject = figure.class !== undefined ? `the ${words} of class '${figure.class}'` : `the ${words}`;
  const high = groupValue(metric, figure.groups?.higher);
  const low = groupValue(metric, figure.groups?.lower);
  const percent = metric?.metric !== 'ece';
  const show = percent ? formatPercent : formatNumber;
  const side = (group: string | undefined, v: ReturnType<typeof groupValue>): string =>
    `${show(v.value)} ${formatInterval(v.interval, show)} on ${report.name} '${group ?? '?'}' (n=${v.count ?? 0})`;
  const levelText = `${Math.round(level * 100)}%`;
  const significance = figure.excludesNoGap
    ? `the ${levelText} interval excludes no gap`
    : `the ${levelText} interval includes no gap, so it may be sampling noise`;
  const threshold = `${THRESHOLD_NAME[figure.rule]} ${formatNumber(figure.threshold)}`;
  const comparison = figure.direction === 'max' ? `above ${threshold}` : `below ${threshold}`;
  const intervalText = formatInterval(figure.interval);
  const valueText = figure.value === null
    ? `${figure.name} unbounded (the best group makes no error)`
    : `${figure.name} ${formatNumber(figure.value)}${figure.rule === 'FF-M011' ? '×' : ''} (${levelText} CI ${intervalText})`;
  return `${modelName}: ${subject} is ${side(figure.groups?.higher, high)} against ${side(figure.groups?.lower, low)}: ` +
    `${valueText}, ${comparison}; ${significance}.`;
}

/** Findings for every fairness figure that fails its threshold, and for small groups. */
export function groupFindings(reports: GroupReport[], config: ResolvedConfig, location: Location, modelName: string, evidenceBase: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  for (const report of reports) {
    const failed = report.fairness.filter((figure) => figure.passed === false);
    const fails = (rule: string, className: string | undefined): boolean =>
      config.rules[rule] !== 'off' && failed.some((figure) => figure.rule === rule && figure.class === className);
    for (const figure of failed) {
      // Equalized odds led by the TPR gap is the equal-opportunity gap, and a demographic parity gap is the
      // disparate-impact ratio's pair of rates: report each pair of groups once.
      if (figure.rule === 'FF-M013' && figure.value === report.metrics.find((m) => m.metric === 'truePositiveRate' && m.class === figure.class)?.difference.estimate && fails('FF-M014', figure.class)) continue;
      if (figure.rule === 'FF-M012' && fails('FF-M015', figure.class)) continue;
      const rule = RULE_BY_ID[figure.rule];
      // A gap whose interval covers "no gap" may be noise: it is reported as information unless the rule's severity is set.
      const severity = figure.excludesNoGap || config.rules[rule.id] !== undefined ? undefined : 'info';
      const before = findings.length;
      pushFinding(findings, config, rule, {
        message: figureMessage(report, figure, modelName, config.thresholds.confidenceLevel),
        location,
        evidence: { ...evidenceBase, attribute: report.name, attributes: report.attributes, figure, significant: figure.excludesNoGap },
        suggestion: figure.excludesNoGap
          ? `Collect or reweigh training data for ${report.name} '${figure.groups?.lower ?? ''}' (see --export-weights), and re-audit.`
          : `Audit more images of ${report.name} '${figure.groups?.lower ?? ''}' to tell a real gap from noise.`,
      });
      if (severity && findings.length > before) findings[findings.length - 1].severity = severity;
    }
    const small = report.groups.filter((group) => group.small);
    if (small.length > 0) {
      pushFinding(findings, config, MODEL_RULES.smallGroups, {
        message: `${modelName}: ${small.length} group${small.length === 1 ? '' : 's'} of ${report.name} ha${small.length === 1 ? 's' : 've'} fewer than minMetricGroupSize (${config.thresholds.minMetricGroupSize}) audited images and ${small.length === 1 ? 'is' : 'are'} not ranked: ${small.slice(0, 10).map((g) => `'${g.group}' (${g.count})`).join(', ')}${small.length > 10 ? ` and ${small.length - 10} more` : ''}.`,
        location,
        evidence: { ...evidenceBase, attribute: report.name, groups: small },
      });
    }
  }
  return findings;
}
