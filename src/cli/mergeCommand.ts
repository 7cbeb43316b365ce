// `fairframe merge DIR... --out DIR`: the AuditResult of the whole data from the partial results of its shards.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FairframeError } from '../engine/errors';
import { escapeControl } from '../engine/report/displayText';
import { mergePartials, PARTIAL_FILE_NAME } from '../engine/shard/mergePartials';
import * as os from 'node:os';
import type { Severity } from '../engine/types';
import { defaultCacheDir, deliverResult, failureExitCode, meetsFailOn } from './auditCommand';
import { handleInterrupts } from './interrupt';
import { createProgressReporter } from './progressReporter';
import { verificationPool } from '../worker/verifyPool';

const isS3Url = (value: string): boolean => /^s3:\/\//i.test(value);

export interface MergeCommandOptions {
  format?: string[];
  out?: string;
  failOn?: Severity;
  cache?: string | false;
  quiet?: boolean;
  verbose?: boolean;
  outInsideData?: boolean;
  s3Endpoint?: string;
  s3PathStyle?: boolean;
}

/** Local copies of the partials named by s3:// inputs (streamed into a temporary folder); other inputs as given. */
async function localInputs(inputs: string[], options: MergeCommandOptions, temporary: string): Promise<string[]> {
  const local: string[] = [];
  // The S3 client is loaded only when an s3:// location is named.
  const { createS3Client, downloadObject, listKeys, parseS3Url } = await import('../engine/io/objectStore');
  for (const [index, input] of inputs.entries()) {
    if (!isS3Url(input)) {
      local.push(input);
      continue;
    }
    const location = parseS3Url(input);
    const client = createS3Client({ endpoint: options.s3Endpoint, pathStyle: options.s3PathStyle });
    const keys = await listKeys(client, location, PARTIAL_FILE_NAME);
    if (keys.length === 0) throw new FairframeError('bad-partial', `No partial result (fairframe-partial-K-of-N.jsonl.gz) under '${input}'.`);
    const folder = path.join(temporary, String(index));
    await fs.mkdir(folder);
    for (const key of keys) await downloadObject(client, location.bucket, key, path.join(folder, path.basename(key)));
    local.push(folder);
  }
  return local;
}

/** Runs the command; returns the exit code (0 ok, 1 --fail-on met, 2 usage, input or incompatible partials, 130 cancelled). */
export async function runMergeCommand(inputs: string[], options: MergeCommandOptions): Promise<number> {
  const interrupts = handleInterrupts();
  const reporter = createProgressReporter(process.stderr, options.quiet ?? false);
  let temporary: string | undefined;
  try {
    if (options.format && !options.out && options.format.length > 1) {
      throw new FairframeError('bad-config', 'Several --format values need --out <dir>; with one format and no --out the report goes to standard output.');
    }
    const cacheDir = options.cache === false ? undefined : options.cache ?? defaultCacheDir();
    const cacheStat = cacheDir ? await fs.stat(cacheDir).catch(() => undefined) : undefined;
    if (cacheStat && !cacheStat.isDirectory()) process.stderr.write(`fairframe: warning: the cache path '${escapeControl(path.resolve(cacheDir as string))}' is not a folder; nothing is cached this run.\n`);
    temporary = inputs.some(isS3Url) ? await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-merge-')) : undefined;
    const local = temporary ? await localInputs(inputs, options, temporary) : inputs;
    const result = await mergePartials(local, { cacheDir, signal: interrupts.signal, onProgress: (progress) => reporter.update(progress), parallel: verificationPool() });
    reporter.stop();
    await deliverResult(result, options, cacheDir);
    return meetsFailOn(result, options.failOn) ? 1 : 0;
  } catch (error) {
    reporter.stop();
    return failureExitCode(error, options.verbose === true);
  } finally {
    if (temporary) await fs.rm(temporary, { recursive: true, force: true });
    interrupts.dispose();
  }
}
