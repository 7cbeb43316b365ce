// Runs: the recorded audits of the model shown — accuracy and the accuracy gap over runs (the trend), and two runs side
// by side: per-group accuracy as paired bars, and each fairness gap with the interval of its change and the verdict.
import { h, select } from '../dom';
import { figure, intervalText, percent } from '../format';
import { Plot, plotFigure, shortLabel } from '../plotFigure';
import type { RunComparisonView, RunPoint } from '../runsData';
import type { SectionContext } from './sectionContext';

/** What the section says when the model has fewer than one recorded run. */
export const RUNS_EMPTY_TEXT = 'No recorded run of this model yet. Audits run from a command are recorded (fairframe.recordRuns) in the run store (fairframe.runStore, default .fairframe/runs), as `fairframe audit` records them.';

function runName(point: RunPoint): string {
  return `${point.recordedAt.slice(0, 16).replace('T', ' ')}${point.label ? ` · ${point.label}` : ''}`;
}

/** Renders the trend and the comparison into `body`. */
export function renderRuns(body: HTMLElement, context: SectionContext): void {
  const view = context.runs;
  if (!view || view.runs.length === 0) {
    body.replaceChildren(h('p', { class: 'muted' }, RUNS_EMPTY_TEXT));
    return;
  }
  const parts: Node[] = [h('p', {}, `${view.runs.length} recorded run${view.runs.length === 1 ? '' : 's'} of ${view.model} on ${view.dataset}.`), trendChart(view.runs)];
  if (view.runs.length >= 2) {
    const options = view.runs.map((point) => ({ value: point.id, label: runName(point) }));
    const before = view.comparison?.before ?? view.runs[view.runs.length - 2].id;
    const after = view.comparison?.after ?? view.runs[view.runs.length - 1].id;
    parts.push(h('div', { class: 'controls' },
      select('runs-before', 'Before', options, before, (value) => context.compareRuns(value, after)),
      select('runs-after', 'After', options, after, (value) => context.compareRuns(before, value))));
    if (view.comparison) parts.push(...comparison(view.comparison, context.state.chartReport));
    else {
      const button = h('vscode-button', { attrs: { id: 'runs-compare' } }, 'Compare these two runs');
      button.addEventListener('click', () => context.compareRuns(before, after));
      parts.push(h('p', {}, button));
    }
  }
  body.replaceChildren(...parts);
}

function trendChart(runs: RunPoint[]): HTMLElement {
  const reports = Object.keys(runs[runs.length - 1].accuracyGaps);
  const report = reports[0];
  const rows = runs.map((point, index) => ({ index: index + 1, name: runName(point), ...point.accuracy, gap: report ? point.accuracyGaps[report] ?? null : null }));
  const chart = plotFigure({
    ariaLabel: `Accuracy${report ? ` and the accuracy difference by ${report}` : ''} over ${runs.length} runs`,
    ariaDescription: rows.map((r) => `run ${r.index} (${r.name}): accuracy ${percent(r.estimate)} ${intervalText(r, true)}${report ? `, accuracy difference ${figure(r.gap)}` : ''}`).join('; '),
    width: Math.max(420, Math.min(1000, runs.length * 70 + 140)),
    height: 240,
    marginLeft: 56,
    x: { type: 'point', label: 'run', domain: rows.map((r) => r.index), padding: 0.3 },
    y: { label: 'rate', domain: [0, 1], tickFormat: '.0%', grid: true },
    color: { legend: true, domain: ['accuracy', ...(report ? [`accuracy difference by ${report}`] : [])] },
    marks: [
      Plot.ruleX(rows.filter((r) => r.lower !== null && r.upper !== null), { x: 'index', y1: 'lower', y2: 'upper', stroke: 'var(--ff-interval)', strokeWidth: 2, className: 'ff-interval' }),
      Plot.line(rows, { x: 'index', y: 'estimate', stroke: () => 'accuracy', className: 'ff-trend-accuracy' }),
      Plot.dot(rows, { x: 'index', y: 'estimate', fill: () => 'accuracy', r: 4, className: 'ff-trend-point', title: (r: (typeof rows)[number]) => `${r.name}: accuracy ${percent(r.estimate)} ${intervalText(r, true)}` }),
      report ? Plot.line(rows.filter((r) => r.gap !== null), { x: 'index', y: 'gap', stroke: () => `accuracy difference by ${report}`, marker: 'tick', strokeDasharray: '5 3', className: 'ff-trend-gap', title: (r: (typeof rows)[number]) => `${r.name}: accuracy difference ${figure(r.gap)}` }) : null,
    ],
  });
  return h('figure', { class: 'chart', attrs: { 'data-chart': 'runs-trend' } }, chart,
    h('figcaption', {}, `Accuracy of each run with its bootstrap interval${report ? `, and the accuracy difference between the groups of ${report}` : ''}; runs in the order they were recorded.`));
}

function comparison(view: RunComparisonView, preferredReport: string): Node[] {
  const pct = `${Math.round(view.level * 100)}%`;
  const report = view.reports.find((r) => r.name === preferredReport) ?? view.reports[0];
  const parts: Node[] = [
    h('p', { attrs: { 'data-cell': 'runs-mode' } }, `Changes are after − before with ${pct} intervals: ${view.modeReason}.`),
    h('p', {}, `Findings: ${view.findings.added} new, ${view.findings.resolved} resolved, ${view.findings.changed} changed, ${view.findings.unchanged} unchanged.`),
  ];
  if (!report) return parts;
  const rows = report.groups.flatMap((g) => [
    { group: g.group, run: 'before', value: g.before },
    { group: g.group, run: 'after', value: g.after },
  ]).filter((r) => r.value !== null) as Array<{ group: string; run: string; value: number }>;
  if (rows.length > 0) {
    const chart = plotFigure({
      ariaLabel: `Accuracy by ${report.name}, before and after, side by side`,
      ariaDescription: report.groups.map((g) => `${g.group}: ${percent(g.before)} before, ${percent(g.after)} after, change ${figure(g.change.estimate)} ${intervalText(g.change)}`).join('; '),
      width: Math.max(480, Math.min(1100, report.groups.length * 90 + 120)),
      height: 280,
      marginLeft: 56,
      marginBottom: 50,
      fx: { label: report.name, tickFormat: (v: string) => shortLabel(v, 16) },
      x: { domain: ['before', 'after'], axis: null },
      y: { label: 'accuracy', domain: [0, 1], tickFormat: '.0%', grid: true },
      color: { legend: true, domain: ['before', 'after'] },
      marks: [
        Plot.barY(rows, { fx: 'group', x: 'run', y: 'value', fill: 'run', className: 'ff-paired-bar', title: (r: (typeof rows)[number]) => `${r.group}, ${r.run}: ${percent(r.value)}` }),
        Plot.ruleY([0]),
      ],
    });
    parts.push(h('figure', { class: 'chart', attrs: { 'data-chart': 'runs-paired' } }, chart, h('figcaption', {}, `Accuracy by ${report.name}: each group's bars before and after, side by side.`)));
  }
  parts.push(h('table', { class: 'data-table', attrs: { 'data-table': 'runs-groups' } },
    h('caption', {}, `Accuracy by ${report.name}`),
    h('thead', {}, h('tr', {}, ...['Group', 'Before', 'After', 'Change', `${pct} interval of the change`].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
    h('tbody', {}, ...report.groups.map((g) => h('tr', { attrs: { 'data-group': g.group } },
      h('th', { attrs: { scope: 'row' } }, g.group), h('td', { class: 'number' }, percent(g.before)), h('td', { class: 'number' }, percent(g.after)),
      h('td', { class: 'number' }, figure(g.change.estimate)), h('td', { class: 'number' }, intervalText(g.change)))))));
  parts.push(h('table', { class: 'data-table', attrs: { 'data-table': 'runs-gaps' } },
    h('caption', {}, `Fairness gaps by ${report.name}`),
    h('thead', {}, h('tr', {}, ...['Verdict', 'Figure', 'Before', 'After', 'Change', `${pct} interval of the change`, 'Threshold'].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
    h('tbody', {}, ...report.gaps.map((gap) => h('tr', { attrs: { 'data-verdict': gap.verdict } },
      h('td', {}, gap.verdict), h('th', { attrs: { scope: 'row' } }, `${gap.name}${gap.class !== undefined ? ` (${gap.class})` : ''}`),
      h('td', { class: 'number' }, figure(gap.before)), h('td', { class: 'number' }, figure(gap.after)), h('td', { class: 'number' }, figure(gap.change.estimate)),
      h('td', { class: 'number' }, intervalText(gap.change)),
      h('td', {}, `${gap.passedBefore === null ? '–' : gap.passedBefore ? 'pass' : 'fail'} → ${gap.passedAfter === null ? '–' : gap.passedAfter ? 'pass' : 'fail'}`))))));
  return parts;
}
