// How often one model audit with explanations parses the model, and how long it takes: the demo dataset (scanned
// once beforehand, cached) and the demo model, audited in this process with no prediction or explanation cache.
// Counts every protobuf decode of a ModelProto, every encode, and every ONNX Runtime session created (each one
// parses and optimises the bytes again). Not a test: prints a table and writes bench-data/model-handle.json.
// With --model <file.onnx>: the same counts for one Explainer on that model (no dataset): Grad-CAM with the sanity check,
// gradient × input and Integrated Gradients (4 steps) on one generated image, the model's settings from its input shape.
// Usage: npx tsx scripts/bench/modelHandleBench.ts [--repeats 3] [--model file.onnx]
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { loadConfigNear } from '../../src/engine/config/config';
import { discoverDatasets } from '../../src/engine/dataset/discover';
import { loadDataset } from '../../src/engine/dataset/loadDataset';
import { auditDataset } from '../../src/engine/audit';
import { auditModel } from '../../src/engine/modelAudit/modelAudit';
import { Explainer } from '../../src/engine/explain/explainer';
import sharp from 'sharp';

const ROOT = path.resolve(__dirname, '../..');

interface Counts {
  decodes: number;
  decodedBytes: number;
  encodes: number;
  sessions: number;
  sessionMs: number;
}

const counts: Counts = { decodes: 0, decodedBytes: 0, encodes: 0, sessions: 0, sessionMs: 0 };

/** Wraps the three entry points that parse a model, so both the old and the new code are counted the same way. */
function instrument(): void {
  const decode = onnx.ModelProto.decode.bind(onnx.ModelProto);
  onnx.ModelProto.decode = ((reader: Uint8Array, length?: number) => {
    counts.decodes++;
    counts.decodedBytes += reader.length;
    return decode(reader, length);
  }) as typeof onnx.ModelProto.decode;
  const encode = onnx.ModelProto.encode.bind(onnx.ModelProto);
  onnx.ModelProto.encode = ((message: onnx.IModelProto, writer?: unknown) => {
    counts.encodes++;
    return encode(message, writer as never);
  }) as typeof onnx.ModelProto.encode;
  const create = ort.InferenceSession.create.bind(ort.InferenceSession) as (...args: unknown[]) => Promise<ort.InferenceSession>;
  (ort.InferenceSession as unknown as { create: unknown }).create = async (...args: unknown[]): Promise<ort.InferenceSession> => {
    counts.sessions++;
    const start = performance.now();
    try {
      return await create(...args);
    } finally {
      counts.sessionMs += performance.now() - start;
    }
  };
}

async function main(): Promise<void> {
  const repeatsAt = process.argv.indexOf('--repeats');
  const repeats = repeatsAt > 0 ? Number(process.argv[repeatsAt + 1]) : 3;
  const modelAt = process.argv.indexOf('--model');
  const explicitModel = modelAt > 0 ? path.resolve(process.argv[modelAt + 1]) : undefined;
  const dataDir = path.join(ROOT, 'demo/data');
  const modelFile = path.join(ROOT, 'models/demo/lesion-cnn.onnx');
  if (!existsSync(dataDir)) throw new Error('Generate the demo first: npm run build && node dist/demo.js --out demo');
  const scanCache = path.join(ROOT, 'bench-data/model-handle-scan-cache');
  const config = await loadConfigNear(dataDir);
  const [ref] = await discoverDatasets(dataDir, config, {});
  const dataset = await loadDataset(ref, config, {});
  const { scans } = explicitModel ? { scans: new Map() } : await auditDataset(dataset, config, { cacheDir: scanCache });
  const auditOnce = async (): Promise<{ explained: number; sanityImages: number }> => {
    const { audit } = await auditModel({ file: modelFile }, dataset, scans, config, {});
    if (audit.status !== 'ok') throw new Error(`audit failed: ${audit.reason}`);
    return { explained: audit.explanations?.errors.length ?? 0, sanityImages: audit.explanations?.sanity?.images ?? 0 };
  };
  instrument();
  const runs: Array<Counts & { ms: number; cpuMs: number; explained: number; sanityImages: number }> = [];
  for (let k = 0; k < repeats; k++) {
    Object.assign(counts, { decodes: 0, decodedBytes: 0, encodes: 0, sessions: 0, sessionMs: 0 });
    const cpu = process.cpuUsage();
    const start = performance.now();
    const { explained, sanityImages } = explicitModel ? await explainOnly(explicitModel) : await auditOnce();
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    runs.push({ ...counts, ms, cpuMs, explained, sanityImages });
    console.log(`run ${k + 1}: ${ms.toFixed(0)} ms (CPU ${cpuMs.toFixed(0)} ms), ${counts.decodes} decodes (${(counts.decodedBytes / 1e6).toFixed(1)} MB), ${counts.encodes} encodes, ${counts.sessions} ORT sessions (${counts.sessionMs.toFixed(0)} ms creating them)`);
  }
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`\n| measure | value |\n|---|---|`);
  console.log(`| model audit with explanations (median of ${repeats}, best) | ${median.ms.toFixed(0)} ms (${sorted[0].ms.toFixed(0)} ms) |`);
  console.log(`| ModelProto decodes / encodes | ${median.decodes} / ${median.encodes} |`);
  console.log(`| ONNX Runtime sessions created (time creating them) | ${median.sessions} (${median.sessionMs.toFixed(0)} ms) |`);
  console.log(`| explained errors / sanity-checked | ${median.explained} / ${median.sanityImages} |`);
  const out = path.join(ROOT, 'bench-data/model-handle.json');
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, load: os.loadavg() }, runs }, null, 2));
}

/** One Explainer on `file`: Grad-CAM with the sanity check, gradient × input and Integrated Gradients (4 steps). */
async function explainOnly(file: string): Promise<{ explained: number; sanityImages: number }> {
  const explainer = await Explainer.open(file);
  try {
    const { width, height } = explainer.spec.preprocess;
    const image = await sharp({ create: { width, height, channels: 3, background: { r: 120, g: 90, b: 60 } } }).png().toBuffer();
    const gradcam = await explainer.explain(image, { method: 'gradcam', sanity: true });
    await explainer.explain(image, { method: 'gradient-input' });
    await explainer.explain(image, { method: 'integrated-gradients', params: { steps: 4 } });
    return { explained: 3, sanityImages: gradcam.sanity?.spearman !== undefined ? 1 : 0 };
  } finally {
    await explainer.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
