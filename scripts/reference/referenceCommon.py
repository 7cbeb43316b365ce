"""Shared pieces of the reference scripts: the engine's seeded generator, re-implemented independently, and the
percentile interval of a change. Imported by the scripts beside it (their folder is on sys.path when they run)."""
import numpy as np


def mulberry32(seed):
    """mulberry32 (Tommy Ettinger's public-domain generator), as the engine's seededRandom.ts documents it."""
    state = seed & 0xFFFFFFFF

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def nxt():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return nxt


def interval(before, after):
    """The 95% percentile interval of after − before over the finite replicates."""
    delta = np.array(after) - np.array(before)
    delta = delta[np.isfinite(delta)]
    lo, hi = np.percentile(delta, [2.5, 97.5])
    return [float(lo), float(hi)]
