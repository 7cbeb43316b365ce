// Runs the in-editor test suite in a desktop VS Code through @vscode/test-electron, for those who
// have one: VSCODE_EXECUTABLE=/path/to/code node scripts/test-electron.mjs
// (CI uses scripts/test-vscode.mjs, which needs no VS Code download.)
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildUnlessSkipped } from './vscode/script.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const executable = process.env.VSCODE_EXECUTABLE;

if (!executable) {
  console.log('[test-electron] skipped: set VSCODE_EXECUTABLE to a desktop VS Code binary (e.g. /usr/share/code/code) to run the suite in it. `npm run test:vscode` runs the same suite in code-server.');
  process.exit(0);
}

async function main() {
  buildUnlessSkipped(repo);
  const { runTests } = await import('@vscode/test-electron');
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'fairframe-electron-'));
  const workspace = path.join(tmpDir, 'workspace');
  // The tests run on a copy: nothing in the repository is written.
  cpSync(path.join(repo, 'test', 'vscode', 'workspace'), workspace, { recursive: true });
  try {
    return await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: repo,
      extensionTestsPath: path.join(repo, 'out', 'vscode-suite', 'index.js'),
      extensionTestsEnv: { FAIRFRAME_TEST_HOOKS: '1' },
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir', path.join(tmpDir, 'user-data'),
        '--extensions-dir', path.join(tmpDir, 'extensions'),
      ],
    });
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[test-electron] ${error?.stack ?? error}`);
    process.exit(1);
  },
);
