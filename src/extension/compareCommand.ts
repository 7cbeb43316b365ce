// "Compare Images": opens the dashboard on the finding's dataset and shows the images the finding names side by side.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Finding } from '../engine/types';
import { findingKey, focusForFinding } from '../../webview/dashboardData';
import type { CompareView } from '../../webview/protocol';
import type { AuditStore, StoreSelection, StoredFinding } from './auditStore';
import { compareView } from './compareFinding';
import type { DashboardPanel } from './dashboardPanel';
import { selectionOfFinding } from './dashboardTarget';
import type { RecordIndex } from './recordIndex';

/** What the command resolves to (for tests): the view sent and how many images the webview drew. */
export interface CompareCommandResult {
  view: CompareView;
  shown: number;
}

function storedOf(store: AuditStore, argument: unknown): StoredFinding | undefined {
  const value = argument as { kind?: string; stored?: StoredFinding; rule?: string } | undefined;
  if (value && value.kind === 'finding' && value.stored) return value.stored;
  if (!value || typeof value.rule !== 'string') return undefined;
  const finding = argument as Finding;
  const key = findingKey(finding);
  return store.findings().find((entry) => entry.finding === finding) ?? store.findings().find((entry) => findingKey(entry.finding) === key);
}

/** Registers `fairframe.compareFinding` (argument: a Finding, or a Findings view node). */
export function registerCompareCommand(services: {
  store: AuditStore;
  records: RecordIndex;
  openDashboard(selection: StoreSelection): DashboardPanel;
}): vscode.Disposable {
  return vscode.commands.registerCommand('fairframe.compareFinding', async (argument?: unknown): Promise<CompareCommandResult | undefined> => {
    const { store, records } = services;
    const stored = storedOf(store, argument);
    const selection = stored && selectionOfFinding(store, stored);
    const dataset = selection && store.datasetAudits().find((entry) => entry.key === selection.datasetKey);
    if (!stored || !selection || !dataset) {
      void vscode.window.showInformationMessage('Fairframe: this finding is not in the current audits any more; audit its dataset again.');
      return undefined;
    }
    await records.ensure().catch(() => undefined);
    const panel = services.openDashboard(selection);
    const root = dataset.audit.root;
    const inside = (relPath: string): string | undefined => {
      const file = path.resolve(root, relPath);
      const relative = path.relative(root, file);
      return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? file : undefined;
    };
    const view = compareView(stored.finding, {
      dataset,
      models: store.modelResultsOn(dataset.key),
      record: (relPath) => {
        const file = inside(relPath);
        const indexed = file ? records.lookup(file) : undefined;
        return indexed && path.resolve(indexed.dataset.root) === path.resolve(root) ? indexed.record : undefined;
      },
      imageUri: (relPath) => panel.imageUri(dataset.audit.name, relPath),
      exists: (relPath) => {
        const file = inside(relPath);
        return file !== undefined && existsSync(file);
      },
    });
    if (!view) {
      // Not about images: the dashboard shows the finding in its list.
      panel.focus(focusForFinding(stored.finding));
      return undefined;
    }
    const shown = await panel.compare(view);
    return { view, shown };
  });
}
