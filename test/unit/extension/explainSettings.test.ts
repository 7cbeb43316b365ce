// Explanations from the editor carry the model settings of the model's latest successful audit.
import * as assert from 'node:assert/strict';
import { explainSettings } from '../../../src/extension/explainSettings';
import type { ModelResult } from '../../../src/extension/auditStore';

function result(status: 'ok' | 'failed', models: Array<{ path: string; labels?: string[] }>, labelsSource?: string, labels?: string[]): ModelResult {
  return {
    audit: { status, model: { file: '/w/models/m.onnx' }, usage: labelsSource ? { labels, sources: { labels: labelsSource } } : undefined },
    origin: { config: { models } },
  } as unknown as ModelResult;
}

describe('explainSettings', () => {
  it('uses the latest successful audit: its fairframe.json entry, and dataset labels only when inferred', () => {
    const store = { modelResultsOf: (): ModelResult[] => [
      result('ok', [{ path: '/w/models/m.onnx', labels: ['a', 'b'] }], 'config', ['a', 'b']),
      result('failed', [{ path: '/w/models/m.onnx', labels: ['x'] }]),
    ] };
    assert.deepEqual(explainSettings(store, '/w/models/m.onnx'), { modelConfig: { path: '/w/models/m.onnx', labels: ['a', 'b'] }, datasetLabels: undefined });
    const inferred = { modelResultsOf: (): ModelResult[] => [result('ok', [], 'inferred', ['cat', 'dog'])] };
    assert.deepEqual(explainSettings(inferred, '/w/models/m.onnx'), { modelConfig: {}, datasetLabels: ['cat', 'dog'] });
    assert.deepEqual(explainSettings({ modelResultsOf: () => [] }, '/w/models/m.onnx'), {});
  });
});
