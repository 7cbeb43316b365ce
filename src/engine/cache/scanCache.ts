// The persistent per-file scan cache: one JSON-lines file per dataset root, in a cache folder outside
// the dataset. An entry is valid while the file's size and mtime are unchanged. A corrupt, foreign or
// old-version cache file is treated as empty; a torn last line (a killed run) is skipped.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FairframeError } from '../errors';
import type { ScanOutcome } from '../types';

/** Bump whenever ImageFacts, ScanOutcome or how they are computed changes: older caches are then ignored. */
export const SCAN_CACHE_VERSION = 1;

/** What the cache did during this session. */
export interface ScanCacheStats {
  /** Entries read from disk when opened. */
  loaded: number;
  hits: number;
  misses: number;
  /** True when an existing cache file was unusable (corrupt, another version or another root) and ignored. */
  discarded: boolean;
  /** Lines skipped because they could not be parsed or had the wrong shape. */
  skippedLines: number;
  /** Entries written to disk (appended or rewritten). */
  written: number;
  /** The last write failure, if any; writing the cache never fails a scan. */
  writeError?: string;
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
  sha256?: string;
  outcome: ScanOutcome;
}

/** One line of the file after the header. Short keys keep large caches small. */
interface EntryLine {
  p: string;
  s: number;
  m: number;
  h?: string;
  o: ScanOutcome;
}

interface HeaderLine {
  fairframeScanCache: number;
  root: string;
}

/** Per-file cache of scan outcomes for one dataset root. */
export class ScanCache {
  readonly file: string;
  readonly stats: ScanCacheStats;
  private readonly root: string;
  private readonly entries = new Map<string, CacheEntry>();
  private readonly touched = new Set<string>();
  private pending = new Set<string>();
  /** True when the file on disk must be rewritten rather than appended to (missing, discarded or with dead lines). */
  private rewrite: boolean;
  private writing: Promise<void> = Promise.resolve();

  private constructor(file: string, root: string, stats: ScanCacheStats, rewrite: boolean) {
    this.file = file;
    this.root = root;
    this.stats = stats;
    this.rewrite = rewrite;
  }

  /** The cache file used for a dataset root: `<cacheDir>/scan-v<version>/<sha256(root)>.jsonl`. */
  static fileFor(cacheDir: string, datasetRoot: string): string {
    const digest = createHash('sha256').update(path.resolve(datasetRoot)).digest('hex');
    return path.join(path.resolve(cacheDir), `scan-v${SCAN_CACHE_VERSION}`, `${digest}.jsonl`);
  }

  /** Opens (or starts) the cache of a dataset root; refuses a cache folder inside the dataset. */
  static async open(cacheDir: string, datasetRoot: string): Promise<ScanCache> {
    const root = path.resolve(datasetRoot);
    const file = ScanCache.fileFor(cacheDir, root);
    if (isInside(root, file)) {
      throw new FairframeError(
        'bad-config',
        `The cache folder '${path.resolve(cacheDir)}' is inside the dataset '${root}', and Fairframe never writes inside a dataset. Choose a cache folder outside it.`,
        { cacheDir: path.resolve(cacheDir), root },
      );
    }
    const stats: ScanCacheStats = { loaded: 0, hits: 0, misses: 0, discarded: false, skippedLines: 0, written: 0 };
    let text: string | undefined;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      text = undefined; // no cache yet (or unreadable): start empty
    }
    const cache = new ScanCache(file, root, stats, true);
    if (text !== undefined) cache.load(text);
    return cache;
  }

  /** The cached outcome when the file still has this size and mtime; otherwise undefined. */
  get(filePath: string, size: number, mtimeMs: number): ScanOutcome | undefined {
    const entry = this.entries.get(filePath);
    if (entry && entry.size === size && entry.mtimeMs === mtimeMs) {
      this.touched.add(filePath);
      this.stats.hits++;
      return entry.outcome;
    }
    this.stats.misses++;
    return undefined;
  }

  /** Records the outcome of scanning a file with this size and mtime. */
  set(filePath: string, size: number, mtimeMs: number, outcome: ScanOutcome): void {
    const sha256 = outcome.ok ? outcome.facts.sha256 : outcome.sha256;
    this.entries.set(filePath, { size, mtimeMs, ...(sha256 ? { sha256 } : {}), outcome });
    this.touched.add(filePath);
    this.pending.add(filePath);
  }

  /** Number of entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Entries set since the last write. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Forgets entries neither read nor written this session (files no longer in the dataset). */
  prune(): void {
    for (const key of this.entries.keys()) {
      if (!this.touched.has(key)) {
        this.entries.delete(key);
        this.rewrite = true;
      }
    }
  }

  /** Appends the entries set since the last write (cheap), or rewrites the file when it must be. */
  async flush(): Promise<void> {
    if (this.rewrite) return this.save();
    await this.serialised(async () => {
      if (this.pending.size === 0) return;
      const keys = [...this.pending];
      this.pending = new Set();
      const lines = keys.map((key) => this.lineFor(key)).join('');
      try {
        await fs.appendFile(this.file, lines, 'utf8');
        this.stats.written += keys.length;
      } catch (error) {
        for (const key of keys) this.pending.add(key);
        this.stats.writeError = describe(error);
      }
    });
  }

  /** Rewrites the whole cache file atomically (temp file + rename), dropping dead lines. */
  async save(): Promise<void> {
    await this.serialised(async () => {
      if (!this.rewrite && this.pending.size === 0) return;
      const header: HeaderLine = { fairframeScanCache: SCAN_CACHE_VERSION, root: this.root };
      const keys = [...this.entries.keys()];
      const body = keys.map((key) => this.lineFor(key)).join('');
      // Entries set while the file is being written stay pending for the next flush.
      const written = new Set(this.pending);
      const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await fs.mkdir(path.dirname(this.file), { recursive: true });
        await fs.writeFile(temp, `${JSON.stringify(header)}\n${body}`, 'utf8');
        await fs.rename(temp, this.file);
        this.stats.written += keys.length;
        for (const key of written) this.pending.delete(key);
        this.rewrite = false;
      } catch (error) {
        this.stats.writeError = describe(error);
        await fs.rm(temp, { force: true }).catch(() => undefined);
      }
    });
  }

  private load(text: string): void {
    const lines = text.split('\n');
    const header = parseJson(lines[0]) as Partial<HeaderLine> | undefined;
    if (!header || header.fairframeScanCache !== SCAN_CACHE_VERSION || header.root !== this.root) {
      this.stats.discarded = true;
      return;
    }
    let dead = 0;
    for (let i = 1; i < lines.length; i++) {
      if (lines[i] === '') continue;
      const line = parseJson(lines[i]);
      if (!isEntryLine(line)) {
        this.stats.skippedLines++;
        dead++;
        continue;
      }
      if (this.entries.has(line.p)) dead++;
      this.entries.set(line.p, { size: line.s, mtimeMs: line.m, ...(line.h ? { sha256: line.h } : {}), outcome: line.o });
    }
    this.stats.loaded = this.entries.size;
    // Appending after a torn or dead line is still safe; rewrite only when dead lines pile up.
    this.rewrite = dead > 0 && dead >= this.entries.size / 4;
    if (!text.endsWith('\n')) this.rewrite = true; // a torn last line would swallow the next append
  }

  private lineFor(key: string): string {
    const entry = this.entries.get(key) as CacheEntry;
    const line: EntryLine = { p: key, s: entry.size, m: entry.mtimeMs, ...(entry.sha256 ? { h: entry.sha256 } : {}), o: entry.outcome };
    return `${JSON.stringify(line)}\n`;
  }

  /** Runs cache writes one at a time. */
  private serialised(task: () => Promise<void>): Promise<void> {
    const run = this.writing.then(task);
    this.writing = run.catch(() => undefined);
    return run;
  }
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isEntryLine(value: unknown): value is EntryLine {
  if (typeof value !== 'object' || value === null) return false;
  const line = value as Partial<EntryLine>;
  if (typeof line.p !== 'string' || typeof line.s !== 'number' || typeof line.m !== 'number') return false;
  const outcome = line.o as Partial<Record<string, unknown>> | undefined;
  if (typeof outcome !== 'object' || outcome === null) return false;
  if (outcome.ok === true) {
    const facts = outcome.facts as Partial<Record<string, unknown>> | undefined;
    return typeof facts === 'object' && facts !== null && typeof facts.sha256 === 'string' && typeof facts.dhash === 'string' && typeof facts.width === 'number';
  }
  return outcome.ok === false && typeof outcome.code === 'string' && typeof outcome.message === 'string';
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
