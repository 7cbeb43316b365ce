// Groups: one metric over the groups of one attribute (or intersection) as bars with their confidence intervals,
// the overall value as a dashed line, and the same numbers as a table for screen readers.
import type { GroupMetric } from '../../src/engine/modelAudit/modelAuditTypes';
import { metricKey } from '../dashboardData';
import { h, select } from '../dom';
import { count, intervalText, metricLabel, percent } from '../format';
import { Plot, bandAxisMargin, plotFigure, shortLabel } from '../plotFigure';
import type { SectionContext } from './sectionContext';

interface BarRow {
  group: string;
  estimate: number;
  lower: number | null;
  upper: number | null;
  count: number;
  small: boolean;
}

/** Renders the per-group bar chart and its selectors into `body`. */
export function renderGroups(body: HTMLElement, context: SectionContext): void {
  const { model, state } = context;
  if (!model || model.status !== 'ok' || model.reports.length === 0) {
    body.replaceChildren(h('p', { class: 'muted' }, 'No per-group metrics: audit a model on a dataset with sensitive attributes.'));
    return;
  }
  const report = model.reports.find((r) => r.name === state.chartReport) ?? model.reports[0];
  const metric = report.metrics.find((m) => metricKey(m) === state.chartMetric) ?? report.metrics[0];
  const controls = h('div', { class: 'controls' },
    select('chart-report', 'Attribute', model.reports.map((r) => ({ value: r.name, label: r.attributes.length > 1 ? `${r.name} (intersection)` : r.name })), report.name,
      (value) => context.update({ chartReport: value }, ['groups'])),
    select('chart-metric', 'Metric', report.metrics.map((m) => ({ value: metricKey(m), label: metricLabel(m.metric, m.class) })), metricKey(metric),
      (value) => context.update({ chartMetric: value }, ['groups'])));
  body.replaceChildren(controls, metric ? groupChart(report.name, metric) : h('p', { class: 'muted' }, 'This report has no metrics.'));
}

/** The bar chart of one GroupMetric, with the table of its values. */
export function groupChart(reportName: string, metric: GroupMetric): HTMLElement {
  const label = metricLabel(metric.metric, metric.class);
  const rows: BarRow[] = metric.byGroup
    .filter((g) => g.estimate !== null)
    .map((g) => ({ group: g.group, estimate: g.estimate as number, lower: g.lower, upper: g.upper, count: g.count, small: g.small }));
  const withInterval = rows.filter((r) => r.lower !== null && r.upper !== null);
  const top = Math.max(metric.overall.estimate ?? 0, ...rows.map((r) => r.upper ?? r.estimate));
  const many = rows.length > 6 || rows.some((r) => r.group.length > 12);
  const chart = plotFigure({
    ariaLabel: `${label} by ${reportName}, with ${Math.round((metric.overall.level || 0.95) * 100)}% confidence intervals`,
    ariaDescription: rows.map((r) => `${r.group}: ${percent(r.estimate)} ${intervalText(r, true)}, n=${r.count}`).join('; '),
    width: Math.max(480, Math.min(1100, rows.length * 64 + 120)),
    height: 300 + (many ? 60 : 0),
    marginTop: 28,
    marginBottom: bandAxisMargin(rows.map((r) => r.group), many),
    marginLeft: 56,
    marginRight: many ? 40 : 20,
    x: { label: reportName, domain: rows.map((r) => r.group), tickRotate: many ? -30 : 0, padding: 0.25, tickFormat: (v: string) => shortLabel(v) },
    y: { label, domain: [0, Math.min(1, top * 1.12) || 1], tickFormat: '.0%', grid: true },
    marks: [
      Plot.barY(rows, { x: 'group', y: 'estimate', fill: 'var(--ff-bar)', fillOpacity: (d: BarRow) => (d.small ? 0.45 : 0.9), className: 'ff-bar', title: (d: BarRow) => `${d.group}: ${percent(d.estimate)} ${intervalText(d, true)} (n=${count(d.count)}${d.small ? ', small group' : ''})` }),
      Plot.ruleX(withInterval, { x: 'group', y1: 'lower', y2: 'upper', stroke: 'var(--ff-interval)', strokeWidth: 2, className: 'ff-interval' }),
      Plot.tickY(withInterval, { x: 'group', y: 'lower', stroke: 'var(--ff-interval)', strokeWidth: 2, insetLeft: 14, insetRight: 14, className: 'ff-interval-cap' }),
      Plot.tickY(withInterval, { x: 'group', y: 'upper', stroke: 'var(--ff-interval)', strokeWidth: 2, insetLeft: 14, insetRight: 14, className: 'ff-interval-cap' }),
      metric.overall.estimate !== null ? Plot.ruleY([metric.overall.estimate], { stroke: 'currentColor', strokeDasharray: '5 4', strokeOpacity: 0.8, className: 'ff-overall' }) : null,
      Plot.text(rows, { x: 'group', y: (d: BarRow) => d.upper ?? d.estimate, text: (d: BarRow) => percent(d.estimate), dy: -9, fill: 'currentColor', className: 'ff-value' }),
      Plot.ruleY([0]),
    ],
  });
  const undefinedGroups = metric.byGroup.filter((g) => g.estimate === null).map((g) => g.group);
  const caption = h('figcaption', {},
    `${label} by ${reportName}. Bars: the value in each group; whiskers: its ${Math.round(metric.overall.level * 100)}% bootstrap interval; dashed line: overall (${percent(metric.overall.estimate)}). Paler bars are small groups.`,
    undefinedGroups.length > 0 ? ` Undefined for: ${undefinedGroups.join(', ')}.` : '');
  const details = h('details', { class: 'chart-data' }, h('summary', {}, 'Values as a table'),
    h('table', { class: 'data-table' },
      h('thead', {}, h('tr', {}, ...['Group', 'Images', 'Value', 'Interval', 'Small'].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
      h('tbody', {}, ...metric.byGroup.map((g) => h('tr', {},
        h('th', { attrs: { scope: 'row' } }, g.group), h('td', { class: 'number' }, count(g.count)), h('td', { class: 'number' }, percent(g.estimate)),
        h('td', { class: 'number' }, intervalText(g, true)), h('td', {}, g.small ? 'yes' : 'no'))))));
  return h('figure', { class: 'chart', attrs: { 'data-chart': 'groups' } }, chart, caption, details);
}
