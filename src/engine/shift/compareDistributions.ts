// `fairframe shift`: loads a reference and a target (two datasets, or two splits of one), scans both (cached), runs the
// model on both when one is given, and compares their distributions.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadConfigFile, loadConfigNear } from '../config/config';
import type { ResolvedConfig, Thresholds } from '../config/configTypes';
import { discoverDatasets } from '../dataset/discover';
import { loadDataset } from '../dataset/loadDataset';
import { walkImages } from '../dataset/walk';
import { UNKNOWN } from '../types';
import { FairframeError, throwIfAborted } from '../errors';
import { chooseSplit } from '../modelAudit/auditedRecords';
import { scanDataset } from '../scan/scanDataset';
import type { Dataset, DatasetRecord, RunOptions, ScanOutcome, Severity } from '../types';
import { TOOL_VERSION } from '../version';
import { analyseShift, type AnalysisSide } from './shiftAnalysis';
import { runShiftModel, type ShiftModelRun } from './shiftModel';
import { SHIFT_RULES } from './shiftRules';
import { SHIFT_RESULT_SCHEMA_VERSION, type ShiftResult, type ShiftSide } from './shiftTypes';
import { pushFinding } from '../checks/check';

export interface CompareOptions extends RunOptions {
  /** fairframe.json to use (default: the one at or above the reference). */
  configFile?: string;
  cacheDir?: string;
  /** Split of the reference to compare ('all' or absent: every record). */
  referenceSplit?: string;
  /** Split of the target to compare. */
  targetSplit?: string;
  /** ONNX model for the embedding and prior-shift parts. */
  model?: string;
  thresholds?: Partial<Thresholds>;
}

interface LoadedSide {
  given: string;
  dataset: Dataset;
  split?: string;
  records: DatasetRecord[];
  scans: Map<string, ScanOutcome>;
}

/** Loads the one dataset at `target` (a dataset folder or a manifest). */
async function loadOneDataset(target: string, config: ResolvedConfig, role: string, options: RunOptions): Promise<Dataset> {
  const absolute = path.resolve(target);
  const stat = await fs.stat(absolute).catch(() => undefined);
  if (!stat) throw new FairframeError('path-not-found', `The ${role} '${absolute}' does not exist; pass a dataset folder or manifest file.`, { path: absolute });
  const refs = await discoverDatasets(absolute, config, options);
  // A target needs no labels (production images seldom have them): a folder of images with no dataset layout is read as
  // unlabelled images, every one with the label 'unknown' and no groups.
  if (refs.length === 0 && role === 'target' && stat.isDirectory()) {
    const walk = await walkImages(absolute, { signal: options.signal });
    const files = walk.files.filter((file) => !file.escapes);
    if (files.length > 0) {
      return {
        name: path.basename(absolute) || 'target', root: absolute, format: 'imagefolder', columns: [], attributes: [], loadIssues: walk.issues,
        records: files.map((file) => ({ id: file.relPath, path: file.path, relPath: file.relPath, label: UNKNOWN, attributes: {}, source: { file: file.path } })),
      };
    }
  }
  if (refs.length === 0) {
    throw new FairframeError('no-dataset', `No dataset found at the ${role} '${absolute}'. Expected an ImageFolder (<root>/<label>/*.jpg), a manifest (CSV/TSV/JSONL with a path and a label column) or metadata.csv/metadata.jsonl.`, { path: absolute });
  }
  if (refs.length > 1) {
    throw new FairframeError('bad-config', `The ${role} '${absolute}' holds ${refs.length} datasets (${refs.map((ref) => `'${ref.name}' in ${ref.manifest ?? ref.root}`).join(', ')}); pass the one to compare (its folder or manifest).`, { path: absolute });
  }
  return loadDataset(refs[0], config, options);
}

function selectSplit(dataset: Dataset, split: string | undefined, role: string): { split?: string; records: DatasetRecord[] } {
  if (split === undefined || split === 'all' || split === '*') return { records: dataset.records };
  try {
    const chosen = chooseSplit(dataset.records, split);
    return { split: chosen, records: dataset.records.filter((record) => record.split === chosen) };
  } catch (error) {
    if (FairframeError.is(error, 'bad-config')) throw new FairframeError('bad-config', `The ${role}: ${error.message}`, error.details);
    throw error;
  }
}

/** Compares the reference and the target (the same path twice with two splits compares splits of one dataset). */
export async function compareDistributions(referencePath: string, targetPath: string, options: CompareOptions = {}): Promise<ShiftResult> {
  const started = Date.now();
  const referenceAbsolute = path.resolve(referencePath);
  const referenceStat = await fs.stat(referenceAbsolute).catch(() => undefined);
  const folder = referenceStat?.isDirectory() ? referenceAbsolute : path.dirname(referenceAbsolute);
  const loaded = options.configFile ? await loadConfigFile(options.configFile) : await loadConfigNear(folder);
  const config: ResolvedConfig = options.thresholds ? { ...loaded, thresholds: { ...loaded.thresholds, ...options.thresholds } } : loaded;
  const sameDataset = path.resolve(targetPath) === referenceAbsolute;
  if (sameDataset && (options.referenceSplit ?? 'all') === (options.targetSplit ?? 'all')) {
    throw new FairframeError('bad-config', 'The reference and the target are the same images; pass two datasets, or two splits of one with --reference-split and --target-split.');
  }

  const sides: LoadedSide[] = [];
  const referenceDataset = await loadOneDataset(referencePath, config, 'reference', options);
  const targetDataset = sameDataset ? referenceDataset : await loadOneDataset(targetPath, config, 'target', options);
  for (const [given, dataset, split, role] of [[referencePath, referenceDataset, options.referenceSplit, 'reference'], [targetPath, targetDataset, options.targetSplit, 'target']] as const) {
    throwIfAborted(options.signal);
    const selected = selectSplit(dataset, split, role);
    if (selected.records.length === 0) throw new FairframeError('no-dataset', `The ${role} '${path.resolve(given)}'${selected.split ? ` (split '${selected.split}')` : ''} holds no image.`);
    const scanned = await scanDataset({ ...dataset, records: selected.records }, {
      signal: options.signal,
      onProgress: options.onProgress,
      cacheDir: options.cacheDir,
      maxPixels: config.thresholds.maxPixels,
    });
    sides.push({ given: path.resolve(given), dataset, split: selected.split, records: selected.records, scans: scanned.outcomes });
  }
  const [reference, target] = sides;

  const findings: ShiftResult['findings'] = [];
  let model: ShiftModelRun | undefined;
  if (options.model) {
    const file = path.resolve(options.model);
    try {
      model = await runShiftModel(file, config.models.find((entry) => entry.path === file), reference, target, { cacheDir: options.cacheDir, signal: options.signal, onProgress: options.onProgress });
    } catch (error) {
      if (FairframeError.is(error, 'cancelled')) throw error;
      if (!FairframeError.is(error)) throw error;
      pushFinding(findings, config, SHIFT_RULES.shiftNotMeasured, {
        message: `Model '${path.basename(file)}' could not be run on the compared images, so the embedding and class-prior comparisons are left out: ${error.message}`,
        location: { file },
        evidence: { model: file, code: error.code },
      });
    }
  }

  if (model?.trainedOn !== undefined && reference.records.some((record) => record.split === model?.trainedOn)) {
    pushFinding(findings, config, SHIFT_RULES.shiftNotMeasured, {
      message: `Model '${path.basename(model.file)}' was trained on split '${model.trainedOn}', and the reference includes it: the confusion matrix behind the class-prior estimate is measured on training images, where the model is at its best, so the estimated priors and the expected accuracy lean optimistic. Compare against a held-out split with --reference-split when it has enough images.`,
      location: { file: model.file },
      evidence: { model: model.file, trainedOn: model.trainedOn, referenceSplit: reference.split ?? 'all' },
    });
  }
  const attributeNames = (dataset: Dataset): string[] => dataset.attributes.map((attribute) => attribute.name);
  const attributes = attributeNames(reference.dataset).filter((name) => attributeNames(target.dataset).includes(name));
  const analysisSide = (side: LoadedSide): AnalysisSide => ({
    name: `${side.dataset.name}${side.split ? `/${side.split}` : ''}`,
    records: side.records,
    scans: side.scans,
    location: { file: side.dataset.manifest ?? side.dataset.root },
  });
  options.onProgress?.({ stage: 'metrics', done: 0, message: 'Comparing distributions' });
  const analysis = analyseShift({ reference: analysisSide(reference), target: analysisSide(target), attributes, config, model, signal: options.signal });
  findings.push(...analysis.findings);
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity]++;
  const describe = (side: LoadedSide): ShiftSide => ({
    path: side.given,
    dataset: side.dataset.name,
    root: side.dataset.root,
    manifest: side.dataset.manifest,
    split: side.split,
    images: side.records.length,
    readable: side.records.filter((record) => side.scans.get(record.id)?.ok).length,
  });
  return {
    schemaVersion: SHIFT_RESULT_SCHEMA_VERSION,
    tool: { name: 'fairframe', version: TOOL_VERSION },
    createdAt: new Date().toISOString(),
    reference: describe(reference),
    target: describe(target),
    model: model && { file: model.file, sha256: model.sha256, classes: model.classNames, featureTensor: model.featureTensor, failed: model.failed, unknownLabels: model.unknownLabels },
    attributes,
    ...analysis,
    findings,
    counts,
    durationMs: Date.now() - started,
  };
}
