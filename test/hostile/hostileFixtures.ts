// Building blocks for the hostile-input cases: small real images, datasets, FIFOs, symlinks and models, all made in
// a temporary folder at test time (nothing here is committed as data).
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { buildClassifier } from '../unit/model/onnxBuilder';

/** What a case expects of the CLI run. */
export interface Expectation {
  /** Exit code (or any of several). */
  exit: number | number[];
  /** Must match stdout + stderr. */
  output?: RegExp | RegExp[];
  /** Must not match stdout + stderr. */
  notOutput?: RegExp | RegExp[];
  /** Paths relative to the case folder that must not exist after the run. */
  absent?: string[];
  /** Paths relative to the case folder that must exist after the run. */
  present?: string[];
  /** Files (relative) whose contents must not match notOutput either (reports). */
  reports?: string[];
  /** Largest resident set allowed, MiB (default 1024). */
  maxRssMiB?: number;
  /** Send SIGINT this many ms after the start (twice when `sigintTwice`). */
  sigintAfterMs?: number;
  sigintTwice?: boolean;
}

/** One hostile case: builds its inputs in `dir` and returns the CLI arguments. */
export interface HostileCase {
  name: string;
  build(dir: string): Promise<string[]>;
  expect: Expectation;
}

// Raw ESC, CSI (C1) or right-to-left override, or a line starting a GitHub Actions workflow command.
// eslint-disable-next-line no-control-regex
export const NO_RAW_CONTROL = /[\u001b\u009b\u202e]|^::/m;

/** A small PNG of one colour. */
export async function png(file: string, shade = 128, size = 16): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp({ create: { width: size, height: size, channels: 3, background: { r: shade, g: 255 - shade, b: (shade * 7) % 256 } } }).png().toFile(file);
}

/** A small JPEG with a gradient, so that it has real content. */
export async function jpeg(file: string, seed = 1, size = 24): Promise<Buffer> {
  const pixels = Buffer.alloc(size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * seed * 31 + (i % 7) * 17) % 256;
  const bytes = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).jpeg().toBuffer();
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, bytes);
  return bytes;
}

/** An ImageFolder dataset `root` with `perClass` distinct images in cat/ and dog/. */
export async function imageFolder(root: string, perClass = 3): Promise<string> {
  for (const [label, base] of [['cat', 10], ['dog', 140]] as const) {
    for (let i = 0; i < perClass; i++) await png(path.join(root, label, `${i}.png`), base + i * 20);
  }
  return root;
}

/** A CSV manifest dataset: images under images/, rows as given (header first). */
export async function manifestDataset(root: string, rows: string[], name = 'manifest.csv'): Promise<string> {
  await imageFolder(path.join(root, 'images'));
  await writeText(path.join(root, name), `${rows.join('\n')}\n`);
  return path.join(root, name);
}

/** The rows of a valid manifest over imageFolder(root/images). */
export function validRows(extra = ''): string[] {
  const rows = ['path,label,gender' + (extra ? `,${extra}` : '')];
  for (const label of ['cat', 'dog']) for (let i = 0; i < 3; i++) rows.push(`images/${label}/${i}.png,${label},${i % 2 ? 'f' : 'm'}`);
  return rows;
}

export async function writeText(file: string, text: string | Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
}

/** A FIFO (named pipe) at `file`; nothing ever writes to it. */
export async function fifo(file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  execFileSync('mkfifo', [file]);
}

export async function symlink(target: string, file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.symlink(target, file);
}

/** A valid 2-class ONNX classifier (cat, dog) of 8 × 8 input at `file`, with its sidecar unless `sidecar` is false. */
export async function model(file: string, options: { size?: number; sidecar?: boolean; batch?: number } = {}): Promise<void> {
  const built = buildClassifier({ classes: 2, size: options.size ?? 8, batch: options.batch ?? 'N' });
  await writeText(file, Buffer.from(built.bytes));
  if (options.sidecar !== false) await writeText(file.replace(/\.onnx$/, '.json'), JSON.stringify({ labels: ['cat', 'dog'] }));
}

/** `bytes` of a repeated character, written in chunks (for the huge-line cases). */
export async function bigFile(file: string, head: string, fill: number, bytes: number, tail: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, 'w');
  try {
    await handle.write(head);
    const chunk = Buffer.alloc(4 * 1024 * 1024, fill);
    for (let written = 0; written < bytes; written += chunk.length) await handle.write(chunk.subarray(0, Math.min(chunk.length, bytes - written)));
    await handle.write(tail);
  } finally {
    await handle.close();
  }
}

/** A PNG whose header claims `width` × `height` pixels, with almost no data (a decompression-bomb header). */
export function pngHeader(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (data: Buffer): number => {
    let c = 0xffffffff;
    for (const byte of data) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), chunk('IEND', Buffer.alloc(0))]);
}

/** Audit arguments for a target, without cache or progress unless asked. */
export function audit(target: string, ...extra: string[]): string[] {
  return ['audit', target, '--quiet', ...(extra.includes('--cache') ? [] : ['--no-cache']), ...extra];
}
