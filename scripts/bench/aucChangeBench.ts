// Cost of the ROC AUC change interval of `fairframe diff` (src/engine/runs/aucChange.ts): seeded synthetic scores,
// binary and three classes, 1,000 paired replicates, at 1,000 and 10,000 images. Not a test: prints what it measured.
// Run: npx tsx scripts/bench/aucChangeBench.ts [--replicates 1000]
import { mulberry32 } from '../../src/engine/metrics/seededRandom';
import { aucChangeSteps } from '../../src/engine/runs/aucChange';
import { drainSteps } from '../../src/engine/runs/changeBootstrap';

const args = process.argv.slice(2);
const replicates = args.includes('--replicates') ? Number(args[args.indexOf('--replicates') + 1]) : 1000;

/** n images over k classes: each row puts extra weight `signal` on the true class, then normalises. */
function side(n: number, k: number, signal: number, seed: number): { labels: Int32Array; rows: number[][] } {
  const random = mulberry32(seed);
  const labels = new Int32Array(n);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    labels[i] = i % k;
    const row = Array.from({ length: k }, (_, c) => random() + (c === labels[i] ? signal : 0));
    const sum = row.reduce((a, b) => a + b, 0);
    rows.push(row.map((value) => value / sum));
  }
  return { labels, rows };
}

for (const k of [2, 3]) {
  for (const n of [1000, 10000]) {
    const before = side(n, k, 0.3, 1);
    const after = { labels: before.labels, rows: side(n, k, 0.5, 2).rows };
    const started = performance.now();
    const result = drainSteps(aucChangeSteps(before, after, k, 'paired', { replicates, seed: 7, level: 0.95 }));
    const ms = performance.now() - started;
    console.log(JSON.stringify({ classes: k, images: n, replicates, ms: Math.round(ms), before: result.before, after: result.after, change: [result.change.lower, result.change.upper] }));
  }
}
