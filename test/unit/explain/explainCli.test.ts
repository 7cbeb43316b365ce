// `fairframe explain` spawned as a user runs it, on the committed demo model.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
// Runs these audits record go to a temporary store, not the repository's .fairframe/runs.
const RUN_STORE = path.join(os.tmpdir(), `ff-test-runs-${process.pid}`);
const model = path.join(root, 'models/demo/lesion-cnn.onnx');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true', FAIRFRAME_RUNS: RUN_STORE } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fairframe explain', function () {
  this.timeout(120_000);
  let dir: string;
  let image: string;

  before(async () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-explain-cli-'));
    image = path.join(dir, 'lesion.png');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="rgb(200,150,120)"/><circle cx="40" cy="36" r="10" fill="rgb(60,35,25)"/></svg>';
    await sharp(Buffer.from(svg)).png().toFile(image);
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes an overlay PNG and prints the prediction, the method and its faithfulness', async () => {
    const out = path.join(dir, 'overlay.png');
    const result = run(['explain', image, '--model', model, '--out', out, '--no-cache', '--sanity']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /the model predicts '[a-z_]+'; explaining '[a-z_]+' \(p = 0\.\d{3}\) with gradcam\./);
    assert.match(result.stdout, /deletion AUC 0\.\d{3} \(lower is better\), insertion AUC [01]\.\d{3}/);
    assert.match(result.stdout, /sanity check \(classifier randomised\): Spearman ρ -?[01]\.\d{3}/);
    const meta = await sharp(out).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, 224);
  });

  it('prints JSON with the map for a named class and method', () => {
    const result = run(['explain', image, '--model', model, '--method', 'occlusion', '--class', 'melanoma', '--json', '--no-cache']);
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { method: string; className: string; heatmap: { width: number; height: number; data: number[] } };
    assert.equal(json.method, 'occlusion');
    assert.equal(json.className, 'melanoma');
    assert.equal(json.heatmap.data.length, json.heatmap.width * json.heatmap.height);
  });

  it('exits 2 with a clear message for a missing image, an unknown class or a corrupt image', async () => {
    assert.match(run(['explain', path.join(dir, 'nope.png'), '--model', model]).stderr, /does not exist/);
    const unknown = run(['explain', image, '--model', model, '--class', 'tumour', '--no-cache']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no class 'tumour'/);
    const corrupt = path.join(dir, 'corrupt.jpg');
    await fs.writeFile(corrupt, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 1, 2, 3]));
    const bad = run(['explain', corrupt, '--model', model, '--no-cache']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /could not be decoded/);
  });
});
