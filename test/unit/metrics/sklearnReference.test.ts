import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  accuracy,
  balancedAccuracy,
  classRange,
  confusionMatrix,
  logLoss,
  oneVsRestAuc,
  precisionRecallF1,
  rocAuc,
  rocCurve,
  topKAccuracy,
} from '../../../src/engine/metrics';
import type { RocCurve } from '../../../src/engine/metrics';

// Frozen scikit-learn outputs made by scripts/reference/sklearnMetrics.py (inputs and outputs in one JSON file).
interface Averages {
  precision: number;
  recall: number;
  f1: number;
}
interface Curve {
  fpr: number[];
  tpr: number[];
  thresholdsAfterFirst: number[];
}
interface Vector {
  name: string;
  kind: 'binary' | 'multiclass';
  nClasses: number;
  yTrue: number[];
  yPred: number[];
  scores?: number[];
  probs?: number[][];
  expected: {
    accuracy: number;
    balancedAccuracy: number;
    confusionMatrix: number[][];
    prfs: { perClass: { precision: number[]; recall: number[]; f1: number[]; support: number[] }; macro: Averages; micro: Averages; weighted: Averages };
    rocAuc?: number;
    rocCurve?: Curve;
    rocCurveAllThresholds?: Curve;
    topK?: Record<string, number>;
    rocAucOvrMacro?: number;
    rocAucPerClass?: number[];
    rocCurveClass0?: Curve;
    logLoss?: number;
  };
}

const reference = JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/metrics/sklearnReference.json'), 'utf8')) as {
  sklearn: string;
  vectors: Vector[];
};
const TOLERANCE = 1e-9;

function near(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOLERANCE, `${what}: ${actual} vs sklearn ${expected}`);
}

function nearAll(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs sklearn ${expected.length}`);
  actual.forEach((value, i) => near(value, expected[i], `${what}[${i}]`));
}

function sameCurve(actual: RocCurve, expected: Curve, what: string): void {
  nearAll(actual.fpr, expected.fpr, `${what} fpr`);
  nearAll(actual.tpr, expected.tpr, `${what} tpr`);
  assert.equal(actual.thresholds[0], Number.POSITIVE_INFINITY);
  nearAll(actual.thresholds.slice(1), expected.thresholdsAfterFirst, `${what} thresholds`);
}

describe(`metrics: scikit-learn ${reference.sklearn} reference values`, () => {
  it('has the vectors the script writes', () => {
    assert.equal(reference.vectors.length, 5);
  });

  for (const vector of reference.vectors) {
    describe(vector.name, () => {
      const { yTrue, yPred, expected } = vector;
      const labels = classRange(vector.nClasses);

      it('accuracy, balanced accuracy and the confusion matrix', () => {
        near(accuracy(yTrue, yPred), expected.accuracy, 'accuracy');
        near(balancedAccuracy(yTrue, yPred), expected.balancedAccuracy, 'balanced accuracy');
        assert.deepEqual(confusionMatrix(yTrue, yPred, labels), expected.confusionMatrix);
      });

      it('precision, recall, F1 and support per class and averaged (zero_division=0)', () => {
        const scores = precisionRecallF1(yTrue, yPred, { labels, zeroDivision: 0 });
        const want = expected.prfs;
        nearAll(scores.perClass.precision, want.perClass.precision, 'precision');
        nearAll(scores.perClass.recall, want.perClass.recall, 'recall');
        nearAll(scores.perClass.f1, want.perClass.f1, 'f1');
        assert.deepEqual(scores.perClass.support, want.perClass.support);
        for (const average of ['macro', 'micro', 'weighted'] as const) {
          near(scores[average].precision, want[average].precision, `${average} precision`);
          near(scores[average].recall, want[average].recall, `${average} recall`);
          near(scores[average].f1, want[average].f1, `${average} f1`);
        }
      });

      if (vector.kind === 'binary' && vector.scores && vector.probs) {
        const { scores, probs } = vector;
        it('ROC curve (drop_intermediate true and false), AUC and log loss', () => {
          sameCurve(rocCurve(yTrue, scores), expected.rocCurve!, 'roc');
          sameCurve(rocCurve(yTrue, scores, { dropIntermediate: false }), expected.rocCurveAllThresholds!, 'roc (all thresholds)');
          near(rocAuc(yTrue, scores), expected.rocAuc!, 'AUC');
          near(logLoss(yTrue, probs), expected.logLoss!, 'log loss');
        });
      }

      if (vector.kind === 'multiclass' && vector.probs) {
        const probs = vector.probs;
        it('top-k accuracy, one-vs-rest AUC, the class-0 ROC curve and log loss', () => {
          for (const [k, value] of Object.entries(expected.topK!)) near(topKAccuracy(yTrue, probs, Number(k)), value, `top-${k}`);
          const auc = oneVsRestAuc(yTrue, probs, labels);
          near(auc.macro, expected.rocAucOvrMacro!, 'macro OvR AUC');
          nearAll(auc.perClass, expected.rocAucPerClass!, 'per-class AUC');
          assert.deepEqual(auc.undefinedClasses, []);
          const class0 = yTrue.map((y) => (y === 0 ? 1 : 0));
          sameCurve(rocCurve(class0, probs.map((row) => row[0])), expected.rocCurveClass0!, 'class-0 roc');
          near(logLoss(yTrue, probs), expected.logLoss!, 'log loss');
        });
      }
    });
  }
});
