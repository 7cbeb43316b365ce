// The report files of an audit, by format: the one place the CLI and the editor turn an AuditResult into files.
import type { AuditResult } from '../auditResult';
import { allRules } from '../checks';
import { FairframeError } from '../errors';
import { escapeJsonInvisibles } from './displayText';
import { datasheetFiles, modelCardFiles } from './documentFiles';
import { renderHtmlReport } from './htmlReport';
import { renderMarkdown } from './markdownReport';
import { collectThumbnails } from './reportThumbnails';
import { renderSarif } from './sarifReport';

/** The report formats: one file each, except card (a Markdown and an HTML file per model audit) and datasheet (the same per dataset). */
export const REPORT_FORMATS = ['json', 'md', 'sarif', 'html', 'card', 'datasheet'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The formats written when none are named. */
export const DEFAULT_REPORT_FORMATS: readonly ReportFormat[] = ['json', 'md', 'sarif', 'html'];

/** One format rendered to text (card and datasheet: their Markdown files joined), e.g. for standard output. */
export async function renderReportFormat(result: AuditResult, format: string): Promise<string> {
  switch (format) {
    case 'html':
      return renderHtmlReport(result, await collectThumbnails(result));
    case 'card':
      return modelCardFiles(result).filter((file) => file.name.endsWith('.md')).map((file) => file.content).join('\n');
    case 'datasheet':
      return datasheetFiles(result).filter((file) => file.name.endsWith('.md')).map((file) => file.content).join('\n');
    case 'json':
      return `${escapeJsonInvisibles(JSON.stringify(result, null, 2))}\n`;
    case 'md':
      return renderMarkdown(result);
    case 'sarif':
      return `${escapeJsonInvisibles(JSON.stringify(renderSarif(result, allRules()), null, 2))}\n`;
    default:
      throw new FairframeError('bad-config', `Unknown report format '${format}'.`);
  }
}

/** The files of the given formats, in order: `fairframe-report.<format>`, model cards and datasheets under their own names. */
export async function reportFiles(result: AuditResult, formats: readonly string[]): Promise<Array<{ name: string; content: string }>> {
  const files: Array<{ name: string; content: string }> = [];
  for (const format of formats) {
    if (format === 'card') files.push(...modelCardFiles(result));
    else if (format === 'datasheet') files.push(...datasheetFiles(result));
    else files.push({ name: `fairframe-report.${format}`, content: await renderReportFormat(result, format) });
  }
  return files;
}
