// Which findings are new, resolved or changed between two audits: findings are matched by what they are about
// (rule, dataset, model, place, attribute, class, images), not by their message, whose numbers may change.
import * as path from 'node:path';
import type { AuditResult } from '../auditResult';
import type { Finding } from '../types';

/** The findings of the after run against the before run. */
export interface FindingsDiff {
  added: Finding[];
  resolved: Finding[];
  /** Same subject, different severity or message. */
  changed: Array<{ before: Finding; after: Finding }>;
  unchanged: number;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(text).join(',');
  if (typeof value === 'object') return '';
  return String(value);
}

/** What a finding is about, independent of its numbers: the key it is matched by across runs. */
export function findingSubject(finding: Finding, root: string): string {
  const evidence = finding.evidence ?? {};
  const figure = evidence.figure as { class?: unknown; name?: unknown } | undefined;
  // A model finding is about the model, its groups and images, wherever it is shown (fairframe.json, which may move
  // between runs); other findings are about their place in the data.
  const aboutModel = typeof evidence.model === 'string';
  const file = finding.location?.file && !aboutModel ? path.relative(root, path.resolve(root, finding.location.file)).split(path.sep).join('/') : '';
  return [
    finding.rule,
    finding.dataset ?? '',
    typeof evidence.model === 'string' ? path.basename(evidence.model) : '',
    text(evidence.split),
    file,
    aboutModel ? '' : finding.location?.line ?? '',
    text(evidence.check),
    text(evidence.attribute),
    text(evidence.column),
    text(figure?.name),
    text(figure?.class ?? evidence.class),
    text(evidence.relPath),
    text(evidence.paths),
  ].join('\u0000');
}

/** Matches the findings of two audits by subject; several findings of one subject pair up in order. */
export function diffFindings(before: AuditResult, after: AuditResult): FindingsDiff {
  const pending = new Map<string, Finding[]>();
  for (const finding of before.findings) {
    const key = findingSubject(finding, before.root);
    pending.set(key, [...(pending.get(key) ?? []), finding]);
  }
  const diff: FindingsDiff = { added: [], resolved: [], changed: [], unchanged: 0 };
  for (const finding of after.findings) {
    const key = findingSubject(finding, after.root);
    const candidates = pending.get(key);
    if (!candidates || candidates.length === 0) {
      diff.added.push(finding);
      continue;
    }
    // Prefer an identical finding, so that one changed finding among several of a subject is the one reported.
    const same = candidates.findIndex((candidate) => candidate.severity === finding.severity && candidate.message === finding.message);
    const [match] = candidates.splice(same >= 0 ? same : 0, 1);
    if (match.severity === finding.severity && match.message === finding.message) diff.unchanged++;
    else diff.changed.push({ before: match, after: finding });
  }
  for (const rest of pending.values()) diff.resolved.push(...rest);
  return diff;
}
