// The Fairframe commands: audit a dataset, audit the workspace, clear the cache (and test hooks when enabled).
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { AuditResult } from '../engine/auditResult';
import { FairframeError } from '../engine/errors';
import { TEST_HOOKS_ENV, type CrashKind } from '../worker/protocol';
import type { AuditRunner } from './auditRunner';

/** Turns a command argument (a URI, a path string, or nothing) into a path on disk; asks the user when there is none. */
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

/** Registers the commands; returns their disposables. */
export function registerAuditCommands(runner: AuditRunner): vscode.Disposable[] {
  const disposables = [
    vscode.commands.registerCommand('fairframe.auditDataset', async (argument?: unknown): Promise<AuditResult | undefined> => {
      try {
        const target = await resolveTarget(argument);
        return target ? await runner.audit(target) : undefined;
      } catch (error) {
        runner.report(error, 'Audit');
        return undefined;
      }
    }),
    vscode.commands.registerCommand('fairframe.auditWorkspace', async (): Promise<AuditResult[]> => {
      const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
      if (folders.length === 0) {
        void vscode.window.showInformationMessage('Fairframe: open a folder that holds a dataset first.');
        return [];
      }
      const results: AuditResult[] = [];
      for (const folder of folders) {
        const result = await runner.audit(folder.uri.fsPath);
        if (result) results.push(result);
      }
      return results;
    }),
    vscode.commands.registerCommand('fairframe.clearCache', async (): Promise<void> => {
      try {
        await fs.rm(runner.cacheDir, { recursive: true, force: true });
        void vscode.window.showInformationMessage('Fairframe: the scan cache was cleared.');
      } catch (error) {
        runner.report(error, 'Clearing the cache');
      }
    }),
  ];
  if (process.env[TEST_HOOKS_ENV] === '1') {
    disposables.push(vscode.commands.registerCommand('fairframe.debug.crashWorker', (kind: CrashKind = 'segfault') => runner.crashWorker(kind)));
  }
  return disposables;
}
