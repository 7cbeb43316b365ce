// What every model audit measures once it has a probability row per audited image, whether the rows came from running
// an ONNX model or from a predictions file: overall metrics, metrics by group with intervals, the fairness findings,
// label issues, and the compact per-image predictions.
import { pushAll } from '../arrays';
import { plainRecord } from '../dictionary';
import { throwIfAborted } from '../errors';
import { pushFinding } from '../checks/check';
import type { ResolvedConfig } from '../config/configTypes';
import { INTERSECTION_SEPARATOR, type BootstrapOptions } from '../metrics';
import type { Dataset, DatasetRecord, Finding, Location, RunOptions } from '../types';
import type { LabelMatch } from './auditedRecords';
import { unknownIntersectionFindings } from './configuredIntersections';
import { formatInterval, formatNumber, formatPercent, groupFindings } from './groupFindings';
import { groupReport, type GroupDefinition } from './groupMetrics';
import { labelIssueFindings } from './labelIssueFindings';
import type { GroupReport, ModelAudit, OverallMetrics, RecordPrediction } from './modelAuditTypes';
import { MODEL_RULES } from './modelRules';
import { overallMetrics, type AuditedSample } from './overallMetrics';

/** One audited image: its record, the index of its predicted class and its probability row. */
export interface AuditedPrediction {
  record: DatasetRecord;
  probs: ArrayLike<number>;
  /** Top classes as [class index, probability], best first. */
  top: Array<[number, number]>;
}

export interface MeasureInput {
  audited: AuditedPrediction[];
  match: LabelMatch;
  dataset: Dataset;
  split: string | undefined;
  config: ResolvedConfig;
  options: RunOptions;
  modelName: string;
  configLocation: Location;
  evidenceBase: Record<string, unknown>;
  onTrainingSplit: boolean;
  /** True when the rows are one-hot predicted labels: calibration, AUC, log loss, top-k and label issues are not computed. */
  labelsOnly?: boolean;
  /** Builds the attribute / intersection definitions to report by. */
  groupDefinitions: (records: DatasetRecord[]) => GroupDefinition[];
}

export interface Measured {
  sample: AuditedSample;
  overall: OverallMetrics;
  groups: GroupReport[];
  labelIssues: ModelAudit['labelIssues'];
  predictions: Record<string, RecordPrediction>;
  findings: Finding[];
}

/** Top `k` classes of a probability row as [index, probability], best first (ties: lower index first). */
export function topClasses(probs: ArrayLike<number>, k = 5): Array<[number, number]> {
  const order = Array.from({ length: probs.length }, (_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  return order.slice(0, k).map((i) => [i, probs[i]]);
}

/** Metrics, fairness findings and label issues of the audited images. */
export function measureAudited(input: MeasureInput): Measured {
  const { audited, match, dataset, split, config, options, modelName, configLocation, evidenceBase } = input;
  const findings: Finding[] = [];
  const sample: AuditedSample = {
    yTrue: audited.map(({ record }) => match.index.get(record.label) as number),
    yPred: audited.map(({ top }) => top[0]?.[0] ?? 0),
    probs: audited.map(({ probs }) => probs),
    classNames: match.classNames,
    labelsOnly: input.labelsOnly,
  };
  const bootstrap: BootstrapOptions = {
    replicates: config.thresholds.bootstrapReplicates,
    level: config.thresholds.confidenceLevel,
    seed: config.thresholds.bootstrapSeed,
    signal: options.signal,
  };
  options.onProgress?.({ stage: 'metrics', done: 0, message: `Computing metrics for ${modelName}` });
  const overall = overallMetrics(sample, bootstrap);
  const groupRecords = audited.map(({ record }) => record);
  const groups: GroupReport[] = [];
  const definitions = input.groupDefinitions(groupRecords);
  unknownIntersectionFindings(dataset, config, configLocation, modelName, evidenceBase, findings);
  for (const [index, definition] of definitions.entries()) {
    throwIfAborted(options.signal);
    options.onProgress?.({ stage: 'metrics', done: index, total: definitions.length, message: `Metrics by ${definition.attributes.join(INTERSECTION_SEPARATOR)}` });
    groups.push(groupReport(sample, definition, config.thresholds, bootstrap));
  }

  const calibration = input.labelsOnly
    ? ' (predicted labels only: no calibration)'
    : `, expected calibration error ${formatNumber(overall.calibration.ece.estimate)}`;
  pushFinding(findings, config, MODEL_RULES.performance, {
    message: `${modelName} on ${audited.length} images of '${dataset.name}'${split ? ` (split '${split}')` : ''}: accuracy ${formatPercent(overall.accuracy.estimate)} ${formatInterval(overall.accuracy, formatPercent)}, balanced accuracy ${formatPercent(overall.balancedAccuracy.estimate)} ${formatInterval(overall.balancedAccuracy, formatPercent)}, macro F1 ${formatNumber(overall.macro.f1)}${calibration} (${Math.round(config.thresholds.confidenceLevel * 100)}% bootstrap intervals).`,
    location: configLocation,
    evidence: { ...evidenceBase, accuracy: overall.accuracy, balancedAccuracy: overall.balancedAccuracy, ece: overall.calibration.ece },
  });
  pushAll(findings, groupFindings(groups, config, configLocation, modelName, evidenceBase));

  // Label issues by confident learning on the audited images: a summary, the ranked list, per-image findings for its top.
  // Confident learning needs probabilities; one-hot predicted labels carry no confidence to threshold.
  let labelIssues: ModelAudit['labelIssues'];
  if (audited.length > 0 && match.classNames.length > 1 && !input.labelsOnly) {
    const result = labelIssueFindings({
      sample,
      records: groupRecords,
      errorRate: 1 - (overall.accuracy.estimate ?? 0),
      onTrainingSplit: input.onTrainingSplit,
      config,
      modelName,
      datasetName: dataset.name,
      datasetLocation: dataset.manifest ? { file: dataset.manifest } : { file: dataset.root },
      evidenceBase,
    });
    labelIssues = result.labelIssues;
    pushAll(findings, result.findings);
  }

  const predictions: Record<string, RecordPrediction> = Object.create(null);
  for (const { record, probs, top } of audited) {
    const predicted = top[0]?.[0] ?? 0;
    predictions[record.relPath] = {
      relPath: record.relPath,
      label: record.label,
      predicted: match.classNames[predicted],
      confidence: top[0]?.[1] ?? 0,
      top: top.slice(0, 3).map(([c, p]) => [match.classNames[c], p]),
      correct: match.index.get(record.label) === predicted,
      selfConfidence: probs[match.index.get(record.label) as number],
      groups: plainRecord(Object.fromEntries(dataset.attributes.map((attribute) => [attribute.name, record.attributes[attribute.name]]))),
    };
  }
  return { sample, overall, groups, labelIssues, predictions: plainRecord(predictions), findings };
}
