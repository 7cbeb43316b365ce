// analyseShift on hand-made records and image facts: which groups are compared, how shares are tested, how p-values are
// adjusted, and which findings come out — every expected number worked by hand.
import * as assert from 'node:assert/strict';
import { resolveConfig } from '../../../src/engine/config/config';
import { analyseShift, type AnalysisSide } from '../../../src/engine/shift/shiftAnalysis';
import { benjaminiHochberg } from '../../../src/engine/shift/multipleTesting';
import type { DatasetRecord, ImageFacts, ScanOutcome } from '../../../src/engine/types';

function facts(brightness: number): ImageFacts {
  return {
    width: 32, height: 32, channels: 3, format: 'png', bytes: 100, brightness, contrast: 10, saturation: 0.2, sharpness: 50,
    greyscale: false, dhash: '0000000000000000', sha256: 'x', exif: {}, provenance: {},
  };
}

/** n records with attribute `site` and brightness from `level(i)`; the first `unreadable` are unreadable. */
function side(name: string, sites: string[], level: (i: number) => number, unreadable = 0): AnalysisSide {
  const records: DatasetRecord[] = sites.map((site, i) => ({
    id: `${name}-${i}`, path: `/${name}/${i}.png`, relPath: `${i}.png`, label: 'a', attributes: { site }, source: { file: `/${name}/m.csv`, line: i + 2 },
  }));
  const scans = new Map<string, ScanOutcome>(records.map((record, i) => [record.id, i < unreadable ? { ok: false, code: 'unreadable', message: 'bad' } : { ok: true, facts: facts(level(i)) }]));
  return { name, records, scans, location: { file: `/${name}/m.csv` } };
}

describe('shift/analyseShift', () => {
  const config = resolveConfig({ thresholds: { bootstrapReplicates: 200 } });
  // Reference: 40 at site a, 40 at b, 5 at c. Target: 40 at a, 80 at b, 5 at c. Site b is 30 levels darker in the target.
  const reference = side('ref', [...Array(40).fill('a'), ...Array(40).fill('b'), ...Array(5).fill('c')], (i) => 100 + (i % 40), 2);
  const target = side('tgt', [...Array(40).fill('a'), ...Array(80).fill('b'), ...Array(5).fill('c')], (i) => (i >= 40 && i < 120 ? 70 + (i % 40) : 100 + (i % 40)));
  const analysis = analyseShift({ reference, target, attributes: ['site'], config });

  it('compares only groups with minMetricGroupSize images on both sides, and says which were left out', () => {
    const groups = [...new Set(analysis.properties.map((p) => (p.group ? p.group.value : 'all')))].sort();
    assert.deepEqual(groups, ['a', 'all', 'b']);
    const left = analysis.findings.find((f) => f.rule === 'FF-S006' && Array.isArray(f.evidence.groups));
    assert.ok(left);
    assert.match(left.message, /site = c \(5, 5\)/);
  });

  it('tests the shares of site by chi-square (by hand) and adjusts every p-value together by Benjamini–Hochberg', () => {
    const share = analysis.shares[0];
    // Table [[40, 40, 5], [40, 80, 5]], n = 210; expected E = row·col/n. χ² by hand:
    const table = [[40, 40, 5], [40, 80, 5]];
    const rows = [85, 125];
    const cols = [80, 120, 10];
    let chi2 = 0;
    table.forEach((row, i) => row.forEach((o, j) => { const e = (rows[i] * cols[j]) / 210; chi2 += (o - e) ** 2 / e; }));
    assert.ok(Math.abs(share.chi2 - chi2) < 1e-9);
    assert.equal(share.dof, 2);
    // Site b's share moved from 40/85 = 47.1% to 80/125 = 64.0%.
    assert.ok(Math.abs(share.largestChange - (80 / 125 - 40 / 85)) < 1e-12);
    const family = [...analysis.properties.map((p) => p.pValue), share.pValue];
    const adjusted = benjaminiHochberg(family);
    analysis.properties.forEach((p, k) => assert.equal(p.adjustedPValue, adjusted[k]));
    assert.equal(share.adjustedPValue, adjusted[adjusted.length - 1]);
  });

  it('finds the darker site b, not site a, and reports it in one brightness finding', () => {
    const row = (value: string): (typeof analysis.properties)[number] | undefined => analysis.properties.find((p) => p.property === 'brightness' && p.group?.value === value);
    // Site b: reference levels 100…139 (40 values, the first 2 records of the reference are unreadable but sit at site a),
    // target levels 70…109 twice. Mean 119.5 → 89.5: a difference of exactly −30; D = 30/40 = 0.75.
    assert.ok(Math.abs((row('b')?.meanDifference.estimate ?? 0) + 30) < 1e-9);
    assert.equal(row('b')?.ksStatistic, 0.75);
    assert.equal(row('b')?.shifted, true);
    assert.equal(row('a')?.shifted, false);
    assert.equal(row('a')?.ksStatistic, 2 / 40); // the two unreadable reference images (levels 100, 101) are left out
    const brightness = analysis.findings.filter((f) => f.rule === 'FF-S001');
    assert.equal(brightness.length, 1);
    assert.match(brightness[0].message, /most in site = b/);
    // Width, height, contrast, saturation and sharpness are constant: no finding for them.
    assert.deepEqual(analysis.properties.filter((p) => p.property !== 'brightness' && p.shifted), []);
  });

  it('reports unreadable images as not measured', () => {
    const unreadable = analysis.findings.find((f) => f.rule === 'FF-S006' && f.evidence.unreadable === 2);
    assert.ok(unreadable);
    assert.match(unreadable.message, /2 of 85 images of 'ref'/);
  });
});
