// Puts every current finding (datasets and models) in the Problems panel: one diagnostic per finding, on its file and line.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Finding, Location, Severity } from '../engine/types';
import type { AuditStore, Staleness, StoredFinding } from './auditStore';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** A range over a 1-based manifest line (the whole line), or the start of the file. */
export function locationRange(location: Location): vscode.Range {
  const line = location.line && location.line > 0 ? location.line - 1 : 0;
  return new vscode.Range(line, 0, line, location.line ? Number.MAX_SAFE_INTEGER : 0);
}

/** The file URI a finding's location names (relative locations are resolved against the audit's root). */
export function locationUri(location: Location, root: string): vscode.Uri {
  return vscode.Uri.file(path.resolve(root, location.file));
}

/** The line a stale finding's diagnostic ends with. */
export function staleNote(stale: Staleness): string {
  return `Stale: ${stale.reason}.`;
}

/** The diagnostic of one finding: the rule id as its code, linking to the rule's documentation; a stale one says so. */
export function toDiagnostic(finding: Finding, root: string, ruleDocs: (rule: string) => vscode.Uri, stale?: Staleness): vscode.Diagnostic {
  const lines = [finding.message];
  if (finding.suggestion) lines.push(finding.suggestion);
  if (stale) lines.push(staleNote(stale));
  const message = lines.join('\n');
  const diagnostic = new vscode.Diagnostic(locationRange(finding.location), message, SEVERITY[finding.severity]);
  diagnostic.source = 'Fairframe';
  diagnostic.code = { value: finding.rule, target: ruleDocs(finding.rule) };
  if (finding.related?.length) {
    diagnostic.relatedInformation = finding.related.slice(0, 20).map((location) => new vscode.DiagnosticRelatedInformation(
      new vscode.Location(locationUri(location, root), locationRange(location)),
      `Also: ${path.relative(root, path.resolve(root, location.file)) || location.file}${location.line ? `:${location.line}` : ''}`,
    ));
  }
  return diagnostic;
}

/** Owns the 'fairframe' DiagnosticCollection and rebuilds it from the store on every change. */
export class AuditDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('fairframe');
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: AuditStore, private readonly ruleDocs: (rule: string) => vscode.Uri) {
    this.subscription = store.onDidChange(() => this.rebuild());
  }

  /** The finding behind a diagnostic on `uri` (diagnostics come back as copies, so they are matched by rule, line and text). */
  finding(uri: vscode.Uri, diagnostic: vscode.Diagnostic): StoredFinding | undefined {
    const rule = typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code ?? '');
    return this.store.findings().find((stored) =>
      stored.finding.rule === rule
      && locationUri(stored.finding.location, stored.root).toString() === uri.toString()
      && locationRange(stored.finding.location).start.line === diagnostic.range.start.line
      && diagnostic.message.startsWith(stored.finding.message));
  }

  /** Removes every Fairframe diagnostic. */
  clear(): void {
    this.collection.clear();
  }

  dispose(): void {
    this.subscription.dispose();
    this.collection.dispose();
  }

  private rebuild(): void {
    const files = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
    for (const stored of this.store.findings()) {
      const uri = locationUri(stored.finding.location, stored.root);
      const key = uri.toString();
      let entry = files.get(key);
      if (!entry) files.set(key, (entry = { uri, list: [] }));
      entry.list.push(toDiagnostic(stored.finding, stored.root, this.ruleDocs, stored.stale));
    }
    this.collection.clear();
    this.collection.set([...files.values()].map(({ uri, list }) => [uri, list] as [vscode.Uri, vscode.Diagnostic[]]));
  }
}
