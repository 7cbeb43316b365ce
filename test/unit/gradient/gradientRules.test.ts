// Each operator's gradient rule against central finite differences of the same small model, both run by ONNX Runtime.
import * as assert from 'node:assert/strict';
import { FairframeError } from '../../../src/engine/errors';
import { GradientModel } from '../../../src/engine/gradient/gradientModel';
import { INT64, node, tensor } from '../model/onnxBuilder';
import { checkGradient, model, values } from './finiteDifference';

const S = [1, 4, 6, 7];
const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const weights = (name: string, dims: number[], seed: number): ReturnType<typeof tensor> => tensor(name, dims, values(size(dims), seed));
const ints = (name: string, list: number[]): ReturnType<typeof tensor> => tensor(name, [list.length], list, INT64);

describe('gradient rules against finite differences', () => {
  describe('convolution and matrices', () => {
    it('Conv with groups, strides, asymmetric pads and dilations', async () => {
      await checkGradient(model(S, { nodes: [node('Conv', ['x', 'w', 'b'], ['y'], { group: { i: 2 }, strides: { ints: [2, 2] }, pads: { ints: [1, 0, 0, 1] }, dilations: { ints: [1, 2] } })], initializers: [weights('w', [6, 2, 3, 3], 5), weights('b', [6], 6)] }), S);
    });
    it('Conv with auto_pad SAME_UPPER and stride 2, and a depthwise 5×5 VALID', async () => {
      await checkGradient(model(S, { nodes: [node('Conv', ['x', 'w'], ['c'], { auto_pad: { s: 'SAME_UPPER' }, strides: { ints: [2, 2] }, kernel_shape: { ints: [3, 3] } }), node('Conv', ['x', 'd'], ['e'], { group: { i: 4 }, auto_pad: { s: 'VALID' } }), node('ReduceSum', ['e', 'axes'], ['f'], { keepdims: { i: 0 } }), node('ReduceSum', ['c', 'axes'], ['g'], { keepdims: { i: 0 } }), node('Add', ['f', 'g'], ['y'])], initializers: [weights('w', [3, 4, 3, 3], 7), weights('d', [4, 1, 5, 5], 8), ints('axes', [1, 2, 3])] }), S);
    });
    it('Gemm with transA and transB, alpha and a computed C', async () => {
      await checkGradient(model([3, 4], { nodes: [node('Gemm', ['x', 'w', 'x'], ['a'], { transB: { i: 1 }, alpha: { f: 0.5 }, beta: { f: 2 } }), node('Gemm', ['x', 'v'], ['b'], { transA: { i: 1 } }), node('ReduceSum', ['b', 'zero'], ['c'], { keepdims: { i: 1 } }), node('Add', ['a', 'c'], ['y'])], initializers: [weights('w', [4, 4], 9), weights('v', [3, 2], 10), ints('zero', [0, 1])] }), [3, 4]);
    });
    it('MatMul of two computed tensors with batch broadcasting', async () => {
      await checkGradient(model([2, 3, 4], { nodes: [node('Transpose', ['x'], ['t'], { perm: { ints: [0, 2, 1] } }), node('MatMul', ['x', 't'], ['m']), node('MatMul', ['m', 'w'], ['y'])], initializers: [weights('w', [3, 5], 12)] }), [2, 3, 4]);
    });
  });

  describe('elementwise', () => {
    it('Add, Sub, Mul, Div of computed tensors with broadcasting both ways', async () => {
      await checkGradient(model(S, { nodes: [
        node('ReduceMean', ['x'], ['r'], { axes: { ints: [2, 3] }, keepdims: { i: 1 } }), node('Sigmoid', ['r'], ['s']),
        node('Mul', ['x', 's'], ['m']), node('Sub', ['s', 'm'], ['d']), node('Add', ['d', 'c'], ['e']), node('Exp', ['s'], ['q']),
        node('Div', ['e', 'q'], ['f']), node('Div', ['f', 'two'], ['y']),
      ], initializers: [weights('c', [1, 1, 1, 7], 13), tensor('two', [], [2])] }), S);
    });
    it('Relu, LeakyRelu, Clip (ReLU6), HardSigmoid, HardSwish, Sigmoid, Tanh, Erf, Softplus, Sum', async () => {
      const x4 = values(size(S), 21, -5, 5);
      await checkGradient(model(S, { opset: 14, nodes: [
        node('Relu', ['x'], ['a']), node('LeakyRelu', ['x'], ['b'], { alpha: { f: 0.1 } }), node('Clip', ['x', 'lo', 'hi'], ['c']),
        node('HardSigmoid', ['x'], ['d'], { alpha: { f: 0.3 } }), node('HardSwish', ['x'], ['e']), node('Sigmoid', ['x'], ['f']),
        node('Tanh', ['x'], ['g']), node('Erf', ['x'], ['h']), node('Softplus', ['x'], ['i']), node('Sum', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'], ['y']),
      ], initializers: [tensor('lo', [], [0]), tensor('hi', [], [2])] }), S, { input: Float32Array.from(x4) });
    });
    it('Softmax and LogSoftmax', async () => {
      await checkGradient(model([2, 5], { nodes: [node('Softmax', ['x'], ['a'], { axis: { i: 1 } }), node('LogSoftmax', ['x'], ['b']), node('Mul', ['a', 'b'], ['y'])] }), [2, 5]);
    });
  });

  describe('normalisation and reductions', () => {
    it('BatchNormalization (inference)', async () => {
      await checkGradient(model(S, { nodes: [node('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'var'], ['b'], { epsilon: { f: 1e-3 } }), node('Mul', ['b', 'b'], ['y'])], initializers: [weights('scale', [4], 1), weights('bias', [4], 2), weights('mean', [4], 3), tensor('var', [4], [0.5, 1, 2, 3])] }), S);
    });
    it('LayerNormalization (opset 17) over the last axis, channels-last', async () => {
      await checkGradient(model([1, 3, 3, 5], { opset: 17, nodes: [node('LayerNormalization', ['x', 'scale', 'bias'], ['l'], { axis: { i: -1 }, epsilon: { f: 1e-6 } }), node('Mul', ['l', 'w'], ['y'])], initializers: [weights('scale', [5], 4), weights('bias', [5], 5), weights('w', [1, 3, 3, 5], 6)] }), [1, 3, 3, 5]);
    });
    it('LayerNormalization decomposed: ReduceMean, Sub, Pow, Sqrt, Div', async () => {
      await checkGradient(model([2, 6], { nodes: [
        node('ReduceMean', ['x'], ['mu'], { axes: { ints: [-1] } }), node('Sub', ['x', 'mu'], ['c']), node('Pow', ['c', 'two'], ['sq']),
        node('ReduceMean', ['sq'], ['var'], { axes: { ints: [-1] } }), node('Add', ['var', 'eps'], ['ve']), node('Sqrt', ['ve'], ['sd']),
        node('Div', ['c', 'sd'], ['n']), node('Mul', ['n', 'w'], ['y']),
      ], initializers: [tensor('two', [], [2]), tensor('eps', [], [1e-5]), weights('w', [2, 6], 7)] }), [2, 6]);
    });
  });

  describe('pooling', () => {
    it('MaxPool 3×3 stride 2 pad 1 (overlapping windows) and 2×2 with ceil_mode', async () => {
      await checkGradient(model(S, { nodes: [node('MaxPool', ['x'], ['a'], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } }), node('MaxPool', ['x'], ['b'], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] }, ceil_mode: { i: 1 } }), node('Concat', ['a', 'b'], ['y'], { axis: { i: 1 } })] }), S);
    });
    it('AveragePool with pads counted and not, ceil_mode, GlobalAveragePool and GlobalMaxPool', async () => {
      await checkGradient(model(S, { nodes: [
        node('AveragePool', ['x'], ['a'], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } }),
        node('AveragePool', ['x'], ['b'], { kernel_shape: { ints: [3, 2] }, strides: { ints: [2, 2] }, pads: { ints: [1, 0, 1, 0] }, count_include_pad: { i: 1 } }),
        node('AveragePool', ['x'], ['c'], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] }, ceil_mode: { i: 1 } }),
        node('GlobalAveragePool', ['x'], ['d']), node('GlobalMaxPool', ['x'], ['e']),
        node('Flatten', ['a'], ['fa']), node('Flatten', ['b'], ['fb']), node('Flatten', ['c'], ['fc']), node('Flatten', ['d'], ['fd']), node('Flatten', ['e'], ['fe']),
        node('Concat', ['fa', 'fb', 'fc', 'fd', 'fe'], ['y'], { axis: { i: 1 } }),
      ] }), S);
    });
  });

  describe('moving values', () => {
    it('Split, Slice with steps and negative starts, Transpose, Reshape, Squeeze, Unsqueeze, Identity, Dropout', async () => {
      await checkGradient(model(S, { nodes: [
        node('Split', ['x', 'parts'], ['p', 'q'], { axis: { i: 1 } }), node('Slice', ['p', 'st', 'en', 'ax', 'sp'], ['s']),
        node('Transpose', ['q'], ['t'], { perm: { ints: [0, 2, 3, 1] } }), node('Reshape', ['t', 'shape'], ['r']), node('Unsqueeze', ['r', 'zero'], ['u']),
        node('Squeeze', ['u', 'zero'], ['v']), node('Identity', ['v'], ['w']), node('Dropout', ['w'], ['d']),
        node('Flatten', ['s'], ['fs']), node('Flatten', ['d'], ['fd']), node('Concat', ['fs', 'fd'], ['y'], { axis: { i: 1 } }),
      ], initializers: [ints('parts', [1, 3]), ints('st', [-1, 0, 1]), ints('en', [-7, 6, 7]), ints('ax', [3, 2, 1]), ints('sp', [-2, 2, 1]), ints('shape', [1, 42, 3]), ints('zero', [0])] }), S);
    });
    it('Expand of a computed tensor; Concat with a class token expanded from constants (as a ViT exports it), which is measured, not folded', async () => {
      await checkGradient(model(S, { nodes: [
        node('ReduceMean', ['x'], ['r'], { axes: { ints: [2, 3] }, keepdims: { i: 1 } }), node('Expand', ['r', 'full'], ['e']), node('Mul', ['e', 'x'], ['m']),
        node('Reshape', ['m', 'tokens'], ['t']), node('Transpose', ['t'], ['tt'], { perm: { ints: [0, 2, 1] } }),
        node('Expand', ['token', 'one'], ['cls']), node('Concat', ['cls', 'tt'], ['seq'], { axis: { i: 1 } }), node('Flatten', ['seq'], ['y']),
      ], initializers: [ints('full', S), ints('tokens', [1, 4, 42]), weights('token', [1, 1, 4], 21), ints('one', [1, 1, 4])] }), S);
    });
    it('Pad constant, reflect and edge; Gather of rows', async () => {
      await checkGradient(model(S, { nodes: [
        node('Pad', ['x', 'pads'], ['a'], { mode: { s: 'reflect' } }), node('Pad', ['x', 'pads'], ['b'], { mode: { s: 'edge' } }), node('Pad', ['x', 'pads', 'value'], ['c']),
        node('Gather', ['x', 'rows'], ['g'], { axis: { i: 2 } }),
        node('Add', ['a', 'b'], ['ab']), node('Mul', ['ab', 'c'], ['abc']), node('Flatten', ['abc'], ['f']), node('Flatten', ['g'], ['fg']), node('Concat', ['f', 'fg'], ['y'], { axis: { i: 1 } }),
      ], initializers: [ints('pads', [0, 0, 2, 1, 0, 0, 1, 2]), tensor('value', [], [0.5]), ints('rows', [5, 0, 0, -1])] }), S);
    });
    it('Resize nearest ×2, linear half-pixel ×1.5, linear align_corners down to 4×3', async () => {
      await checkGradient(model(S, { nodes: [
        node('Resize', ['x', '', 'up'], ['a'], { mode: { s: 'nearest' } }), node('Resize', ['x', '', 'mid'], ['b'], { mode: { s: 'linear' } }),
        node('Resize', ['x', '', '', 'down'], ['c'], { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'align_corners' } }),
        node('Flatten', ['a'], ['fa']), node('Flatten', ['b'], ['fb']), node('Flatten', ['c'], ['fc']), node('Concat', ['fa', 'fb', 'fc'], ['y'], { axis: { i: 1 } }),
      ], initializers: [tensor('up', [4], [1, 1, 2, 2]), tensor('mid', [4], [1, 1, 1.5, 1.5]), ints('down', [1, 4, 4, 3])] }), S);
    });
  });

  describe('older opsets, raised in memory', () => {
    it('opset 9: Unsqueeze axes, Clip bounds, Upsample and a 2-D-coerced Softmax', async () => {
      await checkGradient(model([1, 2, 3, 3], { opset: 9, nodes: [
        node('Clip', ['x'], ['c'], { min: { f: -0.5 }, max: { f: 0.5 } }), node('Upsample', ['c', 'scales'], ['u'], { mode: { s: 'nearest' } }),
        node('Unsqueeze', ['u'], ['v'], { axes: { ints: [0] } }), node('Softmax', ['v'], ['y'], { axis: { i: 2 } }),
      ], initializers: [tensor('scales', [4], [1, 1, 2, 2])] }), [1, 2, 3, 3]);
    });
    it('opset 11: Squeeze axes and ReduceSum axes attributes, Split sizes attribute', async () => {
      await checkGradient(model([1, 4, 1, 3], { opset: 11, nodes: [
        node('Squeeze', ['x'], ['s'], { axes: { ints: [2] } }), node('Split', ['s'], ['a', 'b'], { axis: { i: 1 }, split: { ints: [1, 3] } }),
        node('ReduceSum', ['b'], ['r'], { axes: { ints: [1] }, keepdims: { i: 1 } }), node('Mul', ['a', 'r'], ['y']),
      ] }), [1, 4, 1, 3]);
    });
  });

  describe('errors and the user\'s bytes', () => {
    it('names an operator without a rule', async () => {
      const bytes = model([2, 3], { nodes: [node('Cos', ['x'], ['c'], {}, 'the_cosine'), node('Relu', ['c'], ['y'])] });
      await assert.rejects(GradientModel.open(bytes, { inputDims: [2, 3], score: 'y' }), (error: unknown) => FairframeError.is(error, 'unsupported-model') && /Cos node 'the_cosine'/.test(error.message));
    });
    it('leaves the model bytes as they were', async () => {
      const bytes = model(S, { opset: 9, nodes: [node('Unsqueeze', ['x'], ['y'], { axes: { ints: [0] } })] });
      const before = Buffer.from(bytes);
      const opened = await GradientModel.open(bytes, { inputDims: S, score: 'y' });
      await opened.dispose();
      assert.ok(before.equals(Buffer.from(bytes)));
    });
  });
});
