// The result of a distribution-shift comparison: one JSON document the CLI, the report and the editor render from.
import type { ConfidenceInterval } from '../metrics/bootstrap';
import type { Finding, Severity } from '../types';

export const SHIFT_RESULT_SCHEMA_VERSION = '1.0.0';

/** Image properties compared (from the scan's ImageFacts). 'saturation' stands for colour. */
export const SHIFT_PROPERTIES = ['brightness', 'contrast', 'saturation', 'sharpness', 'width', 'height'] as const;
export type ShiftProperty = (typeof SHIFT_PROPERTIES)[number];

/** A group: one value of one sensitive attribute, or one cell of an intersection; null stands for every image. */
export interface ShiftGroup {
  /** The attribute, or an intersection's attributes joined by ' × ' ('fitzpatrick × sex'). */
  attribute: string;
  /** The value, or the cell's values joined by ' × ' ('V × female'). */
  value: string;
  /** An intersection's attributes, in order (absent for a single attribute). */
  attributes?: string[];
}

/** One side of the comparison. */
export interface ShiftSide {
  /** The path given (absolute). */
  path: string;
  dataset: string;
  root: string;
  manifest?: string;
  /** The split compared, when one was chosen. */
  split?: string;
  images: number;
  /** Images whose facts could be read (the rest are left out of every statistic). */
  readable: number;
}

/** A two-sample comparison of one image property in one group. */
export interface PropertyShift {
  property: ShiftProperty;
  group: ShiftGroup | null;
  nReference: number;
  nTarget: number;
  referenceMean: number;
  targetMean: number;
  /** Target mean − reference mean, with a percentile-bootstrap interval (both sides resampled). */
  meanDifference: ConfidenceInterval;
  /** Target mean / reference mean, same bootstrap. */
  meanRatio: ConfidenceInterval;
  ksStatistic: number;
  pValue: number;
  ksMethod: 'exact' | 'asymptotic';
  /** Benjamini–Hochberg adjusted over every test of the comparison. */
  adjustedPValue: number;
  psi: number;
  shifted: boolean;
}

/** Shares of one attribute's values in both sides, tested by chi-square. */
export interface ShareShift {
  attribute: string;
  values: Array<{ value: string; referenceCount: number; targetCount: number; referenceShare: number; targetShare: number }>;
  chi2: number;
  dof: number;
  pValue: number;
  adjustedPValue: number;
  /** Largest |target share − reference share| over the values. */
  largestChange: number;
  shifted: boolean;
}

/** MMD between the model's embeddings of the two sides, overall or in one group. */
export interface EmbeddingShift {
  group: ShiftGroup | null;
  nReference: number;
  nTarget: number;
  /** Embeddings used per side when the side was larger than the cap (a seeded random subset). */
  sampledTo?: number;
  mmd2: number;
  bandwidth: number;
  pValue: number;
  adjustedPValue: number;
  permutations: number;
  shifted: boolean;
}

/** Black-box shift estimation of the target's class priors, overall or in one group. */
export interface PriorShift {
  group: ShiftGroup | null;
  classes: string[];
  nReference: number;
  nTarget: number;
  /** Why there is no estimate (e.g. a singular confusion matrix). */
  skipped?: string;
  referencePriors: number[];
  /** Share of target images predicted as each class (μ̂). */
  targetPredicted: number[];
  weights: ConfidenceInterval[];
  targetPriors: ConfidenceInterval[];
  priorChange: ConfidenceInterval[];
  referenceAccuracy: number;
  /** Accuracy expected on the target if only the class priors moved. */
  expectedAccuracy: ConfidenceInterval;
  /** Target label shares, when the target carries labels the model knows (a check on the estimate, not used by it). */
  targetLabelShares?: number[];
  singularReplicates: number;
  /** Classes whose prior moved by more than `maxPriorChange` with an interval excluding 0 at `decisionLevel`. */
  shiftedClasses: string[];
  /** Level of the intervals behind `shiftedClasses`: Bonferroni-simultaneous over classes × groups compared. */
  decisionLevel: number;
}

export interface ShiftResult {
  schemaVersion: string;
  tool: { name: 'fairframe'; version: string };
  createdAt: string;
  reference: ShiftSide;
  target: ShiftSide;
  model?: { file: string; sha256: string; classes: string[]; featureTensor?: string; failed: { reference: number; target: number }; unknownLabels: number };
  /** Attributes compared by group (those both sides carry). */
  attributes: string[];
  /** Intersections compared (fairframe.json's `intersections` both sides carry, else every pair of `attributes`). */
  intersections?: string[][];
  settings: {
    alpha: number;
    minPsi: number;
    maxGroupShareChange: number;
    maxPriorChange: number;
    minGroupSize: number;
    permutations: number;
    maxEmbeddings: number;
    bootstrapReplicates: number;
    confidenceLevel: number;
    seed: number;
    /** How p-values are adjusted for the many properties × groups tested. */
    multipleTesting: 'benjamini-hochberg';
  };
  properties: PropertyShift[];
  shares: ShareShift[];
  embedding: EmbeddingShift[];
  priors: PriorShift[];
  findings: Finding[];
  counts: Record<Severity, number>;
  durationMs: number;
}
