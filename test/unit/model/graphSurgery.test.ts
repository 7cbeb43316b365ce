// Graph surgery: finding the penultimate tensor and exposing intermediate tensors as outputs that onnxruntime runs.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { Writer } from 'protobufjs/minimal';
import { FairframeError } from '../../../src/engine/errors';
import { exposeTensors, findPenultimateTensor } from '../../../src/engine/model/graphSurgery';
import { loadModelProto } from '../../../src/engine/model/onnxModel';
import { buildClassifier, encodeModel, FLOAT, INT64, node, readTensorFile, tensor, valueInfo, weights } from './onnxBuilder';
import { requireSharedData, sharedDataPath } from '../sharedData';

const MNIST_DIR = sharedDataPath('mnist');
const MNIST = path.join(MNIST_DIR, 'mnist.onnx');
const reference = JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/model/mnistReference.json'), 'utf8'));

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A deterministic NCHW float image batch. */
function imageBatch(batch: number, channels: number, size: number): ort.Tensor {
  const data = Float32Array.from({ length: batch * channels * size * size }, (_, k) => ((k * 7919) % 255) / 255);
  return new ort.Tensor('float32', data, [batch, channels, size, size]);
}

describe('findPenultimateTensor', () => {
  it('MNIST: the reshaped pooled features that the final MatMul reads', function () {
    requireSharedData(this, MNIST);
    const found = findPenultimateTensor(loadModelProto(readFileSync(MNIST)));
    assert.equal(found?.name, 'Pooling160_Output_0_reshape0');
    assert.equal(found?.name, reference.penultimate.name);
    assert.match(found?.reason ?? '', /input of the last MatMul .*then Add/);
  });

  it('GlobalAveragePool → Flatten → Gemm: the flattened pooled features, through Softmax and Identity', () => {
    assert.equal(findPenultimateTensor(loadModelProto(buildClassifier().bytes))?.name, 'flat');
    const wrapped = loadModelProto(buildClassifier({ softmax: true, outputName: 'scores' }).bytes);
    assert.deepEqual(findPenultimateTensor(wrapped), { name: 'flat', reason: "the input of the last Gemm 'fc' (then Softmax → Identity), which the classifier reads" });
  });

  it('passes a Reshape whose target shape is computed from the features (torch x.view(x.size(0), -1))', () => {
    const bytes = encodeModel({
      inputs: [valueInfo('x', FLOAT, ['N', 2, 4, 4])],
      outputs: [valueInfo('y', FLOAT, ['N', 3])],
      nodes: [
        node('GlobalAveragePool', ['x'], ['pooled']),
        node('Shape', ['pooled'], ['shape']),
        node('Gather', ['shape', 'zero'], ['n'], { axis: { i: 0 } }),
        node('Unsqueeze', ['n', 'axes'], ['n1']),
        node('Concat', ['n1', 'minusOne'], ['target'], { axis: { i: 0 } }),
        node('Reshape', ['pooled', 'target'], ['flat']),
        node('MatMul', ['flat', 'w'], ['mm']),
        node('Add', ['b', 'mm'], ['y']),
      ],
      initializers: [tensor('zero', [], [0], INT64), tensor('axes', [1], [0], INT64), tensor('minusOne', [1], [-1], INT64), tensor('w', [2, 3], weights(6, 1)), tensor('b', [3], [0, 0, 0])],
    });
    assert.equal(findPenultimateTensor(loadModelProto(bytes))?.name, 'flat');
  });

  it('treats a weight computed from initializers (Transpose of a constant) as a constant', () => {
    const bytes = encodeModel({
      inputs: [valueInfo('x', FLOAT, [1, 2])],
      outputs: [valueInfo('y', FLOAT, [1, 3])],
      nodes: [node('Relu', ['x'], ['h']), node('Transpose', ['wT'], ['w'], { perm: { ints: [1, 0] } }), node('MatMul', ['h', 'w'], ['y'])],
      initializers: [tensor('wT', [3, 2], weights(6, 1))],
    });
    assert.equal(findPenultimateTensor(loadModelProto(bytes))?.name, 'h');
  });

  it('gives up where there is no linear classifier to read from', () => {
    // Conv → GlobalAveragePool → Flatten: a 1×1-conv classifier head.
    const convHead = encodeModel({
      inputs: [valueInfo('x', FLOAT, [1, 3, 4, 4])],
      outputs: [valueInfo('y', FLOAT, [1, 2])],
      nodes: [node('Conv', ['x', 'w'], ['c'], { kernel_shape: { ints: [1, 1] } }), node('GlobalAveragePool', ['c'], ['p']), node('Flatten', ['p'], ['y'])],
      initializers: [tensor('w', [2, 3, 1, 1], weights(6, 1))],
    });
    assert.equal(findPenultimateTensor(loadModelProto(convHead)), undefined);
    // A residual Add of two computed tensors before the classifier.
    const residual = encodeModel({
      inputs: [valueInfo('x', FLOAT, [1, 2])],
      outputs: [valueInfo('y', FLOAT, [1, 2])],
      nodes: [node('Relu', ['x'], ['a']), node('Sigmoid', ['x'], ['b']), node('Add', ['a', 'b'], ['y'])],
    });
    assert.equal(findPenultimateTensor(loadModelProto(residual)), undefined);
    // A MatMul straight on the graph input: the features would be the input itself.
    const linear = encodeModel({
      inputs: [valueInfo('x', FLOAT, [1, 2])],
      outputs: [valueInfo('y', FLOAT, [1, 3])],
      nodes: [node('MatMul', ['x', 'w'], ['y'])],
      initializers: [tensor('w', [2, 3], weights(6, 1))],
    });
    assert.equal(findPenultimateTensor(loadModelProto(linear)), undefined);
  });
});

describe('exposeTensors', () => {
  it('MNIST: adds the penultimate tensor as an output; onnxruntime returns it and the logits are unchanged', async function () {
    requireSharedData(this, MNIST);
    const original = readFileSync(MNIST);
    const before = sha(original);
    const exposed = exposeTensors(original, [reference.penultimate.name]);
    assert.equal(sha(original), before, 'the input bytes are not changed');
    const graph = loadModelProto(exposed).graph as onnx.IGraphProto;
    assert.deepEqual(graph.output?.map((output) => output.name), ['Plus214_Output_0', 'Pooling160_Output_0_reshape0']);
    // The type comes from the model's value_info: float32 [1, 256].
    assert.equal(graph.output?.[1].type?.tensorType?.elemType, FLOAT);
    assert.deepEqual(graph.output?.[1].type?.tensorType?.shape?.dim?.map((dim) => Number(dim.dimValue)), [1, 256]);

    const input = readTensorFile(path.join(MNIST_DIR, 'reference_io', 'input_0.pb'));
    const feeds = { Input3: new ort.Tensor('float32', input.values, input.dims) };
    const plain = await (await ort.InferenceSession.create(original)).run(feeds);
    const session = await ort.InferenceSession.create(exposed);
    assert.deepEqual(session.outputNames, ['Plus214_Output_0', 'Pooling160_Output_0_reshape0']);
    const result = await session.run(feeds);
    assert.deepEqual(Array.from(result.Plus214_Output_0.data as Float32Array), Array.from(plain.Plus214_Output_0.data as Float32Array));
    const features = result.Pooling160_Output_0_reshape0;
    assert.deepEqual(features.dims, [1, 256]);
    const values = Array.from(features.data as Float32Array);
    // Summary of the same tensor from the independent torch forward pass (mnistReference.py).
    assert.ok(Math.abs(values.reduce((a, b) => a + b, 0) - reference.penultimate.sum) < 1e-3);
    assert.ok(Math.abs(Math.max(...values) - reference.penultimate.max) < 1e-3);
    assert.equal(values.filter((v) => v !== 0).length, reference.penultimate.nonZero);
    values.slice(0, 5).forEach((v, i) => assert.ok(Math.abs(v - reference.penultimate.first[i]) < 1e-3));
  });

  it('a built classifier with a dynamic batch: the exposed features give the logits through the Gemm weights', async () => {
    const built = buildClassifier({ batch: 'N' });
    const exposed = exposeTensors(built.bytes, ['flat', 'pooled']);
    const outputs = loadModelProto(exposed).graph?.output ?? [];
    assert.deepEqual(outputs.map((output) => output.name), ['logits', 'flat', 'pooled']);
    // No value_info in this model: the element type is inferred (float from the input), the shape left unknown.
    assert.equal(outputs[1].type?.tensorType?.elemType, FLOAT);
    assert.equal(outputs[1].type?.tensorType?.shape, null);
    const session = await ort.InferenceSession.create(exposed);
    const batch = imageBatch(2, 3, 8);
    const result = await session.run({ image: batch });
    const plain = await (await ort.InferenceSession.create(built.bytes)).run({ image: batch });
    assert.deepEqual(Array.from(result.logits.data as Float32Array), Array.from(plain.logits.data as Float32Array));
    assert.deepEqual(result.flat.dims, [2, built.features]);
    assert.deepEqual(result.pooled.dims, [2, built.features, 1, 1]);
    const flat = result.flat.data as Float32Array;
    const logits = result.logits.data as Float32Array;
    // logits[n][c] = Σ_k flat[n][k] · W[c][k] + b[c]  (Gemm with transB = 1).
    for (let n = 0; n < 2; n++) {
      for (let c = 0; c < built.classes; c++) {
        let expected = built.gemmBias[c];
        for (let k = 0; k < built.features; k++) expected += flat[n * built.features + k] * built.gemmWeight[c * built.features + k];
        assert.ok(Math.abs(logits[n * built.classes + c] - expected) < 1e-5, `logit [${n}][${c}]`);
      }
    }
    assert.ok(flat.some((v) => v > 0), 'the features are not all zero');
  });

  it('copies recorded value_info shapes, symbolic batch included', () => {
    const exposed = exposeTensors(buildClassifier({ withValueInfo: true }).bytes, ['flat']);
    const dims = loadModelProto(exposed).graph?.output?.[1].type?.tensorType?.shape?.dim ?? [];
    assert.deepEqual(dims.map((dim) => dim.dimParam || Number(dim.dimValue)), ['N', 4]);
  });

  it('infers element types through Cast and Shape for a uint8 NHWC model, which then runs', async () => {
    const built = buildClassifier({ layout: 'NHWC', inputType: 'uint8', batch: 1 });
    const withShape = loadModelProto(built.bytes);
    withShape.graph?.node?.push(node('Shape', ['flat'], ['flatShape']));
    const bytes = onnx.ModelProto.encode(withShape).finish();
    const exposed = exposeTensors(bytes, ['asFloat', 'nchw', 'flatShape']);
    const types = Object.fromEntries((loadModelProto(exposed).graph?.output ?? []).map((output) => [output.name, output.type?.tensorType?.elemType]));
    assert.deepEqual(types, { logits: FLOAT, asFloat: FLOAT, nchw: FLOAT, flatShape: INT64 });
    const pixels = Uint8Array.from({ length: 8 * 8 * 3 }, (_, k) => (k * 31) % 256);
    const result = await (await ort.InferenceSession.create(exposed)).run({ image: new ort.Tensor('uint8', pixels, [1, 8, 8, 3]) });
    assert.deepEqual(result.nchw.dims, [1, 3, 8, 8]);
    // NHWC [0, y, x, c] → NCHW [0, c, y, x]: pixel (y=1, x=2, c=0) = k (1·8 + 2)·3 = 30 → 30·31 mod 256 = 162.
    assert.equal((result.nchw.data as Float32Array)[0 * 64 + 1 * 8 + 2], 162);
    assert.deepEqual(Array.from(result.flatShape.data as BigInt64Array), [1n, 4n]);
  });

  it('keeps every other byte of the model, fields unknown to onnx-proto included', async () => {
    const built = buildClassifier();
    // Field 99 (varint 7) is not in onnx.proto: a decode-and-encode would drop it.
    const unknownField = Writer.create().uint32((99 << 3) | 0).uint32(7).finish();
    const withUnknown = new Uint8Array([...built.bytes, ...unknownField]);
    const exposed = exposeTensors(withUnknown, ['flat']);
    assert.deepEqual(Array.from(exposed.subarray(exposed.length - unknownField.length)), Array.from(unknownField));
    assert.equal(onnx.ModelProto.encode(onnx.ModelProto.decode(withUnknown)).finish().length, built.bytes.length, 'onnx-proto alone would lose it');
    assert.deepEqual((loadModelProto(exposed).graph?.output ?? []).map((output) => output.name), ['logits', 'flat']);
    const session = await ort.InferenceSession.create(exposed);
    assert.deepEqual(session.outputNames, ['logits', 'flat']);
  });

  it('returns a copy when every name is already an output, and refuses a tensor no node produces', () => {
    const { bytes } = buildClassifier();
    const copy = exposeTensors(bytes, ['logits']);
    assert.notEqual(copy, bytes);
    assert.deepEqual(Array.from(copy), Array.from(bytes));
    assert.throws(() => exposeTensors(bytes, ['flat', 'nope', 'image']), (error: unknown) => {
      assert.ok(FairframeError.is(error, 'bad-config'));
      assert.match(error.message, /'nope', 'image' are not produced by any node/);
      assert.match(error.message, /the last node writes 'logits'/);
      return true;
    });
  });
});
