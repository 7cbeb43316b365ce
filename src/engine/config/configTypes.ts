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
  /** Sensitive attribute columns of this dataset (overrides the top-level list). */
  attributes?: string[];
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
  /** FF-D021: maximum Hamming distance between 64-bit dHashes for a near duplicate. */
  nearDuplicateDistance: number;
  /** FF-D017: images with more pixels than this are reported, not decoded. */
  maxPixels: number;
  /** FF-D016: labels whose normalised forms are this close (edit distance) are flagged. */
  labelEditDistance: number;
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
  maxPixels: 100_000_000,
  labelEditDistance: 1,
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
}
