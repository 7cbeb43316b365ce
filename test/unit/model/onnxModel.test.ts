// Inspecting ONNX files: the real MNIST model (numbers frozen by test/fixtures/model/mnistReference.py), models built
// here, files that are not models, and finding models in a folder.
import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { FairframeError } from '../../../src/engine/errors';
import { discoverModels } from '../../../src/engine/model/discoverModels';
import { elementTypeName, inspectModel, inspectModelBytes, loadModelProto } from '../../../src/engine/model/onnxModel';
import { buildClassifier, encodeModel, FLOAT, FLOAT16, node, readTensorFile, tensor, valueInfo } from './onnxBuilder';
import { requireSharedData, sharedDataPath } from '../sharedData';

const MNIST_DIR = sharedDataPath('mnist');
const MNIST = path.join(MNIST_DIR, 'mnist.onnx');
const FIXTURES = path.resolve(__dirname, '../../fixtures/model');
const reference = JSON.parse(readFileSync(path.join(FIXTURES, 'mnistReference.json'), 'utf8'));

async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

function assertBadModel(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => FairframeError.is(error, 'bad-model') && pattern.test((error as Error).message));
}

describe('inspectModel on mnist.onnx', function () {
  before(function () {
    requireSharedData(this, MNIST);
  });

  it('reports the file, opsets, producer, inputs and outputs', async () => {
    const info = await inspectModel(MNIST);
    assert.equal(info.file, MNIST);
    assert.equal(info.bytes, 26454);
    assert.equal(info.sha256, '0d715376572e89832685c56a65ef1391f5f0b7dd31d61050c91ff3ecab16c032');
    assert.equal(info.irVersion, 3);
    assert.deepEqual(info.opsets, [{ domain: '', version: 7 }]);
    assert.deepEqual(info.producer, { name: 'CNTK', version: '2.5.1' });
    assert.equal(info.domain, 'ai.cntk');
    assert.equal(info.modelVersion, 1);
    assert.equal(info.graphName, 'CNTKGraph');
    assert.equal(info.docString, undefined);
    // Eight of the nine graph inputs are initializers; only Input3 is fed.
    assert.deepEqual(info.inputs, [{ name: 'Input3', elementType: 'float32', shape: [1, 1, 28, 28] }]);
    assert.deepEqual(info.outputs, [{ name: 'Plus214_Output_0', elementType: 'float32', shape: [1, 10] }]);
    assert.deepEqual(info.metadata, {});
  });

  it('counts weights and nodes as onnx (python) does', async () => {
    const info = await inspectModel(MNIST);
    // 200 + 8 + 3200 + 16 + 2560 + 10 float weights and two 2-element int64 shape tensors.
    assert.equal(info.parameterCount, 5998);
    assert.equal(info.parameterCount, reference.parameterCount);
    assert.equal(info.nodeCount, 12);
    assert.deepEqual(info.opTypes, { Add: 3, Conv: 2, MatMul: 1, MaxPool: 2, Relu: 2, Reshape: 2 });
    assert.deepEqual(info.opTypes, reference.opTypes);
    assert.equal(info.sha256, reference.sha256);
  });

  it('runs with onnxruntime-node and reproduces the reference output to 1e-3', async () => {
    const input = readTensorFile(path.join(MNIST_DIR, 'reference_io', 'input_0.pb'));
    const expected = readTensorFile(path.join(MNIST_DIR, 'reference_io', 'output_0.pb'));
    assert.deepEqual(input.dims, [1, 1, 28, 28]);
    assert.deepEqual(expected.dims, [1, 10]);
    const session = await ort.InferenceSession.create(readFileSync(MNIST));
    const result = await session.run({ Input3: new ort.Tensor('float32', input.values, input.dims) });
    const logits = result.Plus214_Output_0.data as Float32Array;
    assert.equal(logits.length, 10);
    for (let i = 0; i < 10; i++) {
      assert.ok(Math.abs(logits[i] - expected.values[i]) < 1e-3, `logit ${i}: ${logits[i]} vs ${expected.values[i]}`);
      assert.ok(Math.abs(logits[i] - reference.logits[i]) < 1e-3, `logit ${i}: ${logits[i]} vs python ${reference.logits[i]}`);
    }
    assert.equal(logits.indexOf(Math.max(...logits)), 8);
  });

  it('rejects the first 100 bytes of the model as truncated, naming the file', async () => {
    const bytes = readFileSync(MNIST).subarray(0, 100);
    assertBadModel(() => inspectModelBytes(bytes, 'cut.onnx'), /'cut\.onnx' \(100 bytes\) cannot be read as ONNX: .*truncated or not an ONNX model; export or download it again/);
  });
});

describe('inspectModelBytes on built models', () => {
  it('reads a symbolic batch, element types, metadata and weights', () => {
    const { bytes } = buildClassifier({ batch: 'N', metadata: { fairframe: '{"labels":["a","b","c"]}', author: 'x' } });
    const info = inspectModelBytes(bytes, 'tiny.onnx');
    assert.equal(info.file, path.resolve('tiny.onnx'));
    assert.deepEqual(info.inputs, [{ name: 'image', elementType: 'float32', shape: ['N', 3, 8, 8] }]);
    assert.deepEqual(info.outputs, [{ name: 'logits', elementType: 'float32', shape: ['N', 3] }]);
    assert.deepEqual(info.opsets, [{ domain: '', version: 13 }]);
    assert.deepEqual(info.producer, { name: 'onnxBuilder', version: '1' });
    // conv 4·3·3·3 = 108, its bias 4, Gemm 3·4 = 12, its bias 3.
    assert.equal(info.parameterCount, 127);
    assert.equal(info.nodeCount, 5);
    assert.deepEqual(info.opTypes, { Conv: 1, Relu: 1, GlobalAveragePool: 1, Flatten: 1, Gemm: 1 });
    assert.deepEqual(info.metadata, { fairframe: '{"labels":["a","b","c"]}', author: 'x' });
    assert.equal(info.modelVersion, undefined);
  });

  it('names uint8, float16 and int64 types and keeps unknown dimensions as null', () => {
    const bytes = encodeModel({
      inputs: [valueInfo('pixels', 2, [1, 'H', null, 3]), valueInfo('half', FLOAT16, [2]), valueInfo('index', 7, [])],
      outputs: [valueInfo('out', FLOAT16, undefined)],
      nodes: [node('Identity', ['half'], ['out'])],
    });
    const info = inspectModelBytes(bytes, 'types.onnx');
    assert.deepEqual(info.inputs, [
      { name: 'pixels', elementType: 'uint8', shape: [1, 'H', null, 3] },
      { name: 'half', elementType: 'float16', shape: [2] },
      { name: 'index', elementType: 'int64', shape: [] },
    ]);
    assert.deepEqual(info.outputs, [{ name: 'out', elementType: 'float16', shape: [] }]);
    assert.equal(elementTypeName(11), 'float64');
    assert.equal(elementTypeName(16), 'bfloat16');
    assert.equal(elementTypeName(99), 'type-99');
  });

  it('leaves initializers that are also graph inputs out of the inputs', () => {
    const bytes = encodeModel({
      inputs: [valueInfo('x', FLOAT, [1, 2]), valueInfo('w', FLOAT, [2, 2])],
      outputs: [valueInfo('y', FLOAT, [1, 2])],
      nodes: [node('MatMul', ['x', 'w'], ['y'])],
      initializers: [tensor('w', [2, 2], [1, 0, 0, 1])],
      irVersion: 3,
    });
    const info = inspectModelBytes(bytes, 'm.onnx');
    assert.deepEqual(info.inputs.map((input) => input.name), ['x']);
    assert.equal(info.parameterCount, 4);
  });

  it('refuses a model whose weights live in an external file, saying how to merge them', () => {
    const external: onnx.ITensorProto = { name: 'w', dims: [2, 2], dataType: FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: [{ key: 'location', value: 'big.onnx.data' }, { key: 'offset', value: '0' }] };
    const bytes = encodeModel({ inputs: [valueInfo('x', FLOAT, [1, 2])], outputs: [valueInfo('y', FLOAT, [1, 2])], nodes: [node('MatMul', ['x', 'w'], ['y'])], initializers: [external] });
    assert.throws(() => inspectModelBytes(bytes, '/models/big.onnx'), (error: unknown) => {
      assert.ok(FairframeError.is(error, 'bad-model'));
      assert.match(error.message, /'\/models\/big\.onnx' keeps its weights in external data file\(s\) \(big\.onnx\.data\)/);
      assert.match(error.message, /onnx\.save\(onnx\.load\('big\.onnx'\), 'single-big\.onnx'\)/);
      assert.deepEqual(error.details?.externalData, ['big.onnx.data']);
      return true;
    });
  });

  it('decodes bytes for other modules with loadModelProto', () => {
    const model = loadModelProto(buildClassifier().bytes);
    assert.equal(model.graph?.node?.length, 5);
    assert.equal(model.graph?.output?.[0].name, 'logits');
  });
});

describe('files that are not ONNX models', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('fairframe-model-');
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('an empty file', async () => {
    const file = path.join(dir, 'empty.onnx');
    await fs.writeFile(file, '');
    await assert.rejects(inspectModel(file), (error: unknown) => FairframeError.is(error, 'bad-model') && error.message === `The model file '${file}' is empty (0 bytes); export or download it again.`);
  });

  it('a text file', async () => {
    const file = path.join(FIXTURES, 'notAModel.onnx');
    await assert.rejects(inspectModel(file), (error: unknown) =>
      FairframeError.is(error, 'bad-model') && error.message.includes(`'${file}'`) && /It is a text file, not a model; export the model to ONNX/.test(error.message));
  });

  it('a Git LFS pointer, with the command that fetches the real file', () => {
    const pointer = Buffer.from('version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146\nsize 102400\n');
    assertBadModel(() => inspectModelBytes(pointer, 'lfs.onnx'), /Git LFS pointer.*git lfs pull/);
  });

  it('valid protobuf that is not a model (a TensorProto)', () => {
    const bytes = onnx.TensorProto.encode(tensor('t', [2], [1, 2])).finish();
    assertBadModel(() => inspectModelBytes(bytes, 'tensor.pb'), /'tensor\.pb'.*(cannot be read as ONNX|is not an ONNX model)/);
  });

  it('a missing file is path-not-found and a folder is bad-model', async () => {
    await assert.rejects(inspectModel(path.join(dir, 'nope.onnx')), (error: unknown) => FairframeError.is(error, 'path-not-found'));
    await assert.rejects(inspectModel(dir), (error: unknown) => FairframeError.is(error, 'bad-model') && /is a folder/.test(error.message));
  });
});

describe('discoverModels', () => {
  let root: string;
  let outside: string;
  before(async () => {
    root = await tempDir('fairframe-models-');
    outside = await tempDir('fairframe-outside-');
    const files = ['a.onnx', 'B.ONNX', 'notes.txt', 'sub/c.onnx', 'sub/deep/2/3/4/5/six.onnx', 'sub/deep/2/3/4/5/6/seven.onnx',
      '.hidden/h.onnx', 'node_modules/pkg/n.onnx', '.dot.onnx', 'model.onnx.json'];
    for (const file of files) {
      await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await fs.writeFile(path.join(root, file), 'x');
    }
    await fs.writeFile(path.join(outside, 'outside.onnx'), 'x');
    await fs.symlink(outside, path.join(root, 'linkOut'));
    await fs.symlink(path.join(root, 'sub'), path.join(root, 'linkIn'));
    await fs.symlink(path.join(root, 'a.onnx'), path.join(root, 'alias.onnx'));
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(outside, { recursive: true, force: true });
  });

  it('lists .onnx files in folders up to 6 levels down, sorted, skipping hidden, node_modules and links leaving the root', async () => {
    const found = (await discoverModels(root)).map((file) => path.relative(root, file));
    // linkIn is another name for 'sub', which is listed under its own name only; linkOut leaves the root.
    assert.deepEqual(found, ['B.ONNX', 'a.onnx', 'alias.onnx', 'sub/c.onnx', 'sub/deep/2/3/4/5/six.onnx']);
  });

  it('honours maxDepth, a file root and a missing root', async () => {
    assert.deepEqual((await discoverModels(root, { maxDepth: 0 })).map((file) => path.basename(file)), ['B.ONNX', 'a.onnx', 'alias.onnx']);
    assert.deepEqual(await discoverModels(path.join(root, 'a.onnx')), [path.join(root, 'a.onnx')]);
    assert.deepEqual(await discoverModels(path.join(root, 'missing')), []);
  });
});
