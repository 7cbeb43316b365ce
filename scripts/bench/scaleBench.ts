// `npm run bench -- --only scale`: the costs that decide whether an audit scales. Each measurement runs in a fresh
// child process so its peak RSS is its own.
// 1. A --no-decode audit of a manifest of --scale-records (default 1,000,000) rows naming empty files (generated
//    once under bench-data/), by the CLI: wall time and peak RSS (/usr/bin/time).
// 2. Label issues (confident learning) and the bootstrap intervals (overall and by one attribute, 1,000 replicates)
//    at 10k, 100k and 1M synthetic predictions over 10 classes: time and peak RSS, and how each grows.
// 3. A 4-shard audit and merge against one run, on the 10,000 MNIST test digits with the MNIST model (shards run one
//    after another and, separately, all at once).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { findLabelIssues } from '../../src/engine/labels';
import { mulberry32 } from '../../src/engine/metrics';
import { overallMetrics } from '../../src/engine/modelAudit/overallMetrics';
import { groupReport } from '../../src/engine/modelAudit/groupMetrics';
import { THRESHOLD_DEFAULTS } from '../../src/engine/config/configTypes';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const benchData = path.join(root, 'bench-data');

interface Timed { seconds: number; peakMiB: number; status: number | null; stderr: string }

/** Runs a command under /usr/bin/time: wall seconds and peak resident set (MiB). */
function timed(command: string, args: string[]): Timed {
  const result = spawnSync('/usr/bin/time', ['-f', 'FFTIME %e %M', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const line = /FFTIME ([\d.]+) (\d+)/.exec(result.stderr);
  return { seconds: Number(line?.[1] ?? NaN), peakMiB: Math.round(Number(line?.[2] ?? NaN) / 1024), status: result.status, stderr: result.stderr.slice(-2000) };
}

async function manifestOf(records: number): Promise<string> {
  const folder = path.join(benchData, `manifest-${records}`);
  const manifest = path.join(folder, 'manifest.csv');
  if (existsSync(path.join(folder, 'complete'))) return manifest;
  await fs.mkdir(folder, { recursive: true });
  const random = mulberry32(16);
  const rows: string[] = ['path,label,split,sex,age_group'];
  const perFolder = 1000;
  for (let start = 0; start < records; start += perFolder) {
    const sub = path.join(folder, 'images', String(start / perFolder));
    await fs.mkdir(sub, { recursive: true });
    await Promise.all(Array.from({ length: Math.min(perFolder, records - start) }, (_, i) => fs.writeFile(path.join(sub, `${start + i}.jpg`), '')));
    for (let i = start; i < Math.min(records, start + perFolder); i++) {
      const label = `class_${Math.floor(random() ** 1.5 * 20)}`;
      rows.push(`images/${start / perFolder}/${i}.jpg,${label},${random() < 0.8 ? 'train' : 'test'},${random() < 0.45 ? 'female' : 'male'},${['18-30', '31-50', '51-70', '70+'][Math.floor(random() * 4)]}`);
    }
  }
  await fs.writeFile(manifest, `${rows.join('\n')}\n`);
  await fs.writeFile(path.join(folder, 'complete'), '');
  return manifest;
}

/** Synthetic predictions: 10 classes, about 88% accuracy (lower in one group), 3% flipped labels. */
function syntheticSample(n: number): { yTrue: number[]; yPred: number[]; probs: Float32Array[]; groups: string[] } {
  const random = mulberry32(n);
  const k = 10;
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const probs: Float32Array[] = [];
  const groups: string[] = [];
  for (let i = 0; i < n; i++) {
    const truth = Math.floor(random() * k);
    const group = random() < 0.3 ? 'b' : 'a';
    const right = random() < (group === 'a' ? 0.9 : 0.84);
    const predicted = right ? truth : (truth + 1 + Math.floor(random() * (k - 1))) % k;
    const logits = Array.from({ length: k }, () => random() * 2);
    logits[predicted] += 3 + random() * 3;
    const max = Math.max(...logits);
    const exps = logits.map((v) => Math.exp(v - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    const row = Float32Array.from(exps.map((v) => v / sum));
    const given = random() < 0.03 ? (truth + 1 + Math.floor(random() * (k - 1))) % k : truth;
    yTrue.push(given);
    yPred.push(row.indexOf(Math.max(...row)));
    probs.push(row);
    groups.push(group);
  }
  return { yTrue, yPred, probs, groups };
}

/**
 * Child: one measurement of label issues or the bootstrap at n predictions, printed as JSON. 'bootstrap' draws each
 * replicate's counts from their multinomial (the audit's default); 'bootstrap-images' resamples image by image, as
 * the audit did before (same distribution, different random stream), for the before/after comparison.
 */
function predictionsChild(kind: string, n: number): void {
  const sample = syntheticSample(n);
  const started = process.hrtime.bigint();
  let detail: Record<string, unknown> = {};
  if (kind === 'labels') {
    const report = findLabelIssues(sample.yTrue, sample.probs, 10);
    detail = { issues: report.issues.length, estimatedNoiseRate: +report.estimatedNoiseRate.toFixed(4) };
  } else {
    const classNames = Array.from({ length: 10 }, (_, c) => String(c));
    const audited = { yTrue: sample.yTrue, yPred: sample.yPred, probs: sample.probs, classNames };
    const resampling = kind === 'bootstrap-images' ? ('images' as const) : ('auto' as const);
    const bootstrap = { replicates: THRESHOLD_DEFAULTS.bootstrapReplicates, level: THRESHOLD_DEFAULTS.confidenceLevel, seed: THRESHOLD_DEFAULTS.bootstrapSeed, resampling };
    const overall = overallMetrics(audited, bootstrap);
    const byGroup = groupReport(audited, { attributes: ['group'], values: { group: sample.groups } }, THRESHOLD_DEFAULTS, bootstrap);
    detail = { accuracy: overall.accuracy, groups: byGroup.groups.length };
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${JSON.stringify({ kind, n, seconds, peakMiB: Math.round(process.resourceUsage().maxRSS / 1024), detail })}\n`);
}

/** The MNIST test digits as PNG files in an ImageFolder (written once under bench-data/). */
async function mnistFolder(): Promise<string | undefined> {
  const mnist = path.resolve(root, '../shared/data/mnist');
  if (!existsSync(path.join(mnist, 't10k-images-idx3-ubyte.gz'))) return undefined;
  const folder = path.join(benchData, 'mnist-10k');
  if (existsSync(path.join(folder, 'complete'))) return folder;
  const { encodeGreyPng, readIdx } = await import('../../test/unit/model/idx');
  const images = readIdx(gunzipSync(await fs.readFile(path.join(mnist, 't10k-images-idx3-ubyte.gz'))));
  const labels = readIdx(gunzipSync(await fs.readFile(path.join(mnist, 't10k-labels-idx1-ubyte.gz'))));
  for (let digit = 0; digit < 10; digit++) await fs.mkdir(path.join(folder, 'digits', String(digit)), { recursive: true });
  for (let i = 0; i < labels.data.length; i++) {
    await fs.writeFile(path.join(folder, 'digits', String(labels.data[i]), `${String(i).padStart(5, '0')}.png`), encodeGreyPng(images.data.subarray(i * 784, (i + 1) * 784), 28, 28));
  }
  await fs.writeFile(path.join(folder, 'complete'), '');
  return folder;
}

export async function runScaleBenchmark(options: { records: number; sizes: number[]; shards: number; imageBootstrapLimit: number }): Promise<void> {
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, load: os.loadavg().map((l) => +l.toFixed(1)) };
  console.log(`machine: ${JSON.stringify(machine)}`);
  const results: Record<string, unknown> = { machine };

  // 1. The --no-decode manifest audit.
  const manifest = await manifestOf(options.records);
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-scale-'));
  const noDecode = timed(process.execPath, [cli, 'audit', manifest, '--no-decode', '--quiet', '-f', 'json', '-o', out]);
  const report = JSON.parse(await fs.readFile(path.join(out, 'fairframe-report.json'), 'utf8').catch(() => '{}')) as { datasets?: Array<{ images: number }>; findings?: unknown[] };
  results.noDecode = { records: options.records, seconds: noDecode.seconds, peakMiB: noDecode.peakMiB, status: noDecode.status, images: report.datasets?.[0]?.images, findings: report.findings?.length };
  console.log(`| --no-decode audit of a ${options.records.toLocaleString('en')}-row manifest | ${noDecode.seconds} s | peak RSS ${noDecode.peakMiB} MiB | exit ${noDecode.status}, ${report.datasets?.[0]?.images} records, ${report.findings?.length} findings |`);
  if (noDecode.status !== 0 && noDecode.status !== 1) console.log(noDecode.stderr);

  // 2. Label issues and the bootstrap at growing sizes.
  const growth: unknown[] = [];
  for (const kind of ['labels', 'bootstrap', 'bootstrap-images']) {
    for (const n of options.sizes) {
      // Image by image, 1M predictions took 1,245 s on the loaded machine: measured only when asked for.
      if (kind === 'bootstrap-images' && n > options.imageBootstrapLimit) continue;
      const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--predictions-child', kind, String(n)], { encoding: 'utf8', maxBuffer: 1 << 26, cwd: root });
      const line = child.stdout.trim().split('\n').pop() ?? '';
      try {
        const measured = JSON.parse(line) as { seconds: number; peakMiB: number; detail: unknown };
        growth.push(measured);
        console.log(`| ${kind} | ${n.toLocaleString('en')} predictions | ${measured.seconds.toFixed(2)} s | peak RSS ${measured.peakMiB} MiB | ${JSON.stringify(measured.detail)} |`);
      } catch {
        console.log(`| ${kind} | ${n} | failed: ${child.stderr.slice(-500)} |`);
      }
    }
  }
  results.predictions = growth;

  // 3. Shards and merge against one run.
  const mnist = await mnistFolder();
  const model = path.resolve(root, '../shared/data/mnist/mnist.onnx');
  if (mnist) {
    const data = path.join(mnist, 'digits');
    const single = timed(process.execPath, [cli, 'audit', data, '-m', model, '--no-cache', '--quiet', '-f', 'json', '-o', path.join(out, 'single')]);
    const partials = path.join(out, 'partials');
    const sequential: Timed[] = [];
    for (let k = 0; k < options.shards; k++) sequential.push(timed(process.execPath, [cli, 'audit', data, '-m', model, '--no-cache', '--quiet', '--shard', `${k}/${options.shards}`, '--partial', partials]));
    const merge = timed(process.execPath, [cli, 'merge', partials, '--no-cache', '--quiet', '-f', 'json', '-o', path.join(out, 'merged')]);
    // All shards at once (as pods or matrix jobs would run, here on this machine's cores).
    const parallelStarted = process.hrtime.bigint();
    await Promise.all(Array.from({ length: options.shards }, (_, k) => new Promise<void>((resolve) => {
      spawn(process.execPath, [cli, 'audit', data, '-m', model, '--no-cache', '--quiet', '--shard', `${k}/${options.shards}`, '--partial', path.join(out, 'partials-parallel')]).on('close', () => resolve());
    })));
    const parallelSeconds = Number(process.hrtime.bigint() - parallelStarted) / 1e9;
    const strip = (text: string): string => {
      const json = JSON.parse(text) as Record<string, unknown> & { models: Array<{ inference?: Record<string, unknown> }> };
      delete json.createdAt;
      delete json.durationMs;
      for (const m of json.models) delete m.inference?.durationMs;
      return JSON.stringify(json);
    };
    const equal = strip(await fs.readFile(path.join(out, 'single', 'fairframe-report.json'), 'utf8')) === strip(await fs.readFile(path.join(out, 'merged', 'fairframe-report.json'), 'utf8'));
    const partialBytes = (await fs.readdir(partials)).length > 0 ? (await Promise.all((await fs.readdir(partials)).map(async (f) => (await fs.stat(path.join(partials, f))).size))).reduce((a, b) => a + b, 0) : 0;
    results.shards = { images: 10000, shards: options.shards, single, sequential, merge, parallelSeconds, equal, partialMB: +(partialBytes / 1e6).toFixed(1) };
    console.log(`| one run, 10,000 MNIST digits + model | ${single.seconds} s | peak ${single.peakMiB} MiB |`);
    console.log(`| ${options.shards} shards one after another | ${sequential.map((s) => s.seconds).join(' + ')} s | peak ${Math.max(...sequential.map((s) => s.peakMiB))} MiB |`);
    console.log(`| ${options.shards} shards at once | ${parallelSeconds.toFixed(1)} s wall |`);
    console.log(`| merge | ${merge.seconds} s | peak ${merge.peakMiB} MiB | partials ${(partialBytes / 1e6).toFixed(1)} MB | merged report equal to the single run (without createdAt, durations): ${equal} |`);
  } else {
    console.log('shards: skipped (../shared/data/mnist is absent)');
  }
  await fs.writeFile(path.join(benchData, 'scale-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await fs.rm(out, { recursive: true, force: true });
}

if (process.argv.includes('--predictions-child')) {
  const at = process.argv.indexOf('--predictions-child');
  predictionsChild(process.argv[at + 1], Number(process.argv[at + 2]));
}

/** Real photographs Debian's python3-skimage ships (absent: the 60k JPEG run is skipped). */
const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data';
const PHOTOS = ['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'hubble_deep_field.jpg', 'motorcycle_left.png', 'immunohistochemistry.png', 'brick.png', 'grass.png', 'gravel.png', 'coins.png', 'horse.png', 'page.png', 'moon.png', 'text.png', 'color.png', 'ihc.png', 'retina.jpg'];

/**
 * `count` small JPEGs (64–128 px a side, quality 70–92) cut from skimage's photographs: a random crop of 6–60% of a
 * photograph's side, a random quarter-turn and mirror, brightness and saturation jitter, written once into labelled
 * folders (the label is the source photograph) under bench-data/.
 */
export async function photoCrops(count: number): Promise<string | undefined> {
  const sources = PHOTOS.map((name) => path.join(SKIMAGE, name)).filter((file) => existsSync(file));
  if (sources.length < 5) return undefined;
  const folder = path.join(benchData, `jpeg-${count}`);
  if (existsSync(path.join(folder, 'complete'))) return folder;
  const sharp = (await import('sharp')).default;
  const random = mulberry32(60000);
  const decoded = await Promise.all(sources.map(async (file) => {
    const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { data, info, name: path.basename(file, path.extname(file)) };
  }));
  for (const source of decoded) await fs.mkdir(path.join(folder, source.name), { recursive: true });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const source = decoded[Math.floor(random() * decoded.length)];
      const { width, height, channels } = source.info;
      const side = Math.max(24, Math.floor(Math.min(width, height) * (0.06 + random() * 0.54)));
      const left = Math.floor(random() * (width - side));
      const top = Math.floor(random() * (height - side));
      const size = 64 + Math.floor(random() * 65);
      let image = sharp(source.data, { raw: { width, height, channels } }).extract({ left, top, width: side, height: side }).resize(size, size);
      image = image.rotate(90 * Math.floor(random() * 4));
      if (random() < 0.5) image = image.flop();
      image = image.modulate({ brightness: 0.8 + random() * 0.4, saturation: 0.7 + random() * 0.6 });
      await image.jpeg({ quality: 70 + Math.floor(random() * 23) }).toFile(path.join(folder, source.name, `${String(i).padStart(6, '0')}.jpg`));
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  await fs.writeFile(path.join(folder, 'complete'), '');
  return folder;
}

/** The 60k-JPEG dataset audit (scan and every check, no model, no cache), by the CLI. */
export async function runJpegBenchmark(count: number): Promise<void> {
  const folder = await photoCrops(count);
  if (!folder) {
    console.log('jpegs: skipped (python3-skimage\'s photographs are absent)');
    return;
  }
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-jpeg-'));
  const run = timed(process.execPath, [cli, 'audit', folder, '--no-cache', '--quiet', '-f', 'json', '-o', out]);
  const report = JSON.parse(await fs.readFile(path.join(out, 'fairframe-report.json'), 'utf8').catch(() => '{}')) as { datasets?: Array<{ images: number; scan: unknown; checks: Array<{ check: string; status: string; summary: Record<string, unknown> }> }>; findings?: Array<{ rule: string }> };
  const rules: Record<string, number> = {};
  for (const finding of report.findings ?? []) rules[finding.rule] = (rules[finding.rule] ?? 0) + 1;
  console.log(`machine: ${JSON.stringify({ cpus: os.cpus().length, load: os.loadavg().map((l) => +l.toFixed(1)) })}`);
  console.log(`| audit of ${count.toLocaleString('en')} JPEG crops (64–128 px), no cache | ${run.seconds} s | peak RSS ${run.peakMiB} MiB | exit ${run.status} | ${report.datasets?.[0]?.images} images, scan ${JSON.stringify(report.datasets?.[0]?.scan)} | findings ${JSON.stringify(rules)} |`);
  if (run.status !== 0 && run.status !== 1) console.log(run.stderr);
  await fs.rm(out, { recursive: true, force: true });
}
