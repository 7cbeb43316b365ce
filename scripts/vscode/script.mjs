// What the editor test scripts (test-vscode, test-ui, test-package) share around their own steps: the check for
// missing Debian packages, the build, and a run with an overall time limit that cleans up on a signal or a crash.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Prints the missing Debian packages with the command that installs them; true when nothing is missing. */
export function systemReady(tag, missing) {
  if (missing.length === 0) return true;
  console.error(`[${tag}] missing Debian packages: ${missing.join(', ')}. Install them with:\n  apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`);
  return false;
}

/** Builds the bundles (scripts/build.mjs) unless the command line says --no-build; throws when the build fails. */
export function buildUnlessSkipped(repo) {
  if (process.argv.includes('--no-build')) return;
  const build = spawnSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('The build failed; see above.');
}

/**
 * Runs `main` (resolving to the exit code) and exits with its code. After `timeoutMs`, on SIGINT/SIGTERM or when
 * `main` throws, `cleanup()` runs first (given at most `graceMs`) and the exit code is 1.
 */
export function runScript(tag, main, { timeoutMs, cleanup, graceMs = 20_000 }) {
  const abandon = (reason) => {
    console.error(`[${tag}] ${reason}`);
    const exit = () => process.exit(1);
    cleanup().then(exit, exit);
    setTimeout(exit, graceMs).unref();
  };
  setTimeout(() => abandon(`gave up after ${timeoutMs / 60_000} minutes.`), timeoutMs).unref();
  process.once('SIGINT', () => abandon('interrupted.'));
  process.once('SIGTERM', () => abandon('terminated.'));
  main().then(
    (code) => process.exit(code),
    (error) => abandon(error.stack ?? String(error)),
  );
}

/** The Fairframe output channel's log, written by the extension host under the server's log folder, or ''. */
export function fairframeLog(userData) {
  const root = path.join(userData, 'logs');
  if (!existsSync(root)) return '';
  for (const session of readdirSync(root)) {
    for (const host of readdirSync(path.join(root, session)).filter((name) => name.startsWith('exthost'))) {
      const file = path.join(root, session, host, 'fairframe.fairframe', 'Fairframe.log');
      if (existsSync(file)) return readFileSync(file, 'utf8');
    }
  }
  return '';
}

/** Copies the server side's logs (extension host, Fairframe output channel, code-server's own) into `logsDir`. */
export function keepServerLogs(logsDir, userData, serverLogFile) {
  for (const [from, to] of [[path.join(userData, 'logs'), 'server'], [serverLogFile, 'code-server.log']]) {
    try {
      cpSync(from, path.join(logsDir, to), { recursive: true });
    } catch {
      // not written in this run
    }
  }
}
