// The model audit from a predictions file: the file's rows take the place of inference, and everything downstream
// (metrics, groups, intervals, fairness and label-issue findings) is the same code an ONNX audit runs.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pushAll } from '../arrays';
import { pushFinding } from '../checks/check';
import type { ResolvedConfig } from '../config/configTypes';
import { manifestKindOf } from '../dataset/manifestReader';
import { FairframeError, throwIfAborted } from '../errors';
import type { ModelInfo } from '../model/modelTypes';
import { chooseSplit, matchLabels } from '../modelAudit/auditedRecords';
import type { GroupDefinition } from '../modelAudit/groupMetrics';
import { measureAudited, topClasses, type AuditedPrediction } from '../modelAudit/measureAudited';
import type { ModelAudit, PredictionsFileSummary } from '../modelAudit/modelAuditTypes';
import { MODEL_RULES } from '../modelAudit/modelRules';
import type { AuditedListener } from '../modelAudit/modelAudit';
import type { ModelConfig } from '../config/configTypes';
import type { Dataset, DatasetRecord, Finding, Location, RunOptions } from '../types';
import { matchPredictionRows } from './matchPredictions';
import { readPredictionsFile } from './predictionsFile';

/** Rows or images listed by name in a finding at most. */
const LISTED = 10;

/** True when a model target is a predictions file (.csv, .tsv, .jsonl, .ndjson) rather than an ONNX model. */
export function isPredictionsFile(file: string): boolean {
  return manifestKindOf(file) !== undefined;
}

/** SHA-256 of a file, streamed. */
async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The ModelInfo of a predictions file: its path, size and hash; no graph. */
function predictionsInfo(file: string, bytes: number, sha256: string, format: string): ModelInfo {
  return { file, bytes, sha256, irVersion: 0, opsets: [], producer: { name: 'predictions file', version: format }, inputs: [], outputs: [], parameterCount: 0, nodeCount: 0, opTypes: {}, metadata: {} };
}

export interface PredictionsAuditInput {
  file: string;
  config?: ModelConfig;
  dataset: Dataset;
  resolved: ResolvedConfig;
  options: RunOptions & { split?: string; onAudited?: AuditedListener };
  groupDefinitions: (records: DatasetRecord[]) => GroupDefinition[];
}

/** Audits the predictions in `file` on `dataset`. Throws FairframeError when the file cannot be used at all. */
export async function auditPredictionsFile(input: PredictionsAuditInput): Promise<{ audit: ModelAudit; findings: Finding[] }> {
  const started = Date.now();
  const { dataset, resolved: config, options } = input;
  const file = path.resolve(input.file);
  const modelName = `Predictions '${path.basename(file)}'`;
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat) throw new FairframeError('path-not-found', `the predictions file '${file}' does not exist; check the path given with --predictions or in fairframe.json.`, { file });
  if (!stat.isFile()) throw new FairframeError('bad-predictions', `'${file}' is not a regular file.`, { file });
  throwIfAborted(options.signal);
  options.onProgress?.({ stage: 'infer', done: 0, message: `Reading ${path.basename(file)}` });

  const split = chooseSplit(dataset.records, options.split ?? input.config?.split);
  const inSplit = dataset.records.filter((record) => split === undefined || record.split === split);
  const table = await readPredictionsFile(file, {
    datasetLabels: [...new Set(dataset.records.map((record) => record.label))],
    labels: input.config?.labels,
    signal: options.signal,
  });
  const info = predictionsInfo(file, stat.size, await sha256Of(file), table.format);
  const match = matchLabels(table.classNames, inSplit, input.config?.labelMap ?? {}, modelName);
  const matched = matchPredictionRows(table.rows, dataset.records, dataset.root, path.dirname(file));
  const findings: Finding[] = [];
  const configLocation: Location = { file: config.file ?? dataset.manifest ?? dataset.root };
  const evidenceBase = { model: file, dataset: dataset.name, split: split ?? 'all' };
  const datasetLocation: Location = dataset.manifest ? { file: dataset.manifest } : { file: dataset.root };

  const inSplitIds = new Set(inSplit.map((record) => record.id));
  const outsideSplit = [...matched.byRecord.keys()].filter((id) => !inSplitIds.has(id)).length;
  const unknownLabel = inSplit.filter((record) => !match.index.has(record.label));
  const known = inSplit.filter((record) => match.index.has(record.label));
  const audited: AuditedPrediction[] = [];
  const withoutPrediction: DatasetRecord[] = [];
  for (const record of known) {
    const row = matched.byRecord.get(record.id);
    if (!row) {
      withoutPrediction.push(record);
      continue;
    }
    audited.push({ record, probs: row.probs, top: topClasses(row.probs) });
  }
  if (audited.length === 0) {
    const first = matched.unmatched[0]?.path ?? table.rows[0]?.path;
    throw new FairframeError('bad-predictions',
      `no row of '${path.basename(file)}' names an image of dataset '${dataset.name}'${split ? ` in split '${split}'` : ''} (${table.rows.length} rows, ${matched.unmatched.length} matching no image${outsideSplit ? `, ${outsideSplit} for other splits` : ''}; first path: '${first ?? ''}'). Write paths relative to the dataset root '${dataset.root}' (e.g. '${inSplit[0]?.relPath ?? dataset.records[0]?.relPath ?? ''}'), or relative to the predictions file.`,
      { file, dataset: dataset.name });
  }

  if (unknownLabel.length > 0) {
    pushFinding(findings, config, MODEL_RULES.unknownLabels, {
      message: `${unknownLabel.length} of ${inSplit.length} images${split ? ` in split '${split}'` : ''} carry labels ${modelName} has no score for and are left out of its metrics: ${Object.entries(match.unknown).map(([label, n]) => `'${label}' (${n})`).join(', ')}. The file scores ${match.classNames.map((c) => `'${c}'`).join(', ')}.`,
      location: datasetLocation,
      evidence: { ...evidenceBase, unknown: match.unknown, modelLabels: match.classNames, suggestedLabelMap: match.suggestedLabelMap },
      related: unknownLabel.slice(0, 50).map((record) => record.source),
      suggestion: 'Add a score column for these classes, or map them with models[].labelMap in fairframe.json.',
    });
  }
  if (matched.unmatched.length > 0 || matched.duplicates.length > 0) {
    const parts = [
      matched.unmatched.length > 0 ? `${matched.unmatched.length} of ${table.rows.length} rows name no image of dataset '${dataset.name}' (${matched.unmatched.slice(0, LISTED).map((row) => `'${row.path}'`).join(', ')}${matched.unmatched.length > LISTED ? ', …' : ''})${matched.ambiguousNames ? `; ${matched.ambiguousNames} of them give a file name several images share` : ''}` : '',
      matched.duplicates.length > 0 ? `${matched.duplicates.length} rows repeat an image already named (the first row is used)` : '',
    ].filter(Boolean);
    const rows = [...matched.unmatched, ...matched.duplicates];
    pushFinding(findings, config, MODEL_RULES.predictionRowsUnmatched, {
      message: `${modelName}: ${parts.join('; ')}. Paths are matched relative to the dataset root, relative to the predictions file, as absolute paths, and by file name when only one image has it.`,
      location: { file, line: rows[0].line },
      related: rows.slice(1, 50).map((row) => ({ file, line: row.line })),
      evidence: { ...evidenceBase, unmatched: matched.unmatched.length, duplicates: matched.duplicates.length, ambiguousNames: matched.ambiguousNames, examples: rows.slice(0, LISTED).map((row) => row.path) },
    });
  }
  if (withoutPrediction.length > 0) {
    pushFinding(findings, config, MODEL_RULES.imagesWithoutPrediction, {
      message: `${withoutPrediction.length} of ${known.length} images${split ? ` in split '${split}'` : ''} have no row in ${path.basename(file)} and are left out of the metrics (${withoutPrediction.slice(0, LISTED).map((record) => `'${record.relPath}'`).join(', ')}${withoutPrediction.length > LISTED ? ', …' : ''}).`,
      location: datasetLocation,
      related: withoutPrediction.slice(0, 50).map((record) => record.source),
      evidence: { ...evidenceBase, missing: withoutPrediction.length, examples: withoutPrediction.slice(0, LISTED).map((record) => record.relPath) },
    });
  }
  if (table.issues.length > 0) {
    pushFinding(findings, config, MODEL_RULES.predictionRowsInvalid, {
      message: `${modelName}: ${table.issues.length === 1 ? table.issues[0].message : `${table.skippedRows} rows are skipped; first: ${table.issues[0].message}`}`,
      location: table.issues[0].location,
      related: table.issues.slice(1, 50).map((issue) => issue.location),
      evidence: { ...evidenceBase, issues: table.issues.slice(0, LISTED).map((issue) => issue.message) },
    });
  }
  if (table.renormalised.rows > 0) {
    pushFinding(findings, config, MODEL_RULES.probabilitiesRenormalised, {
      message: `${modelName}: in ${table.renormalised.rows} of ${table.rows.length} rows the probabilities do not sum to 1 (largest |sum − 1| = ${table.renormalised.maxDeviation.toPrecision(3)}); each row was divided by its sum. If these columns are logits or uncalibrated scores, name them logit_<class> (a softmax is then applied) or write probabilities.`,
      location: { file },
      evidence: { ...evidenceBase, rows: table.renormalised.rows, maxDeviation: table.renormalised.maxDeviation },
    });
  }
  const unavailable = ['explanations', 'embedding duplicates', 'robustness tests'];
  if (table.scoreKind === 'labels') unavailable.push('calibration', 'ROC AUC', 'log loss', 'top-k accuracy', 'label issues (confident learning)');
  pushFinding(findings, config, MODEL_RULES.needsModel, {
    message: `${modelName} is audited from its ${table.scoreKind === 'labels' ? 'predicted labels' : table.scoreKind}: ${unavailable.join(', ')} are not computed (${table.scoreKind === 'labels' ? 'they need the model, and the last ones need a probability per class' : 'they need the model'}).`,
    location: { file },
    evidence: { ...evidenceBase, scoreKind: table.scoreKind, unavailable },
  });
  const trainedOn = input.config?.trainedOn;
  const onTrainingSplit = trainedOn !== undefined && (split === trainedOn || (split === undefined && dataset.records.some((r) => r.split === trainedOn)));
  if (onTrainingSplit) {
    pushFinding(findings, config, MODEL_RULES.trainingSplit, {
      message: `${modelName} comes from a model trained on split '${trainedOn}', and the audit ${split ? 'is on that split' : 'includes it'}: accuracy is optimistic and label-error scores are not out-of-sample.`,
      location: configLocation,
      evidence: { ...evidenceBase, trainedOn },
    });
  }

  const measured = measureAudited({
    audited,
    match,
    dataset,
    split,
    config,
    options,
    modelName,
    configLocation,
    evidenceBase,
    onTrainingSplit,
    labelsOnly: table.scoreKind === 'labels',
    groupDefinitions: input.groupDefinitions,
  });
  pushAll(findings, measured.findings);
  options.onAudited?.({ model: file, dataset: dataset.name, classNames: match.classNames, labelIndex: match.index, images: audited });
  const summary: PredictionsFileSummary = {
    file,
    format: table.format,
    sha256: info.sha256,
    scoreKind: table.scoreKind,
    columns: table.columns,
    rows: table.rows.length,
    invalidRows: table.skippedRows,
    unmatchedRows: matched.unmatched.length,
    duplicateRows: matched.duplicates.length,
    matchedByName: matched.matchedByName,
    outsideSplit,
    imagesWithoutPrediction: withoutPrediction.length,
    renormalisedRows: table.renormalised.rows,
    maxSumDeviation: table.renormalised.maxDeviation,
  };
  return {
    audit: {
      model: info,
      dataset: dataset.name,
      status: 'ok',
      split,
      inference: {
        records: inSplit.length,
        inferred: 0,
        cacheHits: 0,
        failed: 0,
        excludedUnknownLabel: unknownLabel.length,
        excludedUnreadable: 0,
        batches: 0,
        batchSize: 0,
        fellBackToBatch1: false,
        durationMs: Date.now() - started,
      },
      overall: measured.overall,
      groups: measured.groups,
      labelIssues: measured.labelIssues,
      predictions: measured.predictions,
      predictionsFile: summary,
    },
    findings,
  };
}
