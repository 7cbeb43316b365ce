#!/usr/bin/python3
"""Makes the inputs of the inference benchmark: a MobileNetV2 with seeded random weights, and seeded JPEG images.

Run from the repository root (the benchmark runs it when its outputs are missing):

    /usr/bin/python3 scripts/bench/exportMobileNet.py [--n 512] [--out bench-data]

Writes, under --out (git-ignored):
- mobilenet_v2.pt: the state dict (torchvision mobilenet_v2(weights=None) after torch.manual_seed(--seed), BatchNorm
  statistics calibrated on seeded noise), read by pythonInference.py so the Python loop runs exactly the exported weights;
- mobilenet_v2.onnx: the same network in eval mode, opset 13, input 'image' float32 [N,3,224,224], output 'logits'
  float32 [N,1000], batch axis dynamic;
- inference-images/img_NNNNN.jpg: --n JPEGs of --width x --height (q85), a seeded gradient, noise and 1-5 shapes each,
  and inference-images/complete (the settings they were made with).

Needs Debian's python3-torch, python3-torchvision, python3-onnx, python3-numpy and python3-pil.
"""
import argparse
import json
import os

import numpy as np
import onnx
import torch
import torchvision
from PIL import Image, ImageDraw

OPSET = 13
SIZE = 224


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', default='bench-data', help='output folder (default bench-data)')
    parser.add_argument('--n', type=int, default=512, help='number of images (default 512)')
    parser.add_argument('--width', type=int, default=320)
    parser.add_argument('--height', type=int, default=240)
    parser.add_argument('--seed', type=int, default=20261122)
    parser.add_argument('--skip-model', action='store_true', help='only (re)generate the images')
    return parser.parse_args()


def calibrate_batch_norm(model: torch.nn.Module) -> None:
    """Sets every BatchNorm's running mean/var from 4 batches of seeded noise (cumulative average, no weight changes).

    With torchvision's initialisation and identity BatchNorm statistics, activations shrink about 10x per stage and
    the logits come out near 1e-9 (every softmax row ~1/1000); calibrated statistics keep them at unit scale, so the
    probabilities ONNX Runtime and torch give can be compared and the arithmetic is that of a trained network.
    """
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(16, 3, SIZE, SIZE))


def export_model(out: str, seed: int) -> None:
    torch.manual_seed(seed)
    model = torchvision.models.mobilenet_v2(weights=None)
    calibrate_batch_norm(model)
    model.eval()
    torch.save(model.state_dict(), os.path.join(out, 'mobilenet_v2.pt'))
    path = os.path.join(out, 'mobilenet_v2.onnx')
    dummy = torch.zeros(2, 3, SIZE, SIZE)
    with torch.inference_mode():
        torch.onnx.export(model, dummy, path, input_names=['image'], output_names=['logits'], opset_version=OPSET,
                          do_constant_folding=True, dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}})
    proto = onnx.load(path)
    proto.doc_string = f'torchvision mobilenet_v2, random weights (torch.manual_seed({seed}), BatchNorm calibrated on noise), for benchmarks only.'
    onnx.checker.check_model(proto)
    onnx.save(proto, path)
    print(f'wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB), torch {torch.__version__}, torchvision {torchvision.__version__}')


def make_image(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    """A colour gradient with Gaussian noise, then 1-5 filled ellipses, rectangles or triangles in random colours."""
    start = rng.uniform(0, 255, 3)
    end = rng.uniform(0, 255, 3)
    ramp = np.linspace(0, 1, width)[None, :, None] if rng.random() < 0.5 else np.linspace(0, 1, height)[:, None, None]
    base = start + (end - start) * ramp
    pixels = np.broadcast_to(base, (height, width, 3)) + rng.normal(0, rng.uniform(4, 30), (height, width, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), 'RGB')
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(1, 6))):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        x0, y0 = float(rng.uniform(-20, width)), float(rng.uniform(-20, height))
        x1, y1 = x0 + float(rng.uniform(15, width / 2)), y0 + float(rng.uniform(15, height / 2))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        elif kind == 1:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
        else:
            draw.polygon([(x0, y1), ((x0 + x1) / 2, y0), (x1, y1)], fill=colour)
    return image


def make_images(out: str, n: int, width: int, height: int, seed: int) -> None:
    folder = os.path.join(out, 'inference-images')
    os.makedirs(folder, exist_ok=True)
    marker = os.path.join(folder, 'complete')
    if os.path.exists(marker):
        os.remove(marker)
    for name in os.listdir(folder):
        if name.endswith('.jpg'):
            os.remove(os.path.join(folder, name))
    rng = np.random.default_rng(seed)
    total = 0
    for index in range(n):
        path = os.path.join(folder, f'img_{index:05d}.jpg')
        make_image(rng, width, height).save(path, quality=85)
        total += os.path.getsize(path)
    with open(marker, 'w', encoding='utf-8') as handle:
        json.dump({'n': n, 'width': width, 'height': height, 'seed': seed, 'bytes': total}, handle)
    print(f'wrote {n} JPEGs {width}x{height} q85 into {folder} ({total / 1e6:.1f} MB)')


def main() -> None:
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    if not args.skip_model:
        export_model(args.out, args.seed)
    make_images(args.out, args.n, args.width, args.height, args.seed)


if __name__ == '__main__':
    main()
