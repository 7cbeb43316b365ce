// Robustness costs: the corruption sweep (8 corruptions × 5 severities through the inference pipeline, no cache) in
// images per second against plain inference of the same images with the same model, and PGD iterations per second
// (one iteration = the loss gradient through the model's gradient graph: a forward run for the probabilities and a
// gradient run, plus the projected step). Not a test: prints Markdown tables and writes bench-data/robustness-bench.json.
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { GradientSessionCache } from '../../src/engine/gradient/gradientExplain';
import { mulberry32 } from '../../src/engine/metrics/seededRandom';
import { ModelHandle } from '../../src/engine/model/modelHandle';
import { runInference, type InferenceItem } from '../../src/engine/model/inferenceRunner';
import type { ModelSpec } from '../../src/engine/model/modelTypes';
import { resolveModelSpec } from '../../src/engine/model/modelSpec';
import { preprocessImage } from '../../src/engine/model/preprocess';
import { argmax } from '../../src/engine/model/softmax';
import { DEFAULT_ATTACK_SETTINGS, PixelSpace, pgd } from '../../src/engine/robustness/attacks';
import { conditionKey, CORRUPTIONS, corruptPixels, imageSeed, SEVERITIES } from '../../src/engine/robustness/corruptions';

const ROOT = path.resolve(__dirname, '../..');

/** N synthetic 64×64 lesion-like JPEGs (a dark ellipse on a skin-coloured, noisy background), made once. */
async function images(n: number): Promise<string[]> {
  const dir = path.join(ROOT, 'bench-data', `robustness-${n}-64`);
  const files = Array.from({ length: n }, (_, i) => path.join(dir, `img_${String(i).padStart(4, '0')}.jpg`));
  if (existsSync(path.join(dir, 'complete'))) return files;
  await fs.mkdir(dir, { recursive: true });
  const random = mulberry32(14);
  for (const file of files) {
    const pixels = Buffer.alloc(64 * 64 * 3);
    const [cx, cy, rx, ry] = [20 + random() * 24, 20 + random() * 24, 6 + random() * 12, 6 + random() * 12];
    const skin = [150 + random() * 90, 100 + random() * 80, 80 + random() * 70];
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1;
        for (let c = 0; c < 3; c++) pixels[(y * 64 + x) * 3 + c] = Math.max(0, Math.min(255, (inside ? skin[c] * 0.45 : skin[c]) + (random() - 0.5) * 30));
      }
    }
    await sharp(pixels, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
  }
  await fs.writeFile(path.join(dir, 'complete'), '');
  return files;
}

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function runRobustnessBenchmark(n = 512, pgdImages = 32): Promise<void> {
  const files = await images(n);
  const items: InferenceItem[] = files.map((file, i) => ({ recordId: String(i), path: file, contentHash: `bench-${i}` }));
  const modelFile = path.join(ROOT, 'models/demo/lesion-cnn.onnx');
  const handle = ModelHandle.fromBytes(await fs.readFile(modelFile), modelFile);
  const spec: ModelSpec = resolveModelSpec(handle.info(), { model: handle.model(), datasetLabels: [] });
  const results: Record<string, unknown> = { machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`, images: n };
  try {
    await runInference({ modelBytes: handle, spec, items: items.slice(0, 32) }); // warm-up: session creation
    const plain = await seconds(() => runInference({ modelBytes: handle, spec, items }));
    const perCorruption: Record<string, number> = {};
    let sweep = 0;
    for (const corruption of CORRUPTIONS) {
      let total = 0;
      for (const severity of SEVERITIES) {
        const condition = { corruption, severity };
        total += await seconds(() => runInference({
          modelBytes: handle, spec, items,
          pixelTransform: { key: conditionKey(condition), apply: (pixels, image) => corruptPixels(pixels, condition, imageSeed(1, image.contentHash, conditionKey(condition))) },
        }));
      }
      perCorruption[corruption] = total;
      sweep += total;
    }
    const conditions = CORRUPTIONS.length * SEVERITIES.length;
    console.log(`\n### Corruption sweep (lesion-cnn.onnx, ${n} images 64×64, no cache)\n`);
    console.log('| run | seconds | images/s | × plain time per image |');
    console.log('|---|---:|---:|---:|');
    console.log(`| plain inference | ${plain.toFixed(2)} | ${(n / plain).toFixed(0)} | 1.00 |`);
    for (const corruption of CORRUPTIONS) console.log(`| ${corruption} (5 severities) | ${perCorruption[corruption].toFixed(2)} | ${((5 * n) / perCorruption[corruption]).toFixed(0)} | ${(perCorruption[corruption] / 5 / plain).toFixed(2)} |`);
    console.log(`| **whole sweep** (${conditions} conditions) | ${sweep.toFixed(2)} | ${((conditions * n) / sweep).toFixed(0)} | ${(sweep / conditions / plain).toFixed(2)} |`);
    Object.assign(results, { plainSeconds: plain, sweepSeconds: sweep, perCorruption });

    // PGD: ε far below any flip so that no run stops early: exactly `pgdSteps` iterations per image.
    const pgdRows: Array<Record<string, number | string>> = [];
    const pgdModels: Array<{ name: string; bytes: Uint8Array | ModelHandle; spec: ModelSpec; inputs: Float32Array[] }> = [
      { name: 'lesion-cnn.onnx (61k parameters, 3×64×64)', bytes: handle, spec, inputs: await Promise.all(files.slice(0, pgdImages).map(async (file) => (await preprocessImage(file, spec.preprocess)) as Float32Array)) },
    ];
    const fgsmModel = path.join(ROOT, 'test/fixtures/robustness/fgsm-cnn.onnx');
    const smallSpec = { ...spec, inputName: 'input', outputName: 'logits', labels: ['a', 'b', 'c', 'd'], preprocess: { ...spec.preprocess, width: 16, height: 16, mean: [0.5, 0.45, 0.4], std: [0.25, 0.2, 0.3] } } as ModelSpec;
    pgdModels.push({ name: 'fgsm-cnn.onnx (test CNN, 3×16×16)', bytes: await fs.readFile(fgsmModel), spec: smallSpec, inputs: await Promise.all(Array.from({ length: pgdImages }, (_, i) => preprocessImage(path.join(ROOT, `test/fixtures/robustness/fgsm-${String(i % 12).padStart(2, '0')}.png`), smallSpec.preprocess) as Promise<Float32Array>)) });
    console.log(`\n### PGD iterations per second (${DEFAULT_ATTACK_SETTINGS.pgdSteps} steps per image, ${pgdImages} images, batch 1)\n`);
    console.log('| model | iterations | seconds | iterations/s | plain forward runs/s |');
    console.log('|---|---:|---:|---:|---:|');
    for (const entry of pgdModels) {
      const cache = new GradientSessionCache(entry.bytes, entry.spec);
      try {
        const model = await cache.inputGradients();
        const space = new PixelSpace(entry.spec.preprocess);
        const random = mulberry32(1);
        await pgd(model, space, entry.inputs[0], 0, 1e-6, DEFAULT_ATTACK_SETTINGS, 'logits', random); // warm-up
        let iterations = 0;
        const time = await seconds(async () => {
          for (const input of entry.inputs) {
            const label = argmax((await model.run(input, 0)).score.data);
            const outcome = await pgd(model, space, input, label, 1e-6, DEFAULT_ATTACK_SETTINGS, 'logits', random);
            if (!outcome.fooled) iterations += DEFAULT_ATTACK_SETTINGS.pgdSteps;
          }
        });
        const { handle: forwardHandle, owned } = ModelHandle.of(entry.bytes);
        const session = await forwardHandle.session();
        const ort = await import('onnxruntime-node');
        const dims = [1, entry.spec.preprocess.channels, entry.spec.preprocess.height, entry.spec.preprocess.width];
        const forward = await seconds(async () => {
          for (let k = 0; k < 200; k++) await session.run({ [entry.spec.inputName]: new ort.Tensor('float32', entry.inputs[k % entry.inputs.length], dims) });
        });
        if (owned) await forwardHandle.dispose();
        console.log(`| ${entry.name} | ${iterations} | ${time.toFixed(2)} | ${(iterations / time).toFixed(0)} | ${(200 / forward).toFixed(0)} |`);
        pgdRows.push({ model: entry.name, iterations, seconds: time, iterationsPerSecond: iterations / time, forwardPerSecond: 200 / forward });
      } finally {
        await cache.dispose();
      }
    }
    results.pgd = pgdRows;
    console.log(`\n${String(results.machine)}`);
    await fs.writeFile(path.join(ROOT, 'bench-data', 'robustness-bench.json'), JSON.stringify(results, null, 2));
  } finally {
    await handle.dispose();
  }
}
