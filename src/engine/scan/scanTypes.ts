// The contract of the scanning stage.
import type { RunOptions, ScanOutcome } from '../types';

export interface ScanOptions extends RunOptions {
  /** Folder for the per-file cache; no cache when absent. */
  cacheDir?: string;
  /** Images with more pixels are reported as 'oversized' instead of decoded. */
  maxPixels: number;
  /** Files decoded at once (default: suited to the cores). */
  concurrency?: number;
  /** Scanning part of the dataset (one shard): keep the cache entries of the files not scanned. */
  partial?: boolean;
}

export interface ScanStats {
  scanned: number;
  failed: number;
  cacheHits: number;
  decoded: number;
}

export interface ScanResult {
  /** Outcome per record id. */
  outcomes: Map<string, ScanOutcome>;
  stats: ScanStats;
}
