// Small PNG thumbnails of dataset images for hovers, made by sharp (off the main thread, in libuv's pool) and cached
// in the extension's storage by path, size, modification time and thumbnail size.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { assertRegularFile, readGuardedFile, readGuardedText } from '../engine/io/guardedFile';
import { hostEngine } from './lazyHostEngine';

/** Largest image (in pixels) a thumbnail is made of; larger ones get none. */
const MAX_INPUT_PIXELS = 100_000_000;
/** Thumbnails kept in memory. */
const MEMORY_ENTRIES = 256;

/** A thumbnail as a data URI, with the source image's size. */
export interface Thumbnail {
  dataUri: string;
  width: number;
  height: number;
}

/** Makes and caches thumbnails; `cached` answers at once, `make` computes (and may be cancelled). */
export class ThumbnailCache {
  private readonly memory = new Map<string, Thumbnail>();
  private readonly inFlight = new Map<string, Promise<Thumbnail | undefined>>();

  constructor(private readonly dir: () => string) {}

  /** The thumbnail if it was made already in this session. */
  cached(file: string, size: number): Thumbnail | undefined {
    for (const [key, value] of this.memory) if (key.startsWith(`${path.resolve(file)}\0${size}\0`)) return value;
    return undefined;
  }

  /** Makes (or reads from disk) the thumbnail; undefined when the file is not a readable image. Never throws. */
  make(file: string, size: number, signal?: AbortSignal): Promise<Thumbnail | undefined> {
    const absolute = path.resolve(file);
    const work = (async (): Promise<Thumbnail | undefined> => {
      const stat = await fs.stat(absolute).catch(() => undefined);
      if (!stat?.isFile()) return undefined;
      const memoryKey = `${absolute}\0${size}\0${stat.mtimeMs}\0${stat.size}`;
      const hit = this.memory.get(memoryKey);
      if (hit) return hit;
      const running = this.inFlight.get(memoryKey);
      if (running) return running;
      const promise = this.render(absolute, size, memoryKey, signal).finally(() => this.inFlight.delete(memoryKey));
      this.inFlight.set(memoryKey, promise);
      return promise;
    })();
    return work.catch(() => undefined);
  }

  /** Deletes the thumbnails on disk and in memory. */
  async clear(): Promise<void> {
    this.memory.clear();
    await fs.rm(this.dir(), { recursive: true, force: true });
  }

  private async render(file: string, size: number, memoryKey: string, signal?: AbortSignal): Promise<Thumbnail | undefined> {
    const diskFile = path.join(this.dir(), `${createHash('sha1').update(memoryKey).digest('hex')}.png`);
    const metadataFile = `${diskFile}.json`;
    let png: Buffer | undefined;
    let source: { width: number; height: number } | undefined;
    try {
      png = await readGuardedFile(diskFile, 'thumbnail');
      source = JSON.parse(await readGuardedText(metadataFile, 'thumbnail')) as { width: number; height: number };
    } catch {
      png = undefined;
    }
    if (!png || !source) {
      if (signal?.aborted) return undefined;
      await assertRegularFile(file); // sharp would wait forever on a FIFO
      const image = hostEngine().sharp(file, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'none' });
      const metadata = await image.metadata();
      source = { width: metadata.width ?? 0, height: metadata.height ?? 0 };
      // Tiny images are enlarged with nearest-neighbour so their pixels stay visible.
      const kernel = Math.max(source.width, source.height) < size / 2 ? 'nearest' : 'lanczos3';
      png = await image.rotate().resize(size, size, { fit: 'inside', kernel }).png({ compressionLevel: 6 }).toBuffer();
      await fs.mkdir(this.dir(), { recursive: true });
      await fs.writeFile(diskFile, png);
      await fs.writeFile(metadataFile, JSON.stringify(source));
    }
    const thumbnail: Thumbnail = { dataUri: `data:image/png;base64,${png.toString('base64')}`, ...source };
    this.memory.set(memoryKey, thumbnail);
    if (this.memory.size > MEMORY_ENTRIES) this.memory.delete(this.memory.keys().next().value as string);
    return thumbnail;
  }
}
