// Findings for the images a model run left out: those that could not be prepared (FF-M004) and those whose output held
// NaN or ±Infinity (FF-M007), each named with its count.
import type { ResolvedConfig } from '../config/configTypes';
import { pushFinding } from '../checks/check';
import type { InferenceFailure } from '../model/inferenceRunner';
import type { Dataset, Finding } from '../types';
import { MODEL_RULES } from './modelRules';

/** Images listed by name in a message at most. */
const NAMED_IN_MESSAGE = 5;
/** Failures kept in the evidence at most. */
const KEPT_IN_EVIDENCE = 1000;

/** Pushes one finding per kind of failure; `audited` is how many images the model was run on. */
export function inferenceFailureFindings(
  failures: readonly InferenceFailure[],
  audited: number,
  dataset: Dataset,
  config: ResolvedConfig,
  modelName: string,
  evidenceBase: Record<string, unknown>,
  findings: Finding[],
): void {
  const byId = new Map(dataset.records.map((record) => [record.id, record]));
  const location = { file: dataset.manifest ?? dataset.root };
  const nameOf = (failure: InferenceFailure): string => byId.get(failure.recordId)?.relPath ?? failure.recordId;
  const related = (list: InferenceFailure[]): Finding['related'] => list.slice(0, 50).flatMap((failure) => byId.get(failure.recordId)?.source ?? []);

  const unprepared = failures.filter((failure) => failure.kind === 'image');
  if (unprepared.length > 0) {
    pushFinding(findings, config, MODEL_RULES.imagesNotInferred, {
      message: `${unprepared.length} image${unprepared.length === 1 ? '' : 's'} could not be prepared for ${modelName} and ${unprepared.length === 1 ? 'is' : 'are'} left out of its metrics; first: ${nameOf(unprepared[0])}: ${unprepared[0].message}`,
      location,
      evidence: { ...evidenceBase, failures: unprepared.slice(0, 100) },
      related: related(unprepared),
    });
  }

  const nonFinite = failures.filter((failure) => failure.kind === 'non-finite-output');
  if (nonFinite.length > 0) {
    const named = nonFinite.slice(0, NAMED_IN_MESSAGE).map((failure) => `'${nameOf(failure)}'`).join(', ');
    const more = nonFinite.length > NAMED_IN_MESSAGE ? ` and ${nonFinite.length - NAMED_IN_MESSAGE} more` : '';
    pushFinding(findings, config, MODEL_RULES.nonFiniteOutput, {
      message: `${modelName} gives a non-finite output (NaN or ±Infinity) for ${nonFinite.length} of ${audited} images, which are left out of its metrics: ${named}${more} (first: ${nonFinite[0].message}).`,
      location,
      evidence: {
        ...evidenceBase,
        count: nonFinite.length,
        of: audited,
        images: nonFinite.slice(0, KEPT_IN_EVIDENCE).map((failure) => ({ relPath: nameOf(failure), problem: failure.message })),
      },
      related: related(nonFinite),
      suggestion: 'Run the model on one of these images outside Fairframe: a NaN often comes from a log or division of a value the preprocessing did not expect (check mean, std and scale).',
    });
  }
}
