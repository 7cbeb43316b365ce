"""Reference values for test/unit/runs/runDiff.test.ts: the interval of a change between two runs by a paired (and an
independent) group-stratified bootstrap, computed with numpy from the same resampling indices the engine draws.

The indices come from mulberry32 (re-implemented in referenceCommon.py) in the documented order: per replicate, for each group in sorted
name order, size(group) draws of members[floor(u * size)], members in ascending image order. Paired: one draw per
replicate scores both runs. Independent: the before run's draw, then the after run's (over its own images).
Percentiles: numpy.percentile's default linear interpolation.

Run: python3 scripts/reference/runDiffReference.py
"""
import json
import numpy as np

from referenceCommon import interval, mulberry32


LABELS = [0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0]
GROUPS = ['a', 'b', 'a', 'a', 'b', 'a', 'b', 'a', 'a', 'b', 'b', 'a']
PRED_BEFORE = [0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0]
PRED_AFTER = [0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0]
REPLICATES = 400
SEED = 7


def stratified(groups, rand):
    names = sorted(set(groups))
    out = []
    for name in names:
        members = [i for i, g in enumerate(groups) if g == name]
        size = len(members)
        out.extend(members[int(np.floor(rand() * size))] for _ in range(size))
    return np.array(out)


def figures(labels, preds, groups, idx):
    y = np.array(labels)[idx]
    p = np.array(preds)[idx]
    g = np.array(groups)[idx]
    out = {}
    # accuracy = mean(y == p); selection rate of 'pos' = mean(p == 1); TPR of 'pos' = mean(p == 1 | y == 1)
    metrics = {
        'accuracy': lambda yy, pp: np.mean(yy == pp) if len(yy) else np.nan,
        'selectionRate': lambda yy, pp: np.mean(pp == 1) if len(yy) else np.nan,
        'truePositiveRate': lambda yy, pp: np.mean(pp[yy == 1] == 1) if np.sum(yy == 1) >= 1 else np.nan,
    }
    for name, fn in metrics.items():
        per = {k: fn(y[g == k], p[g == k]) for k in ['a', 'b']}
        vals = np.array([per['a'], per['b']])
        diff = np.nan if np.any(np.isnan(vals)) else vals.max() - vals.min()
        ratio = np.nan if np.any(np.isnan(vals)) or vals.max() <= 0 else vals.min() / vals.max()
        out[name] = {'overall': fn(y, p), 'a': per['a'], 'b': per['b'], 'difference': diff, 'ratio': ratio}
    return out


def run(mode):
    rand = mulberry32(SEED)
    labels_after = LABELS if mode == 'paired' else LABELS[:-1]
    groups_after = GROUPS if mode == 'paired' else GROUPS[:-1]
    pred_after = PRED_AFTER if mode == 'paired' else PRED_AFTER[:-1]
    draws = []
    for _ in range(REPLICATES):
        ia = stratified(GROUPS, rand)
        ib = ia if mode == 'paired' else stratified(groups_after, rand)
        draws.append((figures(LABELS, PRED_BEFORE, GROUPS, ia), figures(labels_after, pred_after, groups_after, ib)))
    full_a = figures(LABELS, PRED_BEFORE, GROUPS, np.arange(len(LABELS)))
    full_b = figures(labels_after, pred_after, groups_after, np.arange(len(labels_after)))
    result = {}
    for metric in ['accuracy', 'selectionRate', 'truePositiveRate']:
        result[metric] = {}
        for figure in ['overall', 'a', 'b', 'difference']:
            result[metric][figure] = {
                'before': float(full_a[metric][figure]),
                'after': float(full_b[metric][figure]),
                'interval': interval([d[0][metric][figure] for d in draws], [d[1][metric][figure] for d in draws]),
            }
    # disparate impact ratio (min / max selection rate)
    result['selectionRateRatio'] = {
        'before': float(full_a['selectionRate']['ratio']),
        'after': float(full_b['selectionRate']['ratio']),
        'interval': interval([d[0]['selectionRate']['ratio'] for d in draws], [d[1]['selectionRate']['ratio'] for d in draws]),
    }
    return result


print(json.dumps({'paired': run('paired'), 'independent': run('independent')}, indent=1))
