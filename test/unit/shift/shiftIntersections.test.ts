// Shift by intersection: the cells of site × sex are compared like single groups (minMetricGroupSize on both sides),
// with KS from SciPy and PSI (both frozen by test/fixtures/shift/makeIntersectionReference.py) and PSI worked by hand.
// Reference: every (site, sex) cell has 12 images at brightness 100…111. Target: (b, f) is 10 levels darker (90…101),
// (a, m) has only 5 images, the other cells are as in the reference.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../../src/engine/config/config';
import { analyseShift, shiftIntersections, type AnalysisSide } from '../../../src/engine/shift/shiftAnalysis';
import type { PropertyShift } from '../../../src/engine/shift/shiftTypes';
import type { DatasetRecord, ImageFacts, ScanOutcome } from '../../../src/engine/types';

const reference = JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/shift/intersectionReference.json'), 'utf8')) as Record<string, { ks: { statistic: number; pValue: number }; psi: number }> & { 'shares site × sex': { chi2: number; pValue: number; dof: number } };

function facts(brightness: number): ImageFacts {
  return { width: 32, height: 32, channels: 3, format: 'png', bytes: 100, brightness, contrast: 10, saturation: 0.2, sharpness: 50, greyscale: false, dhash: '0000000000000000', sha256: 'x', exif: {}, provenance: {} };
}

/** One side from cells: [site, sex, brightness values]. */
function side(name: string, cells: Array<[string, string, number[]]>): AnalysisSide {
  const rows = cells.flatMap(([site, sex, levels]) => levels.map((level) => ({ site, sex, level })));
  const records: DatasetRecord[] = rows.map((row, i) => ({ id: `${name}-${i}`, path: `/${name}/${i}.png`, relPath: `${i}.png`, label: 'a', attributes: { site: row.site, sex: row.sex }, source: { file: `/${name}/m.csv`, line: i + 2 } }));
  const scans = new Map<string, ScanOutcome>(records.map((record, i) => [record.id, { ok: true, facts: facts(rows[i].level) }]));
  return { name, records, scans, location: { file: `/${name}/m.csv` } };
}

const range = (start: number, n: number): number[] => Array.from({ length: n }, (_, i) => start + i);

describe('shift/analyseShift by intersection', () => {
  const config = resolveConfig({ thresholds: { bootstrapReplicates: 200, minMetricGroupSize: 10 } });
  const ref = side('ref', [['a', 'f', range(100, 12)], ['a', 'm', range(100, 12)], ['b', 'f', range(100, 12)], ['b', 'm', range(100, 12)]]);
  const tgt = side('tgt', [['a', 'f', range(100, 12)], ['a', 'm', range(100, 5)], ['b', 'f', range(90, 12)], ['b', 'm', range(100, 12)]]);
  const analysis = analyseShift({ reference: ref, target: tgt, attributes: ['site', 'sex'], config });
  const brightness = (attribute: string, value: string): PropertyShift => {
    const row = analysis.properties.find((p) => p.property === 'brightness' && p.group?.attribute === attribute && p.group.value === value);
    assert.ok(row, `${attribute} = ${value}`);
    return row;
  };

  it('compares every pair of attributes by default, or the configured intersections both sides carry', () => {
    assert.deepEqual(shiftIntersections(['site', 'sex', 'age'], undefined), [['site', 'sex'], ['site', 'age'], ['sex', 'age']]);
    assert.deepEqual(shiftIntersections(['site', 'sex'], [['site', 'sex'], ['site', 'camera']]), [['site', 'sex']]);
    assert.deepEqual(shiftIntersections(['site', 'sex'], []), []);
    assert.deepEqual(analysis.intersections, [['site', 'sex']]);
  });

  it('compares the cells with minMetricGroupSize images on both sides and lists the others as too small', () => {
    const compared = [...new Set(analysis.properties.filter((p) => p.group?.attributes).map((p) => p.group?.value))].sort();
    assert.deepEqual(compared, ['a × f', 'b × f', 'b × m']);
    assert.deepEqual(brightness('site × sex', 'b × f').group, { attribute: 'site × sex', value: 'b × f', attributes: ['site', 'sex'] });
    const left = analysis.findings.find((f) => f.rule === 'FF-S006' && Array.isArray(f.evidence.groups));
    assert.match(left?.message ?? '', /site × sex = a × m \(12, 5\)/);
  });

  it("gives each cell SciPy's KS statistic and exact p-value, and the PSI worked by hand", () => {
    for (const [attribute, value, key] of [['site × sex', 'b × f', 'cell b × f'], ['site × sex', 'b × m', 'cell b × m'], ['site', 'b', 'site b']] as const) {
      const row = brightness(attribute, value);
      assert.ok(Math.abs(row.ksStatistic - reference[key].ks.statistic) < 1e-12, `${key} D`);
      assert.ok(Math.abs(row.pValue - reference[key].ks.pValue) < 1e-9 * Math.max(1, reference[key].ks.pValue), `${key} p ${row.pValue} vs ${reference[key].ks.pValue}`);
      assert.ok(Math.abs(row.psi - reference[key].psi) < 1e-9, `${key} PSI ${row.psi} vs ${reference[key].psi}`);
    }
    // By hand for b × f: the reference's deciles of 100…111 (linear) are 101.1, 102.2, …, 109.9, so its bin shares are
    // 2, 1, 1, 1, 1, 1, 1, 1, 1, 2 twelfths; every target value (90…101) falls in the first bin; empty bins count 1e-4.
    const r = [2, 1, 1, 1, 1, 1, 1, 1, 1, 2].map((c) => c / 12);
    const t = [1, ...new Array<number>(9).fill(1e-4)];
    const psi = r.reduce((sum, rb, b) => sum + (t[b] - rb) * Math.log(t[b] / rb), 0);
    assert.ok(Math.abs(brightness('site × sex', 'b × f').psi - psi) < 1e-12);
    // D = 10/12: ten of the twelve target values lie below every reference value.
    assert.equal(brightness('site × sex', 'b × f').ksStatistic, 10 / 12);
  });

  it("tests the cells' shares by chi-square (SciPy) beside each attribute's", () => {
    const shares = analysis.shares.find((s) => s.attribute === 'site × sex');
    assert.ok(shares);
    assert.deepEqual(shares.values.map((v) => [v.value, v.referenceCount, v.targetCount]), [['a × f', 12, 12], ['a × m', 12, 5], ['b × f', 12, 12], ['b × m', 12, 12]]);
    const expected = reference['shares site × sex'];
    assert.ok(Math.abs(shares.chi2 - expected.chi2) < 1e-9);
    assert.equal(shares.dof, expected.dof);
    assert.ok(Math.abs(shares.pValue - expected.pValue) < 1e-9);
    assert.deepEqual(analysis.shares.map((s) => s.attribute), ['site', 'sex', 'site × sex']);
  });

  it('with "intersections": [] compares single attributes only', () => {
    const none = analyseShift({ reference: ref, target: tgt, attributes: ['site', 'sex'], config: resolveConfig({ intersections: [], thresholds: { bootstrapReplicates: 200, minMetricGroupSize: 10 } }) });
    assert.equal(none.properties.filter((p) => p.group?.attributes).length, 0);
    assert.deepEqual(none.shares.map((s) => s.attribute), ['site', 'sex']);
  });
});
