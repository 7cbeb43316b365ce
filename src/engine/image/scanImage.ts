// Scans one image file: reads it once, hashes it, reads its header and metadata, decodes it once at
// reduced size and computes the facts. Bad input becomes a failed outcome, never an exception.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import sharp, { type AvailableFormatInfo, type Metadata, type OutputInfo } from 'sharp';
import { throwIfAborted } from '../errors';
import type { ImageFacts, ScanErrorCode, ScanOutcome } from '../types';
import { inspectContainer, type ContainerInfo } from './imageContainer';
import { readExif, readProvenance } from './imageMetadata';
import { computePixelStats } from './pixelStats';

/** Longest side, in pixels, of the decoded copy the statistics and the hash are computed from. */
export const STATS_MAX_SIDE = 256;

/** Options of scanImage. */
export interface ScanImageOptions {
  /** Images with more pixels are reported as 'oversized' from their header, without decoding. */
  maxPixels: number;
  signal?: AbortSignal;
  /** Files larger than this are hashed in chunks and decoded from disk instead of held in memory (default LARGE_FILE_BYTES). */
  largeFileBytes?: number;
}

/** Formats named by magic bytes, mapped to the sharp decoder that reads them. */
const SHARP_DECODER: Record<string, string> = { avif: 'heif', heif: 'heif' };

/** Scans one file into facts or a failed outcome; throws only FairframeError 'cancelled'. */
export async function scanImage(file: string, options: ScanImageOptions): Promise<ScanOutcome> {
  const { maxPixels, signal } = options;
  throwIfAborted(signal);
  let source: SourceFile;
  try {
    source = await readSource(file, options.largeFileBytes ?? LARGE_FILE_BYTES, signal);
  } catch (error) {
    throwIfAborted(signal);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return failed('not-a-file', 'The path is not a regular file.');
    return failed('unreadable', `The file could not be read (${code ?? 'read error'}).`);
  }
  throwIfAborted(signal);
  const { input, bytes, sha256 } = source;
  if (bytes === 0) return failed('zero-byte', 'The file is empty (0 bytes).', { bytes: 0 });

  // A large file is only partly in memory: its framing is judged from the head, and truncation is left to the decoder.
  const container: ContainerInfo = typeof input === 'string' ? { ...inspectContainer(source.head), truncated: false, endMarker: undefined } : inspectContainer(input);
  const known = { bytes, sha256, ...(container.format ? { format: container.format } : {}) };

  let metadata: Metadata;
  try {
    // Reading the header allocates no pixels, so the pixel limit is applied by hand below, with the size in the message.
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    return headerFailure(container, errorText(error), known);
  }
  const { width, height } = metadata;
  const format = container.format === 'avif' ? 'avif' : metadata.format;
  if (!(width > 0 && height > 0)) return failed('unreadable', 'The image header gives no width or height.', { ...known, format });
  if (width * height > maxPixels) {
    return failed('oversized', oversizedMessage(width, height, maxPixels), { ...known, format, width, height });
  }

  throwIfAborted(signal);
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    // 'error' fails on truncation and decoder errors; mere warnings (e.g. extraneous bytes) still decode.
    decoded = await sharp(input, { limitInputPixels: Math.max(1, Math.floor(maxPixels)), failOn: 'error', sequentialRead: true })
      // A triangle (linear) kernel: antialiased like Lanczos but cheaper, and without ringing that would inflate contrast and sharpness.
      .resize({ width: STATS_MAX_SIDE, height: STATS_MAX_SIDE, fit: 'inside', withoutEnlargement: true, kernel: 'linear' })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    return decodeFailure(container, errorText(error), { ...known, format, width, height });
  }
  if (container.format === 'png' && container.truncated) {
    return failed('truncated', 'The PNG file ends before its IEND chunk: it is truncated (an incomplete copy or download).', { ...known, format, width, height });
  }
  throwIfAborted(signal);

  const { data, channels } = toOneOrThreeChannels(decoded.data, decoded.info);
  const stats = computePixelStats(data, decoded.info.width, decoded.info.height, channels);
  const facts: ImageFacts = {
    width,
    height,
    channels: metadata.channels,
    format,
    bytes,
    brightness: stats.brightness,
    contrast: stats.contrast,
    saturation: stats.saturation,
    sharpness: stats.sharpness,
    greyscale: metadata.channels <= 2 || stats.greyscale,
    dhash: stats.dhash,
    thumbnail: stats.thumbnail,
    sha256,
    exif: readExif(metadata.exif),
    provenance: { ...readProvenance(metadata.xmp, metadata.iptc), ...(container.c2pa ? { c2pa: true } : {}) },
  };
  return { ok: true, facts };
}

/** The message of an 'oversized' outcome. */
export function oversizedMessage(width: number, height: number, maxPixels: number): string {
  const pixels = (width * height).toLocaleString('en-US');
  return `The image is ${width} × ${height} = ${pixels} pixels, more than the limit of ${maxPixels.toLocaleString('en-US')} (thresholds.maxPixels); it was not decoded.`;
}

/** Files larger than this are hashed while streaming and decoded from disk rather than held in memory. */
export const LARGE_FILE_BYTES = 64 * 1024 * 1024;
/** Leading bytes of a large file kept for recognising its format and finding C2PA headers. */
const LARGE_FILE_HEAD_BYTES = 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;

interface SourceFile {
  /** The whole file, or its path when it is too large to hold. */
  input: Buffer | string;
  head: Buffer;
  bytes: number;
  sha256: string;
}

/** Reads a file once: whole into memory (hashing it), or for a large file, hashing it in chunks and keeping its head. */
async function readSource(file: string, largeFileBytes: number, signal: AbortSignal | undefined): Promise<SourceFile> {
  const handle = await fs.open(file, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    const hash = createHash('sha256');
    if (stat.size <= largeFileBytes) {
      const buf = Buffer.allocUnsafe(stat.size);
      let filled = 0;
      while (filled < buf.length) {
        const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
        if (bytesRead === 0) break; // the file shrank since stat
        filled += bytesRead;
      }
      const whole = filled === buf.length ? buf : buf.subarray(0, filled);
      return { input: whole, head: whole, bytes: filled, sha256: hash.update(whole).digest('hex') };
    }
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let head: Buffer | undefined;
    let bytes = 0;
    for (;;) {
      throwIfAborted(signal);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, bytes);
      if (bytesRead === 0) break;
      if (!head) head = Buffer.from(chunk.subarray(0, Math.min(bytesRead, LARGE_FILE_HEAD_BYTES)));
      hash.update(chunk.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { input: file, head: head ?? Buffer.alloc(0), bytes, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

type Known = { bytes?: number; sha256?: string; format?: string; width?: number; height?: number };

function failed(code: ScanErrorCode, message: string, known: Known = {}): ScanOutcome {
  return { ok: false, code, message, ...known };
}

/** sharp could not read the header: another format, a truncated header, or not an image at all. */
function headerFailure(container: ContainerInfo, text: string, known: Known): ScanOutcome {
  const format = container.format;
  if (format !== undefined) {
    const decoder = SHARP_DECODER[format] ?? format;
    if (!(sharp.format as unknown as Record<string, AvailableFormatInfo | undefined>)[decoder]?.input.buffer) {
      return failed('unsupported-format', `The file is a ${format.toUpperCase()} image, a format the image decoder does not read; convert it to PNG or JPEG.`, known);
    }
    if (container.truncated) return failed('truncated', `The ${format.toUpperCase()} file ends inside its header: it is truncated.`, known);
    return failed('unreadable', `The ${format.toUpperCase()} header could not be read (${text}).`, known);
  }
  return failed('unreadable', 'The file is not an image the decoder recognises (its first bytes match no known image format).', known);
}

/** The header was read but decoding failed: truncation, an unsupported codec, or corrupt data. */
function decodeFailure(container: ContainerInfo, text: string, known: Known): ScanOutcome {
  const name = (known.format ?? 'image').toUpperCase();
  const truncatedText = /premature end|truncat|unexpected end|end of (file|stream|data|image)|out of data|not enough data|short read/i.test(text);
  if (container.truncated || truncatedText || (container.format === 'jpeg' && container.endMarker === false)) {
    return failed('truncated', `The ${name} file ends before its image data does: it is truncated (an incomplete copy or download).`, known);
  }
  if (/unsupported|not supported|no decoder|codec/i.test(text)) {
    return failed('unsupported-format', `The ${name} file uses a coding the image decoder does not support (${text}); convert it to PNG or JPEG.`, known);
  }
  return failed('unreadable', `The ${name} data could not be decoded (${text}).`, known);
}

/** The first line of an error's text, for messages; never used to branch outside this file. */
function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].trim();
}

/** Reduces decoded pixels to 1 (grey) or 3 (RGB) interleaved channels. */
function toOneOrThreeChannels(data: Buffer, info: OutputInfo): { data: Uint8Array; channels: 1 | 3 } {
  const { channels } = info;
  if (channels === 1 || channels === 3) return { data, channels };
  const count = info.width * info.height;
  const keep = channels === 2 ? 1 : 3;
  const out = new Uint8Array(count * keep);
  for (let i = 0; i < count; i++) for (let c = 0; c < keep; c++) out[i * keep + c] = data[i * channels + c];
  return { data: out, channels: keep };
}
