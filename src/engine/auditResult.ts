// The versioned AuditResult: one JSON document every view and report renders from.
import type { ResolvedConfig } from './config/configTypes';
import type { ModelAudit } from './modelAudit/modelAuditTypes';
import type { AttributeInfo, DatasetFormat, Finding, Severity } from './types';

// 1.2.0: data diagnostics, label-issue summaries (FF-M023), near-duplicate evidence by verified correlation (weakestPair, threshold).
// 1.3.0: each prediction carries the image's sensitive-attribute values (groups), so runs can be compared image by image.
export const AUDIT_RESULT_SCHEMA_VERSION = '1.3.0';

/** Summary of one check's run on one dataset. */
export interface CheckRun {
  check: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  reason?: string;
  summary: Record<string, unknown>;
  findings: number;
}

/** An internal error met during the audit, kept with its stack for the log; the finding it caused has a plain message. */
export interface AuditDiagnostic {
  /** What was being done ("auditing model 'x.onnx' on dataset 'd'"). */
  context: string;
  message: string;
  stack?: string;
}

export interface DatasetAudit {
  name: string;
  root: string;
  format: DatasetFormat;
  manifest?: string;
  images: number;
  classes: Record<string, number>;
  splits: Record<string, number>;
  attributes: Array<AttributeInfo & { values: Record<string, number> }>;
  scan: { scanned: number; failed: number; cacheHits: number; decoded: number };
  checks: CheckRun[];
  /** Hash over (relative path, content hash) of every record: identifies the dataset's content. */
  contentHash: string;
}

export interface AuditResult {
  schemaVersion: string;
  tool: { name: 'fairframe'; version: string };
  createdAt: string;
  /** The path audited, as given (absolute). */
  target: string;
  /** The folder reports show paths relative to: the target, or its folder when the target is a file. */
  root: string;
  config: ResolvedConfig;
  datasets: DatasetAudit[];
  /** One entry per model × dataset audited (empty without models). */
  models: ModelAudit[];
  findings: Finding[];
  counts: Record<Severity, number>;
  durationMs: number;
  /** Internal errors with their stacks (empty when none); the CLI prints them with --verbose, the editor logs them. */
  diagnostics?: AuditDiagnostic[];
}
