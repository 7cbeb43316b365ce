// Renders a ShiftResult (fairframe shift) as a Markdown report.
import * as path from 'node:path';
import type { ConfidenceInterval } from '../metrics/bootstrap';
import type { PropertyShift, ShiftGroup, ShiftResult, ShiftSide } from '../shift/shiftTypes';
import { displayLocation, escapeMarkdown } from './markdownReport';

function fixed(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function ci(interval: ConfidenceInterval, digits = 3): string {
  return `${fixed(interval.estimate, digits)} [${fixed(interval.lower, digits)}, ${fixed(interval.upper, digits)}]`;
}

function pct(interval: ConfidenceInterval): string {
  const p = (v: number | null): string => (v === null || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(1)}%`);
  return `${p(interval.estimate)} [${p(interval.lower)}, ${p(interval.upper)}]`;
}

function pValue(p: number): string {
  if (!Number.isFinite(p)) return '–';
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

function group(value: ShiftGroup | null): string {
  return value ? escapeMarkdown(`${value.attribute} = ${value.value}`) : 'all images';
}

function side(value: ShiftSide): string {
  return `${escapeMarkdown(value.dataset)}${value.split ? ` (split ${escapeMarkdown(value.split)})` : ''}: ${value.images} images, ${value.readable} readable — ${escapeMarkdown(value.manifest ?? value.root)}`;
}

function propertyRow(p: PropertyShift): string {
  return `| ${group(p.group)} | ${p.property} | ${p.nReference} / ${p.nTarget} | ${p.referenceMean.toFixed(2)} → ${p.targetMean.toFixed(2)} | ${ci(p.meanRatio)} | ${p.ksStatistic.toFixed(3)} | ${pValue(p.pValue)} | ${pValue(p.adjustedPValue)} | ${p.psi.toFixed(3)} | ${p.shifted ? '**shifted**' : ''} |`;
}

/** The Markdown report of a comparison. */
export function renderShiftMarkdown(result: ShiftResult): string {
  const s = result.settings;
  const base = path.dirname(result.target.path);
  const lines: string[] = [
    '# Fairframe distribution shift report',
    '',
    `- Reference: ${side(result.reference)}`,
    `- Target: ${side(result.target)}`,
    result.model ? `- Model: ${escapeMarkdown(path.basename(result.model.file))} (sha256 ${result.model.sha256.slice(0, 12)}…; embedding ${escapeMarkdown(result.model.featureTensor ?? 'none')})` : '- Model: none (no embedding or class-prior comparison; pass --model)',
    `- Groups: ${result.attributes.length > 0 ? result.attributes.map(escapeMarkdown).join(', ') : 'no sensitive attribute shared by both sides'}${(result.intersections ?? []).length > 0 ? `; intersections ${(result.intersections ?? []).map((tuple) => escapeMarkdown(tuple.join(' × '))).join(', ')}` : ''} (groups with fewer than ${s.minGroupSize} images on a side are not compared)`,
    `- Tests: Kolmogorov–Smirnov (two-sided), chi-square of shares, MMD permutation test; every p-value adjusted by Benjamini–Hochberg over all tests of this comparison, significant below ${s.alpha}. PSI over reference deciles; a property is **shifted** when significant and PSI ≥ ${s.minPsi}. Intervals: ${Math.round(s.confidenceLevel * 100)}% percentile bootstrap, ${s.bootstrapReplicates} replicates, seed ${s.seed}.`,
    `- ${result.counts.error} errors, ${result.counts.warning} warnings, ${result.counts.info} notes; ${(result.durationMs / 1000).toFixed(1)} s.`,
    '',
    '## Findings',
    '',
  ];
  if (result.findings.length === 0) lines.push('No shift found.', '');
  for (const finding of result.findings) lines.push(`- **${finding.severity}** ${finding.rule} \`${escapeMarkdown(displayLocation(finding, base))}\`: ${escapeMarkdown(finding.message)}`);
  lines.push('', '## Image properties', '', '| Group | Property | n ref / target | Mean | Ratio of means | KS D | p | adjusted p | PSI | |', '|---|---|---|---|---|---|---|---|---|---|');
  const ordered = [...result.properties].sort((a, b) => Number(b.shifted) - Number(a.shifted) || a.adjustedPValue - b.adjustedPValue);
  for (const p of ordered) lines.push(propertyRow(p));
  lines.push('', '## Group shares', '');
  for (const share of result.shares) {
    lines.push(`### ${escapeMarkdown(share.attribute)}: χ² = ${share.chi2.toFixed(2)}, dof ${share.dof}, p = ${pValue(share.pValue)}, adjusted ${pValue(share.adjustedPValue)}${share.shifted ? ' — **shifted**' : ''}`, '', '| Value | Reference | Target |', '|---|---|---|');
    for (const v of share.values) lines.push(`| ${escapeMarkdown(v.value)} | ${v.referenceCount} (${(100 * v.referenceShare).toFixed(1)}%) | ${v.targetCount} (${(100 * v.targetShare).toFixed(1)}%) |`);
    lines.push('');
  }
  if (result.embedding.length > 0) {
    lines.push('## Model embedding (MMD)', '', '| Group | n ref / target | MMD² | σ | p | adjusted p | |', '|---|---|---|---|---|---|---|');
    for (const e of result.embedding) lines.push(`| ${group(e.group)} | ${e.nReference} / ${e.nTarget}${e.sampledTo ? ` (sampled ${e.sampledTo})` : ''} | ${e.mmd2.toExponential(3)} | ${e.bandwidth.toPrecision(3)} | ${pValue(e.pValue)} | ${pValue(e.adjustedPValue)} | ${e.shifted ? '**shifted**' : ''} |`);
    lines.push('', `RBF kernel, bandwidth σ = median pairwise distance of the pooled embeddings; unbiased MMD²; p from ${s.permutations} seeded permutations.`, '');
  }
  if (result.priors.length > 0) {
    lines.push('## Class priors (black-box shift estimation)', '', 'w = C⁻¹μ̂ from the reference confusion matrix C and the target\'s predicted shares μ̂ (Lipton, Wang & Smola 2018); q̂ = w ∘ p_ref. Assumes only the class priors moved.', '');
    for (const prior of result.priors) {
      lines.push(`### ${group(prior.group)}: expected accuracy ${ci(prior.expectedAccuracy)} (reference ${prior.referenceAccuracy.toFixed(3)}; n = ${prior.nReference}, ${prior.nTarget})`, '');
      if (prior.skipped) {
        lines.push(`Not estimated: ${escapeMarkdown(prior.skipped)}.`, '');
        continue;
      }
      lines.push(`| Class | Reference prior | Predicted share in target | Estimated target prior | Change | Weight w |${prior.targetLabelShares ? ' Target label share |' : ''}`, `|---|---|---|---|---|---|${prior.targetLabelShares ? '---|' : ''}`);
      prior.classes.forEach((name, j) => {
        lines.push(`| ${escapeMarkdown(name)}${prior.shiftedClasses.includes(name) ? ' **moved**' : ''} | ${(100 * prior.referencePriors[j]).toFixed(1)}% | ${(100 * prior.targetPredicted[j]).toFixed(1)}% | ${pct(prior.targetPriors[j])} | ${pct(prior.priorChange[j])} | ${ci(prior.weights[j], 2)} |${prior.targetLabelShares ? ` ${(100 * prior.targetLabelShares[j]).toFixed(1)}% |` : ''}`);
      });
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}
