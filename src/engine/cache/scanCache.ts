// The persistent per-file scan cache: one JSON-lines file per dataset root, in a cache folder outside
// the dataset. An entry is valid while the file's size and mtime are unchanged. A corrupt, foreign or
// old-version cache file is treated as empty; a torn last line (a killed run) is skipped.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { FairframeError } from '../errors';
import type { ScanOutcome } from '../types';
import { isThumbnailText } from '../image/thumbnail';
import { JsonlCache } from './jsonlCache';
import type { JsonlCacheStats } from './jsonlCache';

/** Bump whenever ImageFacts, ScanOutcome or how they are computed changes: older caches are then ignored. */
export const SCAN_CACHE_VERSION = 3;

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
  if (!isObject(value)) return false;
  const line = value as Partial<EntryLine>;
  if (typeof line.p !== 'string' || !isCount(line.s) || !Number.isFinite(line.m)) return false;
  if (line.h !== undefined && !isHex(line.h, 64)) return false;
  return isScanOutcome(line.o);
}

// A cache line is data from disk: every fact is checked for its type and range, and a line that fails is dropped
// (its image is scanned again) rather than trusted.
const SCAN_ERROR_CODES = new Set<string>(['zero-byte', 'unreadable', 'truncated', 'unsupported-format', 'oversized', 'not-a-file']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
function inRange(value: unknown, low: number, high: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= low && value <= high;
}
function isHex(value: unknown, digits: number): boolean {
  return typeof value === 'string' && value.length === digits && /^[0-9a-f]+$/.test(value);
}
function optional(value: unknown, test: (v: unknown) => boolean): boolean {
  return value === undefined || test(value);
}

/** True when `value` has the shape and ranges of a ScanOutcome. */
export function isScanOutcome(value: unknown): value is ScanOutcome {
  if (!isObject(value)) return false;
  if (value.ok === false) {
    return typeof value.code === 'string' && SCAN_ERROR_CODES.has(value.code) && typeof value.message === 'string'
      && optional(value.bytes, isCount) && optional(value.width, isCount) && optional(value.height, isCount)
      && optional(value.format, (v) => typeof v === 'string') && optional(value.sha256, (v) => isHex(v, 64));
  }
  if (value.ok !== true || !isObject(value.facts)) return false;
  const f = value.facts;
  const exif = f.exif;
  const provenance = f.provenance;
  return isCount(f.width) && (f.width as number) > 0 && isCount(f.height) && (f.height as number) > 0
    && isCount(f.channels) && (f.channels as number) >= 1 && (f.channels as number) <= 5
    && typeof f.format === 'string' && isCount(f.bytes)
    && inRange(f.brightness, 0, 255) && inRange(f.contrast, 0, 255) && inRange(f.saturation, 0, 1) && inRange(f.sharpness, 0, Number.MAX_VALUE)
    && typeof f.greyscale === 'boolean' && isHex(f.dhash, 16) && isHex(f.sha256, 64) && isThumbnailText(f.thumbnail)
    && isObject(exif) && isObject(provenance)
    && optional(exif.gps, (g) => isObject(g) && inRange(g.latitude, -90, 90) && inRange(g.longitude, -180, 180))
    && optional(exif.serials, (v) => isObject(v) && Object.values(v).every((x) => typeof x === 'string'))
    && optional(exif.make, (v) => typeof v === 'string') && optional(exif.model, (v) => typeof v === 'string')
    && optional(provenance.digitalSourceType, (v) => typeof v === 'string')
    && optional(provenance.aiGenerated, (v) => typeof v === 'boolean') && optional(provenance.c2pa, (v) => typeof v === 'boolean');
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
