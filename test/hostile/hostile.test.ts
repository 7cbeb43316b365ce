// Runs the built CLI (dist/cli.js) on every hostile case, each in its own temporary folder, two at a time, with a
// timeout per case (a hang fails the case instead of blocking the run) and the child's peak memory measured.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configModelOutputCases } from './configModelOutputCases';
import type { HostileCase } from './hostileFixtures';
import { imageCases } from './imageCases';
import { manifestCases } from './manifestCases';
import { predictionsCases } from './predictionsCases';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const CASE_TIMEOUT_MS = 60_000;
const PARALLEL = 2;
const DEFAULT_MAX_RSS_MIB = 1024;
// GNU time prints the child's peak resident set (KiB) with -f %M; without it memory is not checked.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
  rssMiB?: number;
  dir: string;
}

const cases: HostileCase[] = [...imageCases, ...manifestCases, ...configModelOutputCases, ...predictionsCases];

async function runCase(testCase: HostileCase, dir: string): Promise<Outcome> {
  const args = await testCase.build(dir);
  const rssFile = path.join(os.tmpdir(), `${path.basename(dir)}.rss`);
  const command = GNU_TIME ?? process.execPath;
  const commandArgs = GNU_TIME ? ['-o', rssFile, '-f', '%M', process.execPath, CLI, ...args] : [CLI, ...args];
  const child = spawn(command, commandArgs, { cwd: dir, env: { ...process.env, NO_COLOR: '1', FAIRFRAME_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    if (output.length < 64 * 1024 * 1024) output += chunk.toString('utf8');
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, CASE_TIMEOUT_MS);
  const { sigintAfterMs, sigintTwice } = testCase.expect;
  // GNU time forwards nothing: the signal goes to the node process, found as time's child.
  const interrupt = (): void => {
    const target = GNU_TIME ? childPidOf(child.pid) : child.pid;
    if (target) process.kill(target, 'SIGINT');
  };
  const sigint = sigintAfterMs === undefined ? undefined : setTimeout(() => {
    interrupt();
    if (sigintTwice) setTimeout(interrupt, 100);
  }, sigintAfterMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  if (sigint) clearTimeout(sigint);
  let rssMiB: number | undefined;
  if (GNU_TIME) {
    const text = await fs.readFile(rssFile, 'utf8').catch(() => '');
    const kib = Number(text.trim().split('\n').pop());
    if (Number.isFinite(kib) && kib > 0) rssMiB = kib / 1024;
    await fs.rm(rssFile, { force: true });
  }
  // GNU time reports a child killed by a signal as 128 + signal number, as shells do.
  return { code, signal, output, timedOut, rssMiB, dir };
}

/** The pid of the first child of `pid` (Linux /proc), or undefined. */
function childPidOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    const first = Number(text.trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

const list = (value: RegExp | RegExp[] | undefined): RegExp[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

describe(`hostile input (${cases.length} cases, the built CLI)`, function () {
  const outcomes = new Map<string, Outcome | Error>();
  let root: string;

  before(async function () {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first.`);
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-hostile-'));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const index = next++;
        const testCase = cases[index];
        const dir = path.join(root, `case-${String(index).padStart(3, '0')}`);
        await fs.mkdir(dir, { recursive: true });
        outcomes.set(testCase.name, await runCase(testCase, dir).catch((error: Error) => error));
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  });

  after(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('has unique case names', () => {
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
  });

  for (const testCase of cases) {
    it(testCase.name, async () => {
      const outcome = outcomes.get(testCase.name);
      if (outcome instanceof Error) throw outcome;
      assert.ok(outcome, 'the case did not run');
      const { expect } = testCase;
      const shown = outcome.output.length > 3000 ? `${outcome.output.slice(0, 1500)}\n…\n${outcome.output.slice(-1500)}` : outcome.output;
      assert.equal(outcome.timedOut, false, `the CLI did not end within ${CASE_TIMEOUT_MS / 1000} s:\n${shown}`);
      const exits = Array.isArray(expect.exit) ? expect.exit : [expect.exit];
      assert.ok(outcome.code !== null && exits.includes(outcome.code), `exit ${outcome.code} (signal ${outcome.signal}), expected ${exits.join(' or ')}:\n${shown}`);
      assert.doesNotMatch(outcome.output, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace was printed:\n${shown}`);
      for (const pattern of list(expect.output)) assert.match(outcome.output, pattern, `output lacks ${pattern}:\n${shown}`);
      for (const pattern of list(expect.notOutput)) assert.doesNotMatch(outcome.output, pattern, `output has ${pattern}:\n${shown}`);
      for (const report of expect.reports ?? []) {
        const text = await fs.readFile(path.join(outcome.dir, report), 'utf8');
        for (const pattern of list(expect.notOutput)) assert.doesNotMatch(text, pattern, `${report} has ${pattern}`);
      }
      for (const file of expect.absent ?? []) assert.equal(existsSync(path.join(outcome.dir, file)), false, `${file} was written`);
      for (const file of expect.present ?? []) assert.equal(existsSync(path.join(outcome.dir, file)), true, `${file} was not written`);
      if (outcome.rssMiB !== undefined) {
        const limit = expect.maxRssMiB ?? DEFAULT_MAX_RSS_MIB;
        assert.ok(outcome.rssMiB <= limit, `peak memory ${outcome.rssMiB.toFixed(0)} MiB, more than ${limit} MiB`);
      }
    });
  }
});
