"""Reference values for the distribution-shift statistics, computed with scipy/numpy outside the engine.

Run: /usr/bin/python3 scripts/reference/shiftReference.py > test/fixtures/shift/shiftReference.json
Every input vector is written into the JSON, so the test feeds the engine exactly what this script saw.
"""
import json

import numpy as np
from scipy import stats

rng = np.random.default_rng(20261203)
out = {"scipy": __import__("scipy").__version__, "numpy": np.__version__}

# --- Kolmogorov-Smirnov: scipy.stats.ks_2samp(method='exact') for n <= 10000; kstwobign.sf for the asymptotic branch.
ks = []
cases = [
    ("normal-shifted", rng.normal(0, 1, 40), rng.normal(0.6, 1, 55)),
    ("same-distribution", rng.normal(0, 1, 120), rng.normal(0, 1, 90)),
    ("ties-integers", rng.integers(0, 6, 70).astype(float), rng.integers(1, 7, 60).astype(float)),
    ("unequal-sizes", rng.exponential(1, 300), rng.exponential(1.3, 17)),
    ("equal-sizes", rng.uniform(0, 1, 200), rng.uniform(0.05, 1.05, 200)),
    ("brightness-like", np.round(rng.normal(140, 30, 800), 3), np.round(rng.normal(134, 30, 700), 3)),
]
for name, a, b in cases:
    r = stats.ks_2samp(a, b, method="exact")
    ks.append({"name": name, "a": a.tolist(), "b": b.tolist(), "statistic": float(r.statistic), "pValue": float(r.pvalue)})
out["ks"] = ks
out["kolmogorovSurvival"] = [{"lambda": x, "sf": float(stats.kstwobign.sf(x))} for x in [0.3, 0.5, 0.8, 1.0, 1.36, 2.0, 3.0]]

# --- PSI: deciles of the reference (numpy.quantile, linear), bins by searchsorted(side='right'), empty share -> 1e-4.
def psi(ref, tgt, eps=1e-4):
    edges = np.quantile(ref, np.arange(1, 10) / 10)
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=10) / len(ref)
    t = np.bincount(np.searchsorted(edges, tgt, side="right"), minlength=10) / len(tgt)
    r = np.maximum(r, eps)
    t = np.maximum(t, eps)
    return float(np.sum((t - r) * np.log(t / r))), edges.tolist()

psis = []
for name, a, b in [
    ("normal-shifted", rng.normal(0, 1, 500), rng.normal(0.5, 1.2, 400)),
    ("same", rng.normal(0, 1, 1000), rng.normal(0, 1, 1000)),
    ("constant-reference", np.full(50, 64.0), np.concatenate([np.full(30, 64.0), np.full(20, 48.0)])),
]:
    value, edges = psi(a, b)
    psis.append({"name": name, "a": a.tolist(), "b": b.tolist(), "psi": value, "edges": edges})
out["psi"] = psis

# --- MMD^2_u, RBF kernel, sigma = median of pooled pairwise distances (i < j), permutation p-value with given permutations.
def mmd2u(K, m):
    n = K.shape[0] - m
    kxx = K[:m, :m]; kyy = K[m:, m:]; kxy = K[:m, m:]
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean())

mmds = []
for name, x, y in [
    ("shifted-4d", rng.normal(0, 1, (30, 4)), rng.normal(0.5, 1, (25, 4))),
    ("same-8d", rng.normal(0, 1, (40, 8)), rng.normal(0, 1, (35, 8))),
]:
    z = np.vstack([x, y])
    d2 = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
    iu = np.triu_indices(len(z), 1)
    sigma = float(np.median(np.sqrt(d2[iu])))
    K = np.exp(-d2 / (2 * sigma**2))
    observed = mmd2u(K, len(x))
    perms = [rng.permutation(len(z)) for _ in range(100)]
    count = sum(mmd2u(K[np.ix_(p, p)], len(x)) >= observed for p in perms)
    mmds.append({"name": name, "x": x.tolist(), "y": y.tolist(), "bandwidth": sigma, "mmd2": observed,
                 "permutations": [p.tolist() for p in perms], "pValue": (1 + count) / (1 + len(perms))})
out["mmd"] = mmds

# --- BBSE (Lipton et al. 2018): C[i, j] = P(yhat=i, y=j) on the reference, mu[i] = P_target(yhat=i), w = solve(C, mu).
k = 4
p_ref = np.array([0.4, 0.3, 0.2, 0.1])
q_tgt = np.array([0.15, 0.25, 0.25, 0.35])
recall = np.array([[0.8, 0.1, 0.05, 0.05], [0.1, 0.75, 0.1, 0.05], [0.05, 0.1, 0.8, 0.05], [0.1, 0.05, 0.05, 0.8]])  # row: true, P(yhat | y)
y_ref = rng.choice(k, 3000, p=p_ref)
yhat_ref = np.array([rng.choice(k, p=recall[y]) for y in y_ref])
y_tgt = rng.choice(k, 2000, p=q_tgt)
yhat_tgt = np.array([rng.choice(k, p=recall[y]) for y in y_tgt])
C = np.zeros((k, k))
for yt, yp in zip(y_ref, yhat_ref):
    C[yp, yt] += 1 / len(y_ref)
mu = np.bincount(yhat_tgt, minlength=k) / len(yhat_tgt)
w = np.linalg.solve(C, mu)
pr = np.bincount(y_ref, minlength=k) / len(y_ref)
q = np.maximum(w, 0) * pr
q = q / q.sum()
expected_acc = float(np.sum(q * np.diag(C) / pr))
out["bbse"] = {
    "classes": k, "referenceTrue": y_ref.tolist(), "referencePredicted": yhat_ref.tolist(), "targetPredicted": yhat_tgt.tolist(),
    "targetTrueShares": (np.bincount(y_tgt, minlength=k) / len(y_tgt)).tolist(),
    "confusion": C.tolist(), "weights": w.tolist(), "targetPriors": q.tolist(), "expectedAccuracy": expected_acc,
    "referenceAccuracy": float(np.trace(C)),
    "targetAccuracy": float(np.mean(y_tgt == yhat_tgt)),
}

# --- Chi-square of group shares: scipy.stats.chi2_contingency(correction=False) on [reference counts, target counts].
tables = [[[120, 340, 90], [60, 200, 140]], [[50, 50], [30, 70]], [[10, 20, 30, 40], [12, 19, 33, 36]]]
out["chiSquare"] = []
for t in tables:
    chi2, p, dof, _ = stats.chi2_contingency(np.array(t), correction=False)
    out["chiSquare"].append({"table": t, "chi2": float(chi2), "pValue": float(p), "dof": int(dof)})

# --- Multiple testing: Benjamini-Hochberg and Holm by their textbook definitions (R p.adjust), written out here.
pv = np.array([0.01, 0.04, 0.03, 0.005, 0.2, 0.5, 0.0001, 0.049])
m = len(pv)
o = np.argsort(pv)
bh = np.empty(m); bh[o] = np.minimum(1, np.minimum.accumulate((m * pv[o] / np.arange(1, m + 1))[::-1])[::-1])
ho = np.empty(m); ho[o] = np.maximum.accumulate(np.minimum(1, (m - np.arange(m)) * pv[o]))
out["adjust"] = {"p": pv.tolist(), "bh": bh.tolist(), "holm": ho.tolist()}

print(json.dumps(out))
