// The Compare view of a finding: the images it names with the facts from the records, the finding's own evidence, the
// class folders and each model's predictions; a label issue comes with examples of both classes involved.
import * as assert from 'node:assert/strict';
import type { DatasetResult, ModelResult } from '../../../src/extension/auditStore';
import { canCompare, compareView, type CompareSources } from '../../../src/extension/compareFinding';
import type { DatasetRecord, Finding } from '../../../src/engine/types';
import { findingKey } from '../../../webview/dashboardData';

function finding(rule: string, evidence: Record<string, unknown>): Finding {
  return { rule, severity: 'error', message: `${rule} finding`, location: { file: '/d' }, evidence, dataset: 'd' };
}

const dataset = { audit: { name: 'd', root: '/d', format: 'imagefolder' } } as unknown as DatasetResult;

function prediction(relPath: string, label: string, predicted: string, confidence: number) {
  return { relPath, label, predicted, confidence, top: [[predicted, confidence]], correct: label === predicted, selfConfidence: label === predicted ? confidence : 1 - confidence };
}

const model = {
  audit: {
    model: { file: '/m/net.onnx' },
    predictions: Object.fromEntries([
      prediction('cat/a.png', 'cat', 'cat', 0.9),
      prediction('cat/b.png', 'cat', 'dog', 0.8),
      prediction('cat/c.png', 'cat', 'cat', 0.99),
      prediction('dog/x.png', 'dog', 'dog', 0.7),
      prediction('dog/y.png', 'dog', 'dog', 0.95),
    ].map((entry) => [entry.relPath, entry])),
  },
  stale: { reason: 'fairframe.json changed', since: 't' },
} as unknown as ModelResult;

function sources(records: Record<string, Partial<DatasetRecord>> = {}): CompareSources {
  return {
    dataset,
    models: [model],
    record: (relPath) => records[relPath] as DatasetRecord | undefined,
    imageUri: (relPath) => `uri:${relPath}`,
    exists: (relPath) => relPath !== 'dog/gone.png',
  };
}

describe('compareView', () => {
  it('shows the images of a label conflict with the labels its evidence gives, the groups of the records and the predictions', () => {
    const conflict = finding('FF-D022', { count: 3, paths: ['cat/a.png', 'dog/a.png', 'dog/gone.png'], labels: { cat: ['cat/a.png'], dog: ['dog/a.png', 'dog/gone.png'] } });
    assert.equal(canCompare(conflict), true);
    const view = compareView(conflict, sources({ 'cat/a.png': { label: 'cat', split: 'train', attributes: { sex: 'f' } } }));
    assert.ok(view);
    assert.equal(view.finding, findingKey(conflict));
    assert.deepEqual(view.images.map((image) => [image.relPath, image.label, image.split, image.exists, image.uri]), [
      ['cat/a.png', 'cat', 'train', true, 'uri:cat/a.png'],
      ['dog/a.png', 'dog', undefined, true, 'uri:dog/a.png'],
      ['dog/gone.png', 'dog', undefined, false, undefined],
    ]);
    assert.deepEqual(view.images[0].groups, { sex: 'f' });
    assert.deepEqual(view.images[0].predictions, [{ model: 'net.onnx', predicted: 'cat', confidence: 0.9, correct: true, stale: true }]);
    assert.equal(view.more, 0);
  });

  it('takes the label of an image without a record from its class folder', () => {
    const view = compareView(finding('FF-D020', { count: 2, paths: ['dog/q.png', 'cat/q.png'] }), sources());
    assert.deepEqual(view?.images.map((image) => image.label), ['dog', 'cat']);
  });

  it('counts the images a large set names beyond those shown', () => {
    const paths = Array.from({ length: 30 }, (_, i) => `cat/${i}.png`);
    const view = compareView(finding('FF-D021', { count: 40, paths }), sources());
    assert.equal(view?.images.length, 24);
    assert.equal(view?.more, 16);
  });

  it("puts a likely label error next to the model's surest right answers of the given and the suggested class", () => {
    const issue = finding('FF-M020', { model: '/m/net.onnx', relPath: 'cat/b.png', givenLabel: 'cat', suggestedLabel: 'dog' });
    const view = compareView(issue, sources());
    assert.ok(view);
    assert.deepEqual(view.images.map((image) => [image.relPath, image.role]), [
      ['cat/b.png', 'finding'], ['cat/c.png', 'reference'], ['cat/a.png', 'reference'], ['dog/y.png', 'reference'], ['dog/x.png', 'reference'],
    ]);
    assert.match(view.referenceNote ?? '', /'cat' and 'dog'/);
  });

  it('has nothing to compare for a finding that names no image', () => {
    const imbalance = finding('FF-D001', { minority: { label: 'cat' } });
    assert.equal(canCompare(imbalance), false);
    assert.equal(compareView(imbalance, sources()), undefined);
    assert.equal(canCompare(finding('FF-D020', {})), false);
  });
});
