// Explanations in the dashboard, in Chromium: the Explain buttons ask the host, the Explanation section fills in method
// by method as the host's results arrive (stale ones dropped, hostile text kept as text), and the explained-errors
// gallery draws each stored map in viridis over its thumbnail.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { toDashboardData, type DashboardData, type ExplainedItem } from '../../webview/dashboardData';
import { figure } from '../../webview/format';
import type { ExplanationMethodResult, ExplanationView } from '../../webview/protocol';
import { EXPLANATION_EMPTY_TEXT } from '../../webview/sections/explanationSection';
import { viridisColor } from '../../webview/sections/saliencyCanvas';
import type { DashboardHarness} from './dashboardHarness';
import { hasChromium } from './dashboardHarness';
import { HOSTILE_FILES, SCREENSHOTS, openFixtureDashboard, type FixtureAudit } from './fixtureAudit';

/** A 2×2 RGB PNG (viridis 0, 0.5 / 0.75, 1), a data:image/png URI as the host's overlays are. */
const TINY_PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAFklEQVQI12NwYQxRnNjDEHcy6e9zVQAegAVqZxDbVQAAAABJRU5ErkJggg==';
const HOSTILE = '<img src=x onerror=window.__pwned=4>';

describe('viridisColor', () => {
  it('gives matplotlib’s viridis entries 0, 64, 128 and 255 at t = 0, 0.25, 0.5 and 1', () => {
    // _viridis_data[0] = (0.267004, 0.004874, 0.329415), [64] = (0.229739, 0.322361, 0.545706),
    // [128] = (0.127568, 0.566949, 0.550556), [255] = (0.993248, 0.906157, 0.143936); × 255, rounded.
    assert.deepEqual(viridisColor(0), [68, 1, 84]);
    assert.deepEqual(viridisColor(0.25), [59, 82, 139]);
    assert.deepEqual(viridisColor(0.5), [33, 145, 140]);
    assert.deepEqual(viridisColor(1), [253, 231, 37]);
    assert.deepEqual(viridisColor(-3), [68, 1, 84]);
    assert.deepEqual(viridisColor(Number.NaN), [68, 1, 84]);
    assert.deepEqual(viridisColor(7), [253, 231, 37]);
  });
});

describe('dashboard explanations in Chromium', function () {
  this.timeout(240_000);
  let fixture: FixtureAudit;
  let harness: DashboardHarness;
  let data: DashboardData;
  let imageUri: string;
  let overlayUri: string;

  before(async function () {
    if (!(await hasChromium())) this.skip();
    ({ fixture, harness } = await openFixtureDashboard());
    data = toDashboardData(fixture.result, (name, relPath) => harness.imageUri(name, relPath));
    imageUri = `data:image/png;base64,${(await fs.readFile(path.join(fixture.data, 'img47.png'))).toString('base64')}`;
    // A 32×32 overlay: a viridis ramp from left to right, as a real PNG.
    const pixels = Buffer.alloc(32 * 32 * 3);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) pixels.set(viridisColor(x / 31), (y * 32 + x) * 3);
    overlayUri = `data:image/png;base64,${(await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer()).toString('base64')}`;
    await harness.load();
    await harness.show(data);
  });
  after(async () => {
    await harness?.close();
    if (fixture) await fs.rm(fixture.dir, { recursive: true, force: true });
  });

  const view = (patch: Partial<ExplanationView> = {}): ExplanationView => ({
    id: 7, title: 'img47.png', dataset: 'data', relPath: 'img47.png', model: 'brightness.onnx', label: 'bright', image: imageUri, methods: ['gradcam', 'rise'], ...patch,
  });
  const okResult = (patch: Partial<ExplanationMethodResult> = {}): ExplanationMethodResult => ({
    id: 7, method: 'gradcam', status: 'ok', usedMethod: 'occlusion', fallbackReason: 'the model has no convolutional layer before its head',
    className: 'dark', probability: 0.9668, overlay: overlayUri, deletionAuc: 0.1234, insertionAuc: 0.456, milliseconds: 41.6, fromCache: false, ...patch,
  });
  const failedResult = (patch: Partial<ExplanationMethodResult> = {}): ExplanationMethodResult => ({
    id: 7, method: 'rise', status: 'failed', error: 'RISE needs 4000 masks; the run was cancelled', ...patch,
  });
  const section = () => harness.page.locator('#explanation');

  it('is drawn and listed even without an audit, with its empty state', async () => {
    const reply = await harness.show(null);
    assert.deepEqual(reply.rendered, ['explanation', 'shift']);
    assert.equal(await harness.page.locator('[data-body="explanation"]').textContent(), EXPLANATION_EMPTY_TEXT);
    assert.equal(await harness.page.locator('nav a[data-section="explanation"]').textContent(), 'Explanation');
    await harness.show(data);
    assert.equal(await harness.page.locator('[data-body="explanation"]').textContent(), EXPLANATION_EMPTY_TEXT);
  });

  it('asks the host to explain a label-issue image with the selected model', async () => {
    const button = harness.page.locator('[data-gallery="label-issues"] [data-relpath="img47.png"] .explain-button');
    assert.equal(await button.getAttribute('aria-label'), 'Explain img47.png');
    const before = harness.explainRequests.length;
    await button.click();
    await harness.waitForExplainRequests(before + 1);
    assert.deepEqual(harness.explainRequests.at(-1), { dataset: 'data', relPath: 'img47.png', model: 0 });
    // A duplicate's image can be explained too: the fixture's 80 solid images make byte-identical sets.
    const duplicate = harness.page.locator('[data-gallery="duplicates"] .set-images li').first();
    const relPath = await duplicate.getAttribute('data-relpath');
    await duplicate.locator('.explain-button').click();
    await harness.waitForExplainRequests(before + 2);
    assert.deepEqual(harness.explainRequests.at(-1), { dataset: 'data', relPath, model: 0 });
    // A refused request is announced in the status live region.
    harness.explainFailure = 'The model file is gone.';
    try {
      await button.click();
      await harness.page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Could not explain'));
      assert.equal(await harness.page.locator('#status').textContent(), 'Could not explain img47.png: The model file is gone.');
    } finally {
      harness.explainFailure = undefined;
    }
  });

  it('shows the image with its methods pending, then fills each in as its result arrives', async () => {
    assert.deepEqual(await harness.explanation(view()), { shown: true });
    assert.equal(await section().locator('figure').count(), 3);
    assert.deepEqual(await section().locator('figure[aria-busy="true"]').evaluateAll((f) => f.map((e) => e.getAttribute('data-method'))), ['gradcam', 'rise']);
    assert.equal(await section().locator('figure[data-method="rise"] .explanation-placeholder').textContent(), 'Computing…');
    assert.equal(await harness.page.evaluate(() => document.activeElement?.id), 'explanation', 'the section is scrolled to and focused');
    assert.match((await harness.page.locator('#status').textContent()) ?? '', /Explaining img47\.png with gradcam, rise/);
    assert.equal(await section().locator('.best-badge').count(), 0);

    assert.deepEqual(await harness.explanationMethod(okResult()), { rendered: true });
    assert.deepEqual(await harness.explanationMethod(failedResult()), { rendered: true });
    assert.equal(await section().locator('figure').count(), 3);
    assert.equal(await section().locator('figure[aria-busy]').count(), 0);
    assert.equal(await section().locator('.explanation-title').textContent(), 'img47.png');
    assert.equal(await section().locator('.explanation-meta').textContent(), 'Model: brightness.onnx · Dataset: data · Label: bright · Explained class: dark (96.7%)');

    const gradcam = section().locator('figure[data-method="gradcam"]');
    assert.equal(await gradcam.locator('.method-fallback').textContent(), 'fallback: Occlusion — the model has no convolutional layer before its head');
    // The only map that finished (RISE failed): there is nothing to rank it against, so no "most faithful" badge.
    assert.equal(await gradcam.locator('[data-cell="deletion"]').textContent(), '0.123');
    assert.equal(await gradcam.locator('[data-cell="insertion"]').textContent(), '0.456');
    assert.equal(await gradcam.locator('[data-cell="time"]').textContent(), '42 ms');
    const overlay = gradcam.locator('img');
    assert.equal(await overlay.getAttribute('alt'), 'Occlusion saliency for dark over img47.png');
    await overlay.evaluate((img: HTMLImageElement) => (img.complete ? undefined : new Promise((resolve) => img.addEventListener('load', resolve, { once: true }))));
    assert.equal(await overlay.evaluate((img: HTMLImageElement) => img.naturalWidth), 32, 'the data: PNG is allowed by the CSP and decodes');
    assert.equal(await section().locator('figure[data-role="image"] img').evaluate((img: HTMLImageElement) => img.naturalWidth), 16);

    const rise = section().locator('figure[data-method="rise"]');
    assert.equal(await rise.locator('.explanation-error').textContent(), 'Failed: RISE needs 4000 masks; the run was cancelled');
    assert.equal(await rise.locator('.best-badge').count(), 0);
    assert.equal(await rise.locator('img').count(), 0);
    assert.match((await section().locator('.explanation-legend').textContent()) ?? '', /lower is better.*higher is better/);
    assert.match((await section().locator('.explanation-note').textContent()) ?? '', /Petsiuk et al\. 2018 \(RISE\).*one image is anecdotal/);

    // Side by side: the three figures share a row, left to right.
    const boxes = await section().locator('figure').evaluateAll((f) => f.map((e) => e.getBoundingClientRect()).map((r) => ({ top: r.top, left: r.left })));
    assert.ok(boxes.every((box) => box.top === boxes[0].top), `one row: ${JSON.stringify(boxes)}`);
    assert.ok(boxes[0].left < boxes[1].left && boxes[1].left < boxes[2].left);
  });

  it('shows a map that several methods fell back to once, and ranks it against nothing it stands in for', async () => {
    await harness.explanation(view({ id: 12, methods: ['gradcam', 'lrp', 'occlusion'] }));
    const reason = 'the model has no convolutional layer before its head';
    await harness.explanationMethod(okResult({ id: 12, method: 'gradcam', usedMethod: 'occlusion', fallbackReason: reason, deletionAuc: 0.3, insertionAuc: 0.6 }));
    await harness.explanationMethod(okResult({ id: 12, method: 'lrp', usedMethod: 'occlusion', fallbackReason: reason, deletionAuc: 0.3, insertionAuc: 0.6 }));
    await harness.explanationMethod(okResult({ id: 12, method: 'occlusion', usedMethod: 'occlusion', deletionAuc: 0.3, insertionAuc: 0.6 }));
    assert.equal(await section().locator('figure[data-method] img').count(), 1, 'one occlusion map, not three copies');
    assert.equal(await section().locator('figure[data-method="occlusion"] img').count(), 1);
    for (const method of ['gradcam', 'lrp']) {
      const card = section().locator(`figure[data-method="${method}"]`);
      assert.equal(await card.getAttribute('data-same-as'), 'occlusion');
      assert.match((await card.locator('.method-fallback').textContent()) ?? '', /^fallback: Occlusion — the model has no convolutional layer/);
      assert.match((await card.locator('.explanation-same-as').textContent()) ?? '', /^Same map as the Occlusion card: .* could not run on this model, so Occlusion ran in its place\.$/);
    }
    assert.equal(await section().locator('.best-badge').count(), 0, 'one distinct map: none is "most faithful"');

    // Without occlusion asked for, the first fallback card shows the map, and the second says it is the same.
    await harness.explanation(view({ id: 13, methods: ['gradcam', 'lrp', 'rise'] }));
    await harness.explanationMethod(okResult({ id: 13, method: 'gradcam', usedMethod: 'occlusion', fallbackReason: reason, deletionAuc: 0.3, insertionAuc: 0.6 }));
    await harness.explanationMethod(okResult({ id: 13, method: 'lrp', usedMethod: 'occlusion', fallbackReason: reason, deletionAuc: 0.3, insertionAuc: 0.6 }));
    await harness.explanationMethod(okResult({ id: 13, method: 'rise', usedMethod: 'rise', deletionAuc: 0.2, insertionAuc: 0.5 }));
    assert.equal(await section().locator('figure[data-method="gradcam"] img').count(), 1);
    assert.equal(await section().locator('figure[data-method="lrp"]').getAttribute('data-same-as'), 'gradcam');
    const badges = await section().locator('.best-badge').evaluateAll((b) => b.map((e) => `${e.closest('figure')?.getAttribute('data-method')}:${e.parentElement?.getAttribute('data-cell')}`));
    assert.deepEqual(badges.sort(), ['gradcam:insertion', 'rise:deletion'], 'two distinct maps ranked, the copy not');
  });

  it('marks the most faithful method per criterion with a badge and its text', async () => {
    await harness.explanation(view({ id: 9, methods: ['gradcam', 'rise', 'integratedGradients'] }));
    await harness.explanationMethod(okResult({ id: 9, usedMethod: 'gradcam', deletionAuc: 0.2, insertionAuc: 0.9 }));
    await harness.explanationMethod(okResult({ id: 9, method: 'rise', usedMethod: 'rise', deletionAuc: 0.1, insertionAuc: 0.5, fromCache: true }));
    const badges = await section().locator('.best-badge').evaluateAll((b) => b.map((e) => `${e.closest('figure')?.getAttribute('data-method')}:${e.parentElement?.getAttribute('data-cell')}:${e.textContent}`));
    // Lowest deletion is rise's 0.100, highest insertion gradcam's 0.900; the pending third takes no part.
    assert.deepEqual(badges.sort(), ['gradcam:insertion:★ most faithful', 'rise:deletion:★ most faithful']);
    assert.equal(await section().locator('figure[data-method="rise"] [data-cell="time"]').textContent(), 'cached');
    assert.equal(await section().locator('figure[data-method="gradcam"] .method-fallback').count(), 0, 'no fallback line when the asked method ran');
    assert.equal(await section().locator('figure[data-method="integratedGradients"][aria-busy="true"]').count(), 1);
    await harness.page.evaluate(() => window.scrollTo(0, 0));
    await harness.page.locator('.top').evaluate((top) => top.classList.add('visually-hidden'));
    for (const theme of ['vscode-dark', 'vscode-light', 'vscode-high-contrast'] as const) {
      await harness.setTheme(theme);
      await section().screenshot({ path: path.join(SCREENSHOTS, `explanation-${theme}.png`) });
    }
    await harness.page.locator('.top').evaluate((top) => top.classList.remove('visually-hidden'));
    await harness.setTheme('vscode-dark');
  });

  it('reads each AUC against a random pixel order: at chance it is marked and cannot be the best', async () => {
    await harness.explanation(view({ id: 10, methods: ['gradcam', 'rise'] }));
    // Deletion: both within 0.01 of chance (0.359) or worse → no deletion badge; insertion 0.92 beats 0.44, 0.445 does not.
    const chance = { randomDeletionAuc: 0.359, randomInsertionAuc: 0.44 };
    await harness.explanationMethod(okResult({ id: 10, usedMethod: 'gradcam', deletionAuc: 0.351, insertionAuc: 0.92, ...chance }));
    await harness.explanationMethod(okResult({ id: 10, method: 'rise', usedMethod: 'rise', deletionAuc: 0.364, insertionAuc: 0.445, ...chance }));
    const marks = await section().locator('.chance-badge').evaluateAll((b) => b.map((e) => `${e.closest('figure')?.getAttribute('data-method')}:${e.parentElement?.getAttribute('data-cell')}`));
    assert.deepEqual(marks.sort(), ['gradcam:deletion', 'rise:deletion', 'rise:insertion']);
    const badges = await section().locator('.best-badge').evaluateAll((b) => b.map((e) => `${e.closest('figure')?.getAttribute('data-method')}:${e.parentElement?.getAttribute('data-cell')}`));
    assert.deepEqual(badges, ['gradcam:insertion']);
    assert.match((await section().locator('[data-note="chance"]').textContent()) ?? '', /random pixel order on this image gives deletion AUC 0\.359 and insertion AUC 0\.440/);
  });

  it('drops a result for an image it no longer shows, and changes nothing', async () => {
    await harness.explanation(view());
    await harness.explanationMethod(okResult());
    const before = await section().innerHTML();
    assert.deepEqual(await harness.explanationMethod(failedResult({ id: 6 })), { rendered: false });
    assert.deepEqual(await harness.explanationMethod(okResult({ id: 9, method: 'rise' })), { rendered: false });
    assert.equal(await section().innerHTML(), before);
    // A new image clears the results of the last one: every method is pending again.
    await harness.explanation(view({ id: 8, title: 'img49.png' }));
    assert.equal(await section().locator('figure[aria-busy="true"]').count(), 2);
    assert.deepEqual(await harness.explanationMethod(okResult()), { rendered: false });
    assert.equal(await section().locator('figure[aria-busy="true"]').count(), 2);
  });

  it('keeps the explanation when other sections redraw and when the audit is shown again', async () => {
    await harness.explanation(view({ id: 10 }));
    await harness.explanationMethod(okResult({ id: 10 }));
    const text = await section().textContent();
    await harness.page.locator('#fairness-failing').click();
    await harness.page.locator('#fairness-failing').click();
    await harness.page.locator('[data-gallery="label-issues"] .explain-button').first().waitFor();
    assert.equal(await section().textContent(), text);
    const reply = await harness.show(data);
    assert.ok(reply.rendered.includes('explanation'));
    assert.equal(await section().textContent(), text);
    assert.equal(await section().locator('figure[data-method="gradcam"] [data-cell="deletion"]').textContent(), '0.123★ most faithful');
    await harness.focus({ section: 'galleries' });
    assert.equal(await section().textContent(), text);
  });

  it('keeps hostile titles, methods, classes and errors as text', async () => {
    await harness.explanation(view({ id: 11, title: HOSTILE_FILES[0], model: HOSTILE, label: HOSTILE, methods: [HOSTILE, 'rise'] }));
    await harness.explanationMethod(okResult({ id: 11, method: HOSTILE, usedMethod: `${HOSTILE}2`, fallbackReason: HOSTILE, className: HOSTILE, overlay: TINY_PNG }));
    await harness.explanationMethod(failedResult({ id: 11, error: HOSTILE }));
    assert.equal(await section().locator('.explanation-title').textContent(), HOSTILE_FILES[0]);
    assert.equal(await section().locator('.method-name').nth(1).textContent(), HOSTILE);
    assert.equal(await section().locator('.method-fallback').textContent(), `fallback: ${HOSTILE}2 — ${HOSTILE}`);
    assert.equal(await section().locator('.explanation-error').textContent(), `Failed: ${HOSTILE}`);
    const overlay = section().locator(`figure[data-method="${HOSTILE}"] img`);
    assert.equal(await overlay.getAttribute('alt'), `${HOSTILE}2 saliency for ${HOSTILE} over ${HOSTILE_FILES[0]}`);
    await overlay.evaluate((img: HTMLImageElement) => (img.complete ? undefined : new Promise((resolve) => img.addEventListener('load', resolve, { once: true }))));
    assert.equal(await overlay.evaluate((img: HTMLImageElement) => img.naturalWidth), 2);
    assert.equal(await harness.page.locator('img[src="x"], svg[onload], [onerror]').count(), 0);
    assert.equal(await harness.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    assert.deepEqual(harness.dialogs, []);
    assert.deepEqual(await harness.violations(), []);
    assert.deepEqual(harness.pageErrors, []);
  });

  it('draws the audit’s explained errors with their maps in viridis over the thumbnails', async () => {
    const explained = fixture.result.models[0].explanations!;
    assert.equal(explained.errors.length, 6, 'the fixture audit explains 6 errors (the most confident per group)');
    await harness.show(data);
    const gallery = harness.page.locator('[data-gallery="explained-errors"]');
    assert.equal(await harness.page.locator('#galleries [data-gallery]').first().getAttribute('data-gallery'), 'explained-errors', 'it is the first gallery');
    assert.equal(await gallery.locator('h3').textContent(), 'Explained errors (6)');
    assert.equal(await gallery.locator('.card').count(), 6);
    assert.equal(await gallery.locator('canvas.saliency-canvas[width="16"][height="16"]').count(), 6);
    const first = explained.errors[0];
    const card = gallery.locator('.card').first();
    assert.equal(await card.locator('.card-path').textContent(), first.relPath);
    assert.equal(first.fallbackFrom, 'gradcam', 'the brightness model has no convolution: Grad-CAM falls back');
    assert.equal(await card.locator('.card-faithfulness').textContent(), `${first.method} (fallback from gradcam): deletion AUC ${figure(first.deletionAuc)} · insertion AUC ${figure(first.insertionAuc)}`);
    assert.equal(await card.locator('.card-groups').textContent(), first.groups.map((g) => `${g.attribute}: ${g.group}`).join(' · '));
    const note = (await gallery.locator('p.muted').first().textContent()) ?? '';
    assert.match(note, new RegExp(`Mean over 6 images: deletion AUC ${figure(explained.faithfulness!.meanDeletionAuc)} \\(lower is better\\), insertion AUC ${figure(explained.faithfulness!.meanInsertionAuc)}`));
    assert.match(note, /sanity check: not run/);
    const before = harness.explainRequests.length;
    await card.locator('.explain-button').click();
    await harness.waitForExplainRequests(before + 1);
    assert.deepEqual(harness.explainRequests.at(-1), { dataset: 'data', relPath: first.relPath, model: 0 });
  });

  it('draws a hand-made 4×2 map at its aspect with viridis colours, and offers Explain only for an audited model', async () => {
    const item: ExplainedItem = {
      relPath: 'img47.png', uri: harness.imageUri('data', 'img47.png'), label: 'bright', predicted: 'dark', confidence: 0.75,
      groups: [{ attribute: 'fitzpatrick', group: 'V' }], method: 'gradcam', deletionAuc: 0.0625, insertionAuc: 0.8125,
      map: { width: 4, height: 2, data: [0, 0.25, 0.5, 1, 1, 0.5, 0.25, 0] },
    };
    const handMade = structuredClone(data);
    handMade.models[0].explanations = {
      method: 'gradcam', faithfulness: { images: 1, meanDeletionAuc: 0.0625, meanInsertionAuc: 0.8125 },
      sanity: { images: 4, meanSpearman: 0.125, passed: true }, notes: ['Mask share: no mask column.'], items: [item],
    };
    await harness.show(handMade);
    const gallery = harness.page.locator('[data-gallery="explained-errors"]');
    assert.equal(await gallery.locator('h3').textContent(), 'Explained errors (1)');
    const card = gallery.locator('.card');
    assert.equal(await card.locator('.card-labels').textContent(), 'bright → dark (75.0%)');
    assert.equal(await card.locator('.card-groups').textContent(), 'fitzpatrick: V');
    // 0.0625 and 0.8125 are exact in binary: 0.063 (toFixed rounds the tie up) and 0.813.
    assert.equal(await card.locator('.card-faithfulness').textContent(), 'gradcam: deletion AUC 0.063 · insertion AUC 0.813');
    const note = (await gallery.locator('p.muted').first().textContent()) ?? '';
    assert.match(note, /sanity check passed: mean Spearman ρ 0\.125 .*\(4 images\)\. Mask share: no mask column\.$/);
    const canvas = card.locator('canvas');
    const box = await canvas.boundingBox();
    assert.ok(box && box.width === 96 && box.height === 48, `the 4×2 map is drawn 96×48: ${JSON.stringify(box)}`);
    const pixels = await canvas.evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, 4, 1).data));
    assert.deepEqual(pixels, [68, 1, 84, 255, 59, 82, 139, 255, 33, 145, 140, 255, 253, 231, 37, 255]);
    assert.equal(await card.locator('.thumb-overlay img').getAttribute('alt'), 'img47.png, with its saliency map over it');
    assert.equal(await harness.page.locator('.explain-button').count() > 0, true);
    // The image is fitted under the map as the model's preprocessing fits it: stretched, centre-cropped or padded.
    const fitOf = async (): Promise<string> => card.locator('.thumb-overlay img').evaluate((img) => getComputedStyle(img).objectFit);
    for (const [resize, fit] of [['stretch', 'fill'], ['center-crop', 'cover'], ['pad', 'contain']] as const) {
      const fitted = structuredClone(handMade);
      fitted.models[0].resize = resize;
      await harness.show(fitted);
      assert.equal(await fitOf(), fit, resize);
    }
    await harness.show(handMade);

    const failed = structuredClone(handMade);
    failed.models[0].status = 'failed';
    await harness.show(failed);
    assert.equal(await harness.page.locator('.explain-button').count(), 0, 'no Explain without an audited model');
    assert.ok(await harness.page.locator('.open-button').count() > 0);
    const noModel = { ...structuredClone(data), models: [] };
    await harness.show(noModel);
    assert.equal(await harness.page.locator('.explain-button').count(), 0);
    assert.ok(await harness.page.locator('[data-gallery="duplicates"] .open-button').count() > 0);
    assert.deepEqual(await harness.violations(), []);
    assert.deepEqual(harness.pageErrors, []);
    await harness.show(data);
  });
});
