// Renders an AuditResult as a Markdown report.
import { pushAll } from '../arrays';
import * as path from 'node:path';
import type { AuditResult, DatasetAudit } from '../auditResult';
import type { Finding, Severity } from '../types';
import { escapeControl } from './displayText';
import { modelSection } from './modelMarkdown';

const SEVERITY_ORDER: Severity[] = ['error', 'warning', 'info'];
const SEVERITY_TITLE: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Information' };

/** Escapes text from data (file names, labels, attribute values) so it cannot change the Markdown around it. */
export function escapeMarkdown(text: string): string {
  return escapeControl(text)
    .replace(/[\\`*_{}[\]()<>#+!|~]/g, (ch) => `\\${ch}`)
    .replace(/&/g, '&amp;');
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}%`;
}

/** A location relative to the audit target, with ':line' when known. */
export function displayLocation(finding: Pick<Finding, 'location'>, base: string): string {
  const relative = path.relative(base, finding.location.file) || path.basename(finding.location.file);
  return finding.location.line ? `${relative}:${finding.location.line}` : relative;
}

function countsTable(title: string, counts: Record<string, number>, total: number): string[] {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return [
    `| ${title} | Images | Share |`,
    '|---|---:|---:|',
    ...rows.map(([key, n]) => `| ${escapeMarkdown(key)} | ${n} | ${percent(n, total)} |`),
    '',
  ];
}

function datasetSection(dataset: DatasetAudit, base: string): string[] {
  const lines = [
    `## Dataset ${escapeMarkdown(dataset.name)}`,
    '',
    `- Root: \`${escapeMarkdown(path.relative(base, dataset.root) || '.')}\` (${dataset.format}${dataset.manifest ? `, manifest \`${escapeMarkdown(path.relative(base, dataset.manifest))}\`` : ''})`,
    `- Images: ${dataset.images}; scanned ${dataset.scan.scanned} (${dataset.scan.decoded} decoded, ${dataset.scan.cacheHits} from cache, ${dataset.scan.failed} failed)`,
    `- Content hash: \`${dataset.contentHash.slice(0, 16)}\``,
    '',
    '### Classes',
    '',
    ...countsTable('Class', dataset.classes, dataset.images),
  ];
  if (Object.keys(dataset.splits).length > 0) lines.push('### Splits', '', ...countsTable('Split', dataset.splits, dataset.images));
  for (const attribute of dataset.attributes) {
    lines.push(`### Attribute ${escapeMarkdown(attribute.name)}${attribute.origin === 'guessed' ? ' (guessed from the column name)' : ''}`, '');
    pushAll(lines, countsTable(escapeMarkdown(attribute.name), attribute.values, dataset.images));
  }
  const failed = dataset.checks.filter((check) => check.status !== 'ok');
  if (failed.length > 0) {
    lines.push('### Checks not completed', '');
    for (const check of failed) lines.push(`- ${check.check}: ${check.status}${check.reason ? ` — ${escapeMarkdown(check.reason)}` : ''}`);
    lines.push('');
  }
  return lines;
}

/** The whole report. Paths are shown relative to the audit target. */
export function renderMarkdown(result: AuditResult): string {
  const base = result.root;
  const lines = [
    '# Fairframe audit report',
    '',
    `Target \`${escapeMarkdown(result.target)}\` · ${result.tool.name} ${result.tool.version} · ${result.createdAt} · ${(result.durationMs / 1000).toFixed(1)} s`,
    '',
    `**${result.counts.error} errors, ${result.counts.warning} warnings, ${result.counts.info} notes** in ${result.datasets.length} dataset${result.datasets.length === 1 ? '' : 's'}.`,
    '',
  ];
  for (const dataset of result.datasets) pushAll(lines, datasetSection(dataset, base));
  for (const model of result.models ?? []) pushAll(lines, modelSection(model, base, result.config.thresholds.confidenceLevel));

  lines.push('## Findings', '');
  if (result.findings.length === 0) lines.push('No findings.', '');
  for (const severity of SEVERITY_ORDER) {
    const findings = result.findings.filter((f) => f.severity === severity);
    if (findings.length === 0) continue;
    lines.push(`### ${SEVERITY_TITLE[severity]} (${findings.length})`, '');
    const byRule = new Map<string, Finding[]>();
    for (const finding of findings) byRule.set(finding.rule, [...(byRule.get(finding.rule) ?? []), finding]);
    for (const [rule, group] of [...byRule].sort((a, b) => a[0].localeCompare(b[0]))) {
      lines.push(`#### ${rule} (${group.length})`, '');
      for (const finding of group) {
        lines.push(`- ${escapeMarkdown(finding.message)} — \`${escapeMarkdown(displayLocation(finding, base))}\``);
        if (finding.suggestion) lines.push(`  - Suggestion: ${escapeMarkdown(finding.suggestion)}`);
      }
      lines.push('');
    }
  }
  return lines.join('\n');
}
