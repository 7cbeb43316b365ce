// Loads a discovered dataset into records: reads manifests or folder layouts, resolves paths safely, records issues.
import { dictionary, plainRecord } from '../dictionary';
import { pushAll } from '../arrays';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DatasetConfig, ResolvedConfig } from '../config/configTypes';
import { throwIfAborted } from '../errors';
import type { Dataset, DatasetRecord, DatasetRef, LoadIssue, RunOptions } from '../types';
import { UNKNOWN } from '../types';
import { resolveAttributeColumns } from './attributes';
import { findColumn, isMissingValue, isSplitName, LABEL_COLUMNS, MASK_COLUMNS, matchColumn, PATH_COLUMNS, SPLIT_COLUMNS } from './columns';
import { findDeclaration } from './declaredDatasets';
import { findHfMetadataFiles, isManifestColumns } from './detectFolder';
import { manifestKindOf, readManifest, readManifestColumns, type ManifestRow, type ManifestTable } from './manifestReader';
import { mapLimit, PathIndex, type ResolvedPath } from './pathIndex';
import { readDirSafe } from './readDirSafe';
import { isInside, toRelPath, walkImages, type WalkResult } from './walk';

export { IMAGE_EXTENSIONS } from './imageExtensions';

/** Files checked on disk at once when the walk of the root does not already know a manifest path. */
const PARALLEL_CHECKS = 16;
const PROGRESS_EVERY = 10_000;

/** Loads a dataset. Never throws on bad input: problems become `loadIssues`; only cancellation throws. */
export async function loadDataset(ref: DatasetRef, config: ResolvedConfig, options: RunOptions = {}): Promise<Dataset> {
  throwIfAborted(options.signal);
  options.onProgress?.({ stage: 'load', done: 0, message: `Reading ${ref.name}` });
  const declaration = await findDeclaration(ref.root, ref.manifest, config);
  const dataset: Dataset = {
    name: ref.name,
    root: ref.root,
    format: ref.format,
    manifest: ref.manifest,
    records: [],
    attributes: [],
    columns: [],
    loadIssues: [],
  };
  const walk = await walkImages(ref.root, { signal: options.signal });
  pushAll(dataset.loadIssues, walk.issues);
  if (ref.format === 'imagefolder') loadImageFolder(dataset, walk, declaration?.config, config);
  else await loadManifestDataset(dataset, walk, ref, declaration?.config, config, options);
  options.onProgress?.({ stage: 'load', done: dataset.records.length, total: dataset.records.length, message: `Read ${ref.name}` });
  return dataset;
}

/** ImageFolder: label = first folder below the root (or below a split folder, whose name is the split). */
function loadImageFolder(dataset: Dataset, walk: WalkResult, declared: DatasetConfig | undefined, config: ResolvedConfig): void {
  const splitLayout = walk.files.some((file) => {
    const parts = file.relPath.split('/');
    return parts.length >= 3 && isSplitName(parts[0]);
  });
  for (const file of walk.files) {
    const parts = file.relPath.split('/');
    if (splitLayout ? parts.length < 3 || !isSplitName(parts[0]) : parts.length < 2) continue;
    if (file.escapes) {
      dataset.loadIssues.push(escapesIssue(file.relPath, dataset.root, { file: file.path }));
      continue;
    }
    dataset.records.push({
      id: file.relPath,
      path: file.path,
      relPath: file.relPath,
      label: splitLayout ? parts[1] : parts[0],
      split: splitLayout ? parts[0] : undefined,
      attributes: {},
      source: { file: file.path },
    });
  }
  pushAll(dataset.loadIssues, resolveAttributeColumns([], new Set(), declared, config, dataset.root).issues);
}

interface ManifestSource {
  file: string;
  /** Folder the manifest's paths are relative to. */
  base: string;
  /** Split taken from the folder of a Hugging Face metadata file. */
  split?: string;
  table: ManifestTable;
  pathColumn?: string;
  labelColumn?: string;
  splitColumn?: string;
  /** Column holding a mask path (relative to the manifest's folder). */
  maskColumn?: string;
  /** Hugging Face metadata without a label column: the label is the image's folder name. */
  labelFromFolder?: boolean;
}

interface PendingRow {
  source: ManifestSource;
  row: ManifestRow;
  rawPath: string;
  label?: string;
  resolved?: ResolvedPath;
}

async function loadManifestDataset(
  dataset: Dataset,
  walk: WalkResult,
  ref: DatasetRef,
  declared: DatasetConfig | undefined,
  config: ResolvedConfig,
  options: RunOptions,
): Promise<void> {
  const hf = ref.format === 'hf-imagefolder';
  const files = ref.manifest
    ? [{ file: ref.manifest, base: hf ? path.dirname(ref.manifest) : ref.root, split: undefined }]
    : hf
      ? (await findHfMetadataFiles(ref.root)).map((meta) => ({ file: meta.file, base: path.dirname(meta.file), split: meta.split }))
      : [];
  if (files.length === 0) {
    dataset.loadIssues.push({ kind: 'bad-manifest', message: `No manifest was found for dataset '${dataset.name}' in '${ref.root}'.`, location: { file: ref.root } });
    return;
  }

  const sources: ManifestSource[] = [];
  const rootReal = walk.rootReal ?? (await realOrUndefined(ref.root)) ?? ref.root;
  for (const { file, base, split } of files) {
    // A manifest is read only when it lies inside the dataset once symlinks are resolved (as images, FF-D015).
    const fileReal = await realOrUndefined(file);
    if (fileReal !== undefined && !isInside(rootReal, fileReal)) {
      dataset.loadIssues.push(escapesIssue(path.basename(file), dataset.root, { file }));
      continue;
    }
    const table = await readManifest(file, options);
    pushAll(dataset.loadIssues, table.issues);
    for (const column of table.columns) if (!dataset.columns.includes(column)) dataset.columns.push(column);
    const source = pickColumns({ file, base, split, table }, hf, declared, dataset.loadIssues);
    if (source) sources.push(source);
  }
  const reserved = new Set(sources.flatMap((s) => [s.pathColumn, s.labelColumn, s.splitColumn, s.maskColumn]).filter((c): c is string => c !== undefined));
  const attributes = resolveAttributeColumns(dataset.columns, reserved, declared, config, files[0].file);
  dataset.attributes = attributes.attributes;
  pushAll(dataset.loadIssues, attributes.issues);

  const index = new PathIndex(ref.root, walk.rootReal ?? ref.root, walk.files);
  const pending: PendingRow[] = [];
  const listed = new Set<string>();
  for (const source of sources) {
    for (const row of source.table.rows) {
      if (pending.length % PROGRESS_EVERY === 0) throwIfAborted(options.signal);
      const rawPath = source.pathColumn ? row.values[source.pathColumn] : undefined;
      const label = source.labelColumn ? row.values[source.labelColumn] : undefined;
      if (rawPath === undefined || rawPath.trim() === '') {
        dataset.loadIssues.push(badRow(source.file, row.line, `Line ${row.line} has no image path in column '${source.pathColumn}'; the row is skipped.`));
        continue;
      }
      if (!source.labelFromFolder && (label === undefined || label.trim() === '')) {
        dataset.loadIssues.push(badRow(source.file, row.line, `Line ${row.line} ('${rawPath}') has no label in column '${source.labelColumn}'; the row is skipped.`));
        const named = index.lookup(rawPath, uniqueBases(source));
        if (named?.kind === 'found') listed.add(named.path); // named, so not 'unlisted'
        continue;
      }
      pending.push({ source, row, rawPath, label, resolved: index.lookup(rawPath, uniqueBases(source)) });
    }
  }

  const unresolved = pending.filter((p) => p.resolved === undefined);
  let checked = 0;
  await mapLimit(unresolved, PARALLEL_CHECKS, async (p) => {
    if (++checked % PROGRESS_EVERY === 0) {
      throwIfAborted(options.signal);
      options.onProgress?.({ stage: 'load', done: checked, total: unresolved.length, message: `Checking files of ${dataset.name}` });
    }
    p.resolved = await index.check(p.rawPath, p.source.base);
  });
  throwIfAborted(options.signal);

  // Masks stay inside the dataset; with a fairframe.json describing it, also inside the folder that holds the dataset
  // (masks kept beside the data, as the demo does) — never further up, never elsewhere through a symlink.
  const maskAllowed: Array<[string, string]> = [[index.root, index.rootReal]];
  if (config.file) maskAllowed.push([path.dirname(index.root), path.dirname(index.rootReal)]);
  const ids = new Set<string>();
  const labelledFromFolder = new Set<ManifestSource>();
  for (const p of pending) {
    const { source, row } = p;
    const resolved = p.resolved as ResolvedPath;
    const location = { file: source.file, line: row.line };
    if (resolved.kind === 'escapes') {
      dataset.loadIssues.push(escapesIssue(p.rawPath, dataset.root, location));
      continue;
    }
    if (resolved.kind === 'missing') {
      const why = resolved.reason ? ` (${resolved.reason})` : '';
      dataset.loadIssues.push({ kind: 'missing-file', message: `Line ${row.line} names '${p.rawPath}', which does not exist${why}; the row is skipped.`, location, path: p.rawPath });
      continue;
    }
    const relPath = isInside(index.root, resolved.path) ? toRelPath(index.root, resolved.path) : toRelPath(index.rootReal, resolved.path);
    listed.add(resolved.path);
    let label = p.label;
    if (source.labelFromFolder) {
      const parts = toRelPath(source.base, resolved.path).split('/');
      label = parts.length >= 2 && !parts[parts.length - 2].startsWith('..') ? parts[parts.length - 2] : undefined;
      if (label === undefined) {
        dataset.loadIssues.push(badRow(source.file, row.line, `Line ${row.line} ('${p.rawPath}') has no label: the metadata has no label column and the image is not in a class folder; the row is skipped.`));
        continue;
      }
      labelledFromFolder.add(source);
    }
    let id = relPath;
    for (let n = 2; ids.has(id); n++) id = n === 2 ? `${relPath}#${row.line}` : `${relPath}#${row.line}-${n}`;
    ids.add(id);
    const record: DatasetRecord = {
      id,
      path: resolved.path,
      relPath,
      label: label as string,
      split: splitOf(source, row, relPath),
      attributes: {},
      source: location,
    };
    const values: Record<string, string> = dictionary();
    for (const [name, column] of attributes.columns) {
      const value = row.values[column];
      values[name] = isMissingValue(value) ? UNKNOWN : (value as string);
    }
    record.attributes = plainRecord(values);
    const mask = source.maskColumn ? row.values[source.maskColumn] : undefined;
    if (mask !== undefined && !isMissingValue(mask)) {
      const maskPath = path.resolve(source.base, mask);
      const maskReal = await realOrUndefined(maskPath);
      if (!maskAllowed.some(([root, rootReal]) => isInside(root, maskPath) && (maskReal === undefined || isInside(rootReal, maskReal)))) {
        dataset.loadIssues.push(escapesIssue(mask, dataset.root, location));
      } else record.mask = maskPath;
    }
    dataset.records.push(record);
  }
  for (const source of sources) {
    if (source.labelFromFolder && !labelledFromFolder.has(source) && source.table.rows.length > 0) {
      dataset.loadIssues.push({
        kind: 'bad-manifest',
        message: `'${path.basename(source.file)}' has no label column and its images are not in class folders; the columns are: ${source.table.columns.map((c) => `'${c}'`).join(', ')}.`,
        location: { file: source.file },
      });
    }
  }

  if (sources.length > 0) {
    const elsewhere = ref.format === 'manifest' && ref.manifest ? await pathsListedBySiblings(ref.manifest, index) : new Set<string>();
    for (const file of walk.files) {
      if (file.escapes || listed.has(file.path) || elsewhere.has(file.path)) continue;
      dataset.loadIssues.push({
        kind: 'unlisted-file',
        message: `The image '${file.relPath}' is under the dataset root but no manifest row names it.`,
        location: { file: file.path },
        path: file.relPath,
      });
    }
  }
}

/** Chooses the path, label and split columns of one manifest (overrides first); reports what is missing. */
function pickColumns(source: ManifestSource, hf: boolean, declared: DatasetConfig | undefined, issues: LoadIssue[]): ManifestSource | undefined {
  const { columns } = source.table;
  if (columns.length === 0) {
    if (!issues.some((issue) => issue.location.file === source.file)) {
      issues.push({ kind: 'bad-manifest', message: `The manifest '${path.basename(source.file)}' is empty.`, location: { file: source.file } });
    }
    return undefined;
  }
  const listColumns = `the columns are: ${columns.map((c) => `'${c}'`).join(', ')}`;
  const pick = (override: string | undefined, what: string, guess: () => string | undefined): string | undefined | null => {
    if (override === undefined) return guess();
    const column = matchColumn(columns, override);
    if (column === undefined) {
      issues.push({ kind: 'bad-manifest', message: `The ${what} '${override}' set in fairframe.json is not a column of '${path.basename(source.file)}'; ${listColumns}.`, location: { file: source.file } });
      return null;
    }
    return column;
  };
  const pathColumn = pick(declared?.pathColumn, 'pathColumn', () => (hf ? findColumn(columns, ['filename']) : undefined) ?? findColumn(columns, PATH_COLUMNS));
  const labelColumn = pick(declared?.labelColumn, 'labelColumn', () => findColumn(columns, LABEL_COLUMNS));
  const splitColumn = pick(declared?.splitColumn, 'splitColumn', () => findColumn(columns, SPLIT_COLUMNS));
  const maskColumn = pick(declared?.maskColumn, 'maskColumn', () => findColumn(columns, MASK_COLUMNS));
  if (pathColumn === null || labelColumn === null || splitColumn === null || maskColumn === null) return undefined;
  if (pathColumn === undefined) {
    issues.push({ kind: 'bad-manifest', message: `The manifest '${path.basename(source.file)}' has no image path column (such as path, file_name, filename, image); ${listColumns}. Set 'pathColumn' in fairframe.json.`, location: { file: source.file } });
    return undefined;
  }
  if (labelColumn === undefined && !hf) {
    issues.push({ kind: 'bad-manifest', message: `The manifest '${path.basename(source.file)}' has no label column (such as label, class, category, target, diagnosis); ${listColumns}. Set 'labelColumn' in fairframe.json.`, location: { file: source.file } });
    return undefined;
  }
  return { ...source, pathColumn, labelColumn, splitColumn, maskColumn, labelFromFolder: labelColumn === undefined };
}

/** Split: the split column's value, else the Hugging Face split folder, else a split-named top folder of the path. */
function splitOf(source: ManifestSource, row: ManifestRow, relPath: string): string | undefined {
  const value = source.splitColumn ? row.values[source.splitColumn] : undefined;
  if (!isMissingValue(value)) return value;
  if (source.split !== undefined) return source.split;
  const slash = relPath.indexOf('/');
  return slash > 0 && isSplitName(relPath.slice(0, slash)) ? relPath.slice(0, slash) : undefined;
}

/** Paths are read relative to the base; a manifest kept in a sub-folder may also write them relative to itself. */
function uniqueBases(source: ManifestSource): string[] {
  const own = path.dirname(source.file);
  return own === source.base ? [source.base] : [source.base, own];
}

/** Images named by the other manifests beside this one, so that they are not reported as unlisted. */
async function pathsListedBySiblings(manifest: string, index: PathIndex): Promise<Set<string>> {
  const listed = new Set<string>();
  const dir = path.dirname(manifest);
  for (const entry of (await readDirSafe(dir)).entries) {
    const file = path.join(dir, entry.name);
    if (file === manifest || entry.name.startsWith('.') || !manifestKindOf(entry.name)) continue;
    const columns = await readManifestColumns(file);
    if (!columns || !isManifestColumns(columns)) continue;
    const pathColumn = findColumn(columns, ['filename']) ?? findColumn(columns, PATH_COLUMNS) as string;
    for (const row of (await readManifest(file)).rows) {
      const raw = row.values[pathColumn];
      const resolved = raw ? index.lookup(raw, [index.root]) : undefined;
      if (resolved?.kind === 'found') listed.add(resolved.path);
    }
  }
  return listed;
}

function badRow(file: string, line: number, message: string): LoadIssue {
  return { kind: 'bad-row', message, location: { file, line } };
}

function escapesIssue(raw: string, root: string, location: LoadIssue['location']): LoadIssue {
  return {
    kind: 'escapes-root',
    message: `'${raw}' points outside the dataset root '${root}' (through '..', an absolute path or a symlink); it is not read.`,
    location,
    path: raw,
  };
}

/** The real path of a file (symlinks resolved), or undefined when it cannot be resolved. */
async function realOrUndefined(file: string): Promise<string | undefined> {
  return fs.realpath(file).catch(() => undefined);
}
