// Which shard a record belongs to: decided by its own content alone, so adding images never moves the others.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { FairframeError, throwIfAborted } from '../errors';
import type { DatasetRecord } from '../types';

/** The K-th of N shards (K counts from 0, as Kubernetes' JOB_COMPLETION_INDEX does). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Files hashed at once while assigning shards. */
const HASH_CONCURRENCY = 8;

/**
 * Parses `K/N` (0 ≤ K < N), or `auto`: K from JOB_COMPLETION_INDEX and N from JOB_COMPLETIONS (a Kubernetes
 * Indexed Job), else FAIRFRAME_SHARD_INDEX / FAIRFRAME_SHARD_COUNT.
 */
export function parseShard(value: string, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  let index: string | undefined;
  let count: string | undefined;
  if (value.trim() === 'auto') {
    index = env.JOB_COMPLETION_INDEX ?? env.FAIRFRAME_SHARD_INDEX;
    count = env.JOB_COMPLETIONS ?? env.FAIRFRAME_SHARD_COUNT;
    if (index === undefined || count === undefined) {
      throw new FairframeError('bad-config', '--shard auto needs JOB_COMPLETION_INDEX and JOB_COMPLETIONS (set by a Kubernetes Indexed Job; pass JOB_COMPLETIONS from spec.completions) or FAIRFRAME_SHARD_INDEX and FAIRFRAME_SHARD_COUNT.');
    }
  } else {
    const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
    if (!match) throw new FairframeError('bad-config', `--shard '${value}' is not K/N (e.g. 0/4 for the first of four shards) or auto.`);
    [, index, count] = match;
  }
  const k = Number(index);
  const n = Number(count);
  if (!/^\d+$/.test(String(index).trim()) || !/^\d+$/.test(String(count).trim()) || !Number.isSafeInteger(k) || !Number.isSafeInteger(n) || n < 1 || k >= n) {
    throw new FairframeError('bad-config', `The shard ${index}/${count} is out of range: the count must be at least 1 and the index from 0 to count − 1.`);
  }
  return { index: k, count: n };
}

/** The shard of a SHA-256 digest: the digest read as a 256-bit big-endian unsigned integer, modulo the shard count. */
export function shardOfDigest(sha256Hex: string, count: number): number {
  return Number(BigInt(`0x${sha256Hex}`) % BigInt(count));
}

/** SHA-256 of a file's bytes (streamed), or undefined when the file cannot be read. */
export function hashFile(file: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    const stream = createReadStream(file);
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('error', () => resolve(undefined));
    stream.on('end', () => resolve(hash.digest('hex')));
  });
}

/** SHA-256 of the record's path relative to the dataset root (UTF-8): the key of a record whose bytes are not read. */
export function pathDigest(record: DatasetRecord): string {
  return createHash('sha256').update(record.relPath, 'utf8').digest('hex');
}

/**
 * The shard of every record. With `readContent`, a record's key is the SHA-256 of its file's bytes (so identical
 * files share a shard); a file that cannot be read, and every record under --no-decode, is keyed by its relative path.
 */
export async function assignShards(records: DatasetRecord[], count: number, readContent: boolean, signal?: AbortSignal): Promise<number[]> {
  const shards = new Array<number>(records.length);
  if (!readContent) {
    records.forEach((record, index) => { shards[index] = shardOfDigest(pathDigest(record), count); });
    return shards;
  }
  const byPath = new Map<string, Promise<string | undefined>>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < records.length) {
      throwIfAborted(signal);
      const index = next++;
      const record = records[index];
      let pending = byPath.get(record.path);
      if (!pending) {
        pending = hashFile(record.path);
        byPath.set(record.path, pending);
      }
      const digest = await pending;
      shards[index] = shardOfDigest(digest ?? pathDigest(record), count);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, Math.max(1, records.length)) }, worker));
  return shards;
}
