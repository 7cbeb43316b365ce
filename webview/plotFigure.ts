// Observable Plot, made to fit the webview: its <style> elements get the page's nonce (the CSP allows no other
// inline style), it takes the theme's colours through CSS, and every chart has an accessible name.
import * as Plot from '@observablehq/plot';

let styleNonce = '';

/** Records the nonce the page's script was loaded with, for the <style> elements Plot creates. */
export function setStyleNonce(nonce: string): void {
  styleNonce = nonce;
}

/** A tick label shortened to `max` characters (the full value is in the chart's table and titles). */
export function shortLabel(value: string, max = 22): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** Room below a band axis for its (possibly rotated) labels. */
export function bandAxisMargin(labels: string[], rotate: boolean): number {
  const longest = Math.min(22, Math.max(0, ...labels.map((l) => l.length)));
  return rotate ? Math.round(30 + longest * 4.6) : 44;
}

/** Plot.legend for a colour scale, with the nonce on its styles. */
export function plotLegend(options: Parameters<typeof Plot.legend>[0] & object): HTMLElement | SVGSVGElement {
  const node = Plot.legend({ className: 'ff-plot-legend', marginLeft: 12, marginRight: 12, width: 280, ...options });
  stampNonce(node);
  return node;
}

function stampNonce(node: Element): void {
  node.querySelectorAll('style').forEach((style) => {
    style.nonce = styleNonce;
  });
}

/** Plot.plot with the dashboard's class, font and an aria label; the returned node is ready to insert. */
export function plotFigure(options: Plot.PlotOptions & { ariaLabel: string }): SVGSVGElement | HTMLElement {
  const node = Plot.plot({ className: 'ff-plot', style: { fontSize: '12px', fontFamily: 'var(--vscode-font-family)' }, ...options });
  stampNonce(node);
  return node;
}

export { Plot };
