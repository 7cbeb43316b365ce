// Occlusion sensitivity (Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks", ECCV 2014): slide a
// patch of baseline pixels over the image and record how much the class probability drops.
import { FairframeError } from '../errors';
import type { ExplainImage, ExplainOptions, Heatmap, ModelRunner } from './explainTypes';
import { classProbabilities, resolveClass } from './modelRunner';
import { baselineName, createPerturber, type PerturbationBaseline } from './prepareImage';

/** Options of `occlusionMap`. */
export interface OcclusionOptions extends ExplainOptions {
  /** Side of the square patch in model pixels (default: an eighth of the shorter side, at least 1). */
  patch?: number;
  /** Step between patches (default: half the patch, at least 1). */
  stride?: number;
  /** What the patch is filled with (default 'mean': the image's mean colour). */
  baseline?: PerturbationBaseline;
}

/** Patch origins along one axis: 0, stride, 2·stride, … and the last position flush with the edge. */
export function patchOrigins(size: number, patch: number, stride: number): number[] {
  const origins: number[] = [];
  for (let start = 0; start + patch <= size; start += stride) origins.push(start);
  if (origins.length === 0 || origins[origins.length - 1] + patch < size) origins.push(Math.max(0, size - patch));
  return origins;
}

/**
 * map(x, y) = mean over the patches covering (x, y) of P(c | image) − P(c | image with the patch occluded).
 * Cost: 1 + (number of patch positions) model calls.
 */
export async function occlusionMap(runner: ModelRunner, image: ExplainImage, options: OcclusionOptions = {}): Promise<Heatmap> {
  const { width: W, height: H } = image;
  const patch = Math.floor(options.patch ?? Math.max(1, Math.round(Math.min(W, H) / 8)));
  const stride = Math.floor(options.stride ?? Math.max(1, Math.ceil(patch / 2)));
  const baseline = options.baseline ?? 'mean';
  if (!(patch >= 1 && patch <= Math.min(W, H)) || !(stride >= 1)) {
    throw new FairframeError('bad-config', `Occlusion needs 1 ≤ patch ≤ ${Math.min(W, H)} and stride ≥ 1 (got patch ${patch}, stride ${stride}).`);
  }
  const callsBefore = runner.calls;
  const { classIndex, probs } = await resolveClass(runner, image, options.classIndex, options.signal);
  const perturber = await createPerturber(image, runner.spec, baseline);
  const positions: Array<[number, number]> = [];
  for (const y of patchOrigins(H, patch, stride)) for (const x of patchOrigins(W, patch, stride)) positions.push([x, y]);
  const keep = new Float32Array(W * H);
  const scores = await classProbabilities(runner, positions.length, (index) => {
    const [x0, y0] = positions[index];
    keep.fill(1);
    for (let y = y0; y < y0 + patch; y++) keep.fill(0, y * W + x0, y * W + x0 + patch);
    return perturber.blend(keep);
  }, classIndex, options.signal);
  const sum = new Float64Array(W * H);
  const count = new Uint32Array(W * H);
  positions.forEach(([x0, y0], index) => {
    const drop = probs[classIndex] - scores[index];
    for (let y = y0; y < y0 + patch; y++) {
      for (let x = x0; x < x0 + patch; x++) {
        sum[y * W + x] += drop;
        count[y * W + x]++;
      }
    }
  });
  const data = new Float32Array(W * H);
  for (let i = 0; i < data.length; i++) data[i] = count[i] > 0 ? sum[i] / count[i] : 0;
  return {
    method: 'occlusion',
    classIndex,
    width: W,
    height: H,
    data,
    params: { patch, stride, baseline: baselineName(baseline) },
    modelCalls: runner.calls - callsBefore,
  };
}

