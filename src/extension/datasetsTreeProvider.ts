// The Datasets view: dataset → classes, splits and attributes → groups, with counts, shares and warning icons.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DatasetAudit } from '../engine/auditResult';
import type { Finding } from '../engine/types';
import type { AuditStore, DatasetEntry } from './auditStore';

/** A node of the Datasets view (plain data; turned into a TreeItem by `getTreeItem`). */
export type DatasetNode =
  | { kind: 'dataset'; dataset: DatasetEntry }
  | { kind: 'section'; dataset: DatasetEntry; section: 'classes' | 'splits' }
  | { kind: 'attribute'; dataset: DatasetEntry; attribute: DatasetAudit['attributes'][number] }
  | { kind: 'count'; dataset: DatasetEntry; label: string; count: number; total: number; warning?: string; contextValue: string };

const WARNING_ICON = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
const ERROR_ICON = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));

/** Lists the discovered datasets and, once audited, their class and group distributions. */
export class DatasetsTreeProvider implements vscode.TreeDataProvider<DatasetNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DatasetNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: AuditStore) {
    this.subscription = store.onDidChange(() => this.refresh());
  }

  /** Re-reads the whole view. */
  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: DatasetNode): DatasetNode[] {
    if (!node) return this.store.datasets().map((dataset) => ({ kind: 'dataset', dataset }));
    const audited = this.store.datasetResult(node.dataset);
    if (!audited) return [];
    const { audit, findings } = audited;
    switch (node.kind) {
      case 'dataset': {
        const children: DatasetNode[] = [{ kind: 'section', dataset: node.dataset, section: 'classes' }];
        if (Object.keys(audit.splits).length > 0) children.push({ kind: 'section', dataset: node.dataset, section: 'splits' });
        for (const attribute of audit.attributes) children.push({ kind: 'attribute', dataset: node.dataset, attribute });
        return children;
      }
      case 'section': {
        const counts = node.section === 'classes' ? audit.classes : audit.splits;
        return sortedCounts(counts).map(([label, count]) => ({
          kind: 'count', dataset: node.dataset, label, count, total: audit.images,
          warning: node.section === 'classes' ? classWarning(label, findings) : undefined,
          contextValue: node.section === 'classes' ? 'class' : 'split',
        }));
      }
      case 'attribute':
        return sortedCounts(node.attribute.values).map(([label, count]) => ({
          kind: 'count', dataset: node.dataset, label, count, total: audit.images,
          warning: groupWarning(node.attribute.name, label, findings), contextValue: 'group',
        }));
      case 'count':
        return [];
    }
  }

  getTreeItem(node: DatasetNode): vscode.TreeItem {
    switch (node.kind) {
      case 'dataset': {
        const audited = this.store.datasetResult(node.dataset);
        const item = new vscode.TreeItem(node.dataset.name, audited ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        item.id = `dataset:${node.dataset.root}|${node.dataset.manifest ?? ''}`;
        item.contextValue = 'dataset';
        item.resourceUri = vscode.Uri.file(node.dataset.manifest ?? node.dataset.root);
        const errors = audited?.findings.filter((finding) => finding.severity === 'error').length ?? 0;
        const warnings = audited?.findings.filter((finding) => finding.severity === 'warning').length ?? 0;
        item.iconPath = errors > 0 ? ERROR_ICON : warnings > 0 ? WARNING_ICON : new vscode.ThemeIcon('database');
        item.description = audited
          ? `${audited.audit.images} images · ${Object.keys(audited.audit.classes).length} classes${errors + warnings > 0 ? ` · ${errors + warnings} problems` : ''}`
          : 'not audited yet';
        const tooltip = new vscode.MarkdownString();
        tooltip.appendText(`${node.dataset.name} (${node.dataset.format})\n\n${node.dataset.manifest ?? node.dataset.root}`);
        item.tooltip = tooltip;
        return item;
      }
      case 'section': {
        const item = new vscode.TreeItem(node.section === 'classes' ? 'Classes' : 'Splits', vscode.TreeItemCollapsibleState.Expanded);
        item.id = `dataset:${node.dataset.root}|${node.dataset.manifest ?? ''}:${node.section}`;
        item.iconPath = new vscode.ThemeIcon(node.section === 'classes' ? 'symbol-enum' : 'split-horizontal');
        return item;
      }
      case 'attribute': {
        const guessed = node.attribute.origin === 'guessed';
        const item = new vscode.TreeItem(node.attribute.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `dataset:${node.dataset.root}|${node.dataset.manifest ?? ''}:attribute:${node.attribute.name}`;
        item.description = guessed ? 'guessed' : 'sensitive attribute';
        item.tooltip = guessed
          ? `'${node.attribute.name}' was guessed to be a sensitive attribute from its column name; list the attributes in fairframe.json ("attributes") to confirm it.`
          : `'${node.attribute.name}' is declared in fairframe.json.`;
        item.iconPath = new vscode.ThemeIcon(guessed ? 'question' : 'person');
        item.contextValue = 'attribute';
        return item;
      }
      case 'count': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        const share = node.total > 0 ? node.count / node.total : 0;
        item.description = `${node.count} · ${(share * 100).toFixed(1)}%`;
        item.iconPath = node.warning ? WARNING_ICON : new vscode.ThemeIcon(node.contextValue === 'group' ? 'circle-outline' : 'tag');
        item.tooltip = node.warning ?? `${node.count} of ${node.total} images`;
        item.contextValue = node.contextValue;
        return item;
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function sortedCounts(counts: Record<string, number>): Array<[string, number]> {
  return Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** The message of a class-balance finding about `label` (FF-D001 minority, FF-D002 too small). */
function classWarning(label: string, findings: Finding[]): string | undefined {
  return findings.find((finding) =>
    (finding.rule === 'FF-D002' && finding.evidence.label === label)
    || (finding.rule === 'FF-D001' && (finding.evidence.minority as { label?: string } | undefined)?.label === label))?.message;
}

/** The message of a representation finding about group `value` of `attribute` (FF-D003). */
function groupWarning(attribute: string, value: string, findings: Finding[]): string | undefined {
  return findings.find((finding) => finding.rule === 'FF-D003' && finding.evidence.attribute === attribute && finding.evidence.value === value)?.message;
}

/** The dataset a tree node or command argument stands for. */
export function datasetOfArgument(argument: unknown): DatasetEntry | undefined {
  if (typeof argument === 'object' && argument !== null && 'kind' in argument && 'dataset' in argument) return (argument as { dataset: DatasetEntry }).dataset;
  return undefined;
}

/** A short label of where a dataset lives, relative to its workspace folder. */
export function datasetLocationLabel(dataset: DatasetEntry): string {
  return path.relative(dataset.folder, dataset.manifest ?? dataset.root) || path.basename(dataset.root);
}
