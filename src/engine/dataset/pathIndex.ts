// Resolves the image paths written in a manifest against the files found under the dataset root.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { extensionOf, IMAGE_EXTENSIONS } from './imageExtensions';
import { isInside, type WalkedFile } from './walk';

/** What a manifest path resolves to. */
export type ResolvedPath =
  | { kind: 'found'; path: string }
  | { kind: 'escapes'; path: string }
  | { kind: 'missing'; path: string; reason?: string };

/** The image files under a root, looked up by absolute path, by absolute path without extension, by name and by stem. */
export class PathIndex {
  private readonly byPath = new Map<string, WalkedFile>();
  private readonly byPathStem = new Map<string, WalkedFile[]>();
  private readonly byName = new Map<string, WalkedFile[]>();
  private readonly byStem = new Map<string, WalkedFile[]>();

  constructor(
    readonly root: string,
    readonly rootReal: string,
    files: WalkedFile[],
  ) {
    for (const file of files) {
      this.byPath.set(file.path, file);
      const name = path.basename(file.path);
      const stem = name.slice(0, name.length - extensionOf(name).length - 1);
      push(this.byPathStem, path.join(path.dirname(file.path), stem), file);
      push(this.byName, name, file);
      push(this.byStem, stem, file);
    }
  }

  /** True when an absolute path lies inside the root, through its own name or its real path. */
  contains(absolute: string): boolean {
    return isInside(this.root, absolute) || isInside(this.rootReal, absolute);
  }

  /**
   * Resolves `raw` (relative to `base`, or absolute) without touching the disk: the file itself; with '\' read as '/';
   * with an image extension added when it has none; and, for a bare name, the one image under the first base with that
   * name or stem. Returns undefined when the index cannot tell (the caller then checks the disk).
   */
  lookup(raw: string, bases: readonly string[]): ResolvedPath | undefined {
    const variants = raw.includes('\\') && !raw.includes('/') ? [raw, raw.replace(/\\/g, '/')] : [raw];
    let firstCandidate: string | undefined;
    for (const base of bases) {
      for (const variant of variants) {
        const candidate = path.resolve(base, variant);
        firstCandidate ??= candidate;
        if (!this.contains(candidate)) continue;
        const file = this.byPath.get(candidate) ?? (IMAGE_EXTENSIONS.has(extensionOf(variant)) ? undefined : only(this.byPathStem.get(candidate)));
        if (file) return file.escapes ? { kind: 'escapes', path: file.path } : { kind: 'found', path: file.path };
      }
    }
    const candidate = firstCandidate as string;
    if (!this.contains(candidate)) return { kind: 'escapes', path: candidate };
    const bare = variants[variants.length - 1];
    if (!bare.includes('/')) {
      const under = (list: WalkedFile[] | undefined): WalkedFile | undefined => only(list?.filter((file) => isInside(bases[0], file.path)));
      const file = under(this.byName.get(bare)) ?? (IMAGE_EXTENSIONS.has(extensionOf(bare)) ? undefined : under(this.byStem.get(bare)));
      if (file) return file.escapes ? { kind: 'escapes', path: file.path } : { kind: 'found', path: file.path };
    }
    return undefined;
  }

  /** Checks on disk a path the index does not hold (a file in a hidden folder, a non-image file, a missing file). */
  async check(raw: string, base: string): Promise<ResolvedPath> {
    const candidate = path.resolve(base, raw);
    if (!this.contains(candidate)) return { kind: 'escapes', path: candidate };
    let real: string;
    try {
      real = await fs.realpath(candidate);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { kind: 'missing', path: candidate, reason: code === 'ENOENT' || code === 'ENOTDIR' ? undefined : code };
    }
    if (!isInside(this.rootReal, real)) return { kind: 'escapes', path: candidate };
    const stat = await fs.stat(real).catch(() => undefined);
    if (!stat?.isFile()) return { kind: 'missing', path: candidate, reason: stat ? 'not a file' : undefined };
    return { kind: 'found', path: candidate };
  }
}

function push(map: Map<string, WalkedFile[]>, key: string, file: WalkedFile): void {
  const list = map.get(key);
  if (list) list.push(file);
  else map.set(key, [file]);
}

function only(list: WalkedFile[] | undefined): WalkedFile | undefined {
  return list && list.length === 1 ? list[0] : undefined;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
