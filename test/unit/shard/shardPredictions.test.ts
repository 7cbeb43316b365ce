// A predictions file as the model, audited in shards: three CLI shards and the merge give the single run's report
// (apart from the run's time and durations), and the merge refuses a predictions file that changed after the shards.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
const predictions = path.join(root, 'test/fixtures/predictions/seeded.csv');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 28 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The report without what differs between any two runs: when it ran, how long it and each model's inference took. */
function comparable(text: string): unknown {
  const report = JSON.parse(text) as Record<string, unknown> & { models: Array<{ inference?: Record<string, unknown> }> };
  delete report.createdAt;
  delete report.durationMs;
  for (const model of report.models) delete model.inference?.durationMs;
  return report;
}

describe('fairframe audit --predictions --shard K/N and fairframe merge', function () {
  this.timeout(300_000);
  let dir: string;
  let manifest: string;
  let config: string;

  before(async () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-shard-predictions-'));
    // The 160 images the seeded predictions file scores (path, label, split, skin), each a distinct 16×16 pattern.
    const rows = (await fs.readFile(predictions, 'utf8')).trim().split('\n').map((line) => line.split(',').slice(0, 4));
    manifest = path.join(dir, 'data', 'manifest.csv');
    await fs.mkdir(path.join(dir, 'data', 'img'), { recursive: true });
    await fs.writeFile(manifest, `${rows.map((row) => row.join(',')).join('\n')}\n`);
    for (const [i, [file]] of rows.slice(1).entries()) {
      const pixels = Buffer.alloc(16 * 16 * 3);
      for (let j = 0; j < pixels.length; j++) pixels[j] = (j * 7 + i * 31) % 256;
      await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(path.join(dir, 'data', file));
    }
    config = path.join(dir, 'fairframe.json');
    await fs.writeFile(config, JSON.stringify({ attributes: ['skin'], thresholds: { bootstrapReplicates: 200 } }));
  });

  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('merges three shards into the single run\'s report, intervals and label issues included', async () => {
    const common = [manifest, '-c', config, '--predictions', predictions, '--split', 'all', '--no-cache', '--quiet'];
    const single = run(['audit', ...common, '--no-record', '-f', 'json']);
    assert.equal(single.status, 0, single.stderr);
    for (let k = 0; k < 3; k++) {
      const shard = run(['audit', ...common, '--shard', `${k}/3`, '--partial', path.join(dir, 'partials')]);
      assert.equal(shard.status, 0, shard.stderr);
    }
    const merged = run(['merge', path.join(dir, 'partials'), '--no-cache', '--quiet', '-f', 'json']);
    assert.equal(merged.status, 0, merged.stderr);
    const report = comparable(merged.stdout) as { models: Array<{ status: string; overall: { images: number; accuracy: { lower: number | null } }; predictionsFile?: { rows: number } }> };
    assert.equal(report.models[0].status, 'ok');
    assert.equal(report.models[0].overall.images, 160);
    assert.equal(report.models[0].predictionsFile?.rows, 160);
    assert.notEqual(report.models[0].overall.accuracy.lower, null);
    assert.deepStrictEqual(report, comparable(single.stdout));
  });

  it('refuses a predictions file that changed after the shards ran', async () => {
    const changed = path.join(dir, 'changed.csv');
    await fs.copyFile(predictions, changed);
    const common = [manifest, '-c', config, '--predictions', changed, '--split', 'all', '--no-cache', '--quiet'];
    for (let k = 0; k < 2; k++) assert.equal(run(['audit', ...common, '--shard', `${k}/2`, '--partial', path.join(dir, 'partials-changed')]).status, 0);
    await fs.appendFile(changed, 'img/999.png,benign,validation,dark,0.5,0.5\n');
    const merged = run(['merge', path.join(dir, 'partials-changed'), '--no-cache', '--quiet', '-f', 'json']);
    assert.equal(merged.status, 2);
    assert.match(merged.stderr, /changed since the shards ran it/);
  });
});
