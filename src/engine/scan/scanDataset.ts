// The scan stage: every record's file is stat'ed, looked up in the per-file cache, and scanned only
// when its size or mtime changed. Bounded concurrency and memory (only facts are kept), throttled
// progress, prompt cancellation, and a cache that is written as the scan goes.
import { promises as fs, type Stats } from 'node:fs';
import * as os from 'node:os';
import sharp from 'sharp';
import { ScanCache } from '../cache/scanCache';
import { FairframeError, throwIfAborted } from '../errors';
import { oversizedMessage, scanImage } from '../image/scanImage';
import type { Dataset, DatasetRecord, ScanOutcome } from '../types';
import type { ScanOptions, ScanResult, ScanStats } from './scanTypes';
import { throttledProgress } from './throttledProgress';

/** New cache entries are written to disk after this many scanned files, so an interrupted scan keeps its work. */
export const CACHE_FLUSH_EVERY = 2000;

/**
 * Files scanned at once by default: one per core plus two, to hide file reads and the statistics computed on
 * the main thread (measured best on a 2-core machine, with libvips at one thread per image: see withOneVipsThreadPerImage).
 */
export function defaultScanConcurrency(): number {
  return Math.max(2, Math.min(10, os.availableParallelism() + 2));
}

let activeScans = 0;
let savedVipsThreads = 0;

/**
 * While scans run, libvips uses one thread per image: dataset images are small, and decoding several
 * files in parallel beats splitting each one across threads (measured). The previous setting is restored
 * when the last scan ends.
 */
async function withOneVipsThreadPerImage<T>(run: () => Promise<T>): Promise<T> {
  if (activeScans++ === 0) {
    savedVipsThreads = sharp.concurrency();
    sharp.concurrency(1);
  }
  try {
    return await run();
  } finally {
    if (--activeScans === 0) sharp.concurrency(savedVipsThreads);
  }
}

/** Scans every record of a dataset (cached per file); throws FairframeError 'cancelled' when the signal fires. */
export function scanDataset(dataset: Dataset, options: ScanOptions): Promise<ScanResult> {
  return withOneVipsThreadPerImage(() => scanRecords(dataset, options));
}

async function scanRecords(dataset: Dataset, options: ScanOptions): Promise<ScanResult> {
  const { signal, maxPixels } = options;
  throwIfAborted(signal);
  const cache = options.cacheDir ? await ScanCache.open(options.cacheDir, dataset.root) : undefined;
  const records = dataset.records;
  const total = records.length;
  const results = new Array<ScanOutcome | undefined>(total);
  const stats: ScanStats = { scanned: 0, failed: 0, cacheHits: 0, decoded: 0 };
  const progress = throttledProgress(options.onProgress);
  const message = `Scanning images of ${dataset.name}`;
  progress.flush({ stage: 'scan', done: 0, total, message });

  // One scan per distinct file, even when several records name it.
  const byPath = new Map<string, Promise<ScanOutcome>>();
  let next = 0;
  let stop = false;
  let failure: unknown;

  const scanFile = async (filePath: string): Promise<ScanOutcome> => {
    let stat: Stats;
    try {
      stat = await fs.stat(filePath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, code: 'not-a-file', message: 'No file exists at this path.' };
      return { ok: false, code: 'unreadable', message: `The file could not be read (${code ?? 'stat error'}).` };
    }
    if (!stat.isFile()) {
      const kind = stat.isDirectory() ? 'a folder' : 'not a regular file';
      return { ok: false, code: 'not-a-file', message: `The path is ${kind}, not an image file.` };
    }
    const cached = cache?.get(filePath, stat.size, stat.mtimeMs);
    if (cached) {
      const limited = applyPixelLimit(cached, maxPixels);
      if (limited) {
        stats.cacheHits++;
        return limited;
      }
    }
    const outcome = await scanImage(filePath, { maxPixels, signal });
    stats.decoded++;
    // A read failure may be passing (permissions, I/O): cache only outcomes that came from the file's bytes.
    if (cache && (outcome.ok || outcome.sha256 !== undefined || outcome.code === 'zero-byte')) {
      cache.set(filePath, stat.size, stat.mtimeMs, outcome);
      if (cache.pendingCount >= CACHE_FLUSH_EVERY) await cache.flush();
    }
    return outcome;
  };

  const scanRecord = (record: DatasetRecord): Promise<ScanOutcome> => {
    let pending = byPath.get(record.path);
    if (!pending) {
      pending = scanFile(record.path);
      byPath.set(record.path, pending);
    }
    return pending;
  };

  const worker = async (): Promise<void> => {
    while (!stop && next < total) {
      if (signal?.aborted) return;
      const index = next++;
      try {
        const outcome = await scanRecord(records[index]);
        results[index] = outcome;
        stats.scanned++;
        if (!outcome.ok) stats.failed++;
        progress.report({ stage: 'scan', done: stats.scanned, total, message });
      } catch (error) {
        if (!FairframeError.is(error, 'cancelled')) failure ??= error;
        stop = true;
      }
    }
  };

  const concurrency = Math.max(1, Math.floor(options.concurrency ?? defaultScanConcurrency()));
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, total)) }, worker));

  if (cache) {
    // A complete scan forgets files that left the dataset; an interrupted one keeps everything it had.
    if (!signal?.aborted && failure === undefined && !options.partial) cache.prune();
    await cache.flush();
  }
  if (failure !== undefined) throw failure;
  throwIfAborted(signal);
  progress.flush({ stage: 'scan', done: stats.scanned, total, message });
  // Outcomes in record order, whatever order the files finished in.
  const outcomes = new Map<string, ScanOutcome>();
  records.forEach((record, index) => {
    const outcome = results[index];
    if (outcome) outcomes.set(record.id, outcome);
  });
  return { outcomes, stats };
}

/**
 * Re-applies the pixel limit to a cached outcome, since the limit may have changed since it was cached:
 * facts of an image now over the limit become 'oversized'; an 'oversized' image now within it needs a scan (undefined).
 */
function applyPixelLimit(outcome: ScanOutcome, maxPixels: number): ScanOutcome | undefined {
  if (outcome.ok) {
    const { width, height, bytes, format, sha256 } = outcome.facts;
    if (width * height <= maxPixels) return outcome;
    return {
      ok: false,
      code: 'oversized',
      message: oversizedMessage(width, height, maxPixels),
      bytes,
      format,
      sha256,
      width,
      height,
    };
  }
  if (outcome.code === 'oversized' && outcome.width !== undefined && outcome.height !== undefined && outcome.width * outcome.height <= maxPixels) {
    return undefined;
  }
  return outcome;
}
