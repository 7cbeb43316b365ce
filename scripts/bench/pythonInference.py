#!/usr/bin/python3
"""The plain Python baseline of the inference benchmark: a PIL + torch loop over the benchmark images.

    /usr/bin/python3 scripts/bench/pythonInference.py [--data bench-data] [--batch 32] [--threads 2] [--repeats 3]

Per image: PIL open -> convert('RGB') -> resize to 224x224 (bilinear) -> to tensor (0-1) -> normalise with the
ImageNet mean/std; images are stacked in batches of --batch and run by torchvision's mobilenet_v2 with the weights
exportMobileNet.py saved (bench-data/mobilenet_v2.pt, the same as the ONNX file) under torch.inference_mode().
One warm-up batch first; then each measurement is repeated --repeats times:
- loop: the whole loop above, decoding and running batch after batch (nothing overlapped);
- preprocess: the same loop without the model (decode, resize, to tensor, normalise, stack);
- decode: PIL open + convert('RGB') only;
- model: the model alone on the tensors decoded beforehand.
Prints one JSON object: seconds per repeat, the median, images/s (median and best repeat), CPU ms per image, and the softmax probabilities of the first
--check images (to compare with ONNX Runtime's).
"""
import argparse
import glob
import json
import os
import statistics
import time

import torch
import torchvision
import torchvision.transforms.functional as F
from PIL import Image

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
SIZE = 224


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data', default='bench-data', help='folder written by exportMobileNet.py (default bench-data)')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--threads', type=int, default=2, help='torch intra-op threads (default 2)')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--check', type=int, default=4, help='images whose probabilities are printed (default 4)')
    return parser.parse_args()


def preprocess(path: str) -> torch.Tensor:
    with Image.open(path) as image:
        rgb = image.convert('RGB').resize((SIZE, SIZE), Image.BILINEAR)
    return F.normalize(F.to_tensor(rgb), MEAN, STD)


def decode(path: str) -> None:
    with Image.open(path) as image:
        image.convert('RGB')


def batches(files: list, size: int) -> list:
    return [files[start:start + size] for start in range(0, len(files), size)]


def timed(action) -> tuple:
    """Wall seconds and process CPU seconds (all threads) of one call."""
    cpu = time.process_time()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started, time.process_time() - cpu


def measure(action, repeats: int, count: int) -> dict:
    samples = [timed(action) for _ in range(repeats)]
    seconds = [wall for wall, _ in samples]
    median = statistics.median(seconds)
    return {'seconds': [round(value, 4) for value in seconds], 'medianSeconds': round(median, 4), 'imagesPerSecond': round(count / median, 1),
            'bestImagesPerSecond': round(count / min(seconds), 1),
            'cpuMsPerImage': round(statistics.median([cpu for _, cpu in samples]) / count * 1000, 2)}


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    files = sorted(glob.glob(os.path.join(args.data, 'inference-images', '*.jpg')))
    if not files:
        raise SystemExit(f"No images in {os.path.join(args.data, 'inference-images')}; run scripts/bench/exportMobileNet.py first.")
    model = torchvision.models.mobilenet_v2(weights=None)
    model.load_state_dict(torch.load(os.path.join(args.data, 'mobilenet_v2.pt')))
    model.eval()
    groups = batches(files, args.batch)

    def loop() -> None:
        with torch.inference_mode():
            for group in groups:
                model(torch.stack([preprocess(path) for path in group]))

    def preprocess_only() -> None:
        for group in groups:
            torch.stack([preprocess(path) for path in group])

    def decode_only() -> None:
        for path in files:
            decode(path)

    with torch.inference_mode():
        warm = torch.stack([preprocess(path) for path in groups[0]])
        model(warm)
        check = torch.softmax(model(warm[:args.check]), dim=1)
    tensors = [torch.stack([preprocess(path) for path in group]) for group in groups]

    def model_only() -> None:
        with torch.inference_mode():
            for tensor in tensors:
                model(tensor)

    result = {
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'pillow': Image.__version__,
        'threads': torch.get_num_threads(),
        'images': len(files),
        'batch': args.batch,
        'loop': measure(loop, args.repeats, len(files)),
        'preprocess': measure(preprocess_only, args.repeats, len(files)),
        'decode': measure(decode_only, args.repeats, len(files)),
        'model': measure(model_only, args.repeats, len(files)),
        'checkProbabilities': [[round(float(value), 7) for value in row] for row in check],
    }
    print(json.dumps(result))


if __name__ == '__main__':
    main()
