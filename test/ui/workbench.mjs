// Drives the code-server workbench in headless Chromium as a person would: the activity bar, the command palette,
// quick picks, the editor and its hovers, and the webview iframes. Everything waits with generous timeouts and
// retries; nothing asserts on time.
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../../scripts/vscode/install.mjs';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** The workbench URL that loads `extensionDir` for development (no test suite: the UI is driven from outside). */
export function developmentUrl(port, workspace, extensionDir) {
  const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${extensionDir}`]];
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Starts Chromium with a fresh profile; returns { browser, context, page }. */
export async function launchBrowser({ width = 1600, height = 1000 } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  return { browser, context, page };
}

/** Resolves `promise`, or rejects after `ms` saying what timed out (for cleanup steps that must not hang). */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    Promise.resolve(promise).finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** Calls `attempt` until it resolves, up to `attempts` times with `delayMs` between; rethrows the last failure. */
export async function retry(attempt, { attempts = 5, delayMs = 2000, onRetry } = {}) {
  let last;
  for (let i = 1; i <= attempts; i++) {
    try {
      return await attempt(i);
    } catch (error) {
      last = error;
      if (i < attempts) {
        onRetry?.(i, error);
        await sleep(delayMs);
      }
    }
  }
  throw last;
}

/** Waits until the workbench has loaded (the activity bar and the status bar are drawn). */
export async function waitForWorkbench(page, timeout = 180_000) {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout });
}

/** Closes whatever quick input, hover or notification toast is open. */
export async function dismiss(page) {
  for (let i = 0; i < 2; i++) await page.keyboard.press('Escape');
}

/**
 * Opens the command palette with F1, types `title`, waits for the entry whose label is exactly `title`
 * (e.g. "Fairframe: Audit Model on Dataset") and runs it with Enter.
 */
export async function runCommand(page, title, { timeout = 60_000 } = {}) {
  await retry(async () => {
    await dismiss(page);
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout });
    // The first row must be the command (the list is filtered as one types).
    await page.waitForFunction((wanted) => {
      const first = globalThis.document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row.focused');
      return first?.textContent?.includes(wanted);
    }, title, { timeout: 15_000 });
    await input.press('Enter');
  }, { attempts: 4 });
}

/** Waits for a quick pick whose title contains `title` and picks the row that contains `rowText`; false when none opens. */
export async function pickQuickItem(page, { title, rowText, timeout = 30_000 }) {
  const widget = page.locator('.quick-input-widget', { hasText: title });
  try {
    await widget.waitFor({ state: 'visible', timeout });
  } catch {
    return false;
  }
  const row = widget.locator('.quick-input-list .monaco-list-row', { hasText: rowText }).first();
  await row.waitFor({ state: 'visible', timeout });
  await row.click();
  return true;
}

/** Brings a workspace file to the front: clicks its tab when it is open, else opens it with Quick Open (Ctrl+P). */
export async function quickOpen(page, fileName, { timeout = 60_000 } = {}) {
  await retry(async () => {
    await dismiss(page);
    const tab = page.locator('.tabs-container .tab', { hasText: fileName }).first();
    if (await tab.count()) {
      // A webview keeps the keyboard focus to itself; the tab is what a person would click anyway.
      await tab.click();
      await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor({ state: 'visible', timeout: 15_000 });
      return;
    }
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(fileName);
    const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: fileName }).first();
    await row.waitFor({ state: 'visible', timeout });
    await input.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor({ state: 'visible', timeout: 30_000 });
  }, { attempts: 4 });
}

/** Drags the right edge of the side bar by `by` pixels, so that tree labels are not cut short. */
export async function widenSideBar(page, by) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) throw new Error('the side bar is not on screen');
  const x = box.x + box.width + 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + by, y, { steps: 10 });
  await page.mouse.up();
}

/** Scrolls `container` (a list or tree) with the mouse wheel until `target` lies inside it. */
export async function scrollIntoContainer(page, container, target, { attempts = 120, step = 150 } = {}) {
  for (let i = 0; i < attempts; i++) {
    const outer = await container.boundingBox();
    const inner = (await target.count()) > 0 ? await target.first().boundingBox().catch(() => null) : null;
    if (outer && inner && inner.y >= outer.y && inner.y + inner.height <= outer.y + outer.height) return;
    if (!outer) throw new Error('the list to scroll is not on screen');
    await page.mouse.move(outer.x + outer.width / 2, outer.y + outer.height / 2);
    // Down while the target has not been rendered or lies below; up when it lies above.
    await page.mouse.wheel(0, inner && inner.y < outer.y ? -step : step);
    await sleep(250);
  }
  throw new Error(`not found after scrolling ${attempts} times`);
}

/** The innermost frame of the webview panel titled `title` (VS Code nests the page in two iframes). */
export function webviewFrame(page, title) {
  return page.frameLocator(`iframe.webview.ready[title="${title}"], iframe.webview.ready`).first().frameLocator('#active-frame');
}

/** Saves a screenshot of the page (full window) and returns its path. */
export async function screenshot(page, file) {
  await withTimeout(page.screenshot({ path: file }), 60_000, `The screenshot ${file}`);
  return file;
}
