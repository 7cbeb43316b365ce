// A counterfactual in regions: the smallest set of superpixels, taken greedily in the order of an attribution map,
// whose removal (baseline fill) changes the predicted class — "hide these regions and it says X".
import { FairframeError } from '../errors';
import type { ExplainImage, Heatmap, ModelRunner } from './explainTypes';
import { argmax } from '../model/softmax';
import { assertImageFitsModel } from './modelRunner';
import { baselineName, createPerturber, type PerturbationBaseline } from './prepareImage';
import { regionMask, regionSums, slicSuperpixels, type SlicOptions, type Superpixels } from './superpixels';

/** Options of `findCounterfactual`. */
export interface CounterfactualOptions {
  /** Most regions removed before giving up (default 10). */
  maxRegions?: number;
  segments?: Superpixels;
  superpixels?: SlicOptions;
  /** What removed regions become (default 'mean': the image's mean colour). */
  baseline?: PerturbationBaseline;
  /** Prefixes tried per model batch (default 8): fewer wasted calls after the flip vs. fewer runs. */
  chunk?: number;
  signal?: AbortSignal;
}

/** What hiding regions did to the prediction. */
export interface Counterfactual {
  /** True when removing `regions` changed the predicted class. */
  flipped: boolean;
  /** Region labels removed, in the order taken (the flipping set when flipped, else all that were tried). */
  regions: number[];
  segments: Superpixels;
  /** Share of the image's pixels in `regions`. */
  removedFraction: number;
  originalClass: number;
  originalProbability: number;
  /** The class predicted with `regions` removed, and its probability (the last one tried when nothing flipped). */
  newClass: number;
  newProbability: number;
  modelCalls: number;
  params: Record<string, number | string | boolean>;
  /** "Hiding 2 regions (9% of the image) changes the prediction to class 1 (p = 0.73)" or "No flip within 10 regions". */
  message: string;
}

/**
 * Regions ranked by the map's mass (sum over the region's pixels, largest first; ties by label); the prefixes of that
 * order are removed one more region at a time until the top class changes. Cost: 1 + (regions tried, rounded up to
 * a whole chunk) model calls, at most 1 + maxRegions.
 */
export async function findCounterfactual(runner: ModelRunner, image: ExplainImage, map: Heatmap, options: CounterfactualOptions = {}): Promise<Counterfactual> {
  assertImageFitsModel(runner, image);
  if (map.width !== image.width || map.height !== image.height) {
    throw new FairframeError('bad-config', `The attribution map is ${map.width}×${map.height} but the image is ${image.width}×${image.height}; upsample the map to the model's input size first.`);
  }
  const baseline = options.baseline ?? 'mean';
  const chunk = Math.max(1, Math.floor(options.chunk ?? 8));
  const segments = options.segments ?? slicSuperpixels(image, options.superpixels);
  const maxRegions = Math.min(segments.count, Math.floor(options.maxRegions ?? 10));
  if (!(maxRegions >= 1)) throw new FairframeError('bad-config', `maxRegions must be at least 1 (got ${options.maxRegions}).`);
  const callsBefore = runner.calls;
  const [probs] = await runner.predict([image.input], options.signal);
  const originalClass = argmax(probs);
  const mass = regionSums(segments, map.data);
  const order = Array.from({ length: segments.count }, (_, label) => label).sort((a, b) => mass[b] - mass[a] || a - b).slice(0, maxRegions);
  const perturber = await createPerturber(image, runner.spec, baseline);
  const present = new Uint8Array(segments.count).fill(1);
  let last: { count: number; probs: Float32Array } | undefined;
  let found: { count: number; probs: Float32Array } | undefined;
  for (let start = 0; start < order.length && !found; start += chunk) {
    const inputs: Float32Array[] = [];
    for (let count = start + 1; count <= Math.min(order.length, start + chunk); count++) {
      present[order[count - 1]] = 0;
      inputs.push(perturber.blend(regionMask(segments, present)));
    }
    const outputs = await runner.predict(inputs, options.signal);
    for (let i = 0; i < outputs.length; i++) {
      last = { count: start + i + 1, probs: outputs[i] };
      if (argmax(outputs[i]) !== originalClass) {
        found = last;
        break;
      }
    }
  }
  const result = found ?? (last as { count: number; probs: Float32Array });
  const regions = order.slice(0, result.count);
  const removed = new Set(regions);
  let pixels = 0;
  for (const label of segments.labels) if (removed.has(label)) pixels++;
  const newClass = argmax(result.probs);
  const name = (index: number): string => runner.spec.labels[index] ?? `class ${index}`;
  const removedFraction = pixels / segments.labels.length;
  const message = found
    ? `Hiding ${regions.length} region${regions.length === 1 ? '' : 's'} (${Math.round(removedFraction * 100)}% of the image) changes the prediction from ${name(originalClass)} to ${name(newClass)} (p = ${result.probs[newClass].toFixed(2)}).`
    : `No flip within ${order.length} region${order.length === 1 ? '' : 's'}: with them hidden the model still says ${name(originalClass)} (p = ${result.probs[originalClass].toFixed(2)}).`;
  return {
    flipped: found !== undefined,
    regions,
    segments,
    removedFraction,
    originalClass,
    originalProbability: probs[originalClass],
    newClass,
    newProbability: result.probs[newClass],
    modelCalls: runner.calls - callsBefore,
    params: { maxRegions, segments: segments.count, baseline: baselineName(baseline), rankedBy: map.method },
    message,
  };
}
