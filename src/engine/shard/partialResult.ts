// The partial result of one shard: gzip'd JSON Lines holding the sufficient statistics a merge needs to give the
// same AuditResult as one run on all the data (records with their position, scan outcomes, predictions, counts).
import type { RobustnessMode } from '../robustness/robustnessTypes';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';
import type { ResolvedConfig } from '../config/configTypes';
import { FairframeError } from '../errors';
import type { InferenceFailure, InferenceStats } from '../model/inferenceRunner';
import type { ModelTarget } from '../modelAudit/modelAudit';
import type { ScanStats } from '../scan/scanTypes';
import type { AttributeInfo, DatasetFormat, DatasetRecord, LoadIssue, ScanOutcome } from '../types';
import type { ShardSpec } from './shardAssignment';

/** Bumped when the lines below change: a merge refuses partials of another format. */
export const PARTIAL_FORMAT_VERSION = 1;

/** The first line: what was run, with which settings and tools, so a merge can refuse partials that do not belong together. */
export interface PartialHeader {
  kind: 'header';
  format: 'fairframe-partial';
  formatVersion: number;
  toolVersion: string;
  resultSchemaVersion: string;
  shard: ShardSpec;
  /** How records are assigned to shards (see assignShards). */
  shardKey: 'sha256-of-bytes-mod-n' | 'sha256-of-relative-path-mod-n';
  target: string;
  folder: string;
  config: ResolvedConfig;
  noDecode: boolean;
  split?: string;
  /** --robustness of the shards' command: the merge measures it (it needs the model and images there). */
  robustness?: RobustnessMode;
  targets: ModelTarget[];
  datasetCount: number;
}

/** One dataset: everything but its records, which follow on their own lines. */
export interface PartialDataset {
  kind: 'dataset';
  name: string;
  root: string;
  format: DatasetFormat;
  manifest?: string;
  attributes: AttributeInfo[];
  columns: string[];
  loadIssues: LoadIssue[];
  config: ResolvedConfig;
  /** Records in the whole dataset, over every shard. */
  recordCount: number;
  /** SHA-256 over every record of the whole dataset in order (recordListHash): every shard must have seen the same list. */
  recordListHash: string;
}

/** One of this shard's records, with its position in the dataset's order and its scan outcome. */
export interface PartialRecord {
  kind: 'record';
  dataset: string;
  index: number;
  record: DatasetRecord;
  scan?: ScanOutcome;
}

export interface PartialScanStats {
  kind: 'scan-stats';
  dataset: string;
  stats: ScanStats;
}

/** A model's run on this shard's records: its counts and failures, or why it could not run. */
export interface PartialInference {
  kind: 'inference';
  dataset: string;
  model: string;
  modelSha256: string;
  stats?: InferenceStats;
  failures: InferenceFailure[];
  /** Set when the model could not be run at all (the merge reports it as the single run would). */
  unusable?: { code: string; reason: string };
}

/** One record's prediction (probabilities as float32 values written exactly). */
export interface PartialPrediction {
  kind: 'prediction';
  dataset: string;
  model: string;
  recordId: string;
  probs: number[];
  top: Array<[number, number]>;
  features?: number[];
}

/** The last line: its absence means the partial was cut short. */
export interface PartialEnd {
  kind: 'end';
  lines: number;
}

export type PartialLine = PartialHeader | PartialDataset | PartialRecord | PartialScanStats | PartialInference | PartialPrediction | PartialEnd;

/** The file name of shard K of N. */
export function partialFileName(shard: ShardSpec): string {
  return `fairframe-partial-${shard.index}-of-${shard.count}.jsonl.gz`;
}

/** SHA-256 over a dataset's records in order, each as its JSON: equal lists give equal hashes. */
export function recordListHash(records: DatasetRecord[]): string {
  const hash = createHash('sha256');
  for (const record of records) hash.update(`${JSON.stringify(record)}\n`);
  return hash.digest('hex');
}

/** Writes a partial line by line (gzip'd), to a temporary name renamed into place when complete. */
export class PartialWriter {
  private readonly gzip = createGzip();
  private readonly done: Promise<void>;
  private lines = 0;

  private constructor(private readonly file: string, private readonly temporary: string) {
    const out = createWriteStream(temporary);
    this.gzip.pipe(out);
    this.done = new Promise((resolve, reject) => {
      out.on('finish', resolve);
      out.on('error', reject);
      this.gzip.on('error', reject);
    });
  }

  static create(folder: string, shard: ShardSpec): PartialWriter {
    const file = path.join(folder, partialFileName(shard));
    return new PartialWriter(file, `${file}.${process.pid}.tmp`);
  }

  /** Writes one line, waiting for the stream to drain when its buffer is full. */
  async write(line: PartialLine): Promise<void> {
    this.lines++;
    if (!this.gzip.write(`${JSON.stringify(line)}\n`)) await new Promise((resolve) => this.gzip.once('drain', resolve));
  }

  /** Ends the partial and moves it into place; returns its path. */
  async close(): Promise<string> {
    await this.write({ kind: 'end', lines: this.lines + 1 });
    this.gzip.end();
    await this.done;
    await fs.rename(this.temporary, this.file);
    return this.file;
  }

  /** Drops an unfinished partial. */
  async abort(): Promise<void> {
    this.gzip.destroy();
    await fs.rm(this.temporary, { force: true });
  }
}

/** Reads a partial's lines in order; throws 'bad-partial' on a line that is not JSON or on a partial cut short. */
export async function* readPartial(file: string): AsyncGenerator<PartialLine> {
  const input = createReadStream(file).pipe(createGunzip());
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let count = 0;
  let ended = false;
  try {
    for await (const text of lines) {
      if (text === '') continue;
      count++;
      let line: PartialLine;
      try {
        line = JSON.parse(text) as PartialLine;
      } catch {
        throw new FairframeError('bad-partial', `The partial result '${file}' is damaged: line ${count} is not JSON. Rerun its shard.`, { file });
      }
      if (count === 1 && (line.kind !== 'header' || (line as PartialHeader).format !== 'fairframe-partial')) {
        throw new FairframeError('bad-partial', `'${file}' is not a Fairframe partial result (written by fairframe audit --shard K/N --partial DIR).`, { file });
      }
      if (line.kind === 'end') {
        if (line.lines !== count) throw new FairframeError('bad-partial', `The partial result '${file}' is damaged: it says ${line.lines} lines but holds ${count}. Rerun its shard.`, { file });
        ended = true;
      }
      yield line;
    }
  } catch (error) {
    if (FairframeError.is(error)) throw error;
    throw new FairframeError('bad-partial', `The partial result '${file}' cannot be read (${(error as Error).message}). Rerun its shard.`, { file });
  }
  if (!ended) throw new FairframeError('bad-partial', `The partial result '${file}' is cut short (no end line): its shard did not finish. Rerun it.`, { file });
}
