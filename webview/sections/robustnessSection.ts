// Robustness: accuracy against corruption severity (or attack ε) with one line per group of the chosen attribute, each
// point with its paired-bootstrap whisker; the difference-in-differences of each level below, and the values as a table.
import type { RobustnessGroupReport, RobustnessResults } from '../../src/engine/robustness/robustnessTypes';
import { h, select } from '../dom';
import { count, intervalText, percent } from '../format';
import { Plot, plotFigure, plotLegend } from '../plotFigure';
import type { SectionContext } from './sectionContext';

interface Point {
  group: string;
  level: number;
  accuracy: number;
  lower: number | null;
  upper: number | null;
  count: number;
  compared: boolean;
}

/** The condition families a chart can show: each corruption by severity, and each attack by ε. */
function families(robustness: RobustnessResults): Array<{ value: string; label: string; source: 'corruptions' | 'attacks'; levels: number[]; axis: string }> {
  const out: Array<{ value: string; label: string; source: 'corruptions' | 'attacks'; levels: number[]; axis: string }> = [];
  const severities = robustness.corruptions?.severities ?? [1, 2, 3, 4, 5];
  for (const corruption of robustness.corruptions?.corruptions ?? []) out.push({ value: corruption.name, label: corruption.name, source: 'corruptions', levels: severities, axis: 'Severity (0 = clean)' });
  const attacks = robustness.attacks;
  if (attacks?.status === 'ok' && attacks.settings) {
    for (const kind of attacks.settings.attack === 'square' ? ['square'] : ['pgd', 'fgsm']) out.push({ value: kind, label: `${kind.toUpperCase()} attack`, source: 'attacks', levels: attacks.settings.epsilons, axis: 'ε in pixel levels of 255 (0 = clean)' });
  }
  return out;
}

/** True for the attack families (ε on a point scale), false for corruptions (severity on a linear one). */
function attackFamily(family: string): boolean {
  return family === 'pgd' || family === 'fgsm' || family === 'square';
}

/** Points of one attribute's groups for one family: the clean accuracy at 0, then each level. */
export function robustnessPoints(report: RobustnessGroupReport, family: string, levels: number[]): Point[] {
  const points: Point[] = [];
  const first = report.conditions.find((c) => c.key === `${family}@${levels[0]}`);
  for (const group of first?.byGroup ?? []) {
    // Clean accuracy = accuracy under a condition + its drop (drop = clean − corrupted, on the same images).
    const clean = group.accuracy.estimate !== null && group.drop.estimate !== null ? group.accuracy.estimate + group.drop.estimate : null;
    if (clean !== null) points.push({ group: group.group, level: 0, accuracy: clean, lower: null, upper: null, count: group.count, compared: group.compared });
  }
  for (const level of levels) {
    const condition = report.conditions.find((c) => c.key === `${family}@${level}`);
    for (const group of condition?.byGroup ?? []) {
      if (group.accuracy.estimate === null) continue;
      points.push({ group: group.group, level, accuracy: group.accuracy.estimate, lower: group.accuracy.lower, upper: group.accuracy.upper, count: group.count, compared: group.compared });
    }
  }
  return points;
}

/** Renders the robustness chart and its selectors into `body`. */
export function renderRobustness(body: HTMLElement, context: SectionContext): void {
  const { model, state } = context;
  const robustness = model?.robustness;
  if (!model || model.status !== 'ok' || !robustness) {
    body.replaceChildren(h('p', { class: 'muted' }, 'No robustness figures: run the audit with --robustness, or set "robustness": "corruptions" (or "attacks", "all") in fairframe.json.'));
    return;
  }
  const options = families(robustness);
  const notes: HTMLElement[] = [];
  if (robustness.attacks?.status === 'skipped') notes.push(h('p', { class: 'muted' }, `Attacks not run: ${robustness.attacks.reason ?? ''}.`));
  if (options.length === 0) {
    body.replaceChildren(...notes, h('p', { class: 'muted' }, 'No robustness condition was measured.'));
    return;
  }
  const family = options.find((o) => o.value === state.robustnessFamily) ?? options[0];
  const reports = (family.source === 'corruptions' ? robustness.corruptions?.groups : robustness.attacks?.groups) ?? [];
  if (reports.length === 0) {
    body.replaceChildren(...notes, h('p', { class: 'muted' }, 'No sensitive attribute to compare groups by.'));
    return;
  }
  const report = reports.find((r) => r.name === state.robustnessReport) ?? reports[0];
  const controls = h('div', { class: 'controls' },
    select('robustness-report', 'Attribute', reports.map((r) => ({ value: r.name, label: r.attributes.length > 1 ? `${r.name} (intersection)` : r.name })), report.name,
      (value) => context.update({ robustnessReport: value }, ['robustness'])),
    select('robustness-family', 'Condition', options.map((o) => ({ value: o.value, label: o.label })), family.value,
      (value) => context.update({ robustnessFamily: value }, ['robustness'])));
  body.replaceChildren(controls, ...notes, robustnessChart(report, family.value, family.label, family.levels, family.axis));
}

/** The line chart of one attribute under one condition family, with its DiD row and table. */
export function robustnessChart(report: RobustnessGroupReport, family: string, label: string, levels: number[], axis: string): HTMLElement {
  const points = robustnessPoints(report, family, levels);
  const whiskers = points.filter((p) => p.lower !== null && p.upper !== null);
  const groups = [...new Set(points.map((p) => p.group))];
  const chart = plotFigure({
    ariaLabel: `Accuracy under ${label} by ${report.name}, one line per group, with paired bootstrap intervals`,
    ariaDescription: groups.map((g) => `${g}: ${points.filter((p) => p.group === g).map((p) => `${p.level} ${percent(p.accuracy)}`).join(', ')}`).join('; '),
    width: 640,
    height: 320,
    marginLeft: 56,
    marginRight: 20,
    x: { label: axis, ticks: [0, ...levels], tickFormat: (v: number) => String(v), type: attackFamily(family) ? 'point' : 'linear', domain: attackFamily(family) ? [0, ...levels] : [0, 5.2] },
    y: { label: 'Accuracy', domain: [0, 1], tickFormat: '.0%', grid: true },
    color: { domain: groups, legend: false },
    marks: [
      Plot.line(points, { x: 'level', y: 'accuracy', stroke: 'group', strokeOpacity: (d: Point) => (d.compared ? 1 : 0.45), strokeWidth: 2, className: 'ff-robustness-line' }),
      Plot.ruleX(whiskers, { x: 'level', y1: 'lower', y2: 'upper', stroke: 'group', strokeOpacity: 0.55, strokeWidth: 1.5, className: 'ff-interval' }),
      Plot.dot(points, { x: 'level', y: 'accuracy', fill: 'group', r: 3, className: 'ff-robustness-point', title: (d: Point) => `${d.group} at ${d.level}: ${percent(d.accuracy)} ${intervalText(d, true)} (n=${count(d.count)})` }),
      Plot.ruleY([0]),
    ],
  });
  const legend = plotLegend({ color: { domain: groups, type: 'categorical' }, label: report.name });
  const did = levels.map((level) => report.conditions.find((c) => c.key === `${family}@${level}`)?.dropDifference);
  const caption = h('figcaption', {},
    `Accuracy under ${label} by ${report.name}: one line per group, starting from its clean accuracy; whiskers are paired bootstrap intervals. Paler lines are groups too small to rank. `,
    `Difference-in-differences (most − least drop): ${did.map((d, i) => `${levels[i]}: ${d && d.estimate !== null ? `${percent(d.estimate)} ${intervalText(d, true)} (${d.higherGroup ?? ''} vs ${d.lowerGroup ?? ''})` : 'n/a'}`).join('; ')}.`);
  const details = h('details', { class: 'chart-data' }, h('summary', {}, 'Values as a table'),
    h('table', { class: 'data-table' },
      h('thead', {}, h('tr', {}, h('th', { attrs: { scope: 'col' } }, 'Group'), h('th', { attrs: { scope: 'col' } }, 'Images'), h('th', { attrs: { scope: 'col' } }, 'Clean'), ...levels.map((level) => h('th', { attrs: { scope: 'col' } }, String(level))))),
      h('tbody', {}, ...groups.map((group) => {
        const row = points.filter((p) => p.group === group);
        return h('tr', {}, h('th', { attrs: { scope: 'row' } }, group), h('td', { class: 'number' }, count(row[0]?.count ?? 0)),
          h('td', { class: 'number' }, percent(row.find((p) => p.level === 0)?.accuracy)),
          ...levels.map((level) => {
            const p = row.find((x) => x.level === level);
            return h('td', { class: 'number' }, p ? `${percent(p.accuracy)} ${intervalText(p, true)}` : 'n/a');
          }));
      }))));
  return h('figure', { class: 'chart', attrs: { 'data-chart': 'robustness' } }, legend, chart, caption, details);
}
