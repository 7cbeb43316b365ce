// The container image's Dockerfile, checked as far as a machine without a Docker daemon allows: every file it copies
// from the build context exists (and is not excluded by .dockerignore), the build stage's bundle command makes the
// file the runtime stage copies, the natives it deletes exist and those it keeps are linux-x64, the image runs as a
// non-root user, and its entrypoint command starts the CLI.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

interface Instruction { stage: number; keyword: string; args: string }

/** Dockerfile instructions in order (continuation lines joined, comments dropped), each with its stage number. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.split('\n').filter((line) => !line.trimStart().startsWith('#')).join('\n').replace(/\\\n/g, ' ');
  const instructions: Instruction[] = [];
  let stage = -1;
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    if (match[1] === 'FROM') stage++;
    instructions.push({ stage, keyword: match[1], args: match[2].trim() });
  }
  return instructions;
}

describe('Dockerfile of the CLI image', () => {
  const instructions = parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
  const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim()).filter(Boolean);

  it('has a build stage and a slim Node 20 runtime stage', () => {
    const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args);
    assert.equal(froms.length, 2);
    assert.match(froms[0], /^node:20-[a-z]+-slim AS build$/);
    assert.match(froms[1], /^node:20-[a-z]+-slim$/);
  });

  it('copies only files that exist in the build context and that .dockerignore keeps', () => {
    const copies = instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'));
    assert.ok(copies.length >= 4);
    for (const copy of copies) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        assert.ok(existsSync(path.join(root, source)), `COPY source '${source}' is missing`);
        assert.ok(!ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), `COPY source '${source}' is excluded by .dockerignore`);
      }
    }
    assert.ok(ignored.includes('node_modules') && ignored.includes('dist'), 'the host\'s node_modules and dist must not enter the context');
  });

  it('builds the bundle the runtime stage copies, with the build script the context holds', () => {
    const run = instructions.find((i) => i.stage === 0 && i.keyword === 'RUN' && i.args.includes('scripts/build.mjs'));
    assert.ok(run, 'no bundling step');
    const only = /--only=(\w+)/.exec(run.args)?.[1];
    assert.equal(only, 'cli');
    const script = readFileSync(path.join(root, 'scripts/build.mjs'), 'utf8');
    assert.ok(script.includes("outfile: 'dist/cli.js'"), 'scripts/build.mjs no longer writes dist/cli.js');
    const fromBuild = instructions.filter((i) => i.stage === 1 && i.keyword === 'COPY' && i.args.startsWith('--from=build'));
    const copied = fromBuild.flatMap((i) => i.args.split(/\s+/).slice(1, -1));
    assert.ok(copied.includes('/src/dist/cli.js'));
    assert.ok(copied.includes('/src/node_modules'));
  });

  it('deletes natives that exist and keeps the linux-x64 ones', () => {
    const run = instructions.find((i) => i.stage === 0 && i.keyword === 'RUN' && i.args.includes('rm -rf node_modules/onnxruntime-node'));
    assert.ok(run);
    const napi = readdirSync(path.join(root, 'node_modules/onnxruntime-node/bin')).find((name) => name.startsWith('napi-v'));
    assert.ok(napi);
    for (const platform of ['darwin', 'win32', 'linux/arm64']) {
      assert.ok(run.args.includes(`napi-v*/${platform}`), `${platform} natives are kept`);
      assert.ok(existsSync(path.join(root, 'node_modules/onnxruntime-node/bin', napi, platform)), `${platform} is not where the Dockerfile deletes it`);
    }
    assert.ok(!run.args.includes('linux/x64'));
    assert.ok(existsSync(path.join(root, 'node_modules/onnxruntime-node/bin', napi, 'linux/x64/onnxruntime_binding.node')));
    assert.ok(run.args.includes("! -name 'sharp-linux-x64'") && run.args.includes("! -name 'sharp-libvips-linux-x64'"));
  });

  it('runs as the non-root user node, with the entrypoint starting the CLI', () => {
    const users = instructions.filter((i) => i.stage === 1 && i.keyword === 'USER').map((i) => i.args);
    assert.deepEqual(users, ['node']);
    const entrypoint = JSON.parse(instructions.find((i) => i.stage === 1 && i.keyword === 'ENTRYPOINT')?.args ?? 'null') as string[];
    assert.deepEqual(entrypoint, ['node', '/app/dist/cli.js']);
    // The same command on this checkout's bundle (/app in the image is the repository root here).
    const cli = path.join(root, 'dist/cli.js');
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--only=cli'], { stdio: 'inherit' });
    const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version as string;
    const result = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
  });
});
