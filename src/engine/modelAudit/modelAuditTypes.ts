// The model part of the AuditResult: what was run, the metrics overall and by group with intervals, label issues.
import type { ConfidenceInterval, GroupInterval, PairInterval } from '../metrics/bootstrap';
import type { ReliabilityBin } from '../metrics/calibration';
import type { ModelInfo, PreprocessSpec, SettingSource } from '../model/modelTypes';
import type { AuditExplanations } from './explainAudit';
import type { RobustnessResults } from '../robustness/robustnessTypes';

/** How the model was run, as the report states it. */
export interface ModelUsage {
  labels: string[];
  /** Report names of the classes: the dataset's spelling, after labelMap. */
  classNames: string[];
  preprocess: PreprocessSpec;
  inputName: string;
  outputName: string;
  outputKind: 'logits' | 'probabilities';
  /** How the output kind was decided: declared, or detected from the first outputs. */
  outputKindSource: 'declared' | 'detected';
  fixedBatch?: number;
  trainedOn?: string;
  /** The tensor used as the image embedding, and why. */
  features?: { name: string; reason: string };
  sources: Record<string, SettingSource>;
}

/** A figure with its interval (null values where undefined). */
export type Interval = ConfidenceInterval;

/** Overall classification metrics on the audited images. */
export interface OverallMetrics {
  images: number;
  accuracy: Interval;
  balancedAccuracy: Interval;
  /** Top-k accuracy for k = 2, 3, 5 where k < number of classes. */
  topK: Record<string, number>;
  perClass: Array<{ class: string; precision: number | null; recall: number | null; f1: number | null; support: number; predicted: number; auc: number | null }>;
  macro: { precision: number | null; recall: number | null; f1: number | null };
  micro: { precision: number | null; recall: number | null; f1: number | null };
  weighted: { precision: number | null; recall: number | null; f1: number | null };
  /** rows = true class, columns = predicted class, in `classNames` order. */
  confusionMatrix: number[][];
  /** One-vs-rest ROC per class, thinned to at most 101 points for display (AUC is computed on the full curve). */
  roc: Array<{ class: string; auc: number | null; fpr: number[]; tpr: number[] }>;
  macroAuc: number | null;
  logLoss: number | null;
  calibration: { ece: Interval; maxCalibrationError: number | null; bins: ReliabilityBin[] };
}

/** One metric over the groups of one attribute (or intersection), with intervals. */
export interface GroupMetric {
  metric: string;
  /** For one-vs-rest metrics: the class scored as positive. */
  class?: string;
  overall: Interval;
  byGroup: GroupInterval[];
  /** max − min over compared groups (fairlearn difference between groups). */
  difference: Interval;
  /** min / max over compared groups (fairlearn ratio between groups). */
  ratio: Interval;
  /** max_g |v_g − overall| (fairlearn difference to overall). */
  differenceToOverall: Interval;
  /** min_g min(v_g / overall, overall / v_g) (fairlearn ratio to overall). */
  ratioToOverall: Interval;
  /** The compared pair (highest, lowest group) with the interval of their difference: may cover 0. */
  gap: PairInterval;
  gapRatio: PairInterval;
  undefinedGroups: string[];
}

/** A fairness figure as compared with its threshold. */
export interface FairnessFigure {
  name: string;
  rule: string;
  class?: string;
  value: number | null;
  threshold: number;
  /** 'max': the value must stay at or below the threshold; 'min': at or above. */
  direction: 'max' | 'min';
  passed: boolean | null;
  /** The matching ratio between groups (min / max), for difference figures: e.g. the equal opportunity ratio. */
  ratio?: number | null;
  /** The interval of the gap behind the figure, and whether it excludes "no gap". */
  interval?: Interval;
  excludesNoGap: boolean;
  groups?: { higher?: string; lower?: string };
}

/** Everything measured for one sensitive attribute or one intersection of attributes. */
export interface GroupReport {
  /** 'fitzpatrick', or 'fitzpatrick × sex' for an intersection. */
  name: string;
  attributes: string[];
  groups: Array<{ group: string; count: number; small: boolean }>;
  metrics: GroupMetric[];
  fairness: FairnessFigure[];
  /** Why the per-class (one-vs-rest) figures were not computed, when they were not. */
  oneVsRestSkipped?: string;
  /** The group with the lowest accuracy among those compared (worst-group accuracy, Sagawa et al. 2020). */
  worstGroup?: { group: string; accuracy: Interval };
}

/** A likely label error. */
export interface LabelIssue {
  /** 1 for the likeliest error (lowest self-confidence) among the flagged images. */
  rank: number;
  recordId: string;
  relPath: string;
  givenLabel: string;
  suggestedLabel: string;
  selfConfidence: number;
  normalizedMargin: number;
  line?: number;
}

/** Confident learning on the audited images: the figures every view shows, and every flagged image, ranked. */
export interface LabelIssueSummary {
  method: string;
  rankedBy: string;
  /** Images examined. */
  audited: number;
  /** Images flagged as probably mislabelled (= issues.length): the label-issue count of every view. */
  flagged: number;
  /** 1 − trace of the estimated joint Q̂ (the calibrated confident joint's off-diagonal mass; cleanlab 'off_diagonal_calibrated'). */
  estimatedNoiseRate: number;
  /** round(estimatedNoiseRate · audited). */
  estimatedIssueCount: number;
  /** 1 − accuracy of the model against the given labels. */
  errorRate: number;
  /** How many of the top-ranked flagged images got a finding (FF-M020) of their own, and why. */
  perImage: { share: number; count: number; severity: 'warning' | 'info'; maxModelError: number };
  /** Every flagged image, likeliest error first. */
  issues: LabelIssue[];
  /** True when the audited split is the training split (scores are then not out-of-sample). */
  onTrainingSplit: boolean;
}

/** One audited image's prediction, compact, for views and hovers. */
export interface RecordPrediction {
  relPath: string;
  label: string;
  predicted: string;
  confidence: number;
  /** Top classes as [class name, probability]. */
  top: Array<[string, number]>;
  correct: boolean;
  /** The probability the model gives the image's own label (confident learning's self-confidence). */
  selfConfidence: number;
  /** The image's value of each sensitive attribute audited (what run comparisons regroup by). */
  groups?: Record<string, string>;
}

/** The audit of one model on one dataset. */
export interface ModelAudit {
  model: ModelInfo;
  dataset: string;
  status: 'ok' | 'failed';
  reason?: string;
  usage?: ModelUsage;
  /** The split audited; undefined = every record. */
  split?: string;
  inference?: {
    records: number;
    inferred: number;
    cacheHits: number;
    failed: number;
    excludedUnknownLabel: number;
    excludedUnreadable: number;
    batches: number;
    batchSize: number;
    fellBackToBatch1: boolean;
    durationMs: number;
  };
  overall?: OverallMetrics;
  groups?: GroupReport[];
  labelIssues?: LabelIssueSummary;
  /** Pairs of audited images whose embeddings have cosine ≥ threshold; those differing in label or split are listed. */
  embeddingDuplicates?: {
    threshold: number;
    /** False when so many pairs match that the embedding does not tell images apart (nothing is then listed). */
    discriminative: boolean;
    skipped?: string;
    pairs: number;
    flagged: number;
    /** The most similar flagged pairs (at most 1,000). */
    flaggedPairs: Array<{ paths: [string, string]; labels: [string, string]; splits: [string, string]; similarity: number; conflictingLabels: boolean; crossSplit: boolean }>;
  };
  /** Explained errors per group with faithfulness and the sanity check, mean saliency maps, on-object shares by group. */
  explanations?: AuditExplanations;
  /** Accuracy by group under common corruptions and adversarial attacks (with --robustness). */
  robustness?: RobustnessResults;
  predictions?: Record<string, RecordPrediction>;
  /** Set when the model side of the audit is a predictions file instead of an ONNX model. */
  predictionsFile?: PredictionsFileSummary;
}

/** How a predictions file was read and matched to the dataset. */
export interface PredictionsFileSummary {
  file: string;
  format: 'csv' | 'tsv' | 'jsonl';
  sha256: string;
  /** 'probabilities' and 'logits' (softmax applied) give full scores; 'labels' gives one-hot rows. */
  scoreKind: 'probabilities' | 'logits' | 'labels';
  columns: { path: string; predicted?: string; scores: string[] };
  /** Rows read with a usable prediction. */
  rows: number;
  /** Rows skipped as unreadable. */
  invalidRows: number;
  /** Rows naming no image of the dataset, and rows repeating an image. */
  unmatchedRows: number;
  duplicateRows: number;
  /** Rows matched by file name alone. */
  matchedByName: number;
  /** Rows for images of the dataset outside the audited split. */
  outsideSplit: number;
  /** Images of the audited split with no row. */
  imagesWithoutPrediction: number;
  /** Rows whose probabilities were divided by their sum (|sum − 1| > 0.001), and the largest deviation. */
  renormalisedRows: number;
  maxSumDeviation: number;
}
