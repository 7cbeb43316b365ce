"""Seeded predictions file and the figures an audit of it must report, computed with scikit-learn and fairlearn.

Writes test/fixtures/predictions/seeded.csv (image path, label, skin, probability per class) and
test/fixtures/predictions/seededReference.json. Run from the repository root:
    PYTHONPATH=../shared/vendor/fairlearn-0.12.0 /usr/bin/python3 scripts/reference/predictionsReference.py
"""
import json
import os

import numpy as np
import pandas as pd
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference, true_positive_rate, MetricFrame
from sklearn.metrics import accuracy_score, balanced_accuracy_score, log_loss, roc_auc_score

OUT = 'test/fixtures/predictions'
rng = np.random.default_rng(20261203)
n = 160
skin = np.where(rng.random(n) < 0.5, 'light', 'dark')
y = (rng.random(n) < 0.4).astype(int)  # 1 = malignant
# A score that separates the classes less well for the 'dark' group.
shift = np.where(skin == 'light', 1.6, 0.6)
logit = (y * 2 - 1) * shift + rng.normal(0, 1.0, n) - 0.3
p_malignant = np.round(1 / (1 + np.exp(-logit)), 6)
p_benign = np.round(1 - p_malignant, 6)
classes = np.array(['benign', 'malignant'])
paths = [f'img/{i:03d}.png' for i in range(n)]
split = np.where(np.arange(n) < 96, 'validation', 'test')
frame = pd.DataFrame({'path': paths, 'label': classes[y], 'split': split, 'skin': skin, 'benign': p_benign, 'malignant': p_malignant})
os.makedirs(OUT, exist_ok=True)
frame.to_csv(f'{OUT}/seeded.csv', index=False, float_format='%.6f')

back = pd.read_csv(f'{OUT}/seeded.csv')
probs = back[['benign', 'malignant']].to_numpy()
probs = probs / probs.sum(axis=1, keepdims=True)
y_pred = probs.argmax(axis=1)
y_true = (back['label'] == 'malignant').to_numpy().astype(int)
group = back['skin'].to_numpy()
acc_by_group = MetricFrame(metrics=accuracy_score, y_true=y_true, y_pred=y_pred, sensitive_features=group).by_group
reference = {
    'images': int(n),
    'accuracy': accuracy_score(y_true, y_pred),
    'balancedAccuracy': balanced_accuracy_score(y_true, y_pred),
    'logLoss': log_loss(y_true, probs, labels=[0, 1]),
    'aucMalignant': roc_auc_score(y_true, probs[:, 1]),
    'accuracyByGroup': {k: float(v) for k, v in acc_by_group.items()},
    'accuracyDifference': float(acc_by_group.max() - acc_by_group.min()),
    # Fairness of class 'malignant' one-vs-rest, as fairlearn defines them.
    'demographicParityDifference': demographic_parity_difference(y_true, y_pred, sensitive_features=group),
    'equalizedOddsDifference': equalized_odds_difference(y_true, y_pred, sensitive_features=group),
    'truePositiveRateByGroup': {k: float(v) for k, v in MetricFrame(metrics=true_positive_rate, y_true=y_true, y_pred=y_pred, sensitive_features=group).by_group.items()},
}

# Per-group thresholds for 'malignant' by skin, demographic parity, fitted on 'validation' and applied to 'test'
# (fairlearn ThresholdOptimizer, prefit, predict_method='predict_proba').
from sklearn.base import BaseEstimator, ClassifierMixin
from fairlearn.postprocessing import ThresholdOptimizer


class ScoreColumn(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        s = np.asarray(X)[:, 0]
        return np.column_stack([1 - s, s])


fit_rows = back['split'].to_numpy() == 'validation'
test_rows = ~fit_rows
score = probs[:, 1]
optimizer = ThresholdOptimizer(estimator=ScoreColumn().fit(score[fit_rows, None], y_true[fit_rows]), constraints='demographic_parity', objective='accuracy_score', prefit=True, predict_method='predict_proba')
optimizer.fit(score[fit_rows, None], y_true[fit_rows], sensitive_features=group[fit_rows])
pmf = optimizer._pmf_predict(score[test_rows, None], sensitive_features=group[test_rows])[:, 1]
reference['thresholdsDemographicParity'] = {
    'xBest': float(optimizer._x_best),
    'groups': {str(k): {'p0': float(v.p0), 'threshold0': float(v.operation0.threshold), 'p1': float(v.p1), 'threshold1': float(v.operation1.threshold)} for k, v in optimizer.interpolated_thresholder_.interpolation_dict.items()},
    'testPaths': back['path'][test_rows].tolist(),
    'testPositiveProbability': pmf.tolist(),
    'testDemographicParityDifferenceBefore': demographic_parity_difference(y_true[test_rows], y_pred[test_rows], sensitive_features=group[test_rows]),
}
with open(f'{OUT}/seededReference.json', 'w') as f:
    json.dump(reference, f, indent=2)
    f.write('\n')
print(json.dumps({k: v for k, v in reference.items() if k != 'thresholdsDemographicParity'}, indent=2), reference['thresholdsDemographicParity']['xBest'])
