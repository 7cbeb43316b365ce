// Shift: the last distribution comparison (Compare Data Distributions) — per image property the population stability
// index of every group as bars against the threshold, with the KS test and the mean ratio in a table; the embedding's
// MMD with its permutation p-value per group; the class priors estimated by black-box shift estimation, with intervals.
import type { PriorShift, PropertyShift, ShiftGroup, ShiftResult } from '../../src/engine/shift/shiftTypes';
import { h, select } from '../dom';
import { count, figure, intervalText, percent } from '../format';
import { Plot, bandAxisMargin, plotFigure, shortLabel } from '../plotFigure';
import type { SectionContext } from './sectionContext';

/** "all images", "site = b", "site × sex = b × f". */
export function shiftGroupName(group: ShiftGroup | null): string {
  return group ? `${group.attribute} = ${group.value}` : 'all images';
}

/** A p-value as text: 4 decimals, or scientific below 1e-4. */
function pValue(p: number): string {
  if (!Number.isFinite(p)) return 'n/a';
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

const th = (text: string): HTMLElement => h('th', { attrs: { scope: 'col' } }, text);
const td = (text: string, number = true): HTMLElement => h('td', number ? { class: 'number' } : {}, text);

/** Renders the shift comparison into `body`. */
export function renderShift(body: HTMLElement, context: SectionContext): void {
  const shift = context.shift;
  if (!shift) {
    body.replaceChildren(h('p', { class: 'muted' }, 'No distribution comparison yet: run “Fairframe: Compare Data Distributions” (or `fairframe shift`).'));
    return;
  }
  const properties = [...new Set(shift.properties.map((p) => p.property))];
  const property = properties.find((p) => p === context.state.shiftProperty) ?? properties[0];
  const s = shift.settings;
  const summary = h('p', {},
    `'${shift.reference.dataset}'${shift.reference.split ? ` (${shift.reference.split})` : ''}, ${count(shift.reference.readable)} images → '${shift.target.dataset}'${shift.target.split ? ` (${shift.target.split})` : ''}, ${count(shift.target.readable)} images`,
    shift.model ? ` · model ${shift.model.file.split(/[\\/]/).pop() ?? ''}` : '',
    `. A shift needs a Benjamini–Hochberg adjusted p below ${s.alpha} and PSI ≥ ${s.minPsi}; groups with fewer than ${s.minGroupSize} images on a side are not compared.`);
  const parts: HTMLElement[] = [summary];
  if (property) {
    parts.push(h('div', { class: 'controls' }, select('shift-property', 'Property', properties.map((p) => ({ value: p, label: p })), property,
      (value) => context.update({ shiftProperty: value }, ['shift']))));
    parts.push(propertyChart(shift, shift.properties.filter((p) => p.property === property)));
  }
  if (shift.embedding.length > 0) parts.push(embeddingTable(shift));
  const estimated = shift.priors.filter((prior) => !prior.skipped);
  if (shift.priors.length > 0) {
    const groups = shift.priors.map((prior) => shiftGroupName(prior.group));
    const chosen = shift.priors.find((prior) => shiftGroupName(prior.group) === context.state.shiftPriorGroup) ?? shift.priors[0];
    parts.push(h('div', { class: 'controls' }, select('shift-prior-group', 'Priors of', groups.map((g) => ({ value: g, label: g })), shiftGroupName(chosen.group),
      (value) => context.update({ shiftPriorGroup: value }, ['shift']))));
    parts.push(priorTable(chosen));
    if (estimated.length === 0) parts.push(h('p', { class: 'muted' }, 'No class priors could be estimated.'));
  }
  body.replaceChildren(...parts);
}

/** PSI per group for one property (bars, the threshold dashed), and the full rows as a table. */
function propertyChart(shift: ShiftResult, rows: PropertyShift[]): HTMLElement {
  const property = rows[0]?.property ?? '';
  const bars = rows.filter((row) => Number.isFinite(row.psi)).map((row) => ({ group: shiftGroupName(row.group), psi: row.psi, shifted: row.shifted }));
  const many = bars.length > 6 || bars.some((bar) => bar.group.length > 12);
  const top = Math.max(shift.settings.minPsi * 1.5, ...bars.map((bar) => bar.psi));
  const chart = plotFigure({
    ariaLabel: `Population stability index of ${property} by group`,
    ariaDescription: bars.map((bar) => `${bar.group}: PSI ${figure(bar.psi)}${bar.shifted ? ', shifted' : ''}`).join('; '),
    width: Math.max(480, Math.min(1100, bars.length * 56 + 120)),
    height: 280 + (many ? 60 : 0),
    marginBottom: bandAxisMargin(bars.map((bar) => bar.group), many),
    marginLeft: 56,
    x: { label: 'Group', domain: bars.map((bar) => bar.group), tickRotate: many ? -30 : 0, padding: 0.25, tickFormat: (v: string) => shortLabel(v) },
    y: { label: 'PSI', domain: [0, top * 1.1], grid: true },
    marks: [
      Plot.barY(bars, { x: 'group', y: 'psi', fill: 'var(--ff-bar)', fillOpacity: (d: { shifted: boolean }) => (d.shifted ? 0.95 : 0.4), className: 'ff-bar', title: (d: { group: string; psi: number; shifted: boolean }) => `${d.group}: PSI ${figure(d.psi)}${d.shifted ? ' (shifted)' : ''}` }),
      Plot.ruleY([shift.settings.minPsi], { stroke: 'currentColor', strokeDasharray: '5 4', className: 'ff-threshold' }),
      Plot.ruleY([0]),
    ],
  });
  const caption = h('figcaption', {}, `Population stability index of ${property} per group (reference deciles); dashed: minPopulationStability ${shift.settings.minPsi}. Solid bars are shifts (adjusted p < ${shift.settings.alpha} and PSI at or above the line).`);
  const table = h('table', { class: 'data-table', attrs: { 'data-table': 'shift-properties' } },
    h('thead', {}, h('tr', {}, ...['Group', 'Reference', 'Target', 'Mean', 'Mean ratio', 'KS D', 'Adjusted p', 'PSI', 'Shifted'].map(th))),
    h('tbody', {}, ...rows.map((row) => h('tr', { attrs: { 'data-group': shiftGroupName(row.group) } },
      h('th', { attrs: { scope: 'row' } }, shiftGroupName(row.group)),
      td(count(row.nReference)), td(count(row.nTarget)),
      td(`${row.referenceMean.toFixed(2)} → ${row.targetMean.toFixed(2)}`),
      td(`${figure(row.meanRatio.estimate)} ${intervalText(row.meanRatio)}`),
      td(figure(row.ksStatistic)), td(pValue(row.adjustedPValue)), td(figure(row.psi)), td(row.shifted ? 'yes' : 'no', false)))));
  return h('figure', { class: 'chart', attrs: { 'data-chart': 'shift-psi' } }, chart, caption, table);
}

/** MMD² of the model's embeddings per group, with its permutation p-value. */
function embeddingTable(shift: ShiftResult): HTMLElement {
  return h('table', { class: 'data-table', attrs: { 'data-table': 'shift-embedding' } },
    h('caption', {}, 'Model embeddings: maximum mean discrepancy (RBF kernel) with a permutation test'),
    h('thead', {}, h('tr', {}, ...['Group', 'Reference', 'Target', 'MMD²', 'p', 'Adjusted p', 'Permutations', 'Shifted'].map(th))),
    h('tbody', {}, ...shift.embedding.map((e) => h('tr', { attrs: { 'data-group': shiftGroupName(e.group) } },
      h('th', { attrs: { scope: 'row' } }, shiftGroupName(e.group)),
      td(count(e.nReference)), td(count(e.nTarget)), td(e.mmd2.toExponential(2)), td(pValue(e.pValue)), td(pValue(e.adjustedPValue)),
      td(count(e.permutations)), td(e.shifted ? 'yes' : 'no', false)))));
}

/** One scope's estimated class priors: reference prior, target prior and change with intervals, and the importance weights. */
function priorTable(prior: PriorShift): HTMLElement {
  if (prior.skipped) return h('p', { class: 'muted' }, `Priors of ${shiftGroupName(prior.group)} not estimated: ${prior.skipped}.`);
  const table = h('table', { class: 'data-table', attrs: { 'data-table': 'shift-priors' } },
    h('caption', {}, `Class priors of ${shiftGroupName(prior.group)} by black-box shift estimation (${count(prior.nReference)} labelled reference images, ${count(prior.nTarget)} target predictions)`),
    h('thead', {}, h('tr', {}, ...['Class', 'Reference', 'Target (estimated)', 'Change', 'Weight', 'Moved'].map(th))),
    h('tbody', {}, ...prior.classes.map((name, j) => h('tr', { attrs: { 'data-class': name } },
      h('th', { attrs: { scope: 'row' } }, name),
      td(percent(prior.referencePriors[j])),
      td(`${percent(prior.targetPriors[j]?.estimate)} ${intervalText(prior.targetPriors[j], true)}`),
      td(`${percent(prior.priorChange[j]?.estimate)} ${intervalText(prior.priorChange[j], true)}`),
      td(`${figure(prior.weights[j]?.estimate)} ${intervalText(prior.weights[j])}`),
      td(prior.shiftedClasses.includes(name) ? 'yes' : 'no', false)))));
  const accuracy = h('p', { attrs: { 'data-figure': 'expected-accuracy' } },
    `Accuracy on the reference ${percent(prior.referenceAccuracy)}; expected on the target if only the priors moved ${percent(prior.expectedAccuracy.estimate)} ${intervalText(prior.expectedAccuracy, true)}.`);
  return h('div', {}, table, accuracy);
}
