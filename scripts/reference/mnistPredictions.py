"""Logits of the real MNIST model on the 10,000 MNIST test images, computed outside the engine, as a predictions file.

The forward pass is the torch re-implementation of test/fixtures/model/mnistReference.py (checked there against the
model's own reference_io), run on the raw IDX pixels scaled to [0, 1]. Writes test/fixtures/predictions/mnist-logits.csv.gz
with one row per image: its path in the ImageFolder the tests build (<digit>/<index>.png) and logit_0 … logit_9.
Run from the repository root: /usr/bin/python3 scripts/reference/mnistPredictions.py
"""
import gzip
import os

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

MNIST = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'data', 'mnist'))


def idx(path):
    data = gzip.open(path).read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


model = onnx.load(os.path.join(MNIST, 'mnist.onnx'))
weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
t = lambda name: torch.from_numpy(np.array(weights[name]))
images = idx(os.path.join(MNIST, 't10k-images-idx3-ubyte.gz')).astype(np.float32) / 255.0
labels = idx(os.path.join(MNIST, 't10k-labels-idx1-ubyte.gz'))
with torch.no_grad():
    h = torch.from_numpy(images[:, None, :, :])
    h = F.conv2d(h, t('Parameter5'), padding=2) + t('Parameter6')
    h = F.max_pool2d(F.relu(h), 2, 2)
    h = F.conv2d(h, t('Parameter87'), padding=2) + t('Parameter88')
    h = F.max_pool2d(F.relu(h), 3, 3)
    features = h.reshape(h.shape[0], -1)
    logits = (features @ t('Parameter193').reshape(256, 10) + t('Parameter194')).numpy()
print('top-1 accuracy', float((logits.argmax(1) == labels).mean()))
os.makedirs('test/fixtures/predictions', exist_ok=True)
with gzip.open('test/fixtures/predictions/mnist-logits.csv.gz', 'wt', compresslevel=9) as f:
    f.write('path,' + ','.join(f'logit_{d}' for d in range(10)) + '\n')
    for i in range(len(labels)):
        f.write(f'{labels[i]}/{i:05d}.png,' + ','.join(f'{v:.4f}' for v in logits[i]) + '\n')
