// `fairframe merge`: reads the partial results of N shards, checks that they belong together, restores every dataset
// in its original record order with its scans and predictions, and runs the same audit as a single run on them.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { runAuditPlan, type AuditOptions, type AuditPlan, type AuditSupply } from '../audit';
import { AUDIT_RESULT_SCHEMA_VERSION, type AuditResult } from '../auditResult';
import type { ResolvedConfig } from '../config/configTypes';
import { FairframeError, throwIfAborted } from '../errors';
import type { InferenceResult, InferenceStats } from '../model/inferenceRunner';
import type { Prediction } from '../model/modelTypes';
import type { ScanResult } from '../scan/scanTypes';
import type { Dataset, DatasetRecord, ScanOutcome } from '../types';
import { TOOL_VERSION } from '../version';
import { PARTIAL_FORMAT_VERSION, readPartial, recordListHash, type PartialDataset, type PartialHeader, type PartialInference } from './partialResult';

/** The name of a partial result file. */
export const PARTIAL_FILE_NAME = /^fairframe-partial-\d+-of-\d+\.jsonl\.gz$/;

/** The partial files in `inputs`: files as given, folders searched (not recursively) for fairframe-partial-K-of-N.jsonl.gz. */
export async function findPartials(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const stat = await fs.stat(input).catch(() => undefined);
    if (!stat) throw new FairframeError('path-not-found', `The partial result path '${path.resolve(input)}' does not exist.`, { path: input });
    if (stat.isFile()) files.push(path.resolve(input));
    else for (const name of (await fs.readdir(input)).sort()) if (PARTIAL_FILE_NAME.test(name)) files.push(path.resolve(input, name));
  }
  if (files.length === 0) throw new FairframeError('bad-partial', `No partial result (fairframe-partial-K-of-N.jsonl.gz) found in ${inputs.map((i) => `'${i}'`).join(', ')}; write them with fairframe audit --shard K/N --partial DIR.`);
  return [...new Set(files)];
}

interface MergedDataset {
  info: PartialDataset;
  records: Array<DatasetRecord | undefined>;
  scans: Map<string, ScanOutcome>;
  stats: ScanResult['stats'];
  models: Map<string, { sha256: string; predictions: Map<string, Prediction>; failures: InferenceResult['failures']; stats: InferenceStats[]; unusable?: PartialInference['unusable'] }>;
}

/** The fields of two headers that must agree, by name: what makes partials belong to one run. */
function compatibility(header: PartialHeader): Record<string, string> {
  return {
    'partial format': String(header.formatVersion),
    'Fairframe version': header.toolVersion,
    'result schema': header.resultSchemaVersion,
    'shard count': String(header.shard.count),
    'shard key': header.shardKey,
    target: header.target,
    configuration: JSON.stringify(header.config),
    '--no-decode': String(header.noDecode),
    '--split': String(header.split),
    '--robustness': String(header.robustness),
    models: JSON.stringify(header.targets),
  };
}

/** Reads and checks every partial, then audits the merged data exactly as one run on all of it would. */
export async function mergePartials(inputs: string[], options: AuditOptions = {}): Promise<AuditResult> {
  const startedAt = Date.now();
  const files = await findPartials(inputs);
  let first: PartialHeader | undefined;
  const seen = new Map<number, string>();
  const datasets = new Map<string, MergedDataset>();
  for (const file of files) {
    throwIfAborted(options.signal);
    options.onProgress?.({ stage: 'load', done: seen.size, total: files.length, message: `Reading ${path.basename(file)}` });
    let header: PartialHeader | undefined;
    for await (const line of readPartial(file)) {
      switch (line.kind) {
        case 'header': {
          header = line;
          if (line.formatVersion !== PARTIAL_FORMAT_VERSION || line.toolVersion !== TOOL_VERSION || line.resultSchemaVersion !== AUDIT_RESULT_SCHEMA_VERSION) {
            throw new FairframeError('bad-partial', `'${file}' was written by Fairframe ${line.toolVersion} (partial format ${line.formatVersion}); this is ${TOOL_VERSION} (format ${PARTIAL_FORMAT_VERSION}). Merge partials with the version that wrote them, or rerun every shard.`, { file });
          }
          if (!first) first = line;
          else {
            const want = compatibility(first);
            const got = compatibility(line);
            const differ = Object.keys(want).filter((key) => want[key] !== got[key]);
            if (differ.length > 0) {
              throw new FairframeError('bad-partial', `'${file}' does not belong with '${seen.values().next().value}': their ${differ.join(', ')} differ. Every shard must run the same command on the same data (only K of --shard K/N changes).`, { file, differ });
            }
          }
          const other = seen.get(line.shard.index);
          if (other !== undefined) throw new FairframeError('bad-partial', `Shard ${line.shard.index}/${line.shard.count} appears twice: '${other}' and '${file}'. Keep one.`, { file });
          seen.set(line.shard.index, file);
          break;
        }
        case 'dataset': {
          const known = datasets.get(line.name);
          if (!known) {
            datasets.set(line.name, { info: line, records: new Array(line.recordCount), scans: new Map(), stats: { scanned: 0, failed: 0, cacheHits: 0, decoded: 0 }, models: new Map() });
          } else if (known.info.recordListHash !== line.recordListHash || JSON.stringify(known.info.config) !== JSON.stringify(line.config)) {
            throw new FairframeError('bad-partial', `The shards saw different versions of dataset '${line.name}' (${known.info.recordCount} and ${line.recordCount} records, different record lists or settings): the data changed while they ran. Rerun every shard.`, { file });
          }
          break;
        }
        case 'record': {
          const merged = datasetOf(datasets, line.dataset, file);
          if (!Number.isInteger(line.index) || line.index < 0 || line.index >= merged.records.length || merged.records[line.index] !== undefined) {
            throw new FairframeError('bad-partial', `'${file}' places record '${line.record.relPath}' at position ${line.index} of dataset '${line.dataset}', which is out of range or already taken: the shards do not fit together.`, { file });
          }
          merged.records[line.index] = line.record;
          if (line.scan) merged.scans.set(line.record.id, line.scan);
          break;
        }
        case 'scan-stats': {
          const stats = datasetOf(datasets, line.dataset, file).stats;
          stats.scanned += line.stats.scanned;
          stats.failed += line.stats.failed;
          stats.cacheHits += line.stats.cacheHits;
          stats.decoded += line.stats.decoded;
          break;
        }
        case 'inference': {
          const merged = datasetOf(datasets, line.dataset, file);
          let model = merged.models.get(line.model);
          if (!model) {
            model = { sha256: line.modelSha256, predictions: new Map(), failures: [], stats: [] };
            merged.models.set(line.model, model);
          } else if (model.sha256 !== line.modelSha256) {
            throw new FairframeError('bad-partial', `The shards ran different versions of the model '${line.model}' (SHA-256 ${model.sha256.slice(0, 12)}… and ${line.modelSha256.slice(0, 12)}…). Rerun every shard.`, { file });
          }
          model.failures.push(...line.failures);
          if (line.stats) model.stats.push(line.stats);
          model.unusable ??= line.unusable;
          break;
        }
        case 'prediction': {
          const model = datasetOf(datasets, line.dataset, file).models.get(line.model);
          if (!model) throw new FairframeError('bad-partial', `'${file}' holds predictions of '${line.model}' before its inference line.`, { file });
          model.predictions.set(line.recordId, {
            recordId: line.recordId,
            probs: Float32Array.from(line.probs),
            top: line.top,
            ...(line.features ? { features: Float32Array.from(line.features) } : {}),
          });
          break;
        }
        case 'end':
          break;
      }
    }
    if (!header) throw new FairframeError('bad-partial', `'${file}' holds no header.`, { file });
  }
  const head = first as PartialHeader;
  const missing = Array.from({ length: head.shard.count }, (_, index) => index).filter((index) => !seen.has(index));
  if (missing.length > 0) {
    throw new FairframeError('bad-partial', `Shard${missing.length === 1 ? '' : 's'} ${missing.map((index) => `${index}/${head.shard.count}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: ${seen.size} of ${head.shard.count} partial results found. Run the missing shards, or pass the folders that hold them.`, { missing });
  }

  const restored: Array<{ dataset: Dataset; config: ResolvedConfig }> = [];
  for (const merged of datasets.values()) {
    const gap = merged.records.findIndex((record) => record === undefined);
    if (gap >= 0) throw new FairframeError('bad-partial', `No shard holds record ${gap} of dataset '${merged.info.name}': the partials do not cover the data. Rerun every shard.`);
    const records = merged.records as DatasetRecord[];
    if (recordListHash(records) !== merged.info.recordListHash) throw new FairframeError('bad-partial', `The records of dataset '${merged.info.name}' gathered from the shards are not the list the shards saw. Rerun every shard.`);
    const { info } = merged;
    restored.push({
      dataset: { name: info.name, root: info.root, format: info.format, manifest: info.manifest, records, attributes: info.attributes, columns: info.columns, loadIssues: info.loadIssues },
      config: info.config,
    });
  }
  if (restored.length !== head.datasetCount) throw new FairframeError('bad-partial', `The partials describe ${restored.length} of the ${head.datasetCount} datasets the shards found.`);
  await checkModelFiles(datasets);

  const plan: AuditPlan = {
    absolute: head.target,
    folder: head.folder,
    config: head.config,
    targets: head.targets,
    datasetCount: head.datasetCount,
    startedAt,
    async *datasets() {
      yield* restored;
    },
  };
  const supply: AuditSupply = {
    scans: (dataset) => {
      const merged = datasets.get(dataset.name) as MergedDataset;
      return { outcomes: inRecordOrder(dataset.records, merged.scans), stats: merged.stats };
    },
    inference: (modelFile, dataset) => mergedInference(datasets.get(dataset.name) as MergedDataset, modelFile, dataset.records),
  };
  return runAuditPlan(plan, { ...options, noDecode: head.noDecode, split: head.split, ...(head.robustness ? { robustness: head.robustness } : {}) }, supply);
}

function datasetOf(datasets: Map<string, MergedDataset>, name: string, file: string): MergedDataset {
  const merged = datasets.get(name);
  if (!merged) throw new FairframeError('bad-partial', `'${file}' names dataset '${name}' before describing it.`, { file });
  return merged;
}

/** Scan outcomes keyed in record order, as a single run's scan returns them. */
function inRecordOrder(records: DatasetRecord[], scans: Map<string, ScanOutcome>): Map<string, ScanOutcome> {
  const ordered = new Map<string, ScanOutcome>();
  for (const record of records) {
    const outcome = scans.get(record.id);
    if (outcome) ordered.set(record.id, outcome);
  }
  return ordered;
}

/** The models the merge reads (for their specs and explanations) must be the files the shards ran. */
async function checkModelFiles(datasets: Map<string, MergedDataset>): Promise<void> {
  const checked = new Map<string, string>();
  for (const merged of datasets.values()) {
    for (const [file, model] of merged.models) {
      if (!model.sha256) continue;
      if (!checked.has(file)) {
        const bytes = await fs.readFile(file).catch(() => undefined);
        checked.set(file, bytes ? createHash('sha256').update(bytes).digest('hex') : '');
      }
      const now = checked.get(file);
      if (now && now !== model.sha256) throw new FairframeError('bad-partial', `The model '${file}' changed since the shards ran it (SHA-256 now ${now.slice(0, 12)}…, then ${model.sha256.slice(0, 12)}…). Rerun every shard.`);
    }
  }
}

/** One model's inference over every shard: predictions and failures joined, counts summed, the output kind agreed. */
function mergedInference(merged: MergedDataset, modelFile: string, records: DatasetRecord[]): InferenceResult {
  const model = merged.models.get(modelFile);
  if (model?.unusable) throw new FairframeError(model.unusable.code as never, model.unusable.reason);
  const all = model?.stats ?? [];
  const ran = all.filter((stats) => stats.inferred + stats.cacheHits > 0);
  const kinds = new Set(ran.map((stats) => stats.outputKind));
  if (kinds.size > 1) {
    throw new FairframeError('bad-partial', `The shards read the output of '${modelFile}' differently (${[...kinds].join(' and ')}, detected from each shard's first batch). Declare outputKind for the model in fairframe.json and rerun every shard.`);
  }
  const stats: InferenceStats = {
    inferred: all.reduce((sum, s) => sum + s.inferred, 0),
    cacheHits: all.reduce((sum, s) => sum + s.cacheHits, 0),
    batches: all.reduce((sum, s) => sum + s.batches, 0),
    batchSize: Math.min(...(ran.length > 0 ? ran : all).map((s) => s.batchSize)),
    fellBackToBatch1: all.some((s) => s.fellBackToBatch1),
    outputKind: ran[0]?.outputKind ?? all[0]?.outputKind ?? 'logits',
  };
  // Failures in record order, as one run over all the records meets them.
  const position = new Map(records.map((record, index) => [record.id, index]));
  const failures = [...(model?.failures ?? [])].sort((a, b) => (position.get(a.recordId) ?? 0) - (position.get(b.recordId) ?? 0));
  return { predictions: model?.predictions ?? new Map(), failures, stats };
}
