// Assembles demo-truth.json from the plan and what rendering measured.
import { FairframeError } from '../engine/errors';
import { THRESHOLD_DEFAULTS } from '../engine/config/configTypes';
import { DARK_SITE, DARK_SITE_FACTOR, DEMO_ATTRIBUTES, DEMO_CLASSES, FITZPATRICK_TYPES, INDEPENDENCE_MIN_P, NEAR_DUPLICATE_MAX_DISTANCE } from './demoDesign';
import type { DemoManifest, GapCause } from './demoManifest';
import type { DemoPlan, PlannedImage } from './demoPlan';
import { propertyGaps, type PropertyGap } from './demoStatistics';
import type { RenderedImages } from './renderDemoImages';

/** The ground truth for a plan and its rendering. */
export function buildDemoTruth(
  plan: DemoPlan,
  rendered: RenderedImages,
  generator: DemoManifest['generator'],
  layout: DemoManifest['layout'],
  columns: string[],
): DemoManifest {
  const { images } = plan;
  const file = (index: number): string => images[index].fileName;
  const countBy = (key: (image: PlannedImage) => string, rows: readonly PlannedImage[] = images): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const image of [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))) counts[key(image)] = (counts[key(image)] ?? 0) + 1;
    return counts;
  };
  const nested = (outer: (image: PlannedImage) => string, inner: (image: PlannedImage) => string, rows: readonly PlannedImage[] = images): Record<string, Record<string, number>> => {
    const byOuter = countBy(outer, rows);
    return Object.fromEntries(Object.keys(byOuter).map((value) => [value, countBy(inner, rows.filter((image) => outer(image) === value))]));
  };

  // Class balance over the four intended classes (typo rows counted with their class; flips as labelled).
  const intended = countBy((image) => (image.labelDefect === 'typo' ? image.trueClass : image.label));
  const classCounts = DEMO_CLASSES.map((label) => ({ label, count: intended[label] ?? 0 })).sort((a, b) => b.count - a.count);
  const largest = classCounts[0];
  const smallest = classCounts[classCounts.length - 1];

  const fitzpatrick = countBy((image) => image.fitzpatrick);
  const expectedShare = 1 / FITZPATRICK_TYPES.length;
  const ratioToReference = Object.fromEntries(FITZPATRICK_TYPES.map((type) => [type, (fitzpatrick[type] ?? 0) / images.length / expectedShare]));

  const melanoma = images.filter((image) => image.label === 'melanoma');
  const onIOrII = (rows: readonly PlannedImage[]): number => rows.filter((image) => image.fitzpatrick === 'I' || image.fitzpatrick === 'II').length / rows.length;

  // Property gaps over the decodable images that were written.
  const measuredRows = [...rendered.measured.entries()].map(([index, measured]) => ({ row: images[index], properties: measured.properties }));
  const gaps = propertyGaps(measuredRows, ['label', ...DEMO_ATTRIBUTES]);
  const darkSiteBrightness = gaps.find((gap) => gap.attribute === 'site' && gap.value === DARK_SITE && gap.property === 'brightness');
  const independentGaps = gaps.filter((gap) => gap.attribute === 'sex' || gap.attribute === 'age_group');
  const largestIndependentGap = independentGaps.reduce<PropertyGap | null>((best, gap) => (!best || Math.abs(gap.smd) > Math.abs(best.smd) ? gap : best), null);

  const pairs = images.flatMap((image) => {
    if (image.role.kind !== 'near-duplicate') return [];
    const source = images[image.role.source];
    const measured = rendered.nearDuplicates.get(image.index);
    if (!measured) return [];
    return [{
      kind: image.role.pair,
      source: source.fileName,
      copy: image.fileName,
      sourceSplit: source.split,
      copySplit: image.split,
      sourceLabel: source.label,
      copyLabel: image.label,
      trueLabel: source.trueClass,
      ...measured,
    }];
  });
  const exactDuplicates = images.flatMap((image) => {
    if (image.role.kind !== 'exact-copy') return [];
    const measured = rendered.measured.get(image.index);
    if (!measured) return [];
    return [{ source: file(image.role.source), copy: image.fileName, split: image.split, label: image.label, sha256: measured.sha256 }];
  });

  const written = (image: PlannedImage): boolean => image.index < generator.imagesWritten;
  const sideEffects = [
    `Compared as written, the typo labels 'Melanoma' (${countBy((i) => i.label).Melanoma ?? 0} rows) and 'nevus ' (${countBy((i) => i.label)['nevus '] ?? 0} rows) are classes of their own: below minClassCount (${THRESHOLD_DEFAULTS.minClassCount}) and with a largest/smallest class ratio far above imbalanceRatio (${THRESHOLD_DEFAULTS.imbalanceRatio}); cross-tabs that include them have cells below minGroupSize (${THRESHOLD_DEFAULTS.minGroupSize}).`,
    `The ${DARK_SITE} images are darker by a factor ${DARK_SITE_FACTOR}, which also lowers their RMS contrast (and moves the other sites' group-versus-rest brightness the other way); their sensor noise is stronger (a higher camera gain), which keeps sharpness and file size close to the other sites.`,
    'Brightness, contrast, saturation, sharpness and file size differ across Fitzpatrick types (skin colour) and across classes (lesion colour and size): inherent, not planted.',
    `The ${pairs.filter((p) => p.kind === 'conflicting').length} conflicting near-duplicate copies show their source's lesion under another label: their label column is wrong too (see nearDuplicates.pairs[].trueLabel).`,
  ];

  const tests = plan.tests;
  if (!tests.some((test) => test.planted)) throw new FairframeError('internal', 'The planted label × fitzpatrick test is missing.');
  const truth: DemoManifest = {
    schemaVersion: 1,
    generator,
    layout,
    columns,
    counts: {
      rows: images.length,
      split: countBy((image) => image.split),
      label: countBy((image) => image.label),
      trueLabel: countBy((image) => image.trueClass),
      fitzpatrick,
      sex: countBy((image) => image.sex),
      age_group: countBy((image) => image.age_group),
      site: countBy((image) => image.site),
      labelByFitzpatrick: nested((image) => image.label, (image) => image.fitzpatrick),
      trueLabelByFitzpatrickAndSplit: Object.fromEntries(
        Object.entries(countBy((image) => image.split)).map(([split]) => [split, nested((image) => image.trueClass, (image) => image.fitzpatrick, images.filter((image) => image.split === split))]),
      ),
    },
    classBalance: {
      largest,
      smallest,
      ratio: largest.count / smallest.count,
      note: `A moderate imbalance (ratio below imbalanceRatio ${THRESHOLD_DEFAULTS.imbalanceRatio}) over the four classes; every class has at least minClassCount (${THRESHOLD_DEFAULTS.minClassCount}) rows.`,
    },
    defects: {
      underRepresentation: {
        attribute: 'fitzpatrick',
        reference: Object.fromEntries(FITZPATRICK_TYPES.map((type) => [type, expectedShare])),
        counts: fitzpatrick,
        ratioToReference,
        underRepresented: FITZPATRICK_TYPES.filter((type) => ratioToReference[type] < THRESHOLD_DEFAULTS.representationRatio),
      },
      labelAssociation: {
        attribute: 'fitzpatrick',
        melanomaShareOnIOrII: onIOrII(melanoma),
        overallShareOnIOrII: onIOrII(images),
        planted: tests.filter((test) => test.planted),
        independent: tests.filter((test) => !test.planted),
        redrawWhenPBelow: INDEPENDENCE_MIN_P,
        attributeRedraws: plan.attributeRedraws,
      },
      brightnessGap: {
        attribute: 'site',
        value: DARK_SITE,
        exposureFactor: DARK_SITE_FACTOR,
        images: images.filter((image) => image.site === DARK_SITE).length,
        groupMeanBrightness: darkSiteBrightness?.groupMean ?? Number.NaN,
        restMeanBrightness: darkSiteBrightness?.restMean ?? Number.NaN,
        smd: darkSiteBrightness?.smd ?? Number.NaN,
      },
      propertyGaps: gaps.filter((gap) => Math.abs(gap.smd) >= THRESHOLD_DEFAULTS.minEffectSize).map((gap) => ({ ...gap, cause: gapCause(gap) })),
      largestIndependentGap,
      nearDuplicates: { maxDistance: NEAR_DUPLICATE_MAX_DISTANCE, pairs },
      exactDuplicates,
      corruptFiles: images.flatMap((image) => {
        const corrupt = rendered.corrupt.get(image.index);
        return corrupt && (image.treatment === 'truncated' || image.treatment === 'zero-byte') ? [{ file: image.fileName, kind: image.treatment, ...corrupt }] : [];
      }),
      gps: images.flatMap((image) => {
        const gps = rendered.embedded.get(image.index)?.gps;
        return gps && written(image) ? [{ file: image.fileName, ...gps }] : [];
      }),
      serialNumbers: images.flatMap((image) => {
        const serial = rendered.embedded.get(image.index)?.bodySerialNumber;
        return serial && written(image) ? [{ file: image.fileName, bodySerialNumber: serial }] : [];
      }),
      aiGenerated: images.flatMap((image) => {
        const type = rendered.embedded.get(image.index)?.digitalSourceType;
        return type && written(image) ? [{ file: image.fileName, digitalSourceType: type }] : [];
      }),
      labelTypos: images.filter((image) => image.labelDefect === 'typo').map((image) => ({ file: image.fileName, label: image.label, trueLabel: image.trueClass })),
      labelFlips: images.filter((image) => image.labelDefect === 'flip').map((image) => ({ file: image.fileName, label: image.label, trueLabel: image.trueClass })),
    },
    clean: {
      missingFiles: images.length - generator.imagesWritten,
      unlistedImages: 0,
      unknownValues: 0,
      minUnrelatedDistance: rendered.minUnrelatedDistance,
      redrawnForDistance: rendered.redraws,
    },
    sideEffects,
  };
  return truth;
}

function gapCause(gap: PropertyGap): GapCause {
  if (gap.attribute === 'site') return gap.value === DARK_SITE && gap.property === 'brightness' ? 'planted' : 'follows-from-planted';
  if (gap.attribute === 'fitzpatrick' || gap.attribute === 'label') return 'inherent';
  return 'unexpected';
}
