// `npm run test:package`: packages the extension as a user gets it (`npm run package`: the build, then
// `vsce package --target linux-x64`), checks the VSIX's entries (linux-x64 binaries of sharp and onnxruntime-node
// only, nothing from development), installs it into code-server with `--install-extension` (no extension-development
// path), loads its native modules under Node 24, and drives the workbench in headless Chromium on a copy of
// test/vscode/workspace: the automatic dataset audit's warnings must appear in the Problems panel, and
// "Fairframe: Audit Model on Dataset" from the palette must put the model's accuracy there.
// Writes the VSIX and screenshots to .tmp/package/; ends with the line "N passed, N failed".
// Options: --vsix <file> (check and install that VSIX instead of packaging one).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startCodeServer } from './vscode/codeServer.mjs';
import { checkSystem, ensureInstalled } from './vscode/install.mjs';
import { fairframeLog, keepServerLogs, runScript, systemReady } from './vscode/script.mjs';
import { checkModuleScopes, checkVsixEntries, LINUX_X64_NATIVES, markdownImages, packageOf } from '../test/package/vsixContents.mjs';
import { launchBrowser, runCommand, screenshot, waitForWorkbench, withTimeout } from '../test/ui/workbench.mjs';

const OVERALL_TIMEOUT_MS = 20 * 60_000;
const EXTENSION_ID = 'fairframe.fairframe';
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testDir = path.join(repo, '.vscode-test');
const outDir = path.join(repo, '.tmp', 'package');
const logsDir = path.join(testDir, 'logs', 'package');
const started = Date.now();
const say = (message) => console.log(`[test-package] ${message}`);
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const megabytes = (bytes) => `${(bytes / 2 ** 20).toFixed(2)} MB`;

let cleanup = async () => undefined;
const results = [];

/** Records a check and prints it. */
function record(name, ok, detail = '') {
  results.push({ name, ok });
  say(`  ${ok ? '✓' : '✗'} ${name}${detail ? ` — ${detail}` : ''}`);
}

/** Runs a command to its end; resolves to { code, output } (stdout and stderr together). Never reads stdin. */
function run(command, args, { cwd = repo, env = process.env, timeoutMs = 10 * 60_000, echo = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      if (echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`'${command} ${args.join(' ')}' did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, output });
    });
  });
}

/** The VSIX's entries with their uncompressed sizes, from `unzip -l`. */
async function listVsix(vsix) {
  const { code, output } = await run('unzip', ['-l', vsix]);
  if (code !== 0) throw new Error(`'unzip -l ${vsix}' failed (exit ${code}):\n${output}`);
  const entries = [];
  for (const line of output.split('\n')) {
    const match = /^\s*(\d+)\s+\d{2,4}-\d{2}-\d{2,4}\s+\d{2}:\d{2}\s+(.+)$/.exec(line);
    if (match && !match[2].endsWith('/')) entries.push({ name: match[2], size: Number(match[1]) });
  }
  return entries;
}

/** Prints the VSIX's size and what is in it: bytes per folder (per package in node_modules) and the native files. */
function summarise(vsix, entries) {
  const groups = new Map();
  for (const { name, size } of entries) {
    const key = packageOf(name) ? `node_modules/${packageOf(name)}` : name.startsWith('extension/') ? name.split('/').slice(1, -1).join('/') || '(top)' : '(vsix metadata)';
    const group = groups.get(key) ?? { files: 0, bytes: 0 };
    group.files += 1;
    group.bytes += size;
    groups.set(key, group);
  }
  const total = entries.reduce((sum, entry) => sum + entry.size, 0);
  say(`${path.relative(repo, vsix)}: ${megabytes(statSync(vsix).size)} compressed, ${entries.length} files, ${megabytes(total)} unpacked`);
  for (const [key, group] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes)) say(`    ${megabytes(group.bytes).padStart(10)}  ${String(group.files).padStart(3)} files  ${key}`);
  for (const { name, size } of entries.filter((entry) => LINUX_X64_NATIVES.some(({ pattern }) => pattern.test(entry.name)))) say(`    native: ${name.replace('extension/node_modules/', '')} (${megabytes(size)})`);
}

/**
 * Polls the Fairframe log until `test(text)` holds; throws naming `what` after `timeoutMs`, or at once with the
 * first error line when the log has one (e.g. the audit worker could not load a native module).
 */
async function waitForLog(read, test, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await read();
    if (test(text)) return;
    const error = text.split('\n').findIndex((line) => / \[error\] /.test(line));
    if (error >= 0) throw new Error(`waiting for ${what}, the Fairframe log says:\n${text.split('\n').slice(error, error + 6).join('\n')}`);
    await sleep(500);
  }
  throw new Error(`${what}: not seen within ${timeoutMs / 1000} s`);
}

async function packageVsix() {
  const vsix = path.join(outDir, 'fairframe-linux-x64.vsix');
  rmSync(vsix, { force: true });
  const packagingStarted = Date.now();
  say('$ npm run package -- --out .tmp/package/fairframe-linux-x64.vsix');
  // `vsce package` runs the build first (the vscode:prepublish script).
  const { code, output } = await run('npm', ['run', 'package', '--', '--out', vsix]);
  if (code !== 0 || !existsSync(vsix)) throw new Error(`Packaging failed (exit ${code}):\n${output}`);
  say(`packaged in ${seconds(packagingStarted)}`);
  return vsix;
}

/** Installs the VSIX the way a user does; returns the folder it was unpacked into. */
async function installVsix(tools, vsix, tmpDir) {
  const config = path.join(tmpDir, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const args = [tools.codeServerEntry, '--config', config, '--user-data-dir', path.join(tmpDir, 'user-data'), '--extensions-dir', path.join(tmpDir, 'extensions'), '--install-extension', vsix];
  const { code, output } = await run(tools.node24, args, { cwd: tmpDir, timeoutMs: 5 * 60_000 });
  const installed = existsSync(path.join(tmpDir, 'extensions')) ? readdirSync(path.join(tmpDir, 'extensions')).find((name) => name.startsWith(`${EXTENSION_ID}-`)) : undefined;
  const ok = code === 0 && /successfully installed/i.test(output) && installed !== undefined;
  record('code-server --install-extension installs the VSIX', ok, ok ? `into extensions/${installed}` : `exit ${code}: ${output.trim().split('\n').slice(-5).join(' | ')}`);
  return ok ? path.join(tmpDir, 'extensions', installed) : undefined;
}

/** Loads sharp and onnxruntime-node from the installed copy under Node 24, outside the repository. */
async function probeNativeModules(tools, extensionDir, tmpDir) {
  const probe = [
    `const sharp = require(${JSON.stringify(path.join(extensionDir, 'node_modules', 'sharp'))});`,
    `const ort = require(${JSON.stringify(path.join(extensionDir, 'node_modules', 'onnxruntime-node'))});`,
    'sharp({ create: { width: 2, height: 2, channels: 3, background: "#ff0000" } }).raw().toBuffer().then(async (pixels) => {',
    '  const tensor = new ort.Tensor("float32", Float32Array.from(pixels), [1, 12]);',
    `  console.log(JSON.stringify({ vips: sharp.versions.vips, pixels: [...pixels.subarray(0, 3)], tensor: tensor.dims, sharpAt: require.resolve("sharp", { paths: [${JSON.stringify(path.join(extensionDir, 'dist'))}] }) }));`,
    '});',
  ].join('\n');
  const { code, output } = await run(tools.node24, ['-e', probe], { cwd: tmpDir, timeoutMs: 120_000 });
  let reply;
  try {
    reply = JSON.parse(output.trim().split('\n').pop());
  } catch {
    reply = undefined;
  }
  const ok = code === 0 && reply?.pixels?.join(',') === '255,0,0' && reply.tensor.join(',') === '1,12' && reply.sharpAt.startsWith(extensionDir);
  record('sharp and onnxruntime-node load from the installed copy under Node 24', ok, ok ? `libvips ${reply.vips}; dist/ resolves sharp inside the extension` : `exit ${code}: ${output.trim().slice(-600)}`);
}

/** Opens the workbench on the installed extension (no development payload) and audits as a user would. */
async function driveWorkbench(tools, tmpDir) {
  const workspace = path.join(tmpDir, 'workspace');
  // A copy, so nothing in the repository is written.
  cpSync(path.join(repo, 'test', 'vscode', 'workspace'), workspace, { recursive: true });
  const userData = path.join(tmpDir, 'user-data');
  const server = await startCodeServer({ node24: tools.node24, entry: tools.codeServerEntry, workspace, tmpDir, trust: true, startTimeoutMs: 180_000 });
  say(`code-server listening on port ${server.port} after ${seconds(started)}`);
  const { browser, context, page } = await launchBrowser();
  cleanup = async () => {
    await withTimeout(context.close(), 10_000, 'Closing the browser context').catch(() => undefined);
    await withTimeout(browser.close(), 10_000, 'Closing the browser').catch(() => undefined);
    await server.stop();
    rmSync(logsDir, { recursive: true, force: true });
    mkdirSync(logsDir, { recursive: true });
    keepServerLogs(logsDir, userData, server.logFile);
  };
  const log = () => fairframeLog(userData);
  const audits = (text) => (text.match(/Audited .* in \d+ ms/g) ?? []).length;
  const problems = page.locator('.markers-panel');
  const step = async (name, shot, body) => {
    const stepStarted = Date.now();
    try {
      const detail = await body();
      await screenshot(page, path.join(outDir, `${shot}.png`));
      record(name, true, `${detail ?? ''}${detail ? '; ' : ''}${seconds(stepStarted)}; .tmp/package/${shot}.png`);
      return true;
    } catch (error) {
      await screenshot(page, path.join(outDir, `${shot}-failed.png`)).catch(() => undefined);
      record(name, false, `${error.message.split('\n').slice(0, 6).join(' | ')}; .tmp/package/${shot}-failed.png`);
      return false;
    }
  };

  // The plain workbench URL: the extension comes from --extensions-dir only.
  await page.goto(`http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(workspace)}`, { timeout: 120_000 });
  const activated = await step('the installed extension activates and audits the dataset by itself, with imbalance warnings in the Problems panel', 'problems', async () => {
    await waitForWorkbench(page);
    await waitForLog(log, (text) => /Found 1 dataset\(s\) and 1 model\(s\)/.test(text), 'the Fairframe log line "Found 1 dataset(s) and 1 model(s)"', 300_000);
    await waitForLog(log, (text) => audits(text) > 0, 'the automatic dataset audit (log line "Audited …")', 300_000);
    for (let attempt = 0; attempt < 5 && !(await problems.isVisible()); attempt++) {
      await page.keyboard.press('Control+Shift+M');
      await problems.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => undefined);
    }
    await problems.getByText("Class 'bird' has only 1 image").first().waitFor({ state: 'visible', timeout: 120_000 });
    await problems.getByText('metadata.csv').first().waitFor({ state: 'visible', timeout: 60_000 });
    return "FF-D002 \"Class 'bird' has only 1 image\" on metadata.csv";
  });
  if (!activated) return;

  await step('"Fairframe: Audit Model on Dataset" from the palette runs the ONNX model and reports its accuracy', 'audit-model', async () => {
    const before = audits(log());
    await runCommand(page, 'Fairframe: Audit Model on Dataset');
    await waitForLog(log, (text) => /Auditing .* with classifier\.onnx/.test(text), 'the log line "Auditing … with classifier.onnx"', 120_000);
    await waitForLog(log, (text) => audits(text) > before, 'the end of the model audit', 600_000);
    // Only the model's performance finding (FF-M006) in the Problems panel.
    for (let attempt = 0; attempt < 5 && !(await problems.isVisible()); attempt++) {
      await page.keyboard.press('Control+Shift+M');
      await problems.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => undefined);
    }
    const filter = page.locator('.part.panel input[placeholder^="Filter"]').first();
    await filter.fill('FF-M006', { timeout: 30_000 });
    const row = problems.locator('.monaco-list-row', { hasText: 'accuracy' }).first();
    await row.waitFor({ state: 'visible', timeout: 120_000 });
    const text = (await row.textContent()) ?? '';
    if (!/'classifier\.onnx' on 5 images of 'workspace': accuracy 80\.0% \[40\.0%, 100\.0%\]/.test(text)) throw new Error(`the FF-M006 row says '${text}'`);
    return 'FF-M006 "classifier.onnx on 5 images … accuracy 80.0% [40.0%, 100.0%]"';
  });
}

async function main() {
  const missing = checkSystem();
  const unzip = await run('unzip', ['-v']).catch(() => ({ code: 1 }));
  if (unzip.code !== 0) missing.push('unzip');
  if (!systemReady('test-package', missing)) return 2;
  const tools = ensureInstalled(testDir);
  mkdirSync(outDir, { recursive: true });
  for (const name of readdirSync(outDir).filter((file) => file.endsWith('.png'))) rmSync(path.join(outDir, name));

  const given = process.argv.indexOf('--vsix');
  const vsix = given > 0 ? path.resolve(process.argv[given + 1]) : await packageVsix();
  const entries = await listVsix(vsix);
  summarise(vsix, entries);
  const readmeImages = markdownImages(readFileSync(path.join(repo, 'README.md'), 'utf8')).filter((image) => !image.startsWith('..'));
  const names = entries.map((entry) => entry.name);
  for (const check of [...checkVsixEntries(names, { readmeImages }), checkModuleScopes(names, (file) => existsSync(path.join(repo, file)))]) record(check.name, check.ok, check.detail);
  const manifest = await run('unzip', ['-p', vsix, 'extension.vsixmanifest']);
  record('the manifest targets linux-x64', /TargetPlatform="linux-x64"/.test(manifest.output));

  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'fairframe-package-'));
  try {
    const extensionDir = await installVsix(tools, vsix, tmpDir);
    if (extensionDir) {
      await probeNativeModules(tools, extensionDir, tmpDir);
      await driveWorkbench(tools, tmpDir);
    }
  } finally {
    await cleanup();
    rmSync(tmpDir, { recursive: true, force: true });
  }
  const passed = results.filter((result) => result.ok).length;
  say(`start to exit ${seconds(started)}`);
  console.log(`${passed} passed, ${results.length - passed} failed`);
  return passed === results.length ? 0 : 1;
}

runScript('test-package', main, { timeoutMs: OVERALL_TIMEOUT_MS, cleanup: () => cleanup() });
