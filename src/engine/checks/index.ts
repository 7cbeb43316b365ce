// The registry of dataset checks, in the order they run and are reported.
import type { DatasetCheck, RuleInfo } from './check';
import { classBalanceCheck } from './classBalanceCheck';
import { duplicatesCheck } from './duplicatesCheck';
import { groupRepresentationCheck } from './groupRepresentationCheck';
import { imagePropertiesCheck } from './imagePropertiesCheck';
import { integrityCheck } from './integrityCheck';
import { intersectionsCheck } from './intersectionsCheck';
import { labelAttributeAssociationCheck } from './labelAttributeAssociationCheck';
import { privacyCheck } from './privacyCheck';
import { modelRules } from '../modelAudit/modelRules';
import { shiftRules } from '../shift/shiftRules';

export const ALL_CHECKS: readonly DatasetCheck[] = [
  integrityCheck,
  classBalanceCheck,
  groupRepresentationCheck,
  intersectionsCheck,
  labelAttributeAssociationCheck,
  imagePropertiesCheck,
  duplicatesCheck,
  privacyCheck,
];

/** Emitted by the audit itself when a check throws. */
export const CHECK_FAILED_RULE: RuleInfo = {
  id: 'FF-D000',
  name: 'check-failed',
  description: 'A check failed with an internal error; the other checks still ran.',
  defaultSeverity: 'error',
};

/** Every rule any check, the model audit or a shift comparison can emit, by id. */
export function allRules(): RuleInfo[] {
  return [CHECK_FAILED_RULE, ...ALL_CHECKS.flatMap((check) => check.rules), ...modelRules(), ...shiftRules()].sort((a, b) => a.id.localeCompare(b.id));
}
