// Runs the in-editor test suite (test/vscode/suite) in a real VS Code: code-server with a Node
// extension host, driven by headless Chromium. Installs Node 24 and code-server into the
// git-ignored .vscode-test/ on first use. Runs the suite in a trusted and in a restricted workspace;
// exits 0 when every test passed, and ends with the line "N passed, N failed".
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startCodeServer } from './vscode/codeServer.mjs';
import { checkSystem, ensureInstalled } from './vscode/install.mjs';
import { buildUnlessSkipped, keepServerLogs, runScript, systemReady } from './vscode/script.mjs';
import { samplePeakRss } from './vscode/processTree.mjs';
import { runSuiteInBrowser, workbenchUrl } from './vscode/runInBrowser.mjs';

const OVERALL_TIMEOUT_MS = 10 * 60_000;
const SUITE_TIMEOUT_MS = 5 * 60_000;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testDir = path.join(repo, '.vscode-test');
const suiteEntry = path.join(repo, 'out', 'vscode-suite', 'index.js');
const started = Date.now();
// `--only trusted,reload` runs those passes alone.
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? (process.argv[onlyIndex + 1] ?? '').split(',') : undefined;

let activeServer;
const say = (message) => console.log(`[test-vscode] ${message}`);
const SUMMARY = /^(\d+) passed, (\d+) failed$/;
// The suite puts this before each of its lines (see SUITE_TAG_ENV in test/vscode/suite/index.ts).
const SUITE_LINE_TAG = '[fairframe-suite] ';

async function main() {
  if (!systemReady('test-vscode', checkSystem())) return 2;
  const tools = ensureInstalled(testDir);
  buildUnlessSkipped(repo);

  const memory = samplePeakRss(process.pid);
  const totals = { passed: 0, failed: 0 };
  let exitCode = 0;
  try {
    // In a trusted workspace (the full suite), in a restricted one (no decoding), and across a window reload: two
    // sessions on the same workspace and user data, the second started after the first has ended.
    const passes = [
      { name: 'trusted', trust: true },
      { name: 'restricted', trust: false },
      { name: 'reload', trust: true, phases: ['reload-before', 'reload-after'] },
    ].filter((pass) => !only || only.includes(pass.name));
    for (const pass of passes) {
      const outcome = await runPass(tools, pass);
      if (outcome.summary) {
        totals.passed += outcome.summary.passed;
        totals.failed += outcome.summary.failed;
      } else {
        say(`the ${pass.name} pass printed no summary line: the suite did not run to its end.`);
        totals.failed += 1;
      }
      if (outcome.code !== 0) {
        exitCode = 1;
        say(`the ${pass.name} pass failed (exit code ${outcome.code}); its logs are in ${path.relative(repo, outcome.logsDir)}`);
      }
    }
  } finally {
    const peak = memory.stop();
    say(`start to exit ${((Date.now() - started) / 1000).toFixed(1)} s; peak memory ${(peak / 2 ** 30).toFixed(2)} GiB (code-server + Chromium)`);
  }
  if (totals.failed > 0) exitCode = 1;
  // The closing line, alone.
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  return exitCode;
}

/** A pass on a fresh copy of the fixture workspace: one code-server session per phase (one, unless the pass has
 * phases), all on the same workspace and user data; returns the exit code and the counts summed over the sessions. */
async function runPass(tools, { name, trust, phases }) {
  say(`${name} workspace`);
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'fairframe-vscode-'));
  const workspace = path.join(tmpDir, 'workspace');
  // The tests run on a copy: nothing in the repository is written.
  cpSync(path.join(repo, 'test', 'vscode', 'workspace'), workspace, { recursive: true });
  const logsDir = path.join(testDir, 'logs', name);
  rmSync(logsDir, { recursive: true, force: true });
  mkdirSync(logsDir, { recursive: true });
  let code = 0;
  let summary;
  // The sessions of a pass share one port: the workbench keys the workspace storage by the remote URI, port included.
  const port = await freePort();
  try {
    for (const phase of phases ?? [undefined]) {
      const session = await runSession(tools, { trust, phase, tmpDir, workspace, port, logsDir: phase ? path.join(logsDir, phase) : logsDir });
      if (session.code !== 0) code = session.code;
      if (!session.summary) {
        summary = undefined;
        if (code === 0) code = 1;
        break;
      }
      summary = { passed: (summary?.passed ?? 0) + session.summary.passed, failed: (summary?.failed ?? 0) + session.summary.failed };
    }
  } finally {
    if (!process.env.FAIRFRAME_KEEP_TEST_TMP) rmSync(tmpDir, { recursive: true, force: true });
  }
  return { code, summary, logsDir };
}

/** One code-server session on `workspace`; returns the suite's exit code and counts. */
async function runSession(tools, { trust, phase, tmpDir, workspace, port, logsDir }) {
  if (phase) say(`session ${phase}`);
  mkdirSync(logsDir, { recursive: true });
  // Everything the workbench logs goes here; only the suite's own lines are printed.
  const workbenchLog = createWriteStream(path.join(logsDir, 'workbench.log'));
  let server;
  let summary;
  let code = 1;
  try {
    server = await startCodeServer({
      node24: tools.node24,
      entry: tools.codeServerEntry,
      workspace,
      tmpDir,
      trust,
      port,
      env: {
        FAIRFRAME_TEST_HOOKS: '1',
        FAIRFRAME_SUITE_TAG: SUITE_LINE_TAG,
        ...(phase ? { FAIRFRAME_SUITE_PHASE: phase, FAIRFRAME_RELOAD_NOTES: path.join(tmpDir, 'reload-notes.json') } : {}),
      },
    });
    activeServer = server;
    say(`code-server listening on port ${server.port} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    code = await runSuiteInBrowser({
      url: workbenchUrl(server.port, workspace, repo, suiteEntry),
      logsDir,
      timeoutMs: SUITE_TIMEOUT_MS,
      onLog: (level, message) => {
        workbenchLog.write(`${level}: ${message}\n`);
        // An error that names the extension (e.g. a failed activation) is shown as well.
        if (level === 'error' && message.includes('fairframe.fairframe') && !message.includes(SUITE_LINE_TAG)) console.log(`[workbench] ${message}`);
        for (const line of message.split('\n')) {
          if (!line.startsWith(SUITE_LINE_TAG)) continue;
          const text = line.slice(SUITE_LINE_TAG.length);
          const match = SUMMARY.exec(text.trim());
          if (match) summary = { passed: Number(match[1]), failed: Number(match[2]) };
          else console.log(text);
        }
      },
    });
  } finally {
    await server?.stop();
    activeServer = undefined;
    workbenchLog.end();
    // Keep the server side's logs (extension host, Fairframe output channel) for a post-mortem.
    keepServerLogs(logsDir, path.join(tmpDir, 'user-data'), path.join(tmpDir, 'code-server.log'));
  }
  return { code, summary };
}

runScript('test-vscode', main, { timeoutMs: OVERALL_TIMEOUT_MS, cleanup: async () => activeServer?.stop(), graceMs: 10_000 });
