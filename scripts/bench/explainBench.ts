// The explanation benchmark: latency of every explanation method per image, through `Explainer.explain` with no cache,
// on the demo lesion model (64×64) and on MobileNet-V2 (224×224), with the model calls each costs, the cost per 1,000
// model calls of the sampling methods, and what faithfulness and the sanity check add. Not a test: prints Markdown
// tables and writes bench-data/explain-results.json.
import { spawnSync } from 'node:child_process';
import { promises as fs, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { ModelConfig } from '../../src/engine/config/configTypes';
import { EXPLAIN_METHODS, Explainer, type ExplainRequest, type Explanation } from '../../src/engine/explain/explainer';
import type { ExplainMethod } from '../../src/engine/explain/explainTypes';
import { createModelRunner } from '../../src/engine/explain/modelRunner';
import { DEMO_CLASSES, FITZPATRICK_TYPES } from '../../src/demo/demoDesign';
import { encodeJpeg } from '../../src/demo/encodeDemoImage';
import { paintLesionImage } from '../../src/demo/paintLesionImage';
import { createRandom } from '../../src/demo/random';

const root = path.resolve(__dirname, '../..');
const dataDir = path.join(root, 'bench-data');
const demoModelFile = path.join(root, 'models', 'demo', 'lesion-cnn.onnx');
const demoTestDir = path.join(root, 'demo', 'data', 'test');
const lesionDir = path.join(dataDir, 'explain-lesions');
const mobileNetFile = path.join(dataDir, 'mobilenet_v2.onnx');
const mobileNetImageDir = path.join(dataDir, 'inference-images');
const python = '/usr/bin/python3';
const SAMPLING_METHODS: readonly ExplainMethod[] = ['occlusion', 'rise', 'lime', 'shap'];

/** Settings of one explanation benchmark run. */
export interface ExplainBenchOptions {
  /** Demo-model images explained per method after the warm-up (default 20). */
  demoImages?: number;
  /** MobileNet images explained per method after the warm-up (default 10). */
  mobileNetImages?: number;
  /** RISE masks and LIME / KernelSHAP samples on MobileNet (default 500; the demo model keeps the methods' defaults). */
  mobileNetSamples?: number;
}

/** Wall and process CPU milliseconds of one explain call. */
interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** Median, 90th percentile and median CPU time of the warm calls. */
export interface LatencySummary {
  calls: number;
  medianMs: number;
  p90Ms: number;
  /** Process CPU time (user + system, all threads) per call, median. */
  cpuMedianMs: number;
}

/** One method on one model. */
export interface MethodBench {
  method: ExplainMethod;
  /** The method that produced the map (differs from `method` when the Explainer fell back). */
  ranAs: ExplainMethod;
  fallbackReason?: string;
  params: Record<string, number | string>;
  /** The first explain call of a freshly opened Explainer (session creation and graph analysis included). */
  coldMs: number;
  warm: LatencySummary;
  /** Model calls per image: the map's own (`heatmap.modelCalls`) plus the prediction `explain` makes. */
  modelCallsPerImage: number;
  /** Warm median ÷ model calls per image × 1,000, for the sampling methods (and whatever they fell back to). */
  msPer1000Calls?: number;
  /** The same with the median CPU time, which depends much less on other processes' load. */
  cpuMsPer1000Calls?: number;
}

/** An add-on (faithfulness or the sanity check) on Grad-CAM: the whole call, and what it adds to Grad-CAM alone. */
export interface AddOnBench {
  coldMs: number;
  warm: LatencySummary;
  /** Warm median with the add-on − warm median of Grad-CAM alone; the same for the median CPU time. */
  addedMedianMs: number;
  addedCpuMs: number;
  addedModelCalls?: number;
  /** addedMedianMs ÷ addedModelCalls × 1,000, and addedCpuMs likewise. */
  addedMsPer1000Calls?: number;
  addedCpuMsPer1000Calls?: number;
  detail: string;
}

/** Every method, the add-ons and the bare model cost on one model. */
export interface ModelExplainBench {
  model: string;
  input: string;
  images: { count: number; source: string };
  /** `runner.predict` alone on copies of one prepared input, batched as the methods batch: wall and CPU ms per 1,000 model calls (median of 3). */
  floorMsPer1000Calls: number;
  floorCpuMsPer1000Calls: number;
  methods: MethodBench[];
  faithfulness: AddOnBench;
  sanity: AddOnBench;
  gradCamUnder100Ms: boolean;
  loadAverageBefore: string;
  loadAverageAfter: string;
}

/** Median of `values`: the middle value, or the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The q-quantile by the nearest-rank method: the ⌈q·n⌉-th smallest value (p90 of 10 values = the 9th). */
export function nearestRank(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1];
}

const round = (value: number, digits = 1): number => +value.toFixed(digits);
const loadAverage = (): string => os.loadavg().map((value) => value.toFixed(2)).join(' ');

function summarise(samples: readonly Sample[]): LatencySummary {
  const walls = samples.map((s) => s.wallMs);
  return { calls: samples.length, medianMs: round(median(walls)), p90Ms: round(nearestRank(walls, 0.9)), cpuMedianMs: round(median(samples.map((s) => s.cpuMs))) };
}

async function measure<T>(action: () => Promise<T>): Promise<{ sample: Sample; value: T }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const value = await action();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  return { sample: { wallMs, cpuMs: (used.user + used.system) / 1000 }, value };
}

/** Timings and results of one request over every image. */
interface RequestRun {
  cold: Sample;
  warm: Sample[];
  explanations: Explanation[];
}

/**
 * One fresh Explainer (no cache dir) per request: each one's warm-up call on the first image (the cold call), then every
 * image once with the requests interleaved image by image, so load from other processes falls on all of them alike.
 */
async function timeRequests(model: string, config: ModelConfig | undefined, images: string[], requests: ExplainRequest[]): Promise<RequestRun[]> {
  const explainers: Explainer[] = [];
  try {
    for (let i = 0; i < requests.length; i++) explainers.push(await Explainer.open(model, { config }));
    const runs: RequestRun[] = [];
    for (const [index, request] of requests.entries()) runs.push({ cold: (await measure(() => explainers[index].explain(images[0], request))).sample, warm: [], explanations: [] });
    for (const image of images) {
      for (const [index, request] of requests.entries()) {
        const { sample, value } = await measure(() => explainers[index].explain(image, request));
        if (value.fromCache) throw new Error(`explain returned a cached result for ${image}; the benchmark measures computation`);
        runs[index].warm.push(sample);
        runs[index].explanations.push(value);
      }
    }
    return runs;
  } finally {
    for (const explainer of explainers) await explainer.dispose();
  }
}

/** ms per 1,000 calls of `runner.predict` on copies of the first image's input (after a warm-up batch; median of 3). */
async function floorCost(model: string, config: ModelConfig | undefined, image: string, calls: number): Promise<{ msPer1000Calls: number; cpuMsPer1000Calls: number; input: string }> {
  const explainer = await Explainer.open(model, { config });
  const runner = await createModelRunner(new Uint8Array(await fs.readFile(model)), explainer.spec);
  try {
    const input = (await explainer.prepare(image)).input;
    await runner.predict(Array.from({ length: 32 }, () => input));
    const samples: Sample[] = [];
    for (let repeat = 0; repeat < 3; repeat++) samples.push((await measure(() => runner.predict(Array.from({ length: calls }, () => input)))).sample);
    const p = explainer.spec.preprocess;
    const perThousand = (values: number[]): number => round((median(values) / calls) * 1000);
    return { msPer1000Calls: perThousand(samples.map((s) => s.wallMs)), cpuMsPer1000Calls: perThousand(samples.map((s) => s.cpuMs)), input: `${p.channels}×${p.height}×${p.width}` };
  } finally {
    await runner.dispose();
    await explainer.dispose();
  }
}

async function benchModel(name: string, model: string, config: ModelConfig | undefined, images: { files: string[]; source: string }, paramsFor: (method: ExplainMethod) => Record<string, number | string>, floorCalls: number): Promise<ModelExplainBench> {
  const loadAverageBefore = loadAverage();
  const files = images.files;
  const floor = await floorCost(model, config, files[0], floorCalls);
  const requests: ExplainRequest[] = [
    ...EXPLAIN_METHODS.map((method) => ({ method, params: paramsFor(method) })),
    { method: 'gradcam', faithfulness: true },
    { method: 'gradcam', sanity: true },
  ];
  const runs = await timeRequests(model, config, files, requests);
  const methods: MethodBench[] = EXPLAIN_METHODS.map((method, index) => {
    const { cold, warm, explanations } = runs[index];
    const params = requests[index].params ?? {};
    const first = explanations[0];
    const summary = summarise(warm);
    const modelCallsPerImage = median(explanations.map((e) => e.heatmap.modelCalls + 1));
    const sampling = SAMPLING_METHODS.includes(first.method);
    return {
      method, ranAs: first.method, ...(first.fallbackFrom ? { fallbackReason: first.fallbackFrom.reason } : {}), params,
      coldMs: round(cold.wallMs), warm: summary, modelCallsPerImage,
      ...(sampling ? { msPer1000Calls: round((summary.medianMs / modelCallsPerImage) * 1000), cpuMsPer1000Calls: round((summary.cpuMedianMs / modelCallsPerImage) * 1000) } : {}),
    };
  });
  const gradCam = methods.find((m) => m.method === 'gradcam');
  if (!gradCam) throw new Error('EXPLAIN_METHODS has no gradcam');

  const [withFaithfulness, withSanity] = runs.slice(EXPLAIN_METHODS.length);
  const steps = withFaithfulness.explanations[0].faithfulness?.steps ?? 0;
  // Deletion and insertion curves of steps + 1 points each, for the map and for the random pixel order (chance level).
  const faithfulnessCalls = 4 * (steps + 1);
  const faithfulnessWarm = summarise(withFaithfulness.warm);
  const faithfulnessAdded = round(faithfulnessWarm.medianMs - gradCam.warm.medianMs);
  const deletion = median(withFaithfulness.explanations.map((e) => e.faithfulness?.deletionAuc ?? NaN));
  const insertion = median(withFaithfulness.explanations.map((e) => e.faithfulness?.insertionAuc ?? NaN));

  const sanityWarm = summarise(withSanity.warm);
  const rhos = withSanity.explanations.map((e) => e.sanity?.spearman).filter((rho): rho is number => typeof rho === 'number');
  const passed = withSanity.explanations.filter((e) => e.sanity?.passed === true).length;
  const sanityNote = withSanity.explanations.find((e) => e.sanity?.note)?.sanity?.note;

  return {
    model: name, input: floor.input, images: { count: files.length, source: images.source }, floorMsPer1000Calls: floor.msPer1000Calls, floorCpuMsPer1000Calls: floor.cpuMsPer1000Calls, methods,
    faithfulness: {
      coldMs: round(withFaithfulness.cold.wallMs), warm: faithfulnessWarm, addedMedianMs: faithfulnessAdded, addedModelCalls: faithfulnessCalls,
      addedCpuMs: round(faithfulnessWarm.cpuMedianMs - gradCam.warm.cpuMedianMs), addedMsPer1000Calls: round((faithfulnessAdded / faithfulnessCalls) * 1000),
      addedCpuMsPer1000Calls: round(((faithfulnessWarm.cpuMedianMs - gradCam.warm.cpuMedianMs) / faithfulnessCalls) * 1000),
      detail: `deletion + insertion, ${steps} steps; median deletion AUC ${deletion.toFixed(3)}, insertion AUC ${insertion.toFixed(3)}`,
    },
    sanity: {
      coldMs: round(withSanity.cold.wallMs), warm: sanityWarm, addedMedianMs: round(sanityWarm.medianMs - gradCam.warm.medianMs), addedCpuMs: round(sanityWarm.cpuMedianMs - gradCam.warm.cpuMedianMs),
      detail: `Grad-CAM on a copy with a randomised classifier; passed ${passed}/${files.length}, median Spearman ρ ${rhos.length > 0 ? median(rhos).toFixed(3) : 'n/a'}${sanityNote ? ` (${sanityNote})` : ''}`,
    },
    gradCamUnder100Ms: gradCam.warm.medianMs < 100,
    loadAverageBefore,
    loadAverageAfter: loadAverage(),
  };
}

/** The first `count` demo test images that decode (some demo files are deliberately damaged), or generated lesions. */
async function demoImages(count: number): Promise<{ files: string[]; source: string }> {
  if (existsSync(demoTestDir)) {
    const files: string[] = [];
    for (const name of (await fs.readdir(demoTestDir)).filter((n) => n.endsWith('.jpg')).sort()) {
      const file = path.join(demoTestDir, name);
      if (await sharp(file).raw().toBuffer().then(() => true, () => false)) files.push(file);
      if (files.length === count) return { files, source: 'demo/data/test (first that decode)' };
    }
  }
  await fs.mkdir(lesionDir, { recursive: true });
  const random = createRandom(20261201);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(lesionDir, `lesion_${String(i).padStart(3, '0')}.jpg`);
    const painted = paintLesionImage({ lesionClass: DEMO_CLASSES[i % DEMO_CLASSES.length], fitzpatrick: FITZPATRICK_TYPES[i % FITZPATRICK_TYPES.length], exposure: 1, noise: 2, size: 64 }, random);
    if (!existsSync(file)) await fs.writeFile(file, await encodeJpeg(painted.rgb, 64, 90));
    files.push(file);
  }
  return { files, source: 'generated with the demo painter into bench-data/explain-lesions' };
}

/** The MobileNet model and `count` images, made by exportMobileNet.py when missing; the reason when they cannot be. */
async function mobileNetImages(count: number): Promise<{ files: string[]; source: string } | string> {
  const list = async (): Promise<string[]> => (existsSync(mobileNetImageDir) ? (await fs.readdir(mobileNetImageDir)).filter((n) => n.endsWith('.jpg')).sort().slice(0, count) : []);
  if (!existsSync(mobileNetFile) || (await list()).length < count) {
    if (!existsSync(python)) return `${mobileNetFile} or its images are missing and ${python} does not exist to make them`;
    const script = path.join(root, 'scripts', 'bench', 'exportMobileNet.py');
    const run = spawnSync(python, [script, '--out', dataDir, '--n', String(Math.max(count, (await list()).length)), ...(existsSync(mobileNetFile) ? ['--skip-model'] : [])], { stdio: 'inherit' });
    if (run.status !== 0) return `${path.relative(root, script)} failed (exit ${String(run.status)})`;
  }
  return { files: (await list()).map((name) => path.join(mobileNetImageDir, name)), source: 'bench-data/inference-images (320×240 JPEG, stretched to 224×224)' };
}

/** Preprocessing of the exported MobileNet: 224×224 stretch, 1/255, ImageNet mean and std; its classes get index labels. */
const MOBILENET_CONFIG: ModelConfig = {
  preprocess: { width: 224, height: 224, resize: 'stretch', layout: 'NCHW', channels: 3, channelOrder: 'RGB', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], inputType: 'float32' },
};

function table(bench: ModelExplainBench): string {
  const lines = [
    `**${bench.model}** (${bench.input}; ${bench.images.count} images from ${bench.images.source}; load ${bench.loadAverageBefore} → ${bench.loadAverageAfter}; model alone ${bench.floorMsPer1000Calls} ms (CPU ${bench.floorCpuMsPer1000Calls} ms) per 1,000 calls)`, '',
    '| method | params | cold ms | warm median ms | warm p90 ms | CPU ms (median) | model calls / image | ms (CPU ms) per 1,000 calls |', '|---|---|---|---|---|---|---|---|',
  ];
  for (const m of bench.methods) {
    const name = m.ranAs === m.method ? m.method : `${m.method} → **${m.ranAs}** (fallback)`;
    const params = Object.entries(m.params).map(([k, v]) => `${k} ${v}`).join(', ') || 'defaults';
    lines.push(`| ${name} | ${params} | ${m.coldMs} | ${m.warm.medianMs} | ${m.warm.p90Ms} | ${m.warm.cpuMedianMs} | ${m.modelCallsPerImage} | ${m.msPer1000Calls !== undefined ? `${m.msPer1000Calls} (${m.cpuMsPer1000Calls})` : ''} |`);
  }
  for (const [label, a] of [['gradcam + faithfulness', bench.faithfulness], ['gradcam + sanity check', bench.sanity]] as const) {
    lines.push(`| ${label} | ${a.detail} | ${a.coldMs} | ${a.warm.medianMs} (+${a.addedMedianMs}) | ${a.warm.p90Ms} | ${a.warm.cpuMedianMs} (+${a.addedCpuMs}) | ${a.addedModelCalls !== undefined ? `+${a.addedModelCalls}` : ''} | ${a.addedMsPer1000Calls !== undefined ? `${a.addedMsPer1000Calls} (${a.addedCpuMsPer1000Calls})` : ''} |`);
  }
  for (const m of bench.methods.filter((x) => x.fallbackReason)) lines.push('', `${m.method} fell back to ${m.ranAs}: ${m.fallbackReason}`);
  const gradCam = bench.methods.find((m) => m.method === 'gradcam');
  lines.push('', `Grad-CAM under 100 ms (warm median): ${bench.gradCamUnder100Ms ? 'met' : 'not met'} (${gradCam?.warm.medianMs} ms, p90 ${gradCam?.warm.p90Ms} ms, cold ${gradCam?.coldMs} ms)`);
  return lines.join('\n');
}

/** Runs the explanation benchmark on both models and prints it; writes bench-data/explain-results.json. */
export async function runExplainBenchmark(options: ExplainBenchOptions = {}): Promise<void> {
  const demoCount = options.demoImages ?? 20;
  const mobileNetCount = options.mobileNetImages ?? 10;
  const samples = options.mobileNetSamples ?? 500;
  const started = process.hrtime.bigint();
  const loadAverageBefore = loadAverage();
  const models: ModelExplainBench[] = [];
  if (existsSync(demoModelFile)) {
    models.push(await benchModel('demo lesion-cnn', demoModelFile, undefined, await demoImages(demoCount), () => ({}), 2048));
  } else {
    console.log(`Explanation benchmark: ${path.relative(root, demoModelFile)} is missing; the demo model is skipped.`);
  }
  const mobileNet = await mobileNetImages(mobileNetCount);
  if (typeof mobileNet === 'string') {
    console.log(`Explanation benchmark: MobileNet skipped: ${mobileNet}.`);
  } else {
    const paramsFor = (method: ExplainMethod): Record<string, number | string> => (method === 'rise' ? { masks: samples } : method === 'lime' || method === 'shap' ? { samples } : {});
    models.push(await benchModel('mobilenet_v2 (random weights)', mobileNetFile, MOBILENET_CONFIG, mobileNet, paramsFor, 256));
  }
  const results = {
    machine: {
      cpus: os.availableParallelism(), cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version,
      onnxruntimeNode: (ort.env.versions as { node?: string }).node ?? 'unknown', sharp: sharp.versions.sharp,
      loadAverageBefore, loadAverageAfter: loadAverage(), totalSeconds: round(Number(process.hrtime.bigint() - started) / 1e9),
    },
    models,
  };
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(path.join(dataDir, 'explain-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(models.map(table).join('\n\n'));
  console.log(JSON.stringify(results.machine));
}
