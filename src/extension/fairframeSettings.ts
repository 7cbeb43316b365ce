// The extension's settings (contributes.configuration), read where they are used.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXPLAIN_METHODS, type ExplainMethod } from '../engine/explain/explainTypes';

function settings(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('fairframe');
}

/** The folder every cache lives under: `fairframe.cacheLocation`, else the extension's global storage. */
export function cacheRoot(context: vscode.ExtensionContext): string {
  const configured = settings().get<string>('cacheLocation')?.trim();
  return configured ? path.resolve(configured) : context.globalStorageUri.fsPath;
}

/** Whether dataset checks run by themselves after discovery and on file changes. */
export function autoAuditDatasets(): boolean {
  return settings().get<boolean>('autoAuditDatasets', true);
}

/** Longest side of a hover thumbnail, in pixels (32–512). */
export function maxHoverThumbnailSize(): number {
  const value = settings().get<number>('maxHoverThumbnailSize', 160);
  return Math.min(512, Math.max(32, Math.round(value)));
}

/** Quiet time after the last file change before discovery and the dataset audit run again. */
export function watchDebounceMs(): number {
  return Math.max(100, settings().get<number>('watchDebounceMs', 500));
}

/** The methods "Explain Image" computes, in order: `fairframe.explainMethods`, unknown names dropped, duplicates once. */
export function explainMethods(): ExplainMethod[] {
  const configured = settings().get<unknown>('explainMethods');
  const names = Array.isArray(configured) ? configured.filter((name): name is ExplainMethod => typeof name === 'string' && (EXPLAIN_METHODS as readonly string[]).includes(name)) : [];
  const unique = [...new Set(names)];
  return unique.length > 0 ? unique : ['gradcam', 'lrp', 'occlusion', 'rise', 'lime', 'shap'];
}

/** Whether audits run from a command are recorded in the run store (`fairframe.recordRuns`). */
export function recordRuns(): boolean {
  return settings().get<boolean>('recordRuns', true);
}

/** The run store setting (`fairframe.runStore`), relative to the workspace folder; empty: `.fairframe/runs`. */
export function runStoreSetting(): string {
  return settings().get<string>('runStore', '')?.trim() ?? '';
}

/** The report folder setting (`fairframe.reportFolder`), relative to the workspace folder; empty: `.fairframe/reports`. */
export function reportFolderSetting(): string {
  return settings().get<string>('reportFolder', '')?.trim() ?? '';
}
