// Findings from the robustness results: the severity (or ε) at which one group's accuracy drop first exceeds another's
// by more than the threshold with an interval excluding zero, a summary, and attacks that could not run.
import { pushFinding } from '../checks/check';
import type { ResolvedConfig } from '../config/configTypes';
import { formatInterval, formatPercent } from '../modelAudit/groupFindings';
import { MODEL_RULES } from '../modelAudit/modelRules';
import type { Finding, Location } from '../types';
import { CORRUPTIONS } from './corruptions';
import type { RobustnessGroupReport, RobustnessResults } from './robustnessTypes';

/** The first condition (in the order of `keys`) whose DiD exceeds `threshold` with its lower bound above 0. */
export function firstBreakingCondition(report: RobustnessGroupReport, keys: string[], threshold: number): RobustnessGroupReport['conditions'][number] | undefined {
  for (const key of keys) {
    const condition = report.conditions.find((c) => c.key === key);
    const did = condition?.dropDifference;
    if (condition && did && did.estimate !== null && did.lower !== null && did.estimate > threshold && did.lower > 0) return condition;
  }
  return undefined;
}

function pairText(report: RobustnessGroupReport, condition: RobustnessGroupReport['conditions'][number]): string {
  const did = condition.dropDifference;
  const side = (name: string | undefined): string => {
    const group = condition.byGroup.find((g) => g.group === name);
    return group ? `'${name}' loses ${formatPercent(group.drop.estimate)} ${formatInterval(group.drop, formatPercent)} (n=${group.count}, accuracy ${formatPercent(group.accuracy.estimate)})` : `'${name ?? '?'}'`;
  };
  return `${report.name} ${side(did.higherGroup)} against ${side(did.lowerGroup)}: a difference-in-differences of ${formatPercent(did.estimate)} ${formatInterval(did, formatPercent)}`;
}

/** Every robustness finding for one model audit. */
export function robustnessFindings(results: RobustnessResults, config: ResolvedConfig, location: Location, modelName: string, evidenceBase: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  const level = `${Math.round(config.thresholds.confidenceLevel * 100)}%`;
  const corruptions = results.corruptions;
  if (corruptions) {
    const threshold = config.thresholds.maxCorruptionDropDifference;
    for (const report of corruptions.groups) {
      // One finding per attribute: every corruption under which a group breaks sooner, the largest gap in front.
      const breaking = corruptions.corruptions.map((c) => c.name).flatMap((corruption) => {
        const keys = (corruptions.severities ?? [1, 2, 3, 4, 5]).map((s) => `${corruption}@${s}`).concat(`${corruption}@mean`);
        const condition = firstBreakingCondition(report, keys, threshold);
        return condition ? [{ corruption, condition }] : [];
      });
      if (breaking.length === 0) continue;
      const lead = [...breaking].sort((a, b) => (b.condition.dropDifference.estimate ?? 0) - (a.condition.dropDifference.estimate ?? 0))[0];
      const where = (key: string): string => (key.endsWith('@mean') ? 'averaged over severities' : `from severity ${key.split('@')[1]}`);
      const others = breaking.filter((entry) => entry !== lead).map(({ corruption, condition }) =>
        `${corruption} ${where(condition.key)} ('${condition.dropDifference.higherGroup ?? '?'}' vs '${condition.dropDifference.lowerGroup ?? '?'}', ${formatPercent(condition.dropDifference.estimate)} ${formatInterval(condition.dropDifference, formatPercent)})`);
      pushFinding(findings, config, MODEL_RULES.corruptionRobustnessGap, {
        message: `${modelName} breaks sooner for some ${report.name} groups under ${breaking.length} of ${corruptions.corruptions.length} corruptions. Largest: ${lead.corruption} ${where(lead.condition.key)} of 5, ${pairText(report, lead.condition)} (${level} paired bootstrap), above maxCorruptionDropDifference ${formatPercent(threshold)}.${others.length > 0 ? ` Also: ${others.join('; ')}.` : ''}`,
        location,
        evidence: { ...evidenceBase, attribute: report.name, attributes: report.attributes, threshold, breaking: breaking.map(({ corruption, condition }) => ({ corruption, condition: condition.key, dropDifference: condition.dropDifference, byGroup: condition.byGroup })) },
        suggestion: `Train with ${breaking.map((entry) => entry.corruption).join(', ')} augmentation and more images of the groups that break first; re-audit with --robustness corruptions.`,
      });
    }
  }
  const attacks = results.attacks;
  if (attacks?.status === 'skipped') {
    pushFinding(findings, config, MODEL_RULES.attacksSkipped, { message: `${modelName}: the adversarial attacks were not run: ${attacks.reason ?? 'unknown reason'}.`, location, evidence: { ...evidenceBase, reason: attacks.reason } });
  } else if (attacks?.status === 'ok' && attacks.groups && attacks.settings) {
    const threshold = config.thresholds.maxAttackDropDifference;
    const attack = attacks.settings.attack;
    const attackName = attack === 'square' ? 'the Square Attack' : 'PGD';
    const keys = attacks.settings.epsilons.map((e) => `${attack}@${e}`);
    for (const report of attacks.groups) {
      const condition = firstBreakingCondition(report, keys, threshold);
      if (!condition) continue;
      pushFinding(findings, config, MODEL_RULES.attackRobustnessGap, {
        message: `${modelName} breaks sooner for some ${report.name} groups under ${attackName} (from ε = ${condition.key.split('@')[1]}/255): ${pairText(report, condition)} (${level} paired bootstrap over ${attacks.images} attacked images), above maxAttackDropDifference ${formatPercent(threshold)}.`,
        location,
        evidence: { ...evidenceBase, attribute: report.name, attributes: report.attributes, condition: condition.key, dropDifference: condition.dropDifference, byGroup: condition.byGroup, radius: report.radius },
      });
    }
  }
  const parts: string[] = [];
  if (corruptions) {
    const means = CORRUPTIONS.map((c) => corruptions.conditions.find((x) => x.key === `${c}@mean`)).filter((c) => c !== undefined);
    const worst = [...means].sort((a, b) => (a.accuracy.estimate ?? 1) - (b.accuracy.estimate ?? 1))[0];
    parts.push(`clean accuracy ${formatPercent(corruptions.clean.estimate)} ${formatInterval(corruptions.clean, formatPercent)} on ${corruptions.images} images; under the ${corruptions.corruptions.length} corruptions (mean over severities) ${means.map((m) => `${m.kind} ${formatPercent(m.accuracy.estimate)}`).join(', ')}${worst ? `; the worst is ${worst.kind} (drop ${formatPercent(worst.drop.estimate)} ${formatInterval(worst.drop, formatPercent)})` : ''}`);
  }
  if (attacks?.status === 'ok' && attacks.conditions) {
    const attack = attacks.settings?.attack ?? 'pgd';
    const pgd = attacks.conditions.filter((c) => c.kind === attack);
    const median = attacks.radius?.overall.median;
    parts.push(`under ${attack === 'square' ? 'the Square Attack (black-box: no gradient graph)' : 'PGD'} on ${attacks.images} images: ${pgd.map((c) => `ε ${c.level}/255 ${formatPercent(c.accuracy.estimate)} ${formatInterval(c.accuracy, formatPercent)}`).join(', ')}; median robust radius ${median?.estimate === null || median === undefined ? `above ${attacks.settings?.epsilons.at(-1) ?? '?'}/255` : `${median.estimate.toFixed(2)}/255`}`);
  }
  if (parts.length > 0) {
    pushFinding(findings, config, MODEL_RULES.robustnessSummary, {
      message: `${modelName} robustness: ${parts.join('; ')} (${level} intervals).`,
      location,
      evidence: { ...evidenceBase, corruptionError: corruptions?.corruptionError, attacks: attacks?.conditions },
    });
  }
  return findings;
}
