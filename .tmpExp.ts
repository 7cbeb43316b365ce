import { readFileSync } from 'node:fs';
import { findLabelIssues, averagePrecisionScore } from './src/engine/labels';
import { expectedCalibrationError } from './src/engine/metrics';
import { mulberry32 } from './src/engine/metrics';
const { labels, probs } = JSON.parse(readFileSync('/tmp/mnist_probs.json', 'utf8')) as { labels: number[]; probs: number[][] };
function run(name: string, given: number[], p: number[][], flips: Set<number>, k: number): void {
  const r = findLabelIssues(given, p, k);
  const n = given.length;
  let correct = 0;
  p.forEach((row, i) => { let b = 0; for (let j = 1; j < k; j++) if (row[j] > row[b]) b = j; if (b === given[i]) correct++; });
  const e = 1 - correct / n;
  const ece = expectedCalibrationError(given, p).ece;
  const ap = averagePrecisionScore(given.map((_, i) => flips.has(i)), r.examples.map((x) => -x.selfConfidence));
  console.log(`${name}: n ${n} err ${(e * 100).toFixed(2)}% ece ${ece.toFixed(4)} noise ${(r.estimatedNoiseRate * 100).toFixed(2)}% (${r.estimatedIssueCount}) flagged ${r.issues.length} flips ${flips.size} flipsFlagged ${r.issues.filter((x) => flips.has(x.index)).length} AP ${ap.toFixed(3)}`);
  const rows = r.issues.map((x, rank) => `${rank}:${flips.has(x.index) ? 'F' : '.'}${x.selfConfidence.toExponential(1)}`);
  console.log(rows.slice(0, 120).join(' '));
}
// MNIST clean and with 50 flips
run('mnist clean', labels, probs, new Set(), 10);
const rnd = mulberry32(7);
const flips = new Set<number>();
while (flips.size < 50) flips.add(Math.floor(rnd() * 10000));
const given = labels.map((l, i) => (flips.has(i) ? (l + 1 + Math.floor(rnd() * 9)) % 10 : l));
run('mnist 50 flips', given, probs, flips, 10);
// synthetic weak: 10 classes, 10000, logits a*onehot + N(0, 1) * s
function normal(r: () => number): number { return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()); }
for (const [a, T] of [[1.6, 1], [1.6, 0.3], [2.2, 1], [2.2, 0.4]] as Array<[number, number]>) {
  const r2 = mulberry32(11);
  const truth: number[] = []; const P: number[][] = [];
  for (let i = 0; i < 10000; i++) {
    const y = Math.floor(r2() * 10); truth.push(y);
    const logits = Array.from({ length: 10 }, (_, j) => (j === y ? a : 0) + normal(r2));
    const z = logits.map((x) => x / T); const m = Math.max(...z); const e = z.map((x) => Math.exp(x - m)); const s = e.reduce((u, v) => u + v, 0);
    P.push(e.map((x) => x / s));
  }
  const fl = new Set<number>(); while (fl.size < 50) fl.add(Math.floor(r2() * 10000));
  const g = truth.map((l, i) => (fl.has(i) ? (l + 1 + Math.floor(r2() * 9)) % 10 : l));
  run(`synthetic a=${a} T=${T}`, g, P, fl, 10);
}
