#!/usr/bin/python3
"""Reference figures for the engine's binomial and multinomial samplers, computed outside the engine (numpy, scipy).

Usage: /usr/bin/python3 scripts/reference/multinomialReference.py > test/fixtures/metrics/multinomialReference.json

For each Binomial(n, p) case: the exact mean n·p and variance n·p·q, the standard errors of a sample mean and a
sample variance over M draws (Var(s²) ≈ (μ4 − σ⁴)/M with the binomial's central fourth moment
μ4 = npq(1 + 3(n − 2)pq)), the scipy.stats.binom probabilities of the support grouped into cells of expected count
≥ 5 for M draws, and the chi-square critical value for those cells at α = 1e-6 (scipy.stats.chi2.isf).
For each multinomial case: the exact mean and variance of every category and of every pair of categories (a sum of
categories is binomial, so the pair's variance n(p_i + p_j)(1 − p_i − p_j) checks the covariance −n·p_i·p_j), with the
same standard errors, and numpy's own sample moments over M draws (numpy.random.default_rng(2026).multinomial).
"""
import itertools
import json

import numpy as np
from scipy.stats import binom, chi2

DRAWS = 100_000
ALPHA = 1e-6


def binomial_moments(n, p, draws):
    q = 1 - p
    variance = n * p * q
    mu4 = n * p * q * (1 + 3 * (n - 2) * p * q)
    return {
        'mean': n * p,
        'variance': variance,
        'seMean': float(np.sqrt(variance / draws)),
        'seVariance': float(np.sqrt(max(mu4 - variance ** 2, 0.0) / draws)),
    }


def grouped_cells(n, p, draws):
    """Consecutive support values merged until each cell's expected count is at least 5 (tails folded in)."""
    support = np.arange(0, n + 1)
    pmf = binom.pmf(support, n, p)
    cells = []
    start = 0
    mass = 0.0
    for k in range(n + 1):
        mass += pmf[k]
        if mass * draws >= 5:
            cells.append({'from': int(start), 'to': int(k), 'probability': float(mass)})
            start = k + 1
            mass = 0.0
    if mass > 0 and cells:
        cells[-1]['to'] = n
        cells[-1]['probability'] += float(mass)
    cells[0]['from'] = 0
    total = sum(c['probability'] for c in cells)
    for c in cells:
        c['probability'] /= total
    return cells


def binomial_case(n, p):
    cells = grouped_cells(n, p, DRAWS)
    return {
        'n': n,
        'p': p,
        'draws': DRAWS,
        **binomial_moments(n, p, DRAWS),
        'cells': cells,
        'chiSquareCritical': float(chi2.isf(ALPHA, len(cells) - 1)),
    }


def multinomial_case(n, weights, rng):
    weights = np.asarray(weights, dtype=float)
    p = weights / weights.sum()
    sample = rng.multinomial(n, p, size=DRAWS)
    categories = []
    for i in range(len(p)):
        categories.append({
            'indices': [i],
            **binomial_moments(n, p[i], DRAWS),
            'numpyMean': float(sample[:, i].mean()),
            'numpyVariance': float(sample[:, i].var(ddof=1)),
        })
    for i, j in itertools.combinations(range(len(p)), 2):
        s = sample[:, i] + sample[:, j]
        categories.append({
            'indices': [i, j],
            **binomial_moments(n, p[i] + p[j], DRAWS),
            'numpyMean': float(s.mean()),
            'numpyVariance': float(s.var(ddof=1)),
        })
    return {'n': n, 'weights': weights.tolist(), 'draws': DRAWS, 'categories': categories}


def main():
    rng = np.random.default_rng(2026)
    binomials = [binomial_case(n, p) for n, p in [
        (20, 0.3),          # inversion (n·p = 6)
        (1000, 0.004),      # inversion, long support
        (30, 0.9),          # p > 1/2 by symmetry, then inversion
        (50, 0.5),          # transformed rejection (n·p = 25)
        (1000, 0.3),        # transformed rejection
        (200, 0.93),        # symmetry, then transformed rejection (n·q = 14)
        (1_000_000, 0.12),  # a million draws' worth
    ]]
    multinomials = [
        multinomial_case(1000, [40, 5, 3, 1, 1, 0, 2], rng),
        multinomial_case(37, [1, 1, 1, 1, 1, 1], rng),
        multinomial_case(250_000, [7000, 1200, 900, 450, 5, 1], rng),
    ]
    print(json.dumps({'alpha': ALPHA, 'binomials': binomials, 'multinomials': multinomials}))


if __name__ == '__main__':
    main()
