// The dashboard webview's entry: the ready handshake, the host's requests, the persisted view state, and rendering.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { DashboardData } from './dashboardData';
import { h } from './dom';
import { count } from './format';
import { MessageEndpoint } from './messageEndpoint';
import { setStyleNonce } from './plotFigure';
import { DASHBOARD_PROTOCOL_VERSION, DASHBOARD_SECTIONS, assertNever, type CompareView, type DashboardFocus, type DashboardSection, type FocusedElement, type HostRequests, type RequestMessage, type WebviewRequests } from './protocol';
import { renderCompare } from './sections/compareSection';
import { renderExplanation } from './sections/explanationSection';
import { renderFairness } from './sections/fairnessSection';
import { renderGalleries } from './sections/galleriesSection';
import { renderGroups } from './sections/groupsSection';
import { renderHeatmaps } from './sections/heatmapsSection';
import { renderOverview } from './sections/overviewSection';
import { renderProperties } from './sections/propertiesSection';
import { renderRobustness } from './sections/robustnessSection';
import { renderRuns } from './sections/runsSection';
import { renderShift } from './sections/shiftSection';
import type { ShiftResult } from '../src/engine/shift/shiftTypes';
import type { RunsView } from './runsData';
import { DEFAULT_VIEW_STATE, type ExplanationState, type SectionContext, type ViewState } from './sections/sectionContext';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const RENDERERS: Record<DashboardSection, (body: HTMLElement, context: SectionContext) => void> = {
  overview: renderOverview,
  compare: renderCompare,
  fairness: renderFairness,
  groups: renderGroups,
  heatmaps: renderHeatmaps,
  properties: renderProperties,
  galleries: renderGalleries,
  robustness: renderRobustness,
  explanation: renderExplanation,
  runs: renderRuns,
  shift: renderShift,
};
/** Sections drawn without an audit: an image file can be explained, and two datasets compared, before any audit is shown. */
const WITHOUT_DATA: ReadonlySet<DashboardSection> = new Set(['explanation', 'shift']);

setStyleNonce((document.currentScript as HTMLScriptElement | null)?.nonce ?? '');
const vscode = acquireVsCodeApi();
let state: ViewState = { ...DEFAULT_VIEW_STATE, ...(vscode.getState() as Partial<ViewState> | undefined) };
let data: DashboardData | null = null;
let focusRelPath: string | undefined;
let focusFinding: string | undefined;
/** The image being explained: module state, so that it survives redraws of the other sections and new audits. */
let explanation: ExplanationState | undefined;
/** The finding whose images are compared: kept across redraws, replaced by the next one. */
let compare: CompareView | undefined;
/** The recorded runs of the model shown, with the comparison asked for last. */
let runs: RunsView | undefined;
/** The last distribution comparison the host sent: kept across audits shown. */
let shift: ShiftResult | undefined;

const endpoint = new MessageEndpoint<WebviewRequests, HostRequests>((message) => vscode.postMessage(message), handleRequest);
window.addEventListener('message', (event: MessageEvent) => void endpoint.receive(event.data));

async function handleRequest(request: RequestMessage<HostRequests>): Promise<HostRequests[keyof HostRequests]['reply']> {
  switch (request.type) {
    case 'show': {
      data = request.body.data;
      if (request.body.focus) applyFocusState(request.body.focus);
      const rendered = await renderAll();
      const focused = request.body.focus ? scrollToFocus(request.body.focus) : undefined;
      announce(data ? `Dashboard updated: ${data.target}` : 'No audit yet.');
      const charts = Array.from(document.querySelectorAll<HTMLElement>('[data-chart]'), (chart) => chart.dataset.chart ?? '');
      return { rendered, charts, focused };
    }
    case 'focus': {
      applyFocusState(request.body.focus);
      await renderAll();
      const focused = scrollToFocus(request.body.focus);
      return { section: request.body.focus.section, focused };
    }
    case 'compare': {
      compare = request.body.view;
      await renderSections(['compare']);
      scrollToFocus({ section: 'compare' });
      announce(`Comparing the ${compare.images.filter((image) => image.role === 'finding').length} images of ${compare.rule}.`);
      return { shown: document.querySelectorAll('#compare [data-relpath]').length };
    }
    case 'explanation': {
      const { view } = request.body;
      explanation = { view, results: new Map() };
      const shown = (await renderSections(['explanation'])).length === 1;
      scrollToFocus({ section: 'explanation' });
      announce(`Explaining ${view.title} with ${view.methods.join(', ')}.`);
      return { shown };
    }
    case 'explanationMethod': {
      const { result } = request.body;
      if (!explanation || result.id !== explanation.view.id) return { rendered: false };
      explanation.results.set(result.method, result);
      const rendered = (await renderSections(['explanation'])).length === 1;
      announce(result.status === 'ok' ? `${result.method} explanation of ${explanation.view.title} is ready.` : `${result.method} could not explain ${explanation.view.title}: ${result.error ?? 'no reason given'}`);
      return { rendered };
    }
    case 'runs': {
      runs = request.body.view ?? undefined;
      const shown = (await renderSections(['runs'])).length === 1;
      return { shown };
    }
    case 'shift': {
      shift = request.body.result ?? undefined;
      const shown = (await renderSections(['shift'])).length === 1;
      if (shift) scrollToFocus({ section: 'shift' });
      return { shown };
    }
    default:
      return assertNever(request);
  }
}

function applyFocusState(focus: DashboardFocus): void {
  const patch: Partial<ViewState> = { section: focus.section };
  if (focus.model !== undefined) patch.model = focus.model;
  if (focus.report !== undefined) Object.assign(patch, { fairnessReport: focus.report, chartReport: focus.report, heatmapReport: focus.report });
  if (focus.metric !== undefined) patch.chartMetric = focus.metric;
  focusRelPath = focus.relPath;
  focusFinding = focus.finding;
  setViewState(patch);
}

/** Scrolls to what the focus names: the finding's image in the galleries, else the finding in the list, else the section. */
function scrollToFocus(focus: DashboardFocus): FocusedElement | undefined {
  const image = focus.relPath ? document.querySelector<HTMLElement>(`#${focus.section} [data-relpath="${CSS.escape(focus.relPath)}"]`) : null;
  const finding = focus.finding ? document.querySelector<HTMLElement>(`[data-finding="${CSS.escape(focus.finding)}"]`) : null;
  const target = image ?? finding ?? document.getElementById(focus.section);
  if (!target) return undefined;
  document.querySelectorAll('.highlighted').forEach((old) => old.classList.remove('highlighted'));
  if (focus.finding) {
    for (const element of [image, finding]) element?.classList.add('highlighted');
  }
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.scrollIntoView({ block: image || finding ? 'center' : 'start' });
  target.focus({ preventScroll: true });
  if (image && focus.relPath) return { kind: 'image', id: focus.relPath, highlighted: image.classList.contains('highlighted') };
  if (finding && focus.finding) return { kind: 'finding', id: focus.finding, highlighted: finding.classList.contains('highlighted') };
  return { kind: 'section', id: focus.section, highlighted: false };
}

function setViewState(patch: Partial<ViewState>): void {
  state = { ...state, ...patch };
  vscode.setState(state);
}

function context(): SectionContext {
  const model = data && data.models.length > 0 ? data.models[Math.min(state.model, data.models.length - 1)] : undefined;
  return {
    data: data as DashboardData,
    state,
    model,
    focusRelPath,
    focusFinding,
    update(patch, redraw) {
      setViewState(patch);
      void renderSections(redraw);
    },
    openFile(dataset, relPath) {
      endpoint.request('openFile', { dataset, relPath }).catch((error: unknown) => announce(`Could not open ${relPath}: ${error instanceof Error ? error.message : String(error)}`));
    },
    revealFile(dataset, relPath) {
      endpoint.request('revealFile', { dataset, relPath }).catch((error: unknown) => announce(`Could not reveal ${relPath}: ${error instanceof Error ? error.message : String(error)}`));
    },
    copyPaths(dataset, relPaths) {
      endpoint.request('copyPaths', { dataset, relPaths }).then(
        (reply) => announce(`Copied ${reply.copied} paths.`),
        (error: unknown) => announce(`Could not copy the paths: ${error instanceof Error ? error.message : String(error)}`));
    },
    compare,
    explain(dataset, relPath) {
      const index = data ? Math.min(state.model, data.models.length - 1) : state.model;
      announce(`Explaining ${relPath}…`);
      endpoint.request('explain', { dataset, relPath, model: index }).catch((error: unknown) => announce(`Could not explain ${relPath}: ${error instanceof Error ? error.message : String(error)}`));
    },
    explanation,
    runs,
    shift,
    compareRuns(before, after) {
      announce('Comparing the two runs…');
      endpoint.request('compareRuns', { before, after }).then((reply) => {
        if (runs) runs = { ...runs, comparison: reply.comparison ?? undefined };
        void renderSections(['runs']);
        announce(reply.comparison ? `Compared: ${reply.comparison.modeReason}.` : 'One of the runs is no longer in the run store.');
      }, (error: unknown) => announce(`Could not compare the runs: ${error instanceof Error ? error.message : String(error)}`));
    },
  };
}

/** Focuses the redrawn control with this id, once its custom element has rendered. */
function restoreFocus(id: string): void {
  const element = document.getElementById(id) as (HTMLElement & { updateComplete?: Promise<unknown> }) | null;
  if (!element) return;
  element.focus();
  void element.updateComplete?.then(() => element.focus());
}

function renderAll(): Promise<DashboardSection[]> {
  const subtitle = document.getElementById('subtitle');
  if (subtitle) {
    subtitle.textContent = data
      ? `${data.target} · audited ${new Date(data.createdAt).toLocaleString()} in ${count(Math.round(data.durationMs / 100) / 10)} s · schema ${data.schemaVersion}`
      : 'No audit yet: run “Fairframe: Audit Dataset” or “Audit Model on Dataset”.';
  }
  return renderSections([...DASHBOARD_SECTIONS]);
}

/** A `vscode-single-select` as far as a redraw needs it: its dropdown state and its pending render. */
type SelectControl = HTMLElement & { open: boolean; updateComplete?: Promise<unknown> };

/**
 * Redraws sections, keeping the person's place: a dropdown open in one of them is closed first, and the redraw waits
 * until the component has drawn itself closed while still in the page (a component replaced with its popover open, or
 * mid-update, finishes on a detached element); a control that had the keyboard focus has it again after the redraw.
 */
async function renderSections(sections: DashboardSection[]): Promise<DashboardSection[]> {
  const open = sections
    .flatMap((section) => Array.from(document.querySelectorAll<SelectControl>(`[data-body="${section}"] vscode-single-select`)))
    .filter((control) => control.open);
  for (const control of open) control.open = false;
  await Promise.all(open.map((control) => control.updateComplete));
  const focused = document.activeElement;
  const rendered = drawSections(sections);
  if (focused instanceof HTMLElement && focused.id && !focused.isConnected) restoreFocus(focused.id);
  return rendered;
}

/** Renders sections one by one; a section that throws shows its error, and the others still render. */
function drawSections(sections: DashboardSection[]): DashboardSection[] {
  const rendered: DashboardSection[] = [];
  for (const section of sections) {
    const body = document.querySelector<HTMLElement>(`[data-body="${section}"]`);
    if (!body) continue;
    if (!data && !WITHOUT_DATA.has(section)) {
      body.replaceChildren(h('p', { class: 'muted' }, section === 'overview' ? 'Waiting for an audit result.' : ''));
      continue;
    }
    try {
      RENDERERS[section](body, context());
      rendered.push(section);
    } catch (error) {
      body.replaceChildren(h('p', { class: 'error', attrs: { role: 'alert' } }, `This section could not be drawn: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
  return rendered;
}

function announce(text: string): void {
  const status = document.getElementById('status');
  if (status) status.textContent = text;
}

document.querySelectorAll<HTMLAnchorElement>('nav a[data-section]').forEach((link) => {
  link.addEventListener('click', () => setViewState({ section: link.dataset.section }));
});

void renderAll();
endpoint.request('ready', { protocolVersion: DASHBOARD_PROTOCOL_VERSION }).catch((error: unknown) => {
  announce(`The dashboard could not connect: ${error instanceof Error ? error.message : String(error)}`);
});
