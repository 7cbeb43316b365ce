// The shape shared by the model card and the datasheet: titled sections of paragraphs, tables and open questions,
// rendered to Markdown or to self-contained HTML. A question the audit cannot answer is marked for a person.
import { escapeControl } from './displayText';
import { escapeMarkdown } from './markdownReport';
import { escapeHtml } from './svgCharts';

/** The mark on every answer a person must give. */
export const TO_BE_COMPLETED = 'To be completed by a person.';

/** One block of a section. */
export type DocumentBlock =
  | { kind: 'text'; text: string }
  | { kind: 'table'; head: string[]; rows: string[][] }
  | { kind: 'question'; question: string; answer?: string };

export interface DocumentSection {
  heading: string;
  blocks: DocumentBlock[];
}

export interface DocumentModel {
  title: string;
  /** The citation the structure follows. */
  after: string;
  sections: DocumentSection[];
}

/** The document as Markdown. */
export function documentMarkdown(document: DocumentModel): string {
  const lines = [`# ${escapeMarkdown(document.title)}`, '', `_Structure after ${escapeMarkdown(document.after)}._`, ''];
  for (const section of document.sections) {
    lines.push(`## ${escapeMarkdown(section.heading)}`, '');
    for (const block of section.blocks) {
      if (block.kind === 'text') lines.push(escapeMarkdown(block.text), '');
      else if (block.kind === 'question') lines.push(`**${escapeMarkdown(block.question)}**`, '', block.answer ? escapeMarkdown(block.answer) : `_${TO_BE_COMPLETED}_`, '');
      else {
        lines.push(`| ${block.head.map(escapeMarkdown).join(' | ')} |`, `|${block.head.map(() => '---').join('|')}|`);
        for (const row of block.rows) lines.push(`| ${row.map(escapeMarkdown).join(' | ')} |`);
        lines.push('');
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;line-height:1.45;color:#1d1d1d}table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left}.todo{color:#8a5a00;font-style:italic}.after{color:#555}';

/** The document as one self-contained HTML file (no script, no external request, a CSP that allows its style only). */
export function documentHtml(document: DocumentModel, styleHash: (style: string) => string): string {
  const text = (value: string): string => escapeHtml(escapeControl(value));
  const body: string[] = [`<h1>${text(document.title)}</h1>`, `<p class="after">Structure after ${text(document.after)}.</p>`];
  for (const section of document.sections) {
    body.push(`<h2>${text(section.heading)}</h2>`);
    for (const block of section.blocks) {
      if (block.kind === 'text') body.push(`<p>${text(block.text)}</p>`);
      else if (block.kind === 'question') body.push(`<h3>${text(block.question)}</h3>`, block.answer ? `<p>${text(block.answer)}</p>` : `<p class="todo">${TO_BE_COMPLETED}</p>`);
      else body.push(`<table><thead><tr>${block.head.map((h) => `<th>${text(h)}</th>`).join('')}</tr></thead><tbody>${block.rows.map((row) => `<tr>${row.map((cell) => `<td>${text(cell)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
    }
  }
  const csp = `default-src 'none'; style-src '${styleHash(STYLE)}'; base-uri 'none'; form-action 'none'`;
  return ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">', `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`, `<title>${text(document.title)}</title>`, `<style>${STYLE}</style>`, '</head><body>', ...body, '</body></html>', ''].join('\n');
}
