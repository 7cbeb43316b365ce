// The Explanation section: one image, then each method's saliency overlay side by side with its faithfulness
// (deletion and insertion AUC, Petsiuk et al. 2018) and time; pending methods show a placeholder, failed ones their error.
import type { ExplanationMethodResult, ExplanationView } from '../protocol';
import { h } from '../dom';
import { count, figure, percent } from '../format';
import type { ExplanationState, SectionContext } from './sectionContext';

/** What the section says before any image is explained. */
export const EXPLANATION_EMPTY_TEXT = 'Click Explain on an image in the galleries, or run “Fairframe: Explain Image” on an image file.';

/** The finished methods that are the most faithful by each criterion (ties all count). */
interface BestMethods {
  deletion: Set<string>;
  insertion: Set<string>;
}

/** Renders the explained image, or the empty state, into `body`. */
export function renderExplanation(body: HTMLElement, context: SectionContext): void {
  const explanation = context.explanation;
  if (!explanation) {
    body.replaceChildren(h('p', { class: 'muted' }, EXPLANATION_EMPTY_TEXT));
    return;
  }
  const { view } = explanation;
  const methods = [...view.methods, ...[...explanation.results.keys()].filter((method) => !view.methods.includes(method))];
  const representatives = representativeOf(explanation, methods);
  const best = bestMethods(explanation, representatives);
  const explained = [...explanation.results.values()].find((result) => result.status === 'ok' && result.className !== undefined);
  body.replaceChildren(
    h('div', { class: 'explanation', attrs: { 'data-explanation-id': view.id } },
      h('h3', { class: 'explanation-title' }, view.title),
      meta(view, explained),
      h('div', { class: 'explanation-grid' },
        imageFigure(view),
        ...methods.map((method) => methodFigure(view, method, explanation.results.get(method), best, representatives))),
      h('p', { class: 'muted explanation-legend' },
        'Deletion AUC: the area under P(class) as the most salient pixels are removed — lower is better. ',
        'Insertion AUC: the area as they are restored onto a blurred copy — higher is better. ',
        methods.length > 1 ? '“★ most faithful” marks the best finished method by each.' : ''),
      chanceLine(explanation),
      h('p', { class: 'muted explanation-note' },
        'Faithfulness: Petsiuk et al. 2018 (RISE) deletion/insertion AUC on this image; one image is anecdotal — see the audit’s mean over explained errors.')));
}

function meta(view: ExplanationView, explained: ExplanationMethodResult | undefined): HTMLElement {
  const parts: Array<[string, string]> = [['Model', view.model]];
  if (view.dataset !== undefined) parts.push(['Dataset', view.dataset]);
  if (view.label !== undefined) parts.push(['Label', view.label]);
  if (explained?.className !== undefined) {
    parts.push(['Explained class', explained.probability === undefined ? explained.className : `${explained.className} (${percent(explained.probability)})`]);
  }
  return h('p', { class: 'explanation-meta' }, ...parts.flatMap(([name, value], i) => [i > 0 ? ' · ' : '', `${name}: `, h('strong', {}, value)]));
}

function imageFigure(view: ExplanationView): HTMLElement {
  const picture = view.image
    ? h('img', { class: 'explanation-image', attrs: { src: view.image, alt: `The image ${view.title}` } })
    : h('div', { class: 'explanation-image explanation-placeholder', attrs: { 'aria-hidden': 'true' } }, 'no preview');
  return h('figure', { class: 'explanation-figure', attrs: { 'data-role': 'image' } }, h('figcaption', {}, h('span', { class: 'method-name' }, 'Image')), picture);
}

/** How each method is named on screen; an unknown name is shown as it is. */
const METHOD_LABELS: Record<string, string> = {
  gradcam: 'Grad-CAM', cam: 'CAM', lrp: 'LRP', occlusion: 'Occlusion', rise: 'RISE', lime: 'LIME', shap: 'KernelSHAP',
};

/** The on-screen name of a method. */
export function methodLabel(method: string): string {
  return Object.prototype.hasOwnProperty.call(METHOD_LABELS, method) ? METHOD_LABELS[method] : method;
}

/**
 * For each finished method, the method whose card shows the map that actually ran: itself, unless it fell back to a
 * method another card shows (e.g. Grad-CAM fell back to occlusion and Occlusion was asked for too). Those cards show
 * no second copy of the map and are not ranked against the method they fell back to.
 */
function representativeOf(explanation: ExplanationState, methods: string[]): Map<string, string> {
  const ran = (method: string): string | undefined => {
    const result = explanation.results.get(method);
    return result?.status === 'ok' ? result.usedMethod ?? method : undefined;
  };
  const owner = new Map<string, string>();
  // A method that ran as itself owns its map; else the first card that ran it.
  for (const method of methods) if (ran(method) === method) owner.set(method, method);
  for (const method of methods) {
    const used = ran(method);
    if (used !== undefined && !owner.has(used)) owner.set(used, method);
  }
  const out = new Map<string, string>();
  for (const method of methods) {
    const used = ran(method);
    if (used !== undefined) out.set(method, owner.get(used) ?? method);
  }
  return out;
}

function methodFigure(view: ExplanationView, method: string, result: ExplanationMethodResult | undefined, best: BestMethods, representatives: Map<string, string>): HTMLElement {
  const status = result?.status ?? 'pending';
  const caption = h('figcaption', {}, h('span', { class: 'method-name' }, methodLabel(method)));
  if (result?.usedMethod !== undefined && result.usedMethod !== method) {
    caption.append(h('span', { class: 'method-fallback muted' }, `fallback: ${methodLabel(result.usedMethod)}${result.fallbackReason ? ` — ${result.fallbackReason}` : ''}`));
  }
  const element = h('figure', { class: `explanation-figure method-${status}`, attrs: { 'data-method': method, 'data-status': status, 'aria-busy': status === 'pending' ? 'true' : undefined } }, caption);
  if (!result) {
    element.append(h('div', { class: 'explanation-image explanation-placeholder' }, 'Computing…'));
    return element;
  }
  if (result.status === 'failed') {
    element.append(h('p', { class: 'explanation-error' }, `Failed: ${result.error ?? 'no reason given'}`));
    return element;
  }
  const shownMethod = methodLabel(result.usedMethod ?? method);
  const representative = representatives.get(method);
  if (representative !== undefined && representative !== method) {
    // The same map as another card: said once, not drawn twice nor ranked twice.
    element.classList.add('method-same-as');
    element.dataset.sameAs = representative;
    element.append(h('p', { class: 'explanation-same-as' }, `Same map as the ${methodLabel(representative)} card: ${methodLabel(method)} could not run on this model, so ${shownMethod} ran in its place.`));
    return element;
  }
  element.append(
    result.overlay
      ? h('img', { class: 'explanation-image', attrs: { src: result.overlay, alt: `${shownMethod} saliency for ${result.className ?? 'the top class'} over ${view.title}` } })
      : h('div', { class: 'explanation-image explanation-placeholder' }, 'no overlay'),
    h('dl', { class: 'faithfulness' },
      h('dt', {}, 'Deletion AUC'), h('dd', { attrs: { 'data-cell': 'deletion' } }, figure(result.deletionAuc), bestBadge(best.deletion.has(method)), chanceBadge(!beatsChance(result, 'deletion'))),
      h('dt', {}, 'Insertion AUC'), h('dd', { attrs: { 'data-cell': 'insertion' } }, figure(result.insertionAuc), bestBadge(best.insertion.has(method)), chanceBadge(!beatsChance(result, 'insertion'))),
      h('dt', {}, 'Time'), h('dd', { attrs: { 'data-cell': 'time' } }, result.fromCache ? 'cached' : result.milliseconds === undefined ? 'n/a' : `${count(Math.round(result.milliseconds))} ms`)));
  return element;
}

/** How far an AUC must beat the random pixel order's to count as better than chance. */
export const CHANCE_MARGIN = 0.01;

/** True unless the result's AUC is within CHANCE_MARGIN of the random order's, or worse (true when either is unknown). */
function beatsChance(result: ExplanationMethodResult, curve: 'deletion' | 'insertion'): boolean {
  const auc = curve === 'deletion' ? result.deletionAuc : result.insertionAuc;
  const chance = curve === 'deletion' ? result.randomDeletionAuc : result.randomInsertionAuc;
  if (auc === undefined || chance === undefined || !Number.isFinite(auc) || !Number.isFinite(chance)) return true;
  return curve === 'deletion' ? auc < chance - CHANCE_MARGIN : auc > chance + CHANCE_MARGIN;
}

function chanceBadge(atChance: boolean): HTMLElement | '' {
  return atChance ? h('span', { class: 'chance-badge' }, '≈ chance') : '';
}

/** The random pixel order's AUCs on this image, read from the first result that has them. */
function chanceLine(explanation: ExplanationState): HTMLElement | '' {
  const withChance = [...explanation.results.values()].find((result) => result.randomDeletionAuc !== undefined && result.randomInsertionAuc !== undefined);
  if (!withChance) return '';
  return h('p', { class: 'muted explanation-chance', attrs: { 'data-note': 'chance' } },
    `Chance level: a random pixel order on this image gives deletion AUC ${figure(withChance.randomDeletionAuc)} and insertion AUC ${figure(withChance.randomInsertionAuc)}. `,
    `“≈ chance” marks an AUC within ${CHANCE_MARGIN} of it or worse; such a curve says nothing about the map${withChance.randomDeletionAuc !== undefined && withChance.randomDeletionAuc < 0.1 ? ' (here removing any pixels already collapses the prediction)' : ''}.`);
}

function bestBadge(isBest: boolean): HTMLElement | '' {
  return isBest ? h('span', { class: 'best-badge' }, '★ most faithful') : '';
}

/** Lowest deletion and highest insertion AUC among the finished maps (one per method that actually ran); none when
 * fewer than two distinct maps are there to compare. */
function bestMethods(explanation: ExplanationState, representatives: Map<string, string>): BestMethods {
  const best: BestMethods = { deletion: new Set(), insertion: new Set() };
  const finished = [...explanation.results.values()].filter((result) => result.status === 'ok' && representatives.get(result.method) === result.method);
  const pending = explanation.view.methods.filter((method) => !explanation.results.has(method)).length;
  if (finished.length + pending < 2) return best;
  // Only an AUC better than chance can be the best.
  const pick = (value: (result: ExplanationMethodResult) => number | undefined, sign: 1 | -1, into: Set<string>): void => {
    const curve = sign === 1 ? 'deletion' : 'insertion';
    const scored = finished.filter((result) => Number.isFinite(value(result)) && beatsChance(result, curve));
    if (scored.length === 0) return;
    const top = Math.min(...scored.map((result) => sign * (value(result) as number)));
    for (const result of scored) if (sign * (value(result) as number) === top) into.add(result.method);
  };
  pick((result) => result.deletionAuc, 1, best.deletion);
  pick((result) => result.insertionAuc, -1, best.insertion);
  return best;
}
