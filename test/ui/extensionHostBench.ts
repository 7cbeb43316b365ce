// Measurements taken inside the extension host (bundled to out/extension-bench/index.js and loaded by the code-server
// rig as extensionTestsPath): activation time from VS Code's own performance marks, time to the first diagnostics of
// the automatic dataset audit, hover latency (executeHoverProvider) uncached and cached, before and after a model
// audit, and the model audit's duration. Prints one line `<tag>{json}`; writes the model audit's result to
// $FAIRFRAME_BENCH_OUT/model-audit.json for the dashboard benchmark.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../../src/engine/auditResult';
import type { FairframeApi } from '../../src/extension/extension';

/** Environment variable naming the tag before the result line. */
export const BENCH_TAG_ENV = 'FAIRFRAME_BENCH_TAG';
/** Environment variable naming the folder the model audit's result is written to. */
export const BENCH_OUT_ENV = 'FAIRFRAME_BENCH_OUT';
/** Environment variable: the number of manifest lines hovered in each phase. */
export const BENCH_HOVERS_ENV = 'FAIRFRAME_BENCH_HOVERS';

const EXTENSION_ID = 'fairframe.fairframe';

/** Latency summary of one kind of hover, in milliseconds. */
export interface LatencySummary {
  n: number;
  median: number;
  p95: number;
  max: number;
  samples: number[];
}

/** What one session measured. */
export interface HostBenchResult {
  activation: { codeLoadingMs: number; activateCallMs: number; totalMs: number; reason: string } | { error: string };
  firstDiagnostics: { msFromActivationStart: number; exact: boolean; count: number };
  firstHoverMs: number;
  hoverBeforeModelAudit: { uncached: LatencySummary; cached: LatencySummary };
  modelAuditMs: number;
  hoverAfterModelAudit: { uncached: LatencySummary; cached: LatencySummary; withOverlay: number };
}

interface PerformanceMark {
  name: string;
  startTime: number;
}

/** VS Code's performance marks in this extension host (vs/base/common/performance keeps them on globalThis). */
function performanceMarks(): PerformanceMark[] {
  const marks = (globalThis as { MonacoPerformanceMarks?: { getMarks(): PerformanceMark[] } }).MonacoPerformanceMarks;
  return marks?.getMarks() ?? [];
}

/** Activation phases of this extension from the marks VS Code sets around loading its code and calling activate(). */
function activationTimes(): HostBenchResult['activation'] {
  const marks = performanceMarks();
  const at = (phase: string): number | undefined => marks.find((mark) => mark.name === `code/extHost/${phase}/${EXTENSION_ID}`)?.startTime;
  const willLoad = at('willLoadExtensionCode');
  const didLoad = at('didLoadExtensionCode');
  const willActivate = at('willActivateExtension');
  const didActivate = at('didActivateExtension');
  if (willLoad === undefined || didLoad === undefined || willActivate === undefined || didActivate === undefined) {
    return { error: `VS Code's activation marks for ${EXTENSION_ID} are missing (${marks.length} marks in all)` };
  }
  return { codeLoadingMs: didLoad - willLoad, activateCallMs: didActivate - willActivate, totalMs: didActivate - willLoad, reason: 'workspaceContains' };
}

function activationStart(): number | undefined {
  return performanceMarks().find((mark) => mark.name === `code/extHost/willLoadExtensionCode/${EXTENSION_ID}`)?.startTime;
}

function summary(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const round = (value: number): number => Math.round(value * 10) / 10;
  return { n: samples.length, median: round(pick(0.5)), p95: round(pick(0.95)), max: round(sorted[sorted.length - 1] ?? NaN), samples: samples.map(round) };
}

function fairframeDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === 'Fairframe');
}

/** Resolves with the time the manifest first carries Fairframe diagnostics; `exact` is false when they were already there. */
function firstDiagnostics(manifest: vscode.Uri): Promise<{ at: number; exact: boolean; count: number }> {
  const now = fairframeDiagnostics(manifest);
  if (now.length > 0) return Promise.resolve({ at: Date.now(), exact: false, count: now.length });
  return new Promise((resolve) => {
    const subscription = vscode.languages.onDidChangeDiagnostics((event) => {
      if (!event.uris.some((uri) => uri.toString() === manifest.toString())) return;
      const found = fairframeDiagnostics(manifest);
      if (found.length === 0) return;
      subscription.dispose();
      resolve({ at: Date.now(), exact: true, count: found.length });
    });
  });
}

async function hoverText(uri: vscode.Uri, line: number): Promise<{ ms: number; text: string }> {
  const started = performance.now();
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, 8));
  const ms = performance.now() - started;
  const text = hovers.flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value))).join('\n');
  return { ms, text };
}

/** Hovers each line twice: first uncached (the hover starts its background work), then, once that settled, cached. */
async function hoverPhase(api: FairframeApi, uri: vscode.Uri, lines: number[]): Promise<{ uncached: LatencySummary; cached: LatencySummary; texts: string[] }> {
  const uncached: number[] = [];
  const cached: number[] = [];
  const texts: string[] = [];
  for (const line of lines) {
    uncached.push((await hoverText(uri, line)).ms);
    await api.hoversSettled();
    const second = await hoverText(uri, line);
    cached.push(second.ms);
    texts.push(second.text);
  }
  return { uncached: summary(uncached), cached: summary(cached), texts };
}

function print(line: string): void {
  console.log(`${process.env[BENCH_TAG_ENV] ?? ''}${line}`);
}

/** Runs the measurements; rejects when one of them cannot be taken. */
export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('No workspace folder is open.');
  const manifest = (await vscode.workspace.findFiles('**/metadata.csv', '**/node_modules/**', 1))[0];
  const model = (await vscode.workspace.findFiles('**/*.onnx', '**/node_modules/**', 1))[0];
  if (!manifest || !model) throw new Error(`The bench workspace ${folder.uri.fsPath} needs a metadata.csv and an .onnx model.`);
  const diagnostics = firstDiagnostics(manifest);
  const extension = vscode.extensions.getExtension<FairframeApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this extension host.`);
  const api = await extension.activate();
  const activation = activationTimes();
  const seen = await diagnostics;
  const start = activationStart() ?? seen.at;
  await api.whenIdle();

  const hovers = Math.max(1, Number(process.env[BENCH_HOVERS_ENV] ?? 20));
  const document = await vscode.workspace.openTextDocument(manifest);
  // Rows of the test split (the model audit predicts it, so their hovers get the top-3 and the overlay): the first
  // ones before the model audit, the next ones after it, so every first hover is uncached. Line 0 is the header.
  const testRows = Array.from({ length: document.lineCount }, (_, line) => line).filter((line) => line > 0 && /^"?test\//.test(document.lineAt(line).text));
  const rows = testRows.length >= 2 * hovers + 1 ? testRows : Array.from({ length: document.lineCount - 1 }, (_, i) => i + 1);
  const before = rows.slice(0, hovers + 1);
  const after = rows.slice(hovers + 1, 2 * hovers + 1);
  const first = await hoverText(manifest, before[0]);
  await api.hoversSettled();
  const beforeAudit = await hoverPhase(api, manifest, before.slice(1));

  const auditStarted = performance.now();
  const dataset = api.store.datasets()[0]?.name;
  const result = await vscode.commands.executeCommand<AuditResult | undefined>('fairframe.auditModel', model, dataset);
  const modelAuditMs = performance.now() - auditStarted;
  if (!result || result.models.length === 0) throw new Error('The model audit returned no model result.');
  const outDir = process.env[BENCH_OUT_ENV];
  if (outDir) {
    await fs.mkdir(outDir, { recursive: true });
    await fs.writeFile(path.join(outDir, 'model-audit.json'), JSON.stringify(result));
  }
  const afterAudit = await hoverPhase(api, manifest, after);
  const withOverlay = afterAudit.texts.filter((text) => /explanation\]\(data:image\/png;base64,/.test(text)).length;

  const measured: HostBenchResult = {
    activation,
    firstDiagnostics: { msFromActivationStart: seen.at - start, exact: seen.exact, count: seen.count },
    firstHoverMs: Math.round(first.ms * 10) / 10,
    hoverBeforeModelAudit: { uncached: beforeAudit.uncached, cached: beforeAudit.cached },
    modelAuditMs: Math.round(modelAuditMs),
    hoverAfterModelAudit: { uncached: afterAudit.uncached, cached: afterAudit.cached, withOverlay },
  };
  print(JSON.stringify(measured));
}
