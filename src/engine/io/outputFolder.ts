// Creating the folder reports are written into: one level at a time, with a message for each way it can fail.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FairframeError } from '../errors';
import { isInside } from '../dataset/walk';

const REASONS: Readonly<Record<string, string>> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOSPC: 'the disk is full',
  EEXIST: 'a file of that name exists',
  ENOENT: 'the parent folder cannot hold new folders (a virtual file system such as /proc?)',
};

/** The reason behind an errno error, in words. */
export function writeErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code && REASONS[code]) ? `${REASONS[code]} (${code})` : code ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Creates `folder` and its missing parents. Unlike fs.mkdir's recursive mode (which loops forever under /proc),
 * each missing level is created once; every failure is a FairframeError 'bad-config' naming the folder and the reason.
 */
export async function makeOutputFolder(folder: string): Promise<string> {
  const absolute = path.resolve(folder);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    const stat = await fs.stat(existing).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : error));
    if (stat instanceof Error) throw cannotWrite(absolute, stat);
    if (stat) {
      if (!stat.isDirectory()) throw cannotWrite(absolute, Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }));
      break;
    }
    missing.unshift(existing);
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  for (const level of missing) {
    await fs.mkdir(level).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw cannotWrite(absolute, error);
    });
  }
  await fs.access(absolute, fs.constants?.W_OK ?? 2).catch((error: unknown) => {
    throw cannotWrite(absolute, error);
  });
  return absolute;
}

function cannotWrite(folder: string, error: unknown): FairframeError {
  return new FairframeError('bad-config', `Cannot write into the output folder '${folder}': ${writeErrorReason(error)}. Choose another --out folder.`, { folder });
}

/** The real path of `file`, or of its nearest existing ancestor joined with the rest (for paths not yet created). */
export async function realPathOf(file: string): Promise<string> {
  const absolute = path.resolve(file);
  const rest: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...rest);
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return absolute;
      rest.unshift(path.basename(current));
      current = parent;
    }
  }
}

/** The first of `roots` that `file` lies in (after resolving symlinks on both sides), or undefined. */
export async function insideAnyRoot(file: string, roots: string[]): Promise<string | undefined> {
  const real = await realPathOf(file);
  for (const root of roots) {
    const rootReal = await realPathOf(root);
    if (isInside(rootReal, real) || isInside(path.resolve(root), path.resolve(file))) return root;
  }
  return undefined;
}
