// Exporting an audit from the store as files: the report (JSON, Markdown, SARIF, the self-contained HTML report, the
// model cards and the datasheet), or one kind of document alone. The engine renders them (the CLI's code); this module
// chooses the audit, the folder (the workspace's report folder by default, never inside a dataset) and writes.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../engine/auditResult';
import { FairframeError } from '../engine/errors';
import { insideAnyRoot, makeOutputFolder } from '../engine/io/outputFolder';
import type { ReportFormat } from '../engine/report/reportFiles';
import type { AuditStore, StoreSelection } from './auditStore';
import { resolveExportTarget, resolveReportTarget, targetOfArgument } from './dashboardTarget';
import { reportFolderSetting } from './fairframeSettings';
import { hostEngine } from './lazyHostEngine';
import { workspaceFolderPaths } from './workspaceDiscovery';

/** What the export commands need. */
export interface ExportServices {
  store: AuditStore;
  /** Shows a failure (a FairframeError's message, else a generic one with the stack in the log). */
  report(error: unknown, what: string): void;
  /** The dashboard's selection when the dashboard is the active editor. */
  activeDashboardSelection(): StoreSelection | undefined;
}

/** The formats `fairframe.exportReport` writes: all of them. */
export const EXPORT_REPORT_FORMATS: readonly ReportFormat[] = ['json', 'md', 'sarif', 'html', 'card', 'datasheet'];

/** The workspace folder default for exports: `fairframe.reportFolder` (relative to the workspace folder), else `.fairframe/reports`. */
export function defaultReportFolder(workspaceFolder: string): string {
  return path.resolve(workspaceFolder, reportFolderSetting() || path.join('.fairframe', 'reports'));
}

function pathOf(argument: unknown): string | undefined {
  if (typeof argument === 'string' && argument) return path.resolve(argument);
  if (argument instanceof vscode.Uri && argument.scheme === 'file') return argument.fsPath;
  return undefined;
}

/** The workspace folder holding `file` (the innermost), else the first one. */
function workspaceFolderOf(file: string): string | undefined {
  const folders = workspaceFolderPaths();
  const holding = folders.filter((folder) => {
    const relative = path.relative(folder, file);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  });
  return holding.sort((a, b) => b.length - a.length)[0] ?? folders[0];
}

/** Every dataset root Fairframe knows of: the audit's and the workspace's. */
export function datasetRoots(store: AuditStore, result: { datasets: Array<{ root: string }> }): string[] {
  return [...new Set([...result.datasets.map((dataset) => dataset.root), ...store.datasets().map((dataset) => dataset.root)])];
}

async function refuseInsideDataset(folder: string, roots: string[]): Promise<void> {
  const inside = await insideAnyRoot(folder, roots);
  if (inside !== undefined) {
    throw new FairframeError('bad-config', `The folder '${folder}' is inside the dataset '${inside}', and Fairframe never writes inside a dataset. Choose a folder outside it (or set fairframe.reportFolder).`);
  }
}

/**
 * The folder to write into: `explicit` when given; else `<report folder>/<subfolders>` of the workspace folder holding
 * `anchor`, unless that is inside a dataset, when the user picks one. Undefined: dismissed. Refuses any folder inside
 * one of `roots` (the dataset roots), and creates the folder.
 */
export async function chooseOutputFolder(roots: string[], explicit: string | undefined, anchor: string | undefined, subfolders: string[]): Promise<string | undefined> {
  let folder = explicit;
  if (folder === undefined) {
    const workspace = anchor ? workspaceFolderOf(anchor) : workspaceFolderPaths()[0];
    const preferred = workspace ? path.join(defaultReportFolder(workspace), ...subfolders.map((name) => hostEngine().safeName(name))) : undefined;
    if (preferred && (await insideAnyRoot(preferred, roots)) === undefined) {
      folder = preferred;
    } else {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Save here',
        title: preferred ? `Fairframe: the report folder ${preferred} is inside a dataset; save to…` : 'Fairframe: save to…',
      });
      folder = picked?.[0]?.fsPath;
      if (folder === undefined) return undefined;
    }
  }
  await refuseInsideDataset(folder, roots);
  return makeOutputFolder(folder);
}

/** The export folder of `result`: `explicit`, else the workspace's report folder for its dataset. */
function exportFolder(store: AuditStore, result: AuditResult, explicit: string | undefined): Promise<string | undefined> {
  const dataset = result.datasets[0];
  return chooseOutputFolder(datasetRoots(store, result), explicit, dataset?.root, [dataset?.name ?? 'audit']);
}

/** The composed result of a selection; with `onlyModel`, its model audit alone (undefined when it has none). */
function resultOf(store: AuditStore, selection: StoreSelection, onlyModel: boolean): AuditResult | undefined {
  const composed = store.compose(selection);
  if (!composed) return undefined;
  if (!onlyModel || selection.modelKey === undefined) return composed.result;
  const models = composed.result.models.filter((_, index) => composed.modelKeys[index] === selection.modelKey);
  return { ...composed.result, models };
}

/** Writes the files of `formats` for `result` into `folder`; returns their paths. */
async function writeFiles(result: AuditResult, formats: readonly ReportFormat[], folder: string): Promise<string[]> {
  const written: string[] = [];
  for (const file of await hostEngine().reportFiles(result, formats)) {
    const target = path.join(folder, file.name);
    await fs.writeFile(target, file.content);
    written.push(target);
  }
  return written;
}

/** Offers to open what was written: the HTML report in the browser, else the first Markdown document in its preview. */
function announce(written: string[], folder: string): void {
  const html = written.find((file) => path.basename(file) === 'fairframe-report.html');
  const markdown = written.find((file) => file.endsWith('.md'));
  const names = written.length <= 4 ? written.map((file) => path.basename(file)).join(', ') : `${written.length} files`;
  const open = html ? 'Open HTML Report' : markdown ? 'Open Preview' : undefined;
  void vscode.window.showInformationMessage(`Fairframe: wrote ${names} to ${folder}.`, ...(open ? [open] : [])).then((choice) => {
    if (choice === undefined) return;
    if (html) void vscode.env.openExternal(vscode.Uri.file(html));
    else if (markdown) void vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(markdown));
  });
}

type DocumentKind = 'html' | 'card' | 'datasheet';

const DOCUMENTS: Record<DocumentKind, { command: string; formats: ReportFormat[]; what: string }> = {
  html: { command: 'fairframe.exportHtmlReport', formats: ['html'], what: 'Exporting the HTML report' },
  card: { command: 'fairframe.exportModelCard', formats: ['card'], what: 'Exporting the model card' },
  datasheet: { command: 'fairframe.exportDatasheet', formats: ['datasheet'], what: 'Exporting the datasheet' },
};

/** Registers the export commands; each returns the files it wrote (none when dismissed or refused). */
export function registerExportCommands(services: ExportServices): vscode.Disposable[] {
  const { store } = services;
  const nothingYet = (): boolean => {
    if (store.datasetAudits().length > 0) return false;
    void vscode.window.showInformationMessage('Fairframe: there is no audit to export yet; run Fairframe: Audit Workspace first.');
    return true;
  };
  const exportReport = async (outDir?: unknown, target?: unknown, formats?: unknown): Promise<string[]> => {
    // From a tree view or the dashboard's title bar the first argument is the node, not a folder.
    if (outDir !== undefined && pathOf(outDir) === undefined) [outDir, target] = [undefined, outDir];
    if (nothingYet()) return [];
    try {
      // What the argument names; else the dashboard's audit when it is the active editor (its title bar); else ask.
      const selection = targetOfArgument(store, target)?.selection ?? services.activeDashboardSelection() ?? (await resolveReportTarget(store, target));
      const result = selection && resultOf(store, selection, false);
      if (!result) return [];
      const chosen = Array.isArray(formats) && formats.length > 0 ? formats.filter((f): f is ReportFormat => (EXPORT_REPORT_FORMATS as readonly string[]).includes(f)) : [...EXPORT_REPORT_FORMATS];
      const folder = await exportFolder(store, result, pathOf(outDir));
      if (!folder) return [];
      const written = await writeFiles(result, chosen, folder);
      announce(written, folder);
      return written;
    } catch (error) {
      services.report(error, 'Exporting the report');
      return [];
    }
  };
  const exportDocument = (kind: DocumentKind) => async (target?: unknown, outDir?: unknown): Promise<string[]> => {
    if (nothingYet()) return [];
    const { formats, what } = DOCUMENTS[kind];
    try {
      const selection = await resolveExportTarget(store, target, services.activeDashboardSelection(), kind === 'card');
      const result = selection && resultOf(store, selection, kind === 'card');
      if (!result) return [];
      if (kind === 'card' && result.models.length === 0) {
        void vscode.window.showInformationMessage(`Fairframe: no model was audited on '${result.datasets[0]?.name ?? 'this dataset'}' yet; run Fairframe: Audit Model on Dataset first.`);
        return [];
      }
      const folder = await exportFolder(store, result, pathOf(outDir));
      if (!folder) return [];
      const written = await writeFiles(result, formats, folder);
      announce(written, folder);
      return written;
    } catch (error) {
      services.report(error, what);
      return [];
    }
  };
  return [
    vscode.commands.registerCommand('fairframe.exportReport', exportReport),
    ...(Object.keys(DOCUMENTS) as DocumentKind[]).map((kind) => vscode.commands.registerCommand(DOCUMENTS[kind].command, exportDocument(kind))),
  ];
}
