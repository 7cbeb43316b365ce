// Image properties by class or group, from the image-properties check's summaries: range (min–max),
// mean ± one standard deviation, and the median, per group.
import type { PropertyRow } from '../dashboardData';
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
      propertyChart(partition, property, shown)));
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
