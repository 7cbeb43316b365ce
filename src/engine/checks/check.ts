// The contract every dataset check implements: one check, one file.
import type { ResolvedConfig, Thresholds } from '../config/configTypes';
import type { Dataset, Finding, ScanOutcome, Severity } from '../types';
import type { ParallelVerifier } from './verifyPairs';

/** A rule a check can emit, with its stable id (documented in the README). */
export interface RuleInfo {
  id: string;
  name: string;
  description: string;
  defaultSeverity: Severity;
}

/** Everything a check may read. Checks never touch the file system. */
export interface CheckContext {
  dataset: Dataset;
  /** Scan outcome per record id (absent when the dataset was not scanned). */
  scans: Map<string, ScanOutcome>;
  config: ResolvedConfig;
  signal?: AbortSignal;
  /** Threads a check may divide its work among (supplied by the front end; none: one thread). */
  parallel?: ParallelVerifier;
}

/** What a check returns: findings, a JSON summary for reports, and optional per-record scores. */
export interface CheckOutput {
  findings: Finding[];
  summary: Record<string, unknown>;
  scores?: Record<string, number>;
}

export interface DatasetCheck {
  /** Short stable name, e.g. 'class-balance'. */
  name: string;
  description: string;
  rules: RuleInfo[];
  /** Thresholds this check reads. */
  thresholds: (keyof Thresholds)[];
  /** True when the check needs decoded image facts (skipped in restricted mode). */
  needsScan: boolean;
  run(context: CheckContext): CheckOutput | Promise<CheckOutput>;
}

/** Builds a finding with the severity configured for its rule, or undefined when the rule is off. */
export function makeFinding(
  config: ResolvedConfig,
  rule: RuleInfo,
  fields: Omit<Finding, 'rule' | 'severity'>,
): Finding | undefined {
  const setting = config.rules[rule.id];
  if (setting === 'off') return undefined;
  return { rule: rule.id, severity: setting ?? rule.defaultSeverity, ...fields };
}

/** Pushes a finding when its rule is on. */
export function pushFinding(
  out: Finding[],
  config: ResolvedConfig,
  rule: RuleInfo,
  fields: Omit<Finding, 'rule' | 'severity'>,
): void {
  const finding = makeFinding(config, rule, fields);
  if (finding) out.push(finding);
}
