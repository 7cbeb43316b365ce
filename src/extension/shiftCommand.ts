// "Fairframe: Compare Data Distributions": picks a reference and a target (two datasets, or two splits of one) and
// optionally a model, runs `fairframe shift` in the worker, and shows it in the dashboard's Shift section (its Markdown
// report is written to the cache folder and opens on request).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ShiftResult } from '../engine/shift/shiftTypes';
import { escapeControl } from '../engine/report/displayText';
import { throttleProgress } from '../worker/progressThrottle';
import type { AuditRunner } from './auditRunner';
import { progressText } from './auditRunner';
import type { AuditStore, DatasetEntry } from './auditStore';
import { datasetLocationLabel, datasetOfArgument } from './datasetsTreeProvider';
import type { FairframeOutput } from './fairframeOutput';
import { hostEngine } from './lazyHostEngine';

/** A comparison given in full (tests, other commands): no picker is shown. */
export interface ShiftCommandArgument {
  reference: string;
  target: string;
  referenceSplit?: string;
  targetSplit?: string;
  model?: string;
}

/** What the command resolves to (for tests): the comparison and the Markdown report file it opened. */
export interface ShiftCommandResult {
  result: ShiftResult;
  reportFile: string;
}

interface Side {
  path: string;
  split?: string;
  label: string;
}

function isShiftArgument(value: unknown): value is ShiftCommandArgument {
  const candidate = value as Partial<ShiftCommandArgument> | undefined;
  return typeof candidate?.reference === 'string' && typeof candidate.target === 'string';
}

const BROWSE = 'Choose a folder or manifest…';

/** A dataset (from discovery, or browsed to) and one of its splits. */
async function pickSide(store: AuditStore, role: 'reference' | 'target', preset?: DatasetEntry): Promise<Side | undefined> {
  let dataset = preset;
  let file: string | undefined;
  if (!dataset) {
    const entries = store.datasets();
    const items = [
      ...entries.map((entry) => ({ label: entry.name, description: datasetLocationLabel(entry), entry })),
      { label: BROWSE, description: '', entry: undefined },
    ];
    const chosen = await vscode.window.showQuickPick(items, {
      title: `Fairframe: compare distributions — the ${role}`,
      placeHolder: role === 'reference' ? 'The data the model was trained or validated on' : 'The data it meets now (e.g. production)',
    });
    if (!chosen) return undefined;
    dataset = chosen.entry;
    if (!dataset) {
      const uris = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: true, canSelectMany: false, openLabel: `Use as ${role}`, filters: { 'Dataset folder or manifest': ['csv', 'tsv', 'jsonl'] } });
      if (!uris?.[0]) return undefined;
      file = uris[0].fsPath;
    }
  }
  const target = dataset ? dataset.manifest ?? dataset.root : (file as string);
  const splits = dataset ? Object.keys(store.datasetResult(dataset)?.audit.splits ?? {}).sort() : [];
  let split: string | undefined;
  if (splits.length > 0) {
    const choice = await vscode.window.showQuickPick([{ label: 'All images', split: undefined as string | undefined }, ...splits.map((name) => ({ label: `Split '${name}'`, split: name }))], {
      title: `Fairframe: which images of ${dataset?.name ?? path.basename(target)} are the ${role}?`,
    });
    if (!choice) return undefined;
    split = choice.split;
  }
  const name = dataset?.name ?? path.basename(target);
  return { path: target, split, label: split ? `${name}/${split}` : name };
}

/** Registers `fairframe.compareDistributions` (argument: a Datasets view node as the reference, or a full ShiftCommandArgument). */
export function registerShiftCommand(services: { store: AuditStore; runner: AuditRunner; output: FairframeOutput; showInDashboard: (result: ShiftResult) => Promise<void> }): vscode.Disposable {
  return vscode.commands.registerCommand('fairframe.compareDistributions', async (argument?: unknown): Promise<ShiftCommandResult | undefined> => {
    const { store, runner, output } = services;
    try {
      let reference: Side | undefined;
      let target: Side | undefined;
      let model: string | undefined;
      if (isShiftArgument(argument)) {
        reference = { path: argument.reference, split: argument.referenceSplit, label: path.basename(argument.reference) };
        target = { path: argument.target, split: argument.targetSplit, label: path.basename(argument.target) };
        model = argument.model;
      } else {
        reference = await pickSide(store, 'reference', datasetOfArgument(argument));
        if (!reference) return undefined;
        target = await pickSide(store, 'target');
        if (!target) return undefined;
        const models = store.models().filter((entry) => !entry.error);
        if (models.length > 0) {
          const choice = await vscode.window.showQuickPick([
            { label: 'No model', description: 'image properties and group shares only', file: undefined as string | undefined },
            ...models.map((entry) => ({ label: path.basename(entry.file), description: 'adds the embedding test and the class-prior estimate', file: entry.file })),
          ], { title: 'Fairframe: compare with a model?' });
          if (!choice) return undefined;
          model = choice.file;
        }
      }
      const title = `Fairframe: comparing ${reference.label} with ${target.label}`;
      const controller = new AbortController();
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const cancel = token.onCancellationRequested(() => controller.abort());
        try {
          const report = throttleProgress((update) => progress.report({ message: progressText(update) }), 250);
          return await runner.compareDistributions(reference.path, target.path, { referenceSplit: reference.split, targetSplit: target.split, model }, { signal: controller.signal, onProgress: report });
        } finally {
          cancel.dispose();
        }
      });
      output.log.info(`Compared ${reference.label} with ${target.label} in ${result.durationMs} ms: ${result.counts.warning} warnings, ${result.counts.info} notes.`);
      for (const finding of result.findings) output.log.info(`${finding.rule} ${finding.severity}: ${escapeControl(finding.message)}`);
      // The report is a file in the cache folder (never in a dataset), so it opens as a saved document that closes without a prompt.
      const folder = path.join(runner.cacheDir, 'shift-reports');
      await fs.mkdir(folder, { recursive: true });
      const file = path.join(folder, `fairframe-shift-${result.createdAt.replace(/[:.]/g, '-')}.md`);
      await fs.writeFile(file, hostEngine().renderShiftMarkdown(result));
      const uri = vscode.Uri.file(file);
      output.log.info(`Shift report: ${file}`);
      // The figures go to the dashboard's Shift section; the Markdown report opens on request.
      await services.showInDashboard(result);
      const moved = result.findings.filter((finding) => finding.rule === 'FF-S001' || finding.rule === 'FF-S002' || finding.rule === 'FF-S003' || finding.rule === 'FF-S004').length;
      void vscode.window.showInformationMessage(`Fairframe: ${moved === 0 ? 'no shift found' : `${moved} shift finding${moved === 1 ? '' : 's'}`} between ${reference.label} and ${target.label}.`, 'Open Report').then((choice) => {
        if (choice) void vscode.commands.executeCommand('markdown.showPreviewToSide', uri).then(undefined, () => vscode.window.showTextDocument(uri, { preview: true }));
      });
      return { result, reportFile: file };
    } catch (error) {
      runner.report(error, 'Comparing distributions');
      return undefined;
    }
  });
}
