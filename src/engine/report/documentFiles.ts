// The files of the model cards (Markdown and HTML, one pair per model audit) and the datasheets (one pair per dataset).
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { AuditResult } from '../auditResult';
import { datasheet } from './datasheet';
import { documentHtml, documentMarkdown, type DocumentModel } from './documentModel';
import { modelCard } from './modelCard';

/** A file name part from any text: letters, digits, dot, dash and underscore only. */
export function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || 'unnamed';
}

const sha256Csp = (style: string): string => `sha256-${createHash('sha256').update(style).digest('base64')}`;

function pair(base: string, document: DocumentModel): Array<{ name: string; content: string }> {
  return [
    { name: `${base}.md`, content: documentMarkdown(document) },
    { name: `${base}.html`, content: documentHtml(document, sha256Csp) },
  ];
}

/** The model cards of the audited models (failed audits included: their card says so). */
export function modelCardFiles(result: AuditResult): Array<{ name: string; content: string }> {
  const several = new Set(result.datasets.map((d) => d.name)).size > 1;
  return result.models.flatMap((audit) => {
    const model = path.basename(audit.model.file, path.extname(audit.model.file));
    return pair(`model-card-${safeName(model)}${several ? `-${safeName(audit.dataset)}` : ''}`, modelCard(result, audit));
  });
}

/** The datasheets of the audited datasets. */
export function datasheetFiles(result: AuditResult): Array<{ name: string; content: string }> {
  return result.datasets.flatMap((dataset) => pair(`datasheet-${safeName(dataset.name)}`, datasheet(result, dataset)));
}
