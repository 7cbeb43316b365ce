// Puts an audit's findings in the Problems panel: one diagnostic per finding, on its file and line.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../engine/auditResult';
import type { Finding, Location, Severity } from '../engine/types';

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

/** Owns the 'fairframe' DiagnosticCollection; each audited target replaces only its own diagnostics. */
export class AuditDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('fairframe');
  /** Diagnostics per audited target, per file URI. */
  private readonly byTarget = new Map<string, Map<string, vscode.Diagnostic[]>>();

  constructor(private readonly ruleDocs: (rule: string) => vscode.Uri) {}

  /** Replaces the diagnostics of `result.target` with those of `result`. */
  set(result: AuditResult): void {
    const files = new Map<string, vscode.Diagnostic[]>();
    for (const finding of result.findings) {
      const uri = vscode.Uri.file(path.resolve(result.root, finding.location.file)).toString();
      let list = files.get(uri);
      if (!list) files.set(uri, (list = []));
      list.push(this.toDiagnostic(finding, result.root));
    }
    const touched = new Set([...(this.byTarget.get(result.target)?.keys() ?? []), ...files.keys()]);
    this.byTarget.set(result.target, files);
    for (const uri of touched) {
      const all = [...this.byTarget.values()].flatMap((perFile) => perFile.get(uri) ?? []);
      this.collection.set(vscode.Uri.parse(uri), all.length ? all : undefined);
    }
  }

  /** Removes every Fairframe diagnostic. */
  clear(): void {
    this.byTarget.clear();
    this.collection.clear();
  }

  dispose(): void {
    this.collection.dispose();
  }

  private toDiagnostic(finding: Finding, root: string): vscode.Diagnostic {
    const message = finding.suggestion ? `${finding.message}\n${finding.suggestion}` : finding.message;
    const diagnostic = new vscode.Diagnostic(locationRange(finding.location), message, SEVERITY[finding.severity]);
    diagnostic.source = 'Fairframe';
    diagnostic.code = { value: finding.rule, target: this.ruleDocs(finding.rule) };
    if (finding.related?.length) {
      diagnostic.relatedInformation = finding.related.slice(0, 20).map((location) => new vscode.DiagnosticRelatedInformation(
        new vscode.Location(vscode.Uri.file(path.resolve(root, location.file)), locationRange(location)),
        `Also: ${path.relative(root, path.resolve(root, location.file)) || location.file}${location.line ? `:${location.line}` : ''}`,
      ));
    }
    return diagnostic;
  }
}
