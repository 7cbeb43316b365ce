// Renders and writes the planned images in index order, re-drawing any original that comes out near an unrelated image.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FairframeError } from '../engine/errors';
import { hexToHalves, popcount32 } from '../engine/hash/hammingDistance';
import {
  IMAGE_SIZE,
  JPEG_QUALITY,
  DARK_SITE,
  DARK_SITE_FACTOR,
  DARK_SITE_SENSOR_NOISE,
  SENSOR_NOISE,
  NEAR_DUPLICATE_MAX_DISTANCE,
  UNRELATED_MIN_DISTANCE,
  UNRELATED_ORIGINAL_MIN_DISTANCE,
} from './demoDesign';
import type { NearDuplicatePair } from './demoManifest';
import type { PlannedImage } from './demoPlan';
import { AI_DIGITAL_SOURCE_TYPE, decodeMask, decodeRgb, encodeJpeg, encodeMask, gpsTag, measureJpeg, type EmbeddedMetadata, type MeasuredImage } from './encodeDemoImage';
import { paintLesionImage } from './paintLesionImage';
import { createRandom, deriveSeed } from './random';

/** Images painted and encoded at once before the in-order checks. */
const CHUNK = 16;
/** Re-draws of one original before giving up (each is a fresh random image, so more than a few is never needed). */
const MAX_ATTEMPTS = 50;

/** What rendering recorded about each written image. */
export interface RenderedImages {
  /** Measurements per index, for decodable images only. */
  measured: Map<number, MeasuredImage>;
  /** The metadata embedded per index. */
  embedded: Map<number, EmbeddedMetadata>;
  /** Planted near-duplicate alterations and distances per copy index. */
  nearDuplicates: Map<number, Pick<NearDuplicatePair, 'distance' | 'alteration'>>;
  /** Corrupt files per index: bytes written and bytes of the full encoding. */
  corrupt: Map<number, { bytes: number; encodedBytes: number }>;
  /** Smallest distance between two unrelated decodable images, by either dHash reading. */
  minUnrelatedDistance: { engine: number; sharp: number } | null;
  /** Extra draws needed to keep unrelated originals apart. */
  redraws: number;
}

interface Encoded {
  jpeg: Buffer;
  mask: Buffer;
  measured: MeasuredImage;
}

/** Renders images 0 … count − 1 of the plan into `dataRoot` and masks into `maskRoot`. */
export async function renderDemoImages(
  images: readonly PlannedImage[],
  count: number,
  seed: number,
  dataRoot: string,
  maskRoot: string,
  onProgress?: (done: number, total: number) => void,
): Promise<RenderedImages> {
  const result: RenderedImages = { measured: new Map(), embedded: new Map(), nearDuplicates: new Map(), corrupt: new Map(), minUnrelatedDistance: null, redraws: 0 };
  const pool = new HashPool(count);
  const sources = new Map<number, Encoded>();
  const isSource = new Set(images.flatMap((image) => (image.role.kind === 'original' ? [] : [image.role.source])));

  for (let start = 0; start < count; start += CHUNK) {
    const chunk = images.slice(start, Math.min(count, start + CHUNK));
    // First attempts of the originals in parallel; decisions below are taken strictly in index order.
    const first = await Promise.all(chunk.map((image) => (image.role.kind === 'original' ? renderOriginal(image, seed, 0) : undefined)));
    const writes: Promise<void>[] = [];
    for (const [k, image] of chunk.entries()) {
      let encoded: Encoded;
      let group = image.index;
      if (image.role.kind === 'original') {
        encoded = first[k] as Encoded;
        if (image.treatment !== 'truncated' && image.treatment !== 'zero-byte') {
          let attempt = 0;
          while (!pool.acceptsOriginal(encoded.measured)) {
            if (++attempt >= MAX_ATTEMPTS) throw new FairframeError('internal', `Image ${image.fileName} stays within dHash distance of an unrelated image after ${attempt} draws.`);
            result.redraws++;
            encoded = await renderOriginal(image, seed, attempt);
          }
        }
      } else {
        const source = sources.get(image.role.source);
        if (!source) throw new FairframeError('internal', `The source of ${image.fileName} was not rendered first.`);
        group = image.role.source;
        if (image.role.kind === 'exact-copy') {
          encoded = source;
        } else {
          const copy = await renderNearDuplicate(image, source, seed, pool, group);
          encoded = copy.encoded;
          result.nearDuplicates.set(image.index, { distance: copy.distance, alteration: copy.alteration });
        }
      }
      if (isSource.has(image.index)) sources.set(image.index, encoded);
      const metadata = embeddedMetadata(image, seed);
      if (metadata) result.embedded.set(image.index, metadata);

      let bytes = encoded.jpeg;
      if (image.treatment === 'truncated' || image.treatment === 'zero-byte') {
        const fraction = createRandom(deriveSeed(seed, 'truncate', image.index)).uniform(0.4, 0.6);
        bytes = image.treatment === 'zero-byte' ? Buffer.alloc(0) : encoded.jpeg.subarray(0, Math.floor(encoded.jpeg.length * fraction));
        result.corrupt.set(image.index, { bytes: bytes.length, encodedBytes: encoded.jpeg.length });
      } else {
        pool.add(encoded.measured, group, image.role.kind === 'original');
        result.measured.set(image.index, encoded.measured);
      }
      writes.push(fs.writeFile(path.join(dataRoot, image.fileName), bytes), fs.writeFile(path.join(maskRoot, image.maskName), encoded.mask));
    }
    await Promise.all(writes);
    onProgress?.(Math.min(count, start + CHUNK), count);
  }
  result.minUnrelatedDistance = pool.minUnrelated();
  return result;
}

async function renderOriginal(image: PlannedImage, seed: number, attempt: number): Promise<Encoded> {
  const random = createRandom(deriveSeed(seed, 'image', image.index, attempt));
  const dark = image.site === DARK_SITE;
  const painted = paintLesionImage(
    { lesionClass: image.trueClass, fitzpatrick: image.fitzpatrick, exposure: dark ? DARK_SITE_FACTOR : 1, noise: dark ? DARK_SITE_SENSOR_NOISE : SENSOR_NOISE, size: IMAGE_SIZE },
    random,
  );
  const metadata = embeddedMetadata(image, seed) ?? {};
  const [jpeg, mask] = await Promise.all([encodeJpeg(painted.rgb, IMAGE_SIZE, JPEG_QUALITY, metadata), encodeMask(painted.mask, IMAGE_SIZE)]);
  return { jpeg, mask, measured: await measureJpeg(jpeg) };
}

/** The metadata a file embeds, derived from the seed and index alone. */
function embeddedMetadata(image: PlannedImage, seed: number): EmbeddedMetadata | undefined {
  const random = createRandom(deriveSeed(seed, 'metadata', image.index));
  switch (image.treatment) {
    case 'gps':
      // Positions spread over Europe, to 1/100 of an arc second.
      return { gps: gpsTag(random.uniform(36, 60), random.uniform(-9, 28)) };
    case 'serial-number':
      return { bodySerialNumber: `DS${String(random.int(0, 99_999_999)).padStart(8, '0')}` };
    case 'ai-generated':
      return { digitalSourceType: AI_DIGITAL_SOURCE_TYPE };
    default:
      return undefined;
  }
}

/** Decodes the source, shifts it by at most a pixel, nudges its brightness and re-encodes it at another quality. */
async function renderNearDuplicate(
  image: PlannedImage,
  source: Encoded,
  seed: number,
  pool: HashPool,
  group: number,
): Promise<{ encoded: Encoded; distance: NearDuplicatePair['distance']; alteration: NearDuplicatePair['alteration'] }> {
  const rgb = await decodeRgb(source.jpeg);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const random = createRandom(deriveSeed(seed, 'alteration', image.index, attempt));
    const quality = random.int(72, 85);
    const brightnessDelta = random.pick([-2, -1, 1, 2]);
    // After a few tries keep the pixels in place: the shift is what moves dHash bits most.
    const [shiftX, shiftY] = attempt < 8 ? random.pick([[1, 0], [-1, 0], [0, 1], [0, -1]] as const) : [0, 0];
    const altered = shiftPixels(rgb, 3, shiftX, shiftY, brightnessDelta);
    const mask = await encodeMask(shiftPixels(await decodeMask(source.mask), 1, shiftX, shiftY, 0), IMAGE_SIZE);
    const jpeg = await encodeJpeg(altered, IMAGE_SIZE, quality);
    const measured = await measureJpeg(jpeg);
    const distance = { engine: hashDistance(measured.dhash, source.measured.dhash), sharp: hashDistance(measured.sharpDhash, source.measured.sharpDhash) };
    const near = distance.engine <= NEAR_DUPLICATE_MAX_DISTANCE && distance.sharp <= NEAR_DUPLICATE_MAX_DISTANCE;
    if (near && measured.sha256 !== source.measured.sha256 && pool.acceptsCopy(measured, group)) {
      return { encoded: { jpeg, mask, measured }, distance, alteration: { quality, brightnessDelta, shiftX, shiftY } };
    }
  }
  throw new FairframeError('internal', `No alteration of the source of ${image.fileName} stays within dHash distance ${NEAR_DUPLICATE_MAX_DISTANCE}.`);
}

/** Moves every pixel by (dx, dy), repeating the edge, and adds `delta` to every value (clamped). */
function shiftPixels(pixels: Buffer, channels: number, dx: number, dy: number, delta: number): Buffer {
  const size = IMAGE_SIZE;
  const out = Buffer.alloc(pixels.length);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(size - 1, Math.max(0, y - dy));
    for (let x = 0; x < size; x++) {
      const sx = Math.min(size - 1, Math.max(0, x - dx));
      for (let c = 0; c < channels; c++) out[(y * size + x) * channels + c] = Math.min(255, Math.max(0, pixels[(sy * size + sx) * channels + c] + delta));
    }
  }
  return out;
}

function hashDistance(a: string, b: string): number {
  const [ah, al] = hexToHalves(a);
  const [bh, bl] = hexToHalves(b);
  return popcount32((ah ^ bh) >>> 0) + popcount32((al ^ bl) >>> 0);
}

/** The dHashes of accepted images, with a linear scan per check (a few thousand images). */
class HashPool {
  private readonly hashes: Uint32Array;
  private readonly groups: Int32Array;
  private readonly originals: Uint8Array;
  private size = 0;
  private minEngine = Number.POSITIVE_INFINITY;
  private minSharp = Number.POSITIVE_INFINITY;

  constructor(capacity: number) {
    this.hashes = new Uint32Array(capacity * 4);
    this.groups = new Int32Array(capacity);
    this.originals = new Uint8Array(capacity);
  }

  /** An original must be far from every original and clear of every copy. */
  acceptsOriginal(measured: MeasuredImage): boolean {
    const [toOriginals, toCopies] = this.nearest(measured, -1);
    return toOriginals >= UNRELATED_ORIGINAL_MIN_DISTANCE && toCopies >= UNRELATED_MIN_DISTANCE;
  }

  /** A copy must be clear of every image outside its own group. */
  acceptsCopy(measured: MeasuredImage, group: number): boolean {
    const [toOriginals, toCopies] = this.nearest(measured, group);
    return Math.min(toOriginals, toCopies) >= UNRELATED_MIN_DISTANCE;
  }

  add(measured: MeasuredImage, group: number, original: boolean): void {
    const [eh, el] = hexToHalves(measured.dhash);
    const [sh, sl] = hexToHalves(measured.sharpDhash);
    for (let i = 0; i < this.size; i++) {
      if (this.groups[i] === group) continue;
      const o = i * 4;
      this.minEngine = Math.min(this.minEngine, popcount32((this.hashes[o] ^ eh) >>> 0) + popcount32((this.hashes[o + 1] ^ el) >>> 0));
      this.minSharp = Math.min(this.minSharp, popcount32((this.hashes[o + 2] ^ sh) >>> 0) + popcount32((this.hashes[o + 3] ^ sl) >>> 0));
    }
    this.hashes.set([eh, el, sh, sl], this.size * 4);
    this.groups[this.size] = group;
    this.originals[this.size] = original ? 1 : 0;
    this.size++;
  }

  minUnrelated(): { engine: number; sharp: number } | null {
    return Number.isFinite(this.minEngine) ? { engine: this.minEngine, sharp: this.minSharp } : null;
  }

  /** Smallest distance (by either reading) to originals and to copies outside `group`. */
  private nearest(measured: MeasuredImage, group: number): [number, number] {
    const [eh, el] = hexToHalves(measured.dhash);
    const [sh, sl] = hexToHalves(measured.sharpDhash);
    let toOriginals = Number.POSITIVE_INFINITY;
    let toCopies = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.size; i++) {
      if (this.groups[i] === group) continue;
      const o = i * 4;
      const engine = popcount32((this.hashes[o] ^ eh) >>> 0) + popcount32((this.hashes[o + 1] ^ el) >>> 0);
      const sharp = popcount32((this.hashes[o + 2] ^ sh) >>> 0) + popcount32((this.hashes[o + 3] ^ sl) >>> 0);
      const distance = Math.min(engine, sharp);
      if (this.originals[i]) toOriginals = Math.min(toOriginals, distance);
      else toCopies = Math.min(toCopies, distance);
    }
    return [toOriginals, toCopies];
  }
}
