// The robustness section of the Markdown report: accuracy under each corruption and attack, overall and by group, with
// the drop from clean and the difference-in-differences between the groups that drop most and least.
import { formatInterval, formatPercent } from '../modelAudit/groupFindings';
import type { ModelAudit } from '../modelAudit/modelAuditTypes';
import type { RobustnessGroupReport } from '../robustness/robustnessTypes';
import { escapeMarkdown } from './markdownReport';

const cell = (interval: { estimate: number | null; lower: number | null; upper: number | null }): string => `${formatPercent(interval.estimate)} ${formatInterval(interval as never, formatPercent)}`;

/** A drop as a signed change of accuracy: "−12.0%" for a drop, "+1.2%" for a gain. */
function signedDrop(drop: number | null): string {
  if (drop === null) return 'undefined';
  return `${drop > 0 ? '−' : drop < 0 ? '+' : '±'}${formatPercent(Math.abs(drop))}`;
}

/** Per group: accuracy at each listed condition, and the DiD of the condition. */
function groupTable(report: RobustnessGroupReport, keys: string[], heading: (key: string) => string): string[] {
  const conditions = keys.map((key) => report.conditions.find((c) => c.key === key)).filter((c) => c !== undefined);
  if (conditions.length === 0) return [];
  const groups = conditions[0].byGroup;
  const lines = [`| ${escapeMarkdown(report.name)} | Images | ${conditions.map((c) => heading(c.key)).join(' | ')} |`, `|---|---:|${conditions.map(() => '---').join('|')}|`];
  for (const group of groups) {
    const cells = conditions.map((c) => {
      const figures = c.byGroup.find((g) => g.group === group.group);
      return figures ? `${formatPercent(figures.accuracy.estimate)} (${signedDrop(figures.drop.estimate)})` : '';
    });
    lines.push(`| ${escapeMarkdown(group.group)}${group.compared ? '' : ' (too small to rank)'} | ${group.count} | ${cells.join(' | ')} |`);
  }
  lines.push(`| *DiD (most − least drop)* | | ${conditions.map((c) => (c.dropDifference.estimate === null ? 'undefined' : `${formatPercent(c.dropDifference.estimate)} ${formatInterval(c.dropDifference, formatPercent)} (${escapeMarkdown(c.dropDifference.higherGroup ?? '')} vs ${escapeMarkdown(c.dropDifference.lowerGroup ?? '')})`)).join(' | ')} |`, '');
  return lines;
}

/** The robustness section of one model audit (empty without --robustness). */
export function robustnessSection(audit: ModelAudit, level: number): string[] {
  const r = audit.robustness;
  if (!r) return [];
  const pct = `${Math.round(level * 100)}%`;
  const lines = ['### Robustness', ''];
  const c = r.corruptions;
  if (c) {
    const severities = c.severities ?? [1, 2, 3, 4, 5];
    // At most three severity columns: the first, the middle and the last applied (1, 3 and 5 by default).
    const columns = severities.length <= 3 ? severities : [severities[0], severities[Math.floor((severities.length - 1) / 2)], severities[severities.length - 1]];
    const over = severities.length === 5 ? 'the 5 severities' : `severities ${severities.join(', ')}`;
    lines.push(`Common corruptions after Hendrycks & Dietterich 2019 (ImageNet-C parameters, seed ${c.seed}) applied to the ${c.images} audited images as the model sees them; clean accuracy ${cell(c.clean)}. Accuracy (drop from clean) with ${pct} paired bootstrap intervals; corruption error = mean error over ${over}.${c.failures > 0 ? ` ${c.failures} corrupted images could not be run and count as errors.` : ''}`, '');
    lines.push(`| Corruption | Parameter (severity 1 → 5) | ${columns.map((s) => `Severity ${s}`).join(' | ')} | Mean | Corruption error |`, `|---|---|${columns.map(() => '---').join('|')}|---|---:|`);
    for (const corruption of c.corruptions) {
      const at = (level: string): string => {
        const condition = c.conditions.find((x) => x.key === `${corruption.name}@${level}`);
        return condition ? cell(condition.accuracy) : '';
      };
      const values = corruption.values.map((v) => (Array.isArray(v) ? `(${v.join(', ')})` : String(v))).join(', ');
      lines.push(`| ${corruption.name} | ${corruption.parameter}: ${values} | ${columns.map((s) => at(String(s))).join(' | ')} | ${at('mean')} | ${formatPercent(c.corruptionError[corruption.name] ?? null)} |`);
    }
    lines.push('');
    for (const report of c.groups) {
      lines.push(`**By ${escapeMarkdown(report.name)}**, mean over severities: accuracy (change from clean)`, '');
      lines.push(...groupTable(report, c.corruptions.map(({ name }) => `${name}@mean`), (key) => key.replace('@mean', '')));
    }
  }
  const a = r.attacks;
  if (a?.status === 'skipped') lines.push(`Adversarial attacks not run: ${escapeMarkdown(a.reason ?? '')}.`, '');
  if (a?.status === 'ok' && a.settings && a.conditions && a.clean) {
    const s = a.settings;
    const sample = `${a.images} images${a.sampled ? ' (a seeded sample of the audited images; `attackImages`)' : ''}`;
    if (s.attack === 'square') {
      lines.push(`Black-box L∞ Square Attack (Andriushchenko et al. 2020) on ${sample}, because ${escapeMarkdown(s.reason ?? 'the model has no gradient graph')}: ${s.queries ?? '?'} queries per image and ε, p_init ${s.pInit ?? '?'}; ε in pixel levels of 0–255. Clean accuracy on these images ${cell(a.clean)}. Robust radius = the smallest grid ε that fools the model (0 for images already wrong).`, '');
    } else {
      lines.push(`White-box L∞ attacks on ${sample}: FGSM, and PGD ${s.randomStart ? 'with a random start' : 'from the image itself (no random start)'}, ${s.pgdSteps} steps of ${s.pgdStepSize}, stopping at the first misclassified iterate; ε in pixel levels of 0–255; loss: ${s.loss}. Clean accuracy on these images ${cell(a.clean)}. Robust radius = the smallest ε at which PGD flips the image (bisected ${s.radiusBisectionSteps} times between grid points; 0 for images already wrong).`, '');
    }
    lines.push(`| Attack | ${s.epsilons.map((e) => `ε ${e}/255`).join(' | ')} |`, `|---|${s.epsilons.map(() => '---').join('|')}|`);
    for (const kind of s.attack === 'square' ? ['square'] : ['fgsm', 'pgd']) lines.push(`| ${kind.toUpperCase()} | ${s.epsilons.map((e) => { const x = a.conditions?.find((c) => c.key === `${kind}@${e}`); return x ? cell(x.accuracy) : ''; }).join(' | ')} |`);
    lines.push('');
    const overall = a.radius?.overall;
    if (overall) lines.push(`Median robust radius ${overall.median.estimate === null ? `above ${s.epsilons.at(-1)}/255` : `${overall.median.estimate.toFixed(2)}/255 ${formatInterval(overall.median)}`}; ${formatPercent(overall.unbroken)} of the images resist every ε.`, '');
    for (const report of a.groups ?? []) {
      lines.push(`**By ${escapeMarkdown(report.name)}** under ${s.attack === 'square' ? 'the Square Attack' : 'PGD'}: accuracy (change from clean)`, '');
      lines.push(...groupTable(report, s.epsilons.map((e) => `${s.attack}@${e}`), (key) => `ε ${key.split('@')[1]}/255`));
      if (report.radius) lines.push(`Median robust radius: ${report.radius.map((g) => `${escapeMarkdown(g.group)} ${g.median.estimate === null ? `> ${s.epsilons.at(-1)}` : g.median.estimate.toFixed(2)} ${formatInterval(g.median)} (n=${g.count}, ${formatPercent(g.unbroken)} unbroken)`).join(' · ')}.`, '');
    }
  }
  return lines;
}
