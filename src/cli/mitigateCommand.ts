// `fairframe mitigate thresholds`: fits per-group decision thresholds on one split, measures them on another, and
// writes the thresholds (JSON), the before/after table (Markdown) and the mitigated predictions (a predictions CSV).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FairframeError } from '../engine/errors';
import { insideAnyRoot, makeOutputFolder } from '../engine/io/outputFolder';
import { exportResampling, type PreferentialScores } from '../engine/mitigation/exportResampling';
import { scoreAndMitigate, scoreDataset } from '../engine/mitigation/mitigateAudited';
import { THRESHOLD_FILES, thresholdFiles } from '../engine/mitigation/thresholdFiles';
import type { ThresholdConstraint, ThresholdObjective } from '../engine/mitigation/thresholdOptimizer';
import { escapeControl, escapeControlLines } from '../engine/report/displayText';
import { defaultCacheDir, errorMessageOf } from './auditCommand';
import { handleInterrupts } from './interrupt';
import { createProgressReporter } from './progressReporter';

export interface MitigateCommandOptions {
  model?: string;
  predictions?: string;
  attribute: string;
  positive?: string;
  constraint: ThresholdConstraint;
  objective: ThresholdObjective;
  fitSplit?: string;
  evalSplit?: string;
  seed?: string;
  replicates?: string;
  config?: string;
  cache?: string | false;
  out: string;
  quiet?: boolean;
  outInsideData?: boolean;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new FairframeError('bad-config', `--${name} takes a whole number, not '${value}'.`);
  return Number(value);
}

/** Runs the command; returns the exit code (0 done, 2 usage or input error, 130 cancelled). */
export async function runMitigateThresholds(target: string, options: MitigateCommandOptions): Promise<number> {
  const interrupts = handleInterrupts();
  const reporter = createProgressReporter(process.stderr, options.quiet ?? false);
  try {
    const source = options.predictions ?? options.model;
    if (!source || (options.predictions && options.model)) throw new FairframeError('bad-config', 'Give the scores to mitigate with either --model <file.onnx> or --predictions <file>, one of them.');
    const seed = integer(options.seed, 'seed');
    const replicates = integer(options.replicates, 'replicates');
    const cacheDir = options.cache === false ? undefined : options.cache ?? defaultCacheDir();
    const { result, dataset, datasetRoots } = await scoreAndMitigate(target, {
      source,
      configFile: options.config,
      cacheDir,
      attribute: options.attribute,
      positiveClass: options.positive,
      constraint: options.constraint,
      objective: options.objective,
      fitSplit: options.fitSplit,
      evalSplit: options.evalSplit,
      seed,
      replicates,
    }, { signal: interrupts.signal, onProgress: (progress) => reporter.update(progress) });
    reporter.stop();

    const inside = options.outInsideData ? undefined : await insideAnyRoot(options.out, datasetRoots);
    if (inside !== undefined) throw new FairframeError('bad-config', `The output folder '${path.resolve(options.out)}' is inside the dataset '${inside}', and Fairframe never writes inside a dataset. Choose another --out, or pass --out-inside-data.`);
    const out = await makeOutputFolder(options.out);
    const contents = thresholdFiles(result, source, dataset?.name);
    const files = {
      thresholds: path.join(out, THRESHOLD_FILES.thresholds),
      table: path.join(out, THRESHOLD_FILES.table),
      predictions: path.join(out, THRESHOLD_FILES.predictions),
    };
    for (const key of ['thresholds', 'table', 'predictions'] as const) await fs.writeFile(files[key], contents[key]);
    const table = contents.table;
    process.stdout.write(escapeControlLines(table));
    for (const file of Object.values(files)) process.stderr.write(`wrote ${escapeControl(file)}\n`);
    process.stderr.write(`Audit the mitigated predictions with: fairframe audit ${escapeControl(target)} --predictions ${escapeControl(files.predictions)}\n`);
    return 0;
  } catch (error) {
    reporter.stop();
    if (FairframeError.is(error, 'cancelled')) {
      process.stderr.write('fairframe: cancelled\n');
      return 130;
    }
    process.stderr.write(`fairframe: ${escapeControl(errorMessageOf(error))}\n`);
    return 2;
  } finally {
    interrupts.dispose();
  }
}

// The table and CSV writers live in the engine (the editor writes the same files).
export { csvText, renderBeforeAfter } from '../engine/mitigation/thresholdFiles';

export interface ResampleCommandOptions {
  attribute: string;
  method?: 'uniform' | 'preferential';
  model?: string;
  predictions?: string;
  cache?: string | false;
  seed?: string;
  config?: string;
  out: string;
  outInsideData?: boolean;
}

/** `fairframe mitigate resample`: writes the resampling plan of every dataset at `target`. */
export async function runMitigateResample(target: string, options: ResampleCommandOptions): Promise<number> {
  try {
    const attributes = options.attribute.split(',').map((a) => a.trim()).filter(Boolean);
    const source = options.predictions ?? options.model;
    if ((options.method ?? 'uniform') === 'uniform' && source) throw new FairframeError('bad-config', 'Uniform sampling uses no model: leave out --model and --predictions, or pass --method preferential.');
    let scores: PreferentialScores | undefined;
    if (options.method === 'preferential') {
      if (!source || (options.predictions && options.model)) throw new FairframeError('bad-config', 'Preferential sampling ranks the images by the model\'s scores: give either --model <file.onnx> or --predictions <file>, one of them.');
      const scored = await scoreDataset(target, { source, configFile: options.config, cacheDir: options.cache === false ? undefined : options.cache ?? defaultCacheDir() });
      // The probability the model gives each image's own label (images whose label the model does not know have none).
      const ownLabel = new Map<string, number>();
      for (const image of scored.images) if (image.label !== undefined) ownLabel.set(image.record.relPath, image.probs[image.label]);
      scores = { dataset: scored.dataset, ownLabel };
    }
    for (const file of await exportResampling(target, attributes, options.out, { configFile: options.config, seed: integer(options.seed, 'seed'), allowInsideData: options.outInsideData, scores })) process.stderr.write(`wrote ${escapeControl(file)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`fairframe: ${escapeControl(errorMessageOf(error))}\n`);
    return 2;
  }
}
