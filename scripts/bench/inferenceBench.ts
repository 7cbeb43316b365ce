// The inference benchmark: Fairframe's runInference over JPEG files, against the floor (ONNX Runtime's session.run
// alone on tensors decoded beforehand) and a plain Python loop (PIL + torch, same weights, same threads).
// Not a test: prints a Markdown table and writes bench-data/inference-results.json.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { defaultDecodeConcurrency, defaultIntraOpThreads, runInference } from '../../src/engine/model/inferenceRunner';
import type { InferenceItem } from '../../src/engine/model/inferenceRunner';
import type { ModelSpec, PreprocessSpec } from '../../src/engine/model/modelTypes';
import { inspectModel } from '../../src/engine/model/onnxModel';
import { resolveModelSpec } from '../../src/engine/model/modelSpec';
import { decodeForModel, preprocessInto, tensorElementsPerImage } from '../../src/engine/model/preprocess';

const root = path.resolve(__dirname, '../..');
const dataDir = path.join(root, 'bench-data');
const imageDir = path.join(dataDir, 'inference-images');
const mobileNetFile = path.join(dataDir, 'mobilenet_v2.onnx');
const demoModelFile = path.join(root, 'models', 'demo', 'lesion-cnn.onnx');
const python = '/usr/bin/python3';
const BATCH = 32;

/** Settings of one benchmark run. */
export interface InferenceBenchOptions {
  /** Images generated and run (default 512). */
  images?: number;
  /** Times each measurement is repeated; the median is reported (default 3). */
  repeats?: number;
  /** Also time runInference with other sharp / ONNX Runtime thread settings and batch sizes. */
  experiments?: boolean;
}

/** Seconds per repeat, their median and the throughput it gives (and the best repeat's, the machine being shared). */
export interface Timing {
  seconds: number[];
  medianSeconds: number;
  imagesPerSecond: number;
  bestImagesPerSecond: number;
  /** Process CPU time (user + system, all threads) per image, median over repeats; measured in this process only. */
  cpuMsPerImage?: number;
}

/** Wall and CPU seconds of one measured run. */
interface Sample {
  wall: number;
  cpu: number;
}

/** What the Python baseline printed (scripts/bench/pythonInference.py). */
interface PythonResult {
  torch: string;
  threads: number;
  loop: Timing;
  preprocess: Timing;
  decode: Timing;
  model: Timing;
  checkProbabilities: number[][];
}

/** One model's numbers: Fairframe end to end, the floor, and what Fairframe's time is made of. */
interface ModelBench {
  model: string;
  input: string;
  fairframe: Timing;
  floor: Timing;
  sessionCreateSeconds: number;
  /** preprocessInto over every image at runInference's decode concurrency, no model. */
  preprocessOnly: Timing;
  /** decodeForModel (sharp decode + resize to raw RGB) only, same concurrency. */
  decodeOnly: Timing;
  floorOverFairframe: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

async function sample(action: () => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await action();
  const wall = seconds(started);
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1e6 };
}

function timing(values: Array<number | Sample>, count: number): Timing {
  const walls = values.map((value) => (typeof value === 'number' ? value : value.wall));
  const cpus = values.flatMap((value) => (typeof value === 'number' ? [] : [value.cpu]));
  const middle = median(walls);
  return {
    seconds: walls.map((value) => +value.toFixed(4)), medianSeconds: +middle.toFixed(4), imagesPerSecond: +(count / middle).toFixed(1),
    bestImagesPerSecond: +(count / Math.min(...walls)).toFixed(1), ...(cpus.length > 0 ? { cpuMsPerImage: +((median(cpus) / count) * 1000).toFixed(2) } : {}),
  };
}

/** The spec the benchmark asks for: 224×224 stretch, NCHW RGB, 1/255 then ImageNet mean/std. */
function mobileNetSpec(): ModelSpec {
  const preprocess: PreprocessSpec = {
    width: 224, height: 224, resize: 'stretch', layout: 'NCHW', channels: 3, channelOrder: 'RGB', scale: 1 / 255,
    mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], inputType: 'float32',
  };
  return { labels: [], preprocess, inputName: 'image', outputName: 'logits', outputKind: 'logits', labelMap: {}, sources: {} };
}

/** Why the Python baseline cannot run, or undefined when /usr/bin/python3 imports torch and torchvision. */
function pythonUnavailable(): string | undefined {
  if (!existsSync(python)) return `${python} does not exist`;
  const probe = spawnSync(python, ['-c', 'import torch, torchvision, onnx, PIL'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${python} cannot import torch, torchvision, onnx and PIL (${(probe.stderr || String(probe.error)).trim().split('\n').pop()})`;
  return undefined;
}

/** Makes the model and images with exportMobileNet.py unless they exist for this count; returns why not, if it cannot. */
async function ensureInputs(count: number, pythonProblem: string | undefined): Promise<string | undefined> {
  const marker = path.join(imageDir, 'complete');
  const made = existsSync(marker) ? (JSON.parse(await fs.readFile(marker, 'utf8')) as { n: number }).n : 0;
  const haveModel = existsSync(mobileNetFile) && existsSync(path.join(dataDir, 'mobilenet_v2.pt'));
  if (haveModel && made >= count) return undefined; // the images are seeded in order: the first `count` of more are the same
  if (pythonProblem) return `the model and images are missing and cannot be made: ${pythonProblem}`;
  const script = path.join(root, 'scripts', 'bench', 'exportMobileNet.py');
  const run = spawnSync(python, [script, '--out', dataDir, '--n', String(count), ...(haveModel ? ['--skip-model'] : [])], { stdio: 'inherit' });
  return run.status === 0 ? undefined : `${path.relative(root, script)} failed (exit ${String(run.status)})`;
}

async function listImages(count: number): Promise<InferenceItem[]> {
  const names = (await fs.readdir(imageDir)).filter((name) => name.endsWith('.jpg')).sort().slice(0, count);
  return Promise.all(names.map(async (name) => {
    const file = path.join(imageDir, name);
    return { recordId: name, path: file, contentHash: createHash('sha256').update(await fs.readFile(file)).digest('hex') };
  }));
}

/** Runs `work` on every item with `concurrency` at a time, as runInference's decode workers do. */
async function eachConcurrently(items: InferenceItem[], concurrency: number, work: (item: InferenceItem, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  }));
}

/** The session runInference creates, with the same options. */
function createSession(modelBytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelBytes, {
    executionProviders: ['cpu'], intraOpNumThreads: defaultIntraOpThreads(), interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
}

async function benchModel(name: string, modelBytes: Uint8Array, spec: ModelSpec, items: InferenceItem[], repeats: number): Promise<ModelBench> {
  const p = spec.preprocess;
  const size = tensorElementsPerImage(p);
  const concurrency = defaultDecodeConcurrency();
  const all = new Float32Array(items.length * size);
  await eachConcurrently(items, concurrency, (item, index) => preprocessInto(all, index * size, item.path, p));

  let started = process.hrtime.bigint();
  const session = await createSession(modelBytes);
  const sessionCreateSeconds = seconds(started);
  const runFloor = (): Promise<Sample> => sample(async () => {
    for (let start = 0; start < items.length; start += BATCH) {
      const rows = Math.min(BATCH, items.length - start);
      const input = new ort.Tensor('float32', all.subarray(start * size, (start + rows) * size), [rows, p.channels, p.height, p.width]);
      await session.run({ [spec.inputName]: input }, [spec.outputName]);
    }
  });
  const runFairframe = (): Promise<Sample> => sample(async () => {
    const result = await runInference({ modelBytes, spec, items, batchSize: BATCH });
    if (result.predictions.size !== items.length) throw new Error(`runInference predicted ${result.predictions.size} of ${items.length} images (${result.failures[0]?.message ?? 'no failure reported'})`);
  });
  // Warm-up: the page cache, sharp, and ONNX Runtime's first runs.
  await runFloor();
  await runInference({ modelBytes, spec, items: items.slice(0, 2 * BATCH), batchSize: BATCH });

  const floorTimes: Sample[] = [];
  const fairframeTimes: Sample[] = [];
  const createTimes: number[] = [sessionCreateSeconds];
  for (let round = 0; round < repeats; round++) {
    fairframeTimes.push(await runFairframe());
    floorTimes.push(await runFloor());
    started = process.hrtime.bigint();
    const other = await createSession(modelBytes);
    createTimes.push(seconds(started));
    await other.release();
  }
  await session.release();

  const preprocessTimes: Sample[] = [];
  const decodeTimes: Sample[] = [];
  const scratch = new Float32Array(concurrency * size);
  for (let round = 0; round < repeats; round++) {
    preprocessTimes.push(await sample(() => eachConcurrently(items, concurrency, (item, index) => preprocessInto(scratch, (index % concurrency) * size, item.path, p))));
    decodeTimes.push(await sample(() => eachConcurrently(items, concurrency, async (item) => {
      await decodeForModel(item.path, p);
    })));
  }
  const fairframe = timing(fairframeTimes, items.length);
  const floor = timing(floorTimes, items.length);
  return {
    model: name, input: `${p.width}×${p.height} ${p.resize}, ${p.layout}, batch ${BATCH}`,
    fairframe, floor, sessionCreateSeconds: +median(createTimes).toFixed(3),
    preprocessOnly: timing(preprocessTimes, items.length), decodeOnly: timing(decodeTimes, items.length),
    floorOverFairframe: +(fairframe.medianSeconds / floor.medianSeconds).toFixed(2),
  };
}

function runPython(count: number, repeats: number): PythonResult | string {
  const script = path.join(root, 'scripts', 'bench', 'pythonInference.py');
  const run = spawnSync(python, [script, '--data', dataDir, '--batch', String(BATCH), '--threads', String(defaultIntraOpThreads()), '--repeats', String(repeats)], {
    encoding: 'utf8', maxBuffer: 64 * 2 ** 20,
  });
  if (run.status !== 0) return `${path.relative(root, script)} failed (exit ${String(run.status)}): ${run.stderr.trim().split('\n').pop() ?? ''}`;
  const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as PythonResult & { images: number };
  if (result.images !== count) return `the Python loop saw ${result.images} images instead of ${count}`;
  return result;
}

/** runInference with other settings, to see where the time goes (median of `repeats`). */
async function experiments(modelBytes: Uint8Array, spec: ModelSpec, items: InferenceItem[], repeats: number): Promise<Record<string, Timing>> {
  const results: Record<string, Timing> = {};
  const saved = sharp.concurrency();
  const variants: Array<{ name: string; vipsThreads: number; threads: number; batchSize: number }> = [
    { name: `default (libvips ${saved} threads, ORT ${defaultIntraOpThreads()} threads, batch 32)`, vipsThreads: saved, threads: defaultIntraOpThreads(), batchSize: 32 },
    { name: 'libvips 2 threads per image', vipsThreads: 2, threads: defaultIntraOpThreads(), batchSize: 32 },
    { name: 'ORT 1 intra-op thread', vipsThreads: saved, threads: 1, batchSize: 32 },
    { name: 'libvips 2 threads per image, ORT 1 thread', vipsThreads: 2, threads: 1, batchSize: 32 },
    { name: 'batch 8', vipsThreads: saved, threads: defaultIntraOpThreads(), batchSize: 8 },
    { name: 'batch 64', vipsThreads: saved, threads: defaultIntraOpThreads(), batchSize: 64 },
  ];
  for (const variant of variants) {
    sharp.concurrency(variant.vipsThreads);
    const times: Sample[] = [];
    for (let round = 0; round < repeats; round++) {
      times.push(await sample(() => runInference({ modelBytes, spec, items, batchSize: variant.batchSize, threads: variant.threads })));
    }
    results[variant.name] = timing(times, items.length);
  }
  sharp.concurrency(saved);
  return results;
}

function loadAverage(): string {
  return os.loadavg().map((value) => value.toFixed(2)).join(' ');
}

/** Runs the whole inference benchmark and prints it; writes bench-data/inference-results.json. */
export async function runInferenceBenchmark(options: InferenceBenchOptions = {}): Promise<void> {
  const count = options.images ?? 512;
  const repeats = options.repeats ?? 3;
  const pythonProblem = pythonUnavailable();
  const missing = await ensureInputs(count, pythonProblem);
  if (missing) {
    console.log(`Inference benchmark skipped: ${missing}.`);
    return;
  }
  const loadBefore = loadAverage();
  const items = await listImages(count);
  const modelBytes = new Uint8Array(await fs.readFile(mobileNetFile));
  const spec = mobileNetSpec();
  const mobileNet = await benchModel('mobilenet_v2 (random weights)', modelBytes, spec, items, repeats);

  let demo: ModelBench | undefined;
  if (existsSync(demoModelFile)) {
    const demoSpec = resolveModelSpec(await inspectModel(demoModelFile));
    demo = await benchModel('demo lesion-cnn', new Uint8Array(await fs.readFile(demoModelFile)), demoSpec, items, repeats);
  }
  const tried = options.experiments ? await experiments(modelBytes, spec, items, repeats) : undefined;

  const pythonRun = pythonProblem ? `skipped: ${pythonProblem}` : runPython(count, repeats);
  const pythonResult = typeof pythonRun === 'string' ? undefined : pythonRun;
  let agreement: { maxAbsProbabilityDifference: number; sameTop1: number } | undefined;
  if (pythonResult) {
    const check = await runInference({ modelBytes, spec, items: items.slice(0, pythonResult.checkProbabilities.length) });
    let maxDifference = 0;
    let sameTop1 = 0;
    pythonResult.checkProbabilities.forEach((row, index) => {
      const probs = check.predictions.get(items[index].recordId)?.probs ?? new Float32Array(row.length);
      row.forEach((value, c) => { maxDifference = Math.max(maxDifference, Math.abs(value - probs[c])); });
      if (row.indexOf(Math.max(...row)) === probs.indexOf(Math.max(...probs))) sameTop1++;
    });
    agreement = { maxAbsProbabilityDifference: +maxDifference.toExponential(2), sameTop1 };
  }

  const marker = JSON.parse(await fs.readFile(path.join(imageDir, 'complete'), 'utf8')) as { width: number; height: number; bytes: number };
  const results = {
    machine: {
      cpus: os.availableParallelism(), cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version,
      onnxruntimeNode: (ort.env.versions as { node?: string }).node ?? 'unknown', sharp: sharp.versions.sharp, vipsThreadsPerImage: sharp.concurrency(),
      intraOpThreads: defaultIntraOpThreads(), decodeConcurrency: defaultDecodeConcurrency(), loadAverageBefore: loadBefore, loadAverageAfter: loadAverage(),
    },
    images: { count: items.length, size: `${marker.width}x${marker.height}`, format: 'jpeg q85', totalMB: +(marker.bytes / 1e6).toFixed(1) },
    mobileNet,
    python: pythonResult ? { ...pythonResult, checkProbabilities: undefined } : pythonRun,
    fairframeOverPython: pythonResult ? +(mobileNet.fairframe.imagesPerSecond / pythonResult.loop.imagesPerSecond).toFixed(2) : undefined,
    agreementWithTorch: agreement,
    demo,
    experiments: tried,
  };
  await fs.writeFile(path.join(dataDir, 'inference-results.json'), `${JSON.stringify(results, null, 2)}\n`);

  const perImage = (t: Timing): string => `${t.imagesPerSecond} images/s (${((t.medianSeconds / items.length) * 1000).toFixed(2)} ms/image; best ${t.bestImagesPerSecond}${t.cpuMsPerImage !== undefined ? `; CPU ${t.cpuMsPerImage} ms/image` : ''})`;
  const lines = [
    '| measure | value |', '|---|---|',
    `| images | ${items.length} JPEG ${results.images.size} q85, ${results.images.totalMB} MB |`,
    `| Fairframe runInference, mobilenet_v2 ${mobileNet.input} (median of ${repeats}) | ${perImage(mobileNet.fairframe)} |`,
    `| floor: session.run on pre-decoded tensors (median of ${repeats}) | ${perImage(mobileNet.floor)} |`,
    `| Fairframe time / floor time (target ≤ 1.3) | **${mobileNet.floorOverFairframe}×** (session creation ${mobileNet.sessionCreateSeconds} s is inside Fairframe's time) |`,
    `| Fairframe preprocessing only (decode + resize + tensor, ${defaultDecodeConcurrency()} at a time) | ${perImage(mobileNet.preprocessOnly)} |`,
    `| Fairframe decode + resize only (sharp) | ${perImage(mobileNet.decodeOnly)} |`,
  ];
  if (pythonResult) {
    lines.push(
      `| Python loop, PIL + torch ${pythonResult.torch}, ${pythonResult.threads} threads (median of ${repeats}) | ${perImage(pythonResult.loop)} |`,
      `| Python preprocessing only / PIL decode only / torch model only | ${pythonResult.preprocess.imagesPerSecond} / ${pythonResult.decode.imagesPerSecond} / ${pythonResult.model.imagesPerSecond} images/s |`,
      `| Fairframe / Python throughput (target ≥ 1) | **${results.fairframeOverPython}×** |`,
      `| agreement with torch, first ${pythonResult.checkProbabilities.length} images | max abs probability difference ${agreement?.maxAbsProbabilityDifference}, same top-1 ${agreement?.sameTop1}/${pythonResult.checkProbabilities.length} |`,
    );
  } else {
    lines.push(`| Python loop | ${String(pythonRun)} |`);
  }
  if (demo) {
    lines.push(
      `| demo lesion-cnn ${demo.input}: Fairframe / floor | ${perImage(demo.fairframe)} / ${perImage(demo.floor)} — **${demo.floorOverFairframe}×** |`,
      `| demo lesion-cnn: preprocessing only / decode only | ${demo.preprocessOnly.imagesPerSecond} / ${demo.decodeOnly.imagesPerSecond} images/s |`,
    );
  }
  for (const [name, value] of Object.entries(tried ?? {})) lines.push(`| experiment: runInference, ${name} | ${perImage(value)} |`);
  console.log(lines.join('\n'));
  console.log(JSON.stringify(results.machine));
}
