// The dashboard's HTML document and its Content-Security-Policy, shared by the panel and the browser tests.
import { DASHBOARD_SECTIONS, type DashboardSection } from './protocol';

/** Section titles, in page order. */
export const SECTION_TITLES: Record<DashboardSection, string> = {
  overview: 'Overview',
  compare: 'Compare',
  fairness: 'Fairness',
  groups: 'Groups',
  heatmaps: 'Heatmaps',
  properties: 'Image properties',
  galleries: 'Galleries',
  robustness: 'Robustness',
  explanation: 'Explanation',
  runs: 'Runs',
  shift: 'Shift',
};

/** What the page needs: the webview's resource origin, a fresh nonce and the two bundled files. */
export interface DashboardHtmlOptions {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** Extra markup for <head> (the browser tests' acquireVsCodeApi shim, which carries the nonce). */
  extraHead?: string;
}

/** A 128-bit random nonce, base64. */
export function makeNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/** The policy: nothing by default; scripts only with the nonce; styles from the extension or with the nonce (Plot's <style>); images from the webview origin. */
export function dashboardCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/** The whole document. */
export function dashboardHtml(options: DashboardHtmlOptions): string {
  const { cspSource, nonce, scriptUri, styleUri } = options;
  const nav = DASHBOARD_SECTIONS.map((section) => `<a href="#${section}" data-section="${section}">${SECTION_TITLES[section]}</a>`).join('');
  const sections = DASHBOARD_SECTIONS.map((section) =>
    `<section id="${section}" aria-labelledby="${section}-title" tabindex="-1"><h2 id="${section}-title">${SECTION_TITLES[section]}</h2><div class="section-body" data-body="${section}"></div></section>`,
  ).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(dashboardCsp(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attribute(styleUri)}">
<title>Fairframe dashboard</title>
${options.extraHead ?? ''}
</head>
<body>
<header class="top">
<h1>Fairframe</h1>
<p id="subtitle" class="muted">Waiting for an audit…</p>
<nav aria-label="Dashboard sections">${nav}</nav>
</header>
<p id="status" class="visually-hidden" role="status" aria-live="polite"></p>
<main id="dashboard">
${sections}
</main>
<script nonce="${attribute(nonce)}" src="${attribute(scriptUri)}"></script>
</body>
</html>`;
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
