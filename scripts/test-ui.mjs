// `npm run test:ui`: the extension used as a person would, in code-server driven by headless Chromium. Opens a copy
// of the demo workspace (or of the fixture workspace when `npm run demo` has not run), waits for activation, opens
// the Fairframe views, reads the Problems panel, runs "Fairframe: Audit Model on Dataset" from the palette, reads the
// Findings tree, opens the dashboard and checks its charts and heatmaps inside the webview's iframes, explains an
// image from a gallery's Explain button and an opened image from the palette (every method computed, side by side), and hovers an
// image path in metadata.csv until the hover shows the thumbnail and the explanation overlay. Each step is asserted
// on what is on screen and screenshotted into .tmp/ui-screenshots/. Ends with the line "N passed, N failed".
// Options: --no-build, --fixture (use the small fixture workspace even when the demo exists).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startCodeServer } from './vscode/codeServer.mjs';
import { checkSystem, ensureInstalled } from './vscode/install.mjs';
import { buildUnlessSkipped, fairframeLog, keepServerLogs, runScript, systemReady } from './vscode/script.mjs';
import { copyWorkspace, hasDemo } from '../test/ui/demoWorkspace.mjs';
import {
  developmentUrl, dismiss, launchBrowser, pickQuickItem, quickOpen, retry, runCommand, screenshot, scrollIntoContainer, waitForWorkbench, webviewFrame, widenSideBar, withTimeout,
} from '../test/ui/workbench.mjs';

const OVERALL_TIMEOUT_MS = 15 * 60_000;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testDir = path.join(repo, '.vscode-test');
const shotsDir = path.join(repo, '.tmp', 'ui-screenshots');
const logsDir = path.join(testDir, 'logs', 'ui');
const started = Date.now();
const say = (message) => console.log(`[test-ui] ${message}`);

let cleanup = async () => undefined;

/** Polls `read()` until `test(value)` holds; throws with `what` after `timeoutMs`. */
async function waitUntil(read, test, what, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  let value;
  while (Date.now() < deadline) {
    value = await read();
    if (test(value)) return value;
    await sleep(500);
  }
  throw new Error(`${what}: not seen within ${timeoutMs / 1000} s`);
}

const count = (text, pattern) => (text.match(pattern) ?? []).length;

async function main() {
  if (!systemReady('test-ui', checkSystem())) return 2;
  const tools = ensureInstalled(testDir);
  buildUnlessSkipped(repo);
  rmSync(shotsDir, { recursive: true, force: true });
  mkdirSync(shotsDir, { recursive: true });

  // The demo workspace is what a newcomer opens: generate it (deterministic, ~30 s) when it is not there yet.
  if (!process.argv.includes('--fixture') && !hasDemo(repo)) {
    say('generating the demo dataset (dist/demo.js --out demo)');
    const demo = spawnSync(process.execPath, [path.join(repo, 'dist', 'demo.js'), '--out', path.join(repo, 'demo')], { cwd: repo, stdio: 'inherit' });
    if (demo.status !== 0) throw new Error('Generating the demo dataset failed; see above.');
  }
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'fairframe-ui-'));
  const ws = copyWorkspace(repo, path.join(tmpDir, 'workspace'), { preferDemo: !process.argv.includes('--fixture') });
  const userData = path.join(tmpDir, 'user-data');
  say(`${ws.kind} workspace in ${ws.workspace}`);

  // A workbench without the welcome page and the chat side bar, so the screenshots show Fairframe.
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  writeFileSync(path.join(userData, 'User', 'settings.json'), `${JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
    'workbench.tips.enabled': false,
    'editor.minimap.enabled': false,
    'update.mode': 'none',
  }, null, 2)}\n`);
  const server = await startCodeServer({ node24: tools.node24, entry: tools.codeServerEntry, workspace: ws.workspace, tmpDir, trust: true });
  say(`code-server listening on port ${server.port} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const { browser, context, page } = await launchBrowser();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  cleanup = async () => {
    await withTimeout(context.close(), 10_000, 'Closing the browser context').catch(() => undefined);
    await withTimeout(browser.close(), 10_000, 'Closing the browser').catch(() => undefined);
    await server.stop();
    rmSync(logsDir, { recursive: true, force: true });
    mkdirSync(logsDir, { recursive: true });
    keepServerLogs(logsDir, userData, server.logFile);
    rmSync(tmpDir, { recursive: true, force: true });
  };

  const results = [];
  let shot = 0;
  /** Runs one step: asserts, then screenshots (also on failure, named …-failed.png). */
  const step = async (name, body) => {
    const file = (suffix) => path.join(shotsDir, `${String(++shot).padStart(2, '0')}-${name}${suffix}.png`);
    const stepStarted = Date.now();
    try {
      await body();
      await screenshot(page, file(''));
      results.push({ name, ok: true });
      say(`  ✓ ${name} (${((Date.now() - stepStarted) / 1000).toFixed(1)} s)`);
    } catch (error) {
      results.push({ name, ok: false });
      say(`  ✗ ${name}: ${error.message.split('\n').slice(0, 6).join('\n      ')}`);
      await screenshot(page, file('-failed')).catch(() => undefined);
    }
  };

  const log = () => fairframeLog(userData);
  const fairframeTab = page.locator('.part.activitybar [role="tab"][aria-label^="Fairframe"], .part.activitybar .action-item a[aria-label^="Fairframe"]').first();
  const sidebar = page.locator('.part.sidebar');
  const modelName = path.basename(ws.model);
  const datasetName = path.basename(ws.datasetRoot);
  const findingsPane = () => sidebar.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Findings' }) });

  try {
    await page.goto(developmentUrl(server.port, ws.workspace, repo), { timeout: 120_000 });

    await step('activates', async () => {
      await waitForWorkbench(page);
      // The extension logs discovery once it is active; the dataset audit that follows runs by itself.
      await waitUntil(log, (text) => /Found 1 dataset\(s\) and 1 model\(s\)/.test(text), 'the Fairframe log line "Found 1 dataset(s) and 1 model(s)"');
      await waitUntil(log, (text) => /Audited .* in \d+ ms/.test(text), 'the automatic dataset audit', 300_000);
      await fairframeTab.waitFor({ state: 'visible', timeout: 60_000 });
    });

    await step('views', async () => {
      await retry(async () => {
        if ((await fairframeTab.getAttribute('aria-selected')) !== 'true' && !(await sidebar.locator('.pane-header', { hasText: 'Findings' }).isVisible())) await fairframeTab.click();
        for (const view of ['Datasets', 'Models', 'Findings']) await sidebar.locator('.pane-header', { hasText: view }).first().waitFor({ state: 'visible', timeout: 20_000 });
      });
      const before = (await sidebar.boundingBox())?.width ?? 0;
      await widenSideBar(page, 180);
      if (((await sidebar.boundingBox())?.width ?? 0) <= before) say('  (the side bar kept its width)');
      await sidebar.getByText(datasetName, { exact: true }).first().waitFor({ state: 'visible', timeout: 60_000 });
      await sidebar.getByText(modelName, { exact: true }).first().waitFor({ state: 'visible', timeout: 60_000 });
      // The automatic dataset audit's findings, grouped by severity and rule; the errors are folded to show the warnings.
      const findings = findingsPane();
      await findings.getByText('Errors', { exact: true }).first().waitFor({ state: 'visible', timeout: 60_000 });
      await retry(async () => {
        const warnings = findings.getByText('Warnings', { exact: true }).first();
        if (!(await warnings.isVisible())) await findings.locator('.monaco-list-row[aria-expanded="true"]', { hasText: 'Errors' }).first().click();
        await warnings.waitFor({ state: 'visible', timeout: 10_000 });
      });
      await scrollIntoContainer(page, findings.locator('.monaco-list'), findings.getByText(ws.kind === 'demo' ? 'FF-D003' : 'FF-D002', { exact: true }));
    });

    await step('problems', async () => {
      // The manifest, with its squiggles, above the panel.
      await quickOpen(page, path.basename(ws.manifest));
      const problems = page.locator('.markers-panel');
      await retry(async () => {
        if (!(await problems.isVisible())) await page.keyboard.press('Control+Shift+M');
        await problems.waitFor({ state: 'visible', timeout: 15_000 });
      });
      // An imbalance warning on the manifest, shown without any command having run.
      const imbalance = ws.kind === 'demo' ? "Group 'VI' of 'fitzpatrick' has 128 images" : "Class 'bird' has only 1 image";
      // The errors (unreadable files, duplicates) come first; filter to the sensitive attribute's rows.
      const filter = page.locator('.part.panel').getByPlaceholder(/^Filter/).first();
      await filter.fill(ws.kind === 'demo' ? 'fitzpatrick' : 'bird');
      await problems.getByText(imbalance).first().waitFor({ state: 'visible', timeout: 60_000 });
      await problems.getByText('metadata.csv').first().waitFor({ state: 'visible', timeout: 30_000 });
    });
    // The panel is closed again: the editor area gets its room back.
    await retry(async () => {
      if (await page.locator('.part.panel').isVisible()) await page.keyboard.press('Control+J');
      await page.locator('.part.panel').waitFor({ state: 'hidden', timeout: 5000 });
    }, { attempts: 3 }).catch(() => say('  (the panel stayed open)'));

    await step('audit-model', async () => {
      const auditedBefore = count(log(), /Audited .* in \d+ ms/g);
      await runCommand(page, 'Fairframe: Audit Model on Dataset');
      // One model and one dataset run at once; with several the command asks which pair.
      await pickQuickItem(page, { title: 'audit which model on which dataset', rowText: modelName, timeout: 5000 });
      await waitUntil(log, (text) => new RegExp(`Auditing .* with ${modelName.replace('.', '\\.')}`).test(text), `the log line "Auditing … with ${modelName}"`, 60_000);
      await waitUntil(log, (text) => count(text, /Audited .* in \d+ ms/g) > auditedBefore, 'the end of the model audit', 600_000);
      await dismiss(page);
      if (!(await sidebar.locator('.pane-header', { hasText: 'Findings' }).first().isVisible())) await fairframeTab.click();
      // The model's fairness findings join the dataset's in the Findings tree.
      // The Datasets view is folded to give the Models view (with the audit's headline numbers) and the Findings room.
      const datasetsHeader = sidebar.locator('.pane-header[aria-expanded="true"]', { hasText: 'Datasets' });
      if (await datasetsHeader.count()) await datasetsHeader.first().click();
      await sidebar.getByText(`Worst group by ${ws.fairnessReport}`).first().waitFor({ state: 'visible', timeout: 60_000 });
      const findings = findingsPane();
      await scrollIntoContainer(page, findings.locator('.monaco-list'), findings.getByText('FF-M010', { exact: true }));
    });

    await step('dashboard', async () => {
      await runCommand(page, 'Fairframe: Open Dashboard');
      const frame = webviewFrame(page, 'Fairframe Dashboard');
      const fairnessRow = frame.locator(`#fairness tr[data-rule="FF-M010"][data-report="${ws.fairnessReport}"]`).first();
      await fairnessRow.waitFor({ state: 'visible', timeout: 120_000 });
      const verdict = (await fairnessRow.locator('[data-cell="result"]').textContent()) ?? '';
      if (!/Fail/.test(verdict)) throw new Error(`the accuracy-by-${ws.fairnessReport} row says '${verdict.trim()}', not Fail`);
      // The per-group chart: an SVG with a bar and a percentage per group.
      const groups = frame.locator('[data-chart="groups"] svg').first();
      await groups.waitFor({ state: 'visible', timeout: 60_000 });
      const values = await frame.locator('[data-chart="groups"] g.ff-value text').allTextContents();
      if (values.length < 2 || !values.every((value) => /^\d+(\.\d+)?%$/.test(value.trim()))) throw new Error(`the group chart shows ${JSON.stringify(values)}`);
      const bars = await frame.locator('[data-chart="groups"] g.ff-bar rect').count();
      if (bars !== values.length) throw new Error(`${bars} bars for ${values.length} values`);
      // The screenshot shows the per-group chart: accuracy by skin type with its confidence intervals.
      await frame.locator('[data-chart="groups"]').scrollIntoViewIfNeeded();
    });

    await step('heatmaps', async () => {
      const frame = webviewFrame(page, 'Fairframe Dashboard');
      const confusion = frame.locator('[data-chart="confusion"]');
      await confusion.scrollIntoViewIfNeeded({ timeout: 60_000 });
      await confusion.locator('svg').first().waitFor({ state: 'visible', timeout: 60_000 });
      const cells = await confusion.locator('g.ff-cell rect').count();
      const counts = (await confusion.locator('g.ff-cell-text text').allTextContents()).map((text) => Number(text.replace(/[,%]/g, '')));
      if (cells < 4 || counts.length !== cells || counts.some((value) => !Number.isFinite(value))) throw new Error(`confusion matrix: ${cells} cells, values ${JSON.stringify(counts)}`);
      const crossTab = await frame.locator('[data-chart="label-attribute"] g.ff-cell rect').count();
      const classGroup = await frame.locator('[data-chart="class-group"] g.ff-cell rect').count();
      if (crossTab === 0 || classGroup === 0) throw new Error(`label × attribute cells ${crossTab}, class × group cells ${classGroup}`);
    });

    // Every method's map of one image, computed in the worker and shown side by side with its faithfulness.
    const dashboardFrame = async () => ((await page.locator('iframe.webview.ready[title="Fairframe Dashboard"]').count()) > 0
      ? page.frameLocator('iframe.webview.ready[title="Fairframe Dashboard"]').first().frameLocator('#active-frame')
      : webviewFrame(page, 'Fairframe Dashboard'));
    const explanationShown = async (frame, title) => {
      const section = frame.locator('#explanation');
      await section.locator('.explanation-title', { hasText: title }).first().waitFor({ state: 'visible', timeout: 120_000 });
      await waitUntil(() => section.locator('figure[data-status="pending"]').count(), (pending) => pending === 0, `every method of ${title} computed`, 600_000);
      const methods = await section.locator('figure[data-method]').count();
      const ok = await section.locator('figure[data-status="ok"]').count();
      const loaded = await section.locator('figure[data-status="ok"] img').evaluateAll((nodes) => nodes.filter((node) => node.complete && node.naturalWidth > 0).length);
      const aucs = (await section.locator('[data-cell="deletion"], [data-cell="insertion"]').allTextContents()).map((text) => Number.parseFloat(text));
      if (methods < 2 || ok !== methods || loaded !== ok) throw new Error(`${methods} methods, ${ok} computed, ${loaded} overlays loaded`);
      if (aucs.length !== 2 * ok || aucs.some((auc) => !(auc >= 0 && auc <= 1))) throw new Error(`deletion/insertion AUCs ${JSON.stringify(aucs)}`);
      // Each AUC is read against a random pixel order: the best of a criterion is marked unless every AUC of it is at chance.
      const best = await section.locator('.best-badge').count();
      const atChance = await section.locator('.chance-badge').count();
      if (best === 0 && atChance < 2 * ok) throw new Error(`no method is marked most faithful and only ${atChance} of ${2 * ok} AUCs are at chance`);
      if (!(await section.locator('[data-note="chance"]').isVisible())) throw new Error('the chance level is not stated');
      await section.scrollIntoViewIfNeeded();
      return methods;
    };

    await step('explain-gallery', async () => {
      const frame = await dashboardFrame();
      const button = frame.locator('#galleries .explain-button').first();
      await button.scrollIntoViewIfNeeded({ timeout: 60_000 });
      const relPath = ((await button.getAttribute('aria-label')) ?? '').replace(/^Explain /, '');
      await button.click();
      const methods = await explanationShown(frame, relPath);
      say(`  ${relPath}: ${methods} methods`);
    });

    await step('compare', async () => {
      // One click on a duplicate finding in the Findings view: its images side by side in the dashboard.
      if (!(await sidebar.locator('.pane-header', { hasText: 'Findings' }).first().isVisible())) await fairframeTab.click();
      const findings = findingsPane();
      const item = findings.getByText(/images have identical bytes/).first();
      await scrollIntoContainer(page, findings.locator('.monaco-list'), item);
      const text = (await item.textContent()) ?? '';
      const named = [...text.matchAll(/'([^']+\.(?:jpe?g|png))'/gi)].map((match) => match[1]);
      await item.click();
      const frame = await dashboardFrame();
      const cards = frame.locator('#compare .compare-card');
      await waitUntil(() => cards.count(), (n) => n >= 2, 'the compared images', 60_000);
      const shown = await cards.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-relpath')));
      if (named.length && !named.every((relPath) => shown.includes(relPath))) throw new Error(`the finding names ${JSON.stringify(named)}, the compare view shows ${JSON.stringify(shown)}`);
      await waitUntil(() => frame.locator('#compare img.compare-image').evaluateAll((nodes) => nodes.filter((node) => node.complete && node.naturalWidth > 0).length), (n) => n >= 2, 'the compared images loaded', 60_000);
      const labels = await frame.locator('#compare [data-fact="label"]').allTextContents();
      if (labels.length < 2 || labels.some((label) => !label.trim() || label === 'unknown')) throw new Error(`labels ${JSON.stringify(labels)}`);
      await frame.locator('#compare').scrollIntoViewIfNeeded();
    });

    await step('explain-command', async () => {
      // The image opened in the editor, then "Explain Image" from the palette explains the active image.
      await quickOpen(page, path.basename(ws.hoverPath));
      await runCommand(page, 'Fairframe: Explain Image');
      await explanationShown(await dashboardFrame(), ws.hoverPath);
    });

    await step('hover', async () => {
      await quickOpen(page, path.basename(ws.manifest));
      const line = page.locator('.monaco-editor .view-lines .view-line', { hasText: ws.hoverPath }).first();
      await line.waitFor({ state: 'visible', timeout: 60_000 });
      const hover = page.locator('.monaco-hover:visible, .workbench-hover-container:visible').first();
      // The first hovers start the thumbnail and the explanation in the background; hover again until both show.
      await retry(async () => {
        await page.mouse.move(5, 450);
        await page.keyboard.press('Escape');
        const box = await line.boundingBox();
        if (!box) throw new Error('the manifest line has no box');
        await page.mouse.move(box.x + 40, box.y + box.height / 2, { steps: 4 });
        await hover.waitFor({ state: 'visible', timeout: 15_000 });
        await hover.getByText('Label', { exact: true }).first().waitFor({ state: 'visible', timeout: 15_000 });
        const images = await hover.locator('img').evaluateAll((nodes) => nodes.map((node) => ({ alt: node.getAttribute('alt') ?? '', loaded: node.complete && node.naturalWidth > 0 })));
        const thumbnail = images.find((image) => image.alt === ws.hoverPath && image.loaded);
        const overlay = images.find((image) => /explanation/i.test(image.alt) && image.loaded);
        if (!thumbnail || !overlay) throw new Error(`hover images so far: ${JSON.stringify(images)}`);
      }, { attempts: 12, delayMs: 3000 });
      await hover.getByText(modelName).first().waitFor({ state: 'visible', timeout: 10_000 });
    });
  } finally {
    if (pageErrors.length) say(`page errors: ${pageErrors.slice(0, 5).join(' | ')}`);
    await withTimeout(cleanup(), 60_000, 'Cleaning up').catch((error) => say(error.message));
    cleanup = async () => undefined;
  }
  const passed = results.filter((result) => result.ok).length;
  const failed = results.length - passed;
  say(`screenshots in ${path.relative(repo, shotsDir)}/, logs in ${path.relative(repo, logsDir)}/; ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

runScript('test-ui', main, { timeoutMs: OVERALL_TIMEOUT_MS, cleanup: () => cleanup() });
