// A dataset in S3-compatible object storage (s3://bucket/prefix), audited from a local mirror in the cache folder. The
// prefix is listed, and only objects whose ETag or size changed since the last run are fetched (streamed, written to a
// temporary file, then renamed); objects gone from the listing are removed from the mirror. Nothing is ever written to
// the bucket: the only requests are ListObjectsV2 and GetObject.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { FairframeError, throwIfAborted } from '../errors';
import { extensionOf, isImageFileName } from '../dataset/imageExtensions';
import { downloadObject, type S3Location } from './objectStore';

/** Files a dataset audit reads besides images: manifests, sidecars and configuration, models. */
const DATASET_FILE_EXTENSIONS: ReadonlySet<string> = new Set(['csv', 'tsv', 'jsonl', 'json', 'onnx']);

/** Objects fetched at once. */
const CONCURRENT_DOWNLOADS = 8;

/** One listed object. */
export interface ListedObject {
  key: string;
  /** The mirror path relative to the prefix, with '/' separators. */
  relative: string;
  etag: string;
  size: number;
}

/** What a mirror run did. */
export interface MirrorSummary {
  /** The local folder holding the dataset. */
  root: string;
  listed: number;
  fetched: number;
  unchanged: number;
  removed: number;
  /** Objects left out: not a dataset file, or a key that cannot be a relative path (e.g. with '..'). */
  skipped: number;
  bytesFetched: number;
}

interface MirrorIndex {
  url: string;
  objects: Record<string, { etag: string; size: number }>;
}

/** True for an object key the audit reads (an image, a manifest, a sidecar, a model). */
export function isDatasetObject(relative: string): boolean {
  const name = relative.slice(relative.lastIndexOf('/') + 1);
  return isImageFileName(name) || (!name.startsWith('.') && DATASET_FILE_EXTENSIONS.has(extensionOf(name)));
}

/** The path of a key below the prefix, or undefined when it is not a plain relative path (empty, '.', '..' or a folder marker). */
export function mirrorRelativePath(key: string, prefix: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const relative = key.slice(prefix.length);
  const parts = relative.split('/');
  if (relative === '' || relative.endsWith('/') || parts.some((part) => part === '' || part === '.' || part === '..' || part.includes('\\') || part.includes('\0'))) return undefined;
  return relative;
}

/** Every object under the prefix (all pages, sub-folders included). */
export async function listObjects(client: S3Client, location: S3Location, signal?: AbortSignal): Promise<Array<{ key: string; etag: string; size: number }>> {
  const objects: Array<{ key: string; etag: string; size: number }> = [];
  let token: string | undefined;
  do {
    throwIfAborted(signal);
    let page;
    try {
      page = await client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: location.prefix, ContinuationToken: token }));
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      throw new FairframeError('bad-config', `Could not list 's3://${location.bucket}/${location.prefix}': ${name}: ${error instanceof Error ? error.message : String(error)}. Check the bucket, the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE) and, for MinIO or GCS, --s3-endpoint and --s3-path-style.`);
    }
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      objects.push({ key: object.Key, etag: object.ETag ?? '', size: object.Size ?? -1 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/**
 * The mirror folder of a location under `cacheDir`: s3/<bucket>/<hash of endpoint, bucket and prefix>/<the prefix's last
 * segment, or the bucket>, so that the dataset keeps its name in the report.
 */
export function mirrorFolder(cacheDir: string, location: S3Location, endpoint: string | undefined): string {
  const hash = createHash('sha256').update(`${endpoint ?? ''}\n${location.bucket}\n${location.prefix}`).digest('hex').slice(0, 16);
  const name = location.prefix.split('/').filter(Boolean).pop() ?? location.bucket;
  return path.join(cacheDir, 's3', location.bucket, hash, name.replace(/[^\w.-]/g, '_'));
}

async function readIndex(file: string): Promise<MirrorIndex['objects']> {
  try {
    const index = JSON.parse(await fs.readFile(file, 'utf8')) as MirrorIndex;
    return index && typeof index.objects === 'object' ? index.objects : {};
  } catch {
    return {};
  }
}

async function sizeOf(file: string): Promise<number> {
  return (await fs.stat(file).catch(() => undefined))?.size ?? -1;
}

/**
 * Brings the mirror of `location` in `folder` up to date: fetches new and changed objects (by ETag and size), keeps the
 * unchanged ones, removes those no longer listed. The index of what the mirror holds is kept beside the folder
 * (`<folder>.json`), so the folder holds the dataset's files only.
 */
export async function mirrorDataset(client: S3Client, location: S3Location, folder: string, options: { signal?: AbortSignal } = {}): Promise<MirrorSummary> {
  const url = `s3://${location.bucket}/${location.prefix}`;
  const indexFile = `${folder}.json`;
  const previous = await readIndex(indexFile);
  const listed = await listObjects(client, location, options.signal);
  const wanted: ListedObject[] = [];
  let skipped = 0;
  for (const object of listed) {
    const relative = mirrorRelativePath(object.key, location.prefix);
    if (relative === undefined || !isDatasetObject(relative)) {
      if (!object.key.endsWith('/')) skipped++;
      continue;
    }
    wanted.push({ ...object, relative });
  }
  if (wanted.length === 0) {
    throw new FairframeError('bad-config', `'${url}' holds no images or manifests (${listed.length} objects listed${skipped > 0 ? `, ${skipped} of other kinds` : ''}). Check the bucket and prefix.`);
  }
  await fs.mkdir(folder, { recursive: true });
  const objects: MirrorIndex['objects'] = {};
  const summary: MirrorSummary = { root: folder, listed: listed.length, fetched: 0, unchanged: 0, removed: 0, skipped, bytesFetched: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < wanted.length) {
      throwIfAborted(options.signal);
      const object = wanted[next++];
      const file = path.join(folder, ...object.relative.split('/'));
      const known = previous[object.relative];
      if (known && known.etag === object.etag && known.size === object.size && (await sizeOf(file)) === object.size) {
        summary.unchanged++;
      } else {
        await fs.mkdir(path.dirname(file), { recursive: true });
        const partial = `${file}.fairframe-download`;
        try {
          await downloadObject(client, location.bucket, object.key, partial);
          await fs.rename(partial, file);
        } catch (error) {
          await fs.rm(partial, { force: true });
          throw error;
        }
        summary.fetched++;
        summary.bytesFetched += object.size;
      }
      objects[object.relative] = { etag: object.etag, size: object.size };
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_DOWNLOADS, wanted.length) }, worker));
  } finally {
    // What was fetched so far stays usable by the next run, even after a failure or a cancel.
    const kept = { ...Object.fromEntries(Object.entries(previous).filter(([relative]) => !(relative in objects))), ...objects };
    await fs.writeFile(indexFile, JSON.stringify({ url, objects: kept } satisfies MirrorIndex));
  }
  // Files of objects no longer listed leave the mirror (and the index).
  const listedNames = new Set(wanted.map((object) => object.relative));
  for (const relative of Object.keys(previous)) {
    if (listedNames.has(relative) || mirrorRelativePath(relative, '') === undefined) continue;
    await fs.rm(path.join(folder, ...relative.split('/')), { force: true });
    summary.removed++;
  }
  await fs.writeFile(indexFile, JSON.stringify({ url, objects } satisfies MirrorIndex));
  return summary;
}
