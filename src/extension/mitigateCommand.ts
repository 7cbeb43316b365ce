// "Fairframe: Fit Fair Thresholds": per-group decision thresholds (Hardt, Price & Srebro 2016, as fairlearn's
// ThresholdOptimizer) for a model audited in the store, fitted on one split and measured on another in the worker
// (the engine's mitigation, as `fairframe mitigate thresholds`). Saves the thresholds, the before/after table and the
// mitigated predictions in the workspace's report folder (never in a dataset) and shows the table beside the editor.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConfidenceInterval } from '../engine/metrics';
import { THRESHOLD_FILES, thresholdFiles } from '../engine/mitigation/thresholdFiles';
import type { ThresholdMitigationOptions, ThresholdMitigationResult } from '../engine/mitigation/thresholdMitigation';
import type { ThresholdConstraint } from '../engine/mitigation/thresholdOptimizer';
import { throttleProgress } from '../worker/progressThrottle';
import type { AuditRunner } from './auditRunner';
import { progressText } from './auditRunner';
import type { AuditStore, StoreSelection } from './auditStore';
import { resolveExportTarget } from './dashboardTarget';
import { chooseOutputFolder, datasetRoots } from './exportCommands';
import type { FairframeOutput } from './fairframeOutput';

/** A mitigation given in full (tests, other commands): no picker is shown. */
export interface MitigateCommandArgument
  extends Pick<ThresholdMitigationOptions, 'attribute' | 'positiveClass' | 'constraint' | 'objective' | 'fitSplit' | 'evalSplit' | 'seed' | 'replicates'> {
  /** The ONNX model or predictions file whose scores are thresholded. */
  model: string;
  /** The dataset: a folder or manifest (or a folder holding several, with `datasetName`). */
  dataset: string;
  datasetName?: string;
  /** Folder to save into; default: the workspace's report folder. */
  outDir?: string;
}

/** What the command resolves to (for tests): the mitigation and the files it saved. */
export interface MitigateCommandResult {
  result: ThresholdMitigationResult;
  folder: string;
  files: { thresholds: string; table: string; predictions: string };
}

const CONSTRAINTS: Array<{ label: string; detail: string; constraint: ThresholdConstraint }> = [
  { label: 'Demographic parity', detail: 'equal selection rates of the class across groups', constraint: 'demographic_parity' },
  { label: 'Equal opportunity', detail: 'equal true positive rates across groups', constraint: 'equal_opportunity' },
  { label: 'Equalized odds', detail: 'equal true and false positive rates across groups', constraint: 'equalized_odds' },
];

function isMitigateArgument(value: unknown): value is MitigateCommandArgument {
  const candidate = value as Partial<MitigateCommandArgument> | undefined;
  return typeof candidate?.model === 'string' && typeof candidate.dataset === 'string' && typeof candidate.attribute === 'string' && typeof candidate.constraint === 'string';
}

async function pick<T>(items: Array<vscode.QuickPickItem & { value: T }>, title: string): Promise<{ value: T } | undefined> {
  if (items.length === 1) return items[0];
  return vscode.window.showQuickPick(items, { title, matchOnDetail: true });
}

/** Asks for what the mitigation needs, starting from a model audit in the store; undefined when dismissed. */
async function askForMitigation(store: AuditStore, selection: StoreSelection, preset: Partial<MitigateCommandArgument>): Promise<MitigateCommandArgument | undefined> {
  const composed = store.compose(selection);
  const audit = composed?.result.models[0];
  const dataset = composed?.result.datasets[0];
  if (!composed || !audit || !dataset) return undefined;
  if (audit.status !== 'ok' || !audit.usage) {
    void vscode.window.showInformationMessage(`Fairframe: the audit of ${path.basename(audit.model.file)} on '${dataset.name}' has no scores to threshold (${audit.reason ?? 'it did not run'}).`);
    return undefined;
  }
  const attributes = [...new Set([...(audit.groups ?? []).filter((report) => report.attributes.length === 1).map((report) => report.attributes[0]), ...dataset.attributes.map((attribute) => attribute.name)])];
  if (attributes.length === 0) {
    void vscode.window.showInformationMessage(`Fairframe: dataset '${dataset.name}' has no sensitive attribute to fit thresholds by; name one under "attributes" in fairframe.json.`);
    return undefined;
  }
  const attribute = preset.attribute !== undefined ? { value: preset.attribute } : await pick(attributes.map((name) => ({ label: name, value: name })), 'Fairframe: thresholds per group of which attribute?');
  if (!attribute) return undefined;
  const classes = audit.usage.classNames;
  const positive = preset.positiveClass !== undefined ? { value: preset.positiveClass } : classes.length === 2
    ? { value: classes[1] }
    : await pick(classes.map((name) => ({ label: name, description: 'against the rest', value: name })), 'Fairframe: which class do the thresholds decide (one-vs-rest)?');
  if (!positive) return undefined;
  const constraint = preset.constraint !== undefined ? { value: preset.constraint } : await pick(CONSTRAINTS.map((entry) => ({ label: entry.label, detail: entry.detail, value: entry.constraint })), 'Fairframe: which parity should the thresholds enforce?');
  if (!constraint) return undefined;
  const splits = Object.keys(dataset.splits).sort();
  let fitSplit: string | undefined;
  let evalSplit: string | undefined;
  if (splits.length > 0 && !('fitSplit' in preset || 'evalSplit' in preset)) {
    const fit = await pick([{ label: 'Automatic', detail: 'a validation split, else half of the evaluation split', value: undefined as string | undefined }, ...splits.map((name) => ({ label: name, detail: `${dataset.splits[name]} images`, value: name as string | undefined }))], 'Fairframe: fit the thresholds on which split?');
    if (!fit) return undefined;
    const evaluation = await pick([{ label: 'Automatic', detail: "'test', else every image not fitted on", value: undefined as string | undefined }, ...splits.filter((name) => name !== fit.value).map((name) => ({ label: name, detail: `${dataset.splits[name]} images`, value: name as string | undefined }))], 'Fairframe: measure the effect on which split?');
    if (!evaluation) return undefined;
    fitSplit = fit.value;
    evalSplit = evaluation.value;
  } else {
    fitSplit = preset.fitSplit;
    evalSplit = preset.evalSplit;
  }
  // The target the dataset's audit read (its fairframe.json and declared datasets apply the same way), narrowed to the dataset.
  const target = store.datasetAudits().find((entry) => entry.key === selection.datasetKey)?.origin.target ?? composed.result.target;
  return { model: audit.model.file, dataset: target, datasetName: dataset.name, attribute: attribute.value, positiveClass: positive.value, constraint: constraint.value, fitSplit, evalSplit, objective: preset.objective, seed: preset.seed, replicates: preset.replicates, outDir: preset.outDir };
}

const fixed = (value: number | null): string => (value === null ? '–' : value.toFixed(3));
const signed = (value: number | null): string => (value === null ? '–' : `${value > 0 ? '+' : ''}${value.toFixed(3)}`);

/** "selection-rate gap 0.250 → 0.020 (change −0.230 [−0.400, −0.100])" for the rows the constraint equalises. */
function gapSummary(result: ThresholdMitigationResult): string {
  const metrics = result.thresholds.constraint === 'demographic_parity' ? ['selectionRate'] : result.thresholds.constraint === 'equal_opportunity' ? ['truePositiveRate'] : ['truePositiveRate', 'falsePositiveRate'];
  const names: Record<string, string> = { selectionRate: 'selection-rate', truePositiveRate: 'true-positive-rate', falsePositiveRate: 'false-positive-rate' };
  return result.table.filter((row) => metrics.includes(row.metric)).map((row) => {
    const change: ConfidenceInterval = row.differenceChange;
    return `${names[row.metric]} gap ${fixed(row.before.difference.estimate)} → ${fixed(row.after.difference.estimate)} (change ${signed(change.estimate)} [${signed(change.lower)}, ${signed(change.upper)}])`;
  }).join('; ');
}

/**
 * Registers `fairframe.mitigateThresholds`. Argument: a Models view node, a model file, a store selection, or a full
 * MitigateCommandArgument; `preset` answers some of the questions (for other commands and tests).
 */
export function registerMitigateCommand(services: { store: AuditStore; runner: AuditRunner; output: FairframeOutput; activeDashboardSelection(): StoreSelection | undefined }): vscode.Disposable {
  return vscode.commands.registerCommand('fairframe.mitigateThresholds', async (argument?: unknown, preset?: Partial<MitigateCommandArgument>): Promise<MitigateCommandResult | undefined> => {
    const { store, runner, output } = services;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Fairframe: models are not run in a restricted (untrusted) workspace. Trust the workspace to fit thresholds.');
      return undefined;
    }
    try {
      let request: MitigateCommandArgument | undefined;
      if (isMitigateArgument(argument)) {
        request = argument;
      } else {
        if (store.modelAudits().length === 0) {
          void vscode.window.showInformationMessage('Fairframe: no model was audited yet; run Fairframe: Audit Model on Dataset first, then fit thresholds on its scores.');
          return undefined;
        }
        const selection = await resolveExportTarget(store, argument, services.activeDashboardSelection(), true);
        request = selection && (await askForMitigation(store, selection, preset ?? {}));
      }
      if (!request) return undefined;
      const { model, dataset, datasetName, outDir, ...options } = request;
      const title = `Fairframe: fitting per-group thresholds for ${path.basename(model)} by ${options.attribute}`;
      const controller = new AbortController();
      const scored = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const cancel = token.onCancellationRequested(() => controller.abort());
        try {
          const report = throttleProgress((update) => progress.report({ message: progressText(update) }), 250);
          return await runner.mitigateThresholds(dataset, { source: model, dataset: datasetName, ...options }, { signal: controller.signal, onProgress: report });
        } finally {
          cancel.dispose();
        }
      });
      const { result } = scored;
      const name = scored.dataset?.name ?? datasetName ?? path.basename(dataset);
      const roots = datasetRoots(store, { datasets: scored.datasetRoots.map((root) => ({ root })) });
      const subfolder = `thresholds-${path.basename(model, path.extname(model))}-${result.positiveClass}-by-${result.attribute}-${result.thresholds.constraint}`;
      const folder = await chooseOutputFolder(roots, outDir, scored.dataset?.root ?? dataset, [name, subfolder]);
      if (!folder) return undefined;
      const contents = thresholdFiles(result, model, name);
      const files = {
        thresholds: path.join(folder, THRESHOLD_FILES.thresholds),
        table: path.join(folder, THRESHOLD_FILES.table),
        predictions: path.join(folder, THRESHOLD_FILES.predictions),
      };
      for (const key of ['thresholds', 'table', 'predictions'] as const) await fs.writeFile(files[key], contents[key]);
      output.log.info(`Fitted per-group thresholds for '${result.positiveClass}' by ${result.attribute} (${result.thresholds.constraint}) on ${result.fit.split}, measured on ${result.evaluation.split}: ${gapSummary(result)}. Saved in ${folder}.`);
      // The before/after table opens as a read-only preview beside the editor.
      const table = vscode.Uri.file(files.table);
      await vscode.commands.executeCommand('markdown.showPreviewToSide', table).then(undefined, () => vscode.window.showTextDocument(table, { preview: true }));
      const audit = 'Audit Mitigated Predictions';
      void vscode.window.showInformationMessage(`Fairframe: ${gapSummary(result)} on ${result.evaluation.split}. Thresholds saved in ${folder}.`, audit).then((choice) => {
        if (choice === audit) void runner.audit(dataset, { models: [files.predictions], datasets: datasetName ? [datasetName] : undefined });
      });
      return { result, folder, files };
    } catch (error) {
      runner.report(error, 'Fitting per-group thresholds');
      return undefined;
    }
  });
}
