// Hand-built SVG charts for the self-contained HTML report: bars with interval whiskers, and count bars. No script,
// no style attribute (presentation attributes only, so a strict CSP holds); text escaped.

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

/** One bar: a label, a value in [0, 1] (or null), an optional interval. */
export interface IntervalBar {
  label: string;
  value: number | null;
  lower?: number | null;
  upper?: number | null;
  note?: string;
}

const LABEL_WIDTH = 170;
const PLOT_WIDTH = 360;
const ROW = 24;

const fixed = (value: number): string => value.toFixed(1);

/** Horizontal bars on a 0–1 scale with their intervals as whiskers, one row per bar; `format` writes the value. */
export function intervalBarsSvg(title: string, bars: readonly IntervalBar[], format: (value: number | null) => string, tickFormat: (tick: number) => string = String): string {
  const height = ROW * bars.length + 30;
  const width = LABEL_WIDTH + PLOT_WIDTH + 90;
  const x = (value: number): number => LABEL_WIDTH + Math.max(0, Math.min(1, value)) * PLOT_WIDTH;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`, `<title>${escapeHtml(title)}</title>`];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${fixed(x(tick))}" x2="${fixed(x(tick))}" y1="0" y2="${height - 18}" stroke="#d0d0d0" stroke-width="1"/>`);
    parts.push(`<text x="${fixed(x(tick))}" y="${height - 4}" font-size="10" text-anchor="middle" fill="#555">${escapeHtml(tickFormat(tick))}</text>`);
  }
  bars.forEach((bar, i) => {
    const y = i * ROW + 4;
    const label = bar.label.length > 24 ? `${bar.label.slice(0, 23)}…` : bar.label;
    const interval = bar.lower != null && bar.upper != null ? ` (interval ${format(bar.lower)}–${format(bar.upper)})` : '';
    parts.push(`<g class="bar"><title>${escapeHtml(`${bar.label}: ${format(bar.value)}${interval}${bar.note ? `, ${bar.note}` : ''}`)}</title>`);
    parts.push(`<text x="${LABEL_WIDTH - 6}" y="${y + 13}" font-size="11" text-anchor="end" fill="#222">${escapeHtml(label)}</text>`);
    if (bar.value !== null) parts.push(`<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${fixed(x(bar.value) - LABEL_WIDTH)}" height="${ROW - 10}" fill="${bar.note ? '#9fb7d4' : '#3b6ea5'}"/>`);
    if (bar.lower != null && bar.upper != null) {
      const mid = y + 3 + (ROW - 10) / 2;
      parts.push(`<line class="whisker" x1="${fixed(x(bar.lower))}" x2="${fixed(x(bar.upper))}" y1="${fixed(mid)}" y2="${fixed(mid)}" stroke="#111" stroke-width="1.5"/>`);
      for (const end of [bar.lower, bar.upper]) parts.push(`<line x1="${fixed(x(end))}" x2="${fixed(x(end))}" y1="${fixed(mid - 5)}" y2="${fixed(mid + 5)}" stroke="#111" stroke-width="1.5"/>`);
    }
    parts.push(`<text x="${LABEL_WIDTH + PLOT_WIDTH + 8}" y="${y + 13}" font-size="11" fill="#222">${escapeHtml(format(bar.value))}</text></g>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars of counts, scaled to the largest. */
export function countBarsSvg(title: string, counts: ReadonlyArray<[string, number]>): string {
  const max = Math.max(1, ...counts.map(([, n]) => n));
  return intervalBarsSvg(title, counts.map(([label, n]) => ({ label, value: n / max })), (value) => (value === null ? '' : String(Math.round(value * max))), (tick) => String(Math.round(tick * max)));
}
