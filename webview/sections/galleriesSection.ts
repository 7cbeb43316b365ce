// Galleries of the audit's explained errors (saliency over the thumbnail), likely label errors and duplicate sets, shown
// a page at a time (the data holds at most GALLERY_LIMIT entries per gallery). Images can be opened, and explained with
// the selected model when it was audited.
import type { DashboardModel, DuplicateSet, ExplainedItem, GalleryImage, LabelIssueItem } from '../dashboardData';
import { h } from '../dom';
import { count, figure, percent } from '../format';
import { saliencyCanvas } from './saliencyCanvas';
import type { SectionContext } from './sectionContext';

/** Entries added per "Show more". */
export const GALLERY_PAGE = 24;

/** Renders the galleries into `body`. */
export function renderGalleries(body: HTMLElement, context: SectionContext): void {
  const { model, data, state } = context;
  const parts: HTMLElement[] = [];

  const explained = model?.explanations;
  if (explained && explained.items.length > 0) {
    const focusIndex = context.focusRelPath ? explained.items.findIndex((i) => i.relPath === context.focusRelPath) : -1;
    const shown = Math.max(state.explainedShown || GALLERY_PAGE, focusIndex + 1);
    const dataset = model.dataset;
    parts.push(gallery({
      id: 'explained-errors',
      title: `Explained errors (${count(explained.items.length)})`,
      note: explainedNote(explained),
      total: explained.items.length,
      beyond: 0,
      shown,
      card: (i) => explainedCard(explained.items[i], dataset, context),
      more: () => context.update({ explainedShown: shown + GALLERY_PAGE }, ['galleries']),
    }));
  }

  const issues = model?.labelIssues;
  if (issues) {
    const focusIndex = context.focusRelPath ? issues.items.findIndex((i) => i.relPath === context.focusRelPath) : -1;
    const shown = Math.max(state.labelIssuesShown || GALLERY_PAGE, focusIndex + 1);
    const dataset = model.dataset;
    parts.push(gallery({
      id: 'label-issues',
      title: `Likely label errors (${count(issues.flagged)} flagged)`,
      note: labelIssueNote(issues),
      total: issues.items.length,
      beyond: issues.flagged - issues.items.length,
      shown,
      card: (i) => labelIssueCard(issues.items[i], dataset, context),
      more: () => context.update({ labelIssuesShown: shown + GALLERY_PAGE }, ['galleries']),
    }));
  } else if (model) {
    parts.push(h('p', { class: 'muted' }, 'No label-error scores for this model.'));
  }

  const sets = data.datasets.flatMap((d) => d.duplicates.sets.map((set) => ({ dataset: d.name, set })));
  const total = data.datasets.reduce((sum, d) => sum + d.duplicates.total, 0);
  if (sets.length > 0) {
    const focusIndex = context.focusRelPath ? sets.findIndex((s) => s.set.images.some((i) => i.relPath === context.focusRelPath)) : -1;
    const shown = Math.max(state.duplicatesShown || GALLERY_PAGE, focusIndex + 1);
    parts.push(gallery({
      id: 'duplicates',
      title: `Duplicates (${count(total)} sets)`,
      note: 'Byte-identical and near-identical images, and duplicates that cross labels or splits.',
      total: sets.length,
      beyond: total - sets.length,
      shown,
      card: (i) => duplicateCard(sets[i].set, sets[i].dataset, context),
      more: () => context.update({ duplicatesShown: shown + GALLERY_PAGE }, ['galleries']),
      list: true,
    }));
  } else {
    parts.push(h('p', { class: 'muted' }, 'No duplicate images were found.'));
  }
  body.replaceChildren(...parts);
}

interface GalleryOptions {
  id: string;
  title: string;
  note: string;
  total: number;
  beyond: number;
  shown: number;
  card: (index: number) => HTMLElement;
  more: () => void;
  list?: boolean;
}

function gallery(options: GalleryOptions): HTMLElement {
  const shown = Math.min(options.shown, options.total);
  const cards = Array.from({ length: shown }, (_, i) => options.card(i));
  const footer: HTMLElement[] = [h('p', { class: 'muted gallery-count' }, `Showing ${count(shown)} of ${count(options.total + options.beyond)}.`)];
  if (shown < options.total) {
    const button = h('vscode-button', { attrs: { id: `${options.id}-more`, secondary: true } }, `Show ${count(Math.min(GALLERY_PAGE, options.total - shown))} more`);
    button.addEventListener('click', options.more);
    footer.push(button);
  } else if (options.beyond > 0) {
    footer.push(h('p', { class: 'muted' }, `${count(options.beyond)} more are in the report files (the dashboard lists the first ${count(options.total)}).`));
  }
  return h('div', { class: 'gallery-block', attrs: { 'data-gallery': options.id } },
    h('h3', {}, options.title), h('p', { class: 'muted' }, options.note),
    h('ul', { class: options.list ? 'gallery gallery-sets' : 'gallery', attrs: { 'aria-label': options.title } }, ...cards.map((card) => h('li', {}, card))),
    h('div', { class: 'gallery-footer' }, ...footer));
}

/** The label-issue figures in the words of the report: flagged count, noise estimate, and how many are reported one by one. */
function labelIssueNote(issues: NonNullable<DashboardModel['labelIssues']>): string {
  const { perImage } = issues;
  const reported = issues.flagged === 0
    ? ''
    : perImage.count === 0
      ? ` The model disagrees with ${percent(issues.errorRate)} of the labels (labelIssueMaxModelError ${percent(perImage.maxModelError)}): most flags are likely its own mistakes, so none is reported one by one.`
      : ` The model disagrees with ${percent(issues.errorRate)} of the labels, so the top ${count(perImage.count)} are reported one by one as ${perImage.severity === 'warning' ? 'warnings' : 'information'} (FF-M020).`;
  return `${count(issues.flagged)} of ${count(issues.audited)} images flagged by ${issues.method}, ranked likeliest first; estimated noise rate ${percent(issues.estimatedNoiseRate)}, about ${count(issues.estimatedIssueCount)} wrong labels.${reported}${issues.onTrainingSplit ? ' Scored on the training split: these scores are not out-of-sample.' : ''}`;
}

function labelIssueCard(item: LabelIssueItem, dataset: string, context: SectionContext): HTMLElement {
  return h('article', { class: 'card', attrs: { 'data-relpath': item.relPath, 'data-rank': String(item.rank), 'aria-label': `Likely mislabelled, rank ${item.rank}: ${item.relPath}` } },
    thumbnail(item),
    h('p', { class: 'card-rank' }, `#${item.rank}${item.reported ? ' · reported' : ''}`),
    h('p', { class: 'card-path' }, item.relPath),
    h('p', { class: 'card-labels' }, 'Labelled ', h('strong', {}, item.givenLabel), '; the model suggests ', h('strong', {}, item.suggestedLabel), '.'),
    h('p', { class: 'muted' }, `Self-confidence ${percent(item.selfConfidence, 2)}`),
    actions(dataset, item.relPath, context));
}

function explainedCard(item: ExplainedItem, dataset: string, context: SectionContext): HTMLElement {
  const faithfulness = [
    item.deletionAuc !== undefined ? `deletion AUC ${figure(item.deletionAuc)}` : '',
    item.insertionAuc !== undefined ? `insertion AUC ${figure(item.insertionAuc)}` : '',
  ].filter(Boolean).join(' · ');
  return h('article', { class: 'card card-explained', attrs: { 'data-relpath': item.relPath, 'aria-label': `Explained error: ${item.relPath}` } },
    overlaidThumbnail(item, context.model?.resize),
    h('p', { class: 'card-path' }, item.relPath),
    h('p', { class: 'card-labels' }, h('strong', {}, item.label), ' → ', h('strong', {}, item.predicted), ` (${percent(item.confidence)})`),
    item.groups.length > 0 ? h('p', { class: 'muted card-groups' }, item.groups.map((g) => `${g.attribute}: ${g.group}`).join(' · ')) : '',
    h('p', { class: 'muted card-faithfulness' }, `${item.method}${item.fallbackFrom ? ` (fallback from ${item.fallbackFrom})` : ''}${faithfulness ? `: ${faithfulness}` : ''}`),
    actions(dataset, item.relPath, context));
}

/** The method, the mean faithfulness over the explained images, the sanity check's outcome and the audit's notes. */
function explainedNote(explained: NonNullable<DashboardModel['explanations']>): string {
  const parts = [`Saliency by ${explained.method} of the most confident errors per group.`];
  const faith = explained.faithfulness;
  if (faith) {
    parts.push(`Mean over ${count(faith.images)} images: deletion AUC ${figure(faith.meanDeletionAuc)} (lower is better), insertion AUC ${figure(faith.meanInsertionAuc)} (higher is better)${faith.meanRandomDeletionAuc !== undefined && faith.meanRandomInsertionAuc !== undefined ? `; a random pixel order gives ${figure(faith.meanRandomDeletionAuc)} and ${figure(faith.meanRandomInsertionAuc)}` : ''}.`);
  }
  const sanity = explained.sanity;
  if (!sanity || sanity.images === 0 || sanity.passed === null) parts.push('Randomisation sanity check: not run.');
  else {
    const rho = sanity.meanSpearman === null ? 'n/a' : figure(sanity.meanSpearman);
    parts.push(sanity.passed
      ? `Randomisation sanity check passed: mean Spearman ρ ${rho} with the maps of a model with random weights (${count(sanity.images)} images).`
      : `Randomisation sanity check failed: mean Spearman ρ ${rho} with the maps of a model with random weights (${count(sanity.images)} images); the maps show the image more than the model.`);
  }
  parts.push(...explained.notes);
  return parts.join(' ');
}

/**
 * The thumbnail with the stored map over it, in a box of the map's aspect (the map covers the model's input): the
 * image is fitted as the model's preprocessing fits it — stretched, centre-cropped (cover) or padded (contain).
 */
function overlaidThumbnail(item: ExplainedItem, resize: 'stretch' | 'center-crop' | 'pad' | undefined): HTMLElement {
  const canvas = saliencyCanvas(item.map);
  if (!item.uri) return h('div', { class: 'thumb-overlay saliency-only' }, canvas);
  const fit = resize === 'center-crop' ? 'fit-cover' : resize === 'pad' ? 'fit-contain' : 'fit-fill';
  return h('div', { class: `thumb-overlay ${fit}` },
    h('img', { attrs: { src: item.uri, alt: `${item.relPath}, with its saliency map over it`, loading: 'lazy', decoding: 'async' } }),
    canvas);
}

function duplicateCard(set: DuplicateSet, dataset: string, context: SectionContext): HTMLElement {
  return h('article', { class: `card card-set severity-${set.severity}`, attrs: { 'data-rule': set.rule, 'aria-label': `${set.rule}: ${set.count} images` } },
    h('p', { class: 'card-message' }, h('span', { class: 'rule-id' }, `${set.rule} `), set.message),
    h('ul', { class: 'set-images', attrs: { 'aria-label': `Images of this ${set.rule} set` } }, ...set.images.map((image) => h('li', { attrs: { 'data-relpath': image.relPath } },
      thumbnail(image), h('p', { class: 'card-path' }, image.relPath), actions(dataset, image.relPath, context)))),
    set.count > set.images.length ? h('p', { class: 'muted' }, `and ${count(set.count - set.images.length)} more`) : '');
}

function thumbnail(image: GalleryImage): HTMLElement {
  if (!image.uri) return h('div', { class: 'thumb thumb-missing', attrs: { 'aria-hidden': 'true' } }, 'no preview');
  return h('img', { class: 'thumb', attrs: { src: image.uri, alt: image.relPath, loading: 'lazy', decoding: 'async', width: 96, height: 96 } });
}

/** Explain (only with an audited model selected) and Open. */
function actions(dataset: string, relPath: string, context: SectionContext): HTMLElement {
  const buttons: HTMLElement[] = [];
  if (context.model?.status === 'ok') {
    const explain = h('vscode-button', { class: 'explain-button', attrs: { 'aria-label': `Explain ${relPath}` } }, 'Explain');
    explain.addEventListener('click', () => context.explain(dataset, relPath));
    buttons.push(explain);
  }
  buttons.push(openButton(dataset, relPath, context));
  return h('div', { class: 'card-actions' }, ...buttons);
}

function openButton(dataset: string, relPath: string, context: SectionContext): HTMLElement {
  const button = h('vscode-button', { class: 'open-button', attrs: { secondary: true, 'aria-label': `Open ${relPath}` } }, 'Open');
  button.addEventListener('click', () => context.openFile(dataset, relPath));
  return button;
}
