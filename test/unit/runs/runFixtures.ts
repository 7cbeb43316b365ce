// Hand-made runs for the run-store and diff tests: twelve images in two groups, two classes, predictions chosen by hand.
import { THRESHOLD_DEFAULTS } from '../../../src/engine/config/configTypes';
import type { AuditResult } from '../../../src/engine/auditResult';
import type { FairnessFigure, GroupMetric, ModelAudit, RecordPrediction } from '../../../src/engine/modelAudit/modelAuditTypes';
import type { RunRecord } from '../../../src/engine/runs/runRecord';
import type { Finding } from '../../../src/engine/types';

export const CLASSES = ['neg', 'pos'];
export const LABELS = [0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0];
export const GROUPS = ['a', 'b', 'a', 'a', 'b', 'a', 'b', 'a', 'a', 'b', 'b', 'a'];
export const PRED_BEFORE = [0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0];
export const PRED_AFTER = [0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0];

function metric(name: string, className?: string): GroupMetric {
  const none = { estimate: null, lower: null, upper: null, level: 0.95, replicates: 0, undefinedReplicates: 0 };
  return {
    metric: name,
    class: className,
    overall: none,
    byGroup: ['a', 'b'].map((group) => ({ ...none, group, count: 0, small: false, compared: true })),
    difference: none,
    ratio: none,
    differenceToOverall: none,
    ratioToOverall: none,
    gap: none,
    gapRatio: none,
    undefinedGroups: [],
  };
}

function figure(name: string, rule: string, threshold: number, direction: 'max' | 'min', className?: string): FairnessFigure {
  return { name, rule, class: className, value: null, threshold, direction, passed: null, excludesNoGap: false };
}

/** A run of the model whose predictions are `preds` on the images whose indices are `images` (all by default). */
export function handRun(id: string, preds: number[], options: { images?: number[]; contentHash?: string; findings?: Finding[]; model?: string } = {}): RunRecord {
  const images = options.images ?? LABELS.map((_, i) => i);
  const predictions: Record<string, RecordPrediction> = {};
  for (const i of images) {
    const relPath = `img${String(i).padStart(2, '0')}.png`;
    predictions[relPath] = {
      relPath,
      label: CLASSES[LABELS[i]],
      predicted: CLASSES[preds[i]],
      confidence: 0.9,
      top: [[CLASSES[preds[i]], 0.9]],
      correct: LABELS[i] === preds[i],
      selfConfidence: LABELS[i] === preds[i] ? 0.9 : 0.1,
      groups: { site: GROUPS[i] },
    };
  }
  const model = options.model ?? '/work/models/m.onnx';
  const audit = {
    model: { file: model, sha256: `sha-${id}` },
    dataset: 'd',
    status: 'ok',
    usage: { classNames: CLASSES },
    overall: { images: images.length, accuracy: { estimate: images.filter((i) => LABELS[i] === preds[i]).length / images.length, lower: null, upper: null, level: 0.95, replicates: 0, undefinedReplicates: 0 } },
    groups: [{
      name: 'site',
      attributes: ['site'],
      groups: [],
      metrics: [metric('accuracy'), metric('selectionRate', 'pos'), metric('truePositiveRate', 'pos')],
      fairness: [
        figure('accuracy difference', 'FF-M010', 0.45, 'max'),
        figure('demographic parity difference', 'FF-M012', 0.1, 'max', 'pos'),
        figure('disparate impact ratio', 'FF-M015', 0.8, 'min', 'pos'),
        figure('equal opportunity difference', 'FF-M014', 0.1, 'max', 'pos'),
      ],
    }],
    predictions,
  } as unknown as ModelAudit;
  const result = {
    schemaVersion: '1.3.0',
    tool: { name: 'fairframe', version: '0.1.0' },
    createdAt: '2026-12-01T00:00:00.000Z',
    target: '/work/data',
    root: '/work/data',
    config: { datasets: [], reference: {}, rules: {}, models: [], thresholds: { ...THRESHOLD_DEFAULTS, minConditionCount: 1, bootstrapReplicates: 400, bootstrapSeed: 7 } },
    datasets: [{ name: 'd', root: '/work/data', contentHash: options.contentHash ?? 'same', images: images.length }],
    models: [audit],
    findings: options.findings ?? [],
    counts: { error: 0, warning: 0, info: 0 },
    durationMs: 0,
  } as unknown as AuditResult;
  return {
    format: 'fairframe-run',
    formatVersion: 1,
    id,
    recordedAt: `2026-12-01T00:00:0${id.length % 10}.000Z`,
    source: 'cli',
    tool: result.tool,
    target: result.target,
    configHash: 'x',
    datasets: [{ name: 'd', root: '/work/data', images: images.length, contentHash: options.contentHash ?? 'same' }],
    models: [],
    result,
  };
}
