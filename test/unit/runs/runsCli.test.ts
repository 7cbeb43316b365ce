// `fairframe audit` records runs, `fairframe runs` lists them, `fairframe diff` compares them — spawned as a user runs
// them: a tiny model whose answer is known for every image, on a dataset whose wrong labels are then corrected.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { RunDiff } from '../../../src/engine/runs/runDiff';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
const fixtures = path.join(root, 'test/fixtures/inference');

function run(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): { status: number | null; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env, CI: 'true', ...options.env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env, cwd: options.cwd ?? root });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fairframe runs and diff', function () {
  this.timeout(240_000);
  let dir: string;
  let data: string;
  let model: string;
  let store: string;

  async function writeManifest(corrected: boolean): Promise<void> {
    const rows = ['file_name,label,split,site'];
    for (let i = 0; i < 80; i++) {
      const bright = i % 2 === 0;
      const site = i < 40 ? 'north' : 'south';
      // Before: 16 dark images of the south are labelled 'bright', so the model (right on every image) scores 24/40 there.
      const label = bright ? 'bright' : !corrected && site === 'south' && i < 72 ? 'bright' : 'dark';
      rows.push(`img${i}.png,${label},test,${site}`);
    }
    await fs.writeFile(path.join(data, 'metadata.csv'), `${rows.join('\n')}\n`);
  }

  before(async () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-runs-cli-'));
    data = path.join(dir, 'data');
    store = path.join(dir, 'history');
    await fs.mkdir(data);
    for (let i = 0; i < 80; i++) {
      const level = i % 2 === 0 ? 230 : 20;
      await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(path.join(data, `img${i}.png`));
    }
    await writeManifest(false);
    await fs.writeFile(path.join(data, 'fairframe.json'), JSON.stringify({ attributes: ['site'], thresholds: { minMetricGroupSize: 10, bootstrapReplicates: 300, explainErrorsPerGroup: 0, saliencyImagesPerCell: 0 } }));
    model = path.join(dir, 'models', 'brightness.onnx');
    await fs.mkdir(path.dirname(model));
    await fs.copyFile(path.join(fixtures, 'mean_logits.onnx'), model);
    await fs.writeFile(path.join(dir, 'models', 'brightness.json'), JSON.stringify({ labels: ['bright', 'dark'], preprocess: { resize: 'stretch', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } }));
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('records two audits, lists them, and shows the accuracy gap closing with the interval of its change', async () => {
    const first = run(['audit', data, '--model', model, '--no-cache', '--runs', store, '--run-label', 'noisy labels']);
    assert.ok(first.status === 0 || first.status === 1, first.stderr);
    assert.match(first.stderr, /recorded run \d{8}-\d{6}-[0-9a-f]{6} in /);
    await writeManifest(true);
    const second = run(['audit', data, '--model', model, '--no-cache', '--runs', store, '--run-label', 'labels corrected', '--quiet']);
    assert.ok(second.status === 0 || second.status === 1, second.stderr);

    const listed = run(['runs', '--runs', store]);
    assert.equal(listed.status, 0, listed.stderr);
    const lines = listed.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    // 64/80 right before the labels were corrected, 80/80 after.
    assert.match(lines[0], /brightness\.onnx 80\.0%.*"noisy labels"/);
    assert.match(lines[1], /brightness\.onnx 100\.0%.*"labels corrected"/);

    const diff = run(['diff', 'latest~1', 'latest', '--runs', store, '--json']);
    assert.equal(diff.status, 0, diff.stderr);
    const parsed = JSON.parse(diff.stdout) as RunDiff;
    const model0 = parsed.models[0];
    // The labels changed, so the runs did not score the same (image, label) pairs: independent bootstraps, said so.
    assert.equal(model0.mode, 'independent');
    assert.match(model0.modeReason, /16 images carry a different label/);
    const gap = model0.reports[0].gaps.find((g) => g.rule === 'FF-M010');
    assert.ok(gap);
    // By hand: north 40/40 both times; south 24/40 → 40/40: the difference goes 0.4 → 0.
    assert.ok(Math.abs((gap.before ?? NaN) - 0.4) < 1e-12 && gap.after === 0, `${gap.before} → ${gap.after}`);
    assert.ok(gap.change.upper !== null && gap.change.upper < 0, `interval ${gap.change.lower}…${gap.change.upper}`);
    assert.equal(gap.verdict, 'closed');
    const south = model0.reports[0].metrics.find((m) => m.metric === 'accuracy')?.byGroup.find((g) => g.group === 'south');
    assert.deepEqual([south?.before, south?.after], [0.6, 1]);
    // The accuracy-gap finding of the noisy run is resolved.
    assert.ok(parsed.findings.resolved.some((f) => f.rule === 'FF-M010'), parsed.findings.resolved.map((f) => f.rule).join(','));

    const markdown = run(['diff', 'latest~1', 'latest', '--runs', store]);
    assert.match(markdown.stdout, /\| closed \| accuracy difference by site \| 0\.4 \| 0 \| -0\.4 \[/);
    // The other way round the gap grew, and CI can fail on it.
    const reverse = run(['diff', 'latest', 'latest~1', '--runs', store, '--fail-if-gap-grows']);
    assert.equal(reverse.status, 1, reverse.stderr);
    assert.match(reverse.stderr, /a fairness gap grew/);
    assert.match(reverse.stdout, /\| grew \| accuracy difference by site \| 0 \| 0\.4 \| \+0\.4 \[/);
    assert.equal(run(['diff', 'latest~1', 'latest', '--runs', store, '--fail-if-gap-grows']).status, 0);
  });

  it('records nothing with --no-record, and never into a dataset: the default store there is skipped with a warning', async () => {
    const before = (await fs.readdir(store)).length;
    const skipped = run(['audit', data, '--model', model, '--no-cache', '--runs', store, '--no-record', '--quiet']);
    assert.ok(skipped.status === 0 || skipped.status === 1, skipped.stderr);
    assert.equal((await fs.readdir(store)).length, before);
    // Run from inside the dataset folder, the default store (./.fairframe/runs) would be inside it.
    const inside = run(['audit', '.', '--no-cache', '--quiet'], { cwd: data, env: { FAIRFRAME_RUNS: undefined } });
    assert.ok(inside.status === 0 || inside.status === 1, inside.stderr);
    assert.match(inside.stderr, /the run was not recorded: the default run store '.*' would be inside the dataset/);
    assert.equal(existsSync(path.join(data, '.fairframe')), false);
    // Asked for explicitly there, it is an error.
    const refused = run(['audit', data, '--no-cache', '--quiet', '--runs', path.join(data, 'runs')]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /inside the dataset/);
    assert.equal(existsSync(path.join(data, 'runs')), false);
  });

  it('says what is wrong with a bad run reference', () => {
    const missing = run(['diff', 'nope', 'latest', '--runs', store]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /No run 'nope' in /);
    const empty = run(['diff', 'latest~1', 'latest', '--runs', path.join(dir, 'empty')]);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /No run is recorded in /);
  });
});
