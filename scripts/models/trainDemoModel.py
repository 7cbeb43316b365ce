#!/usr/bin/python3
"""Trains the small demo lesion classifier on the demo dataset's train split and exports it to ONNX.

Run from the repository root, after `node dist/demo.js --out demo`:

    /usr/bin/python3 scripts/models/trainDemoModel.py

Writes models/demo/lesion-cnn.onnx and models/demo/training-report.json. Needs Debian's python3-torch,
python3-onnx, python3-pil, python3-numpy and python3-sklearn; the ONNX Runtime check runs onnxruntime-node from
node_modules through `node`.

The training set is skewed on purpose: the demo's train split already holds few Fitzpatrick V-VI images, and only
a fraction (--dark-keep) of those is kept, chosen per (class, type) cell with a seeded shuffle. Nothing about the
test split or the network treats any group differently; the lower accuracy on V-VI comes from the data alone.
"""
import argparse
import csv
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import torch
from PIL import Image
from sklearn.metrics import average_precision_score
from torch import nn

CLASSES = ['melanoma', 'nevus', 'seborrheic_keratosis', 'basal_cell_carcinoma']
FITZPATRICK = ['I', 'II', 'III', 'IV', 'V', 'VI']
LIGHT = {'I', 'II', 'III', 'IV'}
DARK = {'V', 'VI'}
SIZE = 64
SCALE = 1 / 255
OPSET = 13


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data', default='demo/data', help='dataset root holding metadata.csv (default demo/data)')
    parser.add_argument('--truth', default='demo/demo-truth.json', help='planted-defect list (default demo/demo-truth.json)')
    parser.add_argument('--out', default='models/demo', help='output folder (default models/demo)')
    parser.add_argument('--seed', type=int, default=20240601)
    parser.add_argument('--epochs', type=int, default=12)
    parser.add_argument('--dark-keep', type=float, default=0.15,
                        help='fraction of the Fitzpatrick V-VI train images kept (the skewed training set)')
    parser.add_argument('--width', type=int, default=16, help='channels of the first conv block')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--bootstrap', type=int, default=10000)
    parser.add_argument('--skip-export', action='store_true', help='train and evaluate only')
    return parser.parse_args()


def seed_everything(seed: int, threads: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def normalise_label(label: str) -> str:
    """The training label: the label column with case and surrounding space folded ('Melanoma' -> 'melanoma', 'nevus ' -> 'nevus')."""
    folded = label.strip().lower()
    if folded not in CLASSES:
        sys.exit(f"metadata.csv: label '{label}' is none of {CLASSES}; fix the row or add the class to CLASSES.")
    return folded


def read_rows(data_dir: str) -> list:
    manifest = os.path.join(data_dir, 'metadata.csv')
    if not os.path.exists(manifest):
        sys.exit(f'{manifest} is missing; generate the demo first: npm run build && node dist/demo.js --out demo')
    with open(manifest, newline='', encoding='utf-8') as handle:
        return list(csv.DictReader(handle))


def load_image(path: str):
    """The image as H x W x 3 uint8, or None when it cannot be decoded completely (truncated, empty, wrong size)."""
    try:
        with Image.open(path) as image:
            image.load()
            rgb = image.convert('RGB')
    except (OSError, SyntaxError, ValueError):
        return None
    if rgb.size != (SIZE, SIZE):
        return None
    return np.asarray(rgb, dtype=np.uint8)


def load_split(rows: list, data_dir: str, split: str):
    kept, pixels, skipped = [], [], []
    for row in rows:
        if row['split'] != split:
            continue
        array = load_image(os.path.join(data_dir, row['file_name']))
        if array is None:
            skipped.append(row['file_name'])
            continue
        kept.append(row)
        pixels.append(array)
    return kept, np.stack(pixels), skipped


def skew_training_set(rows: list, pixels: np.ndarray, keep: float, seed: int):
    """Keeps round(keep * n) of each (class, Fitzpatrick V or VI) cell, chosen by a seeded shuffle; I-IV are kept whole."""
    rng = random.Random(seed)
    cells = {}
    for index, row in enumerate(rows):
        cells.setdefault((normalise_label(row['label']), row['fitzpatrick']), []).append(index)
    chosen = []
    for key in sorted(cells):
        members = cells[key]
        if key[1] in DARK:
            members = list(members)
            rng.shuffle(members)
            members = sorted(members[: int(round(keep * len(members)))])
        chosen.extend(members)
    chosen.sort()
    return [rows[i] for i in chosen], pixels[chosen]


class LesionCnn(nn.Module):
    """Four Conv-BatchNorm-ReLU-MaxPool blocks, global average pooling, one linear layer."""

    def __init__(self, width: int, classes: int):
        super().__init__()
        channels = [3, width, width * 2, width * 4, width * 4]
        blocks = []
        for c_in, c_out in zip(channels, channels[1:]):
            blocks += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]
        self.features = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.head = nn.Linear(channels[-1], classes)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(self.flatten(self.pool(self.features(image))))


def to_tensor(pixels: np.ndarray, mean: np.ndarray, std: np.ndarray) -> torch.Tensor:
    """(pixel * scale - mean[c]) / std[c], NCHW float32: the same formula the ONNX consumer applies."""
    scaled = pixels.astype(np.float32) * np.float32(SCALE)
    normalised = (scaled - mean.astype(np.float32)) / std.astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(normalised.transpose(0, 3, 1, 2)))


def train(model: nn.Module, images: torch.Tensor, targets: torch.Tensor, epochs: int, seed: int) -> list:
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps_per_epoch = (len(images) + 63) // 64
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, epochs=epochs, steps_per_epoch=steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(images), generator=generator)
        total = 0.0
        for start in range(0, len(images), 64):
            batch = order[start:start + 64]
            x = images[batch]
            # Label-preserving augmentation: random horizontal and vertical flips, drawn from the seeded generator.
            flip_h = torch.rand(len(batch), generator=generator) < 0.5
            flip_v = torch.rand(len(batch), generator=generator) < 0.5
            x = torch.where(flip_h[:, None, None, None], x.flip(3), x)
            x = torch.where(flip_v[:, None, None, None], x.flip(2), x)
            optimiser.zero_grad()
            loss = loss_fn(model(x), targets[batch])
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(batch)
        history.append(round(total / len(images), 6))
        print(f'epoch {epoch + 1}/{epochs}: train loss {history[-1]:.4f}', flush=True)
    return history


def group_accuracy(correct: np.ndarray, groups: np.ndarray) -> dict:
    """Accuracy per Fitzpatrick type = mean of (prediction == label) over the group's test images."""
    out = {}
    for value in FITZPATRICK:
        mask = groups == value
        out[value] = {'n': int(mask.sum()), 'correct': int(correct[mask].sum()), 'accuracy': round(float(correct[mask].mean()), 6)}
    return out


def pooled_gap(correct: np.ndarray, groups: np.ndarray, draws: int, seed: int) -> dict:
    """Gap = accuracy(I-IV) - accuracy(V-VI); 95% CI by a stratified percentile bootstrap (each pool resampled with replacement)."""
    light = correct[np.isin(groups, list(LIGHT))].astype(np.float64)
    dark = correct[np.isin(groups, list(DARK))].astype(np.float64)
    rng = np.random.default_rng(seed)
    light_means = rng.choice(light, size=(draws, len(light)), replace=True).mean(axis=1)
    dark_means = rng.choice(dark, size=(draws, len(dark)), replace=True).mean(axis=1)
    gaps = light_means - dark_means
    low, high = np.percentile(gaps, [2.5, 97.5])
    return {
        'accuracyIToIV': round(float(light.mean()), 6), 'nIToIV': int(len(light)),
        'accuracyVToVI': round(float(dark.mean()), 6), 'nVToVI': int(len(dark)),
        'gap': round(float(light.mean() - dark.mean()), 6),
        'ci95': [round(float(low), 6), round(float(high), 6)],
        'bootstrap': {'draws': draws, 'seed': seed, 'method': 'percentile, I-IV and V-VI resampled separately'},
    }


def export_onnx(model: nn.Module, path: str, metadata: dict) -> None:
    model.eval()
    dummy = torch.zeros(1, 3, SIZE, SIZE)
    torch.onnx.export(model, dummy, path, input_names=['image'], output_names=['logits'], opset_version=OPSET,
                      do_constant_folding=True, dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}})
    proto = onnx.load(path)
    proto.doc_string = 'Fairframe demo lesion classifier (synthetic data, not for clinical use).'
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, path)


def onnxruntime_logits(model_path: str, images: torch.Tensor) -> np.ndarray:
    """Runs the exported model with onnxruntime-node (Python onnxruntime is not packaged by Debian)."""
    root = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        input_path = os.path.join(tmp, 'input.f32')
        output_path = os.path.join(tmp, 'output.json')
        images.numpy().astype('<f4').tofile(input_path)
        script = (
            "const ort = require(require.resolve('onnxruntime-node', { paths: [process.argv[1]] }));"
            "const fs = require('fs');"
            "(async () => {"
            "  const [, root, model, input, output, n] = process.argv;"
            "  const buf = fs.readFileSync(input);"
            "  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);"
            f"  const tensor = new ort.Tensor('float32', data, [Number(n), 3, {SIZE}, {SIZE}]);"
            "  const session = await ort.InferenceSession.create(model);"
            "  const result = await session.run({ image: tensor });"
            "  fs.writeFileSync(output, JSON.stringify({ dims: result.logits.dims, data: Array.from(result.logits.data) }));"
            "})().catch((error) => { console.error(error); process.exit(1); });"
        )
        subprocess.run(['node', '-e', script, root, model_path, input_path, output_path, str(len(images))], check=True)
        with open(output_path, encoding='utf-8') as handle:
            result = json.load(handle)
    return np.asarray(result['data'], dtype=np.float32).reshape(result['dims'])


def sha256(path: str) -> str:
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def main() -> None:
    args = parse_args()
    started = time.time()
    seed_everything(args.seed, args.threads)
    rows = read_rows(args.data)
    with open(args.truth, encoding='utf-8') as handle:
        truth = json.load(handle)

    train_rows_all, train_pixels_all, train_skipped = load_split(rows, args.data, 'train')
    test_rows, test_pixels, test_skipped = load_split(rows, args.data, 'test')
    train_rows, train_pixels = skew_training_set(train_rows_all, train_pixels_all, args.dark_keep, args.seed)

    scaled = train_pixels.astype(np.float64) * SCALE
    mean = scaled.mean(axis=(0, 1, 2))
    std = scaled.std(axis=(0, 1, 2))
    mean_list = [round(float(m), 6) for m in mean]
    std_list = [round(float(s), 6) for s in std]
    mean, std = np.asarray(mean_list), np.asarray(std_list)

    train_x = to_tensor(train_pixels, mean, std)
    train_y = torch.tensor([CLASSES.index(normalise_label(r['label'])) for r in train_rows])
    test_x = to_tensor(test_pixels, mean, std)

    model = LesionCnn(args.width, len(CLASSES))
    history = train(model, train_x, train_y, args.epochs, args.seed)
    model.eval()
    with torch.no_grad():
        test_logits = torch.cat([model(test_x[i:i + 128]) for i in range(0, len(test_x), 128)])
    probs = torch.softmax(test_logits, dim=1).numpy().astype(np.float64)
    predicted = probs.argmax(axis=1)

    given = np.asarray([CLASSES.index(normalise_label(r['label'])) for r in test_rows])
    true_by_file = {r['file_name']: normalise_label(r['label']) for r in test_rows}
    for flip in truth['defects']['labelFlips']:
        true_by_file[flip['file']] = flip['trueLabel']
    for pair in truth['defects']['nearDuplicates']['pairs']:
        if pair['copy'] in true_by_file:
            true_by_file[pair['copy']] = pair['trueLabel']
    true = np.asarray([CLASSES.index(true_by_file[r['file_name']]) for r in test_rows])
    groups = np.asarray([r['fitzpatrick'] for r in test_rows])

    correct_given = predicted == given
    correct_true = predicted == true
    flipped_files = {f['file'] for f in truth['defects']['labelFlips']}
    is_flip = np.asarray([r['file_name'] in flipped_files for r in test_rows])
    self_confidence = probs[np.arange(len(given)), given]
    # Label-issue ranking: lower self-confidence of the given label = more suspect; AP as in sklearn.
    flip_ap = float(average_precision_score(is_flip, -self_confidence))
    wrong_label = given != true
    wrong_ap = float(average_precision_score(wrong_label, -self_confidence))

    composition = {}
    for r in train_rows:
        cell = composition.setdefault(r['fitzpatrick'], {c: 0 for c in CLASSES})
        cell[normalise_label(r['label'])] += 1
    composition = {k: composition.get(k, {c: 0 for c in CLASSES}) for k in FITZPATRICK}
    available = {k: sum(1 for r in train_rows_all if r['fitzpatrick'] == k) for k in FITZPATRICK}

    labels_json = json.dumps(CLASSES)
    fairframe_meta = {
        'labels': CLASSES, 'outputKind': 'logits', 'trainedOn': 'train',
        'preprocess': {'width': SIZE, 'height': SIZE, 'resize': 'stretch', 'layout': 'NCHW', 'channels': 3,
                       'channelOrder': 'RGB', 'scale': SCALE, 'mean': mean_list, 'std': std_list, 'inputType': 'float32'},
    }
    metadata = {'fairframe': json.dumps(fairframe_meta, separators=(',', ':')), 'labels': labels_json}

    report = {
        'command': ' '.join(['/usr/bin/python3', 'scripts/models/trainDemoModel.py'] + sys.argv[1:]),
        'seeds': {'python': args.seed, 'numpy': args.seed, 'torch': args.seed, 'subsample': args.seed, 'bootstrap': args.seed},
        'threads': args.threads, 'epochs': args.epochs, 'firstConvChannels': args.width,
        'optimiser': 'Adam, one-cycle lr (max 3e-3), weight decay 1e-4, batch 64, random h/v flips',
        'torchVersion': torch.__version__, 'onnxVersion': onnx.__version__, 'numpyVersion': np.__version__, 'opset': OPSET,
        'parameters': int(sum(p.numel() for p in model.parameters())),
        'trainSet': {
            'darkKeepFraction': args.dark_keep,
            'rule': 'train split only; Fitzpatrick V and VI subsampled to darkKeepFraction per (class, type) cell; labels case/space-folded',
            'images': len(train_rows), 'readableTrainImages': len(train_rows_all), 'readablePerFitzpatrick': available,
            'perFitzpatrickAndClass': composition,
            'perFitzpatrick': {k: sum(v.values()) for k, v in composition.items()},
            'skippedUnreadable': train_skipped,
            'labelsNormalised': {label: sum(1 for r in train_rows if r['label'] == label)
                                 for label in sorted({r['label'] for r in train_rows if r['label'] != normalise_label(r['label'])})},
        },
        'trainLoss': history,
        'preprocess': fairframe_meta['preprocess'],
        'test': {
            'images': len(test_rows), 'skippedUnreadable': test_skipped,
            'note': 'givenLabel = label column with case/space folded (planted flips left as written); trueLabel = demo-truth.json',
            'accuracyGivenLabel': round(float(correct_given.mean()), 6),
            'accuracyTrueLabel': round(float(correct_true.mean()), 6),
            'perFitzpatrickGivenLabel': group_accuracy(correct_given, groups),
            'perFitzpatrickTrueLabel': group_accuracy(correct_true, groups),
            'gapGivenLabel': pooled_gap(correct_given, groups, args.bootstrap, args.seed),
            'gapTrueLabel': pooled_gap(correct_true, groups, args.bootstrap, args.seed),
        },
        'labelFlips': {
            'planted': int(is_flip.sum()),
            'averagePrecision': round(flip_ap, 6),
            'averagePrecisionAllWrongLabels': round(wrong_ap, 6), 'wrongLabels': int(wrong_label.sum()),
            'score': '1 - softmax probability of the given label, over the test split (sklearn average_precision_score)',
            'meanSelfConfidenceFlipped': round(float(self_confidence[is_flip].mean()), 6),
            'meanSelfConfidenceOthers': round(float(self_confidence[~is_flip].mean()), 6),
            'flippedPredictedAsTrueLabel': int((predicted[is_flip] == true[is_flip]).sum()),
        },
    }

    if not args.skip_export:
        os.makedirs(args.out, exist_ok=True)
        model_path = os.path.join(args.out, 'lesion-cnn.onnx')
        export_onnx(model, model_path, metadata)
        proto = onnx.load(model_path)
        op_types = sorted({node.op_type for node in proto.graph.node})
        check = test_x[:8]
        with torch.no_grad():
            torch_logits = model(check).numpy()
        ort_logits = onnxruntime_logits(model_path, check)
        difference = float(np.abs(torch_logits - ort_logits).max())
        if difference > 1e-4:
            sys.exit(f'{model_path}: ONNX Runtime logits differ from PyTorch by {difference:.3g} (> 1e-4); check the export.')
        report['onnx'] = {
            'file': 'lesion-cnn.onnx', 'bytes': os.path.getsize(model_path), 'sha256': sha256(model_path),
            'opTypes': op_types, 'opset': OPSET, 'inputs': ['image [batch,3,64,64] float32'], 'outputs': ['logits [batch,4] float32'],
            'metadataProps': metadata,
            'checker': 'onnx.checker.check_model passed',
            'onnxruntimeCheck': {'runtime': 'onnxruntime-node', 'images': len(check), 'maxAbsLogitDifference': difference},
        }
    seconds = round(time.time() - started, 1)

    summary = report['test']
    print(json.dumps({'accuracyGivenLabel': summary['accuracyGivenLabel'], 'accuracyTrueLabel': summary['accuracyTrueLabel'],
                      'gapGivenLabel': summary['gapGivenLabel'], 'perFitzpatrickGivenLabel': summary['perFitzpatrickGivenLabel'],
                      'labelFlipAP': report['labelFlips']['averagePrecision'], 'seconds': seconds}, indent=1))
    if not args.skip_export:
        with open(os.path.join(args.out, 'training-report.json'), 'w', encoding='utf-8') as handle:
            json.dump(report, handle, indent=2)
            handle.write('\n')


if __name__ == '__main__':
    main()
