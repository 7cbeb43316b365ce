// Four shards audited by four CLI processes and merged give the AuditResult of one run on all the data: the real
// MNIST model on 320 real MNIST digits (PNG files listed in a manifest with a sensitive attribute), with planted exact
// duplicates, near duplicates that fall in different shards, and flipped labels. The two JSON reports are compared
// field by field after removing only the fields that record when and how fast the run went.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../../src/engine/metrics';
import { encodeGreyPng, readIdx } from '../model/idx';
import { requireSharedData, sharedDataPath } from '../sharedData';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
const MNIST = sharedDataPath('mnist');
const MODEL = path.join(MNIST, 'mnist.onnx');
const SHARDS = 4;
const DIGITS = 320;

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, CI: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * The fields allowed to differ between the merged and the single report, each removed from both before comparing:
 * - createdAt: the wall-clock time the report was made;
 * - durationMs: how long the run took (the merge's own time, not the shards');
 * - models[].inference.durationMs: how long the model's stage took.
 * Everything else — scan counts, inference counts (summed over shards), every metric, interval, finding and its
 * order — must be equal. The runs use --no-cache, so cache hits are 0 in both.
 */
function withoutRunMetadata(report: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(report)) as Record<string, unknown> & { models: Array<{ inference?: Record<string, unknown> }> };
  delete copy.createdAt;
  delete copy.durationMs;
  for (const model of copy.models) if (model.inference) delete model.inference.durationMs;
  return copy;
}

/** Every path where two JSON values differ (for a readable failure). */
function differences(a: unknown, b: unknown, at = '$', out: string[] = []): string[] {
  if (out.length > 20) return out;
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    out.push(`${at}: ${JSON.stringify(a)?.slice(0, 80)} ≠ ${JSON.stringify(b)?.slice(0, 80)}`);
  } else if (a && typeof a === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b as object)]);
    for (const key of keys) differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`, out);
  } else if (a !== b) out.push(`${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  return out;
}

/** The shard of a file as the issue states it, computed here on its own: SHA-256 of the bytes as a big-endian integer, mod N. */
function shardOfBytes(bytes: Buffer): number {
  return Number(BigInt(`0x${createHash('sha256').update(bytes).digest('hex')}`) % BigInt(SHARDS));
}

describe('fairframe audit --shard K/N and fairframe merge (4 processes, real MNIST)', function () {
  this.timeout(900_000);
  let dir: string;
  let single: Record<string, unknown> & { findings: Array<{ rule: string; related?: unknown[]; location: { file: string } }> };
  let merged: Record<string, unknown>;
  const shardOfFile = new Map<string, number>();
  const nearPairs: Array<[string, string]> = [];

  before(async function () {
    requireSharedData(this, MODEL, path.join(MNIST, 't10k-images-idx3-ubyte.gz'));
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    const images = readIdx(await fs.readFile(path.join(MNIST, 't10k-images-idx3-ubyte.gz')));
    const labels = readIdx(await fs.readFile(path.join(MNIST, 't10k-labels-idx1-ubyte.gz')));
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-shards-'));
    const data = path.join(dir, 'data');
    await fs.mkdir(path.join(data, 'images'), { recursive: true });
    const random = mulberry32(16);
    const rows = ['path,label,split,sex'];
    const write = async (name: string, pixels: Uint8Array): Promise<void> => {
      const bytes = encodeGreyPng(pixels, 28, 28);
      await fs.writeFile(path.join(data, 'images', name), bytes);
      shardOfFile.set(`images/${name}`, shardOfBytes(bytes));
    };
    for (let i = 0; i < DIGITS; i++) {
      const pixels = images.data.slice(i * 784, (i + 1) * 784);
      await write(`${i}.png`, pixels);
      // Every 40th label flipped to another digit: label issues the merge must find as the single run does.
      const label = i % 40 === 7 ? (labels.data[i] + 3) % 10 : labels.data[i];
      rows.push(`images/${i}.png,${label},test,${random() < 0.4 ? 'female' : 'male'}`);
    }
    // Exact duplicates (same bytes, so the same shard) with a conflicting label.
    for (const i of [3, 50, 101]) {
      await fs.copyFile(path.join(data, 'images', `${i}.png`), path.join(data, 'images', `${i}-copy.png`));
      shardOfFile.set(`images/${i}-copy.png`, shardOfFile.get(`images/${i}.png`) as number);
      rows.push(`images/${i}-copy.png,${(labels.data[i] + 1) % 10},test,male`);
    }
    // Near duplicates: the same digit with a few pixels brightened (different bytes, so usually another shard).
    for (const i of [10, 20, 30, 40, 60, 70, 80, 90]) {
      const pixels = images.data.slice(i * 784, (i + 1) * 784);
      for (const p of [100, 101, 128, 129]) pixels[p] = Math.min(255, pixels[p] + 60);
      await write(`${i}-touched.png`, pixels);
      nearPairs.push([`images/${i}.png`, `images/${i}-touched.png`]);
      rows.push(`images/${i}-touched.png,${labels.data[i]},test,female`);
    }
    await fs.writeFile(path.join(data, 'manifest.csv'), `${rows.join('\n')}\n`);
    const manifest = path.join(data, 'manifest.csv');

    const whole = await run(['audit', manifest, '-m', MODEL, '--no-cache', '--quiet', '-f', 'json', '-o', path.join(dir, 'single')]);
    assert.ok(whole.status === 0 || whole.status === 1, whole.stderr);
    const shards = await Promise.all(Array.from({ length: SHARDS }, (_, k) => run(['audit', manifest, '-m', MODEL, '--no-cache', '--quiet', '--shard', `${k}/${SHARDS}`, '--partial', path.join(dir, 'partials')])));
    for (const shard of shards) assert.equal(shard.status, 0, shard.stderr);
    const merge = await run(['merge', path.join(dir, 'partials'), '--no-cache', '--quiet', '-f', 'json', '-o', path.join(dir, 'merged')]);
    assert.equal(merge.status, whole.status, merge.stderr);
    single = JSON.parse(await fs.readFile(path.join(dir, 'single', 'fairframe-report.json'), 'utf8')) as typeof single;
    merged = JSON.parse(await fs.readFile(path.join(dir, 'merged', 'fairframe-report.json'), 'utf8')) as typeof merged;
  });

  after(async () => {
    if (dir && !process.env.KEEP) await fs.rm(dir, { recursive: true, force: true });
  });

  it('splits the data into four non-empty shards, with planted near duplicates in different shards', () => {
    const sizes = new Array<number>(SHARDS).fill(0);
    for (const shard of shardOfFile.values()) sizes[shard]++;
    assert.ok(sizes.every((size) => size > 0), `shard sizes ${sizes.join(', ')}`);
    const across = nearPairs.filter(([a, b]) => shardOfFile.get(a) !== shardOfFile.get(b));
    assert.ok(across.length >= 3, `only ${across.length} near-duplicate pairs span two shards`);
  });

  it('exercises what the merge must get right: cross-shard near duplicates, exact duplicates, label issues, bootstrap intervals', () => {
    const rules = new Set(single.findings.map((finding) => finding.rule));
    const models = single.models as Array<{ status: string; labelIssues?: { issues?: number }; overall: { accuracy: { lower: number | null; upper: number | null } } }>;
    assert.equal(models[0].status, 'ok');
    assert.ok(models[0].overall.accuracy.lower !== null && models[0].overall.accuracy.upper !== null);
    const text = JSON.stringify(single.findings);
    const crossShard = nearPairs.filter(([a, b]) => shardOfFile.get(a) !== shardOfFile.get(b) && text.includes(a) && text.includes(b.split('/')[1]));
    assert.ok(crossShard.length > 0, 'no near-duplicate finding names a pair that spans two shards');
    assert.ok(text.includes('3-copy.png'), 'the exact duplicate is not reported');
    assert.ok([...rules].length > 3, [...rules].join(', '));
  });

  it('gives the same report as one run, apart from the creation time and the durations', () => {
    const diff = differences(withoutRunMetadata(single), withoutRunMetadata(merged));
    assert.deepEqual(diff, []);
    assert.deepStrictEqual(withoutRunMetadata(merged), withoutRunMetadata(single));
  });
});
