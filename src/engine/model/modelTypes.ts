// Types shared by model inspection, preprocessing, inference and the model audit. Plain data (JSON-serialisable),
// except Prediction.probs / features, which are typed arrays inside the engine.

/** One input or output of an ONNX graph. A dimension is a number (fixed), a string (a symbolic, dynamic axis) or null (unknown). */
export interface TensorInfo {
  name: string;
  /** ONNX element type name in lower case: 'float32', 'uint8', 'int64', … */
  elementType: string;
  shape: Array<number | string | null>;
}

/** What inspecting a `.onnx` file tells, before anything is run. */
export interface ModelInfo {
  /** Absolute path. */
  file: string;
  bytes: number;
  sha256: string;
  irVersion: number;
  /** Operator sets imported; the default domain is ''. */
  opsets: Array<{ domain: string; version: number }>;
  producer: { name: string; version: string };
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graphName?: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Number of scalar weights in the initializers (graph inputs that are initializers are not model inputs). */
  parameterCount: number;
  nodeCount: number;
  /** Node count by op type. */
  opTypes: Record<string, number>;
  /** metadata_props as key → value. */
  metadata: Record<string, string>;
}

/**
 * How an image becomes a model input. Pixels are read as 0–255, converted to `channels`, resized, then each value
 * becomes (pixel · scale − mean[c]) / std[c].
 */
export interface PreprocessSpec {
  width: number;
  height: number;
  /**
   * 'stretch': resize to width×height ignoring aspect; 'center-crop': resize the shorter side to
   * `resizeShorter` (default: the larger of width and height) then crop the centre; 'pad': fit inside and pad with black.
   */
  resize: 'stretch' | 'center-crop' | 'pad';
  resizeShorter?: number;
  layout: 'NCHW' | 'NHWC';
  /** 1 = greyscale (Rec. 601 luma), 3 = colour. */
  channels: 1 | 3;
  channelOrder: 'RGB' | 'BGR';
  /** Multiplier applied to 0–255 pixel values, e.g. 1/255. */
  scale: number;
  /** Per-channel mean and std applied after scaling (length = channels). */
  mean: number[];
  std: number[];
  /** Element type of the input tensor. */
  inputType: 'float32' | 'uint8';
}

/** Whether the chosen output holds logits (softmax is applied) or probabilities (used as they are). */
export type OutputKind = 'logits' | 'probabilities';

/** Where a resolved model setting came from. */
export type SettingSource = 'metadata' | 'sidecar' | 'config' | 'inferred' | 'default';

/** Everything needed to run a model on images: resolved from metadata_props, a sidecar `<model>.json` and fairframe.json. */
export interface ModelSpec {
  /** Class names in the order of the model's output. */
  labels: string[];
  preprocess: PreprocessSpec;
  inputName: string;
  outputName: string;
  /** 'auto' until the first outputs are seen (see `detectOutputKind`). */
  outputKind: OutputKind | 'auto';
  /** Model label → dataset label, when they differ. */
  labelMap: Record<string, string>;
  /** Fixed batch size of the input (1 for models exported with batch 1), or undefined when the batch axis is dynamic. */
  fixedBatch?: number;
  /** Name of the dataset split the model was trained on, if declared ('train' by default guess is not made). */
  trainedOn?: string;
  /** Where each setting came from, for the report: e.g. { labels: 'metadata', preprocess: 'sidecar' }. */
  sources: Record<string, SettingSource>;
}

/** The model's answer for one image. */
export interface Prediction {
  recordId: string;
  /** Probabilities over the model's labels (after softmax when the output is logits). */
  probs: Float32Array;
  /** The top classes as [label index, probability], best first (up to 5). */
  top: Array<[number, number]>;
  /** Penultimate-layer features, when they were exposed. */
  features?: Float32Array;
}
