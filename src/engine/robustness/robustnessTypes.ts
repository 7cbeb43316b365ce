// The robustness part of a model audit: accuracy by group under common corruptions and under white-box attacks.
import type { ConfidenceInterval, PairInterval } from '../metrics/bootstrap';

/** Which robustness audits to run. */
export type RobustnessMode = 'corruptions' | 'attacks' | 'all';

/** One condition (a corruption at a severity, a corruption averaged over severities, or an attack at an ε). */
export interface RobustnessCondition {
  /** 'gaussian-noise@3', 'gaussian-noise@mean', 'pgd@4', 'fgsm@4'. */
  key: string;
  /** Corruption name, or 'fgsm' / 'pgd'. */
  kind: string;
  /** Severity 1–5 or 'mean' for corruptions; ε in pixel levels (0–255) for attacks. */
  level: number | 'mean';
  /** Accuracy over the audited images under the condition, and its drop from clean accuracy (clean − corrupted). */
  accuracy: ConfidenceInterval;
  drop: ConfidenceInterval;
}

/** One group's figures under one condition. */
export interface RobustnessGroupFigures {
  group: string;
  count: number;
  /** False for groups smaller than minMetricGroupSize: shown, never one of the compared pair. */
  compared: boolean;
  accuracy: ConfidenceInterval;
  drop: ConfidenceInterval;
}

/** One attribute or intersection: per condition, every group's accuracy and drop, and the difference-in-differences. */
export interface RobustnessGroupReport {
  name: string;
  attributes: string[];
  conditions: Array<{
    key: string;
    byGroup: RobustnessGroupFigures[];
    /** drop(higher) − drop(lower) for the compared groups with the largest and smallest drop; may cover 0. */
    dropDifference: PairInterval;
  }>;
  /** Attacks only: the robust radius (smallest flipping ε, pixel levels) by group. */
  radius?: RadiusSummary[];
}

/** The robust radius of a group's images. */
export interface RadiusSummary {
  group: string;
  count: number;
  /** Median radius with a bootstrap interval; null where more than half the images resist the largest ε (censored). */
  median: ConfidenceInterval;
  /** Share of the images no grid ε flipped (radius > the largest ε). */
  unbroken: number;
}

/** Corruption results. */
export interface CorruptionResults {
  /** What was applied, with the parameter of each severity. */
  corruptions: Array<{ name: string; parameter: string; values: Array<number | number[]> }>;
  /** The severities applied (fairframe.json's robustnessSettings; all five by default). Absent in older results: 1–5. */
  severities?: number[];
  seed: number;
  images: number;
  clean: ConfidenceInterval;
  /** Mean error over the severities applied, per corruption (ImageNet-C's CE without the AlexNet normalisation). */
  corruptionError: Record<string, number>;
  conditions: RobustnessCondition[];
  groups: RobustnessGroupReport[];
  /** Images whose corrupted copy could not be run (counted as errors). */
  failures: number;
  cacheHits: number;
  inferred: number;
}

/** Attack results. */
export interface AttackResults {
  /** 'ok', or 'skipped' with the reason (e.g. a uint8 input). */
  status: 'ok' | 'skipped';
  reason?: string;
  settings?: {
    /** 'pgd' (with FGSM) through the gradient graph, or 'square' (Square Attack) when there is none. */
    attack: 'pgd' | 'square';
    /** Why the black-box attack was used. */
    reason?: string;
    /** Square Attack: model queries per image and ε, and the initial square share. */
    queries?: number;
    pInit?: number;
    epsilons: number[]; pgdSteps: number; pgdStepSize: string; randomStart: boolean; radiusBisectionSteps: number; seed: number; loss: string };
  images?: number;
  /** Images attacked out of those audited (a seeded sample when above `attackImages`). */
  sampled?: boolean;
  clean?: ConfidenceInterval;
  conditions?: RobustnessCondition[];
  groups?: RobustnessGroupReport[];
  radius?: { overall: RadiusSummary };
}

/** Everything the robustness audit measured. */
export interface RobustnessResults {
  mode: RobustnessMode;
  corruptions?: CorruptionResults;
  attacks?: AttackResults;
}
