import * as assert from 'node:assert/strict';
import { DEMO_CLASSES, DEMO_COUNTS, FITZPATRICK_TYPES, PLANTED } from '../../../src/demo/demoDesign';
import { planDemo, type PlannedImage } from '../../../src/demo/demoPlan';
import { crossTable } from '../../../src/demo/demoStatistics';
import { DEFAULT_DEMO_SEED } from '../../../src/demo/generateDemo';

const close = (actual: number, expected: number, relative = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${actual} ≠ ${expected}`);

describe('demo/demoPlan', () => {
  const plan = planDemo(DEFAULT_DEMO_SEED);
  const { images } = plan;
  const count = (accept: (image: PlannedImage) => boolean): number => images.filter(accept).length;

  it('is deterministic for a seed and differs for another', () => {
    assert.deepEqual(planDemo(DEFAULT_DEMO_SEED), plan);
    assert.notDeepEqual(planDemo(DEFAULT_DEMO_SEED + 1).images.map((i) => i.label), images.map((i) => i.label));
  });

  it('has 3,200 rows with V and VI under half the uniform share', () => {
    assert.equal(images.length, 3200);
    const byType = Object.fromEntries(FITZPATRICK_TYPES.map((type) => [type, count((i) => i.fitzpatrick === type)]));
    assert.deepEqual(byType, { I: 576, II: 848, III: 848, IV: 576, V: 224, VI: 128 });
    // Share / (1/6): V = 224/3200·6 = 0.42, VI = 0.24 (below 0.5); IV = 1.08.
    const ratio = (type: string): number => (count((i) => i.fitzpatrick === type) / images.length) * FITZPATRICK_TYPES.length;
    assert.deepEqual(FITZPATRICK_TYPES.filter((type) => ratio(type) < 0.5), ['V', 'VI']);
    assert.ok(Math.abs(ratio('V') - 0.42) < 1e-12 && Math.abs(ratio('IV') - 1.08) < 1e-12);
  });

  it('keeps the designed class × type table (before typos, flips and conflicting copies)', () => {
    const designedClass = (i: PlannedImage): string => (i.labelDefect === 'flip' ? i.trueClass : i.label.trim().toLowerCase());
    for (const label of DEMO_CLASSES) {
      for (const type of FITZPATRICK_TYPES) {
        assert.equal(count((i) => designedClass(i) === label && i.fitzpatrick === type), DEMO_COUNTS[label][type], `${label} × ${type}`);
      }
    }
  });

  it('puts exactly 640 rows in test, about 20% of every class × type cell', () => {
    assert.equal(count((i) => i.split === 'test'), 640);
    for (const label of DEMO_CLASSES) {
      for (const type of FITZPATRICK_TYPES) {
        const designed = DEMO_COUNTS[label][type];
        const test = count((i) => (i.labelDefect === 'flip' ? i.trueClass : i.label.trim().toLowerCase()) === label && i.fitzpatrick === type && i.split === 'test');
        assert.ok(Math.abs(test - designed * 0.2) <= 1, `${label} × ${type}: ${test} of ${designed}`);
      }
    }
    // Splits are interleaved, not blocked: both occur among the first 20 rows.
    assert.ok(new Set(images.slice(0, 20).map((i) => i.split)).size === 2);
  });

  it('plants disjoint, well-formed near-duplicate pairs and exact copies', () => {
    const copies = images.filter((i) => i.role.kind !== 'original');
    assert.equal(copies.length, PLANTED.leakagePairs + PLANTED.conflictingPairs + PLANTED.plainPairs + PLANTED.exactCopies);
    const involved = new Set<number>();
    for (const copy of copies) {
      if (copy.role.kind === 'original') continue;
      const source = images[copy.role.source];
      assert.ok(source.index < copy.index, 'a source comes before its copy');
      assert.equal(source.role.kind, 'original');
      assert.ok(!involved.has(source.index) && !involved.has(copy.index), 'no chains');
      involved.add(source.index).add(copy.index);
      assert.deepEqual([copy.fitzpatrick, copy.sex, copy.age_group, copy.site], [source.fitzpatrick, source.sex, source.age_group, source.site]);
      assert.equal(copy.trueClass, source.trueClass);
      const kind = copy.role.kind === 'exact-copy' ? 'exact' : copy.role.pair;
      assert.equal(copy.split !== source.split, kind === 'leakage', `${kind} split`);
      assert.equal(copy.label !== source.label, kind === 'conflicting', `${kind} label`);
    }
    const kinds = copies.map((c) => (c.role.kind === 'near-duplicate' ? c.role.pair : c.role.kind));
    assert.deepEqual(
      Object.fromEntries(['leakage', 'conflicting', 'plain', 'exact-copy'].map((k) => [k, kinds.filter((x) => x === k).length])),
      { leakage: 4, conflicting: 3, plain: 5, 'exact-copy': 3 },
    );
    // No other planted defect touches a pair.
    for (const index of involved) {
      assert.equal(images[index].treatment, 'none');
      assert.ok(images[index].labelDefect === undefined || images[index].labelDefect === 'conflicting-copy');
    }
  });

  it('plants corrupt files, metadata, typos and test-split flips on separate rows', () => {
    const treated = (t: PlannedImage['treatment']): number => count((i) => i.treatment === t);
    assert.deepEqual([treated('truncated'), treated('zero-byte'), treated('gps'), treated('serial-number'), treated('ai-generated')], [4, 1, 6, 2, 2]);
    assert.equal(count((i) => i.label === 'Melanoma'), 3);
    assert.equal(count((i) => i.label === 'nevus '), 2);
    const flips = images.filter((i) => i.labelDefect === 'flip');
    assert.equal(flips.length, 40);
    for (const flip of flips) {
      assert.equal(flip.split, 'test');
      assert.notEqual(flip.label, flip.trueClass);
      assert.ok((DEMO_CLASSES as readonly string[]).includes(flip.label));
      assert.equal(flip.role.kind, 'original');
      assert.equal(flip.treatment, 'none');
    }
    for (const image of images) {
      const defects = [image.treatment !== 'none', image.labelDefect === 'typo' || image.labelDefect === 'flip'].filter(Boolean).length;
      assert.ok(defects <= 1, `${image.fileName} carries two defects`);
    }
    // Every label not planted wrong equals the class the image shows.
    for (const image of images) if (image.labelDefect === undefined) assert.equal(image.label, image.trueClass);
  });

  it('makes only label × fitzpatrick significant, matching scipy.stats.chi2_contingency', () => {
    const planted = plan.tests.filter((t) => t.planted);
    assert.deepEqual(planted.map((t) => t.rows), ['label', 'label (normalised)']);
    // scipy.stats.chi2_contingency(table, correction=False) on the label column as written (6 labels × 6 types):
    close(planted[0].chi2, 361.29787644826195);
    close(planted[0].pValue, 2.4600291208167498e-61, 1e-6);
    close(planted[0].cramersV, 0.15027014766085903);
    // … and on trimmed, lower-cased labels (4 × 6):
    close(planted[1].chi2, 351.7302873999757);
    close(planted[1].pValue, 9.131302952657888e-66, 1e-6);
    close(planted[1].cramersV, 0.19141204665371542);
    const labelSex = plan.tests.find((t) => t.rows === 'label' && t.columns === 'sex');
    close(labelSex?.chi2 ?? NaN, 4.044229470689891);
    close(labelSex?.pValue ?? NaN, 0.5430657366744788, 1e-6);
    const labelSite = plan.tests.find((t) => t.rows === 'label' && t.columns === 'site');
    close(labelSite?.chi2 ?? NaN, 16.16308989879979);
    close(labelSite?.pValue ?? NaN, 0.3712962015855097, 1e-6);
    const others = plan.tests.filter((t) => !t.planted);
    assert.equal(others.length, 12);
    for (const test of others) assert.ok(test.pValue >= 0.05, `${test.rows} × ${test.columns}: p = ${test.pValue}`);
    assert.equal(plan.attributeRedraws, 0);
  });

  it('concentrates melanoma on types I–II', () => {
    const table = crossTable(images, (i) => (i.label === 'melanoma' ? 'melanoma' : 'other'), (i) => (i.fitzpatrick === 'I' || i.fitzpatrick === 'II' ? 'I-II' : 'III-VI'));
    // Rows: melanoma, other; columns: I-II, III-VI.
    const melanomaShare = table[0][0] / (table[0][0] + table[0][1]);
    const overall = (table[0][0] + table[1][0]) / images.length;
    assert.equal(overall, 1424 / 3200);
    assert.ok(melanomaShare > 0.75, String(melanomaShare));
  });
});
