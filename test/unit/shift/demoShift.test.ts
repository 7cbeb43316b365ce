// End to end: generate the demo and its shifted production folder, compare them with the demo model, and check that the
// planted shifts (production-truth.json: class priors 20/25/25/30%, site clinic_b 0.7× as bright) are recovered within
// their intervals — and that two splits of the same data, drawn alike, show neither.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateDemo } from '../../../src/demo/generateDemo';
import { generateProduction, PRODUCTION_LAYOUT, type ProductionTruth } from '../../../src/demo/generateProduction';
import { DEMO_CLASSES } from '../../../src/demo/demoDesign';
import { compareDistributions } from '../../../src/engine/shift/compareDistributions';
import type { PropertyShift, ShiftResult } from '../../../src/engine/shift/shiftTypes';

const DEMO_MODEL = path.resolve(__dirname, '../../../models/demo/lesion-cnn.onnx');

function covers(interval: { lower: number | null; upper: number | null }, value: number): boolean {
  return interval.lower !== null && interval.upper !== null && interval.lower <= value && value <= interval.upper;
}

describe('distribution shift on the demo (end to end)', function () {
  this.timeout(600_000);
  let dir: string;
  let truth: ProductionTruth;
  let production: ShiftResult;
  let splits: ShiftResult;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-shift-'));
    await generateDemo(dir);
    truth = await generateProduction(dir, 10);
    const cacheDir = path.join(dir, 'cache');
    // The target given as its manifest file; the reference as a held-out split of the demo data.
    production = await compareDistributions(path.join(dir, 'data'), path.join(dir, PRODUCTION_LAYOUT.manifest), { referenceSplit: 'test', model: DEMO_MODEL, cacheDir });
    splits = await compareDistributions(path.join(dir, 'data'), path.join(dir, 'data'), { referenceSplit: 'train', targetSplit: 'test', model: DEMO_MODEL, cacheDir });
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes the production folder as planned: exact class counts, nothing inside the demo data', async () => {
    assert.equal(truth.images, 1200);
    assert.deepEqual(truth.counts, { melanoma: 240, nevus: 300, seborrheic_keratosis: 300, basal_cell_carcinoma: 360 });
    assert.equal(production.target.images, 1200);
    assert.equal(production.target.readable, 1200);
    const manifest = await fs.readFile(path.join(dir, PRODUCTION_LAYOUT.manifest), 'utf8');
    assert.equal(manifest.trim().split('\n').length, 1201);
  });

  it('recovers the planted class priors within the BBSE intervals, and the target label shares the estimate never saw', () => {
    const overall = production.priors.find((prior) => prior.group === null);
    assert.ok(overall && !overall.skipped);
    assert.deepEqual(overall.classes, [...DEMO_CLASSES]);
    overall.classes.forEach((name, j) => {
      const planted = truth.priors[name as keyof ProductionTruth['priors']];
      assert.ok(covers(overall.targetPriors[j], planted), `${name}: planted ${planted}, estimated ${JSON.stringify(overall.targetPriors[j])}`);
      assert.ok(Math.abs((overall.targetLabelShares?.[j] ?? Number.NaN) - planted) < 1e-12);
    });
    // Planted moves: nevus 45% → 25%, basal cell carcinoma 15% → 30%; melanoma unchanged at 20%.
    assert.ok(overall.shiftedClasses.includes('nevus'));
    assert.ok(overall.shiftedClasses.includes('basal_cell_carcinoma'));
    assert.ok(!overall.shiftedClasses.includes('melanoma'));
    assert.ok(production.findings.some((finding) => finding.rule === 'FF-S004'));
  });

  it('recovers the planted brightness factor at the darkened site, and no change at the other sites', () => {
    const brightness = (value: string): PropertyShift => {
      const row = production.properties.find((p) => p.property === 'brightness' && p.group?.attribute === 'site' && p.group.value === value);
      assert.ok(row, value);
      return row;
    };
    const darkened = brightness(truth.darkenedSite);
    assert.ok(covers(darkened.meanRatio, truth.exposure), `ratio ${JSON.stringify(darkened.meanRatio)} vs planted ${truth.exposure}`);
    assert.ok(darkened.shifted);
    for (const site of ['clinic_a', 'clinic_c', 'clinic_d']) {
      const row = brightness(site);
      assert.ok(covers(row.meanRatio, 1), `${site}: ${JSON.stringify(row.meanRatio)}`);
      assert.equal(row.shifted, false, site);
    }
    const finding = production.findings.find((f) => f.rule === 'FF-S001' && f.evidence.property === 'brightness');
    assert.ok(finding);
    assert.match(finding.message, /most in site = clinic_b/);
  });

  it('sees the production embeddings move (MMD), with a p-value no smaller than one permutation allows', () => {
    const overall = production.embedding.find((e) => e.group === null);
    assert.ok(overall);
    assert.ok(overall.shifted);
    assert.ok(overall.pValue >= 1 / (overall.permutations + 1));
  });

  it('finds no prior shift and no site brightness shift between the train and test splits, which were drawn alike', () => {
    assert.equal(splits.reference.split, 'train');
    assert.equal(splits.target.split, 'test');
    assert.deepEqual(splits.findings.filter((f) => f.rule === 'FF-S004').map((f) => f.message), []);
    const overall = splits.priors.find((prior) => prior.group === null);
    assert.ok(overall);
    assert.deepEqual(overall.shiftedClasses, []);
    for (const row of splits.properties.filter((p) => p.group?.attribute === 'site')) assert.equal(row.shifted, false, `${row.property} at ${row.group?.value}`);
    // The model was trained on 'train': the comparison says its confusion matrix is optimistic.
    assert.ok(splits.findings.some((f) => f.rule === 'FF-S006' && f.evidence.trainedOn === 'train'));
  });
});
