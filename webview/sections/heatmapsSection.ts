// Heatmaps: the confusion matrix, label × attribute image counts, and a one-vs-rest metric per class × group.
import type { DashboardModel } from '../dashboardData';
import { h, select } from '../dom';
import { count, metricLabel, percent } from '../format';
import { Plot, bandAxisMargin, plotFigure, plotLegend, shortLabel } from '../plotFigure';
import type { SectionContext } from './sectionContext';

interface Cell {
  x: string;
  y: string;
  value: number;
  text: string;
  title: string;
}

interface HeatmapOptions {
  name: string;
  ariaLabel: string;
  xLabel: string;
  yLabel: string;
  xDomain: string[];
  yDomain: string[];
  cells: Cell[];
  scheme: 'viridis' | 'cividis';
  legend: string;
  percentLegend?: boolean;
}

/** Renders the heatmaps into `body`. */
export function renderHeatmaps(body: HTMLElement, context: SectionContext): void {
  const { model, data, state } = context;
  const parts: HTMLElement[] = [];
  if (model && model.status === 'ok' && model.confusionMatrix.length > 0) parts.push(confusionHeatmap(model));
  const tables = data.datasets.flatMap((d) => d.crossTables.map((t) => ({ dataset: d.name, table: t })));
  if (tables.length > 0) {
    const key = (t: (typeof tables)[number]): string => `${t.dataset}/${t.table.columnName}`;
    const chosen = tables.find((t) => key(t) === state.crossAttribute) ?? tables[0];
    const { table } = chosen;
    const cells: Cell[] = table.rowValues.flatMap((row, r) => table.columnValues.map((column, c) => {
      const n = table.counts[r]?.[c] ?? 0;
      return { x: column, y: row, value: n, text: count(n), title: `label ${row} × ${table.columnName} ${column}: ${count(n)} images` };
    }));
    parts.push(h('div', { class: 'heatmap-block' },
      h('h3', {}, 'Images per label and group'),
      h('div', { class: 'controls' }, select('cross-attribute', 'Attribute', tables.map((t) => ({ value: key(t), label: data.datasets.length > 1 ? `${t.dataset}: ${t.table.columnName}` : t.table.columnName })), key(chosen),
        (value) => context.update({ crossAttribute: value }, ['heatmaps']))),
      heatmap({ name: 'label-attribute', ariaLabel: `Image counts by label and ${table.columnName}`, xLabel: table.columnName, yLabel: 'label', xDomain: table.columnValues, yDomain: table.rowValues, cells, scheme: 'cividis', legend: 'images' })));
  }
  if (model && model.status === 'ok') {
    const reports = model.reports.filter((r) => r.metrics.some((m) => m.class !== undefined));
    if (reports.length > 0) {
      const report = reports.find((r) => r.name === state.heatmapReport) ?? reports[0];
      const metricNames = [...new Set(report.metrics.filter((m) => m.class !== undefined).map((m) => m.metric))];
      const metricName = metricNames.includes(state.heatmapMetric) ? state.heatmapMetric : metricNames[0];
      const metrics = report.metrics.filter((m) => m.metric === metricName && m.class !== undefined);
      const groups = report.groups.map((g) => g.group);
      const cells: Cell[] = metrics.flatMap((m) => m.byGroup.filter((g) => g.estimate !== null).map((g) => ({
        x: g.group, y: m.class as string, value: g.estimate as number, text: percent(g.estimate, 0),
        title: `${metricLabel(m.metric, m.class)} in ${report.name} ${g.group}: ${percent(g.estimate)} (n=${count(g.count)})`,
      })));
      parts.push(h('div', { class: 'heatmap-block' },
        h('h3', {}, 'Class × group'),
        h('div', { class: 'controls' },
          select('heatmap-report', 'Attribute', reports.map((r) => ({ value: r.name, label: r.name })), report.name, (value) => context.update({ heatmapReport: value }, ['heatmaps'])),
          select('heatmap-metric', 'Metric', metricNames.map((m) => ({ value: m, label: metricLabel(m) })), metricName, (value) => context.update({ heatmapMetric: value }, ['heatmaps']))),
        heatmap({ name: 'class-group', ariaLabel: `${metricLabel(metricName)} by class and ${report.name}`, xLabel: report.name, yLabel: 'class (one-vs-rest)', xDomain: groups, yDomain: metrics.map((m) => m.class as string), cells, scheme: 'viridis', legend: metricLabel(metricName), percentLegend: true })));
    } else if (model.reports[0]?.oneVsRestSkipped) {
      parts.push(h('p', { class: 'muted' }, `Class × group figures were not computed: ${model.reports[0].oneVsRestSkipped}`));
    }
  }
  body.replaceChildren(...(parts.length > 0 ? parts : [h('p', { class: 'muted' }, 'No heatmap: the audit has neither a model nor label × attribute tables.')]));
}

function confusionHeatmap(model: DashboardModel): HTMLElement {
  const names = model.classNames;
  const cells: Cell[] = model.confusionMatrix.flatMap((row, r) => {
    const total = row.reduce((sum, n) => sum + n, 0);
    return row.map((n, c) => ({
      x: names[c] ?? String(c), y: names[r] ?? String(r), value: total > 0 ? n / total : 0, text: count(n),
      title: `true ${names[r]}, predicted ${names[c]}: ${count(n)} (${percent(total > 0 ? n / total : null)} of the row)`,
    }));
  });
  return h('div', { class: 'heatmap-block' }, h('h3', {}, 'Confusion matrix'),
    heatmap({ name: 'confusion', ariaLabel: `Confusion matrix of ${model.name}: true class by predicted class`, xLabel: 'predicted', yLabel: 'true class', xDomain: names, yDomain: names, cells, scheme: 'viridis', legend: 'share of the true class', percentLegend: true }));
}

/** A Plot.cell heatmap with the value written in each cell (dark text on light cells). */
function heatmap(options: HeatmapOptions): HTMLElement {
  const values = options.cells.map((c) => c.value);
  const min = Math.min(...values, 0);
  const max = Math.max(...values, min + 1e-9);
  const light = (c: Cell): boolean => (c.value - min) / (max - min) > 0.55;
  const longest = Math.min(22, Math.max(...options.yDomain.map((v) => v.length), 4));
  const rotate = options.xDomain.length > 6 || Math.max(...options.xDomain.map((v) => v.length)) > 8;
  const marginBottom = bandAxisMargin(options.xDomain, rotate);
  const color = { type: 'linear' as const, scheme: options.scheme, label: options.legend, tickFormat: options.percentLegend ? '.0%' : undefined, domain: [min, max] };
  const chart = plotFigure({
    ariaLabel: options.ariaLabel,
    width: Math.min(1100, Math.max(360, options.xDomain.length * 72 + longest * 7 + 80)),
    height: options.yDomain.length * 30 + marginBottom + 30,
    marginLeft: longest * 7 + 34,
    marginRight: rotate ? 30 : 10,
    marginBottom,
    padding: 0.04,
    x: { label: options.xLabel, domain: options.xDomain, tickRotate: rotate ? -30 : 0, tickFormat: (v: string) => shortLabel(v) },
    y: { label: options.yLabel, labelAnchor: 'center', domain: options.yDomain, tickFormat: (v: string) => shortLabel(v) },
    color,
    marks: [
      Plot.cell(options.cells, { x: 'x', y: 'y', fill: 'value', className: 'ff-cell', title: 'title' }),
      Plot.text(options.cells, { x: 'x', y: 'y', text: 'text', fill: (c: Cell) => (light(c) ? '#111111' : '#ffffff'), className: 'ff-cell-text' }),
    ],
  });
  return h('figure', { class: 'chart heatmap', attrs: { 'data-chart': options.name } }, plotLegend({ color }), chart);
}
