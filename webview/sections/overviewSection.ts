// Overview: the datasets, the findings by severity and rule, and each model's headline figures with intervals.
import { h, select } from '../dom';
import { count, estimateWithInterval, percent } from '../format';
import type { SectionContext } from './sectionContext';

const SEVERITY_LABEL = { error: 'Errors', warning: 'Warnings', info: 'Info' } as const;
const SEVERITY_MARK = { error: '✕', warning: '▲', info: 'ℹ' } as const;

/** Renders the overview section into `body`. */
export function renderOverview(body: HTMLElement, context: SectionContext): void {
  const { data } = context;
  const severities = h('ul', { class: 'severity-counts', attrs: { 'aria-label': 'Findings by severity' } },
    ...(['error', 'warning', 'info'] as const).map((severity) =>
      h('li', { class: `severity severity-${severity}`, attrs: { 'data-severity': severity } },
        h('span', { class: 'severity-mark', attrs: { 'aria-hidden': 'true' } }, SEVERITY_MARK[severity]),
        h('span', { class: 'severity-count' }, count(data.counts[severity])),
        h('span', {}, ` ${SEVERITY_LABEL[severity]}`))));

  const datasets = table('Datasets', ['Dataset', 'Format', 'Images', 'Classes', 'Splits', 'Sensitive attributes'],
    data.datasets.map((d) => [
      d.name,
      d.format,
      count(d.images),
      String(Object.keys(d.classes).length),
      Object.entries(d.splits).map(([split, n]) => `${split} ${count(n)}`).join(', ') || '—',
      d.attributes.map((a) => `${a.name}${a.origin === 'guessed' ? ' (guessed)' : ''}: ${Object.keys(a.values).length} groups`).join('; ') || 'none',
    ]));

  const models = data.models.length === 0
    ? h('p', { class: 'muted' }, 'No model was audited: run “Audit Model on Dataset” to see accuracy and fairness by group.')
    : table('Models', ['Model', 'Dataset', 'Split', 'Images', 'Accuracy', 'Balanced accuracy', 'Macro F1', 'Calibration error (ECE)'],
      data.models.map((m) => {
        const name = m.stale ? `${m.name} (stale)` : m.name;
        return m.status === 'failed'
          ? [name, m.dataset, m.split ?? 'all', '—', `Not audited: ${m.reason ?? 'failed'}`, '', '', '']
          : [name, m.dataset, m.split ?? 'all', count(m.images), estimateWithInterval(m.accuracy), estimateWithInterval(m.balancedAccuracy), percent(m.macroF1), percent(m.ece?.estimate)];
      }));
  const staleNotes = data.models.filter((m) => m.stale).map((m) =>
    h('p', { class: 'stale-note', attrs: { role: 'note', 'data-stale-model': m.name } }, `${m.name} on ${m.dataset} is stale: ${m.stale ?? ''}. Its figures are those of that audit.`));

  const rules = data.rules.length === 0 ? h('p', { class: 'muted' }, 'No findings.')
    : table('Findings by rule', ['Rule', 'Severity', 'Findings'], data.rules.map((r) => [r.rule, r.severity, count(r.count)]));

  const modelChoice = data.models.length > 1
    ? select('model-select', 'Model shown in the sections below', data.models.map((m, i) => ({ value: String(i), label: `${m.name} on ${m.dataset}` })), String(context.state.model),
      (value) => context.update({ model: Number(value) }, ['fairness', 'groups', 'heatmaps', 'galleries']))
    : undefined;

  body.replaceChildren(h('div', { class: 'overview-grid' }, severities, datasets, models, ...staleNotes, modelChoice ?? '', rules, findingList(context)));
}

/** Every finding (capped), most severe first; a focus request scrolls to one and highlights it. */
function findingList(context: SectionContext): HTMLElement {
  const { data } = context;
  if (data.findings.length === 0) return h('p', { class: 'muted' }, '');
  const shown = data.findings.length < data.findingsTotal ? ` (the first ${count(data.findings.length)} of ${count(data.findingsTotal)})` : '';
  return h('section', { class: 'finding-list', attrs: { 'aria-label': 'Findings' } },
    h('h3', {}, `Findings${shown}`),
    h('ol', {}, ...data.findings.map((finding) =>
      h('li', { class: `finding severity-${finding.severity}${finding.key === context.focusFinding ? ' highlighted' : ''}`, attrs: { 'data-finding': finding.key, ...(finding.key === context.focusFinding ? { 'aria-current': 'true' } : {}) } },
        h('span', { class: 'severity-mark', attrs: { 'aria-label': finding.severity } }, SEVERITY_MARK[finding.severity]),
        h('span', { class: 'finding-rule' }, ` ${finding.rule} `),
        h('span', { class: 'finding-message' }, finding.message),
        h('span', { class: 'muted finding-where' }, ` — ${finding.where}`),
        finding.stale ? h('span', { class: 'stale-badge', attrs: { title: finding.stale } }, ' (stale)') : ''))));
}

/** A plain data table with a caption and column headers. */
export function table(caption: string, headers: string[], rows: string[][], className = 'data-table'): HTMLTableElement {
  return h('table', { class: className },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((header) => h('th', { attrs: { scope: 'col' } }, header)))),
    h('tbody', {}, ...rows.map((row) => h('tr', {}, ...row.map((cell, i) => (i === 0 ? h('th', { attrs: { scope: 'row' } }, cell) : h('td', {}, cell)))))));
}
