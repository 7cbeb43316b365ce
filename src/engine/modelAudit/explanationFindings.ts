// Findings from the audit's explanations: saliency that misses the object for some groups (FF-M030), and maps that fail
// the randomisation sanity check (FF-M031).
import { pushFinding } from '../checks/check';
import type { ResolvedConfig } from '../config/configTypes';
import type { Finding, Location } from '../types';
import type { AuditExplanations } from './explainAudit';
import { formatInterval, formatNumber, formatPercent } from './groupFindings';
import { MODEL_RULES } from './modelRules';

/** FF-M030 for each attribute whose on-object share gap passes maxSaliencyMaskGap; FF-M031 when the sanity check fails. */
export function explanationFindings(explanations: AuditExplanations, config: ResolvedConfig, location: Location, modelName: string, evidenceBase: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  const level = `${Math.round(config.thresholds.confidenceLevel * 100)}%`;
  for (const report of explanations.maskShare) {
    const { gap } = report;
    if (gap.estimate === null || gap.estimate <= config.thresholds.maxSaliencyMaskGap) continue;
    const high = report.byGroup.find((g) => g.group === gap.higherGroup);
    const low = report.byGroup.find((g) => g.group === gap.lowerGroup);
    const side = (g: typeof high): string => `${formatPercent(g?.estimate ?? null)} ${formatInterval(g, formatPercent)} on ${report.attribute} '${g?.group ?? '?'}' (${g?.images ?? 0} images)`;
    const before = findings.length;
    pushFinding(findings, config, MODEL_RULES.saliencyOffObject, {
      message: `${modelName} looks at the object less on ${report.attribute} '${low?.group ?? '?'}': ${side(low)} of its ${explanations.method} saliency falls inside the mask, against ${side(high)}; a gap of ${formatNumber(gap.estimate)} (${level} CI ${formatInterval(gap)}), above maxSaliencyMaskGap ${formatNumber(config.thresholds.maxSaliencyMaskGap)}; the interval ${report.excludesNoGap ? 'excludes no gap' : 'includes no gap, so it may be sampling noise'}.`,
      location,
      evidence: { ...evidenceBase, attribute: report.attribute, maskShare: report },
      suggestion: `Look at the explained images of ${report.attribute} '${low?.group ?? ''}' in the dashboard: a model that reads the background for a group will fail it.`,
    });
    if (!report.excludesNoGap && findings.length > before && config.rules[MODEL_RULES.saliencyOffObject.id] === undefined) findings[findings.length - 1].severity = 'info';
  }
  const sanity = explanations.sanity;
  if (sanity && sanity.passed === false) {
    pushFinding(findings, config, MODEL_RULES.explanationSanity, {
      message: `${modelName}: the ${explanations.method} maps of ${sanity.images} images keep a mean Spearman ρ of ${formatNumber(sanity.meanSpearman)} with the maps of a copy whose classifier weights are random; they show the image's structure more than what the model learned.`,
      location,
      evidence: { ...evidenceBase, sanity },
    });
  }
  return findings;
}
