// The Fairframe commands: audits (workspace, dataset, model on dataset), reweighing weights, cache, views (exports: exportCommands.ts).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../engine/auditResult';
import { FairframeError } from '../engine/errors';
import { TEST_HOOKS_ENV, type CrashKind } from '../worker/protocol';
import type { AuditRunner } from './auditRunner';
import type { AuditStore, DatasetEntry, ModelEntry } from './auditStore';
import { datasetOfArgument } from './datasetsTreeProvider';
import { revealFinding, type RevealTarget } from './findingsTreeProvider';
import type { ThumbnailCache } from './thumbnailCache';
import type { WorkspaceDiscovery } from './workspaceDiscovery';
import { workspaceFolderPaths } from './workspaceDiscovery';
import { hostEngine } from './lazyHostEngine';
import type { RobustnessMode } from '../engine/robustness/robustnessTypes';
import type { DashboardFocus } from '../../webview/protocol';

/** What the commands need. */
export interface CommandServices {
  runner: AuditRunner;
  store: AuditStore;
  discovery: WorkspaceDiscovery;
  thumbnails: ThumbnailCache;
  /** Opens the dashboard on the dataset and model the argument names (a tree node, a finding, a file, a result), or
   * asks; scrolled to `focus` when given. */
  openDashboard: (argument?: unknown, focus?: DashboardFocus) => unknown;
}

const ROBUSTNESS_MODES: readonly RobustnessMode[] = ['corruptions', 'attacks', 'all'];

/** The `fairframe.robustness` setting: what Audit Model on Dataset also measures (undefined: as fairframe.json says). */
export function robustnessSetting(): RobustnessMode | undefined {
  const value = vscode.workspace.getConfiguration('fairframe').get<unknown>('robustness');
  return ROBUSTNESS_MODES.find((mode) => mode === value);
}

/** Asks which robustness audit to run; undefined when dismissed. */
async function pickRobustnessMode(): Promise<RobustnessMode | undefined> {
  const items: Array<vscode.QuickPickItem & { mode: RobustnessMode }> = [
    { mode: 'corruptions', label: '$(color-mode) Corruptions', description: 'noise, blur, brightness, contrast, JPEG, pixelate', detail: 'Accuracy by group at five severities of eight common corruptions (ImageNet-C).' },
    { mode: 'attacks', label: '$(shield) Attacks', description: 'FGSM and PGD (Square Attack without gradients)', detail: 'Accuracy by group under L∞ attacks on a seeded sample of the images, and each group\'s robust radius.' },
    { mode: 'all', label: '$(checklist) All', description: 'corruptions and attacks', detail: 'Both; the longest run.' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Fairframe: measure the model\'s robustness under…', matchOnDescription: true });
  return picked?.mode;
}

/** Turns a command argument (a URI, a path string, a tree node, or nothing) into a path on disk; asks the user when there is none. */
async function resolveTarget(argument: unknown): Promise<string | undefined> {
  if (typeof argument === 'string' && argument) return argument;
  if (argument instanceof vscode.Uri) {
    if (argument.scheme !== 'file') throw new FairframeError('path-not-found', `Fairframe audits folders on disk; '${argument.toString()}' is not one.`);
    return argument.fsPath;
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: true,
    canSelectMany: false,
    defaultUri: folders[0]?.uri,
    openLabel: 'Audit',
    title: 'Fairframe: pick a dataset folder or manifest',
    filters: { Manifests: ['csv', 'tsv', 'jsonl'] },
  });
  return picked?.[0]?.fsPath;
}

function pathOf(argument: unknown): string | undefined {
  if (typeof argument === 'string' && argument) return path.resolve(argument);
  if (argument instanceof vscode.Uri && argument.scheme === 'file') return argument.fsPath;
  return undefined;
}

/** The model an argument names: a model tree node, a URI or a path of an .onnx file. */
function modelOfArgument(argument: unknown, store: AuditStore): ModelEntry | undefined {
  if (typeof argument === 'object' && argument !== null && 'kind' in argument && 'model' in argument) return (argument as { model: ModelEntry }).model;
  const file = pathOf(argument);
  if (!file) return undefined;
  return store.models().find((model) => path.resolve(model.file) === file) ?? { file, folder: workspaceFolderPaths().find((folder) => !path.relative(folder, file).startsWith('..')) ?? path.dirname(file) };
}

/** The dataset an argument names: a dataset tree node, a dataset name, or the URI or path of its root or manifest. */
function datasetOfModelArgument(argument: unknown, store: AuditStore): DatasetEntry | undefined {
  const fromNode = datasetOfArgument(argument);
  if (fromNode) return fromNode;
  if (typeof argument === 'string') {
    const byName = store.datasets().find((dataset) => dataset.name === argument);
    if (byName) return byName;
  }
  const file = pathOf(argument);
  return file ? store.datasets().find((dataset) => path.resolve(dataset.root) === file || (dataset.manifest && path.resolve(dataset.manifest) === file)) : undefined;
}

/** Asks for a model and a dataset (one quick pick over every pair); undefined when dismissed. */
async function pickModelAndDataset(store: AuditStore, model?: ModelEntry, dataset?: DatasetEntry): Promise<{ model: ModelEntry; dataset: DatasetEntry } | undefined> {
  const models = model ? [model] : store.models();
  const datasets = dataset ? [dataset] : store.datasets();
  if (models.length === 0 || datasets.length === 0) {
    void vscode.window.showInformationMessage(models.length === 0 ? 'Fairframe: no ONNX model (*.onnx) was found in the workspace.' : 'Fairframe: no dataset was found in the workspace.');
    return undefined;
  }
  const items = models.flatMap((m) => datasets.map((d) => ({
    label: `$(circuit-board) ${path.basename(m.file)}  $(arrow-right)  $(database) ${d.name}`,
    description: m.labels ? `${m.labels.length} labels` : undefined,
    detail: `${path.relative(m.folder, m.file)} on ${path.relative(d.folder, d.manifest ?? d.root) || d.name}`,
    pair: { model: m, dataset: d },
  })));
  if (items.length === 1) return items[0].pair;
  const picked = await vscode.window.showQuickPick(items, { title: 'Fairframe: audit which model on which dataset?', matchOnDetail: true });
  return picked?.pair;
}

async function pickFolder(title: string): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Export here', title });
  return picked?.[0]?.fsPath;
}

/** Registers the commands; returns their disposables. */
export function registerAuditCommands(services: CommandServices): vscode.Disposable[] {
  const { runner, store, discovery } = services;
  const disposables = [
    vscode.commands.registerCommand('fairframe.auditDataset', async (argument?: unknown): Promise<AuditResult | undefined> => {
      try {
        const dataset = datasetOfArgument(argument);
        if (dataset) return await runner.audit(dataset.folder, { datasets: [dataset.name] });
        const target = await resolveTarget(argument);
        return target ? await runner.audit(target) : undefined;
      } catch (error) {
        runner.report(error, 'Audit');
        return undefined;
      }
    }),
    vscode.commands.registerCommand('fairframe.auditWorkspace', async (): Promise<AuditResult[]> => {
      const folders = workspaceFolderPaths();
      if (folders.length === 0) {
        void vscode.window.showInformationMessage('Fairframe: open a folder that holds a dataset first.');
        return [];
      }
      const results: AuditResult[] = [];
      for (const folder of folders) {
        const result = await runner.audit(folder);
        if (result) results.push(result);
      }
      return results;
    }),
    vscode.commands.registerCommand('fairframe.auditModel', async (modelArgument?: unknown, datasetArgument?: unknown): Promise<AuditResult | undefined> => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('Fairframe: models are not run in a restricted (untrusted) workspace. Trust the workspace to audit a model; the dataset checks that decode nothing still run.');
        return undefined;
      }
      try {
        await discovery.whenIdle();
        const pair = await pickModelAndDataset(store, modelOfArgument(modelArgument, store), datasetOfModelArgument(datasetArgument ?? (datasetOfArgument(modelArgument) ? modelArgument : undefined), store));
        if (!pair) return undefined;
        const robustness = robustnessSetting();
        return await runner.audit(pair.dataset.folder, { models: [pair.model.file], datasets: [pair.dataset.name], ...(robustness ? { robustness } : {}) });
      } catch (error) {
        runner.report(error, 'Model audit');
        return undefined;
      }
    }),
    // The model audit with robustness (asked for each time, or passed by a caller), then the dashboard's Robustness section.
    vscode.commands.registerCommand('fairframe.auditRobustness', async (modelArgument?: unknown, datasetArgument?: unknown, modeArgument?: unknown): Promise<AuditResult | undefined> => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('Fairframe: models are not run in a restricted (untrusted) workspace. Trust the workspace to measure a model\'s robustness.');
        return undefined;
      }
      try {
        await discovery.whenIdle();
        const fromDatasetNode = datasetOfArgument(modelArgument) ? modelArgument : undefined;
        const pair = await pickModelAndDataset(store, fromDatasetNode ? undefined : modelOfArgument(modelArgument, store), datasetOfModelArgument(datasetArgument ?? fromDatasetNode, store));
        if (!pair) return undefined;
        const mode = ROBUSTNESS_MODES.find((m) => m === modeArgument) ?? (await pickRobustnessMode());
        if (!mode) return undefined;
        const result = await runner.audit(pair.dataset.folder, { models: [pair.model.file], datasets: [pair.dataset.name], robustness: mode });
        if (result?.models.some((model) => model.robustness)) await services.openDashboard(result, { section: 'robustness' });
        else if (result) void vscode.window.showWarningMessage(`Fairframe: ${path.basename(pair.model.file)} could not be measured for robustness on '${pair.dataset.name}': ${result.models[0]?.reason ?? 'no image was audited'}.`);
        return result;
      } catch (error) {
        runner.report(error, 'Robustness audit');
        return undefined;
      }
    }),
    vscode.commands.registerCommand('fairframe.openDashboard', (argument?: unknown) => services.openDashboard(argument)),
    vscode.commands.registerCommand('fairframe.exportReweighing', async (datasetArgument?: unknown, attributes?: unknown, outDir?: unknown): Promise<string[]> => {
      try {
        const dataset = datasetOfModelArgument(datasetArgument, store) ?? (await pickDataset(store));
        if (!dataset) return [];
        let chosen = Array.isArray(attributes) ? attributes.filter((a): a is string => typeof a === 'string') : [];
        if (chosen.length === 0) {
          const known = store.datasetResult(dataset)?.audit.attributes.map((attribute) => attribute.name) ?? [];
          if (known.length === 0) {
            void vscode.window.showInformationMessage(`Fairframe: dataset '${dataset.name}' has no sensitive attribute to reweigh by; name one under "attributes" in fairframe.json.`);
            return [];
          }
          chosen = (await vscode.window.showQuickPick(known, { canPickMany: true, title: `Fairframe: reweigh '${dataset.name}' by which attributes?` })) ?? [];
          if (chosen.length === 0) return [];
        }
        const folder = pathOf(outDir) ?? (await pickFolder('Fairframe: export the reweighing weights to…'));
        if (!folder) return [];
        await fs.mkdir(folder, { recursive: true });
        const written = await hostEngine().exportReweighing(dataset.manifest ?? dataset.root, chosen, folder);
        void vscode.window.showInformationMessage(`Fairframe: wrote ${written.map((file) => path.basename(file)).join(', ')} to ${folder}.`);
        return written;
      } catch (error) {
        runner.report(error, 'Exporting reweighing weights');
        return [];
      }
    }),
    vscode.commands.registerCommand('fairframe.clearCache', async (): Promise<void> => {
      try {
        await fs.rm(runner.cacheDir, { recursive: true, force: true });
        await services.thumbnails.clear();
        void vscode.window.showInformationMessage('Fairframe: the scan, prediction and thumbnail caches were cleared.');
      } catch (error) {
        runner.report(error, 'Clearing the cache');
      }
    }),
    vscode.commands.registerCommand('fairframe.refresh', async (): Promise<void> => {
      discovery.schedule(0);
      await discovery.whenIdle();
    }),
    vscode.commands.registerCommand('fairframe.cancelAudits', (): number => runner.cancelAll()),
    vscode.commands.registerCommand('fairframe.revealFinding', (target?: RevealTarget) => revealFinding(target)),
  ];
  if (process.env[TEST_HOOKS_ENV] === '1') {
    disposables.push(vscode.commands.registerCommand('fairframe.debug.crashWorker', (kind: CrashKind = 'segfault') => runner.crashWorker(kind)));
  }
  return disposables;
}

async function pickDataset(store: AuditStore): Promise<DatasetEntry | undefined> {
  const datasets = store.datasets();
  if (datasets.length <= 1) return datasets[0];
  const picked = await vscode.window.showQuickPick(datasets.map((dataset) => ({ label: dataset.name, detail: dataset.manifest ?? dataset.root, dataset })), { title: 'Fairframe: which dataset?' });
  return picked?.dataset;
}
