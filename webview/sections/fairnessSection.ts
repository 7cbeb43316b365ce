// Fairness: every figure of the selected model against its threshold, pass/fail, its interval and whether the
// interval excludes "no gap" (0 for a difference, 1 for a ratio).
import type { FairnessFigure } from '../../src/engine/modelAudit/modelAuditTypes';
import { h, select } from '../dom';
import { figure, intervalText } from '../format';
import type { SectionContext } from './sectionContext';

const RESULT = {
  fail: { mark: '✕', text: 'Fail' },
  pass: { mark: '✓', text: 'Pass' },
  undefined: { mark: '–', text: 'Undefined' },
} as const;

/** Renders the fairness table into `body`. */
export function renderFairness(body: HTMLElement, context: SectionContext): void {
  const { model, state } = context;
  if (!model || model.status !== 'ok' || model.reports.length === 0) {
    body.replaceChildren(h('p', { class: 'muted' }, model?.status === 'failed'
      ? `The model was not audited: ${model.reason ?? 'it failed'}.`
      : 'No fairness figures: audit a model on a dataset with sensitive attributes.'));
    return;
  }
  const reportChoice = select('fairness-report', 'Attribute', [{ value: '', label: 'All attributes and intersections' }, ...model.reports.map((r) => ({ value: r.name, label: r.name }))],
    state.fairnessReport, (value) => context.update({ fairnessReport: value }, ['fairness']));
  const failing = h('vscode-checkbox', { attrs: { id: 'fairness-failing', label: 'Failing figures only', checked: state.failingOnly, 'aria-label': 'Failing figures only' } });
  failing.addEventListener('change', () => context.update({ failingOnly: (failing as HTMLElement & { checked: boolean }).checked }, ['fairness']));

  const rows: HTMLTableRowElement[] = [];
  let failed = 0;
  let shown = 0;
  for (const report of model.reports) {
    if (state.fairnessReport && report.name !== state.fairnessReport) continue;
    for (const fig of report.fairness) {
      if (fig.passed === false) failed++;
      if (state.failingOnly && fig.passed !== false) continue;
      shown++;
      rows.push(figureRow(report.name, fig));
    }
  }
  const summary = h('p', { class: 'fairness-summary' }, `${failed} of the figures below fail their threshold; ${shown} shown. `,
    'An interval that excludes no gap (0 for a difference, 1 for a ratio) means the gap is unlikely to be sampling noise.');
  const tableElement = h('table', { class: 'data-table fairness-table' },
    h('caption', {}, `Fairness figures for ${model.name} on ${model.dataset}`),
    h('thead', {}, h('tr', {}, ...['Attribute', 'Figure', 'Class', 'Value', 'Threshold', 'Interval', 'Excludes no gap', 'Groups (higher / lower)', 'Result']
      .map((header) => h('th', { attrs: { scope: 'col' } }, header)))),
    h('tbody', {}, ...rows));
  body.replaceChildren(h('div', { class: 'controls' }, reportChoice, failing), summary,
    rows.length > 0 ? h('div', { class: 'table-scroll', attrs: { tabindex: 0, role: 'region', 'aria-label': 'Fairness figures (scrollable)' } }, tableElement) : h('p', { class: 'muted' }, 'No figure matches the filter.'));
}

function figureRow(report: string, fig: FairnessFigure): HTMLTableRowElement {
  const result = fig.passed === false ? 'fail' : fig.passed === true ? 'pass' : 'undefined';
  const bounded = fig.interval !== undefined && fig.interval.lower !== null && fig.interval.upper !== null;
  const level = bounded ? `${Math.round(fig.interval!.level * 100)}% CI ` : '';
  const higher = fig.groups?.higher;
  const lower = fig.groups?.lower;
  return h('tr', { class: `figure-${result}`, attrs: { 'data-rule': fig.rule, 'data-report': report } },
    h('th', { attrs: { scope: 'row' } }, report),
    h('td', {}, fig.name, h('span', { class: 'rule-id' }, ` ${fig.rule}`)),
    h('td', {}, fig.class ?? '—'),
    h('td', { class: 'number', attrs: { 'data-cell': 'value' } }, figure(fig.value)),
    h('td', { class: 'number' }, `${fig.direction === 'max' ? '≤' : '≥'} ${figure(fig.threshold)}`),
    h('td', { class: 'number', attrs: { 'data-cell': 'interval' } }, bounded ? `${level}${intervalText(fig.interval)}` : 'n/a'),
    h('td', { attrs: { 'data-cell': 'excludes' } }, bounded ? (fig.excludesNoGap ? 'Yes' : 'No') : 'n/a'),
    h('td', {}, higher !== undefined || lower !== undefined ? `${higher ?? '?'} / ${lower ?? '?'}` : '—'),
    h('td', { class: `result result-${result}`, attrs: { 'data-cell': 'result' } },
      h('span', { class: 'result-mark', attrs: { 'aria-hidden': 'true' } }, RESULT[result].mark), ` ${RESULT[result].text}`));
}
