// The image as the model sees it, and perturbed copies of it. The input tensor is made by the audit's own
// decodeForModel + writeTensor, so an explanation is of exactly what the audit fed the model. Perturbations are made
// in pixel space: a perturbed pixel is keep · image + (1 − keep) · baseline, per channel.
//
// The tensor of a pixel is affine in the pixel value ((v · scale − mean) / std per channel), so blending the image's and
// the baseline's tensors with the same weights gives the tensor of the blended pixels; `createPerturber` does that,
// which is exact for binary masks and, for soft masks (RISE), skips only the rounding of blended pixels to bytes.
import sharp from 'sharp';
import { FairframeError } from '../errors';
import type { ModelSpec, PreprocessSpec } from '../model/modelTypes';
import { decodeForModel, luma601, tensorElementsPerImage, writeTensor } from '../model/preprocess';
import type { ExplainImage } from './explainTypes';

/**
 * What removed pixels become: 'mean' = the image's mean colour (needs no dataset statistics), 'black', 'blur' = a
 * Gaussian blur of the image (σ = BLUR_SIGMA_FRACTION of the shorter side), or a constant grey level / per-channel colour in 0–255.
 */
export type PerturbationBaseline = 'mean' | 'black' | 'blur' | number | readonly number[];

/** σ of the 'blur' baseline as a fraction of the image's shorter side (σ = 6.4 px at 64 px, 14 px at 224 px). */
export const BLUR_SIGMA_FRACTION = 0.1;

/** Decodes an image file or buffer for the model (as the audit does) and keeps the resized pixels; rejects 'bad-image' when it cannot be decoded. */
export async function prepareExplainImage(input: Buffer | string, spec: ModelSpec | PreprocessSpec): Promise<ExplainImage> {
  const p = 'preprocess' in spec ? spec.preprocess : spec;
  const decoded = await decodeForModel(input, p);
  // The model's frame: output (x, y) reads decoded (x + left, y + top), black outside; grey is Rec. 601 luma, as writeTensor computes it.
  const { width: W, height: H, channels: C } = p;
  const pixels = new Uint8Array(W * H * C);
  for (let y = 0; y < H; y++) {
    const sourceY = y + decoded.top;
    for (let x = 0; x < W; x++) {
      const sourceX = x + decoded.left;
      if (sourceY < 0 || sourceY >= decoded.height || sourceX < 0 || sourceX >= decoded.width) continue;
      const at = (sourceY * decoded.width + sourceX) * decoded.channels;
      const to = (y * W + x) * C;
      const d = decoded.data;
      if (C === 1) pixels[to] = decoded.channels === 1 ? d[at] : luma601(d[at], d[at + 1], d[at + 2]);
      else for (let c = 0; c < 3; c++) pixels[to + c] = decoded.channels === 1 ? d[at] : d[at + c];
    }
  }
  return { input: inputFromPixels(pixels, p), pixels, width: W, height: H, channels: C };
}

/** The model input for pixels in the model's frame (width × height × channels bytes, as ExplainImage.pixels). */
export function inputFromPixels(pixels: Uint8Array, spec: ModelSpec | PreprocessSpec): Float32Array {
  const p = 'preprocess' in spec ? spec.preprocess : spec;
  if (pixels.length !== p.width * p.height * p.channels) {
    throw new FairframeError('bad-image', `Pixels of length ${pixels.length} do not make a ${p.width}×${p.height}×${p.channels} image for the model; give width × height × channels bytes.`);
  }
  const target = new Float32Array(tensorElementsPerImage(p));
  writeTensor({ data: pixels, width: p.width, height: p.height, channels: p.channels, left: 0, top: 0 }, p, target, 0);
  return target;
}

/** The baseline image (same size and channels as `image`) that removed pixels are replaced with. */
export async function baselinePixels(image: ExplainImage, baseline: PerturbationBaseline): Promise<Uint8Array> {
  const { width, height, channels, pixels } = image;
  const out = new Uint8Array(pixels.length);
  const fillColour = (colour: readonly number[]): Uint8Array => {
    for (let i = 0; i < out.length; i++) out[i] = colour[i % channels];
    return out;
  };
  if (baseline === 'black') return out;
  if (baseline === 'mean') {
    const sums = new Array<number>(channels).fill(0);
    for (let i = 0; i < pixels.length; i++) sums[i % channels] += pixels[i];
    return fillColour(sums.map((sum) => Math.round(sum / (width * height))));
  }
  if (baseline === 'blur') {
    const sigma = Math.max(0.3, BLUR_SIGMA_FRACTION * Math.min(width, height));
    const { data, info } = await sharp(Buffer.from(pixels), { raw: { width, height, channels } }).blur(sigma).toColourspace(channels === 1 ? 'b-w' : 'srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels || data.length !== out.length) throw new FairframeError('internal', `Blurring the image gave ${info.channels} channels instead of ${channels}.`);
    out.set(data);
    return out;
  }
  const colour = typeof baseline === 'number' ? [baseline] : [...baseline];
  if ((colour.length !== 1 && colour.length !== channels) || !colour.every((value) => Number.isFinite(value) && value >= 0 && value <= 255)) {
    throw new FairframeError('bad-config', `The perturbation baseline ${JSON.stringify(baseline)} is not valid; use 'mean', 'black', 'blur', a grey level 0–255 or ${channels} channel values 0–255.`);
  }
  return fillColour((colour.length === 1 ? new Array<number>(channels).fill(colour[0]) : colour).map(Math.round));
}

/** Blends the image and a baseline per pixel: `blend(keep)` is the input of keep · image + (1 − keep) · baseline. */
export interface Perturber {
  width: number;
  height: number;
  /** The baseline's input tensor (every pixel removed). */
  baselineInput: Float32Array;
  /** `keep` has width × height weights in [0, 1] (1 = the image's pixel, 0 = the baseline's). */
  blend(keep: ArrayLike<number>): Float32Array;
}

/** A Perturber for `image` with the given baseline (see PerturbationBaseline). */
export async function createPerturber(image: ExplainImage, spec: ModelSpec | PreprocessSpec, baseline: PerturbationBaseline): Promise<Perturber> {
  const p = 'preprocess' in spec ? spec.preprocess : spec;
  const baselineInput = inputFromPixels(await baselinePixels(image, baseline), p);
  const imageInput = image.input;
  const plane = p.width * p.height;
  const C = p.channels;
  const nchw = p.layout === 'NCHW';
  const round = p.inputType === 'uint8';
  return {
    width: p.width,
    height: p.height,
    baselineInput,
    blend(keep: ArrayLike<number>): Float32Array {
      if (keep.length !== plane) throw new RangeError(`blend: ${keep.length} weights for a ${p.width}×${p.height} image.`);
      const out = new Float32Array(imageInput.length);
      for (let i = 0; i < plane; i++) {
        const k = keep[i];
        for (let c = 0; c < C; c++) {
          const at = nchw ? c * plane + i : i * C + c;
          const b = baselineInput[at];
          const value = k === 1 ? imageInput[at] : k === 0 ? b : b + k * (imageInput[at] - b);
          out[at] = round ? Math.round(value) : value;
        }
      }
      return out;
    },
  };
}

/** A baseline as a short string, for Heatmap.params and cache keys. */
export function baselineName(baseline: PerturbationBaseline): string {
  return typeof baseline === 'string' ? baseline : typeof baseline === 'number' ? String(baseline) : baseline.join(',');
}
