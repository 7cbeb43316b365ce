// The model audit: inspect → resolve the spec → choose the split → infer (cached) → metrics overall and by group with
// intervals → fairness findings → label issues → embedding duplicates.
import { pushAll } from '../arrays';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AuditDiagnostic } from '../auditResult';
import type { ModelConfig, ResolvedConfig } from '../config/configTypes';
import { FairframeError, throwIfAborted } from '../errors';
import { readGuardedFile } from '../io/guardedFile';
import { findEmbeddingDuplicatePairs } from './embeddingDuplicates';
import { Explainer } from '../explain/explainer';
import { explainAudit, type AuditExplanations } from './explainAudit';
import { explanationFindings } from './explanationFindings';
import { findPenultimateTensor } from '../model/graphSurgery';
import { ModelHandle } from '../model/modelHandle';
import { runInference, type InferenceItem, type InferenceResult } from '../model/inferenceRunner';
import { defaultedPreprocessFields, readSidecar, resolveModelSpec, type ResolvedModelSpec } from '../model/modelSpec';
import type { ModelInfo, Prediction } from '../model/modelTypes';
import type { onnx } from 'onnx-proto';
import { PredictionCache } from '../model/predictionCache';
import type { Dataset, DatasetRecord, Finding, Location, RunOptions, ScanOutcome } from '../types';
import { pushFinding } from '../checks/check';
import { chooseSplit, matchLabels } from './auditedRecords';
import type { GroupDefinition } from './groupMetrics';
import type { ModelAudit, ModelUsage } from './modelAuditTypes';
import { inferenceFailureFindings } from './inferenceFailureFindings';
import { MODEL_RULES } from './modelRules';
import { auditRobustness } from '../robustness/robustnessAudit';
import { robustnessFindings } from '../robustness/robustnessFindings';
import type { RobustnessMode } from '../robustness/robustnessTypes';
import { resolveRobustnessSettings } from '../robustness/robustnessSettings';
import { measureAudited, type AuditedPrediction } from './measureAudited';
import { auditPredictionsFile, isPredictionsFile } from '../predictions/predictionsAudit';

/** Embedding-duplicate pairs reported as findings at most (the result lists up to 1,000). */
const MAX_PAIR_FINDINGS = 500;

export interface ModelAuditOptions extends RunOptions {
  /** Folder of the prediction cache; no cache when absent. */
  cacheDir?: string;
  /** Split to audit ('all' for every record); default: the model's `split`, else a held-out split, else all. */
  split?: string;
  /** Also measure accuracy by group under common corruptions, adversarial attacks, or both. */
  robustness?: RobustnessMode;
  /** Receives every audited image with its full probability row (e.g. to fit mitigation thresholds on). */
  onAudited?: AuditedListener;
  /** A shard's run: infer only the records `include` accepts, hand the raw inference to `sink`, and compute nothing else. */
  inferOnly?: { include: (recordId: string) => boolean; sink: (inference: InferenceResult) => void };
  /** A merge's run: the inference of every record, gathered from the shards, used instead of running the model. */
  precomputed?: InferenceResult;
}

/** A listener for the audited images of one model on one dataset, with their full probability rows. */
export type AuditedListener = (audited: { model: string; dataset: string; classNames: string[]; labelIndex: Map<string, number>; images: AuditedPrediction[] }) => void;

/** The model's entry: its file and its fairframe.json settings (if any). */
export interface ModelTarget {
  file: string;
  config?: ModelConfig;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A ModelInfo for a file that could not be inspected: enough for the report to name it. */
async function fallbackInfo(file: string): Promise<ModelInfo> {
  const bytes = await fs.stat(file).then((s) => s.size).catch(() => 0);
  return { file, bytes, sha256: '', irVersion: 0, opsets: [], producer: { name: '', version: '' }, inputs: [], outputs: [], parameterCount: 0, nodeCount: 0, opTypes: {}, metadata: {} };
}

/** Sensitive attributes and the intersections to audit: each attribute, then the configured tuples (those naming an
 * attribute the dataset lacks are reported by `unknownIntersectionFindings`) or every pair. */
export function groupDefinitions(dataset: Dataset, records: DatasetRecord[], config: ResolvedConfig): GroupDefinition[] {
  const names = dataset.attributes.map((attribute) => attribute.name);
  const column = (name: string): string[] => records.map((record) => record.attributes[name]);
  const tuples: string[][] = names.map((name) => [name]);
  if (config.intersections) {
    for (const tuple of config.intersections) if (tuple.every((name) => names.includes(name))) tuples.push(tuple);
  } else {
    for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) tuples.push([names[i], names[j]]);
  }
  return tuples.map((attributes) => ({ attributes, values: Object.fromEntries(attributes.map((name) => [name, column(name)])) }));
}

/** Audits one model on one dataset (whose records were scanned: `scans` gives each file's content hash). */
export async function auditModel(
  target: ModelTarget,
  dataset: Dataset,
  scans: Map<string, ScanOutcome>,
  config: ResolvedConfig,
  options: ModelAuditOptions = {},
): Promise<{ audit: ModelAudit; findings: Finding[]; diagnostics?: AuditDiagnostic[] }> {
  const started = Date.now();
  const file = path.resolve(target.file);
  const modelName = `${isPredictionsFile(file) ? 'Predictions' : 'Model'} '${path.basename(file)}'`;
  const findings: Finding[] = [];
  const configLocation: Location = { file: config.file ?? dataset.manifest ?? dataset.root };
  let info: ModelInfo | undefined;
  let handle: ModelHandle | undefined;
  const fail = async (error: unknown): Promise<{ audit: ModelAudit; findings: Finding[]; diagnostics?: AuditDiagnostic[] }> => {
    if (FairframeError.is(error, 'cancelled')) throw error;
    const reason = errorMessage(error);
    // An internal error (not a FairframeError, whose message says it all) keeps its stack for the log.
    const diagnostics: AuditDiagnostic[] | undefined = FairframeError.is(error)
      ? undefined
      : [{ context: `auditing model '${path.basename(file)}' on dataset '${dataset.name}'`, message: reason, stack: error instanceof Error ? error.stack : undefined }];
    pushFinding(findings, config, MODEL_RULES.unusable, {
      message: `${modelName} cannot be audited on dataset '${dataset.name}': ${reason}`,
      location: { file },
      evidence: { model: file, dataset: dataset.name, code: FairframeError.is(error) ? error.code : 'internal' },
    });
    return { audit: { model: info ?? (await fallbackInfo(file)), dataset: dataset.name, status: 'failed', reason }, findings, diagnostics };
  };

  if (isPredictionsFile(file)) {
    // A predictions file is the model side of the audit: its rows replace inference; the rest is shared.
    try {
      return await auditPredictionsFile({ file, config: target.config, dataset, resolved: config, options, groupDefinitions: (records) => groupDefinitions(dataset, records, config) });
    } catch (error) {
      return fail(error);
    }
  }
  try {
    throwIfAborted(options.signal);
    options.onProgress?.({ stage: 'infer', done: 0, message: `Reading ${path.basename(file)}` });
    const bytes = await readGuardedFile(file, 'model').catch((error: NodeJS.ErrnoException) => {
      if (FairframeError.is(error)) throw new FairframeError('bad-model', error.message, { file });
      if (error.code === 'ENOENT') throw new FairframeError('path-not-found', `the model file '${file}' does not exist; check the path given with --model or in fairframe.json.`, { file });
      throw new FairframeError('bad-model', `the model file '${file}' cannot be read (${error.code ?? error.message}).`, { file });
    });
    // One handle for the whole audit: the bytes are parsed once, and inference, the feature outputs and every
    // explanation method share its graph and sessions.
    handle = ModelHandle.fromBytes(bytes, file);
    info = handle.info();
    const proto = handle.model();
    const sidecar = await readSidecar(file);
    const split = chooseSplit(dataset.records, options.split ?? target.config?.split ?? sidecar?.config.split);
    const inSplit = dataset.records.filter((record) => split === undefined || record.split === split);
    const spec: ResolvedModelSpec = resolveModelSpec(info, {
      sidecar: sidecar?.config,
      config: target.config,
      datasetLabels: [...new Set(inSplit.map((record) => record.label))],
      model: proto,
    });
    const match = matchLabels(spec.labels, inSplit, spec.labelMap, modelName);
    return await runAudit({ file, modelName, handle, info, proto, spec, split, inSplit, match, dataset, scans, config, options, findings, configLocation, started });
  } catch (error) {
    return fail(error);
  } finally {
    await handle?.dispose();
  }
}

interface AuditState {
  file: string;
  modelName: string;
  handle: ModelHandle;
  info: ModelInfo;
  proto: onnx.IModelProto;
  spec: ResolvedModelSpec;
  split: string | undefined;
  inSplit: DatasetRecord[];
  match: ReturnType<typeof matchLabels>;
  dataset: Dataset;
  scans: Map<string, ScanOutcome>;
  config: ResolvedConfig;
  options: ModelAuditOptions;
  findings: Finding[];
  configLocation: Location;
  started: number;
}

async function runAudit(state: AuditState): Promise<{ audit: ModelAudit; findings: Finding[] }> {
  const { file, modelName, handle, info, proto, spec, split, inSplit, match, dataset, scans, config, options, findings, configLocation } = state;
  const evidenceBase = { model: file, dataset: dataset.name, split: split ?? 'all' };

  // Which records can be run: a known label and a readable image.
  const unknownLabel = inSplit.filter((record) => !match.index.has(record.label));
  const known = inSplit.filter((record) => match.index.has(record.label));
  const items: InferenceItem[] = [];
  let unreadable = 0;
  for (const record of known) {
    const scan = scans.get(record.id);
    if (!scan || !scan.ok) {
      unreadable++;
      continue;
    }
    items.push({ recordId: record.id, path: record.path, contentHash: scan.facts.sha256 });
  }
  if (unknownLabel.length > 0) {
    pushFinding(findings, config, MODEL_RULES.unknownLabels, {
      message: `${unknownLabel.length} of ${inSplit.length} images${split ? ` in split '${split}'` : ''} carry labels ${modelName} does not predict and are left out of its metrics: ${Object.entries(match.unknown).map(([label, n]) => `'${label}' (${n})`).join(', ')}. The model predicts ${match.classNames.map((c) => `'${c}'`).join(', ')}.`,
      location: dataset.manifest ? { file: dataset.manifest } : { file: dataset.root },
      evidence: { ...evidenceBase, unknown: match.unknown, modelLabels: match.classNames, suggestedLabelMap: match.suggestedLabelMap },
      related: unknownLabel.slice(0, 50).map((record) => record.source),
      suggestion: Object.keys(match.suggestedLabelMap).length > 0
        ? `These names differ from the model's only in case or spaces: fix the labels, or add "labelMap": ${JSON.stringify(match.suggestedLabelMap)} to the model's entry in fairframe.json.`
        : 'Fix the labels in the dataset, or map them with models[].labelMap in fairframe.json.',
    });
  }
  // Channel order means nothing for a one-channel input.
  const defaulted = defaultedPreprocessFields(spec).filter((key) => !(key === 'channelOrder' && spec.preprocess.channels === 1));
  if (defaulted.length > 0) {
    pushFinding(findings, config, MODEL_RULES.preprocessingAssumed, {
      message: `${modelName} does not declare ${defaulted.join(', ')} of its preprocessing; assumed ${defaulted.map((key) => `${key} = ${JSON.stringify(spec.preprocess[key])}`).join(', ')}. If that is wrong, every figure below is too: declare it in the model's metadata_props, a sidecar ${path.basename(file, '.onnx')}.json or fairframe.json.`,
      location: configLocation,
      evidence: { ...evidenceBase, defaulted, preprocess: spec.preprocess },
    });
  }
  const onTrainingSplit = spec.trainedOn !== undefined && (split === spec.trainedOn || (split === undefined && dataset.records.some((r) => r.split === spec.trainedOn)));
  if (onTrainingSplit) {
    pushFinding(findings, config, MODEL_RULES.trainingSplit, {
      message: `${modelName} was trained on split '${spec.trainedOn}', and the audit ${split ? `is on that split` : 'includes it'}: accuracy is optimistic and label-error scores are not out-of-sample. Audit a held-out split with --split.`,
      location: configLocation,
      evidence: { ...evidenceBase, trainedOn: spec.trainedOn },
    });
  }

  // Features for embedding duplicates: the declared tensor, or the classifier's input found by graph analysis.
  const penultimate = spec.features && spec.sources.features !== 'inferred'
    ? { name: spec.features, reason: `declared in the ${spec.sources.features ?? 'config'}` }
    : findPenultimateTensor(proto, spec.outputName);
  const featureOutput = penultimate?.name;
  const exposed = penultimate && !info.outputs.some((output) => output.name === penultimate.name) ? [penultimate.name] : [];

  // The cache is keyed by the bytes actually run (the model with its feature output exposed) and the settings.
  const runHash = exposed.length === 0 ? info.sha256 : handle.exposedSha256(exposed);
  const inference = options.precomputed ? checkedPrecomputed(options.precomputed, items, modelName) : await (async () => {
    const cache = options.cacheDir ? await PredictionCache.open(options.cacheDir, runHash, spec) : undefined;
    const run = await runInference({
      modelBytes: handle,
      spec,
      items: options.inferOnly ? items.filter((item) => options.inferOnly?.include(item.recordId)) : items,
      featureOutput,
      cache,
      signal: options.signal,
      onProgress: (progress) => options.onProgress?.({ stage: 'infer', done: progress.done, total: progress.total, message: progress.message ?? `Running ${path.basename(file)}` }),
    });
    await cache?.flush();
    return run;
  })();
  if (options.inferOnly) {
    options.inferOnly.sink(inference);
    return { audit: { model: info, dataset: dataset.name, status: 'ok', split }, findings: [] };
  }
  inferenceFailureFindings(inference.failures, items.length, dataset, config, modelName, evidenceBase, findings);

  // The audited sample: records with a prediction, in dataset order.
  const audited: Array<{ record: DatasetRecord; prediction: Prediction }> = [];
  for (const record of known) {
    const prediction = inference.predictions.get(record.id);
    if (prediction) audited.push({ record, prediction });
  }
  if (audited.length === 0 && inference.failures.some((failure) => failure.kind === 'non-finite-output')) {
    throw new FairframeError('bad-model', `its output holds NaN or ±Infinity for every image it ran on (${inference.failures.length} of ${items.length}; first: ${inference.failures[0].message}).`);
  }
  const images = audited.map(({ record, prediction }) => ({ record, probs: prediction.probs, top: prediction.top }));
  const measured = measureAudited({
    audited: images,
    match,
    dataset,
    split,
    config,
    options,
    modelName,
    configLocation,
    evidenceBase,
    onTrainingSplit,
    groupDefinitions: (records) => groupDefinitions(dataset, records, config),
  });
  const { sample, overall, groups, labelIssues } = measured;
  options.onAudited?.({ model: file, dataset: dataset.name, classNames: match.classNames, labelIndex: match.index, images });
  pushAll(findings, measured.findings);

  // Robustness by group: the same images under corruptions and attacks, on request.
  let robustness: ModelAudit['robustness'];
  const robustnessMode = options.robustness ?? config.robustness;
  if (robustnessMode && audited.length > 0) {
    const itemById = new Map(items.map((item) => [item.recordId, item]));
    robustness = await auditRobustness(robustnessMode, {
      handle,
      spec,
      outputKind: inference.stats.outputKind,
      items: audited.map(({ record }) => itemById.get(record.id) as InferenceItem),
      yTrue: sample.yTrue,
      yPred: sample.yPred,
      definitions: groupDefinitions(dataset, audited.map(({ record }) => record), config),
      minGroupSize: config.thresholds.minMetricGroupSize,
      bootstrap: { replicates: config.thresholds.bootstrapReplicates, level: config.thresholds.confidenceLevel, seed: config.thresholds.bootstrapSeed, signal: options.signal },
      attackImages: config.thresholds.attackImages,
      settings: resolveRobustnessSettings(config.robustnessSettings),
      cacheDir: options.cacheDir,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    pushAll(findings, robustnessFindings(robustness, config, configLocation, modelName, evidenceBase));
  }

  // Near duplicates by embedding (cosine), reported when a pair differs in label or split.
  let embeddingDuplicates: ModelAudit['embeddingDuplicates'];
  const withFeatures = audited.filter(({ prediction }) => prediction.features && prediction.features.length > 0);
  if (withFeatures.length > 1) {
    const threshold = config.thresholds.embeddingDuplicateCosine;
    options.onProgress?.({ stage: 'metrics', done: 0, message: `Comparing ${withFeatures.length} embeddings` });
    const records = withFeatures.map(({ record }) => record);
    const search = await findEmbeddingDuplicatePairs(
      withFeatures.map(({ prediction }) => prediction.features as Float32Array),
      records.map((record) => record.label),
      records.map((record) => record.split),
      threshold,
      options.signal,
    );
    if (!search.discriminative) {
      pushFinding(findings, config, MODEL_RULES.embeddingNotDiscriminative, {
        message: `${modelName}: embedding duplicates are not reported for '${dataset.name}': ${search.skipped}. Raise embeddingDuplicateCosine (e.g. 0.99) to try a stricter threshold; the pixel-hash duplicate check still ran.`,
        location: configLocation,
        evidence: { ...evidenceBase, threshold, pairsCounted: search.pairs, comparisons: search.comparisons },
      });
    }
    embeddingDuplicates = {
      threshold,
      discriminative: search.discriminative,
      skipped: search.skipped,
      pairs: search.pairs,
      flagged: search.flagged,
      flaggedPairs: search.kept.map((pair) => ({
        paths: [records[pair.first].relPath, records[pair.second].relPath],
        labels: [records[pair.first].label, records[pair.second].label],
        splits: [records[pair.first].split ?? '', records[pair.second].split ?? ''],
        similarity: pair.similarity,
        conflictingLabels: pair.conflictingLabels,
        crossSplit: pair.crossSplit,
      })),
    };
    const byPath = new Map(records.map((record) => [record.relPath, record]));
    for (const pair of embeddingDuplicates.flaggedPairs.slice(0, MAX_PAIR_FINDINGS)) {
      const first = byPath.get(pair.paths[0]);
      const why = [pair.conflictingLabels ? `different labels ('${pair.labels[0]}', '${pair.labels[1]}')` : '', pair.crossSplit ? `different splits ('${pair.splits[0]}', '${pair.splits[1]}')` : '']
        .filter(Boolean).join(' and ');
      pushFinding(findings, config, MODEL_RULES.embeddingDuplicates, {
        message: `'${pair.paths[0]}' and '${pair.paths[1]}' look the same to ${modelName} (embedding cosine ${pair.similarity.toFixed(3)} ≥ ${threshold}) but have ${why}.`,
        location: first?.source ?? { file: dataset.root },
        related: [byPath.get(pair.paths[1])?.source ?? { file: dataset.root }],
        evidence: { ...evidenceBase, ...pair },
      });
    }
  }

  // Explanations: the most confident errors per group, saliency by class × group, and where a mask column exists, on-object share.
  let explanations: AuditExplanations | undefined;
  if (audited.length > 0 && (config.thresholds.explainErrorsPerGroup > 0 || config.thresholds.saliencyImagesPerCell > 0)) {
    options.onProgress?.({ stage: 'metrics', done: 0, message: `Explaining ${path.basename(file)}` });
    const explainer = Explainer.fromModel(file, handle, spec, info.sha256, options.cacheDir);
    try {
      explanations = await explainAudit(explainer, {
        records: audited.map(({ record }) => record),
        predictions: audited.map(({ prediction }) => prediction),
        yTrue: sample.yTrue,
        classNames: match.classNames,
        attributes: dataset.attributes.map((attribute) => attribute.name),
      }, config.thresholds, options.signal);
    } finally {
      await explainer.dispose();
    }
    pushAll(findings, explanationFindings(explanations, config, configLocation, modelName, evidenceBase));
  }

  const usage: ModelUsage = {
    labels: spec.labels,
    classNames: match.classNames,
    preprocess: spec.preprocess,
    inputName: spec.inputName,
    outputName: spec.outputName,
    outputKind: inference.stats.outputKind,
    outputKindSource: spec.outputKind === 'auto' ? 'detected' : 'declared',
    fixedBatch: spec.fixedBatch,
    trainedOn: spec.trainedOn,
    features: penultimate,
    sources: spec.sources,
  };
  return {
    audit: {
      model: info,
      dataset: dataset.name,
      status: 'ok',
      usage,
      split,
      inference: {
        records: inSplit.length,
        inferred: inference.stats.inferred,
        cacheHits: inference.stats.cacheHits,
        failed: inference.failures.length,
        excludedUnknownLabel: unknownLabel.length,
        excludedUnreadable: unreadable,
        batches: inference.stats.batches,
        batchSize: inference.stats.batchSize,
        fellBackToBatch1: inference.stats.fellBackToBatch1,
        durationMs: Date.now() - state.started,
      },
      overall,
      groups,
      labelIssues,
      embeddingDuplicates,
      explanations,
      ...(robustness ? { robustness } : {}),
      predictions: measured.predictions,
    },
    findings,
  };
}

/** The merged inference, checked to answer every runnable record exactly once (else the partials do not fit the data). */
function checkedPrecomputed(inference: InferenceResult, items: InferenceItem[], modelName: string): InferenceResult {
  const failed = new Set(inference.failures.map((failure) => failure.recordId));
  const missing = items.filter((item) => !inference.predictions.has(item.recordId) && !failed.has(item.recordId));
  if (missing.length > 0) {
    throw new FairframeError('bad-config', `the partial results hold no prediction of ${modelName} for ${missing.length} of ${items.length} images (first: '${missing[0].path}'); they were made with other data, models or settings. Rerun every shard.`);
  }
  return inference;
}
