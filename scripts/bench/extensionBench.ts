// `npm run bench -- --only extension`: the extension in code-server (the rig of scripts/test-vscode.mjs) on a copy of
// the demo workspace — activation time from VS Code's performance marks, time to the first diagnostics of the
// automatic dataset audit, hover latency uncached and cached (test/ui/extensionHostBench.ts, run in the extension host)
// — and the dashboard's render time for a 100,000-image result in plain Chromium (test/webview/dashboardHarness.ts).
// Options: --extension-sessions 3 (code-server sessions), --extension-hovers 20 (lines hovered per phase),
// --dashboard-repeats 5. Writes bench-data/extension.json.
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { auditPath } from '../../src/engine/audit';
import type { AuditResult } from '../../src/engine/auditResult';
import type { Finding } from '../../src/engine/types';
import { toDashboardData } from '../../webview/dashboardData';
import { DashboardHarness, hasChromium } from '../../test/webview/dashboardHarness';
import type { HostBenchResult, LatencySummary } from '../../test/ui/extensionHostBench';

const root = path.resolve(__dirname, '..', '..');
const testDir = path.join(root, '.vscode-test');
const hostBenchEntry = path.join(root, 'out', 'extension-bench', 'index.js');
const BENCH_TAG = '[fairframe-bench] ';

/** Options of the extension benchmark. */
export interface ExtensionBenchOptions {
  sessions: number;
  hovers: number;
  dashboardRepeats: number;
}

interface CodeServer {
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

/** The rig's modules are plain ES modules; these are the parts used here. */
interface Rig {
  ensureInstalled(testDir: string): { node24: string; codeServerEntry: string };
  checkSystem(): string[];
  startCodeServer(options: { node24: string; entry: string; workspace: string; tmpDir: string; trust: boolean; env: Record<string, string> }): Promise<CodeServer>;
  runSuiteInBrowser(options: { url: string; logsDir?: string; onLog: (level: string, message: string) => void; timeoutMs: number }): Promise<number>;
  workbenchUrl(port: number, workspace: string, extensionDir: string, testsPath: string): string;
  copyWorkspace(repo: string, into: string): { kind: string; workspace: string; datasetRoot: string };
}

async function loadRig(): Promise<Rig> {
  const load = (file: string): Promise<Record<string, unknown>> => import(pathToFileURL(path.join(root, file)).href) as Promise<Record<string, unknown>>;
  const [install, codeServer, browser, workspace] = await Promise.all([
    load('scripts/vscode/install.mjs'), load('scripts/vscode/codeServer.mjs'), load('scripts/vscode/runInBrowser.mjs'), load('test/ui/demoWorkspace.mjs'),
  ]);
  return { ...install, ...codeServer, ...browser, ...workspace } as unknown as Rig;
}

/** The Fairframe output channel's log of a session (discovery and audit durations). */
function readFairframeLog(userData: string): Promise<string> {
  const logs = path.join(userData, 'logs');
  for (const session of existsSync(logs) ? readdirSync(logs) : []) {
    for (const host of readdirSync(path.join(logs, session)).filter((name) => name.startsWith('exthost'))) {
      const file = path.join(logs, session, host, 'fairframe.fairframe', 'Fairframe.log');
      if (existsSync(file)) return fs.readFile(file, 'utf8');
    }
  }
  return Promise.resolve('');
}

interface SessionResult {
  host: HostBenchResult;
  discoveryMs?: number;
  autoAuditMs?: number;
}

/** One code-server session on a fresh copy of the workspace, with a cold cache. */
async function runSession(rig: Rig, tools: { node24: string; codeServerEntry: string }, options: ExtensionBenchOptions, outDir: string): Promise<SessionResult> {
  const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-bench-'));
  let server: CodeServer | undefined;
  let line: string | undefined;
  try {
    const ws = rig.copyWorkspace(root, path.join(tmpDir, 'workspace'));
    server = await rig.startCodeServer({
      node24: tools.node24, entry: tools.codeServerEntry, workspace: ws.workspace, tmpDir, trust: true,
      env: { FAIRFRAME_BENCH_TAG: BENCH_TAG, FAIRFRAME_BENCH_OUT: outDir, FAIRFRAME_BENCH_HOVERS: String(options.hovers) },
    });
    const errors: string[] = [];
    const code = await rig.runSuiteInBrowser({
      url: rig.workbenchUrl(server.port, ws.workspace, root, hostBenchEntry),
      timeoutMs: 10 * 60_000,
      onLog: (level, message) => {
        for (const text of message.split('\n')) if (text.startsWith(BENCH_TAG)) line = text.slice(BENCH_TAG.length);
        if (level === 'error' && /fairframe/i.test(message)) errors.push(message.slice(0, 400));
      },
    });
    if (code !== 0 || !line) throw new Error(`The in-editor benchmark failed (exit ${code}): ${errors.slice(0, 3).join(' | ') || 'no result line'}`);
    const log = await readFairframeLog(path.join(tmpDir, 'user-data'));
    const found = /Found \d+ dataset\(s\) and \d+ model\(s\) in .* in (\d+) ms/.exec(log);
    const audited = /Audited .* in (\d+) ms/.exec(log);
    return { host: JSON.parse(line) as HostBenchResult, discoveryMs: found ? Number(found[1]) : undefined, autoAuditMs: audited ? Number(audited[1]) : undefined };
  } finally {
    await server?.stop();
    await fs.rm(tmpDir, { recursive: true, force: true });
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const pooled = (summaries: LatencySummary[]): LatencySummary => {
  const samples = summaries.flatMap((entry) => entry.samples).sort((a, b) => a - b);
  const pick = (q: number): number => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)];
  return { n: samples.length, median: pick(0.5), p95: pick(0.95), max: samples[samples.length - 1], samples: [] };
};

/** The demo's model audit blown up to `images` images, as a large result would be: every image predicted, thousands of label issues and duplicate sets. */
function scaledResult(result: AuditResult, images: number): AuditResult {
  const large = structuredClone(result);
  const dataset = large.datasets[0];
  const factor = images / dataset.images;
  dataset.images = images;
  for (const name of Object.keys(dataset.classes)) dataset.classes[name] = Math.round(dataset.classes[name] * factor);
  const audit = large.models[0];
  const template = Object.values(audit.predictions ?? {})[0];
  audit.predictions = {};
  if (template) for (let i = 0; i < images; i++) audit.predictions[`img${i}.jpg`] = { ...template, relPath: `img${i}.jpg` };
  const issues = audit.labelIssues?.issues ?? [];
  if (audit.labelIssues && issues.length > 0) {
    audit.labelIssues.issues = Array.from({ length: 5000 }, (_, i) => ({ ...issues[i % issues.length], recordId: `img${i}.jpg` }));
  }
  const duplicate = large.findings.find((finding) => finding.rule === 'FF-D020' || finding.rule === 'FF-D021') as Finding | undefined;
  if (duplicate) for (let i = 0; i < 3000; i++) large.findings.push({ ...duplicate, message: `${duplicate.message} (set ${i})` });
  return large;
}

interface DashboardBench {
  images: number;
  source: string;
  toDashboardDataMs: number;
  postedCharacters: number;
  transferOnlyMs: number;
  renderMs: number[];
  renderMedianMs: number;
}

/** Renders the 100,000-image result `repeats` times, each on a freshly loaded page; times show → reply. */
async function dashboardBenchmark(result: AuditResult, source: string, repeats: number): Promise<DashboardBench> {
  const large = scaledResult(result, 100_000);
  const dataset = large.datasets[0];
  const harness = await DashboardHarness.start({ [dataset.name]: dataset.root });
  try {
    let started = performance.now();
    const data = toDashboardData(large, (name, relPath) => harness.imageUri(name, relPath));
    const toDashboardDataMs = performance.now() - started;
    const renderMs: number[] = [];
    const transferMs: number[] = [];
    for (let i = 0; i < repeats + 1; i++) {
      await harness.load('vscode-dark');
      // What carrying the message into the page costs here (Playwright's evaluate, as the harness posts): the same
      // data evaluated into the page without being handled.
      started = performance.now();
      await harness.page.evaluate((message) => JSON.stringify(message).length, data);
      if (i > 0) transferMs.push(Math.round(performance.now() - started));
      started = performance.now();
      const reply = await harness.show(data);
      const ms = performance.now() - started;
      if (reply.rendered.length === 0) throw new Error('The dashboard rendered no section.');
      // The first load warms the page's code; it is not counted.
      if (i > 0) renderMs.push(Math.round(ms));
    }
    if (harness.pageErrors.length > 0) throw new Error(`The dashboard threw: ${harness.pageErrors[0]}`);
    return {
      images: 100_000, source, toDashboardDataMs: Math.round(toDashboardDataMs), postedCharacters: JSON.stringify(data).length,
      transferOnlyMs: median(transferMs), renderMs, renderMedianMs: median(renderMs),
    };
  } finally {
    await harness.close();
  }
}

/** Bundles the in-host measurements for the extension host (vscode stays external). */
async function bundleHostBench(): Promise<void> {
  await esbuild.build({
    entryPoints: [path.join(root, 'test', 'ui', 'extensionHostBench.ts')], outfile: hostBenchEntry,
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode', 'sharp', 'onnxruntime-node'], logLevel: 'warning',
  });
}

/** Runs the extension benchmark and prints its Markdown table. */
export async function runExtensionBenchmark(options: ExtensionBenchOptions): Promise<void> {
  const rig = await loadRig();
  const missing = rig.checkSystem();
  if (missing.length > 0) throw new Error(`The extension benchmark needs the Debian packages ${missing.join(', ')}: apt-get install -y --no-install-recommends ${missing.join(' ')}`);
  if (!existsSync(path.join(root, 'dist', 'extension.js'))) {
    const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('The build failed; see above.');
  }
  await bundleHostBench();
  const tools = rig.ensureInstalled(testDir);
  const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-bench-out-'));
  try {
    const sessions: SessionResult[] = [];
    for (let i = 0; i < options.sessions; i++) {
      const session = await runSession(rig, tools, options, outDir);
      sessions.push(session);
      const activation = session.host.activation;
      console.log(`[bench] session ${i + 1}/${options.sessions}: activation ${'totalMs' in activation ? `${activation.totalMs} ms` : activation.error}, first diagnostics ${session.host.firstDiagnostics.msFromActivationStart} ms, cached hover median ${session.host.hoverBeforeModelAudit.cached.median} ms`);
    }

    let result: AuditResult;
    let source: string;
    const fromEditor = path.join(outDir, 'model-audit.json');
    if (existsSync(fromEditor)) {
      result = JSON.parse(await fs.readFile(fromEditor, 'utf8')) as AuditResult;
      source = 'the demo model audit run in the editor';
    } else {
      const cacheDir = path.join(root, 'bench-data', 'extension-audit-cache');
      result = await auditPath(path.join(root, 'demo', 'data'), { models: [path.join(root, 'models', 'demo', 'lesion-cnn.onnx')], cacheDir });
      source = 'the demo model audit (engine)';
    }
    const dashboard = (await hasChromium()) ? await dashboardBenchmark(result, source, options.dashboardRepeats) : undefined;

    const activations = sessions.map((s) => s.host.activation).filter((a): a is Extract<HostBenchResult['activation'], { totalMs: number }> => 'totalMs' in a);
    const summaryOf = {
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage: os.loadavg().map((value) => +value.toFixed(2)) },
      workspace: sessions.length > 0 ? 'demo copy (data/, masks/, models/lesion-cnn.onnx), cold cache per session' : undefined,
      sessions: sessions.length,
      activation: {
        totalMs: activations.map((a) => a.totalMs), codeLoadingMs: activations.map((a) => a.codeLoadingMs), activateCallMs: activations.map((a) => a.activateCallMs),
        medianTotalMs: activations.length ? median(activations.map((a) => a.totalMs)) : undefined,
      },
      firstDiagnosticsMs: sessions.map((s) => s.host.firstDiagnostics.msFromActivationStart),
      firstDiagnosticsExact: sessions.map((s) => s.host.firstDiagnostics.exact),
      discoveryMs: sessions.map((s) => s.discoveryMs),
      autoAuditMs: sessions.map((s) => s.autoAuditMs),
      firstHoverMs: sessions.map((s) => s.host.firstHoverMs),
      hoverBeforeModelAudit: { uncached: pooled(sessions.map((s) => s.host.hoverBeforeModelAudit.uncached)), cached: pooled(sessions.map((s) => s.host.hoverBeforeModelAudit.cached)) },
      modelAuditMs: sessions.map((s) => s.host.modelAuditMs),
      hoverAfterModelAudit: {
        uncached: pooled(sessions.map((s) => s.host.hoverAfterModelAudit.uncached)), cached: pooled(sessions.map((s) => s.host.hoverAfterModelAudit.cached)),
        withOverlay: sessions.map((s) => s.host.hoverAfterModelAudit.withOverlay),
      },
      dashboard,
    };
    await fs.mkdir(path.join(root, 'bench-data'), { recursive: true });
    await fs.writeFile(path.join(root, 'bench-data', 'extension.json'), `${JSON.stringify(summaryOf, null, 2)}\n`);
    const latency = (entry: LatencySummary): string => `median ${entry.median} ms, p95 ${entry.p95} ms, max ${entry.max} ms (n = ${entry.n})`;
    const list = (values: Array<number | undefined>): string => values.map((value) => (value === undefined ? '?' : String(Math.round(value)))).join(' / ');
    console.log(`| measure (${sessions.length} code-server sessions) | value |\n|---|---|
| activation: load code + activate() (VS Code's marks), per session | ${list(summaryOf.activation.totalMs)} ms (code loading ${list(summaryOf.activation.codeLoadingMs)} ms, activate() ${list(summaryOf.activation.activateCallMs)} ms) |
| first diagnostics on metadata.csv, from activation start | ${list(summaryOf.firstDiagnosticsMs)} ms${summaryOf.firstDiagnosticsExact.every(Boolean) ? '' : ' (some upper bounds: already there when measuring began)'} |
| of which: discovery / automatic dataset audit (Fairframe log) | ${list(summaryOf.discoveryMs)} ms / ${list(summaryOf.autoAuditMs)} ms |
| first hover of a session (reads the record index) | ${list(summaryOf.firstHoverMs)} ms |
| hover, uncached (before model audit) | ${latency(summaryOf.hoverBeforeModelAudit.uncached)} |
| hover, cached (before model audit) | ${latency(summaryOf.hoverBeforeModelAudit.cached)} |
| model audit from the command (3,200 images) | ${list(summaryOf.modelAuditMs)} ms |
| hover, uncached (after model audit: top-3, overlay started) | ${latency(summaryOf.hoverAfterModelAudit.uncached)} |
| hover, cached (after model audit: top-3 and Grad-CAM overlay) | ${latency(summaryOf.hoverAfterModelAudit.cached)}; ${summaryOf.hoverAfterModelAudit.withOverlay.join(' / ')} of ${options.hovers} with the overlay |
${dashboard ? `| dashboard, 100,000-image result (${dashboard.source}): toDashboardData / posted size | ${dashboard.toDashboardDataMs} ms / ${(dashboard.postedCharacters / 1e6).toFixed(2)} M characters |
| dashboard render, show → reply, fresh page each (median of ${dashboard.renderMs.length}) | ${dashboard.renderMedianMs} ms (${dashboard.renderMs.join(', ')}; carrying the message alone: median ${dashboard.transferOnlyMs} ms) |` : '| dashboard | skipped: no Chromium |'}`);
    console.log(JSON.stringify(summaryOf.machine));
  } finally {
    await fs.rm(outDir, { recursive: true, force: true });
  }
}
