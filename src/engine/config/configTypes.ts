// The shape of fairframe.json (see schema/fairframe.schema.json, which is the validated truth).
import type { Severity } from '../types';

export type RuleSetting = Severity | 'off';

/** A dataset declared in fairframe.json. Paths are relative to the config file. */
export interface DatasetConfig {
  name?: string;
  path: string;
  /** Manifest file (CSV, TSV or JSONL), relative to `path`. */
  manifest?: string;
  pathColumn?: string;
  labelColumn?: string;
  splitColumn?: string;
  /** Manifest column holding the path of a mask of the object of interest (default: mask, segmentation, lesion_mask, …). */
  maskColumn?: string;
  /** Sensitive attribute columns of this dataset (overrides the top-level list). */
  attributes?: string[];
}

/**
 * A model declared in fairframe.json (or described by a sidecar `<model>.json`). Everything is optional: what is not
 * given is read from the model's metadata_props or inferred from its input, and the report says which.
 */
export interface ModelConfig {
  /** The .onnx file, relative to fairframe.json (not used in a sidecar). */
  path?: string;
  /**
   * A predictions file (CSV, TSV or JSONL: an image path and a predicted label, a probability per class or a logit per
   * class), relative to fairframe.json: the model side of the audit when the model cannot be run. When given, the entry
   * is audited from this file, not from `path`.
   */
  predictions?: string;
  /** Class names in the order of the model's output. */
  labels?: string[];
  input?: string;
  output?: string;
  outputKind?: 'logits' | 'probabilities' | 'auto';
  preprocess?: {
    width?: number;
    height?: number;
    resize?: 'stretch' | 'center-crop' | 'pad';
    resizeShorter?: number;
    layout?: 'NCHW' | 'NHWC';
    channels?: 1 | 3;
    channelOrder?: 'RGB' | 'BGR';
    scale?: number;
    mean?: number[];
    std?: number[];
    inputType?: 'float32' | 'uint8';
  };
  /** Model label → dataset label, where the two are spelled differently. */
  labelMap?: Record<string, string>;
  /** The dataset split the model was trained on: auditing that split is warned about (FF-M005). */
  trainedOn?: string;
  /** Name of the intermediate tensor to use as the image embedding (default: found by graph analysis). */
  features?: string;
  /** Name of the feature map Grad-CAM weights (default: the last spatial tensor every path to the output passes through). */
  explainLayer?: string;
  /** Which split(s) to audit (default: 'test', else 'validation'/'val', else every record). */
  split?: string;
}

export interface FairframeConfig {
  $schema?: string;
  datasets?: DatasetConfig[];
  /** Sensitive attribute column names; when absent they are guessed from column names. */
  attributes?: string[];
  /** Reference distributions per attribute: value → expected share (normalised). */
  reference?: Record<string, Record<string, number>>;
  /** Numeric thresholds by name (see `THRESHOLD_DEFAULTS`). */
  thresholds?: Partial<Thresholds>;
  /** Severity per rule id, or 'off' to switch a rule off. */
  rules?: Record<string, RuleSetting>;
  /** ONNX models to audit, with their labels and preprocessing where the model does not carry them. */
  models?: ModelConfig[];
  /** Attribute pairs whose intersections are audited (default: every pair of sensitive attributes). */
  intersections?: string[][];
  /** Also measure models under common corruptions, adversarial attacks or both (as --robustness does). */
  robustness?: 'corruptions' | 'attacks' | 'all';
  /** What the robustness audit measures when it runs (every field defaulted; see `DEFAULT_ROBUSTNESS_SETTINGS`). */
  robustnessSettings?: RobustnessSettingsConfig;
}

/** fairframe.json's `robustnessSettings` (the schema validates ranges and names). */
export interface RobustnessSettingsConfig {
  /** Corruption names (default: all eight). */
  corruptions?: string[];
  /** ImageNet-C severities 1–5 (default: all five). */
  severities?: number[];
  /** Attack ε grid in pixel levels of 0–255 (default 1, 2, 4, 8). */
  epsilons?: number[];
  /** PGD iterations (default 10). */
  pgdSteps?: number;
  /** PGD step size as a multiple of ε (default 0.25). */
  pgdStepSize?: number;
  /** PGD from a random point of the ε-ball (default true). */
  pgdRandomStart?: boolean;
  /** Square Attack queries per image and ε (default 500). */
  squareQueries?: number;
}

/** Every tunable threshold with its default. Each check documents which it reads. */
export interface Thresholds {
  /** FF-D001: warn when the largest class is this many times the smallest. */
  imbalanceRatio: number;
  /** FF-D002: classes with fewer images than this. */
  minClassCount: number;
  /** FF-D003: a group whose share is below this fraction of its expected share. */
  representationRatio: number;
  /** FF-D004: share of 'unknown' values in an attribute above which to warn. */
  maxUnknownShare: number;
  /** FF-D005: cells of a cross-tab with fewer images than this are 'tiny'. */
  minGroupSize: number;
  /** FF-D006: significance level of the chi-square test. */
  associationAlpha: number;
  /** FF-D006: Cramér's V at or above which an association is reported. */
  minCramersV: number;
  /** FF-D007/FF-D008: |standardised mean difference| at or above which a gap is reported. */
  minEffectSize: number;
  /** FF-D021: dHashes within this Hamming distance also propose a near-duplicate pair (every pair is then verified). */
  nearDuplicateDistance: number;
  /** FF-D021: correlation of aligned 32×32 greyscale thumbnails at or above which two images are near duplicates. */
  nearDuplicateCorrelation: number;
  /** FF-D021: a pair counts only when its residual (1 − correlation) is at most this share of either image's closest look-alike's. */
  nearDuplicateLookAlikeRatio: number;
  /** FF-D017: images with more pixels than this are reported, not decoded. */
  maxPixels: number;
  /** FF-D016: labels whose normalised forms are this close (edit distance) are flagged. */
  labelEditDistance: number;
  /** FF-M010: largest accuracy difference between groups (best − worst) before it is reported. */
  maxAccuracyDifference: number;
  /** FF-M011: largest ratio of error rates, worst group / best group, before it is reported. */
  maxErrorRateRatio: number;
  /** FF-M012: largest demographic parity difference (selection-rate gap, one class against the rest). */
  maxDemographicParityDifference: number;
  /** FF-M013: largest equalized odds difference (max of the TPR and FPR gaps). */
  maxEqualizedOddsDifference: number;
  /** FF-M014: largest equal opportunity difference (TPR gap). */
  maxEqualOpportunityDifference: number;
  /** FF-M015: smallest disparate impact ratio (selection rate, lowest / highest group); 0.8 is the four-fifths rule. */
  minDisparateImpactRatio: number;
  /** FF-M016: largest difference in expected calibration error between groups. */
  maxCalibrationDifference: number;
  /** FF-M017: groups with fewer audited images than this are flagged and not ranked. */
  minMetricGroupSize: number;
  /** A group's true-positive rate of a class needs this many positives (its false-positive rate this many negatives), else it is undefined and not compared. */
  minConditionCount: number;
  /** Bootstrap replicates for every confidence interval of the model audit. */
  bootstrapReplicates: number;
  /** Confidence level of every interval of the model audit. */
  confidenceLevel: number;
  /** Seed of the bootstrap (results are reproducible for a seed). */
  bootstrapSeed: number;
  /** FF-M021: cosine similarity of model embeddings at or above which two images are near duplicates. */
  embeddingDuplicateCosine: number;
  /** The most confident errors of each group explained (Grad-CAM, with faithfulness) in the audit; 0 turns it off. */
  explainErrorsPerGroup: number;
  /** Images per class × group whose saliency is averaged (and, with a mask column, measured against the mask); 0 turns it off. */
  saliencyImagesPerCell: number;
  /** FF-M030: largest difference between groups in the share of saliency inside the object mask. */
  maxSaliencyMaskGap: number;
  /** FF-M020: error rate of the model at which no flagged image is reported one by one (fewer the closer it gets; information past half). */
  labelIssueMaxModelError: number;
  /** FF-M040: largest difference between two groups' accuracy drops under a corruption (difference-in-differences). */
  maxCorruptionDropDifference: number;
  /** FF-M041: largest difference between two groups' accuracy drops under a PGD attack. */
  maxAttackDropDifference: number;
  /** Images attacked at most (a seeded sample of the audited images); 0 attacks every one. */
  attackImages: number;
  /** FF-S001–FF-S003: significance level of the shift tests, after the Benjamini–Hochberg adjustment over all of them. */
  shiftAlpha: number;
  /** FF-S001: population stability index at or above which a significant property shift is reported (0.1 moderate, 0.25 major). */
  minPopulationStability: number;
  /** FF-S002: smallest change of a group's share (target − reference, absolute) for a significant share shift to be reported. */
  maxGroupShareChange: number;
  /** FF-S004: smallest change of a class prior (estimated target − reference, absolute) to report, when its interval excludes 0. */
  maxPriorChange: number;
  /** FF-S003: permutations of the MMD test. */
  shiftPermutations: number;
  /** FF-S003: embeddings per side at most in the MMD test (a seeded random subset beyond; the test is quadratic). */
  maxShiftEmbeddings: number;
}

export const THRESHOLD_DEFAULTS: Thresholds = {
  imbalanceRatio: 10,
  minClassCount: 20,
  representationRatio: 0.5,
  maxUnknownShare: 0.05,
  minGroupSize: 10,
  associationAlpha: 0.01,
  minCramersV: 0.1,
  minEffectSize: 0.5,
  nearDuplicateDistance: 4,
  nearDuplicateCorrelation: 0.98,
  nearDuplicateLookAlikeRatio: 0.4,
  maxPixels: 100_000_000,
  labelEditDistance: 1,
  maxAccuracyDifference: 0.05,
  maxErrorRateRatio: 1.5,
  maxDemographicParityDifference: 0.1,
  maxEqualizedOddsDifference: 0.1,
  maxEqualOpportunityDifference: 0.1,
  minDisparateImpactRatio: 0.8,
  maxCalibrationDifference: 0.05,
  minMetricGroupSize: 30,
  minConditionCount: 10,
  bootstrapReplicates: 1000,
  confidenceLevel: 0.95,
  bootstrapSeed: 20261201,
  embeddingDuplicateCosine: 0.9,
  explainErrorsPerGroup: 3,
  saliencyImagesPerCell: 8,
  maxSaliencyMaskGap: 0.15,
  labelIssueMaxModelError: 0.2,
  maxCorruptionDropDifference: 0.1,
  maxAttackDropDifference: 0.1,
  attackImages: 256,
  shiftAlpha: 0.01,
  minPopulationStability: 0.1,
  maxGroupShareChange: 0.05,
  maxPriorChange: 0.05,
  shiftPermutations: 500,
  maxShiftEmbeddings: 1000,
};

/** Config with defaults applied and paths resolved; what the engine reads. */
export interface ResolvedConfig {
  /** Absolute path of the fairframe.json used, if any. */
  file?: string;
  datasets: DatasetConfig[];
  attributes?: string[];
  reference: Record<string, Record<string, number>>;
  thresholds: Thresholds;
  rules: Record<string, RuleSetting>;
  models: ModelConfig[];
  intersections?: string[][];
  robustness?: 'corruptions' | 'attacks' | 'all';
  robustnessSettings?: RobustnessSettingsConfig;
}
