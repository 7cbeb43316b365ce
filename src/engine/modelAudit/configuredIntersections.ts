// Intersections named in fairframe.json that the dataset cannot form: each becomes a finding instead of being dropped.
import type { ResolvedConfig } from '../config/configTypes';
import { pushFinding } from '../checks/check';
import type { Dataset, Finding, Location } from '../types';
import { MODEL_RULES } from './modelRules';

/** The configured intersections that name an attribute the dataset does not have, with the missing names. */
export function unknownIntersections(dataset: Dataset, config: ResolvedConfig): Array<{ attributes: string[]; missing: string[] }> {
  const names = new Set(dataset.attributes.map((attribute) => attribute.name));
  return (config.intersections ?? [])
    .map((attributes) => ({ attributes, missing: attributes.filter((name) => !names.has(name)) }))
    .filter((entry) => entry.missing.length > 0);
}

/** Pushes one FF-M008 finding per configured intersection the dataset cannot form. */
export function unknownIntersectionFindings(dataset: Dataset, config: ResolvedConfig, location: Location, modelName: string, evidenceBase: Record<string, unknown>, findings: Finding[]): void {
  const known = dataset.attributes.map((attribute) => `'${attribute.name}'`).join(', ') || 'none';
  for (const { attributes, missing } of unknownIntersections(dataset, config)) {
    pushFinding(findings, config, MODEL_RULES.unknownIntersection, {
      message: `The intersection ${attributes.map((name) => `'${name}'`).join(' × ')} in fairframe.json names ${missing.map((name) => `'${name}'`).join(', ')}, which dataset '${dataset.name}' does not have as a sensitive attribute (it has ${known}); ${modelName} is not audited on that intersection.`,
      location,
      evidence: { ...evidenceBase, intersection: attributes, missing, attributes: dataset.attributes.map((attribute) => attribute.name) },
      suggestion: `Fix the name in "intersections", or declare the column under "attributes" in fairframe.json.`,
    });
  }
}
