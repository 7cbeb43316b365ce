// Finds the ONNX models under a folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { throwIfAborted } from '../errors';
import { readDirSafe } from '../dataset/readDirSafe';
import { isInside, isSkippedDirName } from '../dataset/walk';

/** How many folder levels below the root are searched for models by default. */
export const MODEL_DISCOVERY_MAX_DEPTH = 6;

/** Options of `discoverModels`. */
export interface DiscoverModelsOptions {
  /** Deepest folder level searched below the root (default MODEL_DISCOVERY_MAX_DEPTH). */
  maxDepth?: number;
  signal?: AbortSignal;
}

/**
 * Absolute paths of the `.onnx` files under `root` (or `[root]` when it is one), sorted. Hidden files and folders,
 * node_modules and cache folders are skipped; symlinks are followed only when their target lies inside the root,
 * and each folder is listed once. A root that cannot be read gives [].
 */
export async function discoverModels(root: string, options: DiscoverModelsOptions = {}): Promise<string[]> {
  const maxDepth = options.maxDepth ?? MODEL_DISCOVERY_MAX_DEPTH;
  const absolute = path.resolve(root);
  const stat = await fs.stat(absolute).catch(() => undefined);
  if (!stat) return [];
  if (stat.isFile()) return isModelFileName(path.basename(absolute)) ? [absolute] : [];
  const rootReal = await fs.realpath(absolute);
  const found = new Set<string>();
  const visited = new Set<string>([rootReal]);
  const queue: Array<{ dir: string; real: string; depth: number }> = [{ dir: absolute, real: rootReal, depth: 0 }];
  // Symlinks are followed once the plain folders are listed, so a folder is found under its own name, not an alias.
  const symlinks: Array<{ full: string; name: string; depth: number }> = [];
  while (queue.length > 0 || symlinks.length > 0) {
    throwIfAborted(options.signal);
    const next = queue.shift();
    if (!next) {
      const link = symlinks.shift() as { full: string; name: string; depth: number };
      const real = await fs.realpath(link.full).catch(() => undefined);
      if (!real || !isInside(rootReal, real)) continue; // dangling, or pointing outside the root
      const target = await fs.stat(real).catch(() => undefined);
      if (target?.isFile() && isModelFileName(link.name)) found.add(link.full);
      if (target?.isDirectory() && link.depth < maxDepth && !isSkippedDirName(link.name) && !visited.has(real)) {
        visited.add(real);
        queue.push({ dir: link.full, real, depth: link.depth + 1 });
      }
      continue;
    }
    const listing = await readDirSafe(next.dir);
    for (const entry of listing.entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(next.dir, entry.name);
      if (entry.kind === 'file') {
        if (isModelFileName(entry.name)) found.add(full);
      } else if (entry.kind === 'dir') {
        const real = path.join(next.real, entry.name);
        if (next.depth >= maxDepth || isSkippedDirName(entry.name) || visited.has(real)) continue;
        visited.add(real);
        queue.push({ dir: full, real, depth: next.depth + 1 });
      } else if (entry.kind === 'symlink') {
        symlinks.push({ full, name: entry.name, depth: next.depth });
      }
    }
  }
  return [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** True for a file name ending in `.onnx` (any case) that is not hidden. */
export function isModelFileName(name: string): boolean {
  return !name.startsWith('.') && name.toLowerCase().endsWith('.onnx');
}
