// Starts code-server under Node 24 with isolated config, user data and extensions, in its own process group.
import { spawn } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server and waits for "HTTP server listening".
 * Returns { port, pid, logFile, stop() }; stop() kills the whole process group.
 */
export async function startCodeServer({ node24, entry, workspace, tmpDir, env = {}, trust = true, startTimeoutMs = 90_000, port: wanted }) {
  // A given port: the web workbench keys a workspace's storage by its remote URI, port included, so a session that
  // is to find the storage of an earlier one (a reload) must listen where that one did.
  const port = wanted ?? (await freePort());
  const config = path.join(tmpDir, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [
    entry,
    '--config', config,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', path.join(tmpDir, 'user-data'),
    '--extensions-dir', path.join(tmpDir, 'extensions'),
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    // Without this a release build silently ignores the extension-development payload.
    '--vscode-option', 'enable-smoke-test-driver',
    ...(trust ? ['--disable-workspace-trust'] : []),
    workspace,
  ];
  const logFile = path.join(tmpDir, 'code-server.log');
  const log = createWriteStream(logFile);
  const child = spawn(node24, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${path.dirname(node24)}${path.delimiter}${process.env.PATH ?? ''}`, ...env },
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });

  const stop = async () => {
    if (child.pid === undefined) return;
    for (const signal of ['SIGTERM', 'SIGKILL']) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        break; // the group is gone
      }
      const deadline = Date.now() + 3000;
      while (!exited && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (exited && signal === 'SIGTERM') {
        // The leader is gone; make sure no straggler in the group survives it.
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // nothing left
        }
        break;
      }
    }
    log.end();
  };

  await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`code-server did not start within ${startTimeoutMs / 1000} s; see ${logFile}`)), startTimeoutMs);
    const onData = (chunk) => {
      log.write(chunk);
      seen = (seen + chunk.toString()).slice(-4096);
      if (seen.includes('HTTP server listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited before listening (${signal ?? `exit code ${code}`}); see ${logFile}`));
    });
  });
  // Once listening, keep draining its output into the log file.
  return { port, pid: child.pid, logFile, stop };
}
