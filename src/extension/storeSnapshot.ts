// The saved form of the audit store, and the check of what is read back: a snapshot of another version, of another
// result schema, or of an unexpected shape is dropped whole (with the reason), never half-used. Pure (no 'vscode').
import { AUDIT_RESULT_SCHEMA_VERSION } from '../engine/auditResult';
import { datasetKey, modelResultKey, type DatasetResult, type ModelResult, type OtherFindings, type StoreContent } from './auditStore';

/** Bumped whenever the snapshot's shape changes; a snapshot of another version is dropped. */
export const STORE_SNAPSHOT_VERSION = 1;

/** What is written to the workspace storage. */
export interface StoreSnapshot extends StoreContent {
  snapshotVersion: number;
  /** The AuditResult schema the audits follow. */
  schemaVersion: string;
  savedAt: string;
}

/** A snapshot of the store's content. */
export function toSnapshot(content: StoreContent, savedAt = new Date().toISOString()): StoreSnapshot {
  return { snapshotVersion: STORE_SNAPSHOT_VERSION, schemaVersion: AUDIT_RESULT_SCHEMA_VERSION, savedAt, ...content };
}

/** The content of a snapshot read back, or why it cannot be used. */
export type SnapshotReading = { ok: true; content: StoreContent } | { ok: false; reason: string };

type Check = (value: unknown, where: string) => void;

class ShapeError extends Error {}

function fail(where: string, what: string): never {
  throw new ShapeError(`${where} ${what}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const record: Check = (value, where) => {
  if (!isRecord(value)) fail(where, 'is not an object');
};
const text: Check = (value, where) => {
  if (typeof value !== 'string') fail(where, 'is not a string');
};
const number: Check = (value, where) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(where, 'is not a number');
};
const numberOrNull: Check = (value, where) => {
  if (value !== null) number(value, where);
};
const list: Check = (value, where) => {
  if (!Array.isArray(value)) fail(where, 'is not an array');
};

function optional(check: Check): Check {
  return (value, where) => {
    if (value !== undefined) check(value, where);
  };
}

function field(value: Record<string, unknown>, key: string, check: Check, where: string): void {
  check(value[key], `${where}.${key}`);
}

function counts(value: unknown, where: string): void {
  record(value, where);
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) number(item, `${where}.${key}`);
}

function each(value: unknown, where: string, check: Check): void {
  list(value, where);
  (value as unknown[]).forEach((item, index) => check(item, `${where}[${index}]`));
}

function location(value: unknown, where: string): void {
  record(value, where);
  const item = value as Record<string, unknown>;
  field(item, 'file', text, where);
  field(item, 'line', optional(number), where);
}

function finding(value: unknown, where: string): void {
  record(value, where);
  const item = value as Record<string, unknown>;
  field(item, 'rule', text, where);
  if (item.severity !== 'error' && item.severity !== 'warning' && item.severity !== 'info') fail(`${where}.severity`, 'is not error, warning or info');
  field(item, 'message', text, where);
  field(item, 'location', location, where);
  field(item, 'evidence', record, where);
  field(item, 'suggestion', optional(text), where);
  field(item, 'dataset', optional(text), where);
  field(item, 'related', optional((related, at) => each(related, at, location)), where);
}

function origin(value: unknown, where: string): void {
  record(value, where);
  const item = value as Record<string, unknown>;
  for (const key of ['target', 'root', 'createdAt', 'toolVersion']) field(item, key, text, where);
  field(item, 'durationMs', number, where);
  field(item, 'config', record, where);
  const config = item.config as Record<string, unknown>;
  for (const key of ['datasets', 'models']) field(config, key, list, `${where}.config`);
  for (const key of ['thresholds', 'rules', 'reference']) field(config, key, record, `${where}.config`);
}

function interval(value: unknown, where: string): void {
  record(value, where);
  const item = value as Record<string, unknown>;
  for (const key of ['estimate', 'lower', 'upper']) field(item, key, optional(numberOrNull), where);
}

function datasetAudit(value: unknown, where: string): void {
  record(value, where);
  const item = value as Record<string, unknown>;
  for (const key of ['name', 'root', 'format', 'contentHash']) field(item, key, text, where);
  field(item, 'manifest', optional(text), where);
  field(item, 'images', number, where);
  field(item, 'classes', counts, where);
  field(item, 'splits', counts, where);
  field(item, 'attributes', (attributes, at) => each(attributes, at, (attribute, atAttribute) => {
    record(attribute, atAttribute);
    field(attribute as Record<string, unknown>, 'name', text, atAttribute);
    field(attribute as Record<string, unknown>, 'values', counts, atAttribute);
  }), where);
  field(item, 'scan', counts, where);
  field(item, 'checks', (checks, at) => each(checks, at, (check, atCheck) => {
    record(check, atCheck);
    field(check as Record<string, unknown>, 'check', text, atCheck);
    field(check as Record<string, unknown>, 'status', text, atCheck);
    field(check as Record<string, unknown>, 'summary', record, atCheck);
  }), where);
}

function modelAudit(value: unknown, where: string): void {
  record(value, where);
  const item = value as Record<string, unknown>;
  field(item, 'model', record, where);
  field(item.model as Record<string, unknown>, 'file', text, `${where}.model`);
  field(item.model as Record<string, unknown>, 'inputs', optional(list), `${where}.model`);
  field(item.model as Record<string, unknown>, 'outputs', optional(list), `${where}.model`);
  field(item, 'dataset', text, where);
  if (item.status !== 'ok' && item.status !== 'failed') fail(`${where}.status`, 'is not ok or failed');
  field(item, 'reason', optional(text), where);
  field(item, 'split', optional(text), where);
  field(item, 'overall', optional((overall, at) => {
    record(overall, at);
    const metrics = overall as Record<string, unknown>;
    field(metrics, 'images', number, at);
    field(metrics, 'accuracy', interval, at);
    field(metrics, 'balancedAccuracy', interval, at);
    field(metrics, 'confusionMatrix', list, at);
  }), where);
  if (item.status === 'ok' && item.overall === undefined) fail(`${where}.overall`, 'is missing on a successful audit');
  field(item, 'groups', optional((groups, at) => each(groups, at, (group, atGroup) => {
    record(group, atGroup);
    field(group as Record<string, unknown>, 'name', text, atGroup);
    field(group as Record<string, unknown>, 'fairness', list, atGroup);
    field(group as Record<string, unknown>, 'metrics', list, atGroup);
  })), where);
  field(item, 'labelIssues', optional((issues, at) => {
    record(issues, at);
    const summary = issues as Record<string, unknown>;
    for (const key of ['audited', 'flagged']) field(summary, key, number, at);
    field(summary, 'perImage', record, at);
    field(summary.perImage as Record<string, unknown>, 'count', number, `${at}.perImage`);
    field(summary, 'issues', (list_, atList) => each(list_, atList, (issue, atIssue) => {
      record(issue, atIssue);
      for (const key of ['relPath', 'givenLabel', 'suggestedLabel']) field(issue as Record<string, unknown>, key, text, atIssue);
      for (const key of ['rank', 'selfConfidence']) field(issue as Record<string, unknown>, key, number, atIssue);
    }), at);
  }), where);
  field(item, 'predictions', optional((predictions, at) => {
    record(predictions, at);
    for (const [key, prediction] of Object.entries(predictions as Record<string, unknown>)) {
      record(prediction, `${at}[${key}]`);
      const entry = prediction as Record<string, unknown>;
      field(entry, 'predicted', text, `${at}[${key}]`);
      field(entry, 'top', list, `${at}[${key}]`);
    }
  }), where);
}

function datasetResult(value: unknown, where: string): void {
  record(value, where);
  const item = value as Record<string, unknown>;
  for (const key of ['key', 'folder']) field(item, key, text, where);
  field(item, 'audit', datasetAudit, where);
  field(item, 'findings', (findings, at) => each(findings, at, finding), where);
  field(item, 'origin', origin, where);
  if (item.key !== datasetKey(item.audit as DatasetResult['audit'])) fail(`${where}.key`, 'does not match its dataset');
}

function modelResult(value: unknown, where: string): void {
  record(value, where);
  const item = value as Record<string, unknown>;
  for (const key of ['key', 'folder', 'datasetKey', 'datasetRoot']) field(item, key, text, where);
  field(item, 'audit', modelAudit, where);
  field(item, 'findings', (findings, at) => each(findings, at, finding), where);
  field(item, 'origin', origin, where);
  field(item, 'basis', record, where);
  field(item.basis as Record<string, unknown>, 'contentHash', text, `${where}.basis`);
  field(item.basis as Record<string, unknown>, 'config', text, `${where}.basis`);
  field(item, 'stale', optional((stale, at) => {
    record(stale, at);
    field(stale as Record<string, unknown>, 'reason', text, at);
    field(stale as Record<string, unknown>, 'since', text, at);
  }), where);
  if (item.key !== modelResultKey((item.audit as ModelResult['audit']).model.file, item.datasetKey as string)) fail(`${where}.key`, 'does not match its model and dataset');
}

function otherFindings(value: unknown, where: string): void {
  record(value, where);
  const item = value as Record<string, unknown>;
  for (const key of ['target', 'folder', 'root']) field(item, key, text, where);
  field(item, 'findings', (findings, at) => each(findings, at, finding), where);
}

/** Checks a snapshot read back (parsed JSON, or the text itself); returns its content or why it is unusable. */
export function readSnapshot(raw: unknown): SnapshotReading {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch (error) {
      return { ok: false, reason: `it is not valid JSON (${error instanceof Error ? error.message : String(error)})` };
    }
  }
  if (!isRecord(value)) return { ok: false, reason: 'it is not an object' };
  if (value.snapshotVersion !== STORE_SNAPSHOT_VERSION) return { ok: false, reason: `it has version ${JSON.stringify(value.snapshotVersion)}, not ${STORE_SNAPSHOT_VERSION}` };
  if (value.schemaVersion !== AUDIT_RESULT_SCHEMA_VERSION) return { ok: false, reason: `its audits follow result schema ${JSON.stringify(value.schemaVersion)}, not ${AUDIT_RESULT_SCHEMA_VERSION}` };
  try {
    each(value.datasets, 'datasets', datasetResult);
    each(value.models, 'models', modelResult);
    each(value.other, 'other', otherFindings);
  } catch (error) {
    if (error instanceof ShapeError) return { ok: false, reason: error.message };
    throw error;
  }
  const content: StoreContent = {
    datasets: value.datasets as DatasetResult[],
    models: value.models as ModelResult[],
    other: value.other as OtherFindings[],
  };
  const keys = new Set<string>();
  for (const entry of [...content.datasets, ...content.models]) {
    if (keys.has(entry.key)) return { ok: false, reason: `it holds '${entry.key}' twice` };
    keys.add(entry.key);
  }
  return { ok: true, content };
}
