// The self-contained HTML report: one file a reviewer opens in any browser — inline SVG charts, inline thumbnails, no
// script, no external request, and a Content-Security-Policy that allows only its own style and data: images.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { AuditResult, DatasetAudit } from '../auditResult';
import { formatInterval, formatNumber, formatPercent } from '../modelAudit/groupFindings';
import type { GroupReport, ModelAudit } from '../modelAudit/modelAuditTypes';
import type { Finding, Severity } from '../types';
import { escapeControl } from './displayText';
import { displayLocation } from './markdownReport';
import { REPORT_THUMBNAILS_PER_MODEL, thumbnailKey } from './reportThumbnails';
import { countBarsSvg, escapeHtml, intervalBarsSvg } from './svgCharts';

/** Findings listed in the HTML report at most (all are in the JSON report). */
export const MAX_HTML_FINDINGS = 1000;

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #1d1d1d; line-height: 1.4; padding: 0 1em; }
h1, h2, h3 { line-height: 1.2; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 0.9em; word-break: break-all; }
.fail { color: #a4000f; font-weight: 600; }
.pass { color: #176117; }
.sev-error { color: #a4000f; } .sev-warning { color: #8a5a00; } .sev-info { color: #245; }
.thumbs { display: flex; flex-wrap: wrap; gap: 0.75em; }
.thumbs figure { margin: 0; width: 150px; font-size: 0.8em; }
.thumbs img { display: block; border: 1px solid #bbb; }
.muted { color: #666; }
svg.chart { display: block; margin: 0.5em 0 1em; }
`;

/** The hash that the CSP names for the report's one style element. */
function styleHash(): string {
  return `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;
}

/** The Content-Security-Policy of the report: nothing but its own style and data: images. */
export function reportCsp(): string {
  return `default-src 'none'; img-src data:; style-src '${styleHash()}'; base-uri 'none'; form-action 'none'`;
}

const text = (value: string): string => escapeHtml(escapeControl(value));

function row(cells: Array<string | { num: string }>): string {
  return `<tr>${cells.map((cell) => (typeof cell === 'string' ? `<td>${cell}</td>` : `<td class="num">${cell.num}</td>`)).join('')}</tr>`;
}

function table(head: string[], rows: string[], caption?: string): string {
  return `<table>${caption ? `<caption>${text(caption)}</caption>` : ''}<thead><tr>${head.map((h) => `<th>${text(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function datasetSection(dataset: DatasetAudit): string {
  const classes = Object.entries(dataset.classes).sort((a, b) => b[1] - a[1]);
  const parts = [
    `<h2>Dataset ${text(dataset.name)}</h2>`,
    `<p>${dataset.images} images, ${classes.length} classes, format ${text(dataset.format)}. Content hash <code>${text(dataset.contentHash)}</code>.</p>`,
    countBarsSvg(`Images per class in ${dataset.name}`, classes.slice(0, 40)),
  ];
  if (classes.length > 40) parts.push(`<p class="muted">The 40 largest of ${classes.length} classes are drawn.</p>`);
  for (const attribute of dataset.attributes) {
    const values = Object.entries(attribute.values).sort((a, b) => b[1] - a[1]);
    parts.push(`<h3>Sensitive attribute ${text(attribute.name)}</h3>`, countBarsSvg(`Images per ${attribute.name} value in ${dataset.name}`, values.slice(0, 40)));
  }
  return parts.join('\n');
}

function groupSection(report: GroupReport, level: number): string {
  const accuracy = report.metrics.find((m) => m.metric === 'accuracy');
  const parts = [`<h3>By ${text(report.name)}</h3>`];
  if (accuracy) {
    parts.push(intervalBarsSvg(`Accuracy by ${report.name} with ${Math.round(level * 100)}% bootstrap intervals`, accuracy.byGroup.map((group) => ({
      label: `${group.group} (n=${group.count})`,
      value: group.estimate,
      lower: group.lower,
      upper: group.upper,
      note: group.small ? 'too small to rank' : undefined,
    })), formatPercent));
  }
  const figures = report.fairness.filter((figure) => figure.value !== null || figure.passed !== null);
  if (figures.length > 0) {
    parts.push(table(['Figure', 'Class', 'Value', 'Interval of the gap', 'Threshold', 'Result', 'Gap excludes 0'], figures.map((figure) => row([
      `${text(figure.name)}${figure.groups?.higher !== undefined ? ` <span class="muted">(${text(figure.groups.higher)} vs ${text(figure.groups.lower ?? '')})</span>` : ''}`,
      text(figure.class ?? ''),
      { num: formatNumber(figure.value) },
      formatInterval(figure.interval),
      `${figure.direction === 'max' ? '≤' : '≥'} ${formatNumber(figure.threshold)}`,
      figure.passed === null ? 'undefined' : figure.passed ? '<span class="pass">pass</span>' : `<span class="fail">fail (${text(figure.rule)})</span>`,
      figure.excludesNoGap ? 'yes' : 'no',
    ])), `Fairness figures by ${report.name}`));
  }
  return parts.join('\n');
}

function modelSection(model: ModelAudit, result: AuditResult, thumbnails: ReadonlyMap<string, string>): string {
  const name = path.basename(model.model.file);
  const parts = [`<h2>Model ${text(name)} on ${text(model.dataset)}</h2>`, `<p>SHA-256 <code>${text(model.model.sha256)}</code>${model.split ? `, split ${text(model.split)}` : ', every image'}.</p>`];
  if (model.status !== 'ok' || !model.overall) {
    parts.push(`<p class="fail">Not audited: ${text(model.reason ?? 'unknown reason')}</p>`);
    return parts.join('\n');
  }
  const level = result.config.thresholds.confidenceLevel;
  const overall = model.overall;
  parts.push(table(['Metric', 'Value', `${Math.round(level * 100)}% interval`], [
    row(['images', { num: String(overall.images) }, '']),
    row(['accuracy', { num: formatPercent(overall.accuracy.estimate) }, formatInterval(overall.accuracy, formatPercent)]),
    row(['balanced accuracy', { num: formatPercent(overall.balancedAccuracy.estimate) }, formatInterval(overall.balancedAccuracy, formatPercent)]),
    row(['macro F1', { num: formatNumber(overall.macro.f1) }, '']),
    row(['expected calibration error', { num: formatNumber(overall.calibration.ece.estimate) }, formatInterval(overall.calibration.ece)]),
  ], 'Overall'));
  for (const report of model.groups ?? []) parts.push(groupSection(report, level));
  const issues = (model.labelIssues?.issues ?? []).slice(0, REPORT_THUMBNAILS_PER_MODEL);
  if (issues.length > 0) {
    parts.push(`<h3>Likely label errors</h3><p>${model.labelIssues?.flagged} of ${model.labelIssues?.audited} images flagged by confident learning; the ${issues.length} likeliest:</p><div class="thumbs">`);
    for (const issue of issues) {
      const uri = thumbnails.get(thumbnailKey(model.dataset, issue.relPath));
      const picture = uri ? `<img src="${escapeHtml(uri)}" alt="${text(issue.relPath)}">` : '<span class="muted">(no thumbnail)</span>';
      parts.push(`<figure>${picture}<figcaption><code>${text(issue.relPath)}</code><br>given ${text(issue.givenLabel)}, model says ${text(issue.suggestedLabel)} (self-confidence ${formatNumber(issue.selfConfidence)})</figcaption></figure>`);
    }
    parts.push('</div>');
  }
  return parts.join('\n');
}

function findingsSection(findings: readonly Finding[], root: string): string {
  const order: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
  const shown = sorted.slice(0, MAX_HTML_FINDINGS);
  const parts = ['<h2>Findings</h2>'];
  if (findings.length === 0) parts.push('<p>No findings.</p>');
  else {
    parts.push(table(['Severity', 'Rule', 'Where', 'Finding'], shown.map((finding) => row([
      `<span class="sev-${finding.severity}">${finding.severity}</span>`,
      text(finding.rule),
      `<code>${text(displayLocation(finding, root))}</code>`,
      text(finding.message),
    ]))));
  }
  if (findings.length > shown.length) parts.push(`<p class="muted">${findings.length - shown.length} more findings are in the JSON report.</p>`);
  return parts.join('\n');
}

/** Renders the report; `thumbnails` (thumbnailKey → data: URI) come from collectThumbnails. */
export function renderHtmlReport(result: AuditResult, thumbnails: ReadonlyMap<string, string> = new Map()): string {
  const title = `Fairframe audit of ${path.basename(result.target)}`;
  const body = [
    `<h1>${text(title)}</h1>`,
    `<p>Audited <code>${text(result.target)}</code> on ${text(result.createdAt)} with Fairframe ${text(result.tool.version)} (result schema ${text(result.schemaVersion)}): `
      + `<span class="sev-error">${result.counts.error} errors</span>, <span class="sev-warning">${result.counts.warning} warnings</span>, <span class="sev-info">${result.counts.info} notes</span>.</p>`,
    ...result.datasets.map(datasetSection),
    ...result.models.map((model) => modelSection(model, result, thumbnails)),
    findingsSection(result.findings, result.root),
    `<p class="muted">This file is self-contained: it loads nothing and runs no script.</p>`,
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(reportCsp())}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}
