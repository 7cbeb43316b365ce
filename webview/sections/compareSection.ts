// Compare: the images of one finding side by side at a useful size — duplicates, conflicting labels, split leaks,
// likely label errors — each with its path, label, split, groups and each model's prediction, and actions to open
// it, reveal it in the Explorer, explain it, or copy the paths.
import type { CompareImage, CompareView } from '../protocol';
import { h } from '../dom';
import { percent } from '../format';
import type { SectionContext } from './sectionContext';

/** What the section says before a finding is compared. */
export const COMPARE_EMPTY_TEXT = 'Open a duplicate, label-conflict, split-leak or label-issue finding (Findings view, or “Compare Images” on its problem) to see its images side by side.';

/** Renders the compared finding, or the empty state, into `body`. */
export function renderCompare(body: HTMLElement, context: SectionContext): void {
  const view = context.compare;
  if (!view) {
    body.replaceChildren(h('p', { class: 'muted' }, COMPARE_EMPTY_TEXT));
    return;
  }
  const named = view.images.filter((image) => image.role === 'finding');
  const references = view.images.filter((image) => image.role === 'reference');
  const copy = h('vscode-button', { class: 'copy-paths-button', attrs: { secondary: true, 'aria-label': `Copy the paths of the ${named.length} images` } }, 'Copy paths');
  copy.addEventListener('click', () => context.copyPaths(view.dataset, named.map((image) => image.relPath)));
  body.replaceChildren(h('div', { class: 'compare', attrs: { 'data-finding': view.finding } },
    h('p', { class: `compare-message severity-${view.severity}` }, h('span', { class: 'rule-id' }, `${view.rule} `), view.message),
    h('div', { class: 'compare-actions' }, copy),
    h('ul', { class: 'compare-grid', attrs: { 'aria-label': `Images of ${view.rule}` } }, ...named.map((image) => h('li', {}, imageCard(image, view, context)))),
    view.more > 0 ? h('p', { class: 'muted' }, `and ${view.more} more (in the finding's message and the report)`) : '',
    references.length > 0 ? h('h3', {}, view.referenceNote ?? 'For reference') : '',
    references.length > 0 ? h('ul', { class: 'compare-grid compare-references', attrs: { 'aria-label': view.referenceNote ?? 'For reference' } },
      ...references.map((image) => h('li', {}, imageCard(image, view, context)))) : ''));
}

function imageCard(image: CompareImage, view: CompareView, context: SectionContext): HTMLElement {
  const picture = image.uri
    ? h('img', { class: 'compare-image', attrs: { src: image.uri, alt: image.relPath, decoding: 'async' } })
    : h('div', { class: 'compare-image thumb-missing', attrs: { 'aria-hidden': 'true' } }, image.exists ? 'no preview' : 'file missing');
  const facts: HTMLElement[] = [h('dt', {}, 'Label'), h('dd', { attrs: { 'data-fact': 'label' } }, image.label ?? 'unknown')];
  if (image.split !== undefined) facts.push(h('dt', {}, 'Split'), h('dd', { attrs: { 'data-fact': 'split' } }, image.split));
  for (const [attribute, group] of Object.entries(image.groups)) facts.push(h('dt', {}, attribute), h('dd', { attrs: { 'data-fact': `group:${attribute}` } }, group));
  for (const prediction of image.predictions) {
    facts.push(h('dt', {}, prediction.model), h('dd', { attrs: { 'data-fact': `prediction:${prediction.model}` } },
      `${prediction.correct ? '✓' : '✗'} ${prediction.predicted} (${percent(prediction.confidence)})${prediction.stale ? ' · stale' : ''}`));
  }
  return h('article', { class: `card compare-card role-${image.role}`, attrs: { 'data-relpath': image.relPath, 'aria-label': image.relPath } },
    picture,
    h('p', { class: 'card-path' }, image.relPath),
    h('dl', { class: 'compare-facts' }, ...facts),
    actions(view.dataset, image, context));
}

function actions(dataset: string, image: CompareImage, context: SectionContext): HTMLElement {
  const button = (label: string, name: string, run: () => void, primary = false): HTMLElement => {
    const element = h('vscode-button', { class: `${name}-button`, attrs: { secondary: !primary, 'aria-label': `${label} ${image.relPath}` } }, label);
    element.addEventListener('click', run);
    return element;
  };
  const buttons = [
    button('Open', 'open', () => context.openFile(dataset, image.relPath)),
    button('Reveal', 'reveal', () => context.revealFile(dataset, image.relPath)),
  ];
  if (context.model?.status === 'ok' && image.exists) buttons.unshift(button('Explain', 'explain', () => context.explain(dataset, image.relPath), true));
  return h('div', { class: 'card-actions' }, ...buttons);
}
