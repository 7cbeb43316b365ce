// The self-contained HTML report in a real Chromium, opened from disk as a reviewer would: it renders its charts and
// thumbnails, logs no error (a CSP violation is one), and asks the network for nothing.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { auditPath } from '../../src/engine/audit';
import { renderHtmlReport, reportCsp } from '../../src/engine/report/htmlReport';
import { collectThumbnails, reportImages } from '../../src/engine/report/reportThumbnails';
import { hasChromium } from './dashboardHarness';
import { auditFixture, type FixtureAudit } from './fixtureAudit';

const CHROMIUM = '/usr/bin/chromium';

describe('HTML report in Chromium', function () {
  this.timeout(240_000);
  let fixture: FixtureAudit;
  let context: BrowserContext | undefined;
  let dir: string;

  before(async function () {
    if (!(await hasChromium())) this.skip();
    // The dashboard tests' fixture: a real audit of a real (tiny) model with a site gap, label errors and hostile file names.
    fixture = await auditFixture();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-html-'));
    const profile = path.join(dir, 'profile');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
      viewport: { width: 1200, height: 900 },
    });
  });
  after(async () => {
    await context?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    if (fixture) await fs.rm(fixture.dir, { recursive: true, force: true });
  });

  it('renders charts, intervals and thumbnails with no console error and no network request', async () => {
    const result = fixture.result;
    const thumbnails = await collectThumbnails(result);
    const wanted = reportImages(result);
    assert.ok(wanted.length > 0, 'the fixture has label issues to show');
    assert.equal(thumbnails.size, wanted.length, 'every shown image got a thumbnail');
    const file = path.join(dir, 'report.html');
    await fs.writeFile(file, renderHtmlReport(result, thumbnails));

    const page = await context!.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForTimeout(300);

    // The only request is the file itself; data: images do not go to the network.
    assert.deepEqual(requests.filter((r) => r !== url && !r.startsWith('data:')), []);
    assert.deepEqual(errors, []);
    // The CSP is in force: the policy the page carries is the one rendered.
    assert.equal(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content'), reportCsp());
    // Accuracy by site: one bar per site with its interval whisker, the numbers the audit computed.
    const accuracy = result.models[0].groups!.find((g) => g.name === 'site')!.metrics.find((m) => m.metric === 'accuracy')!;
    const chart = page.locator('svg.chart[aria-label="Accuracy by site with 95% bootstrap intervals"]');
    assert.equal(await chart.locator('g.bar').count(), accuracy.byGroup.length);
    assert.equal(await chart.locator('line.whisker').count(), accuracy.byGroup.filter((g) => g.lower !== null).length);
    const titles = await chart.locator('g.bar > title').allTextContents();
    for (const group of accuracy.byGroup) {
      assert.ok(titles.some((t) => t.startsWith(`${group.group} (n=${group.count}): ${((group.estimate ?? 0) * 100).toFixed(1)}%`)), titles.join(' | '));
    }
    // The style applied (its hash is allowed): headings use the page's font, the fail class is red.
    const failColor = await page.locator('.fail').first().evaluate((element) => getComputedStyle(element).color);
    assert.equal(failColor, 'rgb(164, 0, 15)');
    // Thumbnails decoded: every <img> has a natural size of at most 64 px.
    const sizes = await page.locator('.thumbs img').evaluateAll((images) => (images as HTMLImageElement[]).map((image) => ({ complete: image.complete, width: image.naturalWidth, height: image.naturalHeight })));
    assert.equal(sizes.length, wanted.length);
    for (const { complete, width, height } of sizes) assert.ok(complete && width > 0 && height > 0 && Math.max(width, height) <= 64, JSON.stringify(sizes));
    await page.screenshot({ path: path.join(os.tmpdir(), 'ff-html-report.png'), fullPage: false });
    await page.close();
  });

  it('keeps hostile names as text: a file name with markup neither runs nor changes the page', async () => {
    const result = structuredClone(fixture.result);
    result.findings.unshift({ rule: 'FF-D999', severity: 'error', message: '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>', location: { file: path.join(result.root, '<b>x</b>.png') }, evidence: {} });
    const file = path.join(dir, 'hostile.html');
    await fs.writeFile(file, renderHtmlReport(result));
    const page = await context!.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    assert.notEqual(await page.title(), 'pwned');
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.locator('td img').count(), 0);
    assert.match((await page.locator('tbody tr').filter({ hasText: 'FF-D999' }).textContent()) ?? '', /<script>document\.title/);
    assert.equal(requests.length, 1);
    await page.close();
  });

  it('is made from any audit result: a dataset audit without a model renders too', async () => {
    const result = await auditPath(fixture.data, { noDecode: true });
    const html = renderHtmlReport(result);
    assert.match(html, /<h2>Dataset /);
    assert.doesNotMatch(html, /<h2>Model /);
  });
});
