// The rules a distribution-shift comparison can emit (FF-S…). Ids are stable and documented in the README.
import type { RuleInfo } from '../checks/check';

function rule(id: string, name: string, defaultSeverity: RuleInfo['defaultSeverity'], description: string): RuleInfo {
  return { id, name, description, defaultSeverity };
}

export const SHIFT_RULES = {
  propertyShift: rule('FF-S001', 'image-property-shift', 'warning',
    'An image property (brightness, contrast, saturation, sharpness, width, height) is distributed differently in the target than in the reference, overall or in a group: Kolmogorov–Smirnov p (Benjamini–Hochberg adjusted) below `shiftAlpha` and PSI at least `minPopulationStability`.'),
  groupShareShift: rule('FF-S002', 'group-share-shift', 'warning',
    "The shares of a sensitive attribute's values differ between reference and target: chi-square p (adjusted) below `shiftAlpha` and a share moved by at least `maxGroupShareChange`."),
  embeddingShift: rule('FF-S003', 'embedding-shift', 'warning',
    "The model's embeddings of the target differ from the reference's, overall or in a group: MMD permutation p (adjusted) below `shiftAlpha`."),
  priorShift: rule('FF-S004', 'prior-shift', 'warning',
    "Black-box shift estimation puts a class's share in the target more than `maxPriorChange` away from the reference's, with an interval that excludes no change."),
  shiftSummary: rule('FF-S005', 'shift-summary', 'info',
    'What the comparison measured: the estimated target class priors and the accuracy expected on the target under them, with intervals.'),
  shiftNotMeasured: rule('FF-S006', 'shift-not-measured', 'warning',
    'Part of the comparison could not be made (unreadable images, a model that cannot run, a singular confusion matrix, groups too small); it is left out and said so.'),
} as const;

/** Every shift rule, by id. */
export function shiftRules(): RuleInfo[] {
  return Object.values(SHIFT_RULES).sort((a, b) => a.id.localeCompare(b.id));
}
