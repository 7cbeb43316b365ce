// Group representation: each sensitive attribute's observed shares against the expected ones (FF-D003, FF-D004).
import { chiSquareGoodnessOfFit } from '../stats/chiSquare';
import { expectedShares } from '../stats/expectedShares';
import { attributeValue, compareValues, datasetLocation, formatCount, formatNumber, formatPercent, formatPValue, tally } from '../stats/tally';
import type { AttributeInfo, Finding } from '../types';
import { UNKNOWN } from '../types';
import type { CheckContext, CheckOutput, DatasetCheck, RuleInfo } from './check';
import { pushFinding } from './check';

const GROUP_UNDERREPRESENTED: RuleInfo = {
  id: 'FF-D003',
  name: 'group-underrepresented',
  description: "A group's share of the images is below `representationRatio` times its expected share (reference distribution, or uniform).",
  defaultSeverity: 'warning',
};

const ATTRIBUTE_UNKNOWN: RuleInfo = {
  id: 'FF-D004',
  name: 'attribute-unknown',
  description: 'More than `maxUnknownShare` of the images have no value for a sensitive attribute.',
  defaultSeverity: 'warning',
};

/** One value of an attribute: observed against expected. */
export interface GroupShare {
  value: string;
  count: number;
  /** count / images with a known value. */
  share: number;
  /** Expected share (normalised reference, or 1/K); undefined for values outside the reference. */
  expectedShare?: number;
  /** share / expectedShare. */
  ratio?: number;
}

/** ' (about N more reach its expected share)': solves (c + x) / (known + x) = s for x. */
function imagesToReach(count: number, known: number, share: number): string {
  if (!(share < 1)) return '';
  const needed = Math.max(1, Math.ceil((share * known - count) / (1 - share) - 1e-9));
  return ` (about ${formatCount(needed)} more would reach its expected share)`;
}

function checkAttribute(context: CheckContext, attribute: AttributeInfo, findings: Finding[]): Record<string, unknown> {
  const { dataset, config } = context;
  const { representationRatio, maxUnknownShare } = config.thresholds;
  const location = datasetLocation(dataset);
  const guessed = attribute.origin === 'guessed';
  const name = attribute.name;
  const counts = tally(dataset.records.map((record) => attributeValue(record, name)));
  const total = dataset.records.length;
  const unknown = counts.get(UNKNOWN) ?? 0;
  const known = total - unknown;
  const unknownShare = total > 0 ? unknown / total : 0;
  const knownValues = [...counts.keys()].filter((value) => value !== UNKNOWN).sort(compareValues);

  if (total > 0 && unknownShare > maxUnknownShare) {
    pushFinding(findings, config, ATTRIBUTE_UNKNOWN, {
      message:
        `Attribute '${name}' is unknown for ${formatCount(unknown)} of ${formatCount(total)} images (${formatPercent(unknownShare)}), ` +
        `above the ${formatPercent(maxUnknownShare)} allowed${guessed ? " (the attribute was guessed from its column name)" : ''}.`,
      location,
      evidence: { attribute: name, origin: attribute.origin, guessed, unknown, total, unknownShare, threshold: maxUnknownShare },
      suggestion:
        `Fill in '${name}' for the images that lack it; group metrics on '${name}' only cover the ${formatCount(known)} images with a known value` +
        (guessed ? `, and if '${name}' is not a sensitive attribute, list the real ones under "attributes" in fairframe.json.` : '.'),
    });
  }

  const summary: Record<string, unknown> = { attribute: name, origin: attribute.origin, total, known, unknown, unknownShare };
  if (known === 0) return { ...summary, skipped: 'No image has a known value.' };

  const expected = expectedShares(knownValues, config.reference[name]);
  const values = [...new Set([...knownValues, ...expected.shares.keys()])].sort(compareValues);
  const groups: GroupShare[] = values.map((value) => {
    const count = counts.get(value) ?? 0;
    const share = count / known;
    const expectedShare = expected.shares.get(value);
    return { value, count, share, expectedShare, ratio: expectedShare !== undefined && expectedShare > 0 ? share / expectedShare : undefined };
  });

  // Goodness of fit over the values with a positive expected share (scipy.stats.chisquare); values outside the reference are left out.
  const tested = groups.filter((group) => group.expectedShare !== undefined && group.expectedShare > 0);
  const fit = chiSquareGoodnessOfFit(tested.map((group) => group.count), tested.map((group) => group.expectedShare ?? 0));
  const goodnessOfFit = fit && { chi2: fit.chi2, dof: fit.dof, pValue: fit.pValue, log10PValue: fit.log10PValue, n: fit.n, values: tested.map((group) => group.value) };
  const valuesNotInReference = expected.notInReference.map((value) => ({ value, count: counts.get(value) ?? 0, share: (counts.get(value) ?? 0) / known }));

  const comparable = expected.source === 'reference' || knownValues.length >= 2;
  for (const group of comparable ? groups : []) {
    if (group.expectedShare === undefined || !(group.expectedShare > 0) || group.ratio === undefined) continue;
    if (group.ratio >= representationRatio) continue;
    const expectation = expected.source === 'reference' ? 'the reference distribution' : `an even split over ${knownValues.length} groups`;
    pushFinding(findings, config, GROUP_UNDERREPRESENTED, {
      message:
        `Group '${group.value}' of '${name}' has ${formatCount(group.count)} image${group.count === 1 ? '' : 's'}, ` +
        `${formatPercent(group.share)} of the images with a known ${name}, against ${formatPercent(group.expectedShare)} expected from ${expectation} ` +
        `(ratio ${formatNumber(group.ratio, 2)}, below ${formatNumber(representationRatio, 2)})` +
        (goodnessOfFit ? `; goodness of fit χ² = ${formatNumber(goodnessOfFit.chi2, 1)}, ${formatPValue(goodnessOfFit.log10PValue)}.` : '.'),
      location,
      evidence: {
        attribute: name,
        origin: attribute.origin,
        guessed,
        value: group.value,
        count: group.count,
        share: group.share,
        expectedShare: group.expectedShare,
        ratio: group.ratio,
        threshold: representationRatio,
        expectedFrom: expected.source,
        known,
        unknown,
        goodnessOfFit,
        valuesNotInReference,
        groups,
      },
      suggestion:
        `Collect more images of '${group.value}'${imagesToReach(group.count, known, group.expectedShare)}, ` +
        `or reweigh training examples by '${name}' (Kamiran & Calders reweighing) and report metrics per group` +
        (expected.source === 'uniform' ? `; if an even split is not the right expectation, set reference.${name} in fairframe.json.` : '.'),
    });
  }

  return { ...summary, expectedFrom: expected.source, groups, goodnessOfFit, valuesNotInReference };
}

function run(context: CheckContext): CheckOutput {
  const findings: Finding[] = [];
  const attributes = context.dataset.attributes.map((attribute) => checkAttribute(context, attribute, findings));
  return { findings, summary: { attributes } };
}

/** FF-D003 under-represented groups and FF-D004 attributes with too many unknown values, per sensitive attribute. */
export const groupRepresentationCheck: DatasetCheck = {
  name: 'group-representation',
  description: "Compares each sensitive attribute's group shares with a reference distribution (or an even split) and counts unknown values.",
  rules: [GROUP_UNDERREPRESENTED, ATTRIBUTE_UNKNOWN],
  thresholds: ['representationRatio', 'maxUnknownShare'],
  needsScan: false,
  run,
};
