import * as assert from 'node:assert/strict';
import {
  accuracy,
  balancedAccuracy,
  confusionMatrix,
  oneVsRestAuc,
  precisionRecallF1,
  reportValue,
  rocAuc,
  topKAccuracy,
} from '../../../src/engine/metrics';
import { FairframeError } from '../../../src/engine/errors';

describe('metrics/classificationMetrics', () => {
  it('counts a confusion matrix with rows true and columns predicted', () => {
    // (true, pred): (0,0) (0,1) (1,1) (2,1) (2,2) (2,2)
    assert.deepEqual(confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 1, 2, 2]), [
      [1, 1, 0],
      [0, 1, 0],
      [0, 1, 2],
    ]);
    // Labels outside the requested list are ignored, as sklearn.
    assert.deepEqual(confusionMatrix([0, 1, 2], [0, 1, 2], [0, 1]), [[1, 0], [0, 1]]);
  });

  it('applies the zero-division policy: NaN by default, else 0 or 1', () => {
    // Class 2 is never predicted → precision undefined; class 3 never true nor predicted → recall undefined too.
    const yTrue = [0, 1, 2, 2];
    const yPred = [0, 1, 1, 0];
    const labels = [0, 1, 2, 3];
    const nan = precisionRecallF1(yTrue, yPred, { labels });
    assert.ok(Number.isNaN(nan.perClass.precision[2]));
    assert.equal(nan.perClass.recall[2], 0);
    assert.equal(nan.perClass.f1[2], 0); // 2·0/(0 + 0 + 2) is defined
    assert.ok(Number.isNaN(nan.perClass.recall[3]) && Number.isNaN(nan.perClass.f1[3]));
    // Macro precision skips the undefined classes: (0.5 + 0.5) / 2 = 0.5 (class 0: 1/2, class 1: 1/2).
    assert.equal(nan.macro.precision, 0.5);
    // With 0: (0.5 + 0.5 + 0 + 0) / 4.
    assert.equal(precisionRecallF1(yTrue, yPred, { labels, zeroDivision: 0 }).macro.precision, 0.25);
    assert.equal(precisionRecallF1(yTrue, yPred, { labels, zeroDivision: 1 }).perClass.precision[2], 1);
    assert.deepEqual(reportValue(nan.perClass.precision[2], 'class 2 is never predicted'), {
      value: null,
      undefined: true,
      reason: 'class 2 is never predicted',
    });
    assert.deepEqual(reportValue(0.5, 'unused'), { value: 0.5 });
  });

  it('averages balanced accuracy over the classes present in y_true', () => {
    // Recall of class 0: 1/2, class 1: 1/1; class 2 only predicted → left out: (0.5 + 1) / 2.
    assert.equal(balancedAccuracy([0, 0, 1], [0, 2, 1]), 0.75);
    assert.ok(Number.isNaN(accuracy([], [])));
  });

  it('ranks tied scores like sklearn in top-k accuracy (higher class index first)', () => {
    // True class 0 ties with class 2: class 2 ranks first, so class 0 is 2nd → miss at k=1, hit at k=2.
    assert.equal(topKAccuracy([0], [[0.4, 0.2, 0.4]], 1), 0);
    assert.equal(topKAccuracy([0], [[0.4, 0.2, 0.4]], 2), 1);
    // True class 2 ties with class 0 and wins.
    assert.equal(topKAccuracy([2], [[0.4, 0.2, 0.4]], 1), 1);
  });

  it('scores AUC ties at one half and leaves a one-class AUC undefined', () => {
    // One positive and one negative with the same score: AUC 0.5. Perfect order: 1.
    assert.equal(rocAuc([1, 0], [0.3, 0.3]), 0.5);
    assert.equal(rocAuc([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.2]), 1);
    assert.ok(Number.isNaN(rocAuc([1, 1], [0.2, 0.4])));
    // Class 2 never occurs in y_true: its AUC is undefined and left out of the macro mean.
    const auc = oneVsRestAuc([0, 1, 0, 1], [[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.3, 0.6, 0.1]]);
    assert.deepEqual(auc.undefinedClasses, [2]);
    assert.deepEqual(auc.perClass.slice(0, 2), [1, 1]);
    assert.equal(auc.macro, 1);
  });

  it('rejects inputs that do not line up, saying how to fix them', () => {
    assert.throws(() => accuracy([0, 1], [0]), (error: unknown) => FairframeError.is(error) && /one entry per sample/.test(error.message));
    assert.throws(() => confusionMatrix([0, 1.5], [0, 1]), /not a class index/);
  });
});
