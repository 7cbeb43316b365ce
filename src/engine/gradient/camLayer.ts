// Where Grad-CAM reads the model: the last spatial feature map through which every path from the input to the score
// passes (a dominator of the score in the graph), with its layout (NCHW, or NHWC in graphs that wrap convolutions in
// Transpose nodes), or a tensor named by the user. In a transformer the last such map is the patch embedding, right
// after the input; there Grad-CAM reads the token sequence instead (as pytorch-grad-cam's ViT recipe does): the last
// dominating [1, tokens, channels] tensor before the last attention, its patch tokens laid out on the patch grid.
import type { onnx } from 'onnx-proto';
import { FairframeError } from '../errors';
import type { GradientPath } from './gradientGraph';

/** Channels-first or channels-last. */
export type FeatureLayout = 'NCHW' | 'NHWC';

/** The feature map Grad-CAM weights. */
export interface CamTensor {
  name: string;
  /** 'tokens': a [1, tokens, channels] sequence whose first `skippedTokens` (class, distillation tokens) are left out. */
  layout: FeatureLayout | 'tokens';
  skippedTokens?: number;
  /** Channels, height and width of the map. */
  channels: number;
  height: number;
  width: number;
  reason: string;
}

/** Operators whose 4-D output is channels-first by definition. */
const CHANNELS_FIRST = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'LpPool', 'BatchNormalization', 'InstanceNormalization', 'LRN']);

/** The layout of 4-D tensor `name`, traced back to a convolution/pooling (NCHW), a Transpose of a known layout, or the input. */
export function layoutOf(name: string, producers: Map<string, onnx.INodeProto>, shapes: Map<string, number[]>, inputLayout: FeatureLayout, seen = new Set<string>()): FeatureLayout | undefined {
  const node = producers.get(name);
  if (!node) return inputLayout;
  if (seen.has(name)) return undefined;
  seen.add(name);
  const op = node.opType ?? '';
  if (CHANNELS_FIRST.has(op)) return 'NCHW';
  const first = (node.input ?? []).find((input) => (shapes.get(input) ?? []).length === 4 && (producers.has(input) || !input.startsWith('fairframe')));
  if (first === undefined) return undefined;
  const from = layoutOf(first, producers, shapes, inputLayout, seen);
  if (op === 'Transpose') {
    const perm = ((node.attribute ?? []).find((a) => a.name === 'perm')?.ints ?? []).map(Number).join(',');
    if (from === 'NCHW' && perm === '0,2,3,1') return 'NHWC';
    if (from === 'NHWC' && perm === '0,3,1,2') return 'NCHW';
    return perm === '0,1,2,3' ? from : undefined;
  }
  return from;
}

/** Spatial size of a 4-D shape in `layout`. */
function dimensions(shape: number[], layout: FeatureLayout): { channels: number; height: number; width: number } {
  return layout === 'NCHW' ? { channels: shape[1], height: shape[2], width: shape[3] } : { channels: shape[3], height: shape[1], width: shape[2] };
}

/**
 * The Grad-CAM layer: `override` when given (it must be a 4-D tensor on the path), else the last 4-D tensor with more
 * than one spatial position that every path from `input` to the score passes through.
 */
export function findCamTensor(model: onnx.IModelProto, path: GradientPath, input: string, score: string, shapes: Map<string, number[]>, inputLayout: FeatureLayout, override?: string): CamTensor {
  const producers = new Map<string, onnx.INodeProto>();
  for (const node of model.graph?.node ?? []) for (const output of node.output ?? []) producers.set(output, node);
  const describe = (name: string, reason: string): CamTensor => {
    const shape = shapes.get(name) ?? [];
    const layout = layoutOf(name, producers, shapes, inputLayout) ?? 'NCHW';
    return { name, layout, ...dimensions(shape, layout), reason };
  };
  const ordered = path.nodes.flatMap((node) => node.output ?? []).filter((name) => path.tensors.has(name));
  const spatial = lastSpatial(ordered, shapes, producers, inputLayout);
  if (override) {
    const rank = (shapes.get(override) ?? []).length;
    const tokens = rank === 3 && path.tensors.has(override) ? tokenGrid(shapes.get(override) ?? [], spatial ? dimensions(shapes.get(spatial) ?? [], layoutOf(spatial, producers, shapes, inputLayout) ?? 'NCHW') : undefined) : undefined;
    if (tokens) return { name: override, layout: 'tokens', ...tokens, reason: 'named in the model settings' };
    if (!path.tensors.has(override) || rank !== 4) {
      throw new FairframeError('bad-config', `The Grad-CAM layer '${override}' is neither a 4-D feature map nor a [1, tokens, channels] sequence of a square patch grid between the input and the class score; name a convolutional feature map or a transformer block's input (see the model in Netron).`, { layer: override });
    }
    return describe(override, 'named in the model settings');
  }
  const consumers = new Map<string, onnx.INodeProto[]>();
  for (const node of path.nodes) for (const name of node.input ?? []) consumers.set(name, [...(consumers.get(name) ?? []), node]);
  const reachesScore = (blocked: string): boolean => {
    const stack = [input];
    const seen = new Set(stack);
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (name === score) return true;
      for (const node of consumers.get(name) ?? []) {
        for (const output of node.output ?? []) {
          if (output === blocked || seen.has(output)) continue;
          seen.add(output);
          stack.push(output);
        }
      }
    }
    return false;
  };
  let found: CamTensor | undefined;
  for (let k = ordered.length - 1; k >= 0 && !found; k--) {
    const name = ordered[k];
    const shape = shapes.get(name) ?? [];
    if (shape.length !== 4) continue;
    const layout = layoutOf(name, producers, shapes, inputLayout);
    if (!layout) continue;
    const { height, width } = dimensions(shape, layout);
    if (height * width <= 1 || reachesScore(name)) continue;
    found = describe(name, 'the last spatial feature map every path from the input to the score passes through');
  }
  // Attention: a MatMul of two tensors that both depend on the input. Tokens after the last one are read one by one
  // (the class token by a Gather), so Grad-CAM reads the last dominating token sequence before it.
  const lastAttention = path.nodes.map((node) => node).reverse().find((node) => node.opType === 'MatMul' && (node.input ?? []).every((name) => path.tensors.has(name)));
  const limit = lastAttention ? ordered.indexOf((lastAttention.output ?? [])[0] ?? '') : -1;
  const after = found ? ordered.indexOf(found.name) : -1;
  for (let k = limit - 1; k > after; k--) {
    const name = ordered[k];
    const tokens = tokenGrid(shapes.get(name) ?? [], found);
    if (!tokens || reachesScore(name)) continue;
    const skipped = tokens.skippedTokens === 0 ? '' : tokens.skippedTokens === 1 ? ', the class token left out' : `, its first ${tokens.skippedTokens} tokens (class and distillation tokens) left out`;
    return { name, layout: 'tokens', ...tokens, reason: `the last token sequence every path from the input to the score passes through before the last attention${skipped}` };
  }
  if (found) return found;
  throw new FairframeError('unsupported-model', 'Grad-CAM found no spatial feature map that every path from the input to the class score passes through; name one in the model settings (explainLayer) or use an input-gradient method.', { input, score });
}

/** The last 4-D tensor of `ordered` with a known layout and more than one spatial position. */
function lastSpatial(ordered: string[], shapes: Map<string, number[]>, producers: Map<string, onnx.INodeProto>, inputLayout: FeatureLayout): string | undefined {
  for (let k = ordered.length - 1; k >= 0; k--) {
    const shape = shapes.get(ordered[k]) ?? [];
    if (shape.length !== 4) continue;
    const layout = layoutOf(ordered[k], producers, shapes, inputLayout);
    if (layout && dimensions(shape, layout).height * dimensions(shape, layout).width > 1) return ordered[k];
  }
  return undefined;
}

/**
 * A [1, tokens, channels] shape read as a patch grid: the grid of `patches` (the patch-embedding map) when the tokens are
 * its positions plus up to 8 leading extra tokens (class, distillation), else a square grid of all tokens or all but the first.
 */
function tokenGrid(shape: number[], patches?: { height: number; width: number }): { channels: number; height: number; width: number; skippedTokens: number } | undefined {
  if (shape.length !== 3 || shape[0] !== 1) return undefined;
  const [, tokens, channels] = shape;
  if (patches && patches.height * patches.width > 1) {
    const extra = tokens - patches.height * patches.width;
    return extra >= 0 && extra <= 8 ? { channels, height: patches.height, width: patches.width, skippedTokens: extra } : undefined;
  }
  for (const skipped of [0, 1]) {
    const side = Math.round(Math.sqrt(tokens - skipped));
    if (side > 1 && side * side === tokens - skipped) return { channels, height: side, width: side, skippedTokens: skipped };
  }
  return undefined;
}
