// Resolving how a model is used: precedence of fairframe.json > sidecar > metadata > input shape > defaults, label
// mapping, output choice and the output kind.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FairframeError } from '../../../src/engine/errors';
import { defaultedPreprocessFields, metadataModelConfig, readSidecar, resolveModelSpec } from '../../../src/engine/model/modelSpec';
import type { ModelConfig } from '../../../src/engine/model/modelSpec';
import type { ModelInfo } from '../../../src/engine/model/modelTypes';
import { inspectModel, inspectModelBytes, loadModelProto } from '../../../src/engine/model/onnxModel';
import { buildClassifier, encodeModel, FLOAT, node, valueInfo } from './onnxBuilder';
import type { ClassifierOptions } from './onnxBuilder';
import { requireSharedData, sharedDataPath } from '../sharedData';

const MNIST = sharedDataPath('mnist', 'mnist.onnx');
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function infoOf(options: ClassifierOptions = {}): ModelInfo {
  return inspectModelBytes(buildClassifier(options).bytes, '/models/tiny.onnx');
}

function rejects(action: () => unknown, code: 'bad-config' | 'bad-model' | 'model-labels', pattern: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(FairframeError.is(error, code), `expected ${code}, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('resolveModelSpec', () => {
  it('MNIST: size, channels and batch from the input shape; normalisation defaulted and said so', async function () {
    requireSharedData(this, MNIST);
    const spec = resolveModelSpec(await inspectModel(MNIST), { config: { labels: DIGITS } });
    assert.deepEqual(spec.preprocess, {
      width: 28, height: 28, resize: 'stretch', layout: 'NCHW', channels: 1, channelOrder: 'RGB', scale: 1 / 255, mean: [0], std: [1], inputType: 'float32',
    });
    assert.equal(spec.inputName, 'Input3');
    assert.equal(spec.outputName, 'Plus214_Output_0');
    assert.equal(spec.fixedBatch, 1);
    assert.equal(spec.outputKind, 'auto');
    assert.deepEqual(spec.labels, DIGITS);
    assert.deepEqual(spec.sources, {
      input: 'inferred', output: 'inferred', labels: 'config', fixedBatch: 'inferred', outputKind: 'default', preprocess: 'default',
      'preprocess.layout': 'inferred', 'preprocess.channels': 'inferred', 'preprocess.height': 'inferred', 'preprocess.width': 'inferred',
      'preprocess.inputType': 'inferred', 'preprocess.resize': 'default', 'preprocess.channelOrder': 'default', 'preprocess.scale': 'default',
      'preprocess.mean': 'default', 'preprocess.std': 'default',
    });
    assert.deepEqual(defaultedPreprocessFields(spec), ['resize', 'channelOrder', 'scale', 'mean', 'std']);
  });

  it('MNIST without labels: the sorted dataset labels when their count equals the output size, marked inferred', async function () {
    requireSharedData(this, MNIST);
    const info = await inspectModel(MNIST);
    const spec = resolveModelSpec(info, { datasetLabels: ['7', '3', '0', '9', '1', '2', '8', '4', '6', '5', '3'] });
    assert.deepEqual(spec.labels, DIGITS);
    assert.equal(spec.sources.labels, 'inferred');
    rejects(() => resolveModelSpec(info, { datasetLabels: DIGITS.slice(0, 9) }), 'model-labels',
      /'mnist\.onnx' declares no class labels, its output 'Plus214_Output_0' has 10 classes and the dataset has 9 labels.*Add "labels".*sidecar mnist\.json/);
    rejects(() => resolveModelSpec(info), 'model-labels', /no dataset labels were given/);
  });

  it('sorts inferred labels as ImageFolder does (string order: 10 before 2)', () => {
    const spec = resolveModelSpec(infoOf({ classes: 3 }), { datasetLabels: ['2', '10', '1'] });
    assert.deepEqual(spec.labels, ['1', '10', '2']);
  });

  it("reads the 'fairframe' metadata JSON of a model", () => {
    const fairframe = JSON.stringify({
      labels: ['benign', 'malignant', 'other'], outputKind: 'logits', trainedOn: 'train',
      preprocess: { width: 8, height: 8, resize: 'stretch', layout: 'NCHW', channels: 3, channelOrder: 'RGB', scale: 0.00392156862745098, mean: [0.5, 0.4, 0.3], std: [0.2, 0.2, 0.25], inputType: 'float32' },
    });
    const spec = resolveModelSpec(infoOf({ metadata: { fairframe } }));
    assert.deepEqual(spec.labels, ['benign', 'malignant', 'other']);
    assert.equal(spec.outputKind, 'logits');
    assert.equal(spec.trainedOn, 'train');
    assert.deepEqual(spec.preprocess.mean, [0.5, 0.4, 0.3]);
    assert.deepEqual(spec.preprocess.std, [0.2, 0.2, 0.25]);
    assert.equal(spec.fixedBatch, undefined, "the batch axis is 'N'");
    assert.equal(spec.sources.preprocess, 'metadata');
    assert.deepEqual(defaultedPreprocessFields(spec), []);
    assert.equal(spec.sources.labels, 'metadata');
    assert.equal(spec.sources.trainedOn, 'metadata');
  });

  it('takes each setting from fairframe.json, else the sidecar, else metadata, else the default', () => {
    const info = infoOf({ metadata: { fairframe: JSON.stringify({ labels: ['m1', 'm2', 'm3'], trainedOn: 'meta', preprocess: { resize: 'stretch', channelOrder: 'BGR', scale: 1 } }) } });
    const sidecar = { labels: ['s1', 's2', 's3'], trainedOn: 'side', preprocess: { resize: 'center-crop', resizeShorter: 10 } };
    const config: ModelConfig = { labels: ['c1', 'c2', 'c3'], preprocess: { resize: 'pad' } };
    const spec = resolveModelSpec(info, { config, sidecar });
    assert.deepEqual(spec.labels, ['c1', 'c2', 'c3']);
    assert.equal(spec.preprocess.resize, 'pad');
    assert.equal(spec.preprocess.resizeShorter, 10);
    assert.equal(spec.trainedOn, 'side');
    assert.equal(spec.preprocess.channelOrder, 'BGR');
    assert.equal(spec.preprocess.scale, 1);
    assert.deepEqual(spec.preprocess.mean, [0, 0, 0]);
    assert.equal(spec.sources.labels, 'config');
    assert.equal(spec.sources['preprocess.resize'], 'config');
    assert.equal(spec.sources['preprocess.resizeShorter'], 'sidecar');
    assert.equal(spec.sources.trainedOn, 'sidecar');
    assert.equal(spec.sources['preprocess.channelOrder'], 'metadata');
    assert.equal(spec.sources['preprocess.mean'], 'default');
    assert.equal(spec.sources.preprocess, 'default');
    const sidecarOnly = resolveModelSpec(info, { sidecar });
    assert.deepEqual(sidecarOnly.labels, ['s1', 's2', 's3']);
    assert.equal(sidecarOnly.preprocess.resize, 'center-crop');
    assert.deepEqual(resolveModelSpec(info).labels, ['m1', 'm2', 'm3']);
  });

  it('reads common metadata keys: class_names, labels text, mean/std and input_size', () => {
    assert.deepEqual(metadataModelConfig({ class_names: '["cat","dog"]' }).labels, ['cat', 'dog']);
    assert.deepEqual(metadataModelConfig({ classes: 'cat, dog ,bird' }).labels, ['cat', 'dog', 'bird']);
    assert.deepEqual(metadataModelConfig({ labels: 'cat\ndog\r\nbird\n' }).labels, ['cat', 'dog', 'bird']);
    assert.deepEqual(metadataModelConfig({ labels: '{"1":"dog","0":"cat"}' }).labels, ['cat', 'dog']);
    assert.deepEqual(metadataModelConfig({ mean: '[0.485, 0.456, 0.406]', std: '0.229,0.224,0.225', input_size: '3,224,224' }).preprocess,
      { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], height: 224, width: 224 });
    assert.deepEqual(metadataModelConfig({ input_size: '224x160' }).preprocess, { height: 224, width: 160 });
    // The 'fairframe' JSON wins over the common keys.
    assert.deepEqual(metadataModelConfig({ fairframe: '{"labels":["a"]}', labels: 'b' }).labels, ['a']);
    rejects(() => metadataModelConfig({ fairframe: '{labels' }, 'x.onnx'), 'bad-model', /metadata_props of 'x\.onnx' key 'fairframe' is not valid JSON/);
    rejects(() => metadataModelConfig({ mean: 'a lot' }, 'x.onnx'), 'bad-model', /key 'mean' is not a list of numbers/);
  });

  it('a dynamic image size needs width and height from a config; a fixed one must not be contradicted', () => {
    const info = infoOf({ size: 'S' });
    assert.deepEqual(info.inputs[0].shape, ['N', 3, 'S', 'S']);
    rejects(() => resolveModelSpec(info, { config: { labels: ['a', 'b', 'c'] } }), 'bad-config',
      /'tiny\.onnx' takes images of any size \(input 'image' is N×3×S×S\); set preprocess\.width and preprocess\.height/);
    const spec = resolveModelSpec(info, { config: { labels: ['a', 'b', 'c'], preprocess: { width: 32, height: 24 } } });
    assert.equal(spec.preprocess.width, 32);
    assert.equal(spec.preprocess.height, 24);
    assert.equal(spec.sources['preprocess.width'], 'config');
    rejects(() => resolveModelSpec(infoOf(), { config: { labels: ['a', 'b', 'c'], preprocess: { width: 224 } } }), 'bad-config',
      /expects N×3×8×8 input \(NCHW\), but preprocess\.width in fairframe\.json is 224; set it to 8 or remove it/);
    rejects(() => resolveModelSpec(infoOf(), { sidecar: { labels: ['a', 'b', 'c'], preprocess: { channels: 1 } } }), 'bad-config', /preprocess\.channels in the sidecar is 1; set it to 3/);
  });

  it('an NHWC uint8 input: layout, channels and raw pixels (scale 1, mean 0, std 1) inferred', () => {
    const spec = resolveModelSpec(infoOf({ layout: 'NHWC', inputType: 'uint8', batch: 1, size: 16 }), { datasetLabels: ['x', 'y', 'z'] });
    assert.deepEqual(spec.preprocess, { width: 16, height: 16, resize: 'stretch', layout: 'NHWC', channels: 3, channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], inputType: 'uint8' });
    assert.equal(spec.sources['preprocess.layout'], 'inferred');
    assert.equal(spec.sources['preprocess.scale'], 'inferred');
    assert.equal(spec.fixedBatch, 1);
    assert.deepEqual(defaultedPreprocessFields(spec), ['resize', 'channelOrder']);
    rejects(() => resolveModelSpec(infoOf({ layout: 'NHWC', inputType: 'uint8' }), { config: { labels: ['a', 'b', 'c'], preprocess: { mean: [0.5, 0.5, 0.5] } } }), 'bad-config', /uint8 input.*remove them/);
  });

  it('checks mean/std lengths, broadcasting a single value', () => {
    const spec = resolveModelSpec(infoOf(), { config: { labels: ['a', 'b', 'c'], preprocess: { mean: [0.5], std: [0.25] } } });
    assert.deepEqual(spec.preprocess.mean, [0.5, 0.5, 0.5]);
    assert.deepEqual(spec.preprocess.std, [0.25, 0.25, 0.25]);
    rejects(() => resolveModelSpec(infoOf(), { config: { labels: ['a', 'b', 'c'], preprocess: { mean: [0.5, 0.5] } } }), 'bad-config', /preprocess\.mean in fairframe\.json has 2 values but 'tiny\.onnx' takes 3-channel input/);
  });

  it('refuses inputs it cannot feed: no 4-D input, 4 channels, float16', () => {
    const vector = inspectModelBytes(encodeModel({ inputs: [valueInfo('x', FLOAT, [1, 10])], outputs: [valueInfo('y', FLOAT, [1, 10])], nodes: [node('Relu', ['x'], ['y'])] }), 'v.onnx');
    rejects(() => resolveModelSpec(vector, { datasetLabels: DIGITS }), 'bad-model', /'v\.onnx' has no image input.*'x' \(1×10\)/);
    rejects(() => resolveModelSpec(infoOf({ layout: 'NHWC', channels: 3 }), { config: { labels: ['a', 'b', 'c'], preprocess: { layout: 'NCHW' } } }), 'bad-config', /NCHW channel axis has 8 channels/);
    const rgba = inspectModelBytes(encodeModel({ inputs: [valueInfo('x', FLOAT, [1, 4, 8, 4])], outputs: [valueInfo('y', FLOAT, [1, 4, 8, 4])], nodes: [node('Relu', ['x'], ['y'])] }), 'rgba.onnx');
    rejects(() => resolveModelSpec(rgba, { config: { labels: ['a'] } }), 'bad-model', /neither 1 nor 3 channels/);
    const half = inspectModelBytes(encodeModel({ inputs: [valueInfo('x', 10, [1, 3, 8, 8])], outputs: [valueInfo('y', 10, [1, 3])], nodes: [node('Identity', ['x'], ['y'])] }), 'half.onnx');
    rejects(() => resolveModelSpec(half, { config: { labels: ['a', 'b', 'c'] } }), 'bad-model', /takes a float16 input.*Export the model with a float32 input/);
  });

  it('chooses the output whose size equals the label count, or the declared one', () => {
    const bytes = encodeModel({
      inputs: [valueInfo('image', FLOAT, ['N', 3, 4, 4])],
      outputs: [valueInfo('embedding', FLOAT, ['N', 5]), valueInfo('scores', FLOAT, ['N', 3]), valueInfo('aux', FLOAT, ['N', 3])],
      nodes: [node('GlobalAveragePool', ['image'], ['p']), node('Flatten', ['p'], ['embedding']), node('Relu', ['embedding'], ['scores']), node('Sigmoid', ['embedding'], ['aux'])],
    });
    const info = inspectModelBytes(bytes, 'multi.onnx');
    assert.equal(resolveModelSpec(info, { config: { labels: ['a', 'b', 'c'] } }).outputName, 'scores');
    const declared = resolveModelSpec(info, { config: { labels: ['a', 'b', 'c'], output: 'aux' } });
    assert.equal(declared.outputName, 'aux');
    assert.equal(declared.sources.output, 'config');
    rejects(() => resolveModelSpec(info, { config: { labels: ['a', 'b'] } }), 'bad-config', /No output of 'multi\.onnx' has 2 classes: its outputs are 'embedding' \(N×5\), 'scores' \(N×3\), 'aux' \(N×3\)/);
    rejects(() => resolveModelSpec(info, { config: { labels: ['a', 'b', 'c'], output: 'logits' } }), 'bad-config', /has no output named 'logits'; its outputs are/);
    rejects(() => resolveModelSpec(info, { config: { labels: ['a', 'b'], output: 'scores' } }), 'model-labels', /lists 2 labels for 'multi\.onnx', but its output 'scores' \(N×3\) has 3 classes/);
    rejects(() => resolveModelSpec(info, { config: { labels: ['a', 'b', 'c'], input: 'img' } }), 'bad-config', /has no input named 'img'; its inputs are 'image' \(N×3×4×4\)/);
  });

  it('with the graph: a Softmax output means probabilities, and the features tensor is found', () => {
    const built = buildClassifier({ softmax: true });
    const info = inspectModelBytes(built.bytes, 'soft.onnx');
    const spec = resolveModelSpec(info, { datasetLabels: ['a', 'b', 'c'], model: loadModelProto(built.bytes) });
    assert.equal(spec.outputKind, 'probabilities');
    assert.equal(spec.sources.outputKind, 'inferred');
    assert.equal(spec.features, 'flat');
    assert.equal(spec.sources.features, 'inferred');
    const declared = resolveModelSpec(info, { datasetLabels: ['a', 'b', 'c'], model: loadModelProto(built.bytes), config: { outputKind: 'logits', features: 'pooled' } });
    assert.equal(declared.outputKind, 'logits');
    assert.equal(declared.features, 'pooled');
    assert.equal(declared.sources.features, 'config');
  });

  it('validates the sidecar shape', () => {
    rejects(() => resolveModelSpec(infoOf(), { sidecar: { lables: ['a'] } }), 'bad-config', /The sidecar of 'tiny\.onnx' is not a valid model description: 'lables' is not a known key/);
    rejects(() => resolveModelSpec(infoOf(), { sidecar: { preprocess: { resize: 'fit' } } }), 'bad-config', /'preprocess\.resize' must be "stretch" or "center-crop" or "pad"/);
    rejects(() => resolveModelSpec(infoOf(), { sidecar: { labels: [] } }), 'bad-config', /'labels' must be a non-empty array of strings/);
    rejects(() => resolveModelSpec(infoOf(), { sidecar: 'labels.txt' }), 'bad-config', /must be a JSON object/);
    assert.deepEqual(resolveModelSpec(infoOf(), { sidecar: ['x', 'y', 'z'] }).labels, ['x', 'y', 'z']);
  });
});

describe('readSidecar', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-sidecar-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads resnet.json or resnet.onnx.json next to resnet.onnx', async () => {
    const model = path.join(dir, 'resnet.onnx');
    assert.equal(await readSidecar(model), undefined);
    await fs.writeFile(path.join(dir, 'resnet.json'), JSON.stringify({ labels: ['cat', 'dog'], preprocess: { resize: 'center-crop' } }));
    assert.deepEqual(await readSidecar(model), { file: path.join(dir, 'resnet.json'), config: { labels: ['cat', 'dog'], preprocess: { resize: 'center-crop' } } });
    await fs.rename(path.join(dir, 'resnet.json'), path.join(dir, 'resnet.onnx.json'));
    assert.equal((await readSidecar(model))?.file, path.join(dir, 'resnet.onnx.json'));
  });

  it('refuses two sidecars, bad JSON and unknown keys, naming the file', async () => {
    const model = path.join(dir, 'm.onnx');
    await fs.writeFile(path.join(dir, 'm.json'), '{"labels": ["a",]}');
    await assert.rejects(readSidecar(model), (error: unknown) => FairframeError.is(error, 'bad-config') && error.message.startsWith(`The model sidecar '${path.join(dir, 'm.json')}' is not valid JSON`));
    await fs.writeFile(path.join(dir, 'm.json'), '{"label": ["a"]}');
    await assert.rejects(readSidecar(model), (error: unknown) => FairframeError.is(error, 'bad-config') && /'label' is not a known key/.test(error.message));
    await fs.writeFile(path.join(dir, 'm.onnx.json'), '{}');
    await assert.rejects(readSidecar(model), (error: unknown) => FairframeError.is(error, 'bad-config') && /two sidecars, 'm\.json' and 'm\.onnx\.json'; keep one/.test(error.message));
  });
});
