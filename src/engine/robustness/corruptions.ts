// Common corruptions after Hendrycks & Dietterich 2019 (ImageNet-C), with the parameters of their reference code
// (github.com/hendrycks/robustness, ImageNet-C/create_c/make_imagenet_c.py, as packaged in `imagecorruptions`), applied
// to the decoded, resized pixels the model sees (ImageNet-C corrupts the 224×224 crop the model sees too). Parameters
// are in pixels of that frame and are not rescaled for other input sizes (as `imagecorruptions` does not rescale).
// Deviations from the reference code, all stated in the README:
// - every result is rounded to the nearest 0–255 value (the reference code leaves floats that are later truncated);
// - JPEG is encoded and decoded by sharp (libjpeg-turbo compatible tables, 4:2:0 chroma) instead of PIL (on the
//   test image the two give the same pixels);
// - random draws come from a seeded mulberry32 stream per image (Box–Muller normals, Poisson by inversion), not numpy.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { mulberry32 } from '../metrics/seededRandom';
import type { ModelPixels } from '../model/preprocess';

/** The corruptions, in report order. */
export const CORRUPTIONS = ['gaussian-noise', 'shot-noise', 'gaussian-blur', 'defocus-blur', 'brightness', 'contrast', 'jpeg', 'pixelate'] as const;
export type CorruptionName = (typeof CORRUPTIONS)[number];

/** Severities 1–5. */
export const SEVERITIES = [1, 2, 3, 4, 5] as const;

/** The parameter of each corruption at severities 1–5 (ImageNet-C's tables). */
export const CORRUPTION_PARAMETERS: Record<CorruptionName, { parameter: string; values: ReadonlyArray<number | readonly [number, number]> }> = {
  /** x/255 + N(0, c²), clipped to [0, 1]. */
  'gaussian-noise': { parameter: 'standard deviation (share of the 0–255 range)', values: [0.08, 0.12, 0.18, 0.26, 0.38] },
  /** Poisson(x/255 · c) / c, clipped. */
  'shot-noise': { parameter: 'photons per unit intensity', values: [60, 25, 12, 5, 3] },
  /** skimage.filters.gaussian(σ = c, mode 'nearest', truncate 4). */
  'gaussian-blur': { parameter: 'σ in pixels', values: [1, 2, 3, 4, 6] },
  /** cv2.filter2D with a disk of radius r, anti-aliased by a Gaussian of σ a (3×3, or 5×5 for r > 8), border reflect-101. */
  'defocus-blur': { parameter: '(disk radius, alias σ) in pixels', values: [[3, 0.1], [4, 0.5], [6, 0.5], [8, 0.5], [10, 0.5]] },
  /** HSV value + c, clipped. */
  brightness: { parameter: 'added HSV value', values: [0.1, 0.2, 0.3, 0.4, 0.5] },
  /** (x − channel mean) · c + channel mean. */
  contrast: { parameter: 'contrast factor', values: [0.4, 0.3, 0.2, 0.1, 0.05] },
  /** JPEG re-encode at this quality. */
  jpeg: { parameter: 'JPEG quality', values: [25, 18, 15, 10, 7] },
  /** Down to ⌊c · size⌋ and back up. */
  pixelate: { parameter: 'resize factor', values: [0.6, 0.5, 0.4, 0.3, 0.25] },
};

/** One corruption at one severity. */
export interface CorruptionCondition {
  corruption: CorruptionName;
  severity: number;
}

/** "gaussian-noise@3": the condition's key in results and caches. */
export function conditionKey(condition: CorruptionCondition): string {
  return `${condition.corruption}@${condition.severity}`;
}

/** The 32-bit seed of an image's random draws: sha256 of (seed, image content, what draws them), so results do not depend on order. */
export function imageSeed(seed: number, contentHash: string, purpose: string): number {
  return createHash('sha256').update(`${seed}\u0000${contentHash}\u0000${purpose}`).digest().readUInt32LE(0);
}

const toByte = (value: number): number => Math.min(255, Math.max(0, Math.round(value)));

/** Returns the corrupted copy of interleaved 8-bit RGB pixels (the input is not changed). */
export async function corruptPixels(pixels: ModelPixels, condition: CorruptionCondition, seed: number): Promise<ModelPixels> {
  const { corruption, severity } = condition;
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) throw new RangeError(`severity must be 1–5, got ${severity}`);
  const c = CORRUPTION_PARAMETERS[corruption].values[severity - 1];
  const { data, width, height, channels } = pixels;
  const out = new Uint8Array(data.length);
  const random = mulberry32(seed);
  switch (corruption) {
    case 'gaussian-noise': {
      const sigma = c as number;
      for (let i = 0; i < data.length; i++) out[i] = toByte(255 * Math.min(1, Math.max(0, data[i] / 255 + sigma * normal(random))));
      break;
    }
    case 'shot-noise': {
      const photons = c as number;
      for (let i = 0; i < data.length; i++) out[i] = toByte(255 * Math.min(1, Math.max(0, poisson((data[i] / 255) * photons, random) / photons)));
      break;
    }
    case 'gaussian-blur':
      out.set(convolveSeparable(data, width, height, channels, gaussianKernel(c as number)));
      break;
    case 'defocus-blur': {
      const [radius, alias] = c as readonly [number, number];
      out.set(convolve2d(data, width, height, channels, defocusKernel(radius, alias)));
      break;
    }
    case 'brightness':
      brighten(data, out, channels, c as number);
      break;
    case 'contrast': {
      const factor = c as number;
      for (let k = 0; k < channels; k++) {
        let sum = 0;
        for (let i = k; i < data.length; i += channels) sum += data[i];
        const mean = sum / (data.length / channels) / 255;
        for (let i = k; i < data.length; i += channels) out[i] = toByte(255 * Math.min(1, Math.max(0, (data[i] / 255 - mean) * factor + mean)));
      }
      break;
    }
    case 'jpeg': {
      const raw = { raw: { width, height, channels } } as const;
      const encoded = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), raw).jpeg({ quality: c as number }).toBuffer();
      const decoded = await sharp(encoded).toColourspace(channels === 1 ? 'b-w' : 'srgb').raw().toBuffer();
      out.set(decoded.subarray(0, out.length));
      break;
    }
    case 'pixelate': {
      const smallWidth = Math.max(1, Math.floor(width * (c as number)));
      const smallHeight = Math.max(1, Math.floor(height * (c as number)));
      out.set(boxResize(boxResize(data, width, height, channels, smallWidth, smallHeight), smallWidth, smallHeight, channels, width, height));
      break;
    }
    default:
      throw new RangeError(`unknown corruption '${String(corruption)}'`);
  }
  return { ...pixels, data: out };
}

/** The weights of Pillow's resampling along one axis with its box filter (Resample.c precompute_coeffs, support ½ · max(1, scale)). */
function boxCoefficients(inSize: number, outSize: number): Array<{ start: number; weights: number[] }> {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 0.5 * filterScale;
  const box = (t: number): number => (t > -0.5 && t <= 0.5 ? 1 : 0);
  return Array.from({ length: outSize }, (_, xx) => {
    const center = (xx + 0.5) * scale;
    const start = Math.max(0, Math.trunc(center - support + 0.5));
    const end = Math.min(inSize, Math.trunc(center + support + 0.5));
    const weights: number[] = [];
    for (let x = start; x < end; x++) weights.push(box((x - center + 0.5) / filterScale));
    const total = weights.reduce((a, b) => a + b, 0);
    return { start, weights: weights.map((w) => (total !== 0 ? w / total : 0)) };
  });
}

/** Pillow's Image.resize(BOX) on interleaved 8-bit pixels: the horizontal pass, rounded to bytes, then the vertical one. */
export function boxResize(data: Uint8Array, width: number, height: number, channels: number, outWidth: number, outHeight: number): Uint8Array {
  const across = boxCoefficients(width, outWidth);
  const horizontal = new Uint8Array(outWidth * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outWidth; x++) {
      const { start, weights } = across[x];
      for (let k = 0; k < channels; k++) {
        let sum = 0;
        for (let j = 0; j < weights.length; j++) sum += weights[j] * data[(y * width + start + j) * channels + k];
        horizontal[(y * outWidth + x) * channels + k] = toByte(sum);
      }
    }
  }
  const down = boxCoefficients(height, outHeight);
  const out = new Uint8Array(outWidth * outHeight * channels);
  for (let y = 0; y < outHeight; y++) {
    const { start, weights } = down[y];
    for (let x = 0; x < outWidth; x++) {
      for (let k = 0; k < channels; k++) {
        let sum = 0;
        for (let j = 0; j < weights.length; j++) sum += weights[j] * horizontal[((start + j) * outWidth + x) * channels + k];
        out[(y * outWidth + x) * channels + k] = toByte(sum);
      }
    }
  }
  return out;
}

/** A standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A Poisson(λ) draw by inversion (exact; λ ≤ 60 here, so e^−λ stays far from underflow). */
function poisson(lambda: number, random: () => number): number {
  const u = random();
  let k = 0;
  let p = Math.exp(-lambda);
  let cumulative = p;
  while (u > cumulative && k < 10_000) {
    k++;
    p *= lambda / k;
    cumulative += p;
  }
  return k;
}

/** The Gaussian kernel of scipy.ndimage.gaussian_filter1d: radius ⌊4σ + 0.5⌋, normalised to sum 1. */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.floor(4 * sigma + 0.5);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

/** ImageNet-C's `disk(radius, alias_blur)`: the normalised aliased disk on [−max(8, r), max(8, r)]², blurred by cv2.GaussianBlur (3×3, or 5×5 for r > 8). */
export function defocusKernel(radius: number, alias: number): { size: number; values: Float64Array } {
  const half = radius <= 8 ? 8 : radius;
  const size = 2 * half + 1;
  const disk = new Float64Array(size * size);
  let count = 0;
  for (let y = -half; y <= half; y++) for (let x = -half; x <= half; x++) if (x * x + y * y <= radius * radius) { disk[(y + half) * size + x + half] = 1; count++; }
  for (let i = 0; i < disk.length; i++) disk[i] /= count;
  // cv2.getGaussianKernel(ksize, σ): exp(−(i − (ksize−1)/2)² / 2σ²), normalised; the border of the blur is reflect-101.
  const ksize = radius <= 8 ? 3 : 5;
  const g = new Float64Array(ksize);
  let gsum = 0;
  for (let i = 0; i < ksize; i++) gsum += g[i] = Math.exp(-((i - (ksize - 1) / 2) ** 2) / (2 * alias * alias));
  for (let i = 0; i < ksize; i++) g[i] /= gsum;
  const blurred = new Float64Array(size * size);
  const r = (ksize - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) sum += g[dy + r] * g[dx + r] * disk[reflect101(y + dy, size) * size + reflect101(x + dx, size)];
      blurred[y * size + x] = sum;
    }
  }
  return { size, values: blurred };
}

/** Index into [0, n) with reflect-101 borders (cv2 BORDER_REFLECT_101, scipy 'mirror'): −1 → 1, n → n − 2. */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** Index into [0, n) with 'nearest' borders (scipy.ndimage mode 'nearest'). */
function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/** One channel of interleaved pixels as a plane padded by `r` on every side, the border filled by `index` (reflect-101 or nearest). */
function paddedPlane(data: Uint8Array, width: number, height: number, channels: number, k: number, r: number, index: (i: number, n: number) => number): { plane: Float64Array; stride: number } {
  const stride = width + 2 * r;
  const plane = new Float64Array(stride * (height + 2 * r));
  for (let y = -r; y < height + r; y++) {
    const sourceRow = index(y, height) * width;
    for (let x = -r; x < width + r; x++) plane[(y + r) * stride + x + r] = data[(sourceRow + index(x, width)) * channels + k];
  }
  return { plane, stride };
}

/** Separable convolution of each channel with a symmetric 1-D kernel, 'nearest' borders, rounded to bytes. */
function convolveSeparable(data: Uint8Array, width: number, height: number, channels: number, kernel: Float64Array): Uint8Array {
  const r = (kernel.length - 1) / 2;
  const out = new Uint8Array(data.length);
  for (let k = 0; k < channels; k++) {
    const { plane, stride } = paddedPlane(data, width, height, channels, k, r, clampIndex);
    // Horizontal pass over every padded row (the vertical pass reads the padded rows above and below).
    const rows = new Float64Array(stride * (height + 2 * r));
    for (let y = 0; y < height + 2 * r; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        const base = y * stride + x;
        for (let d = 0; d < kernel.length; d++) sum += kernel[d] * plane[base + d];
        rows[y * stride + x] = sum;
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        for (let d = 0; d < kernel.length; d++) sum += kernel[d] * rows[(y + d) * stride + x];
        out[(y * width + x) * channels + k] = toByte(sum);
      }
    }
  }
  return out;
}

/** 2-D correlation of each channel with a square kernel, reflect-101 borders (cv2.filter2D's default), rounded to bytes. */
function convolve2d(data: Uint8Array, width: number, height: number, channels: number, kernel: { size: number; values: Float64Array }): Uint8Array {
  const r = (kernel.size - 1) / 2;
  const out = new Uint8Array(data.length);
  const stride = width + 2 * r;
  // The kernel's non-zero taps as offsets into the padded plane (the disk is zero outside its blurred rim).
  const offsets: number[] = [];
  const weights: number[] = [];
  for (let dy = 0; dy < kernel.size; dy++) {
    for (let dx = 0; dx < kernel.size; dx++) {
      const weight = kernel.values[dy * kernel.size + dx];
      if (weight !== 0) {
        offsets.push(dy * stride + dx);
        weights.push(weight);
      }
    }
  }
  const taps = offsets.length;
  for (let k = 0; k < channels; k++) {
    const { plane } = paddedPlane(data, width, height, channels, k, r, reflect101);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const base = y * stride + x;
        let sum = 0;
        for (let t = 0; t < taps; t++) sum += weights[t] * plane[base + offsets[t]];
        out[(y * width + x) * channels + k] = toByte(sum);
      }
    }
  }
  return out;
}

/**
 * HSV value + c, clipped to 1 (skimage rgb2hsv → v += c → hsv2rgb): hue and saturation are kept, so each channel
 * scales by v′/v; a black pixel (v = 0, saturation 0) becomes grey v′.
 */
function brighten(data: Uint8Array, out: Uint8Array, channels: number, c: number): void {
  for (let i = 0; i < data.length; i += channels) {
    let v = 0;
    for (let k = 0; k < channels; k++) v = Math.max(v, data[i + k] / 255);
    const raised = Math.min(1, v + c);
    for (let k = 0; k < channels; k++) out[i + k] = toByte(255 * (v === 0 ? raised : (data[i + k] / 255) * (raised / v)));
  }
}
