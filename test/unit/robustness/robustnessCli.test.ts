// `fairframe audit --robustness` spawned as CI runs it, on a dataset whose answer is known by hand: a model that says
// "bright" when the mean pixel exceeds half the range (test/fixtures/inference/mean_logits.onnx), 40 dark images (level
// 40) in group 'A' and 40 bright ones (level 220) in group 'B'. Brightness adds c to the HSV value: 40/255 + c passes ½
// first at c = 0.4 (severity 4), so group A drops 100% from severity 4 on and group B never: FF-M040 names brightness
// from severity 4 with a DiD of 100%. Noise, blur, contrast, JPEG and pixelate leave a solid image's mean on its side
// of ½, and the attacks need ε ≥ 87 levels to move the mean across it, so no ε of the grid (1–8) flips any image.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { AuditResult } from '../../../src/engine/auditResult';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');

describe('fairframe audit --robustness', function () {
  this.timeout(300_000);
  let dir: string;

  before(async () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-robustness-cli-'));
    const data = path.join(dir, 'data');
    await fs.mkdir(data);
    const rows = ['file_name,label,split,group'];
    for (let i = 0; i < 80; i++) {
      const bright = i >= 40;
      const level = bright ? 220 : 40;
      await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(path.join(data, `img${i}.png`));
      rows.push(`img${i}.png,${bright ? 'bright' : 'dark'},test,${bright ? 'B' : 'A'}`);
    }
    await fs.writeFile(path.join(data, 'metadata.csv'), `${rows.join('\n')}\n`);
    await fs.writeFile(path.join(data, 'fairframe.json'), JSON.stringify({ attributes: ['group'], thresholds: { minMetricGroupSize: 10, bootstrapReplicates: 300, explainErrorsPerGroup: 0, saliencyImagesPerCell: 0 } }));
    await fs.mkdir(path.join(dir, 'models'));
    await fs.copyFile(path.join(root, 'test/fixtures/inference/mean_logits.onnx'), path.join(dir, 'models', 'brightness.onnx'));
    await fs.writeFile(path.join(dir, 'models', 'brightness.json'), JSON.stringify({ labels: ['bright', 'dark'], preprocess: { resize: 'stretch', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } }));
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('reports the group that breaks sooner, at the severity computed by hand, and fails CI on it', async () => {
    const out = path.join(dir, 'out');
    const result = spawnSync(process.execPath, [cli, 'audit', path.join(dir, 'data'), '--model', path.join(dir, 'models', 'brightness.onnx'), '--robustness', '--out', out, '--no-cache', '--fail-on', 'warning', '--quiet'], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(await fs.readFile(path.join(out, 'fairframe-report.json'), 'utf8')) as AuditResult;
    const robustness = report.models[0].robustness;
    assert.equal(robustness?.mode, 'all');
    const corruptions = robustness?.corruptions;
    assert.equal(corruptions?.clean.estimate, 1);
    const accuracy = (key: string): number | null | undefined => corruptions?.conditions.find((c) => c.key === key)?.accuracy.estimate;
    assert.deepEqual([1, 2, 3, 4, 5].map((s) => accuracy(`brightness@${s}`)), [1, 1, 1, 0.5, 0.5]);
    for (const name of ['gaussian-noise', 'shot-noise', 'gaussian-blur', 'defocus-blur', 'contrast', 'jpeg', 'pixelate']) assert.equal(accuracy(`${name}@mean`), 1, name);
    const byGroup = corruptions?.groups.find((g) => g.name === 'group')?.conditions.find((c) => c.key === 'brightness@4');
    assert.deepEqual(byGroup?.byGroup.map((g) => [g.group, g.drop.estimate]), [['A', 1], ['B', 0]]);
    assert.deepEqual([byGroup?.dropDifference.estimate, byGroup?.dropDifference.lower, byGroup?.dropDifference.upper], [1, 1, 1]);

    const gaps = report.findings.filter((f) => f.rule === 'FF-M040');
    assert.equal(gaps.length, 1);
    assert.match(gaps[0].message, /under 1 of 8 corruptions\. Largest: brightness from severity 4 of 5, group 'A' loses 100\.0%/);
    assert.equal(report.findings.filter((f) => f.rule === 'FF-M041').length, 0);

    const attacks = robustness?.attacks;
    assert.equal(attacks?.status, 'ok');
    for (const condition of attacks?.conditions ?? []) assert.equal(condition.accuracy.estimate, 1, condition.key);
    assert.equal(attacks?.radius?.overall.unbroken, 1);
    assert.equal(attacks?.radius?.overall.median.estimate, null);
    const markdown = await fs.readFile(path.join(out, 'fairframe-report.md'), 'utf8');
    assert.match(markdown, /### Robustness/);
    assert.match(markdown, /Median robust radius above 8\/255; 100\.0% of the images resist every ε\./);
  });

  it("measures what fairframe.json's robustnessSettings choose: corruptions, severities, the ε grid and PGD's steps", async () => {
    // Brightness at severities 3 and 5 only (40/255 + 0.3 stays below ½: A keeps 100%; + 0.5 passes it: A loses all),
    // contrast at the same (a solid image keeps its mean), ε ∈ {4, 128}, PGD 5 steps of 0.25 · ε from the image itself.
    // By hand: ε = 4 moves no mean across ½ (87.5 levels away for A's 40, 92.5 for B's 220); ε = 128 does in one FGSM
    // step and in PGD's third step. The radius bisects between 4 and 128: PGD at 66 reaches 40 + 66 = 106 (no flip), at
    // 97 reaches 137 (flip), at 81.5 reaches 121.5 (no flip): 97 for A; for B 220 − 97 = 123 flips, 220 − 81.5 does not.
    const data = path.join(dir, 'data-settings');
    await fs.cp(path.join(dir, 'data'), data, { recursive: true });
    const config = JSON.parse(await fs.readFile(path.join(data, 'fairframe.json'), 'utf8')) as Record<string, unknown>;
    await fs.writeFile(path.join(data, 'fairframe.json'), JSON.stringify({ ...config, robustnessSettings: { corruptions: ['contrast', 'brightness'], severities: [5, 3], epsilons: [128, 4], pgdSteps: 5, pgdRandomStart: false } }));
    const out = path.join(dir, 'out-settings');
    const result = spawnSync(process.execPath, [cli, 'audit', data, '--model', path.join(dir, 'models', 'brightness.onnx'), '--robustness', 'all', '--out', out, '--no-cache', '--quiet', '--no-record'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(await fs.readFile(path.join(out, 'fairframe-report.json'), 'utf8')) as AuditResult;
    const corruptions = report.models[0].robustness?.corruptions;
    assert.deepEqual(corruptions?.corruptions.map((c) => c.name), ['brightness', 'contrast'], 'in report order');
    assert.deepEqual(corruptions?.severities, [3, 5]);
    const accuracy = new Map(corruptions?.conditions.map((c) => [c.key, c.accuracy.estimate]));
    assert.deepEqual([...accuracy], [['brightness@3', 1], ['brightness@5', 0.5], ['contrast@3', 1], ['contrast@5', 1], ['brightness@mean', 0.75], ['contrast@mean', 1]]);
    assert.deepEqual(corruptions?.corruptionError, { brightness: 0.25, contrast: 0 });
    const attacks = report.models[0].robustness?.attacks;
    assert.equal(attacks?.status, 'ok');
    assert.deepEqual([attacks?.settings?.epsilons, attacks?.settings?.pgdSteps, attacks?.settings?.randomStart], [[4, 128], 5, false]);
    assert.deepEqual(attacks?.conditions?.map((c) => [c.key, c.accuracy.estimate]), [['fgsm@4', 1], ['fgsm@128', 0], ['pgd@4', 1], ['pgd@128', 0]]);
    assert.equal(attacks?.radius?.overall.median.estimate, 97);
    const markdown = await fs.readFile(path.join(out, 'fairframe-report.md'), 'utf8');
    assert.match(markdown, /corruption error = mean error over severities 3, 5\./);
    assert.match(markdown, /PGD from the image itself \(no random start\), 5 steps of 0\.25 · ε/);
    assert.match(report.findings.find((f) => f.rule === 'FF-M040')?.message ?? '', /under 1 of 2 corruptions\. Largest: brightness from severity 5 of 5/);
  });

  it('refuses robustnessSettings out of range with an error naming the field', async () => {
    const data = path.join(dir, 'data-bad');
    await fs.cp(path.join(dir, 'data'), data, { recursive: true });
    await fs.writeFile(path.join(data, 'fairframe.json'), JSON.stringify({ robustnessSettings: { severities: [0, 3], corruptions: ['fog'] } }));
    const result = spawnSync(process.execPath, [cli, 'audit', data, '--quiet', '--no-record', '--no-cache', '--out', path.join(dir, 'out-bad')], { encoding: 'utf8' });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /\/robustnessSettings\/severities\/0 must be >= 1/);
    assert.match(result.stderr, /\/robustnessSettings\/corruptions\/0 must be equal to one of the allowed values \("gaussian-noise", "shot-noise", .*"pixelate"\)/);
  });

  it('rejects an unknown kind with a usage error naming it', () => {
    const result = spawnSync(process.execPath, [cli, 'audit', path.join(dir, 'data'), '--robustness', 'typhoons'], { encoding: 'utf8' });
    // Commander's usage errors (as for --fail-on) exit with its own code 1, before any audit runs.
    assert.notEqual(result.status, 0);
    assert.doesNotMatch(result.stdout, /accuracy/);
    assert.match(result.stderr, /typhoons/);
  });
});
