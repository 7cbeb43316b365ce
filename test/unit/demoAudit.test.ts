// End to end: generate the demo dataset, audit it with the demo model, and check that every planted defect is found
// with its exact count — and that nothing outside the planted defects and their stated side effects is reported.
import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { auditPath } from '../../src/engine/audit';
import type { AuditResult } from '../../src/engine/auditResult';
import { generateDemo } from '../../src/demo/generateDemo';
import type { DemoManifest } from '../../src/demo/demoManifest';
import type { Finding } from '../../src/engine/types';
import { averagePrecisionScore } from '../../src/engine/labels';
import { THRESHOLD_DEFAULTS } from '../../src/engine/config/configTypes';
import { DARK_SITE } from '../../src/demo/demoDesign';

const DEMO_MODEL = path.resolve(__dirname, '../../models/demo/lesion-cnn.onnx');

/** A group-versus-rest standardised mean difference measured by scripts/reference/demoReference.py. */
interface ReferenceGap {
  attribute: string;
  value: string;
  property: string;
  n: number;
  smd: number;
}

// Figures computed outside the engine (numpy, scipy, Pillow) on the demo as generated with the default seed, frozen.
const reference = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/demo/demoReference.json'), 'utf8')) as {
  rows: number;
  associations: Array<{ rows: string; columns: string; chi2: number; dof: number; pValue: number; cramersV: number }>;
  propertyGaps: ReferenceGap[];
};

describe('demo dataset audit (end to end)', function () {
  this.timeout(300_000);
  let dir: string;
  let truth: DemoManifest;
  let result: AuditResult;
  const byRule = (rule: string): Finding[] => result.findings.filter((f) => f.rule === rule);
  const paths = (f: Finding): string[] => [...(f.evidence.paths as string[])].sort();

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-demo-'));
    truth = await generateDemo(dir);
    result = await auditPath(path.join(dir, 'data'), { cacheDir: path.join(dir, 'cache'), models: [DEMO_MODEL] });
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads every row of the manifest', () => {
    assert.equal(result.datasets.length, 1);
    assert.equal(truth.counts.rows, reference.rows, 'the demo the reference was computed on');
    assert.equal(result.datasets[0].images, truth.counts.rows);
    assert.deepEqual(result.datasets[0].splits, truth.counts.split);
  });

  it('reports only planted rules and their stated side effects', () => {
    const allowed = new Set(['FF-D001', 'FF-D002', 'FF-D003', 'FF-D005', 'FF-D006', 'FF-D007', 'FF-D008', 'FF-D010', 'FF-D011', 'FF-D016',
      'FF-D020', 'FF-D021', 'FF-D022', 'FF-D023', 'FF-D030', 'FF-D031', 'FF-D032',
      // The model audit: the typo label 'Melanoma' in the test split, its performance, group gaps, small groups, label errors,
      // and a classifier embedding that does not separate images.
      'FF-M002', 'FF-M006', 'FF-M010', 'FF-M011', 'FF-M012', 'FF-M013', 'FF-M014', 'FF-M015', 'FF-M016', 'FF-M017', 'FF-M020', 'FF-M022', 'FF-M023', 'FF-M030', 'FF-M031']);
    const unexpected = result.findings.filter((f) => !allowed.has(f.rule)).map((f) => `${f.rule}: ${f.message}`);
    assert.deepEqual(unexpected, []);
  });

  it('finds the corrupt and empty files', () => {
    const truncated = truth.defects.corruptFiles.filter((c) => c.kind === 'truncated').map((c) => c.file).sort();
    const empty = truth.defects.corruptFiles.filter((c) => c.kind !== 'truncated').map((c) => c.file).sort();
    assert.deepEqual(byRule('FF-D010').map((f) => f.evidence.path).sort(), truncated);
    assert.deepEqual(byRule('FF-D011').map((f) => f.evidence.path).sort(), empty);
    for (const f of byRule('FF-D010')) assert.equal(f.evidence.code, 'truncated');
  });

  it('finds the under-represented skin tones, V and VI only', () => {
    const d003 = byRule('FF-D003');
    const expected = Object.entries(truth.defects.underRepresentation.ratioToReference).filter(([, r]) => r < 0.5).map(([v]) => v).sort();
    assert.deepEqual(d003.map((f) => f.evidence.value).sort(), expected);
    assert.deepEqual(expected, ['V', 'VI']);
    for (const f of d003) {
      assert.equal(f.evidence.attribute, 'fitzpatrick');
      assert.equal(f.evidence.count, truth.defects.underRepresentation.counts[f.evidence.value as string]);
    }
  });

  it('finds the label–skin-tone association and no other, with scipy\'s chi-square and Cramér\'s V', () => {
    const d006 = byRule('FF-D006');
    assert.equal(d006.length, 1);
    assert.equal(d006[0].evidence.attribute, 'fitzpatrick');
    const planted = reference.associations.find((a) => a.columns === 'fitzpatrick');
    assert.ok(planted);
    assert.ok(Math.abs((d006[0].evidence.chi2 as number) - planted.chi2) < 1e-6, `${String(d006[0].evidence.chi2)} vs ${planted.chi2}`);
    assert.ok(Math.abs((d006[0].evidence.cramersV as number) - planted.cramersV) < 1e-9);
    // The other attributes were drawn independently of the label: scipy finds no association at the audit's level.
    for (const other of reference.associations.filter((a) => a.columns !== 'fitzpatrick')) assert.ok(other.pValue >= 0.01, JSON.stringify(other));
  });

  it('finds the darker site, and every property gap it reports is planted, follows from it, or is inherent', () => {
    const gaps = [...byRule('FF-D007'), ...byRule('FF-D008')];
    const site = gaps.find((f) => f.evidence.partition === 'site' && f.evidence.property === 'brightness');
    assert.ok(site, 'the brightness gap between sites is reported');
    assert.equal(site.evidence.group, DARK_SITE);
    const darkSite = reference.propertyGaps.find((g) => g.attribute === 'site' && g.value === DARK_SITE && g.property === 'brightness');
    assert.ok(darkSite && darkSite.smd < -1.5, JSON.stringify(darkSite));
    assert.ok(Math.abs((site.evidence.standardisedMeanDifference as number) - darkSite.smd) < 0.01);
    // Gaps the generator explains: the darker site (and what it moves), and skin or lesion colour; never sex or age.
    const explained = (g: ReferenceGap): boolean => g.attribute === 'site' || g.attribute === 'fitzpatrick' || g.attribute === 'label';
    const large = reference.propertyGaps.filter((g) => Math.abs(g.smd) >= THRESHOLD_DEFAULTS.minEffectSize);
    assert.deepEqual(large.filter((g) => !explained(g)), [], 'no sex or age-group gap in the reference');
    const known = new Set(large.map((g) => `${g.attribute}|${g.value}|${g.property}`));
    const unexplained = gaps.filter((f) => !known.has(`${f.evidence.partition}|${f.evidence.group}|${f.evidence.property}`)).map((f) => f.message);
    assert.deepEqual(unexplained, []);
  });

  it('finds the exact duplicates', () => {
    const expected = truth.defects.exactDuplicates.map((d) => [d.source, d.copy].sort().join(' ')).sort();
    assert.deepEqual(byRule('FF-D020').map((f) => paths(f).join(' ')).sort(), expected);
  });

  it('finds the near duplicates, the leaks across splits and the conflicting labels', () => {
    const pairs = truth.defects.nearDuplicates.pairs;
    const key = (p: { source: string; copy: string }): string => [p.source, p.copy].sort().join(' ');
    assert.deepEqual(byRule('FF-D021').map((f) => paths(f).join(' ')).sort(), pairs.map(key).sort());
    assert.deepEqual(byRule('FF-D023').map((f) => paths(f).join(' ')).sort(), pairs.filter((p) => p.sourceSplit !== p.copySplit).map(key).sort());
    assert.deepEqual(byRule('FF-D022').map((f) => paths(f).join(' ')).sort(), pairs.filter((p) => p.sourceLabel !== p.copyLabel).map(key).sort());
    assert.equal(byRule('FF-D023').length, 4);
    assert.equal(byRule('FF-D022').length, 3);
  });

  it('finds the GPS tags, serial numbers and AI-generated images', () => {
    const files = (rule: string): string[] => byRule(rule).map((f) => String(f.evidence.path)).sort();
    assert.deepEqual(files('FF-D030'), truth.defects.gps.map((g) => g.file).sort());
    assert.deepEqual(files('FF-D031'), truth.defects.serialNumbers.map((g) => g.file).sort());
    assert.deepEqual(files('FF-D032'), truth.defects.aiGenerated.map((g) => g.file).sort());
  });

  it('finds the label typos, and the typo classes are the only small classes', () => {
    const typos = [...new Set(truth.defects.labelTypos.map((t) => t.label))].sort();
    const spellings = byRule('FF-D016').flatMap((f) => (f.evidence.spellings as Array<{ label: string }>).map((s) => s.label));
    for (const typo of typos) assert.ok(spellings.includes(typo), `label typo '${typo}' is reported`);
    assert.equal(byRule('FF-D016').length, typos.length);
    assert.deepEqual(byRule('FF-D002').map((f) => f.evidence.label ?? f.evidence.class).sort(), typos);
    assert.equal(byRule('FF-D001').length, 1);
  });

  it('reports small intersection cells only where typo classes or the rare skin tones are involved', () => {
    const typos = new Set(truth.defects.labelTypos.map((t) => t.label));
    for (const f of byRule('FF-D005')) {
      const cells = [...(f.evidence.emptyCells as Array<{ row: string; column: string }>), ...(f.evidence.tinyCells as Array<{ row: string; column: string }>)];
      for (const cell of cells) assert.ok(typos.has(cell.row) || ['V', 'VI'].includes(cell.column) || ['V', 'VI'].includes(cell.row), `${cell.row} × ${cell.column}`);
    }
  });

  it('audits the demo model on the test split, leaving out the one typo-labelled test image', () => {
    const audit = result.models[0];
    assert.equal(audit.status, 'ok', audit.reason);
    assert.equal(audit.split, 'test');
    assert.equal(audit.usage?.sources.labels, 'metadata');
    assert.equal(audit.usage?.trainedOn, 'train');
    const testRows = truth.counts.split.test;
    const typoInTest = truth.defects.labelTypos.filter((t) => t.file.startsWith('test/')).length;
    const unreadableInTest = truth.defects.corruptFiles.filter((c) => c.file.startsWith('test/')).length;
    assert.equal(audit.inference?.excludedUnknownLabel, typoInTest);
    assert.equal(audit.inference?.excludedUnreadable, unreadableInTest);
    assert.equal(audit.overall?.images, testRows - typoInTest - unreadableInTest);
    assert.equal(byRule('FF-M005').length, 0, 'the held-out split is not the training split');
  });

  it('reports the planted skin-tone gap: accuracy on Fitzpatrick V is lower than on every type I–IV, with an interval that excludes no gap', () => {
    const report = result.models[0].groups?.find((g) => g.name === 'fitzpatrick');
    const accuracy = report?.metrics.find((m) => m.metric === 'accuracy');
    assert.ok(accuracy);
    const of = (group: string): number => accuracy.byGroup.find((g) => g.group === group)?.estimate ?? NaN;
    for (const light of ['I', 'II', 'III', 'IV']) assert.ok(of('V') < of(light) - 0.1, `accuracy V ${of('V')} vs ${light} ${of(light)}`);
    assert.ok(of('VI') < of('IV') - 0.1, `accuracy VI ${of('VI')}`);
    const gap = byRule('FF-M010').find((f) => f.evidence.attribute === 'fitzpatrick');
    assert.ok(gap, 'an accuracy-gap finding on fitzpatrick');
    assert.equal(gap.severity, 'warning');
    const figure = gap.evidence.figure as { groups: { lower: string }; excludesNoGap: boolean; interval: { lower: number; upper: number }; value: number };
    assert.equal(figure.groups.lower, 'V');
    assert.equal(figure.excludesNoGap, true);
    assert.ok(figure.interval.lower > 0.05 && figure.value > 0.2, JSON.stringify(figure));
    assert.match(gap.message, /fitzpatrick 'V' \(n=\d+\).*95% interval excludes no gap/);
    assert.ok(byRule('FF-M017').some((f) => f.evidence.attribute === 'fitzpatrick' && JSON.stringify(f.evidence.groups).includes('"VI"')), 'type VI is flagged too small to rank');
  });

  it('ranks the planted test-split label flips first: average precision at least 0.84', () => {
    const predictions = result.models[0].predictions ?? {};
    const flips = new Set(truth.defects.labelFlips.map((f) => f.file));
    const rows = Object.values(predictions);
    assert.equal(rows.filter((r) => flips.has(r.relPath)).length, flips.size, 'every flipped image is audited');
    const ap = averagePrecisionScore(rows.map((r) => flips.has(r.relPath)), rows.map((r) => -r.selfConfidence));
    assert.ok(ap >= 0.84, `average precision ${ap}`);
    const summary = result.models[0].labelIssues;
    assert.ok(summary);
    const flagged = new Set(summary.issues.map((issue) => issue.relPath));
    const found = [...flips].filter((file) => flagged.has(file)).length;
    assert.ok(found >= 36, `${found} of ${flips.size} flips flagged`);
    // Per-image findings are the top of that ranking, as many as the model's error rate allows.
    const perImage = byRule('FF-M020').map((f) => String(f.evidence.relPath));
    assert.deepEqual(perImage, summary.issues.slice(0, summary.perImage.count).map((issue) => issue.relPath));
    assert.equal(byRule('FF-M023').length, 1);
  });

  it('explains the most confident errors of each group, and measures saliency against the lesion masks by group', () => {
    const e = result.models[0].explanations;
    assert.ok(e);
    assert.equal(e.method, 'gradcam');
    assert.ok(e.errors.length >= 6, `${e.errors.length} explained errors`);
    for (const error of e.errors) {
      assert.notEqual(error.label, error.predicted);
      assert.ok(error.deletionAuc !== undefined && error.insertionAuc !== undefined);
      assert.equal(error.map.data.length, 16 * 16);
    }
    assert.ok(e.sanity && e.sanity.images > 0 && e.sanity.meanSpearman !== null);
    const fitzpatrick = e.maskShare.find((m) => m.attribute === 'fitzpatrick');
    assert.ok(fitzpatrick, 'the manifest has a mask column');
    assert.deepEqual(fitzpatrick.byGroup.map((g) => g.group), ['I', 'II', 'III', 'IV', 'V', 'VI']);
    for (const group of fitzpatrick.byGroup) assert.ok(group.estimate !== null && group.estimate > 0 && group.estimate < 1, JSON.stringify(group));
    assert.ok(e.meanMaps.some((m) => m.attribute === 'fitzpatrick' && m.group === 'V'));
  });

  it('warns when the audited split is the one the model was trained on', async () => {
    const onTrain = await auditPath(path.join(dir, 'data'), { cacheDir: path.join(dir, 'cache'), models: [DEMO_MODEL], split: 'train' });
    assert.equal(onTrain.findings.filter((f) => f.rule === 'FF-M005').length, 1);
    assert.equal(onTrain.models[0].labelIssues?.onTrainingSplit, true);
  });

  it('a second audit of the unchanged dataset decodes nothing and runs the model on nothing', async () => {
    const again = await auditPath(path.join(dir, 'data'), { cacheDir: path.join(dir, 'cache'), models: [DEMO_MODEL] });
    assert.equal(again.datasets[0].scan.decoded, 0);
    assert.equal(again.datasets[0].scan.cacheHits, truth.counts.rows);
    assert.equal(again.models[0].inference?.inferred, 0);
    assert.equal(again.findings.length, result.findings.length);
  });
});
