// Gradient methods on full-size torchvision classifiers (exported with PyTorch's references by
// scripts/reference/fullSizeGradients.py into bench-data/gradient-models/): which run natively, how far Grad-CAM and the
// input gradient are from PyTorch autograd's after normalisation, and their cost against one plain forward pass.
// Not a test: prints a Markdown table and writes bench-data/gradient-bench.json.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { camMap, GradientSessionCache, integratedGradients, relevanceMap } from '../../src/engine/gradient/gradientExplain';
import { cpuSessionOptions } from '../../src/engine/model/ortSession';
import type { ModelSpec } from '../../src/engine/model/modelTypes';

const DIR = path.resolve(__dirname, '../../bench-data/gradient-models');

interface Reference {
  name: string;
  classIndex: number;
  input: string;
  camShape: [number, number];
  cam: string;
  inputGradient: string;
  pytorch: Record<string, number>;
}

function floats(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The largest difference between two maps, each divided by its largest absolute value. */
function normalisedDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let [a, e] = [1e-30, 1e-30];
  for (let i = 0; i < actual.length; i++) [a, e] = [Math.max(a, Math.abs(actual[i])), Math.max(e, Math.abs(expected[i]))];
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] / a - expected[i] / e));
  return worst;
}

/** ‖actual/‖actual‖ − expected/‖expected‖‖₂: the relative L2 distance of the two maps' directions. */
function relativeL2(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let [a, e] = [0, 0];
  for (let i = 0; i < actual.length; i++) [a, e] = [a + actual[i] ** 2, e + expected[i] ** 2];
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (actual[i] / Math.sqrt(a) - expected[i] / Math.sqrt(e)) ** 2;
  return Math.sqrt(sum);
}

async function bestOf(count: number, run: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let k = 0; k < count; k++) {
    const start = performance.now();
    await run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

const SPEC = {
  labels: [], inputName: 'input', outputName: 'logits', outputKind: 'logits', labelMap: {}, sources: {},
  preprocess: { width: 224, height: 224, channels: 3, layout: 'NCHW', resize: 'stretch', channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], inputType: 'float32' },
} as unknown as ModelSpec;

/** Runs the gradient benchmark over every exported model; `threads` ONNX Runtime threads (2 = the machine's cores). */
export async function runGradientBenchmark(threads = 2): Promise<void> {
  if (!existsSync(DIR)) {
    console.log(`No models in ${DIR}: run  nice -n 10 /usr/bin/python3 scripts/reference/fullSizeGradients.py  first.`);
    return;
  }
  const only = process.argv.slice(3);
  const names = (await fs.readdir(DIR)).filter((file) => file.endsWith('.json')).map((file) => file.slice(0, -5)).filter((name) => only.length === 0 || only.includes(name));
  const rows: Array<Record<string, string | number>> = [];
  console.log('| model | Grad-CAM | layer (H×W) | Grad-CAM vs PyTorch | input gradient vs PyTorch (max; L2) | forward ms | Grad-CAM ms (×fwd) | input gradient ms | PyTorch fwd / Grad-CAM / input grad ms |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const name of names) {
    const reference = JSON.parse(await fs.readFile(path.join(DIR, `${name}.json`), 'utf8')) as Reference;
    const bytes = await fs.readFile(path.join(DIR, `${name}.onnx`));
    const input = floats(reference.input);
    const cache = new GradientSessionCache(bytes, SPEC);
    const forward = await ort.InferenceSession.create(bytes, cpuSessionOptions(threads));
    const row: Record<string, string | number> = { name };
    try {
      const feeds = { input: new ort.Tensor('float32', input, [1, 3, 224, 224]) };
      await forward.run(feeds);
      row.forwardMs = await bestOf(3, () => forward.run(feeds));
      const { model, cam } = await cache.camGradients();
      const run = await model.run(input, reference.classIndex);
      const map = camMap(run.values.get(cam.name)?.data as Float32Array, run.gradients.get(cam.name)?.data as Float32Array, cam, 'gradcam');
      row.layer = `${cam.name} (${cam.height}×${cam.width})`;
      row.camDifference = normalisedDifference(map, floats(reference.cam));
      row.gradCamMs = await bestOf(3, () => model.run(input, reference.classIndex));
      const inputModel = await cache.inputGradients();
      const gradient = (await inputModel.run(input, reference.classIndex)).gradients.get('input');
      row.inputDifference = normalisedDifference(gradient?.data ?? [], floats(reference.inputGradient));
      row.inputL2 = relativeL2(gradient?.data ?? [], floats(reference.inputGradient));
      row.inputGradientMs = await bestOf(3, () => inputModel.run(input, reference.classIndex));
      if (name === 'resnet50' || name === 'vit_b_16') {
        const image = { input, pixels: new Uint8Array(3 * 224 * 224), width: 224, height: 224, channels: 3 as const };
        row.integratedGradients32Ms = await bestOf(1, () => integratedGradients(cache, image, { classIndex: reference.classIndex, steps: 32 }));
      }
      if (name === 'resnet50' || name === 'vgg11_bn') {
        const image = { input, pixels: new Uint8Array(3 * 224 * 224), width: 224, height: 224, channels: 3 as const };
        const options = { rule: 'epsilon' as const, classIndex: reference.classIndex, inputBounds: { low: [-1, -1, -1], high: [1, 1, 1] } };
        row.lrpFirstMs = await bestOf(1, () => relevanceMap(cache, image, options));
        row.lrpMs = await bestOf(3, () => relevanceMap(cache, image, options));
        row.lrpConservation = Number((await relevanceMap(cache, image, options)).params.conservation);
      }
      row.status = 'native';
    } catch (error) {
      row.status = `fails: ${(error as Error).message.split('\n')[0]}`;
    } finally {
      await cache.dispose();
      await forward.release();
    }
    rows.push({ ...row, pytorch: JSON.stringify(reference.pytorch) });
    const f = (v: unknown, digits = 0): string => (typeof v === 'number' ? v.toFixed(digits) : '–');
    const e = (v: unknown): string => (typeof v === 'number' ? v.toExponential(1) : '–');
    const p = reference.pytorch;
    console.log(`| ${name} | ${row.status} | ${row.layer ?? '–'} | ${e(row.camDifference)} | ${e(row.inputDifference)}; ${e(row.inputL2)} | ${f(row.forwardMs)} | ${f(row.gradCamMs)} (${typeof row.gradCamMs === 'number' ? ((row.gradCamMs as number) / (row.forwardMs as number)).toFixed(2) : '–'}×) | ${f(row.inputGradientMs)} | ${f(p.forwardMs)} / ${f(p.gradCamMs)} / ${f(p.inputGradientMs)} |`);
    if (row.lrpMs !== undefined) console.log(`<!-- ${name}: LRP-ε (zB input) ${f(row.lrpMs)} ms (first call, building the graph: ${f(row.lrpFirstMs)} ms), conservation ${f(row.lrpConservation, 3)} -->`);
    if (row.integratedGradients32Ms !== undefined) console.log(`<!-- ${name}: Integrated Gradients 32 steps ${f(row.integratedGradients32Ms)} ms; PyTorch ${f(p.integratedGradients32Ms)} ms -->`);
  }
  await fs.writeFile(path.resolve(DIR, '..', 'gradient-bench.json'), JSON.stringify(rows, null, 1));
}

if (require.main === module) void runGradientBenchmark(Number(process.argv[2] ?? 2));
