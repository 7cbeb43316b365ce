// `fairframe audit --shard K/N --partial DIR`: scans and runs the models on one shard's records only, and writes
// the partial result a merge turns into the AuditResult of the whole data. No check runs here: the merge runs them all.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { planAudit, type AuditOptions } from '../audit';
import { AUDIT_RESULT_SCHEMA_VERSION } from '../auditResult';
import { throwIfAborted } from '../errors';
import type { InferenceResult } from '../model/inferenceRunner';
import { auditModel } from '../modelAudit/modelAudit';
import { isPredictionsFile } from '../predictions/predictionsAudit';
import { scanDataset } from '../scan/scanDataset';
import type { ScanStats } from '../scan/scanTypes';
import type { ScanOutcome } from '../types';
import { TOOL_VERSION } from '../version';
import { PARTIAL_FORMAT_VERSION, PartialWriter, recordListHash } from './partialResult';
import { assignShards, type ShardSpec } from './shardAssignment';

export interface ShardRunOptions extends AuditOptions {
  shard: ShardSpec;
  /** Folder (already created, outside every dataset) the partial is written into. */
  partialDir: string;
  /** Checked once the datasets are known: throws when the partial folder lies inside one of their roots. */
  checkPartialDir?: (roots: string[]) => Promise<void>;
}

/** What a shard run did. */
export interface ShardRunSummary {
  file: string;
  /** Records of this shard, and of every shard, per dataset. */
  datasets: Array<{ name: string; records: number; total: number }>;
}

/** Audits the shard's records of every dataset at `target` and writes the partial result. */
export async function auditShard(target: string, options: ShardRunOptions): Promise<ShardRunSummary> {
  const { shard } = options;
  const plan = await planAudit(target, options);
  const writer = PartialWriter.create(options.partialDir, shard);
  const summary: ShardRunSummary['datasets'] = [];
  const noDecode = options.noDecode === true;
  try {
    await writer.write({
      kind: 'header',
      format: 'fairframe-partial',
      formatVersion: PARTIAL_FORMAT_VERSION,
      toolVersion: TOOL_VERSION,
      resultSchemaVersion: AUDIT_RESULT_SCHEMA_VERSION,
      shard,
      shardKey: noDecode ? 'sha256-of-relative-path-mod-n' : 'sha256-of-bytes-mod-n',
      target: plan.absolute,
      folder: plan.folder,
      config: plan.config,
      noDecode,
      split: options.split,
      ...(options.robustness ? { robustness: options.robustness } : {}),
      targets: plan.targets,
      datasetCount: plan.datasetCount,
    });
    for await (const { dataset, config } of plan.datasets()) {
      await options.checkPartialDir?.([dataset.root]);
      throwIfAborted(options.signal);
      options.onProgress?.({ stage: 'scan', done: 0, message: `Assigning the images of ${dataset.name} to ${shard.count} shards` });
      const shards = await assignShards(dataset.records, shard.count, !noDecode, options.signal);
      const own = dataset.records.filter((_, index) => shards[index] === shard.index);
      summary.push({ name: dataset.name, records: own.length, total: dataset.records.length });
      await writer.write({
        kind: 'dataset',
        name: dataset.name,
        root: dataset.root,
        format: dataset.format,
        manifest: dataset.manifest,
        attributes: dataset.attributes,
        columns: dataset.columns,
        loadIssues: dataset.loadIssues,
        config,
        recordCount: dataset.records.length,
        recordListHash: recordListHash(dataset.records),
      });

      let scans = new Map<string, ScanOutcome>();
      let stats: ScanStats = { scanned: 0, failed: 0, cacheHits: 0, decoded: 0 };
      if (!noDecode) {
        const scanned = await scanDataset({ ...dataset, records: own }, {
          signal: options.signal,
          onProgress: options.onProgress,
          cacheDir: options.cacheDir,
          maxPixels: config.thresholds.maxPixels,
          partial: true,
        });
        scans = scanned.outcomes;
        stats = scanned.stats;
      }
      for (let index = 0; index < dataset.records.length; index++) {
        if (shards[index] !== shard.index) continue;
        const record = dataset.records[index];
        await writer.write({ kind: 'record', dataset: dataset.name, index, record, scan: scans.get(record.id) });
      }
      await writer.write({ kind: 'scan-stats', dataset: dataset.name, stats });

      const ownIds = new Set(own.map((record) => record.id));
      for (const modelTarget of plan.targets) {
        if (isPredictionsFile(modelTarget.file)) {
          // A predictions file needs no inference: the merge reads it whole, as one run does. The shard records its hash,
          // so that the merge refuses a file that changed since.
          await writer.write({ kind: 'inference', dataset: dataset.name, model: modelTarget.file, modelSha256: await fileSha256(modelTarget.file), failures: [] });
          continue;
        }
        let inference: InferenceResult | undefined;
        const run = await auditModel(modelTarget, dataset, scans, config, {
          cacheDir: options.cacheDir,
          split: options.split,
          signal: options.signal,
          onProgress: options.onProgress,
          inferOnly: { include: (id) => ownIds.has(id), sink: (result) => { inference = result; } },
        });
        const base = { kind: 'inference' as const, dataset: dataset.name, model: modelTarget.file, modelSha256: run.audit.model.sha256 };
        if (!inference) {
          const code = run.findings.find((finding) => typeof finding.evidence.code === 'string')?.evidence.code as string | undefined;
          await writer.write({ ...base, failures: [], unusable: { code: code ?? 'internal', reason: run.audit.reason ?? 'unknown' } });
          continue;
        }
        await writer.write({ ...base, stats: inference.stats, failures: inference.failures });
        for (const [recordId, prediction] of inference.predictions) {
          await writer.write({
            kind: 'prediction',
            dataset: dataset.name,
            model: modelTarget.file,
            recordId,
            probs: Array.from(prediction.probs),
            top: prediction.top,
            ...(prediction.features ? { features: Array.from(prediction.features) } : {}),
          });
        }
      }
    }
    return { file: await writer.close(), datasets: summary };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** SHA-256 of a file's bytes; '' when it cannot be read (the merge then reports the file as a single run would). */
async function fileSha256(file: string): Promise<string> {
  const bytes = await fs.readFile(file).catch(() => undefined);
  return bytes ? createHash('sha256').update(bytes).digest('hex') : '';
}
