#!/usr/bin/python3
"""Reference figures for the demo dataset, computed outside the engine (numpy, scipy, Pillow).

Usage: /usr/bin/python3 scripts/reference/demoReference.py <demo dir written by `npm run demo`> > test/fixtures/demo/demoReference.json

The demo is deterministic (fixed seed), so these figures are frozen and the end-to-end test compares the audit with
them: the planted label x skin-type association (scipy.stats.chi2_contingency without continuity correction, and
Cramer's V), and every group-versus-rest standardised mean difference of the image properties.
"""
import csv
import json
import os
import sys

import numpy as np
from PIL import Image
from scipy.stats import chi2_contingency

ATTRIBUTES = ['label', 'fitzpatrick', 'sex', 'age_group', 'site']
PROPERTIES = ['brightness', 'contrast', 'saturation', 'sharpness', 'bytes']


def properties(file):
    """Brightness = mean BT.601 luma; contrast = its population SD; saturation = mean HSV S; sharpness = variance of the
    4-neighbour Laplacian over interior pixels (Pech-Pacheco 2000); bytes = file size."""
    rgb = np.asarray(Image.open(file).convert('RGB'), dtype=np.float64)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    high = rgb.max(axis=2)
    low = rgb.min(axis=2)
    saturation = np.where(high > 0, (high - low) / np.where(high > 0, high, 1), 0.0)
    lap = luma[:-2, 1:-1] + luma[2:, 1:-1] + luma[1:-1, :-2] + luma[1:-1, 2:] - 4 * luma[1:-1, 1:-1]
    return {
        'brightness': float(luma.mean()),
        'contrast': float(luma.std()),
        'saturation': float(saturation.mean()),
        'sharpness': float(lap.var()),
        'bytes': float(os.path.getsize(file)),
    }


def cohens_d(group, rest):
    """Cohen's d with the pooled SD (Cohen 1988, 2.2): (mean_g - mean_r) / sqrt(((n_g-1)s_g^2 + (n_r-1)s_r^2) / (n_g+n_r-2))."""
    g, r = np.asarray(group), np.asarray(rest)
    pooled = np.sqrt(((len(g) - 1) * g.var(ddof=1) + (len(r) - 1) * r.var(ddof=1)) / (len(g) + len(r) - 2))
    return float((g.mean() - r.mean()) / pooled) if pooled > 0 else 0.0


def association(rows, column):
    values = sorted({row['label'] for row in rows}), sorted({row[column] for row in rows})
    table = np.zeros((len(values[0]), len(values[1])))
    for row in rows:
        table[values[0].index(row['label']), values[1].index(row[column])] += 1
    chi2, p, dof, _ = chi2_contingency(table, correction=False)
    v = np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1)))
    return {'rows': 'label', 'columns': column, 'chi2': float(chi2), 'dof': int(dof), 'pValue': float(p), 'cramersV': float(v)}


def main(demo):
    data = os.path.join(demo, 'data')
    with open(os.path.join(data, 'metadata.csv'), newline='') as handle:
        rows = list(csv.DictReader(handle))
    measured = []
    for row in rows:
        file = os.path.join(data, row['file_name'])
        try:
            measured.append((row, properties(file)))
        except Exception:  # missing, truncated or empty files are not measured (the audit reports them instead)
            continue
    gaps = []
    for attribute in ATTRIBUTES:
        for value in sorted({row[attribute] for row, _ in measured}):
            for prop in PROPERTIES:
                group = [p[prop] for row, p in measured if row[attribute] == value]
                rest = [p[prop] for row, p in measured if row[attribute] != value]
                if len(group) < 2 or len(rest) < 2:
                    continue
                gaps.append({'attribute': attribute, 'value': value, 'property': prop, 'n': len(group), 'smd': cohens_d(group, rest)})
    json.dump({
        'generatedBy': 'scripts/reference/demoReference.py (numpy %s, scipy chi2_contingency, Pillow)' % np.__version__,
        'rows': len(rows),
        'measured': len(measured),
        'associations': [association(rows, column) for column in ATTRIBUTES[1:]],
        'propertyGaps': gaps,
    }, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv[1])
