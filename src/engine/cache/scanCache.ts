// The persistent per-file scan cache: one JSON-lines file per dataset root, in a cache folder outside
// the dataset. An entry is valid while the file's size and mtime are unchanged. A corrupt, foreign or
// old-version cache file is treated as empty; a torn last line (a killed run) is skipped.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { FairframeError } from '../errors';
import type { ScanOutcome } from '../types';
import { JsonlCache } from './jsonlCache';
import type { JsonlCacheStats } from './jsonlCache';

/** Bump whenever ImageFacts, ScanOutcome or how they are computed changes: older caches are then ignored. */
export const SCAN_CACHE_VERSION = 2;

/** What the cache did during this session; `discarded` also covers a cache file of another root. */
export type ScanCacheStats = JsonlCacheStats;

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

/** The first line of the file (a type, not an interface, so that it is a JsonlCacheHeader). */
type HeaderLine = {
  fairframeScanCache: number;
  root: string;
};

/** Per-file cache of scan outcomes for one dataset root. */
export class ScanCache extends JsonlCache<CacheEntry> {
  private readonly root: string;
  private readonly touched = new Set<string>();

  private constructor(file: string, root: string) {
    super(file);
    this.root = root;
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
    const cache = new ScanCache(file, root);
    await cache.loadFile();
    return cache;
  }

  /** The cached outcome when the file still has this size and mtime; otherwise undefined. */
  get(filePath: string, size: number, mtimeMs: number): ScanOutcome | undefined {
    const entry = this.lookup(filePath, (candidate) => candidate.size === size && candidate.mtimeMs === mtimeMs);
    if (entry) this.touched.add(filePath);
    return entry?.outcome;
  }

  /** Records the outcome of scanning a file with this size and mtime. */
  set(filePath: string, size: number, mtimeMs: number, outcome: ScanOutcome): void {
    const sha256 = outcome.ok ? outcome.facts.sha256 : outcome.sha256;
    this.store(filePath, { size, mtimeMs, ...(sha256 ? { sha256 } : {}), outcome });
    this.touched.add(filePath);
  }

  /** Forgets entries neither read nor written this session (files no longer in the dataset). */
  prune(): void {
    for (const key of this.entries.keys()) {
      if (!this.touched.has(key)) this.forget(key);
    }
  }

  protected override header(): HeaderLine {
    return { fairframeScanCache: SCAN_CACHE_VERSION, root: this.root };
  }

  protected override encodeLine(key: string, entry: CacheEntry): EntryLine {
    return { p: key, s: entry.size, m: entry.mtimeMs, ...(entry.sha256 ? { h: entry.sha256 } : {}), o: entry.outcome };
  }

  protected override decodeLine(value: unknown): { key: string; entry: CacheEntry } | undefined {
    if (!isEntryLine(value)) return undefined;
    return { key: value.p, entry: { size: value.s, mtimeMs: value.m, ...(value.h ? { sha256: value.h } : {}), outcome: value.o } };
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
