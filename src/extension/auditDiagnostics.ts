// Puts every current finding (datasets and models) in the Problems panel: one diagnostic per finding, on its file and line.
import { promises as fs, statSync } from 'node:fs';
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

/** Scheme of the read-only pages that list the findings located on a folder (a class-folder dataset has no file to hold them). */
export const FOLDER_FINDINGS_SCHEME = 'fairframe-findings';
/** Lines above the first finding on a folder's page. */
const PAGE_HEADER_LINES = 3;

/** The page of findings located on `folder`: what a Problems entry on that folder opens. */
export function folderFindingsUri(folder: string): vscode.Uri {
  return vscode.Uri.from({ scheme: FOLDER_FINDINGS_SCHEME, path: `${vscode.Uri.file(folder).path}/Fairframe findings` });
}

/** A folder's page: its text and the finding on each of its lines (from PAGE_HEADER_LINES on). */
interface FolderPage {
  folder: string;
  text: string;
  findings: StoredFinding[];
}

/** The text of a folder's page: a header, then one finding per line (severity, rule, message, first line of its suggestion). */
export function folderPageText(folder: string, findings: readonly StoredFinding[]): string {
  const lines = [
    `Fairframe findings located on the folder ${folder}`,
    'Each line below is one finding; its entry in the Problems panel points here. Quick fixes (Ctrl+.) show it in the dashboard or compare its images.',
    '',
    ...findings.map(({ finding, stale }) => `${finding.severity.padEnd(7)} ${finding.rule}  ${oneLine(finding.message)}${finding.suggestion ? `  — ${oneLine(finding.suggestion)}` : ''}${stale ? `  [${staleNote(stale)}]` : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** Which paths are folders: each path is looked at once (a finding's path does not turn from file to folder). */
class FolderPaths {
  private readonly known = new Map<string, boolean>();

  /** The folders among `files`. Synchronous, so the Problems panel is set in the same turn as the store changes. */
  of(files: Iterable<string>): Set<string> {
    const folders = new Set<string>();
    for (const file of files) {
      let folder = this.known.get(file);
      if (folder === undefined) {
        folder = statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
        this.known.set(file, folder);
      }
      if (folder) folders.add(file);
    }
    return folders;
  }
}

/** Owns the 'fairframe' DiagnosticCollection and rebuilds it from the store on every change. */
export class AuditDiagnostics implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private readonly collection = vscode.languages.createDiagnosticCollection('fairframe');
  private readonly subscription: vscode.Disposable;
  private readonly lineCache = new LineCache();
  private readonly folders = new FolderPaths();
  private generation = 0;
  private settledPromise: Promise<void> = Promise.resolve();
  /** Pages of the folders that findings are located on, by page URI. */
  private pages = new Map<string, FolderPage>();
  private readonly pageChanged = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.pageChanged.event;

  constructor(private readonly store: AuditStore, private readonly ruleDocs: (rule: string) => vscode.Uri) {
    this.subscription = store.onDidChange(() => {
      this.settledPromise = this.rebuild();
    });
  }

  /** Resolves once the diagnostics show the store's latest state. */
  settled(): Promise<void> {
    return this.settledPromise;
  }

  /** The text of a folder's page of findings (VS Code asks when the page is opened, and again after each change). */
  provideTextDocumentContent(uri: vscode.Uri): string {
    const page = this.pages.get(uri.toString());
    return page?.text ?? 'No Fairframe finding is located on this folder now.\n';
  }

  /** The finding behind a diagnostic on `uri` (diagnostics come back as copies, so they are matched by rule, line and text). */
  finding(uri: vscode.Uri, diagnostic: vscode.Diagnostic): StoredFinding | undefined {
    const rule = typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code ?? '');
    if (uri.scheme === FOLDER_FINDINGS_SCHEME) {
      const stored = this.pages.get(uri.toString())?.findings[diagnostic.range.start.line - PAGE_HEADER_LINES];
      return stored && stored.finding.rule === rule && diagnostic.message.startsWith(stored.finding.message) ? stored : undefined;
    }
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
    this.pageChanged.dispose();
  }

  /** Sets every diagnostic at once (whole lines), then narrows the manifest rows' ranges beside their image paths. */
  private async rebuild(): Promise<void> {
    const generation = ++this.generation;
    const stored = this.store.findings();
    // A finding located on a folder (a class-folder dataset, a class folder) goes on that folder's page, which opens
    // as a document: a folder cannot be opened as a file.
    const folders = this.folders.of(stored.flatMap((entry) => [entry.finding.location, ...(entry.finding.related ?? [])]
      .filter((location) => !location.line)
      .map((location) => path.resolve(entry.root, location.file))));
    const pages = new Map<string, FolderPage>();
    const files = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
    for (const entry of stored) {
      const file = path.resolve(entry.root, entry.finding.location.file);
      const diagnostic = toDiagnostic(entry.finding, entry.root, this.ruleDocs, entry.stale);
      let uri = locationUri(entry.finding.location, entry.root);
      if (folders.has(file)) {
        uri = folderFindingsUri(file);
        let page = pages.get(uri.toString());
        if (!page) pages.set(uri.toString(), (page = { folder: file, text: '', findings: [] }));
        const line = PAGE_HEADER_LINES + page.findings.length;
        diagnostic.range = new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER);
        page.findings.push(entry);
      }
      for (const related of diagnostic.relatedInformation ?? []) {
        if (folders.has(related.location.uri.fsPath)) related.location = new vscode.Location(folderFindingsUri(related.location.uri.fsPath), new vscode.Position(0, 0));
      }
      const key = uri.toString();
      let list = files.get(key);
      if (!list) files.set(key, (list = { uri, list: [] }));
      list.list.push(diagnostic);
    }
    for (const page of pages.values()) page.text = folderPageText(page.folder, page.findings);
    const changedPages = new Set([...this.pages.keys(), ...pages.keys()]);
    this.pages = pages;
    for (const key of changedPages) this.pageChanged.fire(vscode.Uri.parse(key));
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
