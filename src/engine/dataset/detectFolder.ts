// Decides whether one folder is a dataset root, and in which format. Reads listings and manifest headers only.
import * as path from 'node:path';
import type { DatasetFormat } from '../types';
import { findColumn, isSplitName, LABEL_COLUMNS, PATH_COLUMNS } from './columns';
import { isImageFileName } from './imageExtensions';
import { manifestKindOf, readManifestColumns } from './manifestReader';
import { readDirSafe, type DirListing } from './readDirSafe';
import { isSkippedDirName } from './walk';

/** Names of Hugging Face imagefolder metadata files, in order of preference. */
export const HF_METADATA_NAMES: readonly string[] = ['metadata.csv', 'metadata.jsonl'];

/** A dataset found in a folder; `manifest` is absent for ImageFolder and for Hugging Face metadata kept in split folders. */
export interface DetectedDataset {
  format: DatasetFormat;
  manifest?: string;
}

/** A Hugging Face metadata file and, when it sits in a split folder, that folder's name. */
export interface HfMetadataFile {
  file: string;
  split?: string;
}

/** True when the columns make a Hugging Face metadata file (a `file_name` column, separators and case ignored). */
export function isHfColumns(columns: readonly string[]): boolean {
  return findColumn(columns, ['filename']) !== undefined;
}

/** True when the columns make a manifest: a path-like and a label-like column. */
export function isManifestColumns(columns: readonly string[]): boolean {
  return findColumn(columns, PATH_COLUMNS) !== undefined && findColumn(columns, LABEL_COLUMNS) !== undefined;
}

/** The format of a manifest file: 'hf-imagefolder' for metadata.csv/.jsonl with file_name, else 'manifest'. */
export async function manifestFormatOf(file: string): Promise<DatasetFormat> {
  if (!HF_METADATA_NAMES.includes(path.basename(file))) return 'manifest';
  const columns = await readManifestColumns(file);
  return columns && isHfColumns(columns) ? 'hf-imagefolder' : 'manifest';
}

/** Hugging Face metadata of `dir`: its own metadata file, else one per split folder (train/, test/, …). */
export async function findHfMetadataFiles(dir: string, listing?: DirListing): Promise<HfMetadataFile[]> {
  const entries = (listing ?? (await readDirSafe(dir))).entries;
  const own = await hfMetadataIn(dir, entries.map((entry) => entry.name));
  if (own) return [{ file: own }];
  const found: HfMetadataFile[] = [];
  for (const entry of entries) {
    if ((entry.kind !== 'dir' && entry.kind !== 'symlink') || !isSplitName(entry.name)) continue;
    const splitDir = path.join(dir, entry.name);
    const file = await hfMetadataIn(splitDir, (await readDirSafe(splitDir)).entries.map((e) => e.name));
    if (file) found.push({ file, split: entry.name });
  }
  return found;
}

async function hfMetadataIn(dir: string, names: string[]): Promise<string | undefined> {
  for (const name of HF_METADATA_NAMES) {
    if (!names.includes(name)) continue;
    const columns = await readManifestColumns(path.join(dir, name));
    if (columns && isHfColumns(columns)) return path.join(dir, name);
  }
  return undefined;
}

/** What detection knows besides the folder: the roots declared in fairframe.json. */
export interface DetectOptions {
  /** True for a folder declared as a dataset; such a folder is never a class folder of an ImageFolder. */
  isDeclaredRoot?: (dir: string) => boolean;
}

/**
 * The datasets rooted at `dir`, checked in this order (the first that matches wins):
 * Hugging Face metadata; manifests (one dataset each); ImageFolder with split folders; plain ImageFolder.
 * A folder whose class folders are mostly datasets of their own (metadata, manifest or declared) is not an ImageFolder
 * of them: `data/ds1/metadata.csv` and `data/ds2/metadata.csv` are two datasets, not one labelled 'ds1' and 'ds2'.
 */
export async function detectDatasetsAt(dir: string, listing?: DirListing, options: DetectOptions = {}): Promise<DetectedDataset[]> {
  const list = listing ?? (await readDirSafe(dir));
  const own = await manifestDatasetsAt(dir, list);
  if (own.length > 0) return own;
  return (await isImageFolder(dir, list, options)) ? [{ format: 'imagefolder' }] : [];
}

/** The datasets `dir` describes by metadata or manifest files (its own, or its split folders' metadata), if any. */
async function manifestDatasetsAt(dir: string, list: DirListing): Promise<DetectedDataset[]> {
  const hf = await findHfMetadataFiles(dir, list);
  if (hf.length === 1 && hf[0].split === undefined) return [{ format: 'hf-imagefolder', manifest: hf[0].file }];
  if (hf.length > 0) return [{ format: 'hf-imagefolder' }];

  const manifests: DetectedDataset[] = [];
  for (const entry of list.entries) {
    if (entry.name.startsWith('.') || (entry.kind !== 'file' && entry.kind !== 'symlink') || !manifestKindOf(entry.name)) continue;
    const file = path.join(dir, entry.name);
    const columns = await readManifestColumns(file);
    if (columns && isManifestColumns(columns)) manifests.push({ format: 'manifest', manifest: file });
  }
  return manifests;
}

/** Visible sub-folders of a listing (symlinks included; they are resolved by whoever reads them). */
function subFolders(listing: DirListing): string[] {
  return listing.entries.filter((entry) => (entry.kind === 'dir' || entry.kind === 'symlink') && !isSkippedDirName(entry.name)).map((entry) => entry.name);
}

interface FolderShape {
  /** Sub-folders holding at least one image file directly. */
  classDirs: string[];
  /** Sub-folders holding anything else (no direct image, not empty). */
  otherDirs: string[];
}

async function shapeOf(dir: string, listing: DirListing): Promise<FolderShape> {
  const shape: FolderShape = { classDirs: [], otherDirs: [] };
  for (const name of subFolders(listing)) {
    const child = await readDirSafe(path.join(dir, name));
    if (child.error) continue;
    const visible = child.entries.filter((entry) => !entry.name.startsWith('.'));
    if (visible.some((entry) => (entry.kind === 'file' || entry.kind === 'symlink') && isImageFileName(entry.name))) shape.classDirs.push(name);
    else if (visible.length > 0) shape.otherDirs.push(name);
  }
  return shape;
}

/**
 * ImageFolder: split folders (train/, test/, val/, valid/, validation/, dev/) holding class folders, with at least
 * two class names overall; or at least two class folders holding images directly that outnumber the other non-empty
 * sub-folders (so a project folder with a few image folders among others is not taken for a dataset), fewer than half
 * of which are datasets of their own.
 */
async function isImageFolder(dir: string, listing: DirListing, options: DetectOptions): Promise<boolean> {
  const splits = subFolders(listing).filter(isSplitName);
  if (splits.length > 0) {
    const classes = new Set<string>();
    for (const split of splits) {
      const splitDir = path.join(dir, split);
      for (const name of (await shapeOf(splitDir, await readDirSafe(splitDir))).classDirs) classes.add(name);
    }
    if (classes.size >= 2) return true;
  }
  const shape = await shapeOf(dir, listing);
  if (shape.classDirs.length < 2 || shape.classDirs.length <= shape.otherDirs.length) return false;
  // Class folders that are datasets in their own right make this a folder of datasets, when they are half or more.
  let datasets = 0;
  for (const name of shape.classDirs) {
    const child = path.join(dir, name);
    if (options.isDeclaredRoot?.(child) || (await manifestDatasetsAt(child, await readDirSafe(child))).length > 0) datasets++;
  }
  return datasets * 2 < shape.classDirs.length;
}
