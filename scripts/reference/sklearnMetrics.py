#!/usr/bin/python3
"""Frozen scikit-learn reference values for src/engine/metrics (classification metrics).

Run with Debian's python (it has scikit-learn):  /usr/bin/python3 scripts/reference/sklearnMetrics.py
It writes test/fixtures/metrics/sklearnReference.json (inputs and outputs). The test suite only reads that JSON;
it never runs python. The numpy seed is fixed, so re-running gives the same file for the same sklearn/numpy versions.

Notes on conventions recorded in the file:
- roc_curve's first threshold is max(score) + 1 in sklearn < 1.3 and inf from 1.3 on; the engine uses Infinity,
  so only the thresholds after the first are stored ("thresholdsAfterFirst").
- log_loss uses eps = "auto" (float64 machine epsilon), clips to [eps, 1 - eps], then normalises rows.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
    top_k_accuracy_score,
)

SEED = 20240611
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "metrics", "sklearnReference.json")


def floats(values):
    return [float(v) for v in values]


def curve(y_binary, score, drop):
    fpr, tpr, thresholds = roc_curve(y_binary, score, drop_intermediate=drop)
    return {"fpr": floats(fpr), "tpr": floats(tpr), "thresholdsAfterFirst": floats(thresholds[1:])}


def prfs(y_true, y_pred, labels):
    out = {}
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
    out["perClass"] = {"precision": floats(p), "recall": floats(r), "f1": floats(f), "support": [int(v) for v in s]}
    for average in ("macro", "micro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=average, zero_division=0)
        out[average] = {"precision": float(p), "recall": float(r), "f1": float(f)}
    return out


def binary_vector(name, rng, n, levels):
    y_true = rng.integers(0, 2, size=n)
    # A score that leans towards the truth, rounded to a few levels so that ties occur.
    raw = np.clip(0.5 + (y_true - 0.5) * 0.35 + rng.normal(0, 0.25, size=n), 0, 1)
    score = np.round(raw * levels) / levels
    probs = np.stack([1 - score, score], axis=1)
    y_pred = (score >= 0.5).astype(int)
    labels = [0, 1]
    return {
        "name": name,
        "kind": "binary",
        "nClasses": 2,
        "yTrue": [int(v) for v in y_true],
        "yPred": [int(v) for v in y_pred],
        "scores": floats(score),
        "probs": [floats(row) for row in probs],
        "expected": {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "balancedAccuracy": float(balanced_accuracy_score(y_true, y_pred)),
            "confusionMatrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
            "prfs": prfs(y_true, y_pred, labels),
            "rocAuc": float(roc_auc_score(y_true, score)),
            "rocCurve": curve(y_true, score, True),
            "rocCurveAllThresholds": curve(y_true, score, False),
            "logLoss": float(log_loss(y_true, probs, labels=labels)),
        },
    }


def multiclass_vector(name, rng, n, k, absent_in_pred=None):
    y_true = rng.integers(0, k, size=n)
    # Probabilities in tenths (multinomial counts / 10): rows sum to 1 and scores tie often; some entries are 0.
    probs = np.zeros((n, k))
    for i in range(n):
        weights = np.full(k, 1.0)
        weights[y_true[i]] += 2.0
        probs[i] = rng.multinomial(10, weights / weights.sum()) / 10.0
    y_pred = probs.argmax(axis=1)
    if absent_in_pred is not None:
        y_pred = np.where(y_pred == absent_in_pred, (absent_in_pred + 1) % k, y_pred)
    labels = list(range(k))
    expected = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balancedAccuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "confusionMatrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "prfs": prfs(y_true, y_pred, labels),
        "topK": {str(kk): float(top_k_accuracy_score(y_true, probs, k=kk, labels=labels)) for kk in (1, 2, 3)},
        "rocAucOvrMacro": float(roc_auc_score(y_true, probs, multi_class="ovr", average="macro", labels=labels)),
        "rocAucPerClass": [float(roc_auc_score((y_true == c).astype(int), probs[:, c])) for c in labels],
        "rocCurveClass0": curve((y_true == 0).astype(int), probs[:, 0], True),
        "logLoss": float(log_loss(y_true, probs, labels=labels)),
    }
    return {
        "name": name,
        "kind": "multiclass",
        "nClasses": k,
        "yTrue": [int(v) for v in y_true],
        "yPred": [int(v) for v in y_pred],
        "probs": [floats(row) for row in probs],
        "expected": expected,
    }


def absent_in_true_vector(rng):
    # 3 classes; class 2 is predicted but never true: balanced accuracy averages recall over classes in y_true only.
    n = 30
    y_true = rng.integers(0, 2, size=n)
    y_pred = rng.integers(0, 3, size=n)
    labels = [0, 1, 2]
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            balanced = float(balanced_accuracy_score(y_true, y_pred))
    return {
        "name": "three-class, class 2 absent from y_true",
        "kind": "multiclass",
        "nClasses": 3,
        "yTrue": [int(v) for v in y_true],
        "yPred": [int(v) for v in y_pred],
        "expected": {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "balancedAccuracy": balanced,
            "confusionMatrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
            "prfs": prfs(y_true, y_pred, labels),
        },
    }


def main():
    rng = np.random.default_rng(SEED)
    vectors = [
        binary_vector("binary, scores in tenths (ties)", rng, 40, 10),
        binary_vector("binary, three score levels (heavy ties)", rng, 30, 2),
        multiclass_vector("four-class, probabilities in tenths", rng, 60, 4),
        multiclass_vector("four-class, class 3 never predicted", rng, 50, 4, absent_in_pred=3),
        absent_in_true_vector(rng),
    ]
    doc = {
        "generator": "scripts/reference/sklearnMetrics.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "seed": SEED,
        "zeroDivision": 0,
        "vectors": vectors,
    }
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=1)
        handle.write("\n")
    print(f"wrote {os.path.normpath(OUT)} ({len(vectors)} vectors)")


if __name__ == "__main__":
    main()
