// Puts every current finding (datasets and models) in the Problems panel: one diagnostic per finding, on its file and line.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Finding, Location, Severity } from '../engine/types';
import type { AuditStore, Staleness, StoredFinding } from './auditStore';
import { firstImagePath } from './imagePathAt';

/** Manifests whose rows name images. */
const MANIFEST_FILE = /\.(csv|tsv|jsonl)$/i;

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

/** The part of a manifest row a diagnostic covers: the row without its image path, so that hovering the path shows
 * the image hover (image first, the row's problems under it) rather than the problem alone with the image below. */
export function rowRangeBesidePath(lineText: string, line: number, tabular: boolean): vscode.Range | undefined {
  const token = firstImagePath(lineText, tabular);
  if (!token) return undefined;
  const end = lineText.replace(/\s+$/, '').length;
  if (token.end < end) return new vscode.Range(line, token.end, line, end);
  if (token.start > 0) return new vscode.Range(line, 0, line, token.start);
  return undefined;
}

/** Lines of text files, read once per version (size and modification time). */
class LineCache {
  private readonly files = new Map<string, { stamp: string; lines: string[] }>();

  async lines(file: string): Promise<string[] | undefined> {
    const stat = await fs.stat(file).catch(() => undefined);
    // Large files keep the whole-line ranges: reading them on every change is not worth it.
    if (!stat?.isFile() || stat.size > 16 * 1024 * 1024) return undefined;
    const stamp = `${stat.size}:${stat.mtimeMs}`;
    const cached = this.files.get(file);
    if (cached?.stamp === stamp) return cached.lines;
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const lines = text.split(/\r?\n/);
    this.files.set(file, { stamp, lines });
    return lines;
  }
}

/** Owns the 'fairframe' DiagnosticCollection and rebuilds it from the store on every change. */
export class AuditDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('fairframe');
  private readonly subscription: vscode.Disposable;
  private readonly lineCache = new LineCache();
  private generation = 0;
  private settledPromise: Promise<void> = Promise.resolve();

  constructor(private readonly store: AuditStore, private readonly ruleDocs: (rule: string) => vscode.Uri) {
    this.subscription = store.onDidChange(() => {
      this.settledPromise = this.rebuild();
    });
  }

  /** Resolves once the diagnostics show the store's latest state. */
  settled(): Promise<void> {
    return this.settledPromise;
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

  /** Sets every diagnostic at once (whole lines), then narrows the manifest rows' ranges beside their image paths. */
  private async rebuild(): Promise<void> {
    const generation = ++this.generation;
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
    for (const { uri, list } of files.values()) {
      if (!MANIFEST_FILE.test(uri.fsPath) || !list.some((diagnostic) => diagnostic.range.end.character > 0)) continue;
      const lines = await this.lineCache.lines(uri.fsPath);
      if (generation !== this.generation) return;
      if (!lines) continue;
      const tabular = /\.(csv|tsv)$/i.test(uri.fsPath);
      let narrowed = false;
      for (const diagnostic of list) {
        if (diagnostic.range.end.character === 0) continue;
        const text = lines[diagnostic.range.start.line];
        const range = text === undefined ? undefined : rowRangeBesidePath(text, diagnostic.range.start.line, tabular);
        if (range) {
          diagnostic.range = range;
          narrowed = true;
        }
      }
      if (narrowed) this.collection.set(uri, list);
    }
  }
}
