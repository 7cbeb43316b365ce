// `fairframe shift` spawned as a user runs it, on two small datasets of flat grey images whose brightness is known by
// construction (the luma of a grey level L is L).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ShiftResult } from '../../../src/engine/shift/shiftTypes';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A folder with metadata.csv: 60 grey 16×16 PNGs at levels start, start+1, …; label by parity, sex alternating, split by half. */
async function greyDataset(folder: string, start: number): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  const rows = ['file_name,label,sex,split'];
  for (let i = 0; i < 60; i++) {
    const level = start + i;
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(path.join(folder, `g${i}.png`));
    rows.push(`g${i}.png,${i % 3 === 0 ? 'a' : 'b'},${i % 2 === 0 ? 'female' : 'male'},${i < 30 ? 'train' : 'test'}`);
  }
  await fs.writeFile(path.join(folder, 'metadata.csv'), `${rows.join('\n')}\n`);
}

describe('fairframe shift (CLI)', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-shift-cli-'));
    await greyDataset(path.join(dir, 'reference'), 80);
    await greyDataset(path.join(dir, 'target'), 140);
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('reports the brightness shift with the numbers known by construction, and exits 1 with --fail-on warning', () => {
    const out = path.join(dir, 'out');
    const result = run(['shift', path.join(dir, 'reference'), path.join(dir, 'target'), '--out', out, '--no-cache', '--quiet', '--fail-on', 'warning']);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, /FF-S001/);
    return fs.readFile(path.join(out, 'fairframe-shift.json'), 'utf8').then(async (text) => {
      const shift = JSON.parse(text) as ShiftResult;
      const overall = shift.properties.find((p) => p.property === 'brightness' && p.group === null);
      assert.ok(overall);
      // Levels 80…139 against 140…199: disjoint, so D = 1; means 109.5 and 169.5.
      assert.equal(overall.ksStatistic, 1);
      assert.ok(Math.abs(overall.referenceMean - 109.5) < 1e-9);
      assert.ok(Math.abs(overall.targetMean - 169.5) < 1e-9);
      assert.ok(overall.shifted);
      // Width and height do not move: D = 0, PSI 0, not shifted.
      const width = shift.properties.find((p) => p.property === 'width' && p.group === null);
      assert.equal(width?.ksStatistic, 0);
      assert.equal(width?.shifted, false);
      // Both sides hold 30 female and 30 male images: the shares did not move.
      assert.equal(shift.shares.find((s) => s.attribute === 'sex')?.shifted, false);
      assert.deepEqual(shift.attributes, ['sex']);
      const md = await fs.readFile(path.join(out, 'fairframe-shift.md'), 'utf8');
      assert.match(md, /# Fairframe distribution shift report/);
      const sarif = JSON.parse(await fs.readFile(path.join(out, 'fairframe-shift.sarif'), 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string }> }> };
      assert.ok(sarif.runs[0].results.some((r) => r.ruleId === 'FF-S001'));
    });
  });

  it('compares two splits of one dataset', () => {
    // Splits of the reference: levels 80…109 against 110…139, disjoint again.
    const result = run(['shift', path.join(dir, 'reference', 'metadata.csv'), '--reference-split', 'train', '--target-split', 'test', '--format', 'json', '--no-cache', '--quiet']);
    assert.equal(result.status, 0, result.stderr);
    const shift = JSON.parse(result.stdout) as ShiftResult;
    assert.equal(shift.reference.split, 'train');
    assert.equal(shift.target.split, 'test');
    assert.equal(shift.reference.images, 30);
    assert.equal(shift.properties.find((p) => p.property === 'brightness' && p.group === null)?.ksStatistic, 1);
  });

  it('reads a plain folder of images as an unlabelled target', async () => {
    const flat = path.join(dir, 'flat');
    await fs.mkdir(flat, { recursive: true });
    for (let i = 0; i < 30; i++) {
      const level = 200 + i;
      await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(path.join(flat, `f${i}.png`));
    }
    const result = run(['shift', path.join(dir, 'reference'), flat, '--format', 'json', '--no-cache', '--quiet']);
    assert.equal(result.status, 0, result.stderr);
    const shift = JSON.parse(result.stdout) as ShiftResult;
    assert.equal(shift.target.images, 30);
    assert.deepEqual(shift.attributes, []);
    // Levels 200…229 against 80…139: disjoint, D = 1.
    assert.equal(shift.properties.find((p) => p.property === 'brightness' && p.group === null)?.ksStatistic, 1);
  });

  it('refuses a missing target, an unknown split, and --out inside a dataset, with exit 2 and a message', () => {
    const missing = run(['shift', path.join(dir, 'reference'), '--no-cache', '--quiet']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--reference-split and --target-split/);
    const split = run(['shift', path.join(dir, 'reference'), '--reference-split', 'train', '--target-split', 'holdout', '--no-cache', '--quiet']);
    assert.equal(split.status, 2);
    assert.match(split.stderr, /split 'holdout' does not occur/);
    const inside = run(['shift', path.join(dir, 'reference'), path.join(dir, 'target'), '--out', path.join(dir, 'target', 'report'), '--no-cache', '--quiet']);
    assert.equal(inside.status, 2);
    assert.match(inside.stderr, /never writes inside a dataset/);
  });
});
