// The plan of the demo dataset: every row, its groups and labels, and which rows carry which planted defect.
// Pure: no file is read or written here.
import { FairframeError } from '../engine/errors';
import {
  DEMO_CLASSES,
  DEMO_COUNTS,
  FITZPATRICK_TYPES,
  INDEPENDENCE_MIN_P,
  INDEPENDENT_ATTRIBUTES,
  PLANTED,
  TEST_COUNT,
  type DemoClass,
  type FitzpatrickType,
} from './demoDesign';
import { associationTests, type AssociationTest } from './demoStatistics';
import { createRandom, deriveSeed, type Random } from './random';

export type Split = 'train' | 'test';
export type NearDuplicateKind = 'leakage' | 'conflicting' | 'plain';

/** How an image's pixels come about. */
export type ImageRole =
  | { kind: 'original' }
  | { kind: 'near-duplicate'; source: number; pair: NearDuplicateKind }
  | { kind: 'exact-copy'; source: number };

/** What is embedded in or done to the file after encoding. */
export type FileTreatment = 'none' | 'truncated' | 'zero-byte' | 'gps' | 'serial-number' | 'ai-generated';

/** One row of metadata.csv and the image behind it. */
export interface PlannedImage {
  index: number;
  /** Path relative to the dataset root, e.g. 'train/img_00001.jpg'. */
  fileName: string;
  /** Mask file name inside the masks folder, e.g. 'img_00001.png'. */
  maskName: string;
  split: Split;
  /** The class the image shows. */
  trueClass: DemoClass;
  /** The label column as written (differs from trueClass for typos, flips and conflicting copies). */
  label: string;
  fitzpatrick: FitzpatrickType;
  sex: string;
  age_group: string;
  site: string;
  role: ImageRole;
  treatment: FileTreatment;
  labelDefect?: 'typo' | 'flip' | 'conflicting-copy';
}

/** The full plan plus what the re-drawing of the independent attributes found. */
export interface DemoPlan {
  images: PlannedImage[];
  /** Times the independent attributes were re-drawn because a test came out significant. */
  attributeRedraws: number;
  /** Label × attribute and attribute × attribute tests on the final table (CSV labels as written). */
  tests: AssociationTest[];
}

/** Builds the plan for a seed. */
export function planDemo(seed: number): DemoPlan {
  const random = createRandom(deriveSeed(seed, 'plan'));
  const slots: Array<{ trueClass: DemoClass; fitzpatrick: FitzpatrickType }> = [];
  for (const trueClass of DEMO_CLASSES) {
    for (const fitzpatrick of FITZPATRICK_TYPES) {
      for (let k = 0; k < DEMO_COUNTS[trueClass][fitzpatrick]; k++) slots.push({ trueClass, fitzpatrick });
    }
  }
  random.shuffle(slots);
  const splits = assignSplits(slots, random);
  const images: PlannedImage[] = slots.map((slot, index) => {
    const number = String(index + 1).padStart(5, '0');
    return {
      index,
      fileName: `${splits[index]}/img_${number}.jpg`,
      maskName: `img_${number}.png`,
      split: splits[index],
      trueClass: slot.trueClass,
      label: slot.trueClass,
      fitzpatrick: slot.fitzpatrick,
      sex: '',
      age_group: '',
      site: '',
      role: { kind: 'original' },
      treatment: 'none',
    };
  });

  const used = new Set<number>();
  const pairs: Array<[NearDuplicateKind, number]> = [
    ['leakage', PLANTED.leakagePairs],
    ['conflicting', PLANTED.conflictingPairs],
    ['plain', PLANTED.plainPairs],
  ];
  for (const [kind, count] of pairs) {
    for (let k = 0; k < count; k++) {
      const [source, copy] = pickPair(images, used, random, (a, b) =>
        a.fitzpatrick === b.fitzpatrick &&
        (kind === 'leakage' ? a.split !== b.split : a.split === b.split) &&
        (kind === 'conflicting' ? a.trueClass !== b.trueClass : a.trueClass === b.trueClass));
      // The copy shows the source's lesion; for a conflicting pair its label column keeps its own (different) class.
      images[copy].role = { kind: 'near-duplicate', source, pair: kind };
      if (kind === 'conflicting') images[copy].labelDefect = 'conflicting-copy';
      images[copy].trueClass = images[source].trueClass;
    }
  }
  for (let k = 0; k < PLANTED.exactCopies; k++) {
    const [source, copy] = pickPair(images, used, random, (a, b) => a.fitzpatrick === b.fitzpatrick && a.split === b.split && a.trueClass === b.trueClass);
    images[copy].role = { kind: 'exact-copy', source };
  }

  const treatments: Array<[FileTreatment, number]> = [
    ['truncated', PLANTED.truncated],
    ['zero-byte', PLANTED.zeroByte],
    ['gps', PLANTED.gps],
    ['serial-number', PLANTED.serialNumbers],
    ['ai-generated', PLANTED.aiGenerated],
  ];
  for (const [treatment, count] of treatments) {
    for (let k = 0; k < count; k++) images[pickOne(images, used, random, () => true)].treatment = treatment;
  }
  const typos: Array<[DemoClass, string, number]> = [
    ['melanoma', 'Melanoma', PLANTED.capitalisedMelanoma],
    ['nevus', 'nevus ', PLANTED.trailingSpaceNevus],
  ];
  for (const [trueClass, label, count] of typos) {
    for (let k = 0; k < count; k++) {
      const index = pickOne(images, used, random, (image) => image.trueClass === trueClass);
      images[index].label = label;
      images[index].labelDefect = 'typo';
    }
  }
  for (let k = 0; k < PLANTED.testLabelFlips; k++) {
    const index = pickOne(images, used, random, (image) => image.split === 'test');
    const image = images[index];
    image.label = random.pick(DEMO_CLASSES.filter((c) => c !== image.trueClass));
    image.labelDefect = 'flip';
  }

  // Independent attributes: drawn per row, copied from the source onto its copies, re-drawn while any test is significant.
  for (let attempt = 0; ; attempt++) {
    drawIndependentAttributes(images, createRandom(deriveSeed(seed, 'attributes', attempt)));
    const tests = associationTests(images);
    const spurious = tests.filter((test) => !test.planted && !(test.pValue >= INDEPENDENCE_MIN_P));
    if (spurious.length === 0) return { images, attributeRedraws: attempt, tests };
    if (attempt >= 200) throw new FairframeError('internal', `The independent attributes stay associated after ${attempt} draws (seed ${seed}).`);
  }
}

/** Exactly TEST_COUNT rows go to test, spread over class × type cells in proportion (largest remainder). */
function assignSplits(slots: ReadonlyArray<{ trueClass: DemoClass; fitzpatrick: FitzpatrickType }>, random: Random): Split[] {
  const total = slots.length;
  const cells = new Map<string, number[]>();
  slots.forEach((slot, index) => {
    const key = `${slot.trueClass}|${slot.fitzpatrick}`;
    cells.set(key, [...(cells.get(key) ?? []), index]);
  });
  const quotas = [...cells.entries()].map(([key, members]) => {
    const exact = (members.length * TEST_COUNT) / total;
    return { key, members, quota: Math.floor(exact), remainder: exact - Math.floor(exact) };
  });
  let left = TEST_COUNT - quotas.reduce((sum, q) => sum + q.quota, 0);
  for (const q of [...quotas].sort((a, b) => b.remainder - a.remainder || (a.key < b.key ? -1 : 1))) {
    if (left <= 0) break;
    q.quota++;
    left--;
  }
  const splits: Split[] = new Array<Split>(total).fill('train');
  for (const q of quotas) for (const index of random.shuffle(q.members).slice(0, q.quota)) splits[index] = 'test';
  return splits;
}

function drawIndependentAttributes(images: PlannedImage[], random: Random): void {
  const draw = (shares: Record<string, number>): string => {
    const values = Object.keys(shares);
    return values[random.weighted(values.map((v) => shares[v]))];
  };
  for (const image of images) {
    image.sex = draw(INDEPENDENT_ATTRIBUTES.sex);
    image.age_group = draw(INDEPENDENT_ATTRIBUTES.age_group);
    image.site = draw(INDEPENDENT_ATTRIBUTES.site);
  }
  for (const image of images) {
    if (image.role.kind === 'original') continue;
    const source = images[image.role.source];
    image.sex = source.sex;
    image.age_group = source.age_group;
    image.site = source.site;
  }
}

/** A random unused row matching `accept`, marked as used. */
function pickOne(images: readonly PlannedImage[], used: Set<number>, random: Random, accept: (image: PlannedImage) => boolean): number {
  const candidates = images.filter((image) => !used.has(image.index) && accept(image));
  if (candidates.length === 0) throw new FairframeError('internal', 'The demo plan ran out of rows for a planted defect.');
  const index = random.pick(candidates).index;
  used.add(index);
  return index;
}

/** Two unused rows (lower index first) matching `accept`, marked as used. */
function pickPair(images: readonly PlannedImage[], used: Set<number>, random: Random, accept: (a: PlannedImage, b: PlannedImage) => boolean): [number, number] {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const first = random.int(0, images.length - 1);
    if (used.has(first)) continue;
    const partners = images.filter((b) => b.index !== first && !used.has(b.index) && accept(images[first], b));
    if (partners.length === 0) continue;
    const second = random.pick(partners).index;
    used.add(first);
    used.add(second);
    return first < second ? [first, second] : [second, first];
  }
  throw new FairframeError('internal', 'The demo plan found no pair of rows for a planted near duplicate.');
}
