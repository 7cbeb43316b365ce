// The MMD permutation test at 10,000 embeddings (`npm run bench -- --only shift`): the product's default path (each side
// subsampled to maxShiftEmbeddings, shiftPermutations permutations) and the exact test on every embedding, whose cost per
// permutation is quadratic. Embeddings: 64-dimensional Gaussian vectors, the target's mean moved by 0.1 per dimension.
import * as os from 'node:os';
import { THRESHOLD_DEFAULTS } from '../../src/engine/config/configTypes';
import { mulberry32 } from '../../src/engine/metrics/seededRandom';
import { mmdPermutationTest } from '../../src/engine/shift/maximumMeanDiscrepancy';
import { sampleAtMost } from '../../src/engine/shift/shiftAnalysis';

function gaussianVectors(count: number, dimension: number, shift: number, seed: number): Float32Array[] {
  const random = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: count }, () => Float32Array.from({ length: dimension }, () => normal() + shift));
}

/** Runs the benchmark and prints a Markdown table; returns the rows. */
export async function runShiftBenchmark(options: { total?: number; exactPermutations?: number } = {}): Promise<Array<Record<string, number | string>>> {
  const total = options.total ?? 10_000;
  const half = total / 2;
  const dimension = 64;
  const reference = gaussianVectors(half, dimension, 0, 1);
  const target = gaussianVectors(half, dimension, 0.1, 2);
  const rows: Array<Record<string, number | string>> = [];
  const time = (label: string, x: Float32Array[], y: Float32Array[], permutations: number): void => {
    const started = process.hrtime.bigint();
    const result = mmdPermutationTest(x, y, { permutations, seed: 7 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rows.push({ path: label, perSide: `${x.length} + ${y.length}`, permutations, seconds: Number(seconds.toFixed(2)), msPerPermutation: Number(((1000 * seconds) / (permutations + 1)).toFixed(1)), mmd2: Number(result.mmd2.toExponential(3)), p: Number(result.pValue.toFixed(4)) });
  };
  const cap = THRESHOLD_DEFAULTS.maxShiftEmbeddings;
  time(`default (subsample to ${cap} per side)`, sampleAtMost(reference, cap, 1), sampleAtMost(target, cap, 2), THRESHOLD_DEFAULTS.shiftPermutations);
  time('exact on every embedding', reference, target, options.exactPermutations ?? 20);
  process.stdout.write(`\n### MMD permutation test, ${total.toLocaleString('en')} embeddings of dimension ${dimension} (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load ${os.loadavg()[0].toFixed(1)})\n\n`);
  process.stdout.write('| path | embeddings | permutations | s | ms per permutation | MMD² | p |\n|---|---|---:|---:|---:|---:|---:|\n');
  for (const row of rows) process.stdout.write(`| ${row.path} | ${row.perSide} | ${row.permutations} | ${row.seconds} | ${row.msPerPermutation} | ${row.mmd2} | ${row.p} |\n`);
  return rows;
}
