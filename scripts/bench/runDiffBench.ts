// Run comparison on data the project did not make: the real MNIST test set (../shared/data/mnist) with an attribute
// measured from the images (ink: the digit's mean intensity above or below the median), audited twice with the real
// MNIST model — as published, and with another preprocessing (upscaled to 32 px, centre-cropped to 28: the digits
// zoomed) — then `diffRuns` paired (same images) and independent (forced), timed. Not a test: prints what it measured.
// Run: npx tsx scripts/bench/runDiffBench.ts [--replicates 1000]
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { auditPath } from '../../src/engine/audit';
import { renderDiffMarkdown } from '../../src/engine/report/diffMarkdown';
import { diffRuns } from '../../src/engine/runs/runDiff';
import { makeRunRecord } from '../../src/engine/runs/runRecord';
import { encodeGreyPng, readIdx } from '../../test/unit/model/idx';

const root = path.resolve(__dirname, '../..');
const mnist = path.resolve(root, '../shared/data/mnist');
const work = path.join(root, 'bench-data', 'runs-mnist');
const args = process.argv.slice(2);
const replicates = args.includes('--replicates') ? Number(args[args.indexOf('--replicates') + 1]) : 1000;

async function build(): Promise<string> {
  const data = path.join(work, 'data');
  if (existsSync(path.join(data, 'metadata.csv'))) return data;
  const images = readIdx(await fs.readFile(path.join(mnist, 't10k-images-idx3-ubyte.gz')));
  const labels = readIdx(await fs.readFile(path.join(mnist, 't10k-labels-idx1-ubyte.gz')));
  await fs.mkdir(data, { recursive: true });
  const ink: number[] = [];
  for (let i = 0; i < 10000; i++) {
    const pixels = images.data.subarray(i * 784, (i + 1) * 784);
    let sum = 0;
    for (const value of pixels) sum += value;
    ink.push(sum / 784);
    await fs.writeFile(path.join(data, `${String(i).padStart(5, '0')}.png`), encodeGreyPng(pixels, 28, 28));
  }
  const median = [...ink].sort((a, b) => a - b)[5000];
  const rows = ['file_name,label,ink'];
  for (let i = 0; i < 10000; i++) rows.push(`${String(i).padStart(5, '0')}.png,${labels.data[i]},${ink[i] >= median ? 'heavy' : 'light'}`);
  await fs.writeFile(path.join(data, 'metadata.csv'), `${rows.join('\n')}\n`);
  return data;
}

async function main(): Promise<void> {
  const data = await build();
  const model = path.join(mnist, 'mnist.onnx');
  const labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  const configs = {
    published: { attributes: ['ink'], thresholds: { explainErrorsPerGroup: 0, saliencyImagesPerCell: 0 }, models: [{ path: model, labels }] },
    zoomed: { attributes: ['ink'], thresholds: { explainErrorsPerGroup: 0, saliencyImagesPerCell: 0 }, models: [{ path: model, labels, preprocess: { width: 28, height: 28, resize: 'center-crop', resizeShorter: 32 } }] },
  };
  const runs = [];
  for (const [name, config] of Object.entries(configs)) {
    const file = path.join(work, `${name}.json`);
    await fs.writeFile(file, JSON.stringify(config));
    const started = Date.now();
    const result = await auditPath(data, { configFile: file, cacheDir: path.join(work, 'cache') });
    console.log(`audit '${name}': ${Date.now() - started} ms, accuracy ${result.models[0].overall?.accuracy.estimate}`);
    runs.push(makeRunRecord(result, { source: 'cli', label: name }));
  }
  let started = performance.now();
  const paired = diffRuns(runs[0], runs[1], { replicates });
  const pairedMs = performance.now() - started;
  const forced = structuredClone(runs[1]);
  forced.datasets[0].contentHash = 'changed';
  started = performance.now();
  const independent = diffRuns(runs[0], forced, { replicates });
  const independentMs = performance.now() - started;
  console.log(renderDiffMarkdown(paired).split('\n').slice(0, 40).join('\n'));
  const gap = (diff: typeof paired) => diff.models[0].reports[0].gaps.find((g) => g.rule === 'FF-M010');
  const accuracy = (diff: typeof paired) => diff.models[0].overall[0].change;
  console.log(JSON.stringify({
    images: paired.models[0].after.images, replicates,
    paired: { ms: Math.round(pairedMs), accuracyChange: accuracy(paired), accuracyGap: gap(paired) },
    independent: { ms: Math.round(independentMs), accuracyChange: accuracy(independent), accuracyGap: gap(independent) },
  }, null, 1));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
