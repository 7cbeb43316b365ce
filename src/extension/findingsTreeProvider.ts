// The Findings view: every current finding grouped by severity, then rule; selecting one reveals its location.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import type { Finding, Severity } from '../engine/types';
import type { AuditStore, StoredFinding } from './auditStore';
import { locationRange, locationUri } from './auditDiagnostics';
import { hostEngine } from './lazyHostEngine';
import { canCompare } from './compareFinding';

/** A node of the Findings view. */
export type FindingNode =
  | { kind: 'severity'; severity: Severity; findings: StoredFinding[] }
  | { kind: 'rule'; severity: Severity; rule: string; findings: StoredFinding[] }
  | { kind: 'finding'; stored: StoredFinding; index: number };

const SEVERITIES: Severity[] = ['error', 'warning', 'info'];
const SEVERITY_TITLE: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Information' };
const SEVERITY_ICON: Record<Severity, vscode.ThemeIcon> = {
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
  warning: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  info: new vscode.ThemeIcon('info', new vscode.ThemeColor('editorInfo.foreground')),
};

/** The arguments of `fairframe.revealFinding`: where to go. */
export interface RevealTarget {
  uri: vscode.Uri;
  line?: number;
  /** The finding itself: a finding on a folder (a dataset without a manifest) opens the dashboard on it. */
  finding?: Finding;
}

/** Where revealing a finding went. */
export type RevealOutcome = 'editor' | 'explorer' | 'dashboard' | 'nothing';

/** Groups the store's findings by severity and rule. */
export class FindingsTreeProvider implements vscode.TreeDataProvider<FindingNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<FindingNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private ruleNamesLoaded: Map<string, string> | undefined;

  constructor(private readonly store: AuditStore) {
    this.subscription = store.onDidChange(() => this.refresh());
  }

  /** Rule id → name, read from the engine the first time a rule is shown. */
  private ruleNames(): Map<string, string> {
    this.ruleNamesLoaded ??= new Map(hostEngine().allRules().map((rule) => [rule.id, rule.name]));
    return this.ruleNamesLoaded;
  }

  /** Re-reads the whole view. */
  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: FindingNode): FindingNode[] {
    if (!node) {
      const all = this.store.findings();
      return SEVERITIES.map((severity) => ({ kind: 'severity' as const, severity, findings: all.filter((stored) => stored.finding.severity === severity) }))
        .filter((entry) => entry.findings.length > 0);
    }
    if (node.kind === 'severity') {
      const rules = [...new Set(node.findings.map((stored) => stored.finding.rule))].sort();
      return rules.map((rule) => ({ kind: 'rule', severity: node.severity, rule, findings: node.findings.filter((stored) => stored.finding.rule === rule) }));
    }
    if (node.kind === 'rule') return node.findings.map((stored, index) => ({ kind: 'finding', stored, index }));
    return [];
  }

  getTreeItem(node: FindingNode): vscode.TreeItem {
    switch (node.kind) {
      case 'severity': {
        const item = new vscode.TreeItem(SEVERITY_TITLE[node.severity], vscode.TreeItemCollapsibleState.Expanded);
        item.id = `severity:${node.severity}`;
        item.description = `${node.findings.length}`;
        item.iconPath = SEVERITY_ICON[node.severity];
        return item;
      }
      case 'rule': {
        const item = new vscode.TreeItem(node.rule, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `rule:${node.severity}:${node.rule}`;
        item.description = `${this.ruleNames().get(node.rule) ?? ''} (${node.findings.length})`;
        item.iconPath = new vscode.ThemeIcon('law');
        item.contextValue = 'rule';
        return item;
      }
      case 'finding': {
        const { finding, root } = node.stored;
        const item = new vscode.TreeItem(finding.message, vscode.TreeItemCollapsibleState.None);
        item.id = `finding:${node.stored.owner}:${finding.rule}:${finding.location.file}:${finding.location.line ?? 0}:${node.index}`;
        const file = path.resolve(root, finding.location.file);
        item.description = `${finding.dataset ? `${finding.dataset} · ` : ''}${path.basename(file)}${finding.location.line ? `:${finding.location.line}` : ''}`;
        const tooltip = new vscode.MarkdownString();
        tooltip.appendMarkdown(`**${finding.rule}** `);
        tooltip.appendText(finding.message);
        if (finding.suggestion) {
          tooltip.appendMarkdown('\n\n');
          tooltip.appendText(finding.suggestion);
        }
        item.tooltip = tooltip;
        item.iconPath = SEVERITY_ICON[finding.severity];
        const target: RevealTarget = { uri: locationUri(finding.location, root), line: finding.location.line, finding };
        // A finding about images opens them side by side; any other reveals its file and line.
        if (canCompare(finding)) {
          item.contextValue = 'findingImages';
          item.command = { command: 'fairframe.compareFinding', title: 'Compare Images', arguments: [finding] };
        } else {
          item.contextValue = 'finding';
          item.command = { command: 'fairframe.revealFinding', title: 'Reveal Finding', arguments: [target] };
        }
        return item;
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** Opens a finding's file at its line; a model file or an image is revealed in the Explorer; a folder (a dataset
 * without a manifest) is never opened as a file: the dashboard opens on the finding instead. */
export async function revealFinding(target: RevealTarget | FindingNode | undefined): Promise<RevealOutcome> {
  const resolved: RevealTarget | undefined = target && 'kind' in target
    ? target.kind === 'finding' ? { uri: locationUri(target.stored.finding.location, target.stored.root), line: target.stored.finding.location.line, finding: target.stored.finding } : undefined
    : target;
  if (!resolved) return 'nothing';
  const uri = resolved.uri instanceof vscode.Uri ? resolved.uri : vscode.Uri.from(resolved.uri as vscode.Uri);
  const stat = uri.scheme === 'file' ? await fs.stat(uri.fsPath).catch(() => undefined) : undefined;
  if (stat?.isDirectory()) {
    if (resolved.finding) {
      await vscode.commands.executeCommand('fairframe.openDashboard', resolved.finding);
      return 'dashboard';
    }
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return 'explorer';
  }
  if (/\.(onnx|png|jpe?g|webp|gif|bmp|tiff?|avif)$/i.test(uri.fsPath)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return 'explorer';
  }
  const range = locationRange({ file: uri.fsPath, line: resolved.line });
  await vscode.window.showTextDocument(uri, { selection: new vscode.Range(range.start, range.start), preserveFocus: false });
  return 'editor';
}
