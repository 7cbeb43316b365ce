// The one way the engine and the extension open a file they did not write: never blocks on a FIFO or a device,
// reads only regular files, and bounds how much is read per kind of file.
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FairframeError } from '../errors';

/** What a file is read as; each kind has its own size limit. */
export type ReadKind = 'config' | 'sidecar' | 'manifest' | 'model' | 'cache' | 'thumbnail';

const MiB = 1024 * 1024;

/** Largest file read per kind, in bytes (documented in README "Security and limits"). */
export const READ_LIMITS: Readonly<Record<ReadKind, number>> = {
  config: 4 * MiB,
  sidecar: 4 * MiB,
  // Manifests are streamed; this bounds the file, MANIFEST_LINE_LIMIT bounds each row held at once.
  manifest: 2048 * MiB,
  // A protobuf message is limited to 2 GiB; larger ONNX models keep their weights in external data files.
  model: 2048 * MiB,
  cache: 1024 * MiB,
  thumbnail: 64 * MiB,
};

/** Longest manifest row (a CSV record or a JSONL line), in bytes. */
export const MANIFEST_LINE_LIMIT = 1 * MiB;

const KIND_NAMES: Readonly<Record<ReadKind, string>> = {
  config: 'configuration file',
  sidecar: 'model sidecar',
  manifest: 'manifest',
  model: 'model file',
  cache: 'cache file',
  thumbnail: 'thumbnail',
};

// O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer (no-op for regular files).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What a non-regular file is, in words. */
function describeType(stat: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Formats a byte count as MiB, for messages. */
export function formatMiB(bytes: number): string {
  return `${(bytes / MiB).toLocaleString('en-US', { maximumFractionDigits: 1 })} MiB`;
}

/** An opened regular file: the handle and the size it had when stat'ed. */
export interface RegularFile {
  handle: fs.FileHandle;
  size: number;
}

/**
 * Opens `file` for reading without blocking and checks the open handle: a folder throws an error with code 'EISDIR'
 * (as fs.readFile would); a FIFO, device or socket throws FairframeError 'not-a-file'. Open errors (ENOENT, EACCES, …)
 * are thrown as they are. The caller closes the handle.
 */
export async function openRegularFile(file: string, kind?: ReadKind): Promise<RegularFile> {
  const handle = await fs.open(file, OPEN_FLAGS);
  try {
    const stat = await handle.stat();
    if (stat.isFile()) return { handle, size: stat.size };
    const what = kind ? `The ${KIND_NAMES[kind]} '${file}'` : `'${file}'`;
    if (stat.isDirectory()) throw Object.assign(new Error(`${what} is a folder, not a file`), { code: 'EISDIR' });
    throw new FairframeError('not-a-file', `${what} is ${describeType(stat)}, not a regular file; it is not read.`, { file });
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Throws unless `file` is a regular file (see openRegularFile); for readers that take a path, such as the image decoder. */
export async function assertRegularFile(file: string, kind?: ReadKind): Promise<number> {
  const { handle, size } = await openRegularFile(file, kind);
  await handle.close();
  return size;
}

/** Throws FairframeError 'too-large' when `size` exceeds the limit of `kind`. */
export function assertWithinLimit(file: string, size: number, kind: ReadKind, limit = READ_LIMITS[kind]): void {
  if (size > limit) {
    throw new FairframeError('too-large', `The ${KIND_NAMES[kind]} '${path.basename(file)}' is ${formatMiB(size)}, more than the limit of ${formatMiB(limit)}; it is not read.`, { file, size, limit });
  }
}

/** Reads a whole regular file of at most the kind's limit; reads only the bytes that were stat'ed. */
export async function readGuardedFile(file: string, kind: ReadKind, limit = READ_LIMITS[kind]): Promise<Buffer> {
  const { handle, size } = await openRegularFile(file, kind);
  try {
    assertWithinLimit(file, size, kind, limit);
    const buffer = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
      if (bytesRead === 0) break; // the file shrank since it was stat'ed
      filled += bytesRead;
    }
    return filled === size ? buffer : buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** readGuardedFile as UTF-8 text. */
export async function readGuardedText(file: string, kind: ReadKind, limit?: number): Promise<string> {
  return (await readGuardedFile(file, kind, limit)).toString('utf8');
}

/**
 * Reads the start of a regular file (at most `bytes`), for format sniffing; never blocks on a FIFO.
 */
export async function readGuardedHead(file: string, bytes: number): Promise<Buffer> {
  const { handle, size } = await openRegularFile(file);
  try {
    const buffer = Buffer.alloc(Math.min(bytes, size));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Streams a regular file in chunks (up to the size it had when opened). */
export async function* readGuardedChunks(file: string, kind: ReadKind, chunkBytes = 1024 * 1024): AsyncGenerator<Buffer> {
  const { handle, size } = await openRegularFile(file, kind);
  try {
    assertWithinLimit(file, size, kind);
    let position = 0;
    while (position < size) {
      const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, size - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
