// The dataset audit: discover → load → scan (cached) → checks → AuditResult.
import { plainRecord } from './dictionary';
import { pushAll } from './arrays';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AUDIT_RESULT_SCHEMA_VERSION, type AuditDiagnostic, type AuditResult, type CheckRun, type DatasetAudit } from './auditResult';
import { ALL_CHECKS } from './checks';
import type { DatasetCheck } from './checks/check';
import type { ParallelVerifier } from './checks/verifyPairs';
import { loadConfigFile, loadConfigNear } from './config/config';
import type { ResolvedConfig, Thresholds } from './config/configTypes';
import { discoverDatasets } from './dataset/discover';
import { loadDataset } from './dataset/loadDataset';
import { FairframeError, throwIfAborted } from './errors';
import { scanDataset } from './scan/scanDataset';
import type { ScanResult } from './scan/scanTypes';
import type { InferenceResult } from './model/inferenceRunner';
import { auditModel, type AuditedListener, type ModelTarget } from './modelAudit/modelAudit';
import type { ModelAudit } from './modelAudit/modelAuditTypes';
import { TOOL_VERSION } from './version';
import type { RobustnessMode } from './robustness/robustnessTypes';
import type { Dataset, Finding, RunOptions, ScanOutcome, Severity } from './types';

export interface AuditOptions extends RunOptions {
  /** Path of a fairframe.json; default: the one in the target folder, if any. */
  configFile?: string;
  /** Folder for the per-file scan cache; no cache when absent. */
  cacheDir?: string;
  /** Restricted mode: run only checks that decode nothing. */
  noDecode?: boolean;
  /** Only audit datasets with these names. */
  datasets?: string[];
  /** ONNX model files (or predictions files: .csv, .tsv, .jsonl) to audit on the datasets, besides the models in fairframe.json. */
  models?: string[];
  /** Split to audit models on ('all' for every record). */
  split?: string;
  /** Audit only the models in `models` (their fairframe.json entries still give their settings), not the rest of fairframe.json's. */
  onlyListedModels?: boolean;
  /** Also measure the models' accuracy by group under common corruptions, adversarial attacks, or both. */
  robustness?: RobustnessMode;
  /** Threshold overrides on top of fairframe.json's (e.g. an editor setting for bootstrapReplicates). */
  thresholds?: Partial<Thresholds>;
  /** Threads the checks may divide their work among (the CLI and the editor's worker pass a pool). */
  parallel?: ParallelVerifier;
  /** Receives each model's audited images with their full probability rows. */
  onAudited?: AuditedListener;
}

/** What an audit runs on: the resolved target, its configuration, the models, and the datasets to load in turn. */
export interface AuditPlan {
  /** The path audited (absolute). */
  absolute: string;
  /** The folder reports show paths relative to. */
  folder: string;
  config: ResolvedConfig;
  targets: ModelTarget[];
  /** How many datasets there are (several datasets change how a model whose labels fit none is reported). */
  datasetCount: number;
  /** When the run began (Date.now()): the result's duration counts from here. */
  startedAt: number;
  /** Loads each dataset with the configuration that applies to it, one at a time. */
  datasets(): AsyncIterable<{ dataset: Dataset; config: ResolvedConfig }>;
}

/** What a run takes from elsewhere instead of computing it: a merge of shards supplies the scans and the inference. */
export interface AuditSupply {
  scans?(dataset: Dataset): ScanResult;
  inference?(modelFile: string, dataset: Dataset): InferenceResult;
}

/** Audits every dataset found at `target` (a folder, or a manifest file). */
export async function auditPath(target: string, options: AuditOptions = {}): Promise<AuditResult> {
  return runAuditPlan(await planAudit(target, options), options);
}

/** Resolves the target and its configuration, finds the datasets and the models: everything before the first image is read. */
export async function planAudit(target: string, options: AuditOptions = {}): Promise<AuditPlan> {
  const startedAt = Date.now();
  const absolute = path.resolve(target);
  const stat = await fs.stat(absolute).catch(() => undefined);
  if (!stat) throw new FairframeError('path-not-found', `The path '${absolute}' does not exist; pass a dataset folder or manifest file.`, { path: absolute });
  const folder = stat.isDirectory() ? absolute : path.dirname(absolute);
  const loaded = options.configFile ? await loadConfigFile(options.configFile) : await loadConfigNear(folder);
  const config: ResolvedConfig = options.thresholds ? { ...loaded, thresholds: { ...loaded.thresholds, ...options.thresholds } } : loaded;

  options.onProgress?.({ stage: 'discover', done: 0, message: `Looking for datasets in ${folder}` });
  let refs = await discoverDatasets(absolute, config, options);
  if (options.datasets?.length) refs = refs.filter((ref) => options.datasets?.includes(ref.name));
  if (refs.length === 0) {
    throw new FairframeError('no-dataset',
      `No dataset found in '${absolute}'. Expected an ImageFolder (<root>/<label>/*.jpg), a manifest (CSV/TSV/JSONL with a path and a label column), metadata.csv/metadata.jsonl, or datasets declared in fairframe.json.`,
      { path: absolute });
  }

  if (options.models?.length && options.noDecode) {
    throw new FairframeError('bad-config', 'Models are not run in restricted mode (an untrusted workspace or --no-decode); trust the workspace or drop --no-decode to audit a model.');
  }
  // In restricted mode the models declared in fairframe.json are not run either: the dataset audit goes on without them.
  const targets = options.noDecode ? [] : modelTargets(config, options.models, options.onlyListedModels);
  async function* datasets(): AsyncIterable<{ dataset: Dataset; config: ResolvedConfig }> {
    for (const ref of refs) {
      throwIfAborted(options.signal);
      options.onProgress?.({ stage: 'load', done: 0, message: `Reading ${ref.name}` });
      // A dataset found below the target with a fairframe.json of its own uses it, when the target has none.
      const nested = !options.configFile && config.file === undefined && path.resolve(ref.root) !== folder ? await loadConfigNear(ref.root) : undefined;
      const datasetConfig: ResolvedConfig = nested?.file ? (options.thresholds ? { ...nested, thresholds: { ...nested.thresholds, ...options.thresholds } } : nested) : config;
      yield { dataset: await loadDataset(ref, datasetConfig, options), config: datasetConfig };
    }
  }
  return { absolute, folder, config, targets, datasetCount: refs.length, startedAt, datasets };
}

/** Scans and checks every dataset of the plan and audits every model on each; `supply` replaces scanning and inference. */
export async function runAuditPlan(plan: AuditPlan, options: AuditOptions = {}, supply: AuditSupply = {}): Promise<AuditResult> {
  const { absolute, folder, config, targets, startedAt: started } = plan;
  const audits: DatasetAudit[] = [];
  const models: ModelAudit[] = [];
  const findings: Finding[] = [];
  // Label mismatches held back per model: reported only if the model fits no dataset at all.
  const heldBack = new Map<string, Finding[]>();
  const diagnostics: AuditDiagnostic[] = [];
  for await (const { dataset, config: datasetConfig } of plan.datasets()) {
    const { audit, findings: datasetFindings, scans } = await auditDataset(dataset, datasetConfig, options, supply.scans?.(dataset));
    audits.push(audit);
    pushAll(findings, datasetFindings);
    for (const target of targets) {
      const { audit: modelAudit, findings: modelFindings, diagnostics: modelDiagnostics } = await auditModel(target, dataset, scans, datasetConfig, {
        cacheDir: options.cacheDir,
        split: options.split,
        ...(options.robustness ? { robustness: options.robustness } : {}),
        signal: options.signal,
        onProgress: options.onProgress,
        onAudited: options.onAudited,
        precomputed: supply.inference?.(target.file, dataset),
      });
      // With several datasets, a model whose labels fit another dataset is not an error here: it is recorded, and
      // reported below only when the model fits none of them.
      const mismatch = plan.datasetCount > 1 && modelAudit.status === 'failed' && modelFindings.every((f) => f.evidence.code === 'model-labels');
      for (const finding of modelFindings) finding.dataset ??= dataset.name;
      if (mismatch) heldBack.set(target.file, [...(heldBack.get(target.file) ?? []), ...modelFindings]);
      else pushAll(findings, modelFindings);
      models.push(modelAudit);
      diagnostics.push(...(modelDiagnostics ?? []));
    }
  }
  for (const [file, held] of heldBack) {
    if (models.every((model) => path.resolve(model.model.file) !== path.resolve(file) || model.status === 'failed')) findings.push(...held);
  }

  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity]++;
  // A check that threw keeps its stack in the finding's evidence; it is a diagnostic too.
  for (const finding of findings) {
    if (finding.rule === 'FF-D000' && typeof finding.evidence.stack === 'string') {
      diagnostics.push({ context: `running the ${String(finding.evidence.check)} check on dataset '${finding.dataset}'`, message: String(finding.evidence.error), stack: finding.evidence.stack });
    }
  }
  return {
    schemaVersion: AUDIT_RESULT_SCHEMA_VERSION,
    tool: { name: 'fairframe', version: TOOL_VERSION },
    createdAt: new Date().toISOString(),
    target: absolute,
    root: folder,
    config,
    datasets: audits,
    models,
    findings,
    counts,
    durationMs: Date.now() - started,
    diagnostics,
  };
}

/** The models to audit: those named in options (with their fairframe.json entry when it names the same file), then the rest of fairframe.json's. */
export function modelTargets(config: ResolvedConfig, files: string[] = [], onlyListed = false): ModelTarget[] {
  const targets: ModelTarget[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const absolute = path.resolve(file);
    if (seen.has(absolute)) continue;
    seen.add(absolute);
    targets.push({ file: absolute, config: config.models.find((model) => (model.predictions ?? model.path) === absolute) });
  }
  for (const model of onlyListed ? [] : config.models) {
    // An entry with a predictions file is audited from it (its `path`, if any, only names the model).
    const file = model.predictions ?? model.path;
    if (file === undefined || seen.has(file)) continue;
    seen.add(file);
    targets.push({ file, config: model });
  }
  return targets;
}

/** Scans one loaded dataset (or takes the scans `supplied`) and runs every check on it. A check that throws becomes an FF-D000 finding. */
export async function auditDataset(
  dataset: Dataset,
  config: ResolvedConfig,
  options: AuditOptions = {},
  supplied?: ScanResult,
): Promise<{ audit: DatasetAudit; findings: Finding[]; scans: Map<string, ScanOutcome> }> {
  let scans = new Map<string, ScanOutcome>();
  let scanStats = { scanned: 0, failed: 0, cacheHits: 0, decoded: 0 };
  if (supplied) {
    scans = supplied.outcomes;
    scanStats = supplied.stats;
  } else if (!options.noDecode) {
    const scanned = await scanDataset(dataset, {
      signal: options.signal,
      onProgress: options.onProgress,
      cacheDir: options.cacheDir,
      maxPixels: config.thresholds.maxPixels,
    });
    scans = scanned.outcomes;
    scanStats = scanned.stats;
  }

  const findings: Finding[] = [];
  const checkRuns: CheckRun[] = [];
  const checks = ALL_CHECKS;
  let done = 0;
  for (const check of checks) {
    throwIfAborted(options.signal);
    options.onProgress?.({ stage: 'checks', done, total: checks.length, message: check.name });
    checkRuns.push(await runCheck(check, dataset, scans, config, options, findings));
    done++;
  }
  options.onProgress?.({ stage: 'checks', done, total: checks.length });
  for (const finding of findings) finding.dataset ??= dataset.name;

  const classes: Record<string, number> = Object.create(null);
  const splits: Record<string, number> = Object.create(null);
  for (const record of dataset.records) {
    classes[record.label] = (classes[record.label] ?? 0) + 1;
    if (record.split !== undefined) splits[record.split] = (splits[record.split] ?? 0) + 1;
  }
  const attributes = dataset.attributes.map((attribute) => {
    const values: Record<string, number> = Object.create(null);
    for (const record of dataset.records) {
      const value = record.attributes[attribute.name];
      values[value] = (values[value] ?? 0) + 1;
    }
    return { ...attribute, values: plainRecord(values) };
  });

  const hash = createHash('sha256');
  for (const record of [...dataset.records].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0))) {
    const outcome = scans.get(record.id);
    const digest = outcome?.ok ? outcome.facts.sha256 : outcome?.sha256 ?? '';
    hash.update(`${record.relPath}\0${record.label}\0${digest}\n`);
  }

  return {
    audit: {
      name: dataset.name,
      root: dataset.root,
      format: dataset.format,
      manifest: dataset.manifest,
      images: dataset.records.length,
      classes: plainRecord(classes),
      splits: plainRecord(splits),
      attributes,
      scan: scanStats,
      checks: checkRuns,
      contentHash: hash.digest('hex'),
    },
    findings,
    scans,
  };
}

async function runCheck(
  check: DatasetCheck,
  dataset: Dataset,
  scans: Map<string, ScanOutcome>,
  config: ResolvedConfig,
  options: AuditOptions,
  findings: Finding[],
): Promise<CheckRun> {
  if (check.needsScan && options.noDecode) {
    return { check: check.name, status: 'skipped', reason: 'Images are not decoded in restricted mode.', summary: {}, findings: 0 };
  }
  try {
    const output = await check.run({ dataset, scans, config, signal: options.signal, parallel: options.parallel });
    pushAll(findings, output.findings);
    return { check: check.name, status: 'ok', summary: output.summary, findings: output.findings.length };
  } catch (error) {
    if (FairframeError.is(error, 'cancelled')) throw error;
    const message = error instanceof Error ? error.message : String(error);
    findings.push({
      rule: 'FF-D000',
      severity: 'error',
      message: `The ${check.name} check failed on dataset '${dataset.name}': ${message}. The other checks still ran.`,
      location: { file: dataset.manifest ?? dataset.root },
      evidence: { check: check.name, error: message, stack: error instanceof Error ? error.stack : undefined },
      dataset: dataset.name,
    });
    return { check: check.name, status: 'failed', reason: message, summary: {}, findings: 1 };
  }
}
