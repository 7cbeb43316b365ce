"""Reference values for the macro F1 and log loss of a run comparison (test/unit/runs/runDiff.test.ts): the point
estimates of each run with scikit-learn (f1_score average='macro', log_loss), and the paired-bootstrap interval of the
change, each resample scored with the same scikit-learn functions on the indices the engine draws.

The overall figures are resampled as one stratum: per replicate, 12 draws of floor(u * 12) with u from mulberry32
(re-implemented below, as in runDiffReference.py), seeded with the comparison's seed. The hand-made runs of
test/unit/runs/runFixtures.ts give each image probability 0.9 to its predicted class and 0.1 to the other.
Percentiles: numpy.percentile's default linear interpolation.

Run: python3 scripts/reference/runDiffScoreReference.py
"""
import json

import numpy as np

from referenceCommon import interval, mulberry32
from sklearn.metrics import f1_score, log_loss

# The hand-made runs and the comparison's settings (as in runDiffReference.py and runFixtures.ts).
LABELS = [0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0]
PRED_BEFORE = [0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0]
PRED_AFTER = [0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0]
REPLICATES = 400
SEED = 7


def probabilities(preds):
    return np.array([[0.9, 0.1] if p == 0 else [0.1, 0.9] for p in preds])


def scores(preds, idx):
    y = np.array(LABELS)[idx]
    p = np.array(preds)[idx]
    return {
        'macroF1': f1_score(y, p, average='macro', labels=sorted(set(y) | set(p)), zero_division=0),
        'logLoss': log_loss(y, probabilities(p), labels=[0, 1]),
    }


rand = mulberry32(SEED)
n = len(LABELS)
draws = []
for _ in range(REPLICATES):
    idx = np.array([int(np.floor(rand() * n)) for _ in range(n)])
    draws.append((scores(PRED_BEFORE, idx), scores(PRED_AFTER, idx)))
full = np.arange(n)
before, after = scores(PRED_BEFORE, full), scores(PRED_AFTER, full)
out = {metric: {'before': float(before[metric]), 'after': float(after[metric]),
                'interval': interval([d[0][metric] for d in draws], [d[1][metric] for d in draws])}
       for metric in ['macroF1', 'logLoss']}
SCORES = {'paired': out}


# ROC AUC. Binary: the hand-made runs, P('pos') = 0.9 where the run predicted 'pos', else 0.1 (roc_auc_score(y, p[:, 1])).
# Three classes: seeded probability rows below (rounded to 3 decimals), macro one-vs-rest (roc_auc_score multi_class='ovr').
# A resample missing a class leaves that class out of the mean (sklearn would raise); one with a single class is undefined
# and left out of the percentiles.
from sklearn.metrics import roc_auc_score  # noqa: E402


def auc(y, p):
    y = np.asarray(y)
    if p.shape[1] == 2:
        return roc_auc_score(y, p[:, 1]) if len(set(y)) == 2 else np.nan
    per = [roc_auc_score(y == c, p[:, c]) for c in range(p.shape[1]) if 0 < np.sum(y == c) < len(y)]
    return float(np.mean(per)) if per else np.nan


def auc_reference(labels, pa, pb):
    rand = mulberry32(SEED)
    n = len(labels)
    y = np.array(labels)
    draws = []
    for _ in range(REPLICATES):
        idx = np.array([int(np.floor(rand() * n)) for _ in range(n)])
        draws.append((auc(y[idx], pa[idx]), auc(y[idx], pb[idx])))
    before, after = auc(y, pa), auc(y, pb)
    if pa.shape[1] > 2:
        assert abs(before - roc_auc_score(y, pa, multi_class='ovr', average='macro')) < 1e-15
        assert abs(after - roc_auc_score(y, pb, multi_class='ovr', average='macro')) < 1e-15
    return {'before': float(before), 'after': float(after), 'interval': interval([d[0] for d in draws], [d[1] for d in draws])}


def rows3(seed):
    raw = np.random.default_rng(seed).dirichlet([1.0, 1.0, 1.0], size=12)
    rounded = np.round(raw, 3)
    rounded[:, 2] = np.round(1 - rounded[:, 0] - rounded[:, 1], 3)
    return rounded


LABELS3 = [0, 1, 2, 0, 1, 2, 2, 1, 0, 0, 1, 2]
P3_BEFORE, P3_AFTER = rows3(1), rows3(2)
print(json.dumps({
    'scores': SCORES,
    'auc': auc_reference(LABELS, probabilities(PRED_BEFORE), probabilities(PRED_AFTER)),
    'macroAuc': auc_reference(LABELS3, P3_BEFORE, P3_AFTER),
    'rows3': {'labels': LABELS3, 'before': P3_BEFORE.tolist(), 'after': P3_AFTER.tolist()},
}, indent=1))
