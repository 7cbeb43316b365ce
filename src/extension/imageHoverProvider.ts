// Hovers on image paths (and on image items of the trees): thumbnail, label, split, groups, the model's top-3,
// the explanation overlay when a provider is registered, and flags. Cached parts show at once; the rest is computed
// in the background and shows on the next hover, so a hover never waits long and never blocks typing.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LabelIssue, RecordPrediction } from '../engine/modelAudit/modelAuditTypes';
import type { AuditStore } from './auditStore';
import { datasetKey } from './auditStore';
import { imagePathAt } from './imagePathAt';
import type { IndexedRecord, RecordIndex } from './recordIndex';
import { maxHoverThumbnailSize } from './fairframeSettings';
import type { ThumbnailCache } from './thumbnailCache';

/** How long a hover waits for uncached parts before it shows what it has. */
const HOVER_WAIT_MS = 150;

/** Files whose image paths get hovers. */
export const IMAGE_PATH_DOCUMENTS: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/*.{csv,tsv,jsonl,json,yaml,yml,py,md,markdown,txt}' },
  { scheme: 'file', language: 'python' },
  { scheme: 'file', language: 'markdown' },
  { scheme: 'file', language: 'yaml' },
  { scheme: 'file', language: 'json' },
  { scheme: 'file', language: 'jsonc' },
];

/** What an explanation overlay provider is asked for. */
export interface OverlayRequest {
  image: string;
  model: string;
  /** The class to explain: the model's top prediction. */
  className?: string;
  size: number;
  signal: AbortSignal;
}

/** An explanation heatmap blended over the image, as PNG bytes, and the method that made it. */
export interface OverlayImage {
  png: Uint8Array;
  method: string;
}

/** Renders an explanation overlay (e.g. with the engine's `renderOverlayPng`); called only in trusted workspaces. */
export type OverlayProvider = (request: OverlayRequest) => Promise<OverlayImage | undefined>;

/** Everything a hover shows about one image. */
export interface ImageFacts {
  file: string;
  indexed?: IndexedRecord;
  exists: boolean;
}

/** Builds the hover of one image and keeps the background work it starts. */
export class ImageHoverContent {
  private readonly background = new Set<Promise<unknown>>();
  private readonly overlays = new Map<string, OverlayImage | null>();
  private overlayProvider: OverlayProvider | undefined;

  constructor(private readonly store: AuditStore, private readonly records: RecordIndex, private readonly thumbnails: ThumbnailCache) {}

  /** Registers the explanation overlay provider (one at a time); dispose to remove it. */
  setOverlayProvider(provider: OverlayProvider): vscode.Disposable {
    this.overlayProvider = provider;
    this.overlays.clear();
    return new vscode.Disposable(() => {
      if (this.overlayProvider === provider) this.overlayProvider = undefined;
    });
  }

  /** Resolves when the background work started by earlier hovers is done. */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** The hover markdown of `file`; waits at most HOVER_WAIT_MS (and not at all once `token` is cancelled) for uncached parts. */
  async markdown(file: string, token?: vscode.CancellationToken): Promise<vscode.MarkdownString> {
    const absolute = path.resolve(file);
    const size = maxHoverThumbnailSize();
    const trusted = vscode.workspace.isTrusted;
    const waits: Array<Promise<unknown>> = [];
    if (!this.records.ready) waits.push(this.track(this.records.ensure()));
    const abort = new AbortController();
    const cancel = token?.onCancellationRequested(() => abort.abort());
    if (trusted && !this.thumbnails.cached(absolute, size)) waits.push(this.track(this.thumbnails.make(absolute, size)));
    if (waits.length > 0 && !token?.isCancellationRequested) {
      await Promise.race([Promise.allSettled(waits), delay(HOVER_WAIT_MS), new Promise((resolve) => token?.onCancellationRequested(resolve))]);
    }
    cancel?.dispose();
    const indexed = this.records.lookup(absolute);
    const exists = indexed !== undefined || (await fs.stat(absolute).then((stat) => stat.isFile(), () => false));
    const thumbnail = trusted ? this.thumbnails.cached(absolute, size) : undefined;
    const pending = trusted && !thumbnail && exists;
    const overlay = trusted ? this.overlayFor(absolute, indexed, size, abort.signal) : undefined;
    return this.render({ file: absolute, indexed, exists }, thumbnail?.dataUri, overlay, pending, trusted);
  }

  private render(facts: ImageFacts, thumbnail: string | undefined, overlay: OverlayImage | undefined, pending: boolean, trusted: boolean): vscode.MarkdownString {
    const md = new vscode.MarkdownString(undefined, true);
    md.supportHtml = false;
    md.isTrusted = false;
    const { indexed } = facts;
    const relPath = indexed?.record.relPath ?? path.basename(facts.file);
    if (thumbnail) md.appendMarkdown(`![${escapeAlt(relPath)}](${thumbnail})`);
    if (overlay) md.appendMarkdown(` ![${escapeAlt(`${overlay.method} explanation`)}](data:image/png;base64,${Buffer.from(overlay.png).toString('base64')})`);
    if (thumbnail || overlay) md.appendMarkdown('\n\n');
    if (!trusted) md.appendMarkdown('_Thumbnails are off in a restricted workspace._\n\n');
    else if (pending) md.appendMarkdown('_Preview is being prepared; hover again to see it._\n\n');
    md.appendMarkdown('$(file-media) ');
    md.appendText(relPath);
    if (!facts.exists) {
      md.appendMarkdown('\n\n$(error) ');
      md.appendText('The file does not exist.');
      return md;
    }
    const problem = this.records.problemFor(facts.file);
    if (!indexed) {
      md.appendMarkdown(problem ? '\n\n$(error) ' : '\n\n');
      md.appendText(problem ? `${problem} (see the Fairframe output).` : this.records.ready ? 'Not part of a discovered dataset.' : 'Reading the datasets…');
      return md;
    }
    if (problem) {
      md.appendMarkdown('\n\n$(warning) ');
      md.appendText(`${problem}.`);
    }
    const { record, dataset } = indexed;
    md.appendMarkdown('\n\n**Label** ');
    md.appendText(record.label);
    if (record.split) {
      md.appendMarkdown(' · **split** ');
      md.appendText(record.split);
    }
    md.appendMarkdown(' · **dataset** ');
    md.appendText(dataset.name);
    const groups = Object.entries(record.attributes);
    if (groups.length > 0) {
      md.appendMarkdown('\n\n**Groups** ');
      md.appendText(groups.map(([name, value]) => `${name} = ${value}`).join(', '));
    }
    for (const { model, prediction } of this.predictionsOf(indexed)) {
      md.appendMarkdown(`\n\n$(${prediction.correct ? 'pass' : 'close'}) **`);
      md.appendText(path.basename(model));
      md.appendMarkdown('** ');
      md.appendText(prediction.top.slice(0, 3).map(([name, p]) => `${name} ${(p * 100).toFixed(1)}%`).join(' · '));
    }
    for (const flag of this.flagsOf(indexed)) {
      md.appendMarkdown('\n\n$(warning) ');
      md.appendText(flag);
    }
    return md;
  }

  /** The model predictions of the record, from the latest model audits of its dataset. */
  predictionsOf(indexed: IndexedRecord): Array<{ model: string; prediction: RecordPrediction }> {
    const key = datasetKey(indexed.dataset);
    return this.store.modelAudits()
      .filter((entry) => entry.datasetKey === key && entry.audit.predictions?.[indexed.record.relPath])
      .map((entry) => ({ model: entry.audit.model.file, prediction: entry.audit.predictions?.[indexed.record.relPath] as RecordPrediction }));
  }

  /** Plain-sentence flags: likely mislabelled, duplicate of …, GPS location. */
  flagsOf(indexed: IndexedRecord): string[] {
    const flags: string[] = [];
    const { record, dataset } = indexed;
    const key = datasetKey(dataset);
    for (const entry of this.store.modelAudits()) {
      if (entry.datasetKey !== key) continue;
      const issue: LabelIssue | undefined = entry.audit.labelIssues?.issues.find((candidate) => candidate.relPath === record.relPath);
      if (issue) flags.push(`Likely mislabelled: ${path.basename(entry.audit.model.file)} suggests '${issue.suggestedLabel}' (self-confidence ${issue.selfConfidence.toFixed(2)}; rank ${issue.rank} of ${entry.audit.labelIssues?.flagged ?? '?'} flagged).`);
    }
    for (const finding of this.store.datasetResult(dataset)?.findings ?? []) {
      const paths = finding.evidence.paths;
      if ((finding.rule === 'FF-D020' || finding.rule === 'FF-D021') && Array.isArray(paths) && paths.includes(record.relPath)) {
        const others = (paths as string[]).filter((other) => other !== record.relPath);
        flags.push(`${finding.rule === 'FF-D020' ? 'Exact duplicate' : 'Near duplicate'} of ${others.slice(0, 5).join(', ')}${others.length > 5 ? ` and ${others.length - 5} more` : ''} (${finding.rule}).`);
      }
      if (finding.rule === 'FF-D030' && finding.evidence.path === record.relPath) flags.push('Carries a GPS location in its EXIF metadata (FF-D030).');
    }
    return flags;
  }

  private overlayFor(file: string, indexed: IndexedRecord | undefined, size: number, signal: AbortSignal): OverlayImage | undefined {
    const provider = this.overlayProvider;
    if (!provider || !indexed) return undefined;
    const [latest] = this.predictionsOf(indexed).slice(-1);
    if (!latest) return undefined;
    const key = `${latest.model}\0${file}\0${size}`;
    const cached = this.overlays.get(key);
    if (cached !== undefined) return cached ?? undefined;
    this.overlays.set(key, null);
    void this.track(provider({ image: file, model: latest.model, className: latest.prediction.predicted, size, signal })
      .then((overlay) => (overlay ? this.overlays.set(key, overlay) : this.overlays.delete(key)), () => this.overlays.delete(key)));
    return undefined;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.background.add(promise);
    void promise.finally(() => this.background.delete(promise)).catch(() => undefined);
    return promise;
  }
}

/** The HoverProvider for image paths in text files. */
export class ImageHoverProvider implements vscode.HoverProvider {
  constructor(private readonly content: ImageHoverContent) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const tabular = /\.(csv|tsv)$/i.test(document.fileName);
    const token_ = imagePathAt(document.lineAt(position.line).text, position.character, tabular);
    if (!token_) return undefined;
    const file = await resolveImagePath(token_.text, document.uri.fsPath);
    if (!file || token.isCancellationRequested) return undefined;
    const markdown = await this.content.markdown(file, token);
    if (token.isCancellationRequested) return undefined;
    // The row's problems go under the image (their diagnostics leave the path's columns free, so VS Code's own
    // problem hover does not push the image down).
    for (const diagnostic of vscode.languages.getDiagnostics(document.uri)) {
      if (diagnostic.source !== 'Fairframe' || diagnostic.range.start.line !== position.line || diagnostic.range.end.character === 0) continue;
      const rule = typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code ?? '');
      markdown.appendMarkdown(`\n\n$(${diagnostic.severity === vscode.DiagnosticSeverity.Error ? 'error' : diagnostic.severity === vscode.DiagnosticSeverity.Warning ? 'warning' : 'info'}) `);
      markdown.appendText(`${diagnostic.message.split('\n')[0]} (${rule})`);
    }
    return new vscode.Hover(markdown, new vscode.Range(position.line, token_.start, position.line, token_.end));
  }
}

/** The file an image path in `document` names: absolute, or relative to the document's folder or a workspace folder. */
export async function resolveImagePath(text: string, document: string): Promise<string | undefined> {
  const cleaned = text.replace(/^\.\//, '');
  if (path.isAbsolute(cleaned)) return cleaned;
  const bases = [path.dirname(document), ...(vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath)];
  for (const base of bases) {
    const candidate = path.resolve(base, cleaned);
    if (await fs.stat(candidate).then((stat) => stat.isFile(), () => false)) return candidate;
  }
  // A missing file is still worth a hover in a manifest ("the file does not exist").
  return path.resolve(bases[0], cleaned);
}

function escapeAlt(text: string): string {
  return text.replace(/[[\]\\]/g, (ch) => `\\${ch}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
