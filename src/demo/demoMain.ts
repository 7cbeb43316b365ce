// Command line for the demo dataset: `node dist/demo.js --out <dir> [--seed N] [--limit N]`.
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_DEMO_SEED, generateDemo } from './generateDemo';
import { generateProduction, PRODUCTION_LAYOUT } from './generateProduction';

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Expected a non-negative integer.');
  return Number(value);
}

/** Parses the arguments, generates the dataset and prints a one-line summary. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('fairframe-demo')
    .description('Writes the deterministic synthetic dermatology dataset with planted defects and its ground truth.')
    .requiredOption('--out <dir>', 'output folder (data/, masks/ and demo-truth.json are written there)')
    .option('--seed <n>', 'random seed', integer, DEFAULT_DEMO_SEED)
    .option('--limit <n>', 'write only the images of the first N rows (for tests)', integer)
    .option('--production-only', 'write only the shifted production folder (production/ and production-truth.json)')
    .exitOverride();
  try {
    program.parse(argv);
  } catch (error) {
    return (error as { exitCode?: number }).exitCode ?? 2;
  }
  const options = program.opts<{ out: string; seed: number; limit?: number; productionOnly?: boolean }>();
  const outDir = path.resolve(options.out);
  const started = Date.now();
  if (options.productionOnly) {
    const production = await generateProduction(outDir, options.seed);
    console.log(`Wrote ${production.images} production images (seed ${production.seed}) to ${path.join(outDir, PRODUCTION_LAYOUT.root)}; planted shifts in ${path.join(outDir, PRODUCTION_LAYOUT.truth)}.`);
    return 0;
  }
  let lastReport = 0;
  const truth = await generateDemo(outDir, {
    seed: options.seed,
    limit: options.limit,
    onProgress: (done, total) => {
      const now = Date.now();
      if (now - lastReport < 500 && done < total) return;
      lastReport = now;
      process.stderr.write(`\r${done}/${total} images`);
    },
  });
  process.stderr.write('\n');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`Wrote ${truth.generator.imagesWritten} images (seed ${truth.generator.seed}) to ${path.join(outDir, truth.layout.datasetRoot)} in ${seconds} s; ground truth in ${path.join(outDir, truth.layout.truth)}.`);
  return 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
