// Serves the dashboard as VS Code would (the same HTML, CSP and bundle, with an acquireVsCodeApi shim) from
// 127.0.0.1, loads it in Chromium, and plays the host's side of the protocol with the real MessageEndpoint.
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { DashboardData } from '../../webview/dashboardData';
import type { RunComparisonView, RunsView } from '../../webview/runsData';
import type { ShiftResult } from '../../src/engine/shift/shiftTypes';
import { dashboardHtml, makeNonce } from '../../webview/dashboardHtml';
import { MessageEndpoint } from '../../webview/messageEndpoint';
import {
  DASHBOARD_PROTOCOL_VERSION, assertNever, type CompareView, type DashboardFocus, type ExplanationMethodResult, type ExplanationView, type HostRequests, type RequestMessage,
  type WebviewRequests,
} from '../../webview/protocol';

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const CONTENT_TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.jpg': 'image/jpeg', '.map': 'application/json' };

/** A CSP violation the page reported. */
export interface Violation {
  directive: string;
  blocked: string;
  sample: string;
}

/** The theme classes VS Code puts on the webview's body. */
export type ThemeKind = 'vscode-light' | 'vscode-dark' | 'vscode-high-contrast';

/** True when Chromium is installed (the browser tests skip otherwise). */
export async function hasChromium(): Promise<boolean> {
  return fs.access(CHROMIUM).then(() => true, () => false);
}

/** The browser, the page and the fake host. */
export class DashboardHarness {
  readonly dialogs: string[] = [];
  readonly pageErrors: string[] = [];
  readonly openFileRequests: Array<{ dataset: string; relPath: string }> = [];
  readonly explainRequests: Array<{ dataset: string; relPath: string; model: number }> = [];
  readonly revealFileRequests: Array<{ dataset: string; relPath: string }> = [];
  readonly copyPathsRequests: Array<{ dataset: string; relPaths: string[] }> = [];
  readonly compareRunsRequests: Array<{ before: string; after: string }> = [];
  /** How the fake host answers `compareRuns` (as the panel does with diffRuns on the run store). */
  runComparison: ((before: string, after: string) => RunComparisonView | null) | undefined;
  /** The methods the fake host says it will compute for an `explain` request. */
  explainMethods: string[] = ['gradcam', 'occlusion'];
  /** When set, the fake host refuses `explain` requests with this message (as the panel does with no model to explain). */
  explainFailure: string | undefined;
  private nextExplanationId = 0;
  readyCount = 0;
  private endpoint: MessageEndpoint<HostRequests, WebviewRequests> | undefined;
  private readyWaiters: Array<() => void> = [];

  private constructor(
    private readonly server: http.Server,
    private readonly context: BrowserContext,
    private readonly profile: string,
    readonly page: Page,
    private readonly datasetRoots: Map<string, string>,
  ) {}

  /** Starts the server and the browser; `datasets` maps dataset names to roots served under /data/<name>/. */
  static async start(datasets: Record<string, string> = {}): Promise<DashboardHarness> {
    const roots = new Map(Object.entries(datasets));
    let theme: ThemeKind = 'vscode-dark';
    const server = http.createServer((request, response) => void serve(request, response, roots, () => theme));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
      viewport: { width: 1280, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const harness = new DashboardHarness(server, context, profile, page, roots);
    harness.setInitialTheme = (kind) => {
      theme = kind;
    };
    page.on('dialog', (dialog) => {
      harness.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => harness.pageErrors.push(error.message));
    await page.exposeFunction('__ffToHost', (message: unknown) => void harness.endpoint?.receive(message));
    await page.addInitScript(() => {
      const violations: Array<{ directive: string; blocked: string; sample: string }> = [];
      (window as unknown as { __ffViolations: unknown }).__ffViolations = violations;
      document.addEventListener('securitypolicyviolation', (event) => violations.push({ directive: event.effectiveDirective, blocked: event.blockedURI, sample: event.sample }));
    });
    return harness;
  }

  /** Sets the theme class the next page load starts with. */
  setInitialTheme: (kind: ThemeKind) => void = () => undefined;

  /** The page's origin (the webview's cspSource here). */
  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The URL a gallery image is served at (what asWebviewUri gives in VS Code). */
  imageUri(dataset: string, relPath: string): string | undefined {
    if (!this.datasetRoots.has(dataset)) return undefined;
    return `${this.origin}/data/${encodeURIComponent(dataset)}/${relPath.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Loads the page and waits for the webview's `ready`. */
  async load(theme: ThemeKind = 'vscode-dark'): Promise<void> {
    this.setInitialTheme(theme);
    this.endpoint?.dispose();
    const endpoint = new MessageEndpoint<HostRequests, WebviewRequests>(
      (message) => void this.page.evaluate((m) => window.dispatchEvent(new MessageEvent('message', { data: m })), message).catch(() => undefined),
      (request) => this.handle(request),
    );
    this.endpoint = endpoint;
    const ready = new Promise<void>((resolve) => this.readyWaiters.push(resolve));
    await this.page.goto(`${this.origin}/`);
    await ready;
  }

  /** Posts `show` as the host does; resolves to the webview's reply. */
  show(data: DashboardData | null, focus?: DashboardFocus): Promise<HostRequests['show']['reply']> {
    if (!this.endpoint) throw new Error('Load the page first.');
    return this.endpoint.request('show', { data, focus });
  }

  /** Posts `focus` as the host does. */
  focus(focus: DashboardFocus): Promise<HostRequests['focus']['reply']> {
    if (!this.endpoint) throw new Error('Load the page first.');
    return this.endpoint.request('focus', { focus });
  }

  /** Posts `runs` as the host does after `show`: the recorded runs of the model shown. */
  runs(view: RunsView | null): Promise<{ shown: boolean }> {
    if (!this.endpoint) throw new Error('Load the page first.');
    return this.endpoint.request('runs', { view });
  }

  /** Posts `shift` as the host does after Compare Data Distributions. */
  shift(result: ShiftResult | null): Promise<{ shown: boolean }> {
    if (!this.endpoint) throw new Error('Load the page first.');
    return this.endpoint.request('shift', { result });
  }

  /** Posts `compare` as the host does for a finding about images. */
  compare(view: CompareView): Promise<{ shown: number }> {
    if (!this.endpoint) throw new Error('Load the page first.');
    return this.endpoint.request('compare', { view });
  }

  /** Posts `explanation` as the host does when it starts on an image. */
  explanation(view: ExplanationView): Promise<{ shown: boolean }> {
    if (!this.endpoint) throw new Error('Load the page first.');
    return this.endpoint.request('explanation', { view });
  }

  /** Posts `explanationMethod` as the host does when a method has finished. */
  explanationMethod(result: ExplanationMethodResult): Promise<{ rendered: boolean }> {
    if (!this.endpoint) throw new Error('Load the page first.');
    return this.endpoint.request('explanationMethod', { result });
  }

  /** Waits (polling, no deadline of its own: the test's timeout applies) until `count` explain requests have arrived. */
  async waitForExplainRequests(count: number): Promise<void> {
    while (this.explainRequests.length < count) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** The CSP violations the page reported. */
  violations(): Promise<Violation[]> {
    return this.page.evaluate(() => (window as unknown as { __ffViolations: Violation[] }).__ffViolations);
  }

  /** Switches the theme class on the body, as VS Code does on a theme change. */
  async setTheme(kind: ThemeKind): Promise<void> {
    await this.page.evaluate((k) => {
      document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast');
      document.body.classList.add(k);
    }, kind);
  }

  async close(): Promise<void> {
    this.endpoint?.dispose();
    await this.context.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await fs.rm(this.profile, { recursive: true, force: true });
  }

  private async handle(request: RequestMessage<WebviewRequests>): Promise<WebviewRequests[keyof WebviewRequests]['reply']> {
    switch (request.type) {
      case 'ready': {
        this.readyCount++;
        for (const resolve of this.readyWaiters.splice(0)) setTimeout(resolve, 0);
        return { protocolVersion: DASHBOARD_PROTOCOL_VERSION };
      }
      case 'openFile':
        this.openFileRequests.push(request.body);
        return {};
      case 'revealFile':
        this.revealFileRequests.push(request.body);
        return {};
      case 'copyPaths':
        this.copyPathsRequests.push(request.body);
        return { copied: request.body.relPaths.length };
      case 'explain':
        this.explainRequests.push(request.body);
        if (this.explainFailure !== undefined) throw new Error(this.explainFailure);
        return { id: ++this.nextExplanationId, methods: [...this.explainMethods] };
      case 'compareRuns':
        this.compareRunsRequests.push(request.body);
        return { comparison: this.runComparison?.(request.body.before, request.body.after) ?? null };
      default:
        return assertNever(request);
    }
  }
}

async function serve(request: http.IncomingMessage, response: http.ServerResponse, roots: Map<string, string>, theme: () => ThemeKind): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const origin = `http://${request.headers.host}`;
  try {
    if (url.pathname === '/') {
      const nonce = makeNonce();
      // The acquireVsCodeApi shim: what VS Code injects, passing messages to the fake host.
      const shim = `<link rel="stylesheet" href="${origin}/test/themes.css">
<script nonce="${nonce}">
(() => {
  let state = JSON.parse(sessionStorage.getItem('ff-state') || 'null') || undefined;
  const api = { postMessage: (m) => window.__ffToHost(m), getState: () => state, setState: (s) => { state = s; sessionStorage.setItem('ff-state', JSON.stringify(s)); } };
  window.acquireVsCodeApi = () => api;
})();
</script>`;
      const html = dashboardHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/media/dashboard.css`, extraHead: shim })
        .replace('<body>', `<body class="${theme()}">`);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    let file: string | undefined;
    if (url.pathname === '/dist/webview.js' || url.pathname === '/dist/webview.js.map') file = path.join(ROOT, url.pathname);
    else if (url.pathname === '/media/dashboard.css') file = path.join(ROOT, 'media/dashboard.css');
    else if (url.pathname === '/test/themes.css') file = path.join(__dirname, 'themes.css');
    else if (url.pathname.startsWith('/data/')) {
      const [dataset, ...rest] = url.pathname.slice('/data/'.length).split('/').map(decodeURIComponent);
      const root = roots.get(dataset);
      const candidate = root ? path.resolve(root, ...rest) : undefined;
      if (root && candidate && candidate.startsWith(root + path.sep)) file = candidate;
    }
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    const body = await fs.readFile(file);
    response.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    response.writeHead(404).end();
  }
}
