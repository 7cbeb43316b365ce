// Datasets declared in fairframe.json, resolved against the config file's folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DatasetConfig, ResolvedConfig } from '../config/configTypes';

/** The folder declared paths are relative to: the config file's folder, else the working directory. */
export function configBaseDir(config: ResolvedConfig): string {
  return config.file ? path.dirname(config.file) : process.cwd();
}

/** A declared dataset with its paths made absolute. `root` is the dataset folder; `manifest` set when one is named. */
export interface ResolvedDeclaration {
  config: DatasetConfig;
  root: string;
  manifest?: string;
}

/** Resolves a declaration: `path` may be a folder, or a manifest file (its folder is then the root). */
export async function resolveDeclaration(entry: DatasetConfig, config: ResolvedConfig): Promise<ResolvedDeclaration> {
  const target = path.resolve(configBaseDir(config), entry.path);
  if (entry.manifest) return { config: entry, root: target, manifest: path.resolve(target, entry.manifest) };
  const stat = await fs.stat(target).catch(() => undefined);
  if (stat?.isFile()) return { config: entry, root: path.dirname(target), manifest: target };
  return { config: entry, root: target };
}

/** The declaration that describes a dataset with this root and manifest, if any. */
export async function findDeclaration(root: string, manifest: string | undefined, config: ResolvedConfig): Promise<ResolvedDeclaration | undefined> {
  for (const entry of config.datasets) {
    const declared = await resolveDeclaration(entry, config);
    if (declared.root !== root) continue;
    if (declared.manifest === undefined || declared.manifest === manifest) return declared;
  }
  return undefined;
}
