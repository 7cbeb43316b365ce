"""Full-size torchvision classifiers (random weights, 10 classes, opset 13, 224 × 224) with PyTorch autograd's Grad-CAM
map, input gradient and timings, for scripts/bench/gradientBench.ts. Writes to bench-data/gradient-models/ (git-ignored).
ViT-B/16: the token-map Grad-CAM at the input of the last encoder block (class token left out, 14 × 14 patch grid);
its zero-initialised head and class token are drawn at random so the logits are not zero.

Run with the Debian python3 (torch, torchvision):  nice -n 10 /usr/bin/python3 scripts/reference/fullSizeGradients.py [names…]
"""
import base64
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models as tvm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'bench-data', 'gradient-models')
torch.set_num_threads(2)


def densenet121():
    model = tvm.densenet121(num_classes=10)
    model.head_relu = nn.ReLU()  # the head's in-place functional relu, made a module so it can be hooked

    def forward(x):
        out = F.adaptive_avg_pool2d(model.head_relu(model.features(x)), (1, 1))
        return model.classifier(torch.flatten(out, 1))
    model.forward = forward
    return model


def vit_b_16():
    model = tvm.vit_b_16(num_classes=10)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        model.heads.head.weight.copy_(torch.randn(model.heads.head.weight.shape, generator=g) * 0.05)
        model.heads.head.bias.copy_(torch.randn(model.heads.head.bias.shape, generator=g) * 0.1)
        model.class_token.copy_(torch.randn(model.class_token.shape, generator=g) * 0.5)
    return model


# name → (constructor, the module whose output is the last feature map every path passes through)
MODELS = {
    'resnet18': (lambda: tvm.resnet18(num_classes=10), lambda m: m.layer4),
    'resnet50': (lambda: tvm.resnet50(num_classes=10), lambda m: m.layer4),
    'mobilenet_v2': (lambda: tvm.mobilenet_v2(num_classes=10), lambda m: m.features),
    'mobilenet_v3_small': (lambda: tvm.mobilenet_v3_small(num_classes=10), lambda m: m.features),
    'efficientnet_b0': (lambda: tvm.efficientnet_b0(num_classes=10), lambda m: m.features),
    'squeezenet1_1': (lambda: tvm.squeezenet1_1(num_classes=10), lambda m: m.classifier[2]),
    'vgg11_bn': (lambda: tvm.vgg11_bn(num_classes=10), lambda m: m.avgpool),
    'densenet121': (densenet121, lambda m: m.head_relu),
    'googlenet': (lambda: tvm.googlenet(num_classes=10, aux_logits=False, init_weights=True), lambda m: m.inception5b),
    'shufflenet_v2_x1_0': (lambda: tvm.shufflenet_v2_x1_0(num_classes=10), lambda m: m.conv5),
    'convnext_tiny': (lambda: tvm.convnext_tiny(num_classes=10), lambda m: m.features),
    'regnet_y_400mf': (lambda: tvm.regnet_y_400mf(num_classes=10), lambda m: m.trunk_output),
    'vit_b_16': (vit_b_16, lambda m: m.encoder.layers[-1]),
}
TOKEN_MODELS = {'vit_b_16'}


def b64(tensor):
    return base64.b64encode(tensor.detach().contiguous().numpy().astype('<f4').tobytes()).decode('ascii')


def best_of(count, run):
    times = []
    for _ in range(count):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main():
    os.makedirs(OUT, exist_ok=True)
    names = sys.argv[1:] or list(MODELS)
    for name in names:
        make, layer_of = MODELS[name]
        torch.manual_seed(0)
        model = make().eval()
        x = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(2)) * 2 - 1
        kept = {}
        tokens = name in TOKEN_MODELS
        if tokens:
            layer_of(model).register_forward_pre_hook(lambda _m, inputs: kept.__setitem__('a', inputs[0]))
        else:
            layer_of(model).register_forward_hook(lambda _m, _i, out: kept.__setitem__('a', out))
        xg = x.clone().requires_grad_(True)
        logits = model(xg)
        cls = int(logits.argmax())
        grad_a, grad_x = torch.autograd.grad(logits[0, cls], [kept['a'], xg])
        if tokens:
            grid = int(round((kept['a'].shape[1] - 1) ** 0.5))
            activation, gradient = kept['a'][0, 1:, :], grad_a[0, 1:, :]
            cam = F.relu((activation * gradient.mean(dim=0)).sum(dim=1)).reshape(grid, grid)
        else:
            cam = F.relu((grad_a.mean(dim=(2, 3), keepdim=True) * kept['a']).sum(dim=1))[0]
        torch.onnx.export(model, x, os.path.join(OUT, f'{name}.onnx'), opset_version=13, input_names=['input'], output_names=['logits'])

        def forward():
            with torch.no_grad():
                model(x)

        def grad_cam():
            out = model(x)
            torch.autograd.grad(out[0, cls], [kept['a']])

        def input_gradient():
            xi = x.clone().requires_grad_(True)
            torch.autograd.grad(model(xi)[0, cls], [xi])

        timings = {'forwardMs': best_of(3, forward), 'gradCamMs': best_of(3, grad_cam), 'inputGradientMs': best_of(3, input_gradient)}
        if name in ('resnet50', 'vit_b_16'):
            def integrated_gradients():
                for k in range(32):
                    xi = (x * (k + 0.5) / 32).requires_grad_(True)
                    torch.autograd.grad(model(xi)[0, cls], [xi])
            timings['integratedGradients32Ms'] = best_of(1, integrated_gradients)
        reference = {'name': name, 'classIndex': cls, 'input': b64(x), 'logits': [float(v) for v in logits[0].detach()],
                     'camShape': list(cam.shape), 'cam': b64(cam), 'inputGradient': b64(grad_x), 'pytorch': timings}
        with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
            json.dump(reference, f)
        print(name, cls, list(cam.shape), {k: round(v, 1) for k, v in timings.items()}, flush=True)


if __name__ == '__main__':
    main()
