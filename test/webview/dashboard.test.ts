// The dashboard in a real browser: the page VS Code would load (same HTML, CSP and bundle), a result from the
// real engine, and what a person sees and does — the fairness table, charts, heatmaps, galleries, the keyboard,
// the themes — plus hostile names that must stay text.
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { auditPath } from '../../src/engine/audit';
import type { AuditResult } from '../../src/engine/auditResult';
import type { Finding } from '../../src/engine/types';
import { GALLERY_LIMIT, findingKey, focusForFinding, toDashboardData } from '../../webview/dashboardData';
import { intervalText } from '../../webview/format';
import { GALLERY_PAGE } from '../../webview/sections/galleriesSection';
import { COMPARE_EMPTY_TEXT } from '../../webview/sections/compareSection';
import type { CompareView } from '../../webview/protocol';
import { DashboardHarness, hasChromium, type ThemeKind } from './dashboardHarness';
import { HOSTILE_FILES, HOSTILE_SITE, SCREENSHOTS, openFixtureDashboard, type FixtureAudit } from './fixtureAudit';

const ROOT = path.resolve(__dirname, '../..');

describe('dashboard webview in Chromium', function () {
  this.timeout(240_000);
  let fixture: FixtureAudit;
  let harness: DashboardHarness;

  before(async function () {
    if (!(await hasChromium())) this.skip();
    ({ fixture, harness } = await openFixtureDashboard());
    // Each test starts from a rendered page, so that any one of them can run alone.
    await showFixture();
  });
  after(async () => {
    await harness?.close();
    if (fixture) await fs.rm(fixture.dir, { recursive: true, force: true });
  });

  async function showFixture(theme: ThemeKind = 'vscode-dark'): Promise<string[]> {
    await harness.load(theme);
    const reply = await harness.show(toDashboardData(fixture.result, (dataset, relPath) => harness.imageUri(dataset, relPath)));
    return reply.rendered;
  }

  it('says ready first, then renders every section of the result it is sent', async () => {
    const before = harness.readyCount;
    const rendered = await showFixture();
    assert.equal(harness.readyCount, before + 1);
    assert.deepEqual(rendered, ['overview', 'compare', 'fairness', 'groups', 'heatmaps', 'properties', 'galleries', 'robustness', 'explanation', 'runs', 'shift']);
    const page = harness.page;
    assert.deepEqual(await page.locator('.severity-count').allTextContents(), [fixture.result.counts.error, fixture.result.counts.warning, fixture.result.counts.info].map(String));
    // 64 of the 80 images are called right: 80.0%, with the engine's interval.
    const accuracy = fixture.result.models[0].overall!.accuracy;
    assert.equal(accuracy.estimate, 0.8);
    const modelRow = await page.locator('#overview table:has(caption:text("Models")) tbody tr').first().textContent();
    assert.match(modelRow ?? '', new RegExp(`80\\.0% ± .*95% CI ${(accuracy.lower! * 100).toFixed(1)}%–${(accuracy.upper! * 100).toFixed(1)}%`));
    assert.deepEqual(harness.pageErrors, []);
  });

  it("draws each group's distribution of an image property as a histogram on shared bins", async () => {
    // Brightness is 230 on even images and 20 on odd ones, 20 of each per site: 20 bins over [20, 230], and each site
    // has half its images in the first bin and half in the last.
    const histogram = (fixture.result.datasets[0].checks.find((c) => c.check === 'image-properties')!.summary.histograms as Record<string, { edges: number[]; counts: Record<string, Record<string, number[]>> }>).brightness;
    assert.ok(Math.abs(histogram.edges[0] - 20) < 1e-9 && Math.abs(histogram.edges[20] - 230) < 1e-9, `edges ${histogram.edges[0]}–${histogram.edges[20]}`);
    assert.deepEqual(histogram.counts.site.north.filter((c) => c > 0), [20, 20]);
    const chart = harness.page.locator('#properties [data-chart="property-distribution"]');
    await chart.scrollIntoViewIfNeeded();
    assert.equal(await chart.locator('g.ff-bin rect').count(), 2 * 20, 'a rect per bin for each of the two sites');
    const titles = await chart.locator('g.ff-bin rect title').allTextContents();
    assert.equal(titles.filter((t) => /: 20 images \(50\.0%\)$/.test(t)).length, 4, titles.filter((t) => !/: 0 images/.test(t)).join(' | '));
    assert.equal(titles.filter((t) => /: 0 images \(0\.0%\)$/.test(t)).length, 36);
    assert.match((await chart.locator('figcaption').textContent()) ?? '', /20 shared bins, bar height = share of that group's images/);
  });

  it('lists the failing accuracy difference with its interval, and the passing figures', async () => {
    const figure = fixture.result.models[0].groups!.find((g) => g.name === 'site')!.fairness.find((f) => f.rule === 'FF-M010')!;
    assert.equal(figure.value, 0.4);
    const row = harness.page.locator(`#fairness tr[data-rule="FF-M010"][data-report="site"]`);
    assert.equal(await row.locator('[data-cell="value"]').textContent(), '0.400');
    assert.equal(await row.locator('[data-cell="interval"]').textContent(), `95% CI ${intervalText(figure.interval)}`);
    assert.equal(await row.locator('[data-cell="excludes"]').textContent(), 'Yes');
    assert.match((await row.locator('[data-cell="result"]').textContent()) ?? '', /Fail/);
    const failing = fixture.result.models[0].groups!.flatMap((g) => g.fairness).filter((f) => f.passed === false).length;
    assert.equal(await harness.page.locator('#fairness tr.figure-fail').count(), failing);
    // sex is balanced in every respect: its accuracy difference is 0 and passes.
    assert.match((await harness.page.locator(`#fairness tr[data-rule="FF-M010"][data-report="sex"] [data-cell="result"]`).textContent()) ?? '', /Pass/);
  });

  it('draws the per-group bars with values and error bars, and switches metric from the keyboard', async () => {
    const chart = harness.page.locator('[data-chart="groups"]');
    assert.equal(await chart.locator('svg.ff-plot').count(), 1);
    assert.equal(await chart.locator('g.ff-bar rect').count(), 2);
    assert.deepEqual((await chart.locator('g.ff-value text').allTextContents()).sort(), ['100.0%', '60.0%']);
    // One whisker per group with an interval; the second site's (24/40 right) has length, north's (40/40) has none.
    const whiskers = await chart.locator('g.ff-interval line').evaluateAll((lines) => lines.map((l) => Math.abs(Number(l.getAttribute('y2')) - Number(l.getAttribute('y1')))));
    assert.equal(whiskers.length, 2);
    assert.equal(whiskers.filter((length) => length > 10).length, 1);
    assert.equal(await chart.locator('g.ff-interval-cap line').count(), 4);
    assert.equal(await chart.locator('g.ff-overall line').count(), 1);
    assert.match((await chart.locator('svg.ff-plot').getAttribute('aria-label')) ?? '', /Accuracy by site, with 95% confidence intervals/);

    await harness.page.focus('#chart-metric');
    await harness.page.keyboard.press('Enter');
    await harness.page.keyboard.press('ArrowDown');
    await harness.page.keyboard.press('Enter');
    await harness.page.locator('[data-chart="groups"] svg[aria-label^="Error rate by site"]').waitFor();
    assert.deepEqual((await harness.page.locator('[data-chart="groups"] g.ff-value text').allTextContents()).sort(), ['0.0%', '40.0%']);
    assert.equal(await harness.page.evaluate(() => document.activeElement?.id), 'chart-metric');
  });

  it('offers the intersection of the attributes in the chart selector', async () => {
    const options = await harness.page.locator('#chart-report vscode-option').allTextContents();
    assert.deepEqual(options.map((o) => o.trim()), ['site', 'sex', 'site × sex (intersection)']);
  });

  it('writes the counts into the confusion matrix and the label × group heatmap cells', async () => {
    const confusion = harness.page.locator('[data-chart="confusion"]');
    assert.equal(await confusion.locator('g.ff-cell rect').count(), 4);
    // rows true bright (40 bright + 16 dark labelled bright), dark (24): [[40, 16], [0, 24]].
    assert.deepEqual(await confusion.locator('g.ff-cell-text text').allTextContents(), ['40', '16', '0', '24']);
    const crossTab = harness.page.locator('[data-chart="label-attribute"]');
    assert.deepEqual((await crossTab.locator('g.ff-cell-text text').allTextContents()).map(Number).sort((a, b) => a - b), [4, 20, 20, 36]);
    assert.equal(await harness.page.locator('[data-chart="class-group"] g.ff-cell rect').count(), 4);
  });

  it('shows hostile file names and attribute values as text and runs none of them', async () => {
    const page = harness.page;
    const paths = await page.locator('[data-gallery="label-issues"] .card-path').allTextContents();
    for (const name of HOSTILE_FILES) assert.ok(paths.includes(name), `${name} is shown as text`);
    const headers = await page.locator('#fairness tbody td').allTextContents();
    assert.ok(headers.some((text) => text.includes(HOSTILE_SITE)), 'the hostile site value is shown as text');
    assert.ok((await page.locator('[data-chart="groups"] svg').textContent())?.includes(HOSTILE_SITE.slice(0, 21)));
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.locator('[onerror], [onload]').count(), 0);
    assert.equal(await page.locator('script').count(), 2);
    assert.deepEqual(harness.dialogs, []);
    assert.deepEqual(await harness.violations(), []);
  });

  it('loads gallery images from the dataset and asks the host to open one', async () => {
    const card = harness.page.locator(`[data-gallery="label-issues"] [data-relpath="${HOSTILE_FILES[0].replace(/"/g, '\\"')}"]`);
    await card.scrollIntoViewIfNeeded();
    await card.locator('img').evaluate((img: HTMLImageElement) => (img.complete ? undefined : new Promise((resolve) => img.addEventListener('load', resolve, { once: true }))));
    assert.equal(await card.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth), 16);
    assert.equal(await card.locator('img').getAttribute('alt'), HOSTILE_FILES[0]);
    const before = harness.openFileRequests.length;
    await card.locator('.open-button').click();
    // The request crosses the page binding asynchronously: wait for it to arrive.
    for (let i = 0; i < 100 && harness.openFileRequests.length === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(harness.openFileRequests.at(-1), { dataset: 'data', relPath: HOSTILE_FILES[0] });
    // Every label issue can be explained with the (audited) model.
    assert.equal(await harness.page.locator('[data-gallery="label-issues"] .explain-button').count(), 16);
  });

  it('moves keyboard focus through the sections, selectors, checkbox and buttons in page order', async () => {
    // A click on the title sets where sequential focus navigation starts, as a person's click would.
    await harness.page.locator('h1').click();
    const visited: string[] = [];
    // One stop per section link (eleven sections) and per control up to the first button, with room to spare.
    for (let i = 0; i < 32; i++) {
      await harness.page.keyboard.press('Tab');
      visited.push(await harness.page.evaluate(() => {
        const active = document.activeElement as HTMLElement;
        return active.id || (active.tagName === 'A' ? `nav:${active.textContent}` : active.tagName.toLowerCase());
      }));
    }
    const expected = ['nav:Overview', 'nav:Fairness', 'nav:Groups', 'nav:Heatmaps', 'nav:Image properties', 'nav:Galleries', 'nav:Explanation',
      'fairness-report', 'fairness-failing', 'chart-report', 'chart-metric', 'cross-attribute', 'heatmap-report', 'heatmap-metric', 'property-partition', 'property-name', 'vscode-button'];
    let at = -1;
    for (const id of expected) {
      const next = visited.indexOf(id, at + 1);
      assert.ok(next > at, `${id} is reached after ${expected[expected.indexOf(id) - 1] ?? 'the start'} (visited: ${visited.join(', ')})`);
      at = next;
    }
  });

  it('takes its colours from the theme: light, dark and high contrast', async () => {
    const seen: Record<string, { background: string; text: string; border: string; bar: string }> = {};
    for (const theme of ['vscode-light', 'vscode-dark', 'vscode-high-contrast'] as const) {
      await harness.setTheme(theme);
      seen[theme] = await harness.page.evaluate(() => ({
        background: getComputedStyle(document.body).backgroundColor,
        text: getComputedStyle(document.querySelector('#fairness td')!).color,
        border: getComputedStyle(document.querySelector('#fairness td')!).borderTopColor,
        bar: getComputedStyle(document.querySelector('[data-chart="groups"] g.ff-bar rect')!).fill,
      }));
      await harness.page.evaluate(() => window.scrollTo(0, 0));
      await harness.page.screenshot({ path: path.join(SCREENSHOTS, `fixture-${theme}.png`) });
    }
    assert.deepEqual(seen['vscode-light'], { background: 'rgb(255, 255, 255)', text: 'rgb(59, 59, 59)', border: 'rgb(229, 229, 229)', bar: 'rgb(26, 133, 255)' });
    assert.deepEqual(seen['vscode-dark'], { background: 'rgb(31, 31, 31)', text: 'rgb(204, 204, 204)', border: 'rgb(43, 43, 43)', bar: 'rgb(55, 148, 255)' });
    // High contrast: borders follow contrastBorder.
    assert.deepEqual(seen['vscode-high-contrast'], { background: 'rgb(0, 0, 0)', text: 'rgb(255, 255, 255)', border: 'rgb(111, 195, 223)', bar: 'rgb(55, 148, 255)' });
  });

  it('scrolls to and focuses the image a focus request names', async () => {
    await harness.setTheme('vscode-dark');
    const reply = await harness.focus({ section: 'galleries', relPath: HOSTILE_FILES[1] });
    assert.equal(reply.section, 'galleries');
    assert.equal(await harness.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.relpath), HOSTILE_FILES[1]);
  });

  it('marks a stale model audit in the overview and on each of its findings in the list', async () => {
    const reason = 'fairframe.json changed since this model audit (2026-01-01T00:00:00.000Z); run Audit Model on Dataset again';
    const data = toDashboardData(fixture.result, (dataset, relPath) => harness.imageUri(dataset, relPath), { stale: [reason] });
    await harness.show(data);
    const page = harness.page;
    const modelRow = await page.locator('#overview table:has(caption:text("Models")) tbody tr th').first().textContent();
    assert.equal(modelRow, 'brightness.onnx (stale)');
    assert.equal(await page.locator('#overview .stale-note').textContent(), `brightness.onnx on data is stale: ${reason}. Its figures are those of that audit.`);
    // Every finding is listed once (fewer than the cap), most severe first; the model's carry the stale badge.
    const listed = page.locator('#overview [data-finding]');
    assert.equal(await listed.count(), fixture.result.findings.length);
    const modelFindings = fixture.result.findings.filter((finding) => finding.rule.startsWith('FF-M')).length;
    assert.ok(modelFindings > 0);
    assert.equal(await page.locator('#overview [data-finding] .stale-badge').count(), modelFindings);
    const severities = await listed.evaluateAll((items) => items.map((item) => ['error', 'warning', 'info'].find((severity) => item.classList.contains(`severity-${severity}`))));
    assert.deepEqual(severities, [...severities].sort((a, b) => ['error', 'warning', 'info'].indexOf(a ?? '') - ['error', 'warning', 'info'].indexOf(b ?? '')));
    await showFixture();
    assert.equal(await page.locator('#overview .stale-note').count(), 0);
  });

  it('opened from a finding, scrolls to it in the findings list and highlights it; a duplicate finding highlights its image', async () => {
    const page = harness.page;
    const noise = fixture.result.findings.find((finding) => finding.rule === 'FF-M023');
    assert.ok(noise, 'the fixture has a label-noise summary finding');
    const data = toDashboardData(fixture.result, (dataset, relPath) => harness.imageUri(dataset, relPath));
    const reply = await harness.show(data, focusForFinding(noise));
    assert.deepEqual(reply.focused, { kind: 'finding', id: findingKey(noise), highlighted: true });
    const item = page.locator(`[data-finding="${findingKey(noise)}"]`);
    assert.equal(await item.getAttribute('aria-current'), 'true');
    assert.equal(await item.evaluate((element) => element === document.activeElement), true, 'keyboard focus is on it');
    assert.equal(await item.isVisible(), true);
    assert.ok(await item.evaluate((element) => {
      const box = element.getBoundingClientRect();
      return box.top >= 0 && box.bottom <= window.innerHeight;
    }), 'it is scrolled into view');
    assert.equal(await page.locator('.highlighted').count(), 1, 'only that finding is highlighted');

    // The solid bright images are byte copies of each other: an exact-duplicate finding names them.
    const duplicate = fixture.result.findings.find((finding) => finding.rule === 'FF-D020');
    assert.ok(duplicate, 'the fixture has an exact-duplicate finding');
    const first = (duplicate.evidence.paths as string[])[0];
    const onImage = await harness.focus(focusForFinding(duplicate));
    assert.deepEqual(onImage.focused, { kind: 'image', id: first, highlighted: true });
    const card = page.locator('#galleries .highlighted[data-relpath]');
    assert.equal(await card.getAttribute('data-relpath'), first);
    assert.equal(await card.count(), 1, 'the image card is highlighted');
    assert.equal(await page.locator(`[data-finding="${findingKey(noise)}"].highlighted`).count(), 0, 'the earlier finding no longer is');
  });

  it("compares a finding's images side by side at a useful size, with their facts, and asks the host to open, reveal or copy them", async () => {
    await showFixture();
    const page = harness.page;
    assert.equal(await page.locator('[data-body="compare"]').textContent(), COMPARE_EMPTY_TEXT);
    const duplicate = fixture.result.findings.find((finding) => finding.rule === 'FF-D020');
    assert.ok(duplicate);
    const paths = (duplicate.evidence.paths as string[]).slice(0, 3);
    const dataset = fixture.result.datasets[0].name;
    const view: CompareView = {
      finding: findingKey(duplicate), rule: duplicate.rule, severity: duplicate.severity, message: duplicate.message, dataset, more: 2,
      images: paths.map((relPath, index) => ({
        relPath, role: 'finding', exists: true, uri: harness.imageUri(dataset, relPath), label: index === 2 ? 'dark' : 'bright', split: 'test',
        groups: { site: index === 0 ? HOSTILE_SITE : 'north' },
        predictions: [{ model: 'brightness.onnx', predicted: 'bright', confidence: 0.97, correct: index !== 2, stale: index === 1 }],
      })),
    };
    assert.deepEqual(await harness.compare(view), { shown: 3 });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'compare', 'the section is scrolled to and focused');
    const cards = page.locator('#compare .compare-card');
    assert.deepEqual(await cards.evaluateAll((list) => list.map((card) => card.getAttribute('data-relpath'))), paths);
    // Side by side, each image at least 200 px wide, and decoded.
    const boxes = await page.locator('#compare .compare-image').evaluateAll((images) => images.map((image) => image.getBoundingClientRect()).map((r) => ({ top: r.top, left: r.left, width: r.width })));
    assert.ok(boxes.every((box) => box.top === boxes[0].top && box.width >= 200), JSON.stringify(boxes));
    assert.ok(boxes[0].left < boxes[1].left && boxes[1].left < boxes[2].left);
    assert.equal(await cards.first().locator('img').evaluate((image: HTMLImageElement) => (image.complete ? image.naturalWidth : new Promise<number>((resolve) => image.addEventListener('load', () => resolve(image.naturalWidth), { once: true })))), 16);
    assert.equal(await cards.nth(2).locator('[data-fact="label"]').textContent(), 'dark');
    assert.equal(await cards.first().locator('[data-fact="group:site"]').textContent(), HOSTILE_SITE, 'a hostile group value stays text');
    assert.equal(await cards.nth(1).locator('[data-fact="prediction:brightness.onnx"]').textContent(), '✓ bright (97.0%) · stale');
    assert.equal(await cards.nth(2).locator('[data-fact="prediction:brightness.onnx"]').textContent(), '✗ bright (97.0%)');
    assert.equal(await page.locator('#compare').getByText('and 2 more', { exact: false }).count(), 1);
    await cards.nth(1).locator('.open-button').click();
    await cards.nth(1).locator('.reveal-button').click();
    await page.locator('#compare .copy-paths-button').click();
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Copied 3 paths.');
    assert.deepEqual(harness.openFileRequests.at(-1), { dataset, relPath: paths[1] });
    assert.deepEqual(harness.revealFileRequests.at(-1), { dataset, relPath: paths[1] });
    assert.deepEqual(harness.copyPathsRequests.at(-1), { dataset, relPaths: paths });
    // It stays when the audit is shown again.
    await harness.show(toDashboardData(fixture.result, (name, relPath) => harness.imageUri(name, relPath)));
    assert.equal(await cards.count(), 3);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it('keeps its selections across a reload (vscode.setState) and asks for the data again', async () => {
    await harness.page.locator('#fairness-failing').click();
    const failing = await harness.page.locator('#fairness tr.figure-fail').count();
    assert.equal(await harness.page.locator('#fairness tbody tr').count(), failing);
    const readies = harness.readyCount;
    await showFixture();
    assert.equal(harness.readyCount, readies + 1);
    assert.equal(await harness.page.locator('#fairness-failing').evaluate((box) => (box as HTMLElement & { checked: boolean }).checked), true);
    assert.equal(await harness.page.locator('#fairness tbody tr').count(), failing);
    await harness.page.locator('#fairness-failing').click();
  });

  it('renders a 100,000-image result from aggregates, with paged galleries', async () => {
    const large = scaledResult(fixture.result, 100_000);
    const data = toDashboardData(large, (dataset, relPath) => harness.imageUri(dataset, relPath));
    const size = JSON.stringify(data).length;
    assert.ok(!('predictions' in data.models[0]), 'per-image predictions stay on the host');
    assert.equal(data.models[0].labelIssues?.items.length, GALLERY_LIMIT);
    assert.equal(data.models[0].labelIssues?.flagged, 5000);
    assert.ok(size < 2_000_000, `the posted data is ${size} characters`);
    const reply = await harness.show(data);
    assert.equal(reply.rendered.length, 11, "every section, Robustness, Runs and Shift included");
    const gallery = harness.page.locator('[data-gallery="label-issues"]');
    assert.equal(await gallery.locator('.card').count(), GALLERY_PAGE);
    assert.equal(await gallery.locator('.gallery-count').textContent(), 'Showing 24 of 5,000.');
    // The ranked list: the same flagged count as the JSON, in rank order.
    assert.match((await gallery.locator('h3').textContent()) ?? '', /\(5,000 flagged\)/);
    assert.deepEqual(await gallery.locator('.card').evaluateAll((cards) => cards.slice(0, 3).map((card) => card.getAttribute('data-rank'))), ['1', '2', '3']);
    await harness.page.locator('#label-issues-more').click();
    await harness.page.waitForFunction((n) => document.querySelectorAll('[data-gallery="label-issues"] .card').length === n, GALLERY_PAGE * 2);
    assert.equal(await harness.page.locator('[data-gallery="duplicates"] .card').count(), GALLERY_PAGE);
    assert.match((await harness.page.locator('#overview').textContent()) ?? '', /100,000/);
  });

  it('renders the demo audit (skin-tone gap with intervals) for the README screenshots', async function () {
    const demo = path.join(ROOT, 'demo/data');
    const model = path.join(ROOT, 'models/demo/lesion-cnn.onnx');
    if (!existsSync(demo) || !existsSync(model)) this.skip();
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-dashboard-cache-'));
    try {
      const result = await auditPath(demo, { models: [model], cacheDir });
      const demoHarness = await DashboardHarness.start({ [result.datasets[0].name]: result.datasets[0].root });
      try {
        for (const theme of ['vscode-dark', 'vscode-light', 'vscode-high-contrast'] as const) {
          await demoHarness.load(theme);
          await demoHarness.show(toDashboardData(result, (dataset, relPath) => demoHarness.imageUri(dataset, relPath)), { section: 'fairness', report: 'fitzpatrick' });
          const row = demoHarness.page.locator('#fairness tr[data-rule="FF-M010"][data-report="fitzpatrick"]');
          assert.match((await row.locator('[data-cell="result"]').textContent()) ?? '', /Fail/);
          // The sticky header would cover the top of tall sections in element screenshots.
          await demoHarness.page.evaluate(() => {
            document.querySelector<HTMLElement>('.top')!.style.position = 'static';
          });
          for (const section of ['overview', 'fairness', 'groups', 'heatmaps', 'galleries']) {
            const element = demoHarness.page.locator(`#${section}`);
            await element.scrollIntoViewIfNeeded();
            await element.evaluate((root) => Promise.all(Array.from(root.querySelectorAll('img')).map((image) => {
              image.loading = 'eager';
              return image.complete ? undefined : new Promise((resolve) => {
                image.addEventListener('load', resolve, { once: true });
                image.addEventListener('error', resolve, { once: true });
              });
            })));
            await element.screenshot({ path: path.join(SCREENSHOTS, `demo-${section}-${theme}.png`) });
          }
        }
        assert.deepEqual(await demoHarness.violations(), []);
      } finally {
        await demoHarness.close();
      }
    } finally {
      await fs.rm(cacheDir, { recursive: true, force: true });
    }
  });
});

/** The fixture's result scaled to `images` images: many predictions, 5,000 label issues and 3,000 duplicate sets. */
function scaledResult(result: AuditResult, images: number): AuditResult {
  const large = structuredClone(result);
  const audit = large.models[0];
  large.datasets[0].images = images;
  audit.predictions = {};
  for (let i = 0; i < images; i++) audit.predictions[`img${i}.png`] = { relPath: `img${i}.png`, label: 'bright', predicted: 'bright', confidence: 0.9, top: [['bright', 0.9], ['dark', 0.1]], correct: true, selfConfidence: 0.9 };
  const issue = audit.labelIssues!.issues[0];
  audit.labelIssues!.issues = Array.from({ length: 5000 }, (_, i) => ({ ...issue, rank: i + 1, recordId: `img${i}.png`, relPath: `img${i % 80}.png` }));
  audit.labelIssues!.flagged = 5000;
  const duplicate = large.findings.find((f) => f.rule === 'FF-D020') as Finding;
  for (let i = 0; i < 3000; i++) large.findings.push({ ...duplicate, message: `set ${i}` });
  return large;
}
