// Installs what the in-editor tests need into the git-ignored .vscode-test/ folder, once:
// Node 24 (from the npm registry) and code-server (VS Code with a Node extension host).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Paths of the installed tools under `testDir`. */
export function toolPaths(testDir) {
  const nodeDir = path.join(testDir, 'node24');
  const codeServerDir = path.join(testDir, `code-server-${CODE_SERVER_VERSION}`);
  return {
    nodeDir,
    node24: path.join(nodeDir, 'node_modules', 'node', 'bin', 'node'),
    codeServerDir,
    codeServerEntry: path.join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    /** Written only after a complete install (its build scripts included). */
    codeServerMarker: path.join(codeServerDir, 'install-complete'),
  };
}

/** Lists the system packages that are missing, with the command that installs them. */
export function checkSystem() {
  const missing = [];
  if (!existsSync(CHROMIUM)) missing.push('chromium');
  const krb = spawnSync('dpkg', ['-s', 'libkrb5-dev'], { encoding: 'utf8' });
  if (krb.status !== 0 && !existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev');
  return missing;
}

function run(command, args, options) {
  console.log(`[test-vscode] $ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`'${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal}).`);
}

/** Installs Node 24 and code-server when they are not there yet; returns their paths. */
export function ensureInstalled(testDir) {
  const paths = toolPaths(testDir);
  if (!existsSync(paths.node24)) {
    console.log('[test-vscode] installing Node 24 into', paths.nodeDir);
    run('npm', ['install', '--prefix', paths.nodeDir, '--no-audit', '--no-fund', '--no-save', 'node@24']);
  }
  const version = spawnSync(paths.node24, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  if (!version?.startsWith('v24.')) throw new Error(`Expected Node 24 at ${paths.node24}, got '${version}'. Delete ${paths.nodeDir} and run again.`);

  if (!existsSync(paths.codeServerMarker) || !existsSync(paths.codeServerEntry)) {
    const missing = checkSystem().filter((name) => name === 'libkrb5-dev');
    if (missing.length) throw new Error(`code-server needs Debian packages to build: run\n  apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`);
    console.log(`[test-vscode] installing code-server@${CODE_SERVER_VERSION} into ${paths.codeServerDir} (a few minutes, ~620 MB)`);
    // Drop the npm_* variables of an enclosing `npm test`: their user agent names the outer Node,
    // and code-server's install script checks the Node version from it.
    const outer = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
    const env = {
      ...outer,
      PATH: `${path.dirname(paths.node24)}${path.delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: '/usr',
    };
    // npm 11 runs a dependency's install scripts only when package.json's allowScripts names it;
    // code-server builds its native modules in them.
    mkdirSync(paths.codeServerDir, { recursive: true });
    writeFileSync(path.join(paths.codeServerDir, 'package.json'), `${JSON.stringify({
      name: 'fairframe-test-code-server',
      private: true,
      dependencies: { 'code-server': CODE_SERVER_VERSION },
      allowScripts: { 'code-server': true, argon2: true },
    }, null, 2)}\n`);
    run('npm', ['install', '--prefix', paths.codeServerDir, '--no-audit', '--no-fund'], { env });
    if (!existsSync(paths.codeServerEntry)) throw new Error(`code-server installed but ${paths.codeServerEntry} is missing.`);
    writeFileSync(paths.codeServerMarker, `${new Date().toISOString()}\n`);
  }
  return paths;
}
