"""Writes test/fixtures/inference/nan_when_dark.onnx: a tiny classifier whose output is NaN for dark images.

Run with a Python that has numpy and onnx:  /usr/bin/python3 scripts/models/makeNonFiniteModel.py
The model reads a float32 [batch,3,4,4] NCHW image, computes m = the mean of all its (preprocessed) values, and outputs
logits = [4m − 2, 2 − 4m] + 0 · log(m − 0.25). For m > 0.25 the log is finite and adds nothing (an image brighter than
mid-grey is class 0); for m < 0.25 it is log of a negative number, NaN, and 0 · NaN keeps the whole row NaN; m = 0.25
gives 0 · (−∞) = NaN too. With the default preprocessing (scale 1/255, no mean/std) a grey level below 63.75 is NaN.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'inference', 'nan_when_dark.onnx')


def build() -> onnx.ModelProto:
    inits = [
        numpy_helper.from_array(np.array([[4.0, -4.0]], dtype=np.float32), 'W'),
        numpy_helper.from_array(np.array([-2.0, 2.0], dtype=np.float32), 'B'),
        numpy_helper.from_array(np.array(0.25, dtype=np.float32), 'threshold'),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), 'zero'),
    ]
    nodes = [
        helper.make_node('ReduceMean', ['image'], ['features'], axes=[2, 3], keepdims=0),  # [N,3]
        helper.make_node('ReduceMean', ['features'], ['m'], axes=[1], keepdims=1),  # [N,1]
        helper.make_node('MatMul', ['m', 'W'], ['mw']),
        helper.make_node('Add', ['mw', 'B'], ['head']),  # [N,2]
        helper.make_node('Sub', ['m', 'threshold'], ['shifted']),
        helper.make_node('Log', ['shifted'], ['log']),  # NaN when m < 0.25
        helper.make_node('Mul', ['log', 'zero'], ['poison']),  # 0 when finite, NaN otherwise
        helper.make_node('Add', ['head', 'poison'], ['logits']),
    ]
    graph = helper.make_graph(
        nodes, 'nan_when_dark',
        [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['batch', 3, 4, 4])],
        [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['batch', 2])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='fairframe-test-fixtures')
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def reference(images: np.ndarray) -> np.ndarray:
    """The model's output computed with numpy, for checking the saved file."""
    m = images.reshape(images.shape[0], -1).mean(axis=1, keepdims=True)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.concatenate([4 * m - 2, 2 - 4 * m], axis=1) + 0 * np.log(m - 0.25)


if __name__ == '__main__':
    onnx.save(build(), OUT)
    print(f'wrote {os.path.relpath(OUT)}; logits for grey levels 20, 100, 230:')
    print(reference(np.stack([np.full((3, 4, 4), level / 255, dtype=np.float32) for level in (20, 100, 230)])))
