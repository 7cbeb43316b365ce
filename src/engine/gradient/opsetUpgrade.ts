// Raises an in-memory model to opset 17 (or keeps a newer one), so the gradient nodes appended to it have one set of
// operator signatures: attributes that became inputs (Squeeze/Unsqueeze/ReduceSum/Split axes, Clip bounds, Pad pads,
// Slice bounds, TopK k) move to inputs, old Softmax's 2-D coercion is kept explicit, Dropout becomes Identity,
// Upsample and opset-10 Resize become Resize. Operators whose meaning did not change between opsets are left alone.
import { onnx } from 'onnx-proto';
import { FairframeError } from '../errors';
import { defaultOpset, floatAttribute, intAttribute, intsAttribute, stringAttribute } from '../explain/headGraph';

/** The opset the gradient graph is written in (LayerNormalization and ScatterElements' reduction need 17 / 16). */
export const GRADIENT_OPSET = 17;

/** Raises `model` (changed in place: pass a copy) to GRADIENT_OPSET or keeps its newer opset; returns the opset it now has. */
export function raiseOpset(model: onnx.IModelProto): number {
  const from = defaultOpset(model);
  const target = Math.max(from, GRADIENT_OPSET);
  const graph = model.graph ?? {};
  if (from < 7) throw new FairframeError('unsupported-model', `The model uses ONNX opset ${from}; gradient methods read opset 7 and newer. Re-export it with a newer opset.`, { opset: from });
  const nodes: onnx.INodeProto[] = [];
  // Names count from 0 on each call, so raising the same graph twice names the same tensors (their measured shapes are shared).
  let counter = 0;
  const initializers = graph.initializer ?? (graph.initializer = []);
  const ints = (values: number[]): string => {
    const name = `fairframe_opset/ints_${counter++}`;
    initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: Buffer.from(BigInt64Array.from(values.map(BigInt)).buffer) });
    return name;
  };
  const float = (value: number): string => {
    const name = `fairframe_opset/float_${counter++}`;
    initializers.push({ name, dims: [], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [value] });
    return name;
  };
  const without = (node: onnx.INodeProto, ...names: string[]): onnx.IAttributeProto[] => (node.attribute ?? []).filter((a) => !names.includes(a.name ?? ''));
  for (const node of graph.node ?? []) {
    const op = node.domain && node.domain !== 'ai.onnx' ? '' : node.opType ?? '';
    const inputs = node.input ?? [];
    if ((op === 'Squeeze' || op === 'Unsqueeze' || op === 'ReduceSum') && from < 13) {
      const axes = intsAttribute(node, 'axes');
      nodes.push({ ...node, input: axes ? [inputs[0], ints(axes)] : [inputs[0]], attribute: without(node, 'axes') });
    } else if (op === 'Split' && from < 13) {
      const split = intsAttribute(node, 'split');
      nodes.push({ ...node, input: split ? [inputs[0], ints(split)] : [inputs[0]], attribute: without(node, 'split') });
    } else if ((op === 'Softmax' || op === 'LogSoftmax' || op === 'Hardmax') && from < 13) {
      // Before opset 13 the input was coerced to 2-D at `axis` (default 1): flatten, normalise each row, reshape back.
      const flat = `fairframe_opset/flat_${counter++}`;
      const normalised = `fairframe_opset/normalised_${counter++}`;
      const shape = `fairframe_opset/shape_${counter++}`;
      nodes.push({ opType: 'Flatten', input: [inputs[0]], output: [flat], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: intAttribute(node, 'axis', 1) }], name: flat });
      nodes.push({ ...node, input: [flat], output: [normalised], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] });
      nodes.push({ opType: 'Shape', input: [inputs[0]], output: [shape], name: shape });
      nodes.push({ opType: 'Reshape', input: [normalised, shape], output: node.output, name: `${node.name ?? ''}_reshape` });
    } else if (op === 'Clip' && from < 11) {
      const min = floatAttribute(node, 'min', -Infinity);
      const max = floatAttribute(node, 'max', Infinity);
      nodes.push({ ...node, input: [inputs[0], Number.isFinite(min) ? float(min) : '', Number.isFinite(max) ? float(max) : ''], attribute: [] });
    } else if (op === 'Pad' && from < 11) {
      const mode = stringAttribute(node, 'mode', 'constant');
      nodes.push({ ...node, input: [inputs[0], ints(intsAttribute(node, 'pads') ?? []), float(floatAttribute(node, 'value', 0))], attribute: [{ name: 'mode', type: onnx.AttributeProto.AttributeType.STRING, s: Buffer.from(mode) }] });
    } else if (op === 'Slice' && from < 10) {
      const starts = intsAttribute(node, 'starts') ?? [];
      const axes = intsAttribute(node, 'axes') ?? starts.map((_, k) => k);
      nodes.push({ ...node, input: [inputs[0], ints(starts), ints(intsAttribute(node, 'ends') ?? []), ints(axes)], attribute: [] });
    } else if (op === 'TopK' && from < 10) {
      nodes.push({ ...node, input: [inputs[0], ints([intAttribute(node, 'k', 1)])], attribute: without(node, 'k') });
    } else if (op === 'Dropout') {
      nodes.push({ opType: 'Identity', input: [inputs[0]], output: [(node.output ?? [])[0]], name: node.name });
    } else if (op === 'BatchNormalization' && from < 9) {
      nodes.push({ ...node, attribute: without(node, 'spatial', 'consumed_inputs', 'is_test') });
    } else if (op === 'Upsample' || (op === 'Resize' && from < 11)) {
      const mode = stringAttribute(node, 'mode', 'nearest');
      const scales = inputs[1] ?? (() => {
        const values = (node.attribute ?? []).find((a) => a.name === 'scales')?.floats ?? [];
        const name = `fairframe_opset/scales_${counter++}`;
        initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.FLOAT, floatData: values });
        return name;
      })();
      const S = onnx.AttributeProto.AttributeType.STRING;
      nodes.push({
        opType: 'Resize', input: [inputs[0], '', scales], output: node.output, name: node.name,
        attribute: [
          { name: 'mode', type: S, s: Buffer.from(mode === 'bilinear' ? 'linear' : mode) },
          { name: 'coordinate_transformation_mode', type: S, s: Buffer.from('asymmetric') },
          { name: 'nearest_mode', type: S, s: Buffer.from('floor') },
        ],
      });
    } else {
      nodes.push(node);
    }
  }
  graph.node = nodes;
  const entry = (model.opsetImport ?? []).find((opset) => !opset.domain || opset.domain === 'ai.onnx');
  if (entry) entry.version = target;
  else (model.opsetImport ??= []).push({ domain: '', version: target });
  // IR 8 is the first that ONNX Runtime accepts with opset 17.
  if (Number(model.irVersion ?? 0) < 8) model.irVersion = 8;
  return target;
}
