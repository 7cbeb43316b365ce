// Image properties by class or group, from the image-properties check's summaries: range (min–max),
// mean ± one standard deviation, and the median, per group; then each group's distribution (its histogram on the
// edges shared by all groups, as shares of the group's images so that groups of any size compare).
import type { PropertyHistogram, PropertyRow } from '../dashboardData';
import { h, select } from '../dom';
import { count, figure } from '../format';
import { Plot, bandAxisMargin, plotFigure, shortLabel } from '../plotFigure';
import type { SectionContext } from './sectionContext';

const PROPERTY_LABELS: Record<string, string> = {
  brightness: 'Brightness (mean luma, 0–255)',
  contrast: 'Contrast (RMS, 0–255)',
  saturation: 'Saturation (0–1)',
  sharpness: 'Sharpness (variance of the Laplacian)',
  width: 'Width (px)',
  height: 'Height (px)',
  aspect: 'Aspect ratio (width / height)',
  bytes: 'File size (bytes)',
};

/** Renders the image-property distributions into `body`, or a note when the result has none. */
export function renderProperties(body: HTMLElement, context: SectionContext): void {
  const { data, state } = context;
  const parts: HTMLElement[] = [];
  for (const dataset of data.datasets) {
    if ('skipped' in dataset.properties) {
      parts.push(h('p', { class: 'muted note', attrs: { 'data-note': 'properties-skipped' } }, `${dataset.name}: no image-property distributions. ${dataset.properties.skipped}`));
      continue;
    }
    const rows = dataset.properties.rows;
    const partitions = [...new Set(rows.map((r) => r.partition))];
    const partition = partitions.includes(state.propertyPartition) ? state.propertyPartition : partitions.find((p) => p !== 'label') ?? partitions[0];
    const properties = [...new Set(rows.filter((r) => r.partition === partition).map((r) => r.property))];
    const property = properties.includes(state.property) ? state.property : properties[0];
    const shown = rows.filter((r) => r.partition === partition && r.property === property && r.mean !== null);
    parts.push(h('div', { class: 'properties-block' },
      data.datasets.length > 1 ? h('h3', {}, dataset.name) : '',
      h('div', { class: 'controls' },
        select('property-partition', 'Grouped by', partitions.map((p) => ({ value: p, label: p === 'label' ? 'class (label)' : p })), partition, (value) => context.update({ propertyPartition: value }, ['properties'])),
        select('property-name', 'Property', properties.map((p) => ({ value: p, label: PROPERTY_LABELS[p] ?? p })), property, (value) => context.update({ property: value }, ['properties']))),
      propertyChart(partition, property, shown),
      distributionChart(partition, property, dataset.properties.histograms?.[property], shown)));
  }
  body.replaceChildren(...(parts.length > 0 ? parts : [h('p', { class: 'muted note' }, 'No dataset in this audit.')]));
}

function propertyChart(partition: string, property: string, rows: PropertyRow[]): HTMLElement {
  const label = PROPERTY_LABELS[property] ?? property;
  const spread = rows.map((r) => ({ ...r, low: (r.mean ?? 0) - (r.sd ?? 0), high: (r.mean ?? 0) + (r.sd ?? 0) }));
  const many = rows.length > 6 || rows.some((r) => r.group.length > 12);
  const chart = plotFigure({
    ariaLabel: `${label} by ${partition}: range, mean ± SD and median per group`,
    ariaDescription: rows.map((r) => `${r.group}: mean ${figure(r.mean)}, SD ${figure(r.sd)}, median ${figure(r.median)}, n=${r.n}`).join('; '),
    width: Math.max(480, Math.min(1100, rows.length * 64 + 120)),
    height: 320,
    marginBottom: bandAxisMargin(rows.map((r) => r.group), many),
    marginLeft: 64,
    marginRight: many ? 40 : 20,
    x: { label: partition, domain: rows.map((r) => r.group), tickRotate: many ? -30 : 0, tickFormat: (v: string) => shortLabel(v) },
    y: { label, grid: true },
    marks: [
      Plot.ruleX(rows, { x: 'group', y1: 'min', y2: 'max', stroke: 'currentColor', strokeOpacity: 0.5, className: 'ff-range' }),
      Plot.ruleX(spread, { x: 'group', y1: 'low', y2: 'high', stroke: 'var(--ff-bar)', strokeWidth: 12, strokeOpacity: 0.7, className: 'ff-sd' }),
      Plot.tickY(rows, { x: 'group', y: 'median', stroke: 'var(--ff-interval)', strokeWidth: 2, insetLeft: 10, insetRight: 10, className: 'ff-median' }),
      Plot.dot(rows, { x: 'group', y: 'mean', fill: 'currentColor', r: 3, title: (r: PropertyRow) => `${r.group}: mean ${figure(r.mean)}, SD ${figure(r.sd)}, median ${figure(r.median)}, range ${figure(r.min)}–${figure(r.max)} (n=${count(r.n)})` }),
    ],
  });
  return h('figure', { class: 'chart', attrs: { 'data-chart': 'properties' } }, chart,
    h('figcaption', {}, `${label} by ${partition}. Thin line: range; thick bar: mean ± one SD; dot: mean; tick: median.`));
}

/** Groups drawn as histograms at most (the largest ones); the rest are named in the caption. */
const MAX_HISTOGRAM_GROUPS = 12;

interface BinRow {
  group: string;
  x1: number;
  x2: number;
  share: number;
  count: number;
}

function distributionChart(partition: string, property: string, histogram: PropertyHistogram | undefined, rows: PropertyRow[]): HTMLElement | string {
  const byGroup = histogram?.counts[partition];
  if (!histogram || !byGroup) return h('p', { class: 'muted note', attrs: { 'data-note': 'no-histogram' } }, `No distribution of this property by ${partition} in the result (no image had a value for it, the partition has more than 50 groups, or the result predates distributions).`);
  const label = PROPERTY_LABELS[property] ?? property;
  const axis = histogram.scale === 'log1p' ? `log(1 + ${property})` : label;
  const order = new Map(rows.map((r, i) => [r.group, i]));
  const groups = Object.entries(byGroup)
    .map(([group, counts]) => ({ group, counts, n: counts.reduce((a, b) => a + b, 0) }))
    .filter((g) => g.n > 0)
    .sort((a, b) => b.n - a.n)
    .slice(0, MAX_HISTOGRAM_GROUPS)
    .sort((a, b) => (order.get(a.group) ?? 1e9) - (order.get(b.group) ?? 1e9) || a.group.localeCompare(b.group));
  const left = Object.keys(byGroup).length - groups.length;
  const bins: BinRow[] = groups.flatMap((g) => g.counts.map((c, i) => ({ group: g.group, x1: histogram.edges[i], x2: histogram.edges[i + 1], share: c / g.n, count: c })));
  const chart = plotFigure({
    ariaLabel: `Distribution of ${label} by ${partition}: a histogram per group, as shares of the group's images`,
    ariaDescription: groups.map((g) => `${g.group} (n=${g.n})`).join('; '),
    width: 640,
    height: 40 + groups.length * 56,
    marginLeft: 120,
    marginRight: 20,
    x: { label: axis },
    y: { label: 'share', axis: null },
    fy: { label: null, domain: groups.map((g) => g.group), tickFormat: (v: string) => shortLabel(v, 16) },
    marks: [
      Plot.rectY(bins, { x1: 'x1', x2: 'x2', y: 'share', fy: 'group', fill: 'var(--ff-bar)', inset: 0.5, className: 'ff-bin',
        title: (b: BinRow) => `${b.group}: ${figure(b.x1)}–${figure(b.x2)}: ${count(b.count)} images (${(b.share * 100).toFixed(1)}%)` }),
      Plot.ruleY([0], { stroke: 'currentColor', strokeOpacity: 0.4 }),
    ],
  });
  return h('figure', { class: 'chart', attrs: { 'data-chart': 'property-distribution' } }, chart,
    h('figcaption', {}, `${label}: each group's histogram on ${histogram.edges.length - 1} shared bins, bar height = share of that group's images${histogram.scale === 'log1p' ? ', on log(1 + value) because the property is heavy-tailed' : ''}.${left > 0 ? ` ${count(left)} smaller groups are not drawn.` : ''}`));
}
