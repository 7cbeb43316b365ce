import * as assert from 'node:assert/strict';
import { describeValues, histogramCounts, histogramEdges, imagePropertiesCheck, smdAgainstRest, type PropertyHistogram } from '../../../src/engine/checks/imagePropertiesCheck';
import { standardisedMeanDifference } from '../../../src/engine/stats/effectSize';
import type { CheckOutput } from '../../../src/engine/checks/check';
import { UNKNOWN, type ImageFacts } from '../../../src/engine/types';
import { config, context, dataset, ok, record, scansOf } from './scanFixtures';

interface Row {
  label: string;
  site?: string;
  facts?: Partial<ImageFacts>;
}

async function run(rows: Row[], cfg = config({ minGroupSize: 3, minEffectSize: 0.5 })): Promise<CheckOutput> {
  const withSite = rows.some((row) => row.site !== undefined);
  const recs = rows.map((row, i) => record(i, row.label, { attributes: withSite ? { site: row.site ?? UNKNOWN } : {} }));
  const ds = dataset(recs, { attributes: withSite ? ['site'] : [] });
  return imagePropertiesCheck.run(context(ds, scansOf(rows.map((row) => ok(row.facts))), cfg));
}

const rowsOf = (label: string, field: keyof ImageFacts, values: unknown[]): Row[] =>
  values.map((value) => ({ label, facts: { [field]: value } as Partial<ImageFacts> }));

describe('checks/imagePropertiesCheck', () => {
  it('bins values on equal-width edges, the last bin closed, NaN left out', () => {
    assert.deepEqual(histogramEdges([0, 10, Number.NaN, 5], 4), [0, 2.5, 5, 7.5, 10]);
    // 0 → bin 0; 2.5 → bin 1 ([2.5, 5)); 5 → bin 2; 9.9 and 10 → bin 3 (closed).
    assert.deepEqual(histogramCounts([0, 2.5, 5, 9.9, 10, Number.NaN, 11], [0, 2.5, 5, 7.5, 10]), [1, 1, 1, 2]);
    assert.deepEqual(histogramEdges([3, 3], 2), [2.5, 3, 3.5], 'a constant gets one unit-wide range');
    assert.deepEqual(histogramEdges([Number.NaN]), []);
    assert.deepEqual(histogramCounts([1], []), []);
  });

  it('summarises each property as histograms by class and by group on shared edges (sharpness on log(1 + x))', async () => {
    const rows: Row[] = [
      ...[0, 10, 20].map((brightness) => ({ label: 'a', site: 'face', facts: { brightness, sharpness: Math.E - 1 } })),
      ...[30, 40].map((brightness) => ({ label: 'b', site: 'trunk', facts: { brightness, sharpness: 0 } })),
    ];
    const out = await run(rows);
    const histograms = out.summary.histograms as Record<string, PropertyHistogram>;
    const brightness = histograms.brightness;
    assert.equal(brightness.scale, 'linear');
    assert.equal(brightness.edges.length, 21);
    assert.equal(brightness.edges[0], 0);
    assert.equal(brightness.edges[20], 40);
    // Bin width 2: 0 → 0, 10 → 5, 20 → 10, 30 → 15, 40 → 19 (closed last bin).
    const nonZero = (counts: number[]): Record<number, number> => Object.fromEntries(counts.flatMap((c, i) => (c ? [[i, c]] : [])));
    assert.deepEqual(nonZero(brightness.counts.label.a), { 0: 1, 5: 1, 10: 1 });
    assert.deepEqual(nonZero(brightness.counts.label.b), { 15: 1, 19: 1 });
    assert.deepEqual(nonZero(brightness.counts.site.face), { 0: 1, 5: 1, 10: 1 });
    const sharpness = histograms.sharpness;
    assert.equal(sharpness.scale, 'log1p');
    assert.equal(sharpness.edges[0], 0);
    assert.ok(Math.abs(sharpness.edges[20] - 1) < 1e-12, 'log(1 + (e − 1)) = 1');
    assert.deepEqual(nonZero(sharpness.counts.label.a), { 19: 3 });
    assert.deepEqual(nonZero(sharpness.counts.label.b), { 0: 2 });
  });

  it('reports a class gap with the hand-computed effect size ([1,2,3] vs [4,5,6]: d = −3)', async () => {
    const out = await run([...rowsOf('a', 'brightness', [1, 2, 3]), ...rowsOf('b', 'brightness', [4, 5, 6])]);
    assert.equal(out.findings.length, 1);
    const [finding] = out.findings;
    assert.equal(finding.rule, 'FF-D008');
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.message, "Images of class 'a' are darker: mean brightness 2.0 vs 5.0 for the other classes (standardised mean difference −3.00). A model can use brightness as a shortcut for the class.");
    assert.equal(finding.evidence.standardisedMeanDifference, -3);
    assert.deepEqual(finding.evidence.allGroups, {
      a: { n: 3, mean: 2, standardisedMeanDifference: -3 },
      b: { n: 3, mean: 5, standardisedMeanDifference: 3 },
    });
    assert.deepEqual(finding.location, { file: '/data/set/metadata.csv' });
    const byClass = out.summary.byClass as Record<string, Record<string, unknown>>;
    assert.deepEqual(byClass.a.brightness, { n: 3, mean: 2, sd: 1, median: 2, min: 1, max: 3 });
    assert.deepEqual(byClass.b.format, { JPEG: 1 });
  });

  it("compares a class that is literally called 'unknown'", async () => {
    const out = await run([...rowsOf(UNKNOWN, 'brightness', [1, 2, 3]), ...rowsOf('b', 'brightness', [4, 5, 6])]);
    assert.deepEqual(out.findings.map((f) => f.evidence.group), [UNKNOWN]);
  });

  it('names the most extreme group of an attribute, leaving unknown values out', async () => {
    const rows: Row[] = [
      ...[80, 82, 84].map((brightness) => ({ label: 'x', site: 'acral', facts: { brightness } })),
      ...[130, 132, 134].map((brightness) => ({ label: 'x', site: 'face', facts: { brightness } })),
      ...[128, 131, 134].map((brightness) => ({ label: 'x', site: 'trunk', facts: { brightness } })),
      { label: 'x', facts: { brightness: 0 } },
    ];
    const out = await run(rows);
    assert.deepEqual(out.findings.map((f) => f.rule), ['FF-D007']);
    const [finding] = out.findings;
    // Reference (pooled-SD Cohen's d, computed by hand in Python): acral −21.980625271450847, face 1.1189408415077686, trunk 1.0322495396224405.
    assert.equal(finding.message, "Images with site 'acral' are darker: mean brightness 82.0 vs 131.5 for the other site groups (standardised mean difference −21.98).");
    const groups = finding.evidence.allGroups as Record<string, { standardisedMeanDifference: number }>;
    assert.ok(Math.abs(groups.acral.standardisedMeanDifference - -21.980625271450847) < 1e-9);
    assert.ok(Math.abs(groups.face.standardisedMeanDifference - 1.1189408415077686) < 1e-9);
    assert.ok(Math.abs(groups.trunk.standardisedMeanDifference - 1.0322495396224405) < 1e-9);
    assert.equal(finding.evidence.group, 'acral');
    assert.equal(finding.evidence.partition, 'site');
    const bySite = (out.summary.byAttribute as Record<string, Record<string, unknown>>).site;
    assert.deepEqual(Object.keys(bySite), ['acral', 'face', 'trunk']);
  });

  it('says "all images differ" for constant but different sides, and stays silent for constant equal ones', async () => {
    const out = await run([...rowsOf('a', 'brightness', [10, 10, 10]), ...rowsOf('b', 'brightness', [20, 20, 20])]);
    assert.equal(out.findings.length, 1);
    assert.equal(out.findings[0].message, "Images of class 'a' are darker: mean brightness 10.0 vs 20.0 for the other classes (all images differ: the brightness is constant on each side). A model can use brightness as a shortcut for the class.");
    assert.equal(out.findings[0].evidence.standardisedMeanDifference, '-Infinity');
    const constant = await run([...rowsOf('a', 'brightness', [10, 10, 10]), ...rowsOf('b', 'brightness', [10, 10, 10])]);
    assert.deepEqual(constant.findings, []);
  });

  it('compares sharpness on log(1 + sharpness)', async () => {
    const sharp = (x: number): number => Math.expm1(x);
    const out = await run([...rowsOf('blurry', 'sharpness', [1, 2, 3].map(sharp)), ...rowsOf('crisp', 'sharpness', [4, 5, 6].map(sharp))]);
    assert.equal(out.findings.length, 1);
    assert.equal(out.findings[0].evidence.effectSizeOn, 'log1p(sharpness)');
    assert.ok(Math.abs((out.findings[0].evidence.standardisedMeanDifference as number) - -3) < 1e-9);
    // Raw means: (e + e² + e³ − 3) / 3 = 9.0645 and (e⁴ + e⁵ + e⁶ − 3) / 3 = 201.1309.
    assert.match(out.findings[0].message, /^Images of class 'blurry' are blurrier: mean sharpness 9\.1 vs 201\.1 for the other classes \(standardised mean difference of log\(1 \+ sharpness\) −3\.00\)/);
  });

  it('needs minGroupSize images on both sides and minEffectSize', async () => {
    const rows = [...rowsOf('a', 'brightness', [1, 2]), ...rowsOf('b', 'brightness', [4, 5, 6, 7])];
    assert.deepEqual((await run(rows)).findings, []);
    const weak = [...rowsOf('a', 'brightness', [1, 2, 3]), ...rowsOf('b', 'brightness', [1.5, 2.5, 3.5])];
    // d = −0.5 / 1 = −0.5: reported at 0.5, not at 0.6.
    assert.equal((await run(weak)).findings.length, 1);
    assert.equal((await run(weak, config({ minGroupSize: 3, minEffectSize: 0.6 }))).findings.length, 0);
  });

  it('reports a format mix that separates classes, once per property and partition', async () => {
    const rows = [
      ...rowsOf('a', 'format', ['png', 'png', 'png', 'png']),
      ...rowsOf('b', 'format', ['jpeg', 'jpeg', 'jpeg', 'png']),
      ...rowsOf('c', 'format', ['jpeg', 'jpeg', 'jpeg', 'jpeg']),
    ];
    const out = await run(rows);
    assert.deepEqual(out.findings.map((f) => f.rule), ['FF-D009']);
    // a: PNG 4/4 vs 1/8 of the rest → difference 0.875, the largest.
    assert.equal(out.findings[0].message, "100% of the 4 images of class 'a' are PNG, against 13% of the 8 images of the other classes. A model can use the file format as a shortcut for the class.");
    assert.equal(out.findings[0].evidence.shareRest, 0.125);
    const greyscale = await run([
      ...rowsOf('a', 'greyscale', [true, true, true]),
      ...rowsOf('b', 'greyscale', [false, false, true]),
    ]);
    // a: greyscale 3/3 vs 1/3 → 0.667 ≥ 0.5.
    assert.deepEqual(greyscale.findings.map((f) => f.evidence.value), ['greyscale']);
    // A difference of exactly 0.5 is reported; 0.25 is not.
    const half = await run([
      ...rowsOf('a', 'greyscale', [true, true, false, false]),
      ...rowsOf('b', 'greyscale', [false, false, false, false]),
    ]);
    assert.deepEqual(half.findings.map((f) => [f.evidence.shareGroup, f.evidence.shareRest]), [[0.5, 0]]);
    const mild = await run([
      ...rowsOf('a', 'greyscale', [true, false, false, false]),
      ...rowsOf('b', 'greyscale', [false, false, false, false]),
    ]);
    assert.deepEqual(mild.findings, []);
  });

  it('emits nothing for rules switched off', async () => {
    const cfg = config({ minGroupSize: 3 }, { 'FF-D007': 'off', 'FF-D008': 'off', 'FF-D009': 'off' });
    const out = await run([...rowsOf('a', 'format', ['png', 'png', 'png']), ...rowsOf('b', 'format', ['jpeg', 'jpeg', 'jpeg'])], cfg);
    assert.deepEqual(out.findings, []);
  });

  it('computes each group against the rest exactly as standardisedMeanDifference does', () => {
    let seed = 3;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const groups = [12, 30, 5, 1, 44].map((n, g) => Array.from({ length: n }, () => 1000 + g * 3 + random() * 20));
    const fast = smdAgainstRest(groups);
    groups.forEach((group, g) => {
      const rest = groups.filter((_, h) => h !== g).flat();
      const reference = standardisedMeanDifference(group, rest);
      assert.ok(Math.abs(fast[g] - reference) < 1e-9 * Math.max(1, Math.abs(reference)), `${fast[g]} vs ${reference}`);
    });
    // [1,2,3] vs [4,5,6]: pooled SD 1, d = −3; constant sides: ±Infinity or 0; an empty side: NaN.
    assert.deepEqual(smdAgainstRest([[1, 2, 3], [4, 5, 6]]), [-3, 3]);
    const tenths = smdAgainstRest([[0.1, 0.1, 0.1], [0.2, 0.2], [0.2]]);
    assert.equal(tenths[0], Number.NEGATIVE_INFINITY);
    assert.equal(standardisedMeanDifference([0.1, 0.1, 0.1], [0.2, 0.2, 0.2]), Number.NEGATIVE_INFINITY);
    assert.ok(Math.abs(tenths[1] - standardisedMeanDifference([0.2, 0.2], [0.1, 0.1, 0.1, 0.2])) < 1e-9);
    assert.deepEqual(smdAgainstRest([[7, 7], [7, 7, 7]]), [0, 0]);
    assert.ok(Number.isNaN(smdAgainstRest([[1, 2, 3], []])[0]));
  });

  it('describes values', () => {
    assert.deepEqual(describeValues([4, 1, 3, 2]), { n: 4, mean: 2.5, sd: Math.sqrt(5 / 3), median: 2.5, min: 1, max: 4 });
    assert.deepEqual(describeValues([7]), { n: 1, mean: 7, sd: 0, median: 7, min: 7, max: 7 });
  });
});
