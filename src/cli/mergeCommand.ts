// `fairframe merge DIR... --out DIR`: the AuditResult of the whole data from the partial results of its shards.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FairframeError } from '../engine/errors';
import { escapeControl, escapeControlLines } from '../engine/report/displayText';
import { mergePartials } from '../engine/shard/mergePartials';
import type { Severity } from '../engine/types';
import { defaultCacheDir, deliverResult, errorMessageOf, meetsFailOn } from './auditCommand';
import { handleInterrupts } from './interrupt';
import { createProgressReporter } from './progressReporter';

export interface MergeCommandOptions {
  format?: string[];
  out?: string;
  failOn?: Severity;
  cache?: string | false;
  quiet?: boolean;
  verbose?: boolean;
  outInsideData?: boolean;
}

/** Runs the command; returns the exit code (0 ok, 1 --fail-on met, 2 usage, input or incompatible partials, 130 cancelled). */
export async function runMergeCommand(inputs: string[], options: MergeCommandOptions): Promise<number> {
  const interrupts = handleInterrupts();
  const reporter = createProgressReporter(process.stderr, options.quiet ?? false);
  try {
    if (options.format && !options.out && options.format.length > 1) {
      throw new FairframeError('bad-config', 'Several --format values need --out <dir>; with one format and no --out the report goes to standard output.');
    }
    const cacheDir = options.cache === false ? undefined : options.cache ?? defaultCacheDir();
    const cacheStat = cacheDir ? await fs.stat(cacheDir).catch(() => undefined) : undefined;
    if (cacheStat && !cacheStat.isDirectory()) process.stderr.write(`fairframe: warning: the cache path '${escapeControl(path.resolve(cacheDir as string))}' is not a folder; nothing is cached this run.\n`);
    const result = await mergePartials(inputs, { cacheDir, signal: interrupts.signal, onProgress: (progress) => reporter.update(progress) });
    reporter.stop();
    await deliverResult(result, options, cacheDir);
    return meetsFailOn(result, options.failOn) ? 1 : 0;
  } catch (error) {
    reporter.stop();
    if (FairframeError.is(error, 'cancelled')) {
      process.stderr.write('fairframe: cancelled\n');
      return 130;
    }
    process.stderr.write(`fairframe: ${escapeControl(errorMessageOf(error))}\n`);
    if ((process.env.FAIRFRAME_DEBUG || options.verbose) && error instanceof Error && error.stack) process.stderr.write(`${escapeControlLines(error.stack)}\n`);
    return 2;
  } finally {
    interrupts.dispose();
  }
}
