// What the Compare section shows for a finding about images: the images it names (duplicates, conflicting labels,
// split leaks, embedding look-alikes, a likely label error and examples of the classes involved), each with its label,
// split, groups and every audited model's prediction, from the store and the dataset's records. Pure (no 'vscode').
import * as path from 'node:path';
import type { DatasetRecord, Finding } from '../engine/types';
import { findingKey } from '../../webview/dashboardData';
import type { CompareImage, CompareView } from '../../webview/protocol';
import type { DatasetResult, ModelResult } from './auditStore';

/** Rules whose findings are about images that can be compared. */
export const COMPARE_RULES: ReadonlySet<string> = new Set(['FF-D020', 'FF-D021', 'FF-D022', 'FF-D023', 'FF-M020', 'FF-M021']);

/** Images compared at most (the rest are counted). */
export const COMPARE_LIMIT = 24;
/** Examples shown per class next to a likely label error. */
export const REFERENCES_PER_CLASS = 3;

/** True when the finding names images that the Compare section can show. */
export function canCompare(finding: Finding): boolean {
  return COMPARE_RULES.has(finding.rule) && comparedPaths(finding).length > 0;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The images a finding names, relative to its dataset's root. */
export function comparedPaths(finding: Finding): string[] {
  const evidence = finding.evidence;
  if (finding.rule === 'FF-M020') return typeof evidence.relPath === 'string' ? [evidence.relPath] : [];
  return [...new Set(strings(evidence.paths))];
}

/** What the view needs to know about a dataset's images. */
export interface CompareSources {
  dataset: DatasetResult;
  /** The model audits on the dataset (their predictions; stale ones are marked). */
  models: ModelResult[];
  /** The dataset's records by relPath, when loaded (labels, splits, groups). */
  record(relPath: string): DatasetRecord | undefined;
  /** A URL the webview may load for an image, or undefined. */
  imageUri(relPath: string): string | undefined;
  /** True when the image file exists. */
  exists(relPath: string): boolean;
}

/** Labels and splits the finding's own evidence gives (FF-D022 labels → paths, FF-D023 splits → paths, FF-M021 pairs). */
function evidenceFacts(finding: Finding): { labels: Map<string, string>; splits: Map<string, string> } {
  const labels = new Map<string, string>();
  const splits = new Map<string, string>();
  const invert = (value: unknown, into: Map<string, string>): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    for (const [name, paths] of Object.entries(value as Record<string, unknown>)) for (const relPath of strings(paths)) into.set(relPath, name);
  };
  const { evidence } = finding;
  if (finding.rule === 'FF-M021') {
    const paths = strings(evidence.paths);
    strings(evidence.labels).forEach((label, index) => paths[index] !== undefined && labels.set(paths[index], label));
    strings(evidence.splits).forEach((split, index) => paths[index] !== undefined && splits.set(paths[index], split));
  } else {
    invert(evidence.labels, labels);
    invert(evidence.splits, splits);
  }
  if (finding.rule === 'FF-M020' && typeof evidence.relPath === 'string' && typeof evidence.givenLabel === 'string') labels.set(evidence.relPath, evidence.givenLabel);
  return { labels, splits };
}

/** The label of an image of a class-folder dataset: its parent folder (root/<label>/x or root/<split>/<label>/x). */
function folderLabel(relPath: string): string | undefined {
  const parts = relPath.split('/');
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

function imageOf(relPath: string, role: CompareImage['role'], sources: CompareSources, facts: ReturnType<typeof evidenceFacts>): CompareImage {
  const record = sources.record(relPath);
  const predictions = sources.models.flatMap((model) => {
    const prediction = model.audit.predictions?.[relPath];
    return prediction ? [{
      model: path.basename(model.audit.model.file), predicted: prediction.predicted, confidence: prediction.confidence, correct: prediction.correct,
      ...(model.stale ? { stale: true } : {}),
    }] : [];
  });
  const fromPrediction = sources.models.map((model) => model.audit.predictions?.[relPath]?.label).find((label) => label !== undefined);
  const format = sources.dataset.audit.format;
  const label = record?.label ?? facts.labels.get(relPath) ?? fromPrediction ?? (format === 'imagefolder' ? folderLabel(relPath) : undefined);
  const split = record?.split ?? facts.splits.get(relPath);
  const exists = sources.exists(relPath);
  return {
    relPath, role, exists, uri: exists ? sources.imageUri(relPath) : undefined,
    ...(label !== undefined ? { label } : {}), ...(split !== undefined ? { split } : {}),
    groups: { ...(record?.attributes ?? {}) }, predictions,
  };
}

/** For a likely label error: the images of the given and the suggested class the model is most sure of (and right). */
function references(finding: Finding, sources: CompareSources, exclude: Set<string>): { relPaths: string[]; note?: string } {
  if (finding.rule !== 'FF-M020') return { relPaths: [] };
  const given = typeof finding.evidence.givenLabel === 'string' ? finding.evidence.givenLabel : undefined;
  const suggested = typeof finding.evidence.suggestedLabel === 'string' ? finding.evidence.suggestedLabel : undefined;
  const model = typeof finding.evidence.model === 'string' ? sources.models.find((entry) => path.resolve(entry.audit.model.file) === path.resolve(finding.evidence.model as string)) : sources.models[0];
  const predictions = Object.values(model?.audit.predictions ?? {});
  const relPaths: string[] = [];
  for (const label of [given, suggested]) {
    if (label === undefined) continue;
    predictions.filter((prediction) => prediction.label === label && prediction.correct && !exclude.has(prediction.relPath))
      .sort((a, b) => b.confidence - a.confidence || (a.relPath < b.relPath ? -1 : 1))
      .slice(0, REFERENCES_PER_CLASS)
      .forEach((prediction) => relPaths.push(prediction.relPath));
  }
  return relPaths.length > 0
    ? { relPaths, note: `Images labelled '${given ?? '?'}' and '${suggested ?? '?'}' that the model gets right with the highest confidence, to judge the label by` }
    : { relPaths };
}

/** The Compare view of a finding about images, or undefined when it names none. */
export function compareView(finding: Finding, sources: CompareSources): CompareView | undefined {
  const paths = comparedPaths(finding);
  if (paths.length === 0) return undefined;
  const facts = evidenceFacts(finding);
  const named = paths.slice(0, COMPARE_LIMIT);
  const extra = references(finding, sources, new Set(paths));
  return {
    finding: findingKey(finding),
    rule: finding.rule,
    severity: finding.severity,
    message: finding.message,
    dataset: sources.dataset.audit.name,
    images: [
      ...named.map((relPath) => imageOf(relPath, 'finding', sources, facts)),
      ...extra.relPaths.map((relPath) => imageOf(relPath, 'reference', sources, facts)),
    ],
    more: Math.max(paths.length, typeof finding.evidence.count === 'number' ? finding.evidence.count : 0) - named.length,
    ...(extra.note ? { referenceNote: extra.note } : {}),
  };
}
