// Types shared by every explanation method: the image as the model sees it, a way to run the model on perturbed
// copies of it, and the attribution map each method returns.
import type { ModelSpec } from '../model/modelTypes';

export type ExplainMethod = 'cam' | 'gradcam' | 'gradcam++' | 'integrated-gradients' | 'smoothgrad' | 'gradient-input' | 'lrp' | 'occlusion' | 'rise' | 'lime' | 'shap';

/** Every method, in the order they are listed and shown. */
export const EXPLAIN_METHODS: readonly ExplainMethod[] = ['gradcam', 'gradcam++', 'cam', 'integrated-gradients', 'smoothgrad', 'gradient-input', 'lrp', 'occlusion', 'rise', 'lime', 'shap'];

/** One image prepared for explanation: the model input and the pixels it came from (after resizing). */
export interface ExplainImage {
  /** The preprocessed input tensor of one image, in the model's layout (spec.preprocess.layout), batch axis dropped. */
  input: Float32Array;
  /** The resized image the input was made from: width × height × channels bytes, row-major, channels = spec.preprocess.channels. */
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Runs the model on a batch of inputs (each one image's tensor, as ExplainImage.input) and returns class probabilities. */
export interface ModelRunner {
  spec: ModelSpec;
  classes: number;
  /** Probabilities (softmax applied to logits) for each input; batched internally (batch 1 for fixed-batch models). */
  predict(inputs: Float32Array[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Model calls made so far (images run), for cost reports. */
  readonly calls: number;
  dispose(): Promise<void>;
}

/** An attribution map over the model input's spatial grid (height × width), higher = more evidence for the class. */
export interface Heatmap {
  method: ExplainMethod;
  classIndex: number;
  width: number;
  height: number;
  /** Row-major, width × height values; not normalised (see `normaliseHeatmap`). */
  data: Float32Array;
  /** The parameters the map was made with (patch, stride, samples, seed, rule, …), for caching and the report. */
  params: Record<string, number | string | boolean>;
  /** Model calls it cost. */
  modelCalls: number;
  /** What is worth knowing about this map (e.g. "CAM and Grad-CAM coincide: GAP → linear head"). */
  note?: string;
}

/** Options every method takes. */
export interface ExplainOptions {
  /** The class to explain; default: the predicted class. */
  classIndex?: number;
  seed?: number;
  signal?: AbortSignal;
}
