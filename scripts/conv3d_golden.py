"""Golden cases for the issue #13 convolution/pooling/reshaping layers, computed by real Keras 3
(numpy backend): Conv1DTranspose, SeparableConv1D, DepthwiseConv1D, Conv3D, Conv3DTranspose,
MaxPooling3D, AveragePooling3D, GlobalMaxPooling3D, GlobalAveragePooling3D, UpSampling3D,
ZeroPadding3D and Cropping3D.

Each case builds the Keras layer, sets its weights to seeded numpy values (not its
initializers), runs it on a seeded float32 input and records the input, the weights (Keras's
order, with names), the output and get_config().

Run (see shared/tools/keras3/README.md; the Keras source is extracted outside the repository):
    PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/conv3d_golden.py
Writes test/fixtures/conv3d_golden.json.
"""
import json
import os

import keras_numpy_env  # noqa: F401  (must come before keras)
import numpy as np

import keras
from jax import lax


def _conv_transpose(lhs, rhs, strides, padding, rhs_dilation=None, dimension_numbers=None,
                    transpose_kernel=False, precision=None, preferred_element_type=None):
    """jax.lax.conv_transpose, which the shim lacks, by its definition: a stride-1 convolution
    of the stride-dilated input with the explicit padding pairs Keras computed, the kernel's
    spatial axes flipped and its I/O axes swapped (transpose_kernel=True). Negative padding
    crops, as in XLA."""
    lhs = np.asarray(lhs)
    rhs = np.asarray(rhs)
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    if transpose_kernel:
        rhs = np.flip(rhs, axis=tuple(rhs_spec[2:]))
        rhs_spec = (rhs_spec[1], rhs_spec[0]) + tuple(rhs_spec[2:])
    shape = list(lhs.shape)
    sl = [slice(None)] * lhs.ndim
    for ax, s in zip(lhs_spec[2:], strides):
        shape[ax] = (shape[ax] - 1) * int(s) + 1
        sl[ax] = slice(None, None, int(s))
    dil = np.zeros(shape, lhs.dtype)
    dil[tuple(sl)] = lhs
    pos = []
    crop = [slice(None)] * lhs.ndim
    for ax, (lo, hi) in zip(lhs_spec[2:], padding):
        lo, hi = int(lo), int(hi)
        pos.append((max(lo, 0), max(hi, 0)))
        crop[ax] = slice(max(-lo, 0), dil.shape[ax] - max(-hi, 0))
    dil = dil[tuple(crop)]
    return lax.conv_general_dilated(
        dil, rhs, (1,) * (lhs.ndim - 2), pos, rhs_dilation=rhs_dilation,
        dimension_numbers=lax.ConvDimensionNumbers(lhs_spec, rhs_spec, out_spec))


lax.conv_transpose = _conv_transpose

rng = np.random.default_rng(20260914)


def arr(a):
    a = np.asarray(a)
    return {"shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def plain(v):
    return json.loads(json.dumps(v, default=lambda o: list(o) if isinstance(o, tuple) else str(o)))


def case(label, cls_name, kwargs, in_shape):
    layer = getattr(keras.layers, cls_name)(**kwargs)
    x = rng.standard_normal(in_shape).astype("float32")
    layer.build(in_shape)
    weights = []
    for w in layer.weights:
        v = rng.uniform(-1.0, 1.0, tuple(w.shape)).astype("float32")
        weights.append({"name": w.name, **arr(v)})
    if weights:
        layer.set_weights([np.asarray(w["data"], "float32").reshape(w["shape"]) for w in weights])
    y = layer(x)
    return {
        "label": label,
        "className": cls_name,
        "kwargs": plain(kwargs),
        "input": arr(x),
        "weights": weights,
        "output": arr(np.asarray(y)),
        "config": plain(layer.get_config()),
    }


cases = [
    # Checks the conv_transpose stand-in above against Tessera's own Conv2DTranspose.
    case("c2t check", "Conv2DTranspose", dict(filters=2, kernel_size=(3, 2), strides=(2, 3), padding="same"), (1, 3, 2, 2)),
    case("c2t check op", "Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, output_padding=1), (1, 2, 3, 2)),
    # Conv1DTranspose
    case("c1t valid", "Conv1DTranspose", dict(filters=3, kernel_size=3), (2, 5, 2)),
    case("c1t s2 same", "Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same"), (2, 5, 3)),
    case("c1t s3 valid k2", "Conv1DTranspose", dict(filters=2, kernel_size=2, strides=3), (1, 4, 2)),
    case("c1t s2 op1", "Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2, output_padding=1), (1, 4, 2)),
    case("c1t s2 same op1 k4", "Conv1DTranspose", dict(filters=2, kernel_size=4, strides=2, padding="same", output_padding=1), (1, 5, 2)),
    case("c1t dil2 same", "Conv1DTranspose", dict(filters=2, kernel_size=3, dilation_rate=2, padding="same", activation="tanh"), (2, 6, 2)),
    # SeparableConv1D
    case("sep1 valid", "SeparableConv1D", dict(filters=3, kernel_size=3), (2, 7, 2)),
    case("sep1 s2 same dm2", "SeparableConv1D", dict(filters=4, kernel_size=3, strides=2, padding="same", depth_multiplier=2), (2, 7, 3)),
    case("sep1 dil2 relu", "SeparableConv1D", dict(filters=2, kernel_size=2, dilation_rate=2, activation="relu"), (1, 8, 2)),
    # DepthwiseConv1D
    case("dw1 valid", "DepthwiseConv1D", dict(kernel_size=3), (2, 6, 3)),
    case("dw1 s2 same dm2", "DepthwiseConv1D", dict(kernel_size=4, strides=2, padding="same", depth_multiplier=2), (2, 7, 2)),
    case("dw1 dil2 nobias", "DepthwiseConv1D", dict(kernel_size=2, dilation_rate=3, use_bias=False), (1, 8, 2)),
    # Global pooling 3D
    case("gmp3", "GlobalMaxPooling3D", dict(), (2, 3, 4, 2, 3)),
    case("gmp3 keepdims", "GlobalMaxPooling3D", dict(keepdims=True), (2, 3, 2, 2, 2)),
    case("gap3", "GlobalAveragePooling3D", dict(), (2, 3, 4, 2, 3)),
    case("gap3 keepdims", "GlobalAveragePooling3D", dict(keepdims=True), (1, 2, 3, 2, 2)),
    # Window pooling 3D
    case("mp3 default", "MaxPooling3D", dict(), (2, 4, 5, 4, 2)),
    case("mp3 same s1", "MaxPooling3D", dict(pool_size=(2, 3, 2), strides=1, padding="same"), (1, 3, 4, 3, 2)),
    case("mp3 same s2 p3", "MaxPooling3D", dict(pool_size=3, strides=(2, 2, 1), padding="same"), (1, 5, 4, 3, 2)),
    case("ap3 default", "AveragePooling3D", dict(pool_size=2), (2, 4, 5, 4, 2)),
    case("ap3 same s1", "AveragePooling3D", dict(pool_size=(2, 3, 2), strides=1, padding="same"), (1, 3, 4, 3, 2)),
    case("ap3 same s2 p3", "AveragePooling3D", dict(pool_size=3, strides=(2, 2, 1), padding="same"), (1, 5, 4, 3, 2)),
    case("ap3 valid s1", "AveragePooling3D", dict(pool_size=(3, 2, 2), strides=(1, 2, 1)), (1, 4, 5, 3, 2)),
    # Reshaping 3D
    case("up3 default", "UpSampling3D", dict(), (1, 2, 3, 2, 2)),
    case("up3 123", "UpSampling3D", dict(size=(1, 2, 3)), (2, 2, 2, 2, 1)),
    case("zp3 default", "ZeroPadding3D", dict(), (1, 2, 2, 2, 2)),
    case("zp3 pairs", "ZeroPadding3D", dict(padding=((1, 0), (0, 2), (2, 1))), (1, 2, 3, 2, 1)),
    case("zp3 sym", "ZeroPadding3D", dict(padding=(1, 0, 2)), (1, 2, 2, 2, 1)),
    case("cr3 default", "Cropping3D", dict(), (1, 4, 4, 4, 2)),
    case("cr3 pairs", "Cropping3D", dict(cropping=((1, 0), (0, 2), (2, 1))), (1, 3, 4, 5, 1)),
    case("cr3 sym", "Cropping3D", dict(cropping=(1, 0, 2)), (1, 3, 2, 5, 1)),
    # Conv3D
    case("c3 valid", "Conv3D", dict(filters=3, kernel_size=2), (2, 3, 4, 3, 2)),
    case("c3 same s2", "Conv3D", dict(filters=2, kernel_size=(3, 2, 3), strides=2, padding="same"), (1, 5, 4, 5, 2)),
    case("c3 dil2", "Conv3D", dict(filters=2, kernel_size=2, dilation_rate=(2, 1, 2), padding="same", activation="relu"), (1, 4, 3, 4, 2)),
    case("c3 groups2", "Conv3D", dict(filters=4, kernel_size=(2, 2, 1), groups=2, strides=(1, 2, 1)), (1, 3, 4, 2, 4)),
    # Conv3DTranspose
    case("c3t valid", "Conv3DTranspose", dict(filters=2, kernel_size=2), (1, 2, 3, 2, 3)),
    case("c3t same s2", "Conv3DTranspose", dict(filters=2, kernel_size=(3, 2, 3), strides=2, padding="same"), (1, 3, 2, 3, 2)),
    case("c3t s3 k2", "Conv3DTranspose", dict(filters=1, kernel_size=2, strides=(3, 1, 2)), (1, 2, 2, 2, 2)),
    case("c3t op1", "Conv3DTranspose", dict(filters=2, kernel_size=3, strides=2, output_padding=(1, 0, 1)), (1, 2, 2, 3, 1)),
    case("c3t same op k4", "Conv3DTranspose", dict(filters=1, kernel_size=(4, 3, 2), strides=2, padding="same", output_padding=1), (1, 3, 2, 2, 2)),
    case("c3t dil2 same", "Conv3DTranspose", dict(filters=2, kernel_size=2, dilation_rate=2, padding="same"), (1, 3, 3, 2, 1)),
]

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "test", "fixtures", "conv3d_golden.json")
with open(out, "w") as f:
    json.dump({"keras": keras.__version__, "cases": cases}, f)
print("wrote", len(cases), "cases to", out)
