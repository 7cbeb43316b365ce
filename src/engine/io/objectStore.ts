// Partial results in S3-compatible object storage (AWS S3, MinIO, GCS interoperability): s3://bucket/prefix.
// Credentials, region and endpoint come from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL); objects are streamed, one at a time.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { FairframeError } from '../errors';

/** A bucket and a key prefix (without leading slash; ending in '/' unless empty). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** How to reach the object store. */
export interface S3Options {
  /** Endpoint URL (MinIO, GCS interoperability); default AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS. */
  endpoint?: string;
  /** Address buckets as path segments (https://host/bucket/key), as MinIO needs; default AWS_S3_FORCE_PATH_STYLE=true. */
  pathStyle?: boolean;
}

/** True for an s3:// URL. */
export function isS3Url(value: string): boolean {
  return /^s3:\/\//i.test(value);
}

/** Parses s3://bucket/prefix. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
  if (!match || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(match[1])) {
    throw new FairframeError('bad-config', `'${url}' is not an S3 location: write s3://bucket/prefix (a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens).`);
  }
  const prefix = match[2].replace(/^\/+/, '');
  return { bucket: match[1], prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/** A client configured from the standard AWS environment, with the endpoint and addressing style overridable. */
export function createS3Client(options: S3Options = {}, env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const pathStyle = options.pathStyle ?? /^(1|true)$/i.test(env.AWS_S3_FORCE_PATH_STYLE ?? '');
  return new S3Client({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: pathStyle,
    // Checksums only where S3 requires them: the streamed aws-chunked uploads that newer SDKs send by default are not
    // understood by every S3-compatible store (GCS interoperability, older MinIO).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function storeError(action: string, location: string, error: unknown): FairframeError {
  const name = (error as { name?: string }).name ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new FairframeError('bad-config', `Could not ${action} '${location}': ${name}: ${message}. Check the bucket, the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE) and, for MinIO or GCS, --s3-endpoint and --s3-path-style.`, { location });
}

/** Uploads a local file under the location's prefix (streamed); returns its s3:// URL. */
export async function uploadFile(client: S3Client, location: S3Location, file: string): Promise<string> {
  const key = `${location.prefix}${path.basename(file)}`;
  const url = `s3://${location.bucket}/${key}`;
  const { size } = await fs.stat(file);
  try {
    await client.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: createReadStream(file), ContentLength: size }));
  } catch (error) {
    throw storeError('upload to', url, error);
  }
  return url;
}

/** Keys directly under the prefix (not in sub-folders) whose name matches `pattern`, every page listed. */
export async function listKeys(client: S3Client, location: S3Location, pattern: RegExp): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: location.prefix, Delimiter: '/', ContinuationToken: token }));
    } catch (error) {
      throw storeError('list', `s3://${location.bucket}/${location.prefix}`, error);
    }
    for (const object of page.Contents ?? []) {
      const name = object.Key?.slice(location.prefix.length) ?? '';
      if (pattern.test(name)) keys.push(object.Key as string);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

/** Streams an object into a local file (never held whole in memory). */
export async function downloadObject(client: S3Client, bucket: string, key: string, file: string): Promise<void> {
  const url = `s3://${bucket}/${key}`;
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!(object.Body instanceof Readable)) throw new Error('the response has no readable body');
    await pipeline(object.Body, createWriteStream(file));
  } catch (error) {
    throw storeError('download', url, error);
  }
}
