// The comparison of two runs: intervals of each change against numpy on the same resampling indices
// (scripts/reference/runDiffReference.py → runDiffReference.json), the paired/independent choice, and the gap verdicts.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { diffRuns, diffRunsAsync, verdictOf, type MetricChange, type RunDiff } from '../../../src/engine/runs/runDiff';
import { renderDiffMarkdown } from '../../../src/engine/report/diffMarkdown';
import { GROUPS, handRun, LABELS, PRED_AFTER, PRED_BEFORE } from './runFixtures';

interface ReferenceFigure { before: number; after: number; interval: [number, number] }
type ReferenceMode = Record<'accuracy' | 'selectionRate' | 'truePositiveRate', Record<'overall' | 'a' | 'b' | 'difference', ReferenceFigure>> & { selectionRateRatio: ReferenceFigure };
const REFERENCE = JSON.parse(readFileSync(path.join(__dirname, 'runDiffReference.json'), 'utf8')) as { paired: ReferenceMode; independent: ReferenceMode };

const close = (actual: number | null, expected: number, what: string): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);
};

function checkAgainstReference(diff: RunDiff, reference: ReferenceMode): void {
  const report = diff.models[0].reports[0];
  const byName = (name: string): MetricChange => report.metrics.find((m) => m.metric === name) as MetricChange;
  for (const name of ['accuracy', 'selectionRate', 'truePositiveRate'] as const) {
    const change = byName(name);
    const figures = { overall: change.overall, a: change.byGroup.find((g) => g.group === 'a'), b: change.byGroup.find((g) => g.group === 'b'), difference: change.difference };
    for (const [figure, actual] of Object.entries(figures)) {
      const expected = reference[name][figure as keyof typeof figures];
      assert.ok(actual, `${name} ${figure} missing`);
      close(actual.before, expected.before, `${name} ${figure} before`);
      close(actual.after, expected.after, `${name} ${figure} after`);
      close(actual.change.estimate, expected.after - expected.before, `${name} ${figure} change`);
      close(actual.change.lower, expected.interval[0], `${name} ${figure} lower`);
      close(actual.change.upper, expected.interval[1], `${name} ${figure} upper`);
    }
  }
  const ratio = report.gaps.find((gap) => gap.rule === 'FF-M015');
  assert.ok(ratio);
  close(ratio.before, reference.selectionRateRatio.before, 'disparate impact before');
  close(ratio.change.lower, reference.selectionRateRatio.interval[0], 'disparate impact lower');
  close(ratio.change.upper, reference.selectionRateRatio.interval[1], 'disparate impact upper');
}

describe('runs/runDiff', () => {
  it('pairs the bootstrap over the images when both runs scored the same images, matching numpy on the same indices', () => {
    const diff = diffRuns(handRun('before', PRED_BEFORE), handRun('after', PRED_AFTER), { replicates: 400, seed: 7 });
    assert.equal(diff.models.length, 1);
    assert.equal(diff.models[0].mode, 'paired');
    assert.match(diff.models[0].modeReason, /same 12 images/);
    checkAgainstReference(diff, REFERENCE.paired);
  });

  it('resamples each run on its own when the images differ, matching numpy', () => {
    const diff = diffRuns(handRun('before', PRED_BEFORE), handRun('after', PRED_AFTER, { images: LABELS.map((_, i) => i).slice(0, 11) }), { replicates: 400, seed: 7 });
    assert.equal(diff.models[0].mode, 'independent');
    assert.match(diff.models[0].modeReason, /different images \(12 and 11, 11 in common\)/);
    checkAgainstReference(diff, REFERENCE.independent);
  });

  it('gives macro F1 and log loss with the paired interval of their change, as scikit-learn scores each resample', () => {
    // scripts/reference/runDiffScoreReference.py (f1_score average='macro', log_loss on the same resampling indices).
    const sklearn = {
      macroF1: { before: 0.48571428571428577, after: 0.8333333333333334, interval: [0.09099766042780737, 0.6112581699346404] },
      logLoss: { before: 1.203972804325936, after: 0.47156461188052945, interval: [-1.2817143367794612, -0.18310204811135156] },
    };
    const diff = diffRuns(handRun('before', PRED_BEFORE), handRun('after', PRED_AFTER), { replicates: 400, seed: 7 });
    for (const [metric, expected] of Object.entries(sklearn)) {
      const figure = diff.models[0].overall.find((entry) => entry.metric === metric);
      assert.ok(figure, `${metric} is compared`);
      close(figure.before, expected.before, `${metric} before`);
      close(figure.after, expected.after, `${metric} after`);
      close(figure.change.lower, expected.interval[0], `${metric} change lower`);
      close(figure.change.upper, expected.interval[1], `${metric} change upper`);
    }
    // By hand: before, 6 of 12 right at 0.9 and 6 wrong at 0.1 → log loss (6·ln(1/0.9) + 6·ln(1/0.1)) / 12.
    close(diff.models[0].overall.find((entry) => entry.metric === 'logLoss')?.before ?? null, (Math.log(1 / 0.9) + Math.log(10)) / 2, 'log loss by hand');
    // Runs whose scores are predicted labels only have no log loss.
    const labelsOnly = (run: ReturnType<typeof handRun>): ReturnType<typeof handRun> => {
      run.result.models[0].predictionsFile = { file: '/p.csv', format: 'csv', sha256: 'x', scoreKind: 'labels', columns: { path: 'path', predicted: 'predicted', scores: [] }, rows: 12, invalidRows: 0, unmatchedRows: 0, duplicateRows: 0 } as never;
      return run;
    };
    const withoutProbabilities = diffRuns(handRun('before', PRED_BEFORE), labelsOnly(handRun('after', PRED_AFTER)), { replicates: 50, seed: 7 });
    assert.deepEqual(withoutProbabilities.models[0].overall.map((entry) => entry.metric), ['accuracy', 'balancedAccuracy', 'macroF1']);
    assert.match(renderDiffMarkdown(diff), /\| macro F1 \| 0\.486 \| 0\.833 \|/);
  });

  it('gives the ROC AUC (binary, and macro one-vs-rest) with the paired interval of its change, as scikit-learn scores each resample', () => {
    // scripts/reference/runDiffScoreReference.py: roc_auc_score on the same resampling indices (a resample missing a
    // class leaves it out of the macro mean; one with a single class is undefined).
    const sklearn = {
      auc: { before: 0.5, after: 0.8333333333333334, interval: [0.08303571428571423, 0.5833333333333334] },
      macroAuc: { before: 0.3489583333333333, after: 0.5, interval: [-0.19313409391534397, 0.5630787037037032] },
    };
    const check = (figure: { before: number | null; after: number | null; change: { lower: number | null; upper: number | null } } | undefined, expected: typeof sklearn.auc, what: string): void => {
      assert.ok(figure, `${what} is compared`);
      close(figure.before, expected.before, `${what} before`);
      close(figure.after, expected.after, `${what} after`);
      close(figure.change.lower, expected.interval[0], `${what} change lower`);
      close(figure.change.upper, expected.interval[1], `${what} change upper`);
    };
    // Binary: each image keeps both classes' probabilities, 0.9 for the predicted class and 0.1 for the other.
    const bothClasses = (run: ReturnType<typeof handRun>): ReturnType<typeof handRun> => {
      for (const prediction of Object.values(run.result.models[0].predictions ?? {})) prediction.top = [[prediction.predicted, 0.9], [prediction.predicted === 'pos' ? 'neg' : 'pos', 0.1]];
      return run;
    };
    const binary = diffRuns(bothClasses(handRun('before', PRED_BEFORE)), bothClasses(handRun('after', PRED_AFTER)), { replicates: 400, seed: 7 });
    check(binary.models[0].overall.find((entry) => entry.metric === 'auc'), sklearn.auc, 'AUC');
    // Without every class's probability (the hand runs keep the top class only) there is no AUC.
    assert.equal(diffRuns(handRun('before', PRED_BEFORE), handRun('after', PRED_AFTER), { replicates: 50, seed: 7 }).models[0].overall.some((entry) => entry.metric === 'auc'), false);

    // Three classes, seeded rows (from the script).
    const labels3 = [0, 1, 2, 0, 1, 2, 2, 1, 0, 0, 1, 2];
    const rowsBefore = [[0.159, 0.046, 0.795], [0.161, 0.051, 0.788], [0.462, 0.511, 0.027], [0.375, 0.511, 0.114], [0.628, 0.078, 0.294], [0.085, 0.61, 0.305], [0.155, 0.595, 0.25], [0.156, 0.492, 0.352], [0.398, 0.112, 0.49], [0.018, 0.955, 0.027], [0.527, 0.405, 0.068], [0.562, 0.015, 0.423]];
    const rowsAfter = [[0.151, 0.254, 0.595], [0.217, 0.372, 0.411], [0.267, 0.188, 0.545], [0.207, 0.665, 0.128], [0.38, 0.438, 0.182], [0.384, 0.227, 0.389], [0.236, 0.487, 0.277], [0.156, 0.461, 0.383], [0.274, 0.386, 0.34], [0.52, 0.251, 0.229], [0.109, 0.191, 0.7], [0.244, 0.549, 0.207]];
    const classes3 = ['neg', 'pos', 'mid'];
    const threeClass = (id: string, rows: number[][]): ReturnType<typeof handRun> => {
      const run = handRun(id, PRED_BEFORE);
      const audit = run.result.models[0];
      (audit.usage as { classNames: string[] }).classNames = classes3;
      Object.values(audit.predictions ?? {}).forEach((prediction, i) => {
        const row = rows[i];
        const best = row.indexOf(Math.max(...row));
        prediction.label = classes3[labels3[i]];
        prediction.predicted = classes3[best];
        prediction.correct = best === labels3[i];
        prediction.confidence = row[best];
        prediction.selfConfidence = row[labels3[i]];
        prediction.top = row.map((p, c): [string, number] => [classes3[c], p]).sort((a, b) => b[1] - a[1]);
      });
      return run;
    };
    const macro = diffRuns(threeClass('before', rowsBefore), threeClass('after', rowsAfter), { replicates: 400, seed: 7 });
    assert.equal(macro.models[0].mode, 'paired');
    check(macro.models[0].overall.find((entry) => entry.metric === 'macroAuc'), sklearn.macroAuc, 'macro AUC');
  });

  it('does not pair when the dataset content changed, even over the same paths', () => {
    const diff = diffRuns(handRun('before', PRED_BEFORE), handRun('after', PRED_AFTER, { contentHash: 'other' }), { replicates: 50, seed: 7 });
    assert.equal(diff.models[0].mode, 'independent');
    assert.match(diff.models[0].modeReason, /content hash differs/);
  });

  it('shows zero change with a zero-width interval when a run is compared with itself', () => {
    const diff = diffRuns(handRun('before', PRED_BEFORE), handRun('after', PRED_BEFORE), { replicates: 100, seed: 3 });
    for (const metric of diff.models[0].reports[0].metrics) {
      for (const figure of [metric.overall, metric.difference, ...metric.byGroup]) {
        if (figure.change.estimate === null) continue;
        assert.deepEqual([figure.change.estimate, figure.change.lower, figure.change.upper], [0, 0, 0]);
      }
    }
    assert.ok(diff.models[0].reports[0].gaps.every((gap) => gap.verdict === 'no clear change'));
    assert.equal(diff.gapGrew, false);
  });

  it('says a gap closed, grew, narrowed or did not clearly move from the interval of its change and the threshold', () => {
    const interval = (estimate: number, lower: number, upper: number) => ({ estimate, lower, upper, level: 0.95, replicates: 100, undefinedReplicates: 0 });
    assert.equal(verdictOf(interval(-0.2, -0.3, -0.1), 'max', false, true), 'closed');
    assert.equal(verdictOf(interval(-0.2, -0.3, -0.1), 'max', false, false), 'narrowed');
    assert.equal(verdictOf(interval(0.2, 0.1, 0.3), 'max', true, false), 'grew');
    assert.equal(verdictOf(interval(-0.2, -0.3, 0.1), 'max', false, true), 'no clear change');
    // A disparate impact ratio closes upwards.
    assert.equal(verdictOf(interval(0.3, 0.1, 0.5), 'min', false, true), 'closed');
    assert.equal(verdictOf(interval(-0.3, -0.5, -0.1), 'min', true, true), 'grew');
    assert.equal(verdictOf({ ...interval(0, 0, 0), lower: null }, 'max', null, null), 'undefined');
  });

  it('reports the accuracy gap of the hand-made runs with its verdict, and flags a gap that grew', () => {
    // By hand: before, site a 5/7 right, site b 1/5 → difference 0.514 (fails ≤ 0.45); after, 7/7 and 3/5 → 0.4 (passes).
    const diff = diffRuns(handRun('before', PRED_BEFORE), handRun('after', PRED_AFTER), { replicates: 400, seed: 7 });
    const gap = diff.models[0].reports[0].gaps.find((g) => g.rule === 'FF-M010');
    assert.ok(gap);
    close(gap.before, 5 / 7 - 1 / 5, 'accuracy difference before');
    close(gap.after, 1 - 3 / 5, 'accuracy difference after');
    assert.deepEqual([gap.passedBefore, gap.passedAfter], [false, true]);
    // Its interval [−0.657, 0.429] (numpy) covers 0: passing now is not shown to be more than noise.
    assert.equal(gap.verdict, 'no clear change');
    assert.equal(diff.gapGrew, false);
    // A gap that certainly grew: before, every image right (difference 0 in every resample); after, site a all right and
    // site b all wrong (difference 1 in every resample) → change 1 with interval [1, 1].
    const wrongInB = LABELS.map((label, i) => (GROUPS[i] === 'b' ? 1 - label : label));
    const grew = diffRuns(handRun('perfect', LABELS), handRun('broken', wrongInB), { replicates: 100, seed: 1 });
    const accuracyGap = grew.models[0].reports[0].gaps.find((g) => g.rule === 'FF-M010');
    assert.deepEqual([accuracyGap?.before, accuracyGap?.after, accuracyGap?.change.lower, accuracyGap?.change.upper, accuracyGap?.verdict], [0, 1, 1, 1, 'grew']);
    assert.equal(grew.gapGrew, true);
    const markdown = renderDiffMarkdown(diff);
    assert.match(markdown, /\| no clear change \| accuracy difference by site \| 0\.514 \| 0\.4 \| -0\.114 \[-0\.657, \+0\.429\] \| ≤ 0\.45: fails → passes \|/);
    assert.match(markdown, /paired bootstrap over the images/);
  });

  it('gives the editor the same comparison in steps, and stops when cancelled', async () => {
    const options = { replicates: 100, seed: 5 };
    assert.deepEqual(await diffRunsAsync(handRun('before', PRED_BEFORE), handRun('after', PRED_AFTER), options), diffRuns(handRun('before', PRED_BEFORE), handRun('after', PRED_AFTER), options));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(diffRunsAsync(handRun('before', PRED_BEFORE), handRun('after', PRED_AFTER), { ...options, signal: controller.signal }), (error: Error) => error.name === 'FairframeError');
  });
});
