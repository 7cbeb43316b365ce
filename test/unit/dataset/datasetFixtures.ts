// Builds dataset fixtures in a temporary folder at test time.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { resolveConfig } from '../../../src/engine/config/config';
import type { FairframeConfig, ResolvedConfig } from '../../../src/engine/config/configTypes';

let png: Buffer | undefined;

/** A 1×1 PNG. */
export async function tinyPng(): Promise<Buffer> {
  png ??= await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toBuffer();
  return png;
}

/** A fresh temporary folder. */
export async function tempDir(prefix = 'ff-dataset-'): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

/** Writes 1×1 PNGs at the given paths relative to `root` (any extension; the bytes are a PNG). */
export async function writeImages(root: string, relPaths: string[]): Promise<void> {
  const bytes = await tinyPng();
  for (const rel of relPaths) {
    const file = path.join(root, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, bytes);
  }
}

/** Writes a text file, creating its folder. */
export async function writeText(root: string, rel: string, text: string): Promise<string> {
  const file = path.join(root, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  return file;
}

/** A resolved config as if read from `<dir>/fairframe.json`. */
export function configIn(dir: string, raw: FairframeConfig = {}): ResolvedConfig {
  return resolveConfig(raw, path.join(dir, 'fairframe.json'));
}
