// Which dataset and model the dashboard (or an exported report) is about: the one the command's argument names
// (a tree node, a finding, a file), else the user picks when there are several, never simply the last audit.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../engine/auditResult';
import type { Finding } from '../engine/types';
import { findingKey, focusForFinding } from '../../webview/dashboardData';
import { DASHBOARD_SECTIONS, type DashboardFocus, type DashboardSection } from '../../webview/protocol';
import { datasetKey, type AuditStore, type ModelResult, type StoreSelection, type StoredFinding } from './auditStore';

/** Where to open: the selection (undefined: keep what is shown) and what to scroll to. */
export interface DashboardTarget {
  selection?: StoreSelection;
  focus?: DashboardFocus;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFinding(value: unknown): value is Finding {
  return isRecord(value) && typeof value.rule === 'string' && typeof value.severity === 'string' && isRecord(value.location);
}

/** The selection a stored finding belongs to. */
export function selectionOfFinding(store: AuditStore, stored: StoredFinding): StoreSelection | undefined {
  const model = store.modelResult(stored.owner);
  if (model) return { datasetKey: model.datasetKey, modelKey: model.key };
  if (store.datasetAudits().some((entry) => entry.key === stored.owner)) return { datasetKey: stored.owner };
  // A finding of no dataset (e.g. an unreadable manifest): the audited dataset of the same run, if any.
  const sibling = store.datasetAudits().find((entry) => entry.origin.target === stored.owner);
  return sibling ? { datasetKey: sibling.key } : undefined;
}

function fromFinding(store: AuditStore, finding: Finding): DashboardTarget {
  const key = findingKey(finding);
  const stored = store.findings().find((entry) => entry.finding === finding) ?? store.findings().find((entry) => findingKey(entry.finding) === key);
  return { selection: stored ? selectionOfFinding(store, stored) : undefined, focus: focusForFinding(finding) };
}

function fromModelAudits(audits: ModelResult[]): StoreSelection | undefined {
  const latest = audits.at(-1);
  return latest ? { datasetKey: latest.datasetKey, modelKey: latest.key } : undefined;
}

/** The target an argument names, without asking; undefined when it names none. */
export function targetOfArgument(store: AuditStore, argument: unknown): DashboardTarget | undefined {
  if (typeof argument === 'string' && (DASHBOARD_SECTIONS as readonly string[]).includes(argument)) return { focus: { section: argument as DashboardSection } };
  if (isRecord(argument) && typeof argument.datasetKey === 'string') return { selection: { datasetKey: argument.datasetKey, modelKey: typeof argument.modelKey === 'string' ? argument.modelKey : undefined } };
  if (isRecord(argument) && typeof argument.kind === 'string') {
    // Tree nodes: a finding, a dataset, a model, a model audit.
    if (argument.kind === 'finding' && isRecord(argument.stored)) {
      const stored = argument.stored as unknown as StoredFinding;
      return { selection: selectionOfFinding(store, stored), focus: focusForFinding(stored.finding) };
    }
    if (argument.kind === 'audit' && isRecord(argument.result) && typeof argument.result.key === 'string') {
      const result = argument.result as unknown as ModelResult;
      return { selection: { datasetKey: result.datasetKey, modelKey: result.key } };
    }
    if (isRecord(argument.dataset) && typeof argument.dataset.root === 'string') {
      return { selection: { datasetKey: datasetKey(argument.dataset as { root: string; manifest?: string }) } };
    }
    if (argument.kind === 'model' && isRecord(argument.model) && typeof argument.model.file === 'string') {
      const audits = store.modelResultsOf(argument.model.file);
      return audits.length === 1 ? { selection: fromModelAudits(audits) } : undefined;
    }
  }
  if (isFinding(argument)) return fromFinding(store, argument);
  if (isRecord(argument) && typeof argument.section === 'string' && (DASHBOARD_SECTIONS as readonly string[]).includes(argument.section)) {
    return { focus: argument as unknown as DashboardFocus };
  }
  if (isRecord(argument) && typeof argument.schemaVersion === 'string' && Array.isArray(argument.datasets)) {
    const [dataset] = (argument as unknown as AuditResult).datasets;
    const [model] = (argument as unknown as AuditResult).models;
    if (!dataset) return undefined;
    const key = datasetKey(dataset);
    const modelKey = model ? store.modelResultsOn(key).find((entry) => path.resolve(entry.audit.model.file) === path.resolve(model.model.file))?.key : undefined;
    return { selection: { datasetKey: key, modelKey } };
  }
  const file = argument instanceof vscode.Uri && argument.scheme === 'file' ? argument.fsPath : typeof argument === 'string' && argument ? path.resolve(argument) : undefined;
  if (file) {
    const dataset = store.datasetAudits().find((entry) => path.resolve(entry.audit.root) === file || (entry.audit.manifest && path.resolve(entry.audit.manifest) === file));
    if (dataset) return { selection: { datasetKey: dataset.key } };
    const audits = store.modelResultsOf(file);
    if (audits.length === 1) return { selection: fromModelAudits(audits) };
  }
  return undefined;
}

/** One quick-pick item per audited dataset and per model audit on it. */
function pickItems(store: AuditStore, modelFile?: string): Array<vscode.QuickPickItem & { selection: StoreSelection }> {
  const folders = new Set(store.datasetAudits().map((entry) => entry.folder));
  return store.selections()
    .filter((entry) => !modelFile || (entry.model && path.resolve(entry.model.audit.model.file) === path.resolve(modelFile)))
    .map((entry) => {
      const where = folders.size > 1 ? ` · ${path.basename(entry.dataset.folder)}` : '';
      if (!entry.model) {
        return { label: `$(database) ${entry.dataset.audit.name}`, description: `${entry.dataset.audit.images} images${where}`, detail: entry.dataset.audit.manifest ?? entry.dataset.audit.root, selection: { datasetKey: entry.datasetKey } };
      }
      const accuracy = entry.model.audit.overall?.accuracy.estimate;
      return {
        label: `$(circuit-board) ${path.basename(entry.model.audit.model.file)}  $(arrow-right)  ${entry.dataset.audit.name}`,
        description: `${typeof accuracy === 'number' ? `accuracy ${(accuracy * 100).toFixed(1)}%` : entry.model.audit.status}${entry.model.stale ? ' · stale' : ''}${where}`,
        detail: entry.model.audit.model.file,
        selection: { datasetKey: entry.datasetKey, modelKey: entry.modelKey },
      };
    });
}

/**
 * The dataset and model to show for a command argument: what it names; else, when nothing is open, the only audit,
 * or the one the user picks among several (undefined: dismissed, or nothing audited yet).
 */
export async function resolveDashboardTarget(store: AuditStore, argument: unknown, current: StoreSelection | undefined): Promise<DashboardTarget | undefined> {
  const named = targetOfArgument(store, argument);
  if (named?.selection) return named;
  const modelFile = isRecord(argument) && argument.kind === 'model' && isRecord(argument.model) && typeof argument.model.file === 'string' ? argument.model.file : undefined;
  // A focus alone (a section) applies to what is shown.
  if (current && named?.focus && !modelFile) return { selection: current, focus: named.focus };
  const items = pickItems(store, modelFile);
  const datasets = new Set(items.map((item) => item.selection.datasetKey));
  const models = items.filter((item) => item.selection.modelKey);
  if (items.length === 0) return { focus: named?.focus };
  // One dataset with at most one model: they show the same page, so there is nothing to ask.
  if (datasets.size === 1 && models.length <= 1) return { selection: models[0]?.selection ?? items[0].selection, focus: named?.focus };
  const picked = await vscode.window.showQuickPick(items, { title: 'Fairframe: open the dashboard on which audit?', matchOnDescription: true, matchOnDetail: true });
  return picked ? { selection: picked.selection, focus: named?.focus } : undefined;
}

/** The dataset to export a report of: the one named, else the only one, else the user's pick. */
export async function resolveReportTarget(store: AuditStore, argument: unknown): Promise<StoreSelection | undefined> {
  const named = targetOfArgument(store, argument)?.selection;
  if (named) return named;
  const items = pickItems(store).filter((item) => !item.selection.modelKey);
  if (items.length <= 1) return items[0]?.selection;
  const picked = await vscode.window.showQuickPick(items, { title: 'Fairframe: export the report of which dataset?' });
  return picked?.selection;
}

/**
 * The audit a document export is about: what the argument names (a tree node, a file, a selection); else the
 * dashboard's selection when it is the active editor (`current`); else the only candidate, or the user's pick.
 * With `needsModel`, only model audits are candidates (a model node with several audits asks among its own).
 */
export async function resolveExportTarget(store: AuditStore, argument: unknown, current: StoreSelection | undefined, needsModel: boolean): Promise<StoreSelection | undefined> {
  const named = targetOfArgument(store, argument)?.selection;
  if (named && (!needsModel || named.modelKey || store.modelResultsOn(named.datasetKey).length > 0)) return named;
  const modelFile = isRecord(argument) && argument.kind === 'model' && isRecord(argument.model) && typeof argument.model.file === 'string' ? argument.model.file : undefined;
  if (!named && !modelFile && current && store.datasetAudits().some((entry) => entry.key === current.datasetKey)) return current;
  const items = pickItems(store, modelFile).filter((item) => (needsModel ? item.selection.modelKey !== undefined : item.selection.modelKey === undefined));
  if (items.length <= 1) return items[0]?.selection;
  const picked = await vscode.window.showQuickPick(items, { title: needsModel ? 'Fairframe: export the model card of which model audit?' : 'Fairframe: export the documents of which dataset?', matchOnDescription: true, matchOnDetail: true });
  return picked?.selection;
}
