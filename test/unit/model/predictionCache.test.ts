// The prediction cache on disk: round trips, appends, torn and damaged lines, foreign files, atomic rewrites.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelSpec } from '../../../src/engine/model/modelTypes';
import { decodeFloats, encodeFloats, PREDICTION_CACHE_VERSION, PredictionCache, predictionSettingsKey } from '../../../src/engine/model/predictionCache';

const MODEL = 'a'.repeat(64);

function makeSpec(mean = 0): ModelSpec {
  return {
    labels: ['a', 'b', 'c'],
    preprocess: { width: 4, height: 4, resize: 'stretch', layout: 'NCHW', channels: 3, channelOrder: 'RGB', scale: 1 / 255, mean: [mean, mean, mean], std: [1, 1, 1], inputType: 'float32' },
    inputName: 'image',
    outputName: 'logits',
    outputKind: 'auto',
    labelMap: {},
    sources: {},
  };
}

describe('PredictionCache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-predcache-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('round-trips float32 probabilities and features exactly, keyed by content hash', async () => {
    const cache = await PredictionCache.open(dir, MODEL, makeSpec());
    const probs = Float32Array.from([0.1, 0.2, 0.7]);
    const features = Float32Array.from([1e-30, -3.5, 12345.678]);
    cache.set('h1', { probs, features, outputKind: 'logits' });
    cache.set('h2', { probs: Float32Array.from([1, 0, 0]), outputKind: 'probabilities' });
    await cache.flush();
    assert.equal(cache.stats.written, 2);

    const reopened = await PredictionCache.open(dir, MODEL, makeSpec());
    assert.equal(reopened.stats.loaded, 2);
    const one = reopened.get('h1');
    assert.ok(one);
    assert.deepEqual([...one.probs], [...probs]);
    assert.deepEqual([...(one.features ?? [])], [...features]);
    assert.equal(one.outputKind, 'logits');
    assert.equal(reopened.get('h2')?.outputKind, 'probabilities');
    assert.equal(reopened.get('h2', true), undefined); // no features stored: a miss when features are needed
    assert.equal(reopened.get('nope'), undefined);
    assert.equal(reopened.stats.hits, 2);
    assert.equal(reopened.stats.misses, 2);
    const file = PredictionCache.fileFor(dir, MODEL, predictionSettingsKey(makeSpec()));
    assert.equal(reopened.file, file);
    assert.equal(path.basename(path.dirname(file)), `predictions-v${PREDICTION_CACHE_VERSION}`);
  });

  it('appends new entries; the last line of a hash wins; a torn last line is skipped and the file rewritten', async () => {
    const cache = await PredictionCache.open(dir, MODEL, makeSpec());
    cache.set('h1', { probs: Float32Array.from([1, 0, 0]), outputKind: 'probabilities' });
    await cache.flush();
    cache.set('h1', { probs: Float32Array.from([0, 1, 0]), outputKind: 'probabilities' });
    cache.set('h2', { probs: Float32Array.from([0, 0, 1]), outputKind: 'probabilities' });
    await cache.flush();
    const lines = (await fs.readFile(cache.file, 'utf8')).split('\n');
    assert.equal(lines.length, 5); // header, h1, h1, h2, ''
    await fs.appendFile(cache.file, '{"h":"h3","k":"p","p":"AAAA');
    const reopened = await PredictionCache.open(dir, MODEL, makeSpec());
    assert.equal(reopened.stats.loaded, 2);
    assert.equal(reopened.stats.skippedLines, 1);
    assert.deepEqual([...(reopened.get('h1')?.probs ?? [])], [0, 1, 0]);
    reopened.set('h4', { probs: Float32Array.from([0.5, 0.5, 0]), outputKind: 'logits' });
    await reopened.flush(); // rewrites: the torn line would swallow an append
    const text = await fs.readFile(cache.file, 'utf8');
    assert.equal(text.split('\n').length, 5); // header, h1, h2, h4, ''
    assert.deepEqual((await fs.readdir(path.dirname(cache.file))).filter((name) => name.endsWith('.tmp')), []);
  });

  it('discards a corrupt file or one of another model or version, and skips damaged lines', async () => {
    const spec = makeSpec();
    const file = PredictionCache.fileFor(dir, MODEL, predictionSettingsKey(spec));
    await fs.mkdir(path.dirname(file), { recursive: true });
    for (const header of ['not json', JSON.stringify({ fairframePredictionCache: 999, model: MODEL, settings: predictionSettingsKey(spec) }), JSON.stringify({ fairframePredictionCache: PREDICTION_CACHE_VERSION, model: 'b'.repeat(64), settings: predictionSettingsKey(spec) })]) {
      await fs.writeFile(file, `${header}\n${JSON.stringify({ h: 'h1', k: 'p', p: encodeFloats(Float32Array.from([1, 0, 0])) })}\n`);
      const cache = await PredictionCache.open(dir, MODEL, spec);
      assert.equal(cache.stats.discarded, true, header);
      assert.equal(cache.size, 0);
    }
    const good = JSON.stringify({ h: 'h1', k: 'l', p: encodeFloats(Float32Array.from([1, 2, 3])) });
    const damaged = [
      JSON.stringify({ h: 'h2', k: 'x', p: encodeFloats(Float32Array.from([1, 2, 3])) }), // unknown kind
      JSON.stringify({ h: 'h3', k: 'l', p: 'AAA' }), // not whole float32 values
      JSON.stringify({ h: 'h4', k: 'l', p: encodeFloats(Float32Array.from([1, 2])) }), // another class count
      JSON.stringify({ h: 'h5', k: 'l', p: '!!!!' }), // not base64
      '[1,2,3]',
    ];
    await fs.writeFile(file, `${JSON.stringify({ fairframePredictionCache: PREDICTION_CACHE_VERSION, model: MODEL, settings: predictionSettingsKey(spec) })}\n${[good, ...damaged].join('\n')}\n`);
    const cache = await PredictionCache.open(dir, MODEL, spec);
    assert.equal(cache.stats.discarded, false);
    assert.equal(cache.size, 1);
    assert.equal(cache.stats.skippedLines, 5);
    assert.deepEqual([...(cache.get('h1')?.probs ?? [])], [1, 2, 3]);
  });

  it('keys the file by the settings that change predictions, not by labels', () => {
    const base = predictionSettingsKey(makeSpec());
    assert.notEqual(predictionSettingsKey(makeSpec(0.5)), base);
    assert.notEqual(predictionSettingsKey({ ...makeSpec(), outputName: 'probs' }), base);
    assert.equal(predictionSettingsKey({ ...makeSpec(), labels: ['x', 'y', 'z'], labelMap: { x: 'a' } }), base);
  });

  it('encodes float32 as little-endian base64: 1.0 is 00 00 80 3f', () => {
    assert.equal(encodeFloats(Float32Array.from([1])), Buffer.from([0, 0, 0x80, 0x3f]).toString('base64'));
    assert.deepEqual([...(decodeFloats(encodeFloats(Float32Array.from([0.25, -2]))) ?? [])], [0.25, -2]);
    assert.equal(decodeFloats('AAA='), undefined);
  });
});
