// Cost of audits from predictions files and of the threshold mitigation, without images: reading a 100,000-row
// predictions file (CSV probabilities, JSONL logits), matching its rows to 100,000 records, fitting per-group thresholds
// on 100,000 scores, and the before/after table (1,000 bootstrap replicates) on 10,000 images. Median of --repeats runs.
// Not a test: prints a Markdown table. Usage: npx tsx scripts/bench/predictionsBench.ts [--rows 100000] [--repeats 3]
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../src/engine/metrics';
import { beforeAfter } from '../../src/engine/mitigation/thresholdMitigation';
import { fitThresholds, type ThresholdConstraint } from '../../src/engine/mitigation/thresholdOptimizer';
import { matchPredictionRows } from '../../src/engine/predictions/matchPredictions';
import { readPredictionsFile } from '../../src/engine/predictions/predictionsFile';
import type { DatasetRecord } from '../../src/engine/types';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const ROWS = option('--rows', 100_000);
const REPEATS = option('--repeats', 3);
const CLASSES = Array.from({ length: 10 }, (_, i) => `class_${i}`);

async function timed(run: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const started = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-predictions-bench-'));
  const random = mulberry32(1);
  const csvLines = [`path,${CLASSES.join(',')}`];
  const jsonLines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const raw = CLASSES.map(() => random());
    const sum = raw.reduce((a, b) => a + b, 0);
    csvLines.push(`${CLASSES[i % 10]}/img_${i}.png,${raw.map((v) => (v / sum).toFixed(6)).join(',')}`);
    jsonLines.push(JSON.stringify({ path: `${CLASSES[i % 10]}/img_${i}.png`, logits: Object.fromEntries(CLASSES.map((c, k) => [c, Math.log(raw[k])])) }));
  }
  const csv = path.join(dir, 'preds.csv');
  const jsonl = path.join(dir, 'preds.jsonl');
  await fs.writeFile(csv, `${csvLines.join('\n')}\n`);
  await fs.writeFile(jsonl, `${jsonLines.join('\n')}\n`);
  const records: DatasetRecord[] = Array.from({ length: ROWS }, (_, i) => {
    const relPath = `${CLASSES[i % 10]}/img_${i}.png`;
    return { id: String(i), path: path.join('/data', relPath), relPath, label: CLASSES[i % 10], attributes: {}, source: { file: '/data/m.csv' } };
  });
  const table = await readPredictionsFile(csv, { datasetLabels: CLASSES });
  const rows: string[] = [];
  const row = (what: string, ms: number, n: number): void => {
    rows.push(`| ${what} | ${ms.toFixed(0)} | ${Math.round((n / ms) * 1000).toLocaleString('en-US')} |`);
  };
  row(`read ${ROWS.toLocaleString('en-US')}-row CSV (10 probability columns, ${((await fs.stat(csv)).size / 1e6).toFixed(1)} MB)`, await timed(() => readPredictionsFile(csv, { datasetLabels: CLASSES })), ROWS);
  row(`read ${ROWS.toLocaleString('en-US')}-row JSONL (logits object, softmax)`, await timed(() => readPredictionsFile(jsonl, { datasetLabels: CLASSES })), ROWS);
  row(`match ${ROWS.toLocaleString('en-US')} rows to ${ROWS.toLocaleString('en-US')} records`, await timed(() => matchPredictionRows(table.rows, records, '/data', dir)), ROWS);
  const scores = Array.from({ length: ROWS }, () => random());
  const labels = scores.map((s) => (random() < s ? 1 : 0));
  const groups = scores.map((_, i) => ['a', 'b', 'c', 'd'][i % 4]);
  for (const constraint of ['demographic_parity', 'equal_opportunity', 'equalized_odds'] as ThresholdConstraint[]) {
    row(`fit thresholds, ${constraint}, ${ROWS.toLocaleString('en-US')} scores, 4 groups`, await timed(() => fitThresholds(scores, labels, groups, { constraint })), ROWS);
  }
  const n = Math.min(10_000, ROWS);
  const before = scores.slice(0, n).map((s) => (s > 0.5 ? 1 : 0));
  const after = scores.slice(0, n).map((s) => (s > 0.4 ? 1 : 0));
  row(`before/after table, ${n.toLocaleString('en-US')} images, 1,000 replicates (+ paired)`, await timed(() => beforeAfter(labels.slice(0, n), before, after, groups.slice(0, n), { replicates: 1000, level: 0.95, seed: 1 })), n);
  await fs.rm(dir, { recursive: true, force: true });
  process.stdout.write(`Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, median of ${REPEATS}\n\n| step | ms | rows/s |\n|---|---:|---:|\n${rows.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
