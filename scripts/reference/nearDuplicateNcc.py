#!/usr/bin/python3
"""Independent check of near-duplicate clusters (not the engine's code): for each reported cluster,
the best normalised cross-correlation over its pairs of 32x32 greyscale thumbnails (Pillow's box
resize, no smoothing), at zero shift and over integer shifts within +-2 px (overlap only).

    /usr/bin/python3 scripts/reference/nearDuplicateNcc.py CLUSTERS.json [--at 0.95]

CLUSTERS.json: {"root": DIR, "clusters": [[relative paths...], ...]} as written by
scripts/bench/nearDuplicateBench.ts. Prints how many clusters hold a pair at or above the level.
"""
import json
import sys

import numpy as np
from PIL import Image


def thumb(path):
    return np.asarray(Image.open(path).convert('L').resize((32, 32), Image.BOX), dtype=np.float64)


def ncc(a, b):
    a = a - a.mean()
    b = b - b.mean()
    d = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / d) if d > 0 else 0.0


def shifted_ncc(a, b, r=2):
    best = -1.0
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            ya, yb = max(0, dy), max(0, -dy)
            xa, xb = max(0, dx), max(0, -dx)
            h, w = 32 - abs(dy), 32 - abs(dx)
            best = max(best, ncc(a[ya:ya + h, xa:xa + w], b[yb:yb + h, xb:xb + w]))
    return best


def main():
    data = json.load(open(sys.argv[1]))
    level = float(sys.argv[sys.argv.index('--at') + 1]) if '--at' in sys.argv else 0.95
    zero = shifted = 0
    for members in data['clusters']:
        thumbs = [thumb(f"{data['root']}/{m}") for m in members[:20]]
        pairs = [(i, j) for i in range(len(thumbs)) for j in range(i + 1, len(thumbs))]
        z = max(ncc(thumbs[i], thumbs[j]) for i, j in pairs)
        s = max(shifted_ncc(thumbs[i], thumbs[j]) for i, j in pairs)
        zero += z >= level
        shifted += s >= level
    n = len(data['clusters'])
    print(f"{n} clusters; holding a pair with NCC >= {level}: {zero} at zero shift, {shifted} within +-2 px")


if __name__ == '__main__':
    main()
