import * as assert from 'node:assert/strict';
import { FairframeError } from '../../../src/engine/errors';
import { computeReweighing, reweighingToCsv, reweighingToJson } from '../../../src/engine/mitigation/reweighing';
import type { Dataset, DatasetRecord } from '../../../src/engine/types';

/** Records from [group, label, count, second attribute]. */
function dataset(cells: Array<[string, string, number, string?]>): Dataset {
  const records: DatasetRecord[] = [];
  for (const [group, label, count, region] of cells) {
    for (let i = 0; i < count; i++) {
      const relPath = `${label}/${group}-${region ?? ''}-${i}.jpg`;
      records.push({ id: relPath, path: `/data/ds/${relPath}`, relPath, label, attributes: region === undefined ? { g: group } : { g: group, region }, source: { file: '/data/ds/m.csv' } });
    }
  }
  return { name: 'ds', root: '/data/ds', format: 'manifest', manifest: '/data/ds/m.csv', records, attributes: [{ name: 'g', origin: 'config' }, { name: 'region', origin: 'config' }], columns: [], loadIssues: [] };
}

// n = 10: (a, 0) 4, (a, 1) 1, (b, 0) 2, (b, 1) 3 → n_a = n_b = 5, n_0 = 6, n_1 = 4.
const small = dataset([['a', '0', 4], ['a', '1', 1], ['b', '0', 2], ['b', '1', 3]]);

describe('mitigation/reweighing', () => {
  it('computes w(g, y) = n_g · n_y / (n · n_gy) by hand on a 2 × 2', () => {
    const result = computeReweighing(small, ['g']);
    assert.equal(result.n, 10);
    // (a,0): 5·6/(10·4) = 0.75; (a,1): 5·4/(10·1) = 2; (b,0): 5·6/(10·2) = 1.5; (b,1): 5·4/(10·3) = 2/3.
    assert.deepEqual(result.cells.map((c) => [c.groupKey, c.label, c.count, c.weight]), [
      ['a', '0', 4, 0.75], ['a', '1', 1, 2], ['b', '0', 2, 1.5], ['b', '1', 3, 20 / 30],
    ]);
    assert.deepEqual(result.cells[0].group, { g: 'a' });
    // Class weights n / (K · n_c): 10 / (2 · 6), 10 / (2 · 4).
    assert.deepEqual(result.classWeights, { '0': 10 / 12, '1': 1.25 });
    assert.deepEqual(result.groups.map((g) => [g.groupKey, g.count]), [['a', 5], ['b', 5]]);
    assert.deepEqual(result.recordWeights.slice(0, 5), [0.75, 0.75, 0.75, 0.75, 2]);
    assert.equal(result.recordWeights.length, 10);
  });

  it('makes the weighted label independent of the group: Σ w over (g, y) = n_g · n_y / n', () => {
    const result = computeReweighing(small, ['g']);
    const sums = new Map<string, number>();
    small.records.forEach((record, i) => {
      const key = `${record.attributes.g}|${record.label}`;
      sums.set(key, (sums.get(key) ?? 0) + result.recordWeights[i]);
    });
    const expected: Record<string, number> = { 'a|0': 3, 'a|1': 2, 'b|0': 3, 'b|1': 2 };
    for (const [key, value] of Object.entries(expected)) assert.ok(Math.abs((sums.get(key) ?? 0) - value) < 1e-12, key);
    for (const cell of result.cells) assert.ok(Math.abs(cell.weight * cell.count - cell.expected) < 1e-12);
    // Total weight stays n.
    assert.ok(Math.abs(result.recordWeights.reduce((s, w) => s + w, 0) - 10) < 1e-12);
  });

  it('uses the intersection of several attributes', () => {
    const data = dataset([['a', 'x', 2, 'n'], ['a', 'y', 1, 'n'], ['a', 'x', 1, 's'], ['b', 'y', 2, 's']]);
    // n = 6, n_x = 3, n_y = 3; groups a×n (3), a×s (1), b×s (2).
    const result = computeReweighing(data, ['g', 'region']);
    assert.deepEqual(result.cells.map((c) => [c.groupKey, c.label, c.weight]), [
      ['a × n', 'x', (3 * 3) / (6 * 2)], ['a × n', 'y', (3 * 3) / (6 * 1)], ['a × s', 'x', (1 * 3) / (6 * 1)], ['b × s', 'y', (2 * 3) / (6 * 2)],
    ]);
    assert.deepEqual(result.cells[0].group, { g: 'a', region: 'n' });
  });

  it('treats missing values as the unknown group and rejects unknown attributes', () => {
    const data = dataset([['a', '0', 2], ['a', '1', 2]]);
    data.records[0].attributes = {};
    const result = computeReweighing(data, ['g']);
    assert.deepEqual(result.groups.map((g) => g.groupKey), ['a', 'unknown']);
    assert.throws(() => computeReweighing(small, ['age']), (e: unknown) => FairframeError.is(e, 'bad-config'));
  });

  it('writes CSV with relative paths, quoting where needed', () => {
    const data = dataset([['a', '0', 1], ['b, "c"', '1', 1]]);
    const result = computeReweighing(data, ['g']);
    // n = 2, each cell alone: w = 1·1/(2·1) = 0.5.
    assert.equal(reweighingToCsv(result, data),
      'path,label,g,weight\n' +
      '0/a--0.jpg,0,a,0.5\n' +
      '"1/b, ""c""--0.jpg",1,"b, ""c""",0.5\n');
    assert.throws(() => reweighingToCsv(result, small), (e: unknown) => FairframeError.is(e, 'internal'));
  });

  it('writes JSON with the cells and class weights', () => {
    const json = JSON.parse(reweighingToJson(computeReweighing(small, ['g']))) as Record<string, unknown>;
    assert.equal(json.method, 'reweighing');
    assert.deepEqual(json.attributes, ['g']);
    assert.deepEqual(json.classWeights, { '0': 10 / 12, '1': 1.25 });
    assert.equal((json.cells as unknown[]).length, 4);
    assert.deepEqual((json.cells as Array<Record<string, unknown>>)[1], { group: { g: 'a' }, groupKey: 'a', label: '1', count: 1, groupCount: 5, labelCount: 4, expected: 2, weight: 2 });
    assert.equal(json.recordWeights, undefined);
  });
});
