// The CLI spawned as a user runs it, on a small dataset made at test time.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { AUDIT_RESULT_SCHEMA_VERSION } from '../../src/engine/auditResult';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
// Runs these audits record go to a temporary store, not the repository's .fairframe/runs.
const RUN_STORE = path.join(os.tmpdir(), `ff-test-runs-${process.pid}`);

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true', FAIRFRAME_RUNS: RUN_STORE } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function noiseJpeg(file: string, seed: number): Promise<void> {
  const pixels = Buffer.alloc(32 * 32 * 3);
  let state = seed;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } }).jpeg().toFile(file);
}

describe('fairframe CLI', function () {
  this.timeout(120_000);
  let dir: string;
  const hostile = 'a|b*<script>.jpg';

  before(async () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-cli-'));
    const data = path.join(dir, 'data');
    await fs.mkdir(data);
    const rows = ['file_name,label,sex'];
    for (let i = 0; i < 4; i++) {
      await noiseJpeg(path.join(data, `cat${i}.jpg`), i + 1);
      await noiseJpeg(path.join(data, `dog${i}.jpg`), i + 101);
      rows.push(`cat${i}.jpg,cat,${i % 2 ? 'female' : 'male'}`, `dog${i}.jpg,dog,${i % 2 ? 'female' : 'male'}`);
    }
    await noiseJpeg(path.join(data, hostile), 999);
    rows.push(`"${hostile}",dog,male`);
    rows.push('gone.jpg,cat,female'); // line 11: a missing file
    await fs.writeFile(path.join(data, 'metadata.csv'), `${rows.join('\n')}\n`);
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('fails with exit code 2 and a clear message on a missing path', () => {
    const result = run(['audit', path.join(dir, 'nope'), '--no-cache']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /does not exist/);
  });

  it('fails with exit code 2 on an invalid config, naming the bad key', async () => {
    const config = path.join(dir, 'bad.json');
    await fs.writeFile(config, JSON.stringify({ thresholds: { minClassCont: 3 } }));
    const result = run(['audit', path.join(dir, 'data'), '--config', config, '--no-cache']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /minClassCont/);
  });

  it('fails with exit code 2 on a usage error (invalid choice, unknown option, missing argument), 0 for --help and --version', () => {
    for (const args of [['audit', path.join(dir, 'data'), '--fail-on', 'severe'], ['audit', path.join(dir, 'data'), '--no-such-option'], ['audit'], ['no-such-command']]) {
      const result = run(args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /error:/, args.join(' '));
    }
    assert.equal(run(['--help']).status, 0);
    assert.equal(run(['audit', '--help']).status, 0);
    const version = run(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  });

  it('writes JSON, Markdown and SARIF reports and exits 1 when --fail-on error is met', async () => {
    const out = path.join(dir, 'out');
    const result = run(['audit', path.join(dir, 'data'), '--out', out, '--fail-on', 'error', '--no-cache']);
    assert.equal(result.status, 1, result.stderr);
    const json = JSON.parse(await fs.readFile(path.join(out, 'fairframe-report.json'), 'utf8'));
    assert.equal(json.schemaVersion, AUDIT_RESULT_SCHEMA_VERSION);
    assert.deepEqual(json.models, []);
    assert.equal(json.datasets[0].images, 9);
    const missing = json.findings.filter((f: { rule: string }) => f.rule === 'FF-D013');
    assert.equal(missing.length, 1);
    assert.equal(missing[0].location.line, 11);

    const sarif = JSON.parse(await fs.readFile(path.join(out, 'fairframe-report.sarif'), 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    const sarifMissing = sarif.runs[0].results.filter((r: { ruleId: string }) => r.ruleId === 'FF-D013');
    assert.equal(sarifMissing.length, 1);
    assert.equal(sarifMissing[0].level, 'error');
    assert.deepEqual(sarifMissing[0].locations[0].physicalLocation.artifactLocation, { uri: 'metadata.csv', uriBaseId: 'SRCROOT' });
    assert.equal(sarifMissing[0].locations[0].physicalLocation.region.startLine, 11);
    const ruleIds = sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id);
    assert.equal(ruleIds[sarifMissing[0].ruleIndex], 'FF-D013');

    const markdown = await fs.readFile(path.join(out, 'fairframe-report.md'), 'utf8');
    assert.match(markdown, /FF-D013/);
    assert.ok(!markdown.includes('<script>'), 'data in the Markdown report is escaped');
  });

  it('exits 0 when --fail-on is not met and prints one JSON document with --format json', () => {
    const result = run(['audit', path.join(dir, 'data'), '--format', 'json', '--fail-on', 'error', '--no-cache', '--dataset', 'no-such-name']);
    assert.equal(result.status, 2);
    const ok = run(['audit', path.join(dir, 'data'), '--format', 'json', '--no-cache', '--quiet']);
    assert.equal(ok.status, 0);
    assert.equal(JSON.parse(ok.stdout).findings.length > 0, true);
  });

  it('exports reweighing weights on request', async () => {
    const out = path.join(dir, 'weights');
    const result = run(['audit', path.join(dir, 'data'), '--out', out, '--format', 'json', '--export-weights', 'sex', '--no-cache', '--quiet']);
    assert.equal(result.status, 0, result.stderr);
    const csv = await fs.readFile(path.join(out, 'data.reweighing.csv'), 'utf8');
    // 9 images: cat×male 2, cat×female 2, dog×male 3, dog×female 2 → w(dog, male) = n_dog·n_male/(n·n_{dog,male}) = 5·5/(9·3) = 0.9259…
    const dogMale = csv.split('\n').find((line) => line.startsWith('dog0.jpg'));
    assert.ok(dogMale, csv);
    assert.ok(Math.abs(Number(dogMale.split(',').at(-1)) - 25 / 27) < 1e-9, dogMale);
  });
});
