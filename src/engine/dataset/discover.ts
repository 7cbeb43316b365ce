// Finds the datasets at a target folder or manifest file: declared ones first, then by layout.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/configTypes';
import { throwIfAborted } from '../errors';
import type { DatasetRef, RunOptions } from '../types';
import { resolveDeclaration } from './declaredDatasets';
import { detectDatasetsAt, manifestFormatOf, type DetectedDataset } from './detectFolder';
import { manifestKindOf } from './manifestReader';
import { readDirSafe } from './readDirSafe';
import { isInside, isSkippedDirName } from './walk';

/** How many folder levels below the target are searched. */
export const DISCOVERY_MAX_DEPTH = 4;
/** Folders listed at most while searching one target. */
const MAX_FOLDERS = 20_000;

/**
 * Datasets at `target` (a folder or a manifest file). Declared datasets (fairframe.json) whose root contains or lies in
 * the target come first; then the target itself if it is a dataset, else its sub-folders up to DISCOVERY_MAX_DEPTH
 * levels (hidden, node_modules and cache folders skipped; a dataset folder is not searched further; declared roots are
 * not searched again). Names are the declared name, else the folder name, made unique.
 */
export async function discoverDatasets(target: string, config: ResolvedConfig, options: RunOptions = {}): Promise<DatasetRef[]> {
  const absolute = path.resolve(target);
  const stat = await fs.stat(absolute).catch(() => undefined);
  const names = new NameAllocator();
  const refs: DatasetRef[] = [];

  const declared = [];
  for (const entry of config.datasets) declared.push(await resolveDeclaration(entry, config));
  for (const declaration of declared) {
    // A manifest target matches a declaration of that manifest, or of its folder without a manifest named.
    const manifest = stat?.isFile() && declaration.manifest === undefined && declaration.root === path.dirname(absolute) ? absolute : declaration.manifest;
    const relevant = stat?.isFile()
      ? manifest === absolute
      : isInside(absolute, declaration.root) || isInside(declaration.root, absolute);
    if (!relevant) continue;
    const found: DetectedDataset[] = manifest
      ? [{ format: await manifestFormatOf(manifest), manifest }]
      : await detectDatasetsAt(declaration.root);
    if (found.length === 0) found.push({ format: 'imagefolder' });
    const base = declaration.config.name ?? (path.basename(declaration.root) || 'dataset');
    for (const detected of found) {
      const name = found.length > 1 && detected.manifest ? `${base}/${stemOf(detected.manifest)}` : base;
      refs.push({ name: names.take(name, declaration.root), root: declaration.root, format: detected.format, manifest: detected.manifest, declared: true });
    }
  }
  options.onProgress?.({ stage: 'discover', done: 0, message: `Found ${refs.length} declared dataset(s)` });
  if (!stat) return refs;

  if (stat.isFile()) {
    if (refs.length > 0 || !manifestKindOf(absolute)) return refs;
    const root = path.dirname(absolute);
    return [{ name: names.take(path.basename(root) || 'dataset', root), root, format: await manifestFormatOf(absolute), manifest: absolute }];
  }

  const declaredRoots = declared.map((declaration) => declaration.root);
  const isDeclaredRoot = (dir: string): boolean => declaredRoots.includes(path.resolve(dir));
  if (declaredRoots.some((root) => isInside(root, absolute))) return refs;

  const visited = new Set<string>();
  let folders = 0;
  const search = async (dir: string, depth: number): Promise<void> => {
    throwIfAborted(options.signal);
    if (folders >= MAX_FOLDERS || declaredRoots.some((root) => isInside(root, dir))) return;
    const real = await fs.realpath(dir).catch(() => undefined);
    if (!real || visited.has(real)) return;
    visited.add(real);
    folders++;
    const listing = await readDirSafe(dir);
    if (listing.error) return;
    const found = await detectDatasetsAt(dir, listing, { isDeclaredRoot });
    if (found.length > 0) {
      const base = path.basename(dir) || 'dataset';
      for (const detected of found) {
        const name = found.length > 1 && detected.manifest ? `${base}/${stemOf(detected.manifest)}` : base;
        refs.push({ name: names.take(name, dir), root: dir, format: detected.format, manifest: detected.manifest });
      }
      options.onProgress?.({ stage: 'discover', done: refs.length, message: `Found ${refs[refs.length - 1].name}` });
      return;
    }
    if (depth >= DISCOVERY_MAX_DEPTH) return;
    for (const entry of listing.entries) {
      if ((entry.kind !== 'dir' && entry.kind !== 'symlink') || isSkippedDirName(entry.name)) continue;
      const child = path.join(dir, entry.name);
      if (entry.kind === 'symlink' && !(await fs.stat(child).catch(() => undefined))?.isDirectory()) continue;
      await search(child, depth + 1);
    }
  };
  await search(absolute, 0);
  options.onProgress?.({ stage: 'discover', done: refs.length, total: refs.length, message: `Found ${refs.length} dataset(s) in ${folders} folder(s)` });
  return refs;
}

function stemOf(file: string): string {
  return path.basename(file, path.extname(file));
}

/** Hands out unique names: the wanted name, else parent/name, else name-2, name-3, … */
class NameAllocator {
  private readonly used = new Set<string>();

  take(wanted: string, root: string): string {
    const parent = path.basename(path.dirname(root));
    const candidates = [wanted, parent ? `${parent}/${wanted}` : wanted];
    for (const candidate of candidates) {
      if (!this.used.has(candidate)) {
        this.used.add(candidate);
        return candidate;
      }
    }
    for (let n = 2; ; n++) {
      const candidate = `${wanted}-${n}`;
      if (!this.used.has(candidate)) {
        this.used.add(candidate);
        return candidate;
      }
    }
  }
}
