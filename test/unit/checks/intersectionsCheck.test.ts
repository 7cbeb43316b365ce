import * as assert from 'node:assert/strict';
import { intersectionsCheck } from '../../../src/engine/checks/intersectionsCheck';
import { resolveConfig } from '../../../src/engine/config/config';
import type { FairframeConfig } from '../../../src/engine/config/configTypes';
import type { Dataset, DatasetRecord } from '../../../src/engine/types';

/** [label, g, h]; 'unknown' or '' for missing values. */
const rows: Array<[string, string, string]> = [
  ['a', 'x', 'p'], ['a', 'x', 'p'], ['a', 'x', 'p'], ['a', 'x', 'q'], ['a', 'x', 'q'],
  ['a', 'y', 'p'], ['a', 'y', 'unknown'],
  ['a', '', 'q'],
  ['b', 'x', 'p'], ['b', 'x', 'p'], ['b', 'x', 'q'], ['b', 'x', 'q'],
  ['b', 'z', 'p'],
];

const records: DatasetRecord[] = rows.map(([label, g, h], i) => ({
  id: String(i),
  path: `/data/toy/${i}.jpg`,
  relPath: `${i}.jpg`,
  label,
  attributes: g === '' ? { h } : ({ g, h } as Record<string, string>),
  source: { file: '/data/toy/meta.jsonl', line: i + 1 },
}));

const toy: Dataset = {
  name: 'toy', root: '/data/toy', format: 'manifest', manifest: '/data/toy/meta.jsonl', records,
  attributes: [{ name: 'g', origin: 'config' }, { name: 'h', origin: 'guessed' }], columns: ['path', 'label', 'g', 'h'], loadIssues: [],
};

async function run(raw: FairframeConfig = {}) {
  return intersectionsCheck.run({ dataset: toy, scans: new Map(), config: resolveConfig({ thresholds: { minGroupSize: 3 }, ...raw }) });
}

describe('checks/intersectionsCheck', () => {
  it('lists empty and tiny cells of each cross-tab, judging known values only', async () => {
    const output = await run();
    assert.deepEqual(output.findings.map((f) => [f.rule, f.severity, f.evidence.rows, f.evidence.columns]), [
      ['FF-D005', 'warning', 'label', 'g'],
      ['FF-D005', 'warning', 'label', 'h'],
      ['FF-D005', 'warning', 'g', 'h'],
    ]);
    const [labelG, labelH, gh] = output.findings;
    // label × g: a = x 5, y 2, z 0 (+1 unknown); b = x 4, y 0, z 1.
    assert.equal(labelG.message, "2 of 6 label × g cells are empty and 2 have fewer than 3 images: 'a' × 'z' (0), 'b' × 'y' (0), 'b' × 'z' (1), 'a' × 'y' (2).");
    assert.deepEqual(labelG.evidence.emptyCells, [{ row: 'a', column: 'z', count: 0 }, { row: 'b', column: 'y', count: 0 }]);
    assert.deepEqual(labelG.evidence.tinyCells, [{ row: 'b', column: 'z', count: 1 }, { row: 'a', column: 'y', count: 2 }]);
    assert.deepEqual(labelG.evidence.table, { rowValues: ['a', 'b'], columnValues: ['x', 'y', 'z', 'unknown'], counts: [[5, 2, 0, 1], [4, 0, 1, 0]] });
    assert.equal(labelG.evidence.judgedCells, 6);
    assert.deepEqual(labelG.location, { file: '/data/toy/meta.jsonl' });
    // label × h: a = p 4, q 3 (+1 unknown); b = p 3, q 2.
    assert.equal(labelH.message, "1 of 4 label × h cells has fewer than 3 images: 'b' × 'q' (2).");
    // g × h: x = p 5, q 4; y = p 1, q 0 (+1 unknown h); z = p 1, q 0; unknown g = q 1 (not judged).
    assert.equal(gh.message, "2 of 6 g × h cells are empty and 2 have fewer than 3 images: 'y' × 'q' (0), 'z' × 'q' (0), 'y' × 'p' (1), 'z' × 'p' (1).");
    assert.deepEqual(gh.evidence.table, {
      rowValues: ['x', 'y', 'z', 'unknown'], columnValues: ['p', 'q', 'unknown'],
      counts: [[5, 4, 0], [1, 0, 1], [1, 0, 0], [0, 1, 0]],
    });
    const tables = output.summary.tables as Array<{ rowName: string; columnName: string; n: number }>;
    assert.deepEqual(tables.map((t) => [t.rowName, t.columnName, t.n]), [['label', 'g', 13], ['label', 'h', 13], ['g', 'h', 13]]);
  });

  it('adds reference groups that no image has as empty columns', async () => {
    const output = await run({ reference: { g: { x: 1, y: 1, z: 1, w: 1 } } });
    const labelG = output.findings[0];
    assert.equal(labelG.message,
      "4 of 8 label × g cells are empty and 2 have fewer than 3 images: 'a' × 'w' (0), 'a' × 'z' (0), 'b' × 'w' (0), 'b' × 'y' (0), 'b' × 'z' (1), 'a' × 'y' (2).");
  });

  it('caps the cells in the message at 8 and keeps them all in the evidence', async () => {
    const output = await run({ thresholds: { minGroupSize: 100 } });
    const gh = output.findings[2];
    assert.equal(gh.message,
      "2 of 6 g × h cells are empty and 4 have fewer than 100 images: 'y' × 'q' (0), 'z' × 'q' (0), 'y' × 'p' (1), 'z' × 'p' (1), 'x' × 'q' (4), 'x' × 'p' (5).");
    const wide = await intersectionsCheck.run({
      dataset: { ...toy, records: records.map((r, i) => ({ ...r, label: `class${i}` })) },
      scans: new Map(),
      config: resolveConfig({ thresholds: { minGroupSize: 2 } }),
    });
    // 13 labels × 3 known g values = 39 cells, 12 of them filled with 1 image (one record has no g): 27 empty, 12 tiny.
    const labelG = wide.findings[0];
    assert.equal((labelG.evidence.emptyCells as unknown[]).length, 27);
    assert.equal((labelG.evidence.tinyCells as unknown[]).length, 12);
    assert.match(labelG.message, /^27 of 39 label × g cells are empty and 12 have fewer than 2 images: .*, and 31 more\.$/);
    assert.equal((labelG.message.match(/ × '/g) ?? []).length, 8);
  });

  it('follows severities and rules switched off', async () => {
    const severity = await run({ rules: { 'FF-D005': 'info' } });
    assert.deepEqual(severity.findings.map((f) => f.severity), ['info', 'info', 'info']);
    const off = await run({ rules: { 'FF-D005': 'off' } });
    assert.deepEqual(off.findings, []);
    assert.equal((off.summary.tables as unknown[]).length, 3);
    const large = await run({ thresholds: { minGroupSize: 1 } });
    assert.deepEqual(large.findings.map((f) => (f.evidence.tinyCells as unknown[]).length), [0, 0]);
  });
});
