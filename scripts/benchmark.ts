// `npm run bench`: scan throughput against raw sharp decoding of the same files, near-duplicate search time, model
// inference (scripts/bench/inferenceBench.ts) and explanation latency (scripts/bench/explainBench.ts). Not a test: prints
// Markdown tables and writes bench-data/*.json.
// `npm run bench -- --only scan`, `--only inference`, `--only explain`, `--only gradient` (scripts/bench/gradientBench.ts), `--only robustness` (scripts/bench/robustnessBench.ts),
// `--only shift` (scripts/bench/shiftBench.ts: the MMD test at 10,000 embeddings; `--shift-exact-permutations 20`) or `--only extension` runs one part; `--inference-n 512`,
// `--inference-repeats 3`, `--experiments`; `--explain-demo-n 20`, `--explain-mobilenet-n 10`, `--explain-samples 500`;
// `--extension-sessions 3`, `--extension-hovers 20`, `--dashboard-repeats 5` (scripts/bench/extensionBench.ts);
// `--only scale` (scripts/bench/scaleBench.ts: a 1M-row --no-decode audit, label issues and bootstrap at 10k–1M, shards and merge).
import { promises as fs, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { scanDataset, defaultScanConcurrency } from '../src/engine/scan/scanDataset';
import { HammingIndex } from '../src/engine/hash/hammingIndex';
import { runExplainBenchmark } from './bench/explainBench';
import { runGradientBenchmark } from './bench/gradientBench';
import { runShiftBenchmark } from './bench/shiftBench';
import { runExtensionBenchmark } from './bench/extensionBench';
import { runInferenceBenchmark } from './bench/inferenceBench';
import { runRobustnessBenchmark } from './bench/robustnessBench';
import { runJpegBenchmark, runScaleBenchmark } from './bench/scaleBench';
import type { Dataset } from '../src/engine/types';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--n') + 1]) > 0 && args.includes('--n') ? Number(args[args.indexOf('--n') + 1]) : 5000;
const WIDTH = 320;
const HEIGHT = 240;
const root = path.resolve(__dirname, '..');
const dataDir = path.join(root, 'bench-data', `scan-${N}-${WIDTH}x${HEIGHT}`);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function generate(): Promise<string[]> {
  const files = Array.from({ length: N }, (_, i) => path.join(dataDir, `img_${String(i).padStart(5, '0')}.jpg`));
  if (existsSync(path.join(dataDir, 'complete'))) return files;
  await fs.mkdir(dataDir, { recursive: true });
  const random = mulberry32(42);
  for (let i = 0; i < N; i++) {
    const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
    const [r, g, b] = [random() * 255, random() * 255, random() * 255];
    const cx = random() * WIDTH;
    const cy = random() * HEIGHT;
    const radius = 20 + random() * 80;
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        const inside = (x - cx) ** 2 + (y - cy) ** 2 < radius ** 2;
        const noise = (random() - 0.5) * 40;
        const o = (y * WIDTH + x) * 3;
        pixels[o] = Math.max(0, Math.min(255, (inside ? 255 - r : r) * (0.6 + (0.4 * x) / WIDTH) + noise));
        pixels[o + 1] = Math.max(0, Math.min(255, (inside ? 255 - g : g) + noise));
        pixels[o + 2] = Math.max(0, Math.min(255, (inside ? 255 - b : b) * (0.6 + (0.4 * y) / HEIGHT) + noise));
      }
    }
    await sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 85 }).toFile(files[i]);
  }
  await fs.writeFile(path.join(dataDir, 'complete'), '');
  return files;
}

async function rawDecode(files: string[]): Promise<number> {
  const concurrency = defaultScanConcurrency();
  const previous = sharp.concurrency();
  sharp.concurrency(1);
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < files.length) {
      const file = files[next++];
      await sharp(file).raw().toBuffer();
    }
  }));
  sharp.concurrency(previous);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function datasetOf(files: string[]): Dataset {
  return {
    name: 'bench', root: dataDir, format: 'imagefolder', records: files.map((file) => ({
      id: path.basename(file), path: file, relPath: path.basename(file), label: 'x', attributes: {}, source: { file },
    })), attributes: [], columns: [], loadIssues: [],
  };
}

async function scan(files: string[], cacheDir?: string): Promise<{ seconds: number; decoded: number; cacheHits: number }> {
  const started = process.hrtime.bigint();
  const result = await scanDataset(datasetOf(files), { maxPixels: 1e8, cacheDir });
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, decoded: result.stats.decoded, cacheHits: result.stats.cacheHits };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function scanBenchmark(): Promise<void> {
  const files = await generate();
  let bytes = 0;
  for (const file of files) bytes += (await fs.stat(file)).size;
  await rawDecode(files.slice(0, 200)); // warm the page cache and the libraries
  const rawTimes: number[] = [];
  const scanTimes: number[] = [];
  for (let round = 0; round < 3; round++) {
    rawTimes.push(await rawDecode(files));
    scanTimes.push((await scan(files)).seconds);
  }
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-bench-cache-'));
  const cold = await scan(files, cacheDir);
  const warm = await scan(files, cacheDir);
  await fs.rm(cacheDir, { recursive: true, force: true });

  const random = mulberry32(7);
  const hex = (): string => Array.from({ length: 16 }, () => Math.floor(random() * 16).toString(16)).join('');
  const hashes = Array.from({ length: 100_000 }, hex);
  let started = process.hrtime.bigint();
  const index = HammingIndex.build(hashes);
  const found = index.pairsWithin(4);
  const indexSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sample = hashes.slice(0, 10_000);
  started = process.hrtime.bigint();
  const brutePairs = HammingIndex.build(sample).pairsWithin(4, { method: 'brute-force' }).pairs.length;
  const bruteSeconds10k = Number(process.hrtime.bigint() - started) / 1e9;

  const raw = median(rawTimes);
  const scanned = median(scanTimes);
  const results = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, sharp: sharp.versions.sharp, concurrency: defaultScanConcurrency() },
    images: { count: files.length, size: `${WIDTH}x${HEIGHT}`, format: 'jpeg q85', totalMB: +(bytes / 1e6).toFixed(1) },
    rawDecode: { seconds: rawTimes, imagesPerSecond: +(files.length / raw).toFixed(0) },
    scan: { seconds: scanTimes, imagesPerSecond: +(files.length / scanned).toFixed(0), ratioToRawDecode: +(scanned / raw).toFixed(2) },
    scanWithCache: { coldImagesPerSecond: +(files.length / cold.seconds).toFixed(0), warmImagesPerSecond: +(files.length / warm.seconds).toFixed(0), warmDecoded: warm.decoded, warmCacheHits: warm.cacheHits },
    nearDuplicates: { hashes: 100_000, radius: 4, seconds: +indexSeconds.toFixed(3), pairs: found.pairs.length, comparisons: found.comparisons, method: found.method,
      bruteForce10kSeconds: +bruteSeconds10k.toFixed(2), bruteForce10kPairs: brutePairs, bruteForce100kExtrapolatedSeconds: +(bruteSeconds10k * 100).toFixed(0) },
  };
  await fs.writeFile(path.join(root, 'bench-data', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`| measure | value |\n|---|---|
| images | ${files.length} JPEG ${WIDTH}×${HEIGHT} q85, ${results.images.totalMB} MB |
| raw sharp decode (median of 3) | ${results.rawDecode.imagesPerSecond} images/s |
| Fairframe scan, no cache (median of 3) | ${results.scan.imagesPerSecond} images/s (${results.scan.ratioToRawDecode}× the raw decode time) |
| scan with cache: first / second run | ${results.scanWithCache.coldImagesPerSecond} / ${results.scanWithCache.warmImagesPerSecond} images/s (second run decoded ${warm.decoded}) |
| near duplicates, 100,000 hashes, radius 4 | ${results.nearDuplicates.seconds} s, ${found.pairs.length} pairs, ${found.comparisons} comparisons (${found.method}) |
| brute force, 10,000 hashes | ${results.nearDuplicates.bruteForce10kSeconds} s (×100 extrapolated to 100,000: ~${results.nearDuplicates.bruteForce100kExtrapolatedSeconds} s) |`);
  console.log(JSON.stringify(results.machine));
}

const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

async function main(): Promise<void> {
  const only = option('--only');
  if (only !== undefined && !['scan', 'inference', 'explain', 'gradient', 'extension', 'robustness', 'shift', 'scale'].includes(only)) throw new Error(`--only takes 'scan', 'inference', 'explain', 'gradient', 'extension', 'robustness', 'shift' or 'scale', not '${only}'.`);
  // Not part of the default run (it generates a million files): `--only scale [--scale-records N] [--scale-sizes 10000,100000,1000000] [--scale-shards 4]
  // [--scale-image-bootstrap-limit 100000]` (the image-by-image bootstrap, for comparison, at sizes up to the limit);
  // `--only scale --scale-jpegs 60000` runs the JPEG dataset audit instead.
  if (only === 'scale' && option('--scale-jpegs') !== undefined) {
    await runJpegBenchmark(Number(option('--scale-jpegs')));
    return;
  }
  if (only === 'scale') {
    await runScaleBenchmark({
      records: Number(option('--scale-records') ?? 1_000_000),
      sizes: (option('--scale-sizes') ?? '10000,100000,1000000').split(',').map(Number),
      shards: Number(option('--scale-shards') ?? 4),
      imageBootstrapLimit: Number(option('--scale-image-bootstrap-limit') ?? 100_000),
    });
    return;
  }
  if (only === undefined || only === 'scan') await scanBenchmark();
  if (only === undefined || only === 'inference') {
    await runInferenceBenchmark({ images: Number(option('--inference-n') ?? 512), repeats: Number(option('--inference-repeats') ?? 3), experiments: args.includes('--experiments') });
  }
  if (only === undefined || only === 'explain') {
    await runExplainBenchmark({ demoImages: Number(option('--explain-demo-n') ?? 20), mobileNetImages: Number(option('--explain-mobilenet-n') ?? 10), mobileNetSamples: Number(option('--explain-samples') ?? 500) });
  }
  if (only === undefined || only === 'gradient') await runGradientBenchmark();
  if (only === undefined || only === 'robustness') await runRobustnessBenchmark();
  if (only === undefined || only === 'shift') await runShiftBenchmark({ exactPermutations: option('--shift-exact-permutations') ? Number(option('--shift-exact-permutations')) : undefined });
  if (only === undefined || only === 'extension') {
    await runExtensionBenchmark({ sessions: Number(option('--extension-sessions') ?? 3), hovers: Number(option('--extension-hovers') ?? 20), dashboardRepeats: Number(option('--dashboard-repeats') ?? 5) });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
