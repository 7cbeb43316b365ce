// The dashboard webview panel: one panel, restorable after reload, with a strict CSP and a typed request/reply
// protocol (webview/protocol.ts). The host posts nothing before the webview's `ready`, and answers every request.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../engine/auditResult';
import type { ShiftResult } from '../engine/shift/shiftTypes';
import { toDashboardData, type DashboardData } from '../../webview/dashboardData';
import type { AuditStore, StoreSelection } from './auditStore';
import type { RunHistory } from './runHistory';
import { compareRunsOf, runsViewOf } from './dashboardRuns';
import { compose, panelTitle, sameParts, type Composition } from './dashboardComposition';
import type { ExplainTarget, ExplanationSource, ExplanationState } from './dashboardExplanation';
import { dashboardHtml, makeNonce } from '../../webview/dashboardHtml';
import { MessageEndpoint, ProtocolRequestError } from '../../webview/messageEndpoint';
import {
  DASHBOARD_PROTOCOL_VERSION, assertNever,
  type CompareView, type DashboardFocus, type DashboardSection, type ExplanationMethodResult, type FocusedElement, type ExplanationView, type HostRequests, type RequestMessage, type WebviewRequests,
} from '../../webview/protocol';

export type { DashboardFocus, DashboardSection } from '../../webview/protocol';
export type { ExplainTarget, ExplanationSource } from './dashboardExplanation';

/** The panel's view type (for the serializer and the `onWebviewPanel:` activation event). */
export const DASHBOARD_VIEW_TYPE = 'fairframe.dashboard';

/** The command that opens the dashboard; its argument may be a DashboardFocus or a Finding. */
export const OPEN_DASHBOARD_COMMAND = 'fairframe.openDashboard';

let explanationSource: ExplanationSource | undefined;
let storeOfPanels: AuditStore | undefined;
/** The recorded runs the Runs section shows (set when the dashboard is registered). */
let runHistoryOfPanels: RunHistory | undefined;
/** The last distribution comparison of this window: the Shift section shows it whatever audit is shown. */
let lastShiftResult: ShiftResult | undefined;

/** The workspaceState key of the selection the dashboard last showed (restored with the panel after a reload). */
const SELECTION_STATE_KEY = 'fairframe.dashboardSelection';

let nextExplanationId = 1;

/** The one dashboard panel. */
export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;

  private readonly endpoint: MessageEndpoint<HostRequests, WebviewRequests>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly renderedEmitter = new vscode.EventEmitter<DashboardSection[]>();
  private readonly disposedEmitter = new vscode.EventEmitter<void>();
  private readonly explainedEmitter = new vscode.EventEmitter<ExplanationMethodResult>();
  private explanation: ExplanationState | undefined;
  /** True once the webview has drawn the current result after its last `ready` (explanations go after it). */
  private shown = false;
  private ready = false;
  private disposed = false;

  /** Fires with the sections drawn each time the webview has rendered a result. */
  readonly onDidRender = this.renderedEmitter.event;
  /** Fires when a method of the current explanation has been computed (whether or not the webview drew it). */
  readonly onDidExplainMethod = this.explainedEmitter.event;
  /** Per explanation id, the methods the webview said it drew. */
  readonly explanationRendered = new Map<number, string[]>();
  /** Fires when the panel is closed. */
  readonly onDidDispose = this.disposedEmitter.event;
  /** The sections drawn by the last render (empty before the first), and the charts in them (`data-chart` names). */
  lastRendered: DashboardSection[] = [];
  lastCharts: string[] = [];
  /** What the webview last scrolled to and highlighted for a focus request. */
  lastFocused: FocusedElement | undefined;
  private renderWaiters: Array<() => void> = [];
  private compareView: CompareView | undefined;
  private compareWaiters: Array<(shown: number) => void> = [];
  /** The comparison the Shift section last drew (its createdAt), for tests. */
  lastShiftShown: string | undefined;
  /** The finding the Compare section last showed, and how many images it drew (for tests). */
  lastCompared: { finding: string; shown: number } | undefined;
  private inFlight = 0;

  /** The open panel, if any. */
  static get currentPanel(): DashboardPanel | undefined {
    return DashboardPanel.current;
  }

  /** Reveals the open panel (showing `selection` and `focus`), or creates it; undefined `selection` keeps the panel's. */
  static show(context: vscode.ExtensionContext, selection: StoreSelection | undefined, focus?: DashboardFocus): DashboardPanel {
    const open = DashboardPanel.current;
    if (open) {
      open.panel.reveal(undefined, false);
      if (selection) open.select(selection, focus);
      else if (focus) open.focus(focus);
      return open;
    }
    const composition = compose(storeOfPanels, selection);
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, panelTitle(composition), vscode.ViewColumn.Active, webviewOptions(context, composition?.result));
    return new DashboardPanel(context, panel, selection, focus);
  }

  /** Adopts a panel restored by VS Code after a reload, on the selection it showed before. */
  static revive(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, selection: StoreSelection | undefined): DashboardPanel {
    DashboardPanel.current?.dispose();
    panel.webview.options = webviewOptions(context, compose(storeOfPanels, selection)?.result);
    return new DashboardPanel(context, panel, selection, undefined);
  }

  private composition: Composition | undefined;
  /** What the webview was last sent (for tests: the figures it shows). */
  lastData: DashboardData | null = null;

  private constructor(
    private readonly context: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    private selected: StoreSelection | undefined,
    private pendingFocus: DashboardFocus | undefined,
  ) {
    DashboardPanel.current = this;
    this.composition = compose(storeOfPanels, selected);
    void context.workspaceState.update(SELECTION_STATE_KEY, selected);
    this.endpoint = new MessageEndpoint<HostRequests, WebviewRequests>(
      (message) => void this.panel.webview.postMessage(message),
      (request) => this.handle(request),
    );
    this.panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'fairframe.svg');
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((message: unknown) => void this.endpoint.receive(message)),
      this.panel.onDidDispose(() => this.dispose()),
      // With retainContextWhenHidden off, the webview reloads when shown again and says `ready` again.
      this.panel.onDidChangeViewState(() => {
        if (this.panel.visible) return;
        this.ready = false;
        this.shown = false;
        this.endpoint.rejectPending('the dashboard was hidden');
      }),
    );
    this.panel.webview.html = this.html();
  }

  /** The dataset and model shown. */
  get selection(): StoreSelection | undefined {
    return this.selected;
  }

  /** The AuditResult shown, rebuilt from the store. */
  get result(): AuditResult | undefined {
    return this.composition?.result;
  }

  /** Shows another dataset or model (the dataset roots become loadable for the galleries' images). */
  select(selection: StoreSelection, focus?: DashboardFocus): void {
    this.selected = selection;
    void this.context.workspaceState.update(SELECTION_STATE_KEY, selection);
    this.refresh(focus, true);
  }

  /** Rebuilds what is shown from the store; posts it when it changed (or `force`). */
  refresh(focus?: DashboardFocus, force = false): void {
    const next = compose(storeOfPanels, this.selected);
    if (focus) this.pendingFocus = focus;
    if (!force && sameParts(next?.parts, this.composition?.parts)) {
      if (focus) this.focus(focus);
      return;
    }
    this.composition = next;
    this.panel.title = panelTitle(next);
    // New options reload the webview: set them only when the loadable roots change.
    const options = webviewOptions(this.context, next?.result);
    if (JSON.stringify(options.localResourceRoots?.map(String)) !== JSON.stringify(this.panel.webview.options.localResourceRoots?.map(String))) this.panel.webview.options = options;
    if (this.ready) void this.post();
  }

  /** Scrolls the dashboard to `focus` (after the handshake, if it has not happened yet). */
  focus(focus: DashboardFocus): void {
    if (!this.ready) {
      this.pendingFocus = focus;
      return;
    }
    this.inFlight++;
    this.endpoint.request('focus', { focus }).then((reply) => {
      this.lastFocused = reply.focused;
    }, (error: unknown) => this.logFailure('focus', error)).finally(() => this.settle());
  }

  /** Resolves once the webview has drawn what the panel shows now (and the focus asked with it). */
  whenRendered(): Promise<void> {
    if (this.ready && this.shown && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.renderWaiters.push(resolve));
  }

  private settle(): void {
    this.inFlight--;
    if (this.inFlight > 0 || !this.shown) return;
    const waiters = this.renderWaiters;
    this.renderWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Starts explaining an image with every configured method (one at a time), replacing any explanation in progress.
   * `done` resolves to the results in method order once all are computed or the explanation was cancelled. */
  explainImage(target: ExplainTarget): { id: number; methods: string[]; done: Promise<ExplanationMethodResult[]> } {
    const source = explanationSource;
    if (!source) throw new Error('The dashboard has no explanation source.');
    this.explanation?.abort.abort();
    const id = nextExplanationId++;
    const methods = source.methods();
    const view: ExplanationView = { id, title: target.title, dataset: target.dataset, relPath: target.relPath, model: path.basename(target.model), label: target.label, methods };
    const state: ExplanationState = { view, target, results: [], abort: new AbortController() };
    this.explanation = state;
    const done = (async (): Promise<ExplanationMethodResult[]> => {
      view.image = await source.image(target.file).catch(() => undefined);
      if (this.explanation === state && this.shown) await this.sendExplanationView(state);
      for (const method of methods) {
        if (state.abort.signal.aborted) break;
        const result: ExplanationMethodResult = { ...(await source.explainMethod({ file: target.file, model: target.model, method, signal: state.abort.signal })), id };
        if (state.abort.signal.aborted) break;
        state.results.push(result);
        this.explainedEmitter.fire(result);
        if (this.explanation === state && this.shown) await this.sendExplanationResult(result);
      }
      return state.results;
    })();
    return { id, methods, done };
  }

  /** Shows the images of one finding side by side (after the result is drawn, if it is not yet); resolves to how
   * many images the webview shows. */
  async compare(view: CompareView): Promise<number> {
    this.compareView = view;
    if (!this.ready || !this.shown) return new Promise((resolve) => this.compareWaiters.push(resolve));
    return this.sendCompare(view);
  }

  private async sendCompare(view: CompareView): Promise<number> {
    this.inFlight++;
    try {
      const reply = await this.endpoint.request('compare', { view });
      this.lastCompared = { finding: view.finding, shown: reply.shown };
      return reply.shown;
    } catch (error) {
      // The webview reloaded before answering: it gets the view again after its `ready`.
      if (ProtocolRequestError.is(error, 'gone') && !this.disposed && this.compareView === view) return new Promise((resolve) => this.compareWaiters.push(resolve));
      this.logFailure('compare', error);
      return 0;
    } finally {
      this.settle();
    }
  }

  /** Stops computing the explanation with this id (what is done stays shown). */
  cancelExplanation(id: number): void {
    if (this.explanation?.view.id === id) this.explanation.abort.abort();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.explanation?.abort.abort();
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    this.endpoint.dispose();
    this.panel.dispose();
    for (const disposable of this.disposables) disposable.dispose();
    this.disposedEmitter.fire();
    this.disposedEmitter.dispose();
    this.renderedEmitter.dispose();
    this.explainedEmitter.dispose();
  }

  private async handle(request: RequestMessage<WebviewRequests>): Promise<WebviewRequests[keyof WebviewRequests]['reply']> {
    switch (request.type) {
      case 'ready': {
        if (request.body.protocolVersion !== DASHBOARD_PROTOCOL_VERSION) {
          throw new ProtocolRequestError({ code: 'bad-version', message: `The dashboard speaks protocol ${request.body.protocolVersion}, the extension ${DASHBOARD_PROTOCOL_VERSION}: reload the window.` });
        }
        // A webview that says ready again has reloaded (hidden and shown, or new options): what it was asked before is
        // lost, so those requests fail now instead of waiting forever; the result (and the compared finding) follow.
        this.endpoint.rejectPending('the dashboard reloaded');
        this.shown = false;
        this.ready = true;
        // The reply goes out first; the result follows it.
        setTimeout(() => void this.post(), 0);
        return { protocolVersion: DASHBOARD_PROTOCOL_VERSION };
      }
      case 'openFile': {
        const file = this.datasetFile(request.body.dataset, request.body.relPath);
        if (!file) throw new ProtocolRequestError({ code: 'failed', message: `'${request.body.relPath}' is not a file of dataset '${request.body.dataset}' in this audit.` });
        await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file), { preview: true });
        return {};
      }
      case 'revealFile': {
        const file = this.datasetFile(request.body.dataset, request.body.relPath);
        if (!file) throw new ProtocolRequestError({ code: 'failed', message: `'${request.body.relPath}' is not a file of dataset '${request.body.dataset}' in this audit.` });
        await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(file));
        return {};
      }
      case 'copyPaths': {
        const files = (Array.isArray(request.body.relPaths) ? request.body.relPaths : []).map((relPath) => this.datasetFile(request.body.dataset, relPath)).filter((file): file is string => file !== undefined);
        await vscode.env.clipboard.writeText(files.join('\n'));
        return { copied: files.length };
      }
      case 'explain': {
        const { dataset, relPath, model } = request.body;
        const file = this.datasetFile(dataset, relPath);
        const audit = typeof model === 'number' ? this.result?.models[model] : undefined;
        if (!file) throw new ProtocolRequestError({ code: 'failed', message: `'${relPath}' is not a file of dataset '${dataset}' in this audit.` });
        if (!audit || audit.status !== 'ok') throw new ProtocolRequestError({ code: 'failed', message: 'Pick a model that was audited to explain an image with.' });
        if (!vscode.workspace.isTrusted) throw new ProtocolRequestError({ code: 'failed', message: 'Models are not run in a restricted (untrusted) workspace.' });
        const label = audit.predictions?.[relPath]?.label;
        const started = this.explainImage({ file, model: audit.model.file, title: relPath, dataset, relPath, label });
        started.done.catch((error: unknown) => this.logFailure('explain', error));
        return { id: started.id, methods: started.methods };
      }
      case 'compareRuns':
        return { comparison: await compareRunsOf(this.result, runHistoryOfPanels, request.body.before, request.body.after) };
      default:
        return assertNever(request);
    }
  }

  /** Shows a distribution comparison in the Shift section (kept for the panels opened later and after a reload). */
  async showShift(result: ShiftResult): Promise<void> {
    lastShiftResult = result;
    if (this.ready && this.shown) await this.sendShift();
    await this.whenRendered();
  }

  /** Sends the last comparison (if any) to the Shift section. */
  private async sendShift(): Promise<void> {
    const result = lastShiftResult;
    if (!result) return;
    try {
      const reply = await this.endpoint.request('shift', { result });
      if (reply.shown) this.lastShiftShown = result.createdAt;
    } catch (error) {
      this.logFailure('shift', error);
    }
  }

  /** Sends the recorded runs of the model shown to the Runs section. */
  private async sendRuns(): Promise<void> {
    const view = runsViewOf(this.result, runHistoryOfPanels);
    try {
      await this.endpoint.request('runs', { view });
    } catch (error) {
      this.logFailure('runs', error);
    }
  }

  private async sendExplanationView(state: ExplanationState): Promise<void> {
    try {
      await this.endpoint.request('explanation', { view: state.view });
    } catch (error) {
      this.logFailure('explanation', error);
    }
  }

  private async sendExplanationResult(result: ExplanationMethodResult): Promise<void> {
    try {
      const reply = await this.endpoint.request('explanationMethod', { result });
      const drawn = this.explanationRendered.get(result.id) ?? [];
      if (reply.rendered && !drawn.includes(result.method)) this.explanationRendered.set(result.id, [...drawn, result.method]);
    } catch (error) {
      this.logFailure('explanationMethod', error);
    }
  }

  private async post(): Promise<void> {
    const focus = this.pendingFocus;
    this.pendingFocus = undefined;
    const composition = this.composition;
    const data = composition
      ? toDashboardData(composition.result, (dataset, relPath) => this.imageUri(dataset, relPath), { stale: composition.stale, include: focus?.finding })
      : null;
    this.lastData = data;
    this.inFlight++;
    try {
      const reply = await this.endpoint.request('show', { data, focus });
      this.lastRendered = reply.rendered;
      this.lastCharts = reply.charts;
      if (reply.focused) this.lastFocused = reply.focused;
      this.renderedEmitter.fire(reply.rendered);
      // After a reload the webview has lost the explanation: send it again with what is computed so far.
      const state = this.explanation;
      if (!this.shown && state) {
        this.shown = true;
        await this.sendExplanationView(state);
        for (let i = 0; i < state.results.length; i++) await this.sendExplanationResult(state.results[i]);
      }
      this.shown = true;
      await this.sendRuns();
      await this.sendShift();
      // The webview reloaded or the dataset changed: show the compared finding again if it is still in what is shown.
      const compared = this.compareView;
      if (compared && data?.datasets.some((dataset) => dataset.name === compared.dataset)) {
        const shown = await this.sendCompare(compared);
        for (const resolve of this.compareWaiters.splice(0)) resolve(shown);
      } else {
        this.compareView = undefined;
        for (const resolve of this.compareWaiters.splice(0)) resolve(0);
      }
    } catch (error) {
      // The webview reloaded before drawing: the focus goes with the next `show`, unless another replaced it.
      if (ProtocolRequestError.is(error, 'gone') && focus && !this.pendingFocus) this.pendingFocus = focus;
      this.logFailure('show', error);
    } finally {
      this.settle();
    }
  }

  /** A URL the webview may load for an image of a dataset shown, or undefined. */
  imageUri(dataset: string, relPath: string): string | undefined {
    const file = this.datasetFile(dataset, relPath);
    return file ? this.panel.webview.asWebviewUri(vscode.Uri.file(file)).toString() : undefined;
  }

  /** The absolute path of `relPath` in the named dataset, or undefined when it would leave the dataset's root. */
  private datasetFile(dataset: string, relPath: string): string | undefined {
    const root = this.result?.datasets.find((d) => d.name === dataset)?.root;
    if (!root || typeof relPath !== 'string') return undefined;
    const file = path.resolve(root, relPath);
    const inside = path.relative(root, file);
    return inside && !inside.startsWith('..') && !path.isAbsolute(inside) ? file : undefined;
  }

  private html(): string {
    const webview = this.panel.webview;
    const asset = (...segments: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...segments)).toString();
    return dashboardHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: asset('dist', 'webview.js'), styleUri: asset('media', 'dashboard.css') });
  }

  private logFailure(what: string, error: unknown): void {
    // A closed panel is not an error: its pending requests are rejected with 'gone'.
    if (ProtocolRequestError.is(error, 'gone')) return;
    console.error(`Fairframe dashboard: '${what}' failed:`, error);
  }
}

/** Scripts on; resources only from dist/, media/ and the audited datasets' roots (for gallery images): every audited
 * dataset's, so that switching between them does not change the options (which reloads the webview). */
function webviewOptions(context: vscode.ExtensionContext, result: AuditResult | undefined): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  const roots = [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')];
  const datasetRoots = new Set([...(result?.datasets ?? []).map((dataset) => dataset.root), ...(storeOfPanels?.datasetAudits() ?? []).map((entry) => entry.audit.root)]);
  for (const root of [...datasetRoots].sort()) roots.push(vscode.Uri.file(root));
  return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: roots };
}

/** Opens (or reveals) the dashboard on `selection` (undefined: what it shows, or nothing yet), scrolled to `focus`. */
export function openDashboard(context: vscode.ExtensionContext, selection: StoreSelection | undefined, focus?: DashboardFocus): DashboardPanel {
  return DashboardPanel.show(context, selection, focus);
}

/** Registers the serializer that restores the panel after a reload (on the selection it showed), and store updates. */
export function registerDashboard(context: vscode.ExtensionContext, store: AuditStore, explanations: ExplanationSource, history?: RunHistory): vscode.Disposable[] {
  explanationSource = explanations;
  storeOfPanels = store;
  runHistoryOfPanels = history;
  return [
    ...(history ? [history.onDidChange(() => DashboardPanel.currentPanel?.refresh())] : []),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
        const saved = context.workspaceState.get<StoreSelection>(SELECTION_STATE_KEY);
        const selection = saved && typeof saved.datasetKey === 'string' ? { datasetKey: saved.datasetKey, modelKey: typeof saved.modelKey === 'string' ? saved.modelKey : undefined } : undefined;
        DashboardPanel.revive(context, panel, selection);
      },
    }),
    store.onDidChange(() => DashboardPanel.currentPanel?.refresh()),
    { dispose: () => DashboardPanel.currentPanel?.dispose() },
  ];
}
