// Opens the code-server workbench in headless Chromium with the extension-development payload
// and waits for the test suite to end (the workbench calls codeAutomationExit).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM } from './install.mjs';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** The workbench URL that loads `extensionDir` for development and runs `testsPath`'s run(). */
export function workbenchUrl(port, workspace, extensionDir, testsPath) {
  const remote = (file) => `vscode-remote://127.0.0.1:${port}${file}`;
  const payload = [['extensionDevelopmentPath', remote(extensionDir)]];
  if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/**
 * Runs the suite: resolves to the exit code the workbench reports, or rejects on timeout.
 * `onLog(level, message)` gets the workbench's log lines (the suite's output among them).
 */
export async function runSuiteInBrowser({ url, logsDir, onLog, timeoutMs = 300_000 }) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    let finish;
    const exited = new Promise((resolve) => {
      finish = resolve;
    });
    await page.exposeFunction('codeAutomationLog', (level, message) => onLog(level, Array.isArray(message) ? format(...message) : String(message)));
    await page.exposeFunction('codeAutomationExit', (code, logs) => {
      if (logsDir && Array.isArray(logs)) {
        for (const { relativePath, contents } of logs) {
          const file = path.join(logsDir, relativePath);
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, contents);
        }
      }
      finish(code);
    });
    page.on('pageerror', (error) => onLog('error', `[page] ${error.message}`));
    page.on('crash', () => finish(1));
    await page.goto(url, { timeout: 60_000 });
    const code = await withTimeout(exited, timeoutMs, 'The in-editor test suite');
    await withTimeout(context.close(), 10_000, 'Closing the browser context').catch(() => undefined);
    return code;
  } finally {
    await withTimeout(browser.close(), 10_000, 'Closing the browser').catch(() => undefined);
  }
}
