// Runs one model on the reference and target images of a shift comparison: predicted classes, reference labels mapped to
// the model's classes, and embeddings (the penultimate tensor) for the MMD test. Predictions are cached like the audit's.
import * as path from 'node:path';
import type { ModelConfig } from '../config/configTypes';
import { FairframeError } from '../errors';
import { readGuardedFile } from '../io/guardedFile';
import { findPenultimateTensor } from '../model/graphSurgery';
import { ModelHandle } from '../model/modelHandle';
import { runInference, type InferenceItem } from '../model/inferenceRunner';
import { readSidecar, resolveModelSpec } from '../model/modelSpec';
import { PredictionCache } from '../model/predictionCache';
import { matchLabels } from '../modelAudit/auditedRecords';
import type { DatasetRecord, RunOptions, ScanOutcome } from '../types';

/** One record's model output in a shift comparison. */
export interface ShiftPrediction {
  predicted: number;
  /** The record's label as a model class index; undefined when the model does not know the label. */
  label?: number;
  features?: Float32Array;
}

/** The model's outputs on both sides. */
export interface ShiftModelRun {
  file: string;
  sha256: string;
  classNames: string[];
  reference: Map<string, ShiftPrediction>;
  target: Map<string, ShiftPrediction>;
  /** Images that could not be run (unreadable or failed in the model), per side. */
  failed: { reference: number; target: number };
  /** Reference records whose label the model does not predict (left out of the confusion matrix). */
  unknownLabels: number;
  featureTensor?: string;
  /** The split the model declares it was trained on, if any. */
  trainedOn?: string;
}

/** A side's records with their scans. */
export interface ShiftModelSide {
  records: readonly DatasetRecord[];
  scans: Map<string, ScanOutcome>;
}

/** Runs the model on both sides; throws a FairframeError when the model cannot be read or its labels fit neither side. */
export async function runShiftModel(
  file: string,
  modelConfig: ModelConfig | undefined,
  reference: ShiftModelSide,
  target: ShiftModelSide,
  options: RunOptions & { cacheDir?: string },
): Promise<ShiftModelRun> {
  const absolute = path.resolve(file);
  const bytes = await readGuardedFile(absolute, 'model').catch((error: NodeJS.ErrnoException) => {
    if (FairframeError.is(error)) throw new FairframeError('bad-model', error.message, { file: absolute });
    if (error.code === 'ENOENT') throw new FairframeError('path-not-found', `The model file '${absolute}' does not exist; check the path given with --model.`, { file: absolute });
    throw new FairframeError('bad-model', `The model file '${absolute}' cannot be read (${error.code ?? error.message}).`, { file: absolute });
  });
  const handle = ModelHandle.fromBytes(bytes, absolute);
  try {
    const info = handle.info();
    const proto = handle.model();
    const sidecar = await readSidecar(absolute);
    const spec = resolveModelSpec(info, {
      sidecar: sidecar?.config,
      config: modelConfig,
      datasetLabels: [...new Set(reference.records.map((record) => record.label))],
      model: proto,
    });
    const match = matchLabels(spec.labels, reference.records, spec.labelMap, `Model '${path.basename(absolute)}'`);
    const penultimate = spec.features && spec.sources.features !== 'inferred' ? { name: spec.features } : findPenultimateTensor(proto, spec.outputName);
    const featureOutput = penultimate?.name;
    const exposed = penultimate && !info.outputs.some((output) => output.name === penultimate.name) ? [penultimate.name] : [];
    const runHash = exposed.length === 0 ? info.sha256 : handle.exposedSha256(exposed);
    const cache = options.cacheDir ? await PredictionCache.open(options.cacheDir, runHash, spec) : undefined;

    const items: InferenceItem[] = [];
    const sideOf = new Map<string, 'reference' | 'target'>();
    const failed = { reference: 0, target: 0 };
    for (const [side, records, scans] of [['reference', reference.records, reference.scans], ['target', target.records, target.scans]] as const) {
      for (const record of records) {
        const scan = scans.get(record.id);
        if (!scan?.ok) {
          failed[side]++;
          continue;
        }
        // Record ids are unique within a dataset only: the side is part of the inference key.
        const key = `${side}\0${record.id}`;
        sideOf.set(key, side);
        items.push({ recordId: key, path: record.path, contentHash: scan.facts.sha256 });
      }
    }
    const inference = await runInference({
      modelBytes: handle,
      spec,
      items,
      featureOutput,
      cache,
      signal: options.signal,
      onProgress: (progress) => options.onProgress?.({ stage: 'infer', done: progress.done, total: progress.total, message: progress.message ?? `Running ${path.basename(absolute)}` }),
    });
    await cache?.flush();
    const out = { reference: new Map<string, ShiftPrediction>(), target: new Map<string, ShiftPrediction>() };
    const labelOf = new Map<string, string>();
    for (const record of reference.records) labelOf.set(`reference\0${record.id}`, record.label);
    for (const record of target.records) labelOf.set(`target\0${record.id}`, record.label);
    let unknownLabels = 0;
    for (const item of items) {
      const side = sideOf.get(item.recordId) as 'reference' | 'target';
      const prediction = inference.predictions.get(item.recordId);
      if (!prediction) {
        failed[side]++;
        continue;
      }
      const label = match.index.get(labelOf.get(item.recordId) ?? '');
      if (side === 'reference' && label === undefined) unknownLabels++;
      out[side].set(item.recordId.slice(side.length + 1), { predicted: prediction.top[0]?.[0] ?? 0, label, features: prediction.features });
    }
    return { file: absolute, sha256: info.sha256, classNames: match.classNames, reference: out.reference, target: out.target, failed, unknownLabels, featureTensor: featureOutput, trainedOn: spec.trainedOn };
  } finally {
    await handle.dispose();
  }
}
