// The dashboard's Runs section in Chromium: the trend over recorded runs, and two runs compared — paired bars per group
// and each gap with the interval of its change (the hand-made runs whose intervals numpy reproduces, test/unit/runs).
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { toDashboardData } from '../../webview/dashboardData';
import { comparisonView, runPoints } from '../../webview/runsData';
import { RUNS_EMPTY_TEXT } from '../../webview/sections/runsSection';
import { diffRuns } from '../../src/engine/runs/runDiff';
import { handRun, PRED_AFTER, PRED_BEFORE } from '../unit/runs/runFixtures';
import { hasChromium, type DashboardHarness } from './dashboardHarness';
import { SCREENSHOTS, openFixtureDashboard, type FixtureAudit } from './fixtureAudit';

describe('dashboard Runs section in Chromium', function () {
  this.timeout(240_000);
  let fixture: FixtureAudit;
  let harness: DashboardHarness;

  before(async function () {
    if (!(await hasChromium())) this.skip();
    ({ fixture, harness } = await openFixtureDashboard());
    await harness.load('vscode-dark');
    await harness.show(toDashboardData(fixture.result, (dataset, relPath) => harness.imageUri(dataset, relPath)));
  });
  after(async () => {
    await harness?.close();
    if (fixture) await fs.rm(fixture.dir, { recursive: true, force: true });
  });

  it('says how runs get recorded when the model has none', async () => {
    assert.deepEqual(await harness.runs(null), { shown: true });
    assert.equal(await harness.page.locator('[data-body="runs"] p').first().textContent(), RUNS_EMPTY_TEXT);
  });

  it('draws the trend, then compares two runs on request: paired bars per group, the gap with the interval of its change', async () => {
    const before = handRun('20261201-000000-aaaaaa', PRED_BEFORE);
    const after = handRun('20261202-000000-bbbbbb', PRED_AFTER);
    before.recordedAt = '2026-12-01T00:00:00.000Z';
    after.recordedAt = '2026-12-02T00:00:00.000Z';
    after.label = 'retrained';
    const points = runPoints([before, after], '/work/models/m.onnx', 'd');
    assert.equal(points.length, 2);
    harness.runComparison = (a, b) => comparisonView(diffRuns(a === before.id ? before : after, b === after.id ? after : before, { replicates: 400, seed: 7 }), 'd') ?? null;
    assert.deepEqual(await harness.runs({ model: 'm.onnx', dataset: 'd', runs: points }), { shown: true });
    const section = harness.page.locator('[data-body="runs"]');
    const trend = section.locator('[data-chart="runs-trend"]');
    assert.equal(await trend.locator('.ff-trend-point circle').count(), 2);
    assert.match((await trend.locator('figcaption').textContent()) ?? '', /accuracy difference between the groups of site/);
    // By hand: 6/12 right before, 10/12 after.
    const titles = await trend.locator('.ff-trend-point title').allTextContents();
    assert.ok(titles.some((t) => /: accuracy 50\.0%/.test(t)) && titles.some((t) => /retrained: accuracy 83\.3%/.test(t)), titles.join(' | '));

    await section.locator('#runs-compare').click();
    await section.locator('[data-chart="runs-paired"]').waitFor();
    assert.deepEqual(harness.compareRunsRequests, [{ before: before.id, after: after.id }]);
    // Two sites × before/after.
    assert.equal(await section.locator('[data-chart="runs-paired"] .ff-paired-bar rect').count(), 4);
    assert.match((await section.locator('[data-cell="runs-mode"]').textContent()) ?? '', /paired bootstrap over the images/);
    // Site a: 5/7 → 7/7; site b: 1/5 → 3/5; the accuracy difference 0.514 → 0.400 with numpy's interval [−0.657, 0.429].
    const siteA = section.locator('[data-table="runs-groups"] tr[data-group="a"] td');
    assert.deepEqual((await siteA.allTextContents()).slice(0, 2), ['71.4%', '100.0%']);
    const gap = section.locator('[data-table="runs-gaps"] tr').filter({ hasText: 'accuracy difference' });
    assert.deepEqual(await gap.locator('td').allTextContents(), ['no clear change', '0.514', '0.400', '−0.114', '[−0.657, 0.429]', 'fail → pass']);
    assert.deepEqual(harness.pageErrors, []);
    await harness.page.locator('#runs').screenshot({ path: path.join(SCREENSHOTS, 'dashboard-runs.png') });
  });
});
