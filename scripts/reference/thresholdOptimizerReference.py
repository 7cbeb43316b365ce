"""fairlearn 0.12 ThresholdOptimizer on seeded score vectors: the fitted thresholds, their interpolation, and the
positive-prediction probabilities on a held-out split, frozen for test/unit/mitigation/thresholdOptimizer.test.ts.

Run from the repository root:
    PYTHONPATH=../shared/vendor/fairlearn-0.12.0 /usr/bin/python3 scripts/reference/thresholdOptimizerReference.py
"""
import json

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from fairlearn.postprocessing import ThresholdOptimizer


class ScoreColumn(ClassifierMixin, BaseEstimator):
    """A prefit 'model' whose positive-class probability is the first feature."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        self.fitted_ = True
        return self

    def predict_proba(self, X):
        s = np.asarray(X)[:, 0]
        return np.column_stack([1 - s, s])


def vectors(seed, n, groups, decimals=None):
    rng = np.random.default_rng(seed)
    g = rng.choice(groups, size=n, p=np.full(len(groups), 1 / len(groups)))
    y = (rng.random(n) < 0.45).astype(int)
    quality = {name: 0.4 + 0.8 * k for k, name in enumerate(groups)}
    offset = {name: 0.3 * (k - 1) for k, name in enumerate(groups)}
    z = np.array([(2 * y[i] - 1) * quality[g[i]] + offset[g[i]] for i in range(n)]) + rng.normal(0, 1, n)
    s = 1 / (1 + np.exp(-z))
    if decimals is not None:
        s = np.round(s, decimals)
    return s, y, g


def encode(value):
    if value == np.inf:
        return 'Infinity'
    if value == -np.inf:
        return '-Infinity'
    return float(value)


cases = []
for name, seed, n, groups, decimals in [
    ('three groups, continuous scores', 20261203, 500, ['a', 'b', 'c'], None),
    ('two groups, scores rounded to 2 decimals (ties)', 7, 300, ['dark', 'light'], 2),
]:
    s, y, g = vectors(seed, n, groups, decimals)
    fit_n = int(n * 0.6)
    fit = slice(0, fit_n)
    held = slice(fit_n, n)
    estimator = ScoreColumn().fit(s[fit, None], y[fit])
    for constraints in ['demographic_parity', 'true_positive_rate_parity', 'equalized_odds']:
        for objective in ['accuracy_score', 'balanced_accuracy_score']:
            optimizer = ThresholdOptimizer(estimator=estimator, constraints=constraints, objective=objective, prefit=True, predict_method='predict_proba')
            optimizer.fit(s[fit, None], y[fit], sensitive_features=g[fit])
            interpolation = {}
            for group, rule in optimizer.interpolated_thresholder_.interpolation_dict.items():
                entry = {
                    'p0': float(rule.p0), 'threshold0': encode(rule.operation0.threshold), 'operator0': rule.operation0.operator,
                    'p1': float(rule.p1), 'threshold1': encode(rule.operation1.threshold), 'operator1': rule.operation1.operator,
                }
                if 'p_ignore' in rule:
                    entry['pIgnore'] = float(rule.p_ignore)
                    entry['predictionConstant'] = float(rule.prediction_constant)
                interpolation[str(group)] = entry
            pmf = optimizer._pmf_predict(s[held, None], sensitive_features=g[held])[:, 1]
            cases.append({
                'name': f'{name}: {constraints}, {objective}',
                'constraint': {'true_positive_rate_parity': 'equal_opportunity'}.get(constraints, constraints),
                'objective': objective,
                'fit': {'scores': s[fit].tolist(), 'labels': y[fit].tolist(), 'groups': g[fit].tolist()},
                'heldOut': {'scores': s[held].tolist(), 'labels': y[held].tolist(), 'groups': g[held].tolist()},
                'xBest': float(optimizer._x_best),
                'yBest': float(optimizer._y_best) if hasattr(optimizer, '_y_best') else None,
                'interpolation': interpolation,
                'heldOutPositiveProbability': pmf.tolist(),
            })

with open('test/fixtures/mitigation/thresholdOptimizerReference.json', 'w') as f:
    json.dump({'source': 'fairlearn 0.12.0 ThresholdOptimizer(prefit=True, predict_method="predict_proba"), scripts/reference/thresholdOptimizerReference.py', 'cases': cases}, f)
    f.write('\n')
for case in cases:
    print(case['name'], case['xBest'], case['yBest'], {k: (round(v['p0'], 3), v['threshold0'], v['threshold1']) for k, v in case['interpolation'].items()})
