// `fairframe audit --model` spawned as a user runs it: a tiny model whose answer is known for every image, a sidecar
// with its labels, a site whose labels are partly wrong — and models that cannot be audited.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { AuditResult } from '../../../src/engine/auditResult';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
// Runs these audits record go to a temporary store, not the repository's .fairframe/runs.
const RUN_STORE = path.join(os.tmpdir(), `ff-test-runs-${process.pid}`);
const fixtures = path.join(root, 'test/fixtures/inference');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true', FAIRFRAME_RUNS: RUN_STORE } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function solidPng(file: string, level: number): Promise<void> {
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(file);
}

describe('fairframe audit --model', function () {
  this.timeout(180_000);
  let dir: string;
  let data: string;
  let model: string;

  before(async () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-model-cli-'));
    data = path.join(dir, 'data');
    await fs.mkdir(data);
    // mean_logits.onnx says class 0 for an image brighter than mid-grey, class 1 otherwise.
    const rows = ['file_name,label,split,site'];
    for (let i = 0; i < 80; i++) {
      const bright = i % 2 === 0;
      const site = i < 40 ? 'north' : 'south';
      // In the south, 16 of the 40 dark images are labelled 'bright': the model is "wrong" there 16 times.
      const label = bright ? 'bright' : site === 'south' && i < 72 ? 'bright' : 'dark';
      const name = `img${i}.png`;
      await solidPng(path.join(data, name), bright ? 230 : 20);
      rows.push(`${name},${label},test,${site}`);
    }
    await fs.writeFile(path.join(data, 'metadata.csv'), `${rows.join('\n')}\n`);
    await fs.writeFile(path.join(data, 'fairframe.json'), JSON.stringify({ attributes: ['site'], thresholds: { minMetricGroupSize: 10, bootstrapReplicates: 300 } }));
    model = path.join(dir, 'models', 'brightness.onnx');
    await fs.mkdir(path.dirname(model));
    await fs.copyFile(path.join(fixtures, 'mean_logits.onnx'), model);
    await fs.writeFile(path.join(dir, 'models', 'brightness.json'), JSON.stringify({ labels: ['bright', 'dark'], preprocess: { resize: 'stretch', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } }));
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('audits the model: metrics, the group gap with its interval, label errors, in every report format', async () => {
    const out = path.join(dir, 'out');
    const result = run(['audit', data, '--model', model, '--out', out, '--no-cache', '--fail-on', 'warning', '--quiet']);
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(await fs.readFile(path.join(out, 'fairframe-report.json'), 'utf8')) as AuditResult;
    const audit = report.models[0];
    assert.equal(audit.status, 'ok', audit.reason);
    assert.equal(audit.usage?.sources.labels, 'sidecar');
    assert.equal(audit.overall?.accuracy.estimate, 64 / 80);
    const accuracy = audit.groups?.[0].metrics.find((m) => m.metric === 'accuracy');
    assert.deepEqual(accuracy?.byGroup.map((g) => [g.group, g.estimate]), [['north', 1], ['south', 24 / 40]]);
    const gap = report.findings.find((f) => f.rule === 'FF-M010');
    assert.equal(gap?.severity, 'warning');
    assert.match(gap?.message ?? '', /site 'south' \(n=40\).*accuracy difference 0\.4 .*excludes no gap/);
    // The 16 wrongly labelled images are the model's 16 errors, and confident learning flags them.
    const issues = (audit.labelIssues?.issues ?? []).map((issue) => issue.relPath).sort();
    assert.equal(issues.length, 16);
    // The model disagrees with 20% of the labels (= labelIssueMaxModelError): the summary and the ranked list only.
    assert.equal(report.findings.filter((f) => f.rule === 'FF-M020').length, 0);
    const noise = report.findings.filter((f) => f.rule === 'FF-M023');
    assert.equal(noise.length, 1);
    assert.match(noise[0].message, /flags 16 of 80 images/);
    for (const file of issues) assert.ok(Number(file.match(/\d+/)?.[0]) % 2 === 1 && Number(file.match(/\d+/)?.[0]) >= 40, file);
    const markdown = await fs.readFile(path.join(out, 'fairframe-report.md'), 'utf8');
    assert.match(markdown, /## Model brightness\.onnx on data/);
    assert.match(markdown, /\| Accuracy \| 80\.0% \|/);
    assert.match(markdown, /### By site/);
    const sarif = JSON.parse(await fs.readFile(path.join(out, 'fairframe-report.sarif'), 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string }>; properties: { models: unknown[] } }> };
    assert.ok(sarif.runs[0].results.some((r) => r.ruleId === 'FF-M010'));
    assert.equal(sarif.runs[0].properties.models.length, 1);
  });

  it('finds the models under the workspace with --model auto and prints a line per model', () => {
    const result = run(['audit', dir, '--model', 'auto', '--no-cache', '--quiet']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^model {3}brightness\.onnx on data \(test\): 80 images, accuracy 80\.0% \[/m);
  });

  it('reports a model it cannot use as FF-M001 and still audits the dataset', async () => {
    const truncated = path.join(dir, 'truncated.onnx');
    await fs.writeFile(truncated, (await fs.readFile(path.join(fixtures, 'mean_logits.onnx'))).subarray(0, 100));
    const cases: Array<[string, RegExp]> = [
      [truncated, /truncated|not a valid|cannot be read|ONNX/i],
      [path.join(dir, 'missing.onnx'), /does not exist/],
      [path.join(fixtures, 'four_channels.onnx'), /4|channel/],
      [path.join(fixtures, 'int64_input.onnx'), /int64/],
    ];
    for (const [file, pattern] of cases) {
      const result = run(['audit', data, '--model', file, '--format', 'json', '--no-cache', '--quiet']);
      assert.equal(result.status, 0, result.stderr);
      const report = JSON.parse(result.stdout) as AuditResult;
      assert.equal(report.models[0].status, 'failed');
      const unusable = report.findings.filter((f) => f.rule === 'FF-M001');
      assert.equal(unusable.length, 1, path.basename(file));
      assert.match(unusable[0].message, pattern, unusable[0].message);
      assert.equal(report.datasets[0].images, 80);
    }
  });

  it('infers labels from the dataset when the model has none, and names both sides when declared labels do not match', async () => {
    // Without a sidecar, mean_logits.onnx declares no labels: two outputs, two dataset labels → the sorted dataset labels.
    const inferred = JSON.parse(run(['audit', data, '--model', path.join(fixtures, 'mean_logits.onnx'), '--format', 'json', '--no-cache', '--quiet']).stdout) as AuditResult;
    assert.equal(inferred.models[0].status, 'ok');
    assert.equal(inferred.models[0].usage?.sources.labels, 'inferred');
    assert.equal(inferred.models[0].overall?.accuracy.estimate, 0.8);
    const config = path.join(dir, 'wrong-labels.json');
    await fs.writeFile(config, JSON.stringify({ attributes: ['site'], models: [{ path: path.join(fixtures, 'mean_logits.onnx'), labels: ['cat', 'dog'] }] }));
    const refused = JSON.parse(run(['audit', data, '--config', config, '--format', 'json', '--no-cache', '--quiet']).stdout) as AuditResult;
    assert.equal(refused.models[0].status, 'failed');
    const unusable = refused.findings.find((f) => f.rule === 'FF-M001');
    assert.match(unusable?.message ?? '', /predicts 'cat', 'dog'.*'bright', 'dark'/);
  });
});
