// The Robustness section in a real browser, on the dashboard fixture audited with --robustness corruptions. By hand:
// mean_logits.onnx says "bright" when the mean pixel exceeds ½. Brightness adds c to the HSV value, so the dark images
// (level 20, 20/255 = 0.078) turn "bright" only at c = 0.5 (severity 5). Site 'north' (20 bright, 20 dark, labels
// right) keeps 100% to severity 4 and falls to 50% at 5; the second site (20 bright; 20 dark, of which 16 are labelled
// 'bright') has 60% clean and rises to 36/40 = 90% at severity 5, when the mislabelled dark images are called bright.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { toDashboardData } from '../../webview/dashboardData';
import { hasChromium, type DashboardHarness } from './dashboardHarness';
import { HOSTILE_SITE, SCREENSHOTS, openFixtureDashboard, type FixtureAudit } from './fixtureAudit';

describe('dashboard robustness section in Chromium', function () {
  this.timeout(240_000);
  let fixture: FixtureAudit;
  let harness: DashboardHarness;

  before(async function () {
    if (!(await hasChromium())) this.skip();
    ({ fixture, harness } = await openFixtureDashboard({ robustness: 'corruptions' }));
    await harness.load('vscode-dark');
    const reply = await harness.show(toDashboardData(fixture.result, (dataset, relPath) => harness.imageUri(dataset, relPath)));
    assert.ok(reply.rendered.includes('robustness'));
  });
  after(async () => {
    await harness?.close();
    if (fixture) await fs.rm(fixture.dir, { recursive: true, force: true });
  });

  it('draws accuracy against brightness severity, one line per site with whiskers, at the values computed by hand', async () => {
    const page = harness.page;
    // Choose brightness as the selector would, without opening its dropdown (the redraw replaces the control, and a
    // dropdown open at that moment is the component's own concern, not this section's).
    await page.evaluate(() => {
      const control = document.querySelector('#robustness-family') as HTMLElement & { value: string };
      control.value = 'brightness';
      control.dispatchEvent(new Event('change'));
    });
    const chart = page.locator('#robustness [data-chart="robustness"]');
    await chart.locator('svg[aria-label^="Accuracy under brightness by site"]').waitFor();
    assert.equal(await chart.locator('g.ff-robustness-line path').count(), 2, 'a line per site');
    assert.equal(await chart.locator('g.ff-interval line').count(), 2 * 5, 'a whisker per site and severity');
    const rows = await chart.locator('table tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (cell) => (cell.textContent ?? '').split(' [')[0])));
    const north = rows.find((row) => row[0] === 'north');
    const second = rows.find((row) => row[0] === HOSTILE_SITE);
    assert.deepEqual(north, ['north', '40', '100.0%', '100.0%', '100.0%', '100.0%', '100.0%', '50.0%']);
    assert.deepEqual(second, [HOSTILE_SITE, '40', '60.0%', '60.0%', '60.0%', '60.0%', '60.0%', '90.0%']);
    // The DiD at severity 5 compares the site that loses 50 points with the one that gains 30: 80 points.
    assert.match((await chart.locator('figcaption').textContent()) ?? '', /5: 80\.0% \[/);
    await chart.screenshot({ path: path.join(SCREENSHOTS, 'robustness.png') });
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(harness.pageErrors, []);
  });

  /** The control with the keyboard focus, whether `id`'s dropdown is open, and how many dropdowns are shown. */
  function controlState(id: string): Promise<{ active: string; open: boolean; value: string; shownDropdowns: number }> {
    return harness.page.evaluate((controlId) => {
      const control = document.getElementById(controlId) as (HTMLElement & { open: boolean; value: string }) | null;
      const shownDropdowns = Array.from(document.querySelectorAll('vscode-single-select')).filter((select) => select.shadowRoot?.querySelector(':popover-open')).length;
      return { active: document.activeElement?.id ?? '', open: control?.open ?? false, value: control?.value ?? '', shownDropdowns };
    }, id);
  }

  it('a condition chosen in the open dropdown with the keyboard redraws the chart, closes the dropdown and keeps the focus', async () => {
    const page = harness.page;
    await page.locator('#robustness-family').scrollIntoViewIfNeeded();
    await page.focus('#robustness-family');
    await page.keyboard.press('Enter');
    assert.equal((await controlState('robustness-family')).open, true, 'Enter opens the dropdown');
    // From the brightness chosen above: contrast, then jpeg.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator('#robustness svg[aria-label^="Accuracy under jpeg by site"]').waitFor();
    assert.deepEqual(await controlState('robustness-family'), { active: 'robustness-family', open: false, value: 'jpeg', shownDropdowns: 0 });
    // The redrawn control answers the keyboard: Enter opens it again, Escape closes it.
    await page.keyboard.press('Enter');
    assert.equal((await controlState('robustness-family')).open, true);
    await page.keyboard.press('Escape');
    assert.deepEqual(harness.pageErrors, []);
  });

  it('a redraw from the host while a dropdown is open closes it and leaves the focus on the control', async () => {
    const page = harness.page;
    for (const id of ['robustness-report', 'chart-metric']) {
      await page.locator(`#${id}`).scrollIntoViewIfNeeded();
      await page.locator(`#${id}`).click();
      assert.equal((await controlState(id)).open, true, `${id}: the click opens the dropdown`);
      const before = (await controlState(id)).value;
      const reply = await harness.show(toDashboardData(fixture.result, (dataset, relPath) => harness.imageUri(dataset, relPath)));
      assert.ok(reply.rendered.includes('robustness') && reply.rendered.includes('groups'));
      assert.deepEqual(await controlState(id), { active: id, open: false, value: before, shownDropdowns: 0 }, `${id} after the redraw`);
      await page.keyboard.press('ArrowDown');
      assert.equal((await controlState(id)).open, true, `${id}: the keyboard still reaches the redrawn control`);
      await page.keyboard.press('Escape');
    }
    assert.deepEqual(harness.pageErrors, []);
  });

  it('a redraw from the host while a control has the focus leaves the focus there', async () => {
    const page = harness.page;
    await page.focus('#robustness-family');
    await harness.show(toDashboardData(fixture.result, (dataset, relPath) => harness.imageUri(dataset, relPath)));
    assert.equal((await controlState('robustness-family')).active, 'robustness-family');
    assert.deepEqual(harness.pageErrors, []);
  });
});
