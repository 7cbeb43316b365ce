import * as assert from 'node:assert/strict';
import { labelAttributeAssociationCheck } from '../../../src/engine/checks/labelAttributeAssociationCheck';
import { resolveConfig } from '../../../src/engine/config/config';
import type { FairframeConfig } from '../../../src/engine/config/configTypes';
import type { Dataset, DatasetRecord } from '../../../src/engine/types';

/** A dataset from counts per [label, value of 'sex']. */
function dataset(cells: Array<[string, string, number]>): Dataset {
  const records: DatasetRecord[] = [];
  for (const [label, sex, count] of cells) {
    for (let i = 0; i < count; i++) {
      const id = `${label}-${sex}-${i}`;
      records.push({ id, path: `/data/pets/${id}.jpg`, relPath: `${id}.jpg`, label, attributes: { sex }, source: { file: '/data/pets/pets.csv' } });
    }
  }
  return { name: 'pets', root: '/data/pets', format: 'manifest', manifest: '/data/pets/pets.csv', records, attributes: [{ name: 'sex', origin: 'config' }], columns: [], loadIssues: [] };
}

// [[20, 10], [5, 25]] plus 4 unknowns: scipy chi2_contingency(correction=False) → χ² 15.42857142857143, p 8.568298010910447e-05, dof 1.
const pets = dataset([['cat', 'f', 20], ['cat', 'm', 10], ['cat', 'unknown', 2], ['dog', 'f', 5], ['dog', 'm', 25], ['dog', 'unknown', 2]]);

async function run(data: Dataset, raw: FairframeConfig = {}) {
  return labelAttributeAssociationCheck.run({ dataset: data, scans: new Map(), config: resolveConfig(raw) });
}

describe('checks/labelAttributeAssociationCheck', () => {
  it('reports an association with chi-square, p, Cramér\'s V and the cells that drive it', async () => {
    const output = await run(pets);
    assert.equal(output.findings.length, 1);
    const [finding] = output.findings;
    assert.equal(finding.rule, 'FF-D006');
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.message,
      "The label depends on 'sex' (χ² = 15.4, dof 1, p = 8.6e-5, Cramér's V = 0.51, n = 60): " +
      "66.7% of 'cat' images are sex 'f' against 41.7% of all images; 83.3% of 'dog' images are sex 'm' against 58.3% of all images; " +
      "33.3% of 'cat' images are sex 'm' against 58.3% of all images.");
    const e = finding.evidence as Record<string, unknown>;
    assert.ok(Math.abs((e.chi2 as number) - 15.42857142857143) < 1e-10);
    assert.equal(e.dof, 1);
    assert.ok(Math.abs((e.pValue as number) / 8.568298010910447e-5 - 1) < 1e-9);
    // V = √(15.428571 / 60) = 0.50709255283711
    assert.ok(Math.abs((e.cramersV as number) - 0.50709255283711) < 1e-12);
    assert.equal(e.n, 60);
    assert.equal(e.excludedUnknown, 4);
    assert.deepEqual(e.table, { rowValues: ['cat', 'dog'], columnValues: ['f', 'm'], counts: [[20, 10], [5, 25]] });
    const cells = e.drivingCells as Array<{ label: string; value: string; count: number; expected: number; adjustedResidual: number }>;
    assert.equal(cells.length, 4);
    assert.deepEqual([cells[0].label, cells[0].value, cells[0].count, cells[0].expected], ['cat', 'f', 20, 12.5]);
    // (20 − 12.5) / √(12.5 · 0.5 · (35/60)) = 3.927922024247863
    assert.ok(Math.abs(cells[0].adjustedResidual - 3.927922024247863) < 1e-12);
    assert.ok(Math.abs(cells[3].adjustedResidual + 3.927922024247863) < 1e-12);
    const cochran = e.cochran as { approximationReliable: boolean; lowExpectedCells: number };
    assert.equal(cochran.approximationReliable, true);
    assert.equal(cochran.lowExpectedCells, 0);
    assert.deepEqual(finding.location, { file: '/data/pets/pets.csv' });
  });

  it('requires both p < alpha and V ≥ the minimum, and follows rule settings', async () => {
    assert.deepEqual((await run(pets, { thresholds: { minCramersV: 0.6 } })).findings, []);
    assert.deepEqual((await run(pets, { thresholds: { associationAlpha: 8e-5 } })).findings, []);
    assert.equal((await run(pets, { thresholds: { associationAlpha: 9e-5, minCramersV: 0.5 } })).findings.length, 1);
    assert.deepEqual((await run(pets, { rules: { 'FF-D006': 'error' } })).findings.map((f) => f.severity), ['error']);
    const off = await run(pets, { rules: { 'FF-D006': 'off' } });
    assert.deepEqual(off.findings, []);
    const summary = off.summary.attributes as Array<{ significant: boolean; chi2: number }>;
    assert.equal(summary[0].significant, true);
  });

  it('states, without suppressing, when expected counts are below 5 in more than 20% of cells', async () => {
    // [[30, 0], [2, 3]]: scipy → χ² 19.6875, p 9.119594909113586e-06; E = [[27.43, 2.57], [4.57, 0.43]] (3 of 4 below 5); V = 0.75.
    const output = await run(dataset([['a', 'f', 30], ['b', 'f', 2], ['b', 'm', 3]]));
    assert.equal(output.findings.length, 1);
    const [finding] = output.findings;
    assert.match(finding.message, /^The label depends on 'sex' \(χ² = 19.7, dof 1, p = 9.1e-6, Cramér's V = 0.75, n = 35\): /);
    assert.match(finding.message, / 75\.0% of the cells have expected counts below 5, so the p-value is approximate\.$/);
    const cochran = finding.evidence.cochran as { lowExpectedCells: number; cells: number; approximationReliable: boolean; warning: string; minExpected: number };
    assert.equal(cochran.lowExpectedCells, 3);
    assert.equal(cochran.cells, 4);
    assert.equal(cochran.approximationReliable, false);
    assert.ok(Math.abs(cochran.minExpected - 0.42857142857142855) < 1e-12);
    assert.ok(Math.abs((finding.evidence.pValue as number) / 9.119594909113586e-6 - 1) < 1e-9);
    assert.ok(Math.abs((finding.evidence.cramersV as number) - 0.75) < 1e-12);
  });

  it('skips tables smaller than 2 × 2 and drops labels with no known value', async () => {
    const single = await run(dataset([['a', 'f', 10], ['b', 'f', 12], ['c', 'unknown', 3]]));
    assert.deepEqual(single.findings, []);
    const summary = single.summary.attributes as Array<{ skipped?: string }>;
    assert.ok(summary[0].skipped);
    // 'c' has only unknown values: tabulated nowhere; no association in [[10, 10], [10, 10]].
    const even = await run(dataset([['a', 'f', 10], ['a', 'm', 10], ['b', 'f', 10], ['b', 'm', 10], ['c', 'unknown', 3]]));
    assert.deepEqual(even.findings, []);
    const test = (even.summary.attributes as Array<{ chi2: number; pValue: number; cramersV: number; excludedUnknown: number; labelsWithoutKnownValue: string[] }>)[0];
    assert.deepEqual(test.labelsWithoutKnownValue, ['c']);
    assert.equal(test.chi2, 0);
    assert.equal(test.pValue, 1);
    assert.equal(test.cramersV, 0);
    assert.equal(test.excludedUnknown, 3);
  });
});
