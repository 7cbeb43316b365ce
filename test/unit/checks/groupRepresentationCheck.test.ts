import * as assert from 'node:assert/strict';
import { groupRepresentationCheck } from '../../../src/engine/checks/groupRepresentationCheck';
import { resolveConfig } from '../../../src/engine/config/config';
import type { FairframeConfig } from '../../../src/engine/config/configTypes';
import type { AttributeInfo, Dataset, DatasetRecord } from '../../../src/engine/types';

/** Records whose attribute `name` takes each value the given number of times ('' = missing). */
function records(name: string, counts: Record<string, number>): DatasetRecord[] {
  const list: DatasetRecord[] = [];
  for (const [value, count] of Object.entries(counts)) {
    for (let i = 0; i < count; i++) {
      const id = `${name}-${value}-${i}`;
      list.push({ id, path: `/data/people/${id}.png`, relPath: `${id}.png`, label: i % 2 ? 'cat' : 'dog', attributes: value === '' ? {} : { [name]: value }, source: { file: '/data/people/labels.csv' } });
    }
  }
  return list;
}

function dataset(list: DatasetRecord[], attributes: AttributeInfo[]): Dataset {
  return { name: 'people', root: '/data/people', format: 'manifest', manifest: '/data/people/labels.csv', records: list, attributes, columns: [], loadIssues: [] };
}

// sex: female 8, male 32, unknown 10 (n = 50): uniform expectation 50% each over the 40 known.
const bySex = dataset(records('sex', { female: 8, male: 32, unknown: 6, '': 4 }), [{ name: 'sex', origin: 'config' }]);

// skin (guessed): light 30, medium 8, Dark 2, other 5; reference light 2, medium 1, dark 1, very dark 1 → 0.4/0.2/0.2/0.2.
const bySkin = dataset(records('skin', { light: 30, medium: 8, Dark: 2, other: 5 }), [{ name: 'skin', origin: 'guessed' }]);
const skinReference: FairframeConfig = { reference: { skin: { light: 2, medium: 1, dark: 1, 'very dark': 1 } } };

async function run(data: Dataset, raw: FairframeConfig = {}) {
  return groupRepresentationCheck.run({ dataset: data, scans: new Map(), config: resolveConfig(raw) });
}

describe('checks/groupRepresentationCheck', () => {
  it('reports unknown values and a group below half of an even split', async () => {
    const output = await run(bySex);
    assert.deepEqual(output.findings.map((f) => [f.rule, f.severity]), [['FF-D004', 'warning'], ['FF-D003', 'warning']]);
    const [unknown, under] = output.findings;
    assert.equal(unknown.message, "Attribute 'sex' is unknown for 10 of 50 images (20.0%), above the 5.0% allowed.");
    assert.deepEqual(unknown.evidence, { attribute: 'sex', origin: 'config', guessed: false, unknown: 10, total: 50, unknownShare: 0.2, threshold: 0.05 });
    assert.deepEqual(unknown.location, { file: '/data/people/labels.csv' });
    // female: 8 / 40 = 20% against 50% → ratio 0.4. scipy.stats.chisquare([8, 32], [20, 20]) → 14.4, p 0.00014780231033445398.
    assert.equal(under.message,
      "Group 'female' of 'sex' has 8 images, 20.0% of the images with a known sex, against 50.0% expected from an even split over 2 groups (ratio 0.4, below 0.5); goodness of fit χ² = 14.4, p = 1.5e-4.");
    assert.equal(under.evidence.count, 8);
    assert.equal(under.evidence.share, 0.2);
    assert.equal(under.evidence.expectedShare, 0.5);
    assert.equal(under.evidence.ratio, 0.4);
    assert.equal(under.evidence.expectedFrom, 'uniform');
    assert.equal(under.evidence.guessed, false);
    const fit = under.evidence.goodnessOfFit as { chi2: number; dof: number; pValue: number; n: number };
    assert.ok(Math.abs(fit.chi2 - 14.4) < 1e-12);
    assert.equal(fit.dof, 1);
    assert.equal(fit.n, 40);
    assert.ok(Math.abs(fit.pValue / 0.00014780231033445398 - 1) < 1e-9);
    // (c + x) / (40 + x) = 0.5 → x = 24 more images of 'female'.
    assert.match(under.suggestion ?? '', /about 24 more/);
  });

  it('compares with a normalised reference, matching case, listing values outside it', async () => {
    const output = await run(bySkin, skinReference);
    assert.deepEqual(output.findings.map((f) => [f.rule, f.evidence.value]), [['FF-D003', 'Dark'], ['FF-D003', 'very dark']]);
    const [dark, veryDark] = output.findings;
    // scipy.stats.chisquare([30, 8, 2, 0], [16, 8, 8, 8]) → 24.75, p 1.7414981852792002e-05 (dof 3)
    assert.equal(dark.message,
      "Group 'Dark' of 'skin' has 2 images, 4.4% of the images with a known skin, against 20.0% expected from the reference distribution (ratio 0.22, below 0.5); goodness of fit χ² = 24.8, p = 1.7e-5.");
    assert.equal(dark.evidence.guessed, true);
    assert.equal(dark.evidence.origin, 'guessed');
    assert.equal(dark.evidence.expectedFrom, 'reference');
    assert.ok(Math.abs((dark.evidence.ratio as number) - (2 / 45) / 0.2) < 1e-12);
    assert.deepEqual(dark.evidence.valuesNotInReference, [{ value: 'other', count: 5, share: 5 / 45 }]);
    const fit = dark.evidence.goodnessOfFit as { chi2: number; dof: number; pValue: number; n: number; values: string[] };
    assert.ok(Math.abs(fit.chi2 - 24.75) < 1e-12);
    assert.equal(fit.dof, 3);
    assert.equal(fit.n, 40);
    assert.ok(Math.abs(fit.pValue / 1.7414981852792002e-5 - 1) < 1e-9);
    assert.deepEqual(veryDark.evidence.count, 0);
    assert.deepEqual(veryDark.evidence.ratio, 0);
    assert.match(veryDark.message, /^Group 'very dark' of 'skin' has 0 images, 0% of the images/);
    const summary = output.summary.attributes as Array<{ groups: Array<{ value: string; count: number; expectedShare?: number }> }>;
    assert.deepEqual(summary[0].groups.map((g) => [g.value, g.count, g.expectedShare]), [
      ['Dark', 2, 0.2], ['light', 30, 0.4], ['medium', 8, 0.2], ['other', 5, undefined], ['very dark', 0, 0.2],
    ]);
  });

  it('follows thresholds, severities and rules switched off', async () => {
    const relaxed = await run(bySex, { thresholds: { representationRatio: 0.4, maxUnknownShare: 0.2 } });
    assert.deepEqual(relaxed.findings, []);
    const severities = await run(bySex, { rules: { 'FF-D003': 'info', 'FF-D004': 'off' } });
    assert.deepEqual(severities.findings.map((f) => [f.rule, f.severity]), [['FF-D003', 'info']]);
    const off = await run(bySkin, { ...skinReference, rules: { 'FF-D003': 'off' } });
    assert.deepEqual(off.findings, []);
  });

  it('does not compare a single known value with an even split, and skips an attribute with no known value', async () => {
    const single = await run(dataset(records('sex', { female: 12 }), [{ name: 'sex', origin: 'config' }]));
    assert.deepEqual(single.findings, []);
    const none = await run(dataset(records('sex', { '': 3 }), [{ name: 'sex', origin: 'guessed' }]));
    assert.deepEqual(none.findings.map((f) => f.rule), ['FF-D004']);
    assert.match(none.findings[0].message, /\(the attribute was guessed from its column name\)/);
    const summary = none.summary.attributes as Array<{ skipped?: string }>;
    assert.ok(summary[0].skipped);
  });
});
