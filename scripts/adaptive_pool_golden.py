"""Golden cases for the adaptive pooling layers and ops, computed by real Keras 3 (numpy
backend): AdaptiveAveragePooling1D/2D/3D, AdaptiveMaxPooling1D/2D/3D and
keras.ops.adaptive_average_pool / adaptive_max_pool.

Keras's bins are PyTorch's: bin i of an axis of length L pooled to `out` covers
[floor(i·L/out), ceil((i+1)·L/out)). The cases cover sizes that divide evenly and sizes that
do not, outputs larger than the input, out == L and out == 1, both data formats, and 1-D, 2-D
and 3-D inputs. Each layer case records the seeded float32 input, the output and
get_config(); each op case the input, the arguments and the output.

Run (see shared/tools/keras3/README.md; the Keras source is extracted outside the repository):
    PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/adaptive_pool_golden.py
Writes test/fixtures/adaptive_pool_golden.json.
"""
import json
import os

import keras_numpy_env  # noqa: F401  (must come before keras)
import numpy as np

import keras

rng = np.random.default_rng(20260917)


def arr(a):
    """Shape and values; float32 values in their shortest exact decimal form."""
    a = np.asarray(a, dtype="float32")
    return {"shape": list(a.shape), "data": [float(repr(v)) for v in a.ravel()]}


def plain(v):
    return json.loads(json.dumps(v, default=lambda o: list(o) if isinstance(o, tuple) else str(o)))


def layer_case(label, cls_name, output_size, data_format, in_shape):
    layer = getattr(keras.layers, cls_name)(output_size=output_size, data_format=data_format)
    x = rng.standard_normal(in_shape).astype("float32")
    y = np.asarray(layer(x))
    assert tuple(y.shape) == tuple(layer.compute_output_shape(in_shape)), label
    return {
        "label": label,
        "className": cls_name,
        "outputSize": plain(output_size),
        "dataFormat": data_format,
        "input": arr(x),
        "output": arr(y),
        "config": plain(layer.get_config()),
    }


def op_case(label, op, output_size, data_format, in_shape):
    x = rng.standard_normal(in_shape).astype("float32")
    y = np.asarray(getattr(keras.ops, op)(x, output_size=output_size, data_format=data_format))
    return {
        "label": label,
        "op": op,
        "outputSize": plain(output_size),
        "dataFormat": data_format,
        "input": arr(x),
        "output": arr(y),
    }


def spatial(shape, df):
    """A channels-last shape [n, *spatial, c] in `df`'s layout."""
    if df == "channels_last":
        return shape
    return [shape[0], shape[-1], *shape[1:-1]]


# (input spatial sizes, output_size as passed to the layer)
SIZES = {
    1: [([8], 4), ([7], 3), ([5], (3,)), ([3], 5), ([6], 1), ([4], 4), ([10], 4)],
    2: [([8, 6], 2), ([7, 5], (3, 2)), ([5, 9], (4, 4)), ([3, 4], (5, 3)), ([6, 6], 1)],
    3: [([4, 6, 4], 2), ([5, 4, 7], (2, 3, 3)), ([3, 5, 2], (4, 2, 3)), ([2, 3, 3], 1)],
}

cases = []
for d, sizes in SIZES.items():
    for kind in ["Average", "Max"]:
        cls_name = f"Adaptive{kind}Pooling{d}D"
        for sp, out in sizes:
            for df in ["channels_last", "channels_first"]:
                shape = spatial([2 if d == 1 else 1, *sp, 2], df)
                label = f"{cls_name} {sp} -> {out} {df}"
                cases.append(layer_case(label, cls_name, out, df, shape))

ops = [
    ("adaptive_average_pool", 3, "channels_last", [2, 7, 5, 3]),
    ("adaptive_max_pool", 3, "channels_last", [2, 7, 5, 3]),
    ("adaptive_average_pool", (2, 4), "channels_first", [1, 2, 5, 9]),
    ("adaptive_max_pool", (2, 4), "channels_first", [1, 2, 5, 9]),
    ("adaptive_average_pool", 2, "channels_last", [1, 5, 3, 4, 2]),
    ("adaptive_max_pool", (3,), "channels_first", [2, 3, 7]),
]
op_cases = [
    op_case(f"{op} {shape} -> {out} {df}", op, out, df, shape) for op, out, df, shape in ops
]

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "test", "fixtures", "adaptive_pool_golden.json")
with open(path, "w") as f:
    json.dump({"keras": keras.__version__, "cases": cases, "opCases": op_cases}, f)
print("wrote", len(cases), "layer cases and", len(op_cases), "op cases to", path)
