// Resolves how a model is to be used (labels, input, output, preprocessing) from fairframe.json, a sidecar JSON,
// the model's metadata_props and its input shape, recording where each setting came from.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { onnx } from 'onnx-proto';
import type { ModelConfig } from '../config/configTypes';
import { FairframeError } from '../errors';
import { readGuardedText } from '../io/guardedFile';
import type { FairframeErrorCode } from '../errors';
import { findPenultimateTensor } from './graphSurgery';
import type { ModelInfo, ModelSpec, PreprocessSpec, SettingSource, TensorInfo } from './modelTypes';

export type { ModelConfig } from '../config/configTypes';

/** A ModelSpec plus the settings the model audit needs beyond running the model. */
export interface ResolvedModelSpec extends ModelSpec {
  /** Intermediate tensor used as the image embedding: declared, else found by `findPenultimateTensor`. */
  features?: string;
  /** Feature map for Grad-CAM, when declared (else found by dominator analysis of the graph). */
  explainLayer?: string;
  /** Split to audit, when declared. */
  split?: string;
}

/** What `resolveModelSpec` reads besides the model. */
export interface ResolveModelSpecOptions {
  /** The sidecar's content (see `readSidecar`); validated here. */
  sidecar?: unknown;
  /** The model's entry in fairframe.json. */
  config?: ModelConfig;
  /** Labels of the dataset the model is audited on: used, sorted, only when the model declares none. */
  datasetLabels?: string[];
  /** The decoded model, for what only the graph tells: the feature tensor and a Softmax output. */
  model?: onnx.IModelProto;
}

/** A sidecar file found next to a model, and its validated content. */
export interface Sidecar {
  file: string;
  config: ModelConfig;
}

type PreprocessKey = keyof PreprocessSpec;
const PREPROCESS_KEYS: PreprocessKey[] = ['width', 'height', 'resize', 'resizeShorter', 'layout', 'channels', 'channelOrder', 'scale', 'mean', 'std', 'inputType'];
const CONFIG_KEYS = new Set(['path', 'labels', 'input', 'output', 'outputKind', 'preprocess', 'labelMap', 'trainedOn', 'features', 'explainLayer', 'split']);
const DEFAULT_SCALE = 1 / 255;

/**
 * Checks that `value` has the ModelConfig shape and returns it. `where` names it in errors ("the sidecar 'x.json'");
 * unknown keys are an error unless `ignoreUnknownKeys` (metadata written by other tools or versions).
 */
export function parseModelConfig(value: unknown, where: string, code: FairframeErrorCode = 'bad-config', ignoreUnknownKeys = false): ModelConfig {
  const fail = (problem: string): never => {
    throw new FairframeError(code, `${capitalise(where)} is not a valid model description: ${problem}.`, { where });
  };
  if (Array.isArray(value)) value = { labels: value }; // a bare list of class names
  if (!isObject(value)) return fail('it must be a JSON object (or an array of class names)');
  const out: ModelConfig = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === '$schema') continue;
    if (!CONFIG_KEYS.has(key)) {
      if (ignoreUnknownKeys) continue;
      fail(`'${key}' is not a known key (known: ${[...CONFIG_KEYS].join(', ')})`);
    }
    switch (key) {
      case 'labels':
        if (!Array.isArray(item) || item.length === 0 || !item.every((label) => typeof label === 'string')) fail("'labels' must be a non-empty array of strings");
        out.labels = [...(item as string[])];
        break;
      case 'outputKind':
        if (item !== 'logits' && item !== 'probabilities' && item !== 'auto') fail("'outputKind' must be 'logits', 'probabilities' or 'auto'");
        out.outputKind = item as ModelConfig['outputKind'];
        break;
      case 'labelMap':
        if (!isObject(item) || !Object.values(item).every((target) => typeof target === 'string')) fail("'labelMap' must map model labels to dataset labels (strings)");
        out.labelMap = { ...(item as Record<string, string>) };
        break;
      case 'preprocess':
        out.preprocess = parsePreprocess(item, fail);
        break;
      default: // path, input, output, trainedOn, features, explainLayer, split
        if (typeof item !== 'string' || item === '') fail(`'${key}' must be a non-empty string`);
        (out as Record<string, string>)[key] = item as string;
    }
  }
  return out;
}

function parsePreprocess(value: unknown, fail: (problem: string) => never): Partial<PreprocessSpec> {
  if (!isObject(value)) return fail("'preprocess' must be an object");
  const out: Partial<PreprocessSpec> = {};
  const oneOf = <T extends string | number>(key: string, item: unknown, allowed: readonly T[]): T => {
    if (!allowed.includes(item as T)) fail(`'preprocess.${key}' must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')}`);
    return item as T;
  };
  const positiveInteger = (key: string, item: unknown): number => {
    if (!Number.isInteger(item) || (item as number) < 1) fail(`'preprocess.${key}' must be a positive integer`);
    return item as number;
  };
  const numbers = (key: string, item: unknown, positive: boolean): number[] => {
    if (!Array.isArray(item) || item.length === 0 || !item.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))) {
      fail(`'preprocess.${key}' must be a non-empty array of ${positive ? 'positive ' : ''}numbers`);
    }
    return [...(item as number[])];
  };
  for (const [key, item] of Object.entries(value)) {
    switch (key) {
      case 'width': case 'height': case 'resizeShorter': out[key] = positiveInteger(key, item); break;
      case 'resize': out.resize = oneOf(key, item, ['stretch', 'center-crop', 'pad'] as const); break;
      case 'layout': out.layout = oneOf(key, item, ['NCHW', 'NHWC'] as const); break;
      case 'channels': out.channels = oneOf(key, item, [1, 3] as const); break;
      case 'channelOrder': out.channelOrder = oneOf(key, item, ['RGB', 'BGR'] as const); break;
      case 'inputType': out.inputType = oneOf(key, item, ['float32', 'uint8'] as const); break;
      case 'scale':
        if (typeof item !== 'number' || !(item > 0) || !Number.isFinite(item)) fail("'preprocess.scale' must be a positive number (e.g. 0.00392156862745098 for 1/255)");
        out.scale = item as number;
        break;
      case 'mean': out.mean = numbers(key, item, false); break;
      case 'std': out.std = numbers(key, item, true); break;
      default: fail(`'preprocess.${key}' is not a known setting (known: ${PREPROCESS_KEYS.join(', ')})`);
    }
  }
  return out;
}

/**
 * The ModelConfig carried in metadata_props: the 'fairframe' key (a JSON ModelConfig), completed by common keys other
 * exporters write: 'labels' / 'classes' / 'class_names' (a JSON array, a JSON index → name object, or a comma- or
 * newline-separated list), 'mean' / 'std' (JSON array or comma-separated) and 'input_size' ('224', '224,224', '3,224,224').
 */
export function metadataModelConfig(metadata: Record<string, string>, file = 'the model'): ModelConfig {
  const where = `metadata_props of '${path.basename(file)}'`;
  const badMetadata = (key: string, problem: string): never => {
    throw new FairframeError('bad-model', `The ${where} key '${key}' ${problem}; fix the metadata when exporting the model, or give the setting in fairframe.json.`, { file, key });
  };
  let config: ModelConfig = {};
  if (metadata.fairframe !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(metadata.fairframe);
    } catch (error) {
      badMetadata('fairframe', `is not valid JSON (${(error as Error).message})`);
    }
    config = parseModelConfig(parsed, `the 'fairframe' entry of the ${where}`, 'bad-model', true);
  }
  if (!config.labels) {
    const key = ['labels', 'classes', 'class_names'].find((name) => metadata[name] !== undefined && metadata[name].trim() !== '');
    if (key) config.labels = parseLabelList(metadata[key]) ?? badMetadata(key, 'is not a list of class names');
  }
  const preprocess: Partial<PreprocessSpec> = { ...config.preprocess };
  for (const key of ['mean', 'std'] as const) {
    if (preprocess[key] || metadata[key] === undefined) continue;
    preprocess[key] = parseNumberList(metadata[key]) ?? badMetadata(key, 'is not a list of numbers');
  }
  if (metadata.input_size !== undefined && preprocess.width === undefined && preprocess.height === undefined) {
    const size = parseNumberList(metadata.input_size)?.filter((n) => Number.isInteger(n) && n > 0);
    const spatial = size?.length === 3 ? ([1, 3].includes(size[0]) ? size.slice(1) : size.slice(0, 2)) : size;
    if (!spatial || spatial.length < 1 || spatial.length > 2) return badMetadata('input_size', "is not a size like '224', '224,224' or '3,224,224'");
    preprocess.height = spatial[0];
    preprocess.width = spatial[spatial.length - 1];
  }
  if (Object.keys(preprocess).length > 0) config.preprocess = preprocess;
  return config;
}

/** Class names from a metadata value: a JSON array, a JSON {"0": "cat", …} object, or comma/newline-separated text. */
function parseLabelList(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      return undefined;
    }
    if (Array.isArray(parsed)) return parsed.every((label) => typeof label === 'string') && parsed.length > 0 ? parsed : undefined;
    if (!isObject(parsed)) return undefined;
    const entries = Object.entries(parsed);
    if (!entries.every(([index, label]) => /^\d+$/.test(index) && typeof label === 'string')) return undefined;
    const labels: string[] = [];
    for (const [index, label] of entries) labels[Number(index)] = label as string;
    return labels.length === entries.length ? labels : undefined; // indices 0…n−1, none missing
  }
  const labels = trimmed.split(trimmed.includes('\n') ? /\r?\n/ : ',').map((label) => label.trim()).filter((label) => label !== '');
  return labels.length > 0 ? labels : undefined;
}

function parseNumberList(text: string): number[] | undefined {
  const parts = text.trim().replace(/^[[(]|[\])]$/g, '').split(/[\s,x×]+/).filter((part) => part !== '');
  const values = parts.map(Number);
  return values.length > 0 && values.every(Number.isFinite) ? values : undefined;
}

/**
 * The sidecar of a model: `<name>.json` next to `<name>.onnx` (resnet.onnx → resnet.json), or `<name>.onnx.json`.
 * Undefined when there is none; 'bad-config' when both exist or it is not valid JSON of the ModelConfig shape.
 */
export async function readSidecar(modelFile: string): Promise<Sidecar | undefined> {
  const absolute = path.resolve(modelFile);
  const stem = absolute.replace(/\.onnx$/i, '');
  const candidates = [...new Set([`${stem}.json`, `${absolute}.json`])];
  const found: Array<{ file: string; text: string }> = [];
  const folderReal = await fs.realpath(path.dirname(absolute)).catch(() => path.dirname(absolute));
  for (const file of candidates) {
    const real = await fs.realpath(file).catch(() => undefined);
    if (real !== undefined && path.dirname(real) !== folderReal) {
      throw new FairframeError('bad-config', `The model sidecar '${file}' is a symlink to '${real}', outside the model's folder; it is not read. Replace it with a file.`, { file });
    }
    const text = await readGuardedText(file, 'sidecar').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EISDIR') return undefined;
      if (FairframeError.is(error)) throw new FairframeError('bad-config', error.message, { file });
      throw new FairframeError('bad-config', `The model sidecar '${file}' cannot be read: ${error.message}.`, { file });
    });
    if (text !== undefined) found.push({ file, text });
  }
  if (found.length === 0) return undefined;
  if (found.length > 1) {
    throw new FairframeError('bad-config',
      `The model '${path.basename(absolute)}' has two sidecars, '${path.basename(found[0].file)}' and '${path.basename(found[1].file)}'; keep one and delete or rename the other.`,
      { files: found.map((entry) => entry.file) });
  }
  const { file, text } = found[0];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FairframeError('bad-config', `The model sidecar '${file}' is not valid JSON: ${(error as Error).message}; fix it or delete it.`, { file });
  }
  return { file, config: parseModelConfig(parsed, `the sidecar '${file}'`) };
}

interface Layer {
  source: SettingSource;
  config: ModelConfig;
}

/**
 * Resolves how to run `info`. Each setting is taken from the first of: fairframe.json (`config`) > sidecar >
 * metadata_props > what the input shape tells ('inferred') > defaults, and its source is recorded in `sources`
 * ('preprocess.<field>' for each preprocessing field, 'preprocess' = 'default' when any field was defaulted).
 * A declared value that contradicts a fixed input dimension or the output size is an error, not an override.
 */
/** Largest model input, in pixels per image (8192 × 8192); a larger fixed input is refused before allocating. */
export const MAX_INPUT_PIXELS = 8192 * 8192;

export function resolveModelSpec(info: ModelInfo, options: ResolveModelSpecOptions = {}): ResolvedModelSpec {
  const name = `'${path.basename(info.file)}'`;
  const layers: Layer[] = [];
  if (options.config) layers.push({ source: 'config', config: parseModelConfig(options.config, `the entry of ${name} in fairframe.json`, 'bad-config', true) });
  if (options.sidecar !== undefined) layers.push({ source: 'sidecar', config: parseModelConfig(options.sidecar, `the sidecar of ${name}`) });
  layers.push({ source: 'metadata', config: metadataModelConfig(info.metadata, info.file) });
  const sources: Record<string, SettingSource> = {};
  const pick = <K extends keyof ModelConfig>(key: K): { value: NonNullable<ModelConfig[K]>; source: SettingSource } | undefined => {
    for (const layer of layers) {
      const value = layer.config[key];
      if (value !== undefined) return { value: value as NonNullable<ModelConfig[K]>, source: layer.source };
    }
    return undefined;
  };
  const pickPreprocess = <K extends PreprocessKey>(key: K): { value: NonNullable<PreprocessSpec[K]>; source: SettingSource } | undefined => {
    for (const layer of layers) {
      const value = layer.config.preprocess?.[key];
      if (value !== undefined) return { value: value as NonNullable<PreprocessSpec[K]>, source: layer.source };
    }
    return undefined;
  };
  const where = (source: SettingSource): string => (source === 'config' ? 'fairframe.json' : source === 'sidecar' ? 'the sidecar' : 'the model metadata');

  const input = chooseTensor(info, 'input', pick('input'), sources);
  const preprocess = resolvePreprocess(info, input, pickPreprocess, sources, where);
  const dim0 = input.shape[0];
  const fixedBatch = typeof dim0 === 'number' && dim0 > 0 ? dim0 : undefined;
  if (fixedBatch !== undefined) sources.fixedBatch = 'inferred';

  const declaredLabels = pick('labels');
  const output = chooseTensor(info, 'output', pick('output'), sources, declaredLabels?.value.length);
  const classes = classCount(output);
  let labels: string[];
  if (declaredLabels) {
    if (classes !== undefined && classes !== declaredLabels.value.length) {
      throw new FairframeError('model-labels',
        `${where(declaredLabels.source)} lists ${declaredLabels.value.length} labels for ${name}, but its output '${output.name}' (${shapeText(output)}) has ${classes} classes; give one label per output, in output order.`,
        { file: info.file, labels: declaredLabels.value.length, classes });
    }
    labels = declaredLabels.value;
    sources.labels = declaredLabels.source;
  } else {
    const datasetLabels = [...new Set(options.datasetLabels ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (classes === undefined || datasetLabels.length !== classes) {
      const outputSide = classes === undefined ? `its output '${output.name}' (${shapeText(output)}) has no fixed class count` : `its output '${output.name}' has ${classes} classes`;
      const datasetSide = options.datasetLabels ? `the dataset has ${datasetLabels.length} labels` : 'no dataset labels were given';
      throw new FairframeError('model-labels',
        `${name} declares no class labels, ${outputSide} and ${datasetSide}, so its outputs cannot be named. ` +
          `Add "labels" (one per output, in output order) to the model's entry in fairframe.json or to a sidecar ${path.basename(info.file).replace(/\.onnx$/i, '')}.json.`,
        { file: info.file, classes, datasetLabels: datasetLabels.length });
    }
    labels = datasetLabels; // sorted, as torchvision's ImageFolder numbers its classes
    sources.labels = 'inferred';
  }

  const spec: ResolvedModelSpec = {
    labels,
    preprocess,
    inputName: input.name,
    outputName: output.name,
    outputKind: 'auto',
    labelMap: {},
    fixedBatch,
    sources,
  };
  const outputKind = pick('outputKind');
  const producer = options.model?.graph?.node?.find((node) => (node.output ?? []).includes(output.name));
  if (outputKind) [spec.outputKind, sources.outputKind] = [outputKind.value, outputKind.source];
  else if (producer?.opType === 'Softmax' && !producer.domain) [spec.outputKind, sources.outputKind] = ['probabilities', 'inferred'];
  else sources.outputKind = 'default';
  const labelMap = pick('labelMap');
  if (labelMap) [spec.labelMap, sources.labelMap] = [labelMap.value, labelMap.source];
  const trainedOn = pick('trainedOn');
  if (trainedOn) [spec.trainedOn, sources.trainedOn] = [trainedOn.value, trainedOn.source];
  const split = pick('split');
  if (split) [spec.split, sources.split] = [split.value, split.source];
  const explainLayer = pick('explainLayer');
  if (explainLayer) [spec.explainLayer, sources.explainLayer] = [explainLayer.value, explainLayer.source];
  const features = pick('features');
  if (features) [spec.features, sources.features] = [features.value, features.source];
  else if (options.model) {
    const found = findPenultimateTensor(options.model, output.name);
    if (found) [spec.features, sources.features] = [found.name, 'inferred'];
  }
  return spec;
}

/** The input or output to use: the declared one (which must exist), else the first image-like input / matching output. */
function chooseTensor(info: ModelInfo, role: 'input' | 'output', declared: { value: string; source: SettingSource } | undefined, sources: Record<string, SettingSource>, labelCount?: number): TensorInfo {
  const name = `'${path.basename(info.file)}'`;
  const tensors = role === 'input' ? info.inputs : info.outputs;
  const listed = tensors.map((tensor) => `'${tensor.name}' (${shapeText(tensor)})`).join(', ') || 'none';
  if (declared) {
    const tensor = tensors.find((candidate) => candidate.name === declared.value);
    if (!tensor) {
      throw new FairframeError('bad-config', `${name} has no ${role} named '${declared.value}'; its ${role}s are ${listed}. Fix "${role}" in ${declared.source === 'config' ? 'fairframe.json' : `the ${declared.source}`}.`,
        { file: info.file, [role]: declared.value });
    }
    sources[role] = declared.source;
    return tensor;
  }
  sources[role] = 'inferred';
  if (role === 'input') {
    const image = tensors.find((tensor) => tensor.shape.length === 4);
    if (!image) {
      throw new FairframeError('bad-model', `${name} has no image input: Fairframe feeds a 4-D tensor (N×C×H×W or N×H×W×C), and the model's inputs are ${listed}.`, { file: info.file });
    }
    return image;
  }
  if (tensors.length === 1) return tensors[0];
  const matching = labelCount === undefined ? tensors.filter((tensor) => (classCount(tensor) ?? 0) > 1) : tensors.filter((tensor) => classCount(tensor) === labelCount);
  const unknown = tensors.filter((tensor) => classCount(tensor) === undefined);
  const chosen = matching[0] ?? unknown[0];
  if (!chosen) {
    throw new FairframeError('bad-config',
      `No output of ${name} has ${labelCount ?? 'more than one'} classes: its outputs are ${listed}. Name the classifier output with "output" in the model's entry in fairframe.json.`,
      { file: info.file });
  }
  return chosen;
}

/** Classes in an output = the product of its dimensions after the batch axis (all fixed), or undefined. */
function classCount(tensor: TensorInfo): number | undefined {
  const dims = tensor.shape.length >= 2 ? tensor.shape.slice(1) : tensor.shape;
  if (dims.length === 0 || !dims.every((dim): dim is number => typeof dim === 'number')) return undefined;
  return dims.reduce((product, dim) => product * dim, 1);
}

function resolvePreprocess(
  info: ModelInfo,
  input: TensorInfo,
  pick: <K extends PreprocessKey>(key: K) => { value: NonNullable<PreprocessSpec[K]>; source: SettingSource } | undefined,
  sources: Record<string, SettingSource>,
  where: (source: SettingSource) => string,
): PreprocessSpec {
  const name = `'${path.basename(info.file)}'`;
  const fail = (message: string, code: FairframeErrorCode = 'bad-config'): never => {
    throw new FairframeError(code, message, { file: info.file, input: input.name, shape: input.shape });
  };
  const take = <K extends PreprocessKey>(key: K, fallback: () => { value: NonNullable<PreprocessSpec[K]>; source: SettingSource }): NonNullable<PreprocessSpec[K]> => {
    const chosen = pick(key) ?? fallback();
    sources[`preprocess.${key}`] = chosen.source;
    return chosen.value;
  };
  const [, d1, d2, d3] = input.shape;
  const isChannelDim = (dim: number | string | null): boolean => dim === 1 || dim === 3;

  const layout = take('layout', () => {
    if (isChannelDim(d1)) return { value: 'NCHW' as const, source: 'inferred' as const };
    if (isChannelDim(d3)) return { value: 'NHWC' as const, source: 'inferred' as const };
    if (typeof d1 === 'number' && typeof d3 === 'number') {
      return fail(`${name} takes ${shapeText(input)} input, which has neither 1 nor 3 channels at position 1 (NCHW) or 3 (NHWC); Fairframe feeds greyscale or RGB images only.`, 'bad-model');
    }
    return { value: 'NCHW' as const, source: 'default' as const };
  });
  const [channelDim, heightDim, widthDim] = layout === 'NCHW' ? [d1, d2, d3] : [d3, d1, d2];
  const fixed = <K extends 'channels' | 'width' | 'height'>(key: K, dim: number | string | null, missing: () => { value: NonNullable<PreprocessSpec[K]>; source: SettingSource }): NonNullable<PreprocessSpec[K]> => {
    const declared = pick(key);
    if (declared && typeof dim === 'number' && declared.value !== dim) {
      fail(`${name} expects ${shapeText(input)} input (${layout}), but preprocess.${key} in ${where(declared.source)} is ${declared.value}; set it to ${dim} or remove it.`);
    }
    return take(key, () => (typeof dim === 'number' ? { value: dim as NonNullable<PreprocessSpec[K]>, source: 'inferred' } : missing()));
  };
  if (typeof channelDim === 'number' && !isChannelDim(channelDim)) {
    fail(`${name} takes ${shapeText(input)} input, whose ${layout} channel axis has ${channelDim} channels; Fairframe feeds 1 (greyscale) or 3 (RGB) channels. Check preprocess.layout.`);
  }
  const channels = fixed('channels', channelDim, () => ({ value: 3, source: 'default' }));
  const dynamicSize = (): never =>
    fail(`${name} takes images of any size (input '${input.name}' is ${shapeText(input)}); set preprocess.width and preprocess.height for it in fairframe.json (models[]) or in a sidecar ${path.basename(info.file).replace(/\.onnx$/i, '')}.json.`);
  const height = fixed('height', heightDim, dynamicSize);
  const width = fixed('width', widthDim, dynamicSize);
  // Checked before any tensor is allocated: one image of the input must fit in memory many times over.
  if (!(width >= 1 && height >= 1 && width * height <= MAX_INPUT_PIXELS)) {
    fail(`${name} takes ${width} × ${height} images (input '${input.name}' is ${shapeText(input)}), more than the ${MAX_INPUT_PIXELS.toLocaleString('en-US')} pixels per image Fairframe feeds a model; the input is too large to allocate. Export the model with a smaller input size.`, 'unsupported-model');
  }

  if (input.elementType !== 'float32' && input.elementType !== 'uint8') {
    fail(`${name} takes a ${input.elementType} input ('${input.name}'); Fairframe feeds float32 or uint8 tensors. Export the model with a float32 input.`, 'bad-model');
  }
  const declaredType = pick('inputType');
  if (declaredType && declaredType.value !== input.elementType) {
    fail(`${name} takes a ${input.elementType} input, but preprocess.inputType in ${where(declaredType.source)} is ${declaredType.value}; remove it.`);
  }
  const inputType = take('inputType', () => ({ value: input.elementType as 'float32' | 'uint8', source: 'inferred' }));
  const raw = inputType === 'uint8'; // a uint8 input takes the 0–255 pixels as they are
  const rawSource: SettingSource = raw ? 'inferred' : 'default';
  const resize = take('resize', () => ({ value: 'stretch', source: 'default' }));
  const resizeShorter = pick('resizeShorter');
  if (resizeShorter) sources['preprocess.resizeShorter'] = resizeShorter.source;
  const channelOrder = take('channelOrder', () => ({ value: 'RGB', source: 'default' }));
  const scale = take('scale', () => ({ value: raw ? 1 : DEFAULT_SCALE, source: rawSource }));
  const perChannel = (key: 'mean' | 'std', fill: number): number[] => {
    const values = take(key, () => ({ value: new Array<number>(channels).fill(fill), source: rawSource }));
    if (values.length === 1 && channels === 3) return [values[0], values[0], values[0]];
    if (values.length !== channels) {
      fail(`preprocess.${key} in ${where(sources[`preprocess.${key}`])} has ${values.length} values but ${name} takes ${channels}-channel input; give ${channels} value(s).`);
    }
    return values;
  };
  const mean = perChannel('mean', 0);
  const std = perChannel('std', 1);
  if (raw && (scale !== 1 || mean.some((m) => m !== 0) || std.some((s) => s !== 1))) {
    fail(`${name} takes a uint8 input, which receives the 0–255 pixels as they are, so preprocess.scale, mean and std cannot apply; remove them.`);
  }
  sources.preprocess = PREPROCESS_KEYS.some((key) => sources[`preprocess.${key}`] === 'default')
    ? 'default'
    : (['config', 'sidecar', 'metadata', 'inferred'] as const).find((source) => PREPROCESS_KEYS.some((key) => sources[`preprocess.${key}`] === source)) ?? 'inferred';
  return { width, height, resize, ...(resizeShorter ? { resizeShorter: resizeShorter.value } : {}), layout, channels, channelOrder, scale, mean, std, inputType };
}

/** Preprocessing fields that no source gave, so the report can say they were defaulted. */
export function defaultedPreprocessFields(spec: ModelSpec): PreprocessKey[] {
  return PREPROCESS_KEYS.filter((key) => spec.sources[`preprocess.${key}`] === 'default');
}

function shapeText(tensor: TensorInfo): string {
  return tensor.shape.length === 0 ? 'shape unknown' : tensor.shape.map((dim) => (dim === null ? '?' : String(dim))).join('×');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
