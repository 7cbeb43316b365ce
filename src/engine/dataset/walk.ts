// Walks a dataset folder for image files: follows symlinks that stay inside the root, never loops, never throws.
import { promises as fs } from 'node:fs';
import type { Stats } from 'node:fs';
import * as path from 'node:path';
import { throwIfAborted } from '../errors';
import type { LoadIssue } from '../types';
import { isImageFileName } from './imageExtensions';
import { readDirSafe } from './readDirSafe';

/** Folder names never searched: dependencies and caches (hidden folders are skipped as well). */
export const SKIPPED_DIR_NAMES: ReadonlySet<string> = new Set(['node_modules', '__pycache__', 'venv', 'site-packages']);

/** True when a folder is skipped while walking or discovering: hidden, or a dependency/cache folder. */
export function isSkippedDirName(name: string): boolean {
  return name.startsWith('.') || SKIPPED_DIR_NAMES.has(name);
}

/** True when `child` is `parent` or lies inside it (lexically). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** `file` relative to `root` with '/' separators. */
export function toRelPath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** An image file found by the walk. `path` is absolute and not resolved through symlinks. */
export interface WalkedFile {
  path: string;
  relPath: string;
  /** True for a symlink whose target lies outside the root (it must never be read). */
  escapes?: boolean;
}

export interface WalkResult {
  files: WalkedFile[];
  issues: LoadIssue[];
  /** The root with symlinks resolved (absent when the root cannot be read). */
  rootReal?: string;
}

export interface WalkOptions {
  signal?: AbortSignal;
  /** Deepest folder level descended into below the root (default 64). */
  maxDepth?: number;
}

interface PendingDir {
  dir: string;
  real: string;
  depth: number;
}

const PARALLEL_LISTINGS = 8;

/** Finds every image file under `root` (hidden files and skipped folders left out), in relPath order. */
export async function walkImages(root: string, options: WalkOptions = {}): Promise<WalkResult> {
  const maxDepth = options.maxDepth ?? 64;
  const files: WalkedFile[] = [];
  const issues: LoadIssue[] = [];
  let rootReal: string;
  try {
    rootReal = await fs.realpath(root);
  } catch (error) {
    issues.push({ kind: 'unreadable-dir', message: `The folder '${root}' cannot be read: ${(error as Error).message}.`, location: { file: root }, path: '.' });
    return { files, issues };
  }
  const visited = new Set<string>([rootReal]);
  const queue: PendingDir[] = [{ dir: root, real: rootReal, depth: 0 }];

  const visit = async ({ dir, real, depth }: PendingDir): Promise<void> => {
    const listing = await readDirSafe(dir);
    const relDir = toRelPath(root, dir) || '.';
    if (listing.error) {
      issues.push({ kind: 'unreadable-dir', message: `The folder '${relDir}' cannot be listed (${listing.error.code ?? listing.error.message}); its files are left out.`, location: { file: dir }, path: relDir });
      return;
    }
    for (const badName of listing.badNames) {
      const shown = relDir === '.' ? badName : `${relDir}/${badName}`;
      issues.push({ kind: 'unreadable-dir', message: `The entry '${shown}' has a name that is not valid UTF-8 and cannot be read; rename it.`, location: { file: dir }, path: shown });
    }
    for (const entry of listing.entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.kind === 'file') {
        if (isImageFileName(entry.name)) files.push({ path: full, relPath: toRelPath(root, full) });
      } else if (entry.kind === 'dir') {
        if (isSkippedDirName(entry.name) || depth >= maxDepth) continue;
        const childReal = path.join(real, entry.name);
        if (visited.has(childReal)) continue;
        visited.add(childReal);
        queue.push({ dir: full, real: childReal, depth: depth + 1 });
      } else if (entry.kind === 'symlink') {
        symlinks.push(() => visitSymlink(full, entry.name, real, depth));
      } else if (isImageFileName(entry.name)) {
        // A FIFO, socket or device with an image name: never opened (a FIFO would block), but reported.
        const relPath = toRelPath(root, full);
        issues.push({ kind: 'unreadable-dir', message: `The entry '${relPath}' has an image name but is not a regular file (a FIFO, socket or device); it is skipped.`, location: { file: full }, path: relPath });
      }
    }
  };

  const visitSymlink = async (full: string, name: string, parentReal: string, depth: number): Promise<void> => {
    const relPath = toRelPath(root, full);
    let target: string;
    let stat: Stats;
    try {
      target = await fs.realpath(full);
      stat = await fs.stat(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
        issues.push({ kind: 'symlink-loop', message: `The symlink '${relPath}' loops back on itself; it is skipped.`, location: { file: full }, path: relPath });
      }
      return; // a dangling link: nothing to read
    }
    if (stat.isFile()) {
      if (isImageFileName(name)) files.push({ path: full, relPath, escapes: !isInside(rootReal, target) || undefined });
      return;
    }
    if (!stat.isDirectory() && isImageFileName(name)) {
      const what = stat.isFIFO() ? 'a FIFO (named pipe)' : stat.isSocket() ? 'a socket' : 'a device';
      issues.push({ kind: 'unreadable-dir', message: `The entry '${relPath}' has an image name but is ${what}, not a regular file; it is skipped.`, location: { file: full }, path: relPath });
      return;
    }
    if (!stat.isDirectory() || isSkippedDirName(name) || depth >= maxDepth) return;
    if (isInside(target, parentReal)) {
      issues.push({ kind: 'symlink-loop', message: `The folder symlink '${relPath}' points back to '${toRelPath(rootReal, target) || '.'}', which contains it; it is not followed.`, location: { file: full }, path: relPath });
      return;
    }
    if (!isInside(rootReal, target)) {
      issues.push({ kind: 'escapes-root', message: `The folder symlink '${relPath}' points outside the dataset root (to '${target}'); it is not followed.`, location: { file: full }, path: relPath });
      return;
    }
    if (visited.has(target)) return; // another name for a folder already walked
    visited.add(target);
    queue.push({ dir: full, real: target, depth: depth + 1 });
  };

  // Symlinks are followed only once the plain folders are walked, so a folder is listed under its own name, not an alias.
  const symlinks: Array<() => Promise<void>> = [];
  const running = new Set<Promise<void>>();
  while (queue.length > 0 || running.size > 0 || symlinks.length > 0) {
    throwIfAborted(options.signal);
    if (queue.length === 0 && running.size === 0) {
      const pending = symlinks.splice(0);
      for (const visitLink of pending) await visitLink();
      continue;
    }
    while (queue.length > 0 && running.size < PARALLEL_LISTINGS) {
      const job = visit(queue.shift() as PendingDir).finally(() => running.delete(job));
      running.add(job);
    }
    if (running.size > 0) await Promise.race(running);
  }
  throwIfAborted(options.signal);
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  issues.sort((a, b) => ((a.path ?? '') < (b.path ?? '') ? -1 : (a.path ?? '') > (b.path ?? '') ? 1 : 0));
  return { files, issues, rootReal };
}
