"""Golden cases for the issue #13 layers, computed by real Keras 3 (numpy backend).

Layers: RMSNormalization, GroupNormalization, UnitNormalization, PReLU, Identity, AlphaDropout,
ActivityRegularization. Each case builds the Keras layer, sets its weights to seeded numpy values
(not its initializers), runs it on a seeded float32 input with training=False, and records the
input, the weights (in Keras's order, with their names), the output, the layer's get_config()
before and after the call, and, for ActivityRegularization, the loss the layer added.

Run (see shared/tools/keras3/README.md; the Keras source is extracted outside the repository):
    PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/layers13_golden.py
Writes test/fixtures/layers13_golden.json.
"""
import json
import os

import keras_numpy_env  # noqa: F401  (must come before keras)
import numpy as np

import keras

rng = np.random.default_rng(20260913)


def arr(a):
    a = np.asarray(a)
    return {"shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def plain(v):
    """get_config() values as JSON (tuples become lists)."""
    return json.loads(json.dumps(v, default=lambda o: list(o) if isinstance(o, tuple) else str(o)))


def case(label, cls_name, kwargs, in_shape, weight_fn=None, input_fn=None):
    layer = getattr(keras.layers, cls_name)(**kwargs)
    config_before = plain(layer.get_config())
    if input_fn is None:
        x = rng.standard_normal(in_shape).astype("float32") * 2 + 0.3
    else:
        x = input_fn(in_shape).astype("float32")
    layer.build(in_shape)
    weights = []
    for w in layer.weights:
        v = weight_fn(w) if weight_fn else rng.uniform(-1.5, 1.5, tuple(w.shape))
        weights.append({"name": w.name, "trainable": bool(w.trainable), **arr(v.astype("float32"))})
    if weights:
        layer.set_weights([np.asarray(w["data"], "float32").reshape(w["shape"]) for w in weights])
    y = layer(x, training=False) if cls_name == "AlphaDropout" else layer(x)
    out = {
        "label": label,
        "className": cls_name,
        "kwargs": plain(kwargs),
        "input": arr(x),
        "weights": weights,
        "output": arr(np.asarray(y)),
        "config": config_before,
        "configAfterCall": plain(layer.get_config()),
    }
    if layer.losses:
        out["losses"] = [float(np.asarray(v)) for v in layer.losses]
    return out


cases = [
    # RMSNormalization: the default, a middle axis, several axes, another epsilon.
    case("rms default", "RMSNormalization", {}, (3, 5)),
    # Keras broadcasts `scale` from the right, so only trailing axes work there.
    case("rms axis 2 of rank 3", "RMSNormalization", {"axis": 2}, (2, 4, 3)),
    case("rms axes [1, 2]", "RMSNormalization", {"axis": [1, 2], "epsilon": 1e-3}, (2, 3, 4)),
    case(
        "rms small values",
        "RMSNormalization",
        {"epsilon": 1e-2},
        (2, 4),
        input_fn=lambda s: rng.standard_normal(s) * 0.05,
    ),
    # GroupNormalization: groups and axes.
    case("group groups 2, axis -1", "GroupNormalization", {"groups": 2}, (3, 4, 6)),
    case("group groups 1 (layer norm)", "GroupNormalization", {"groups": 1}, (2, 5)),
    case("group groups -1 (instance norm)", "GroupNormalization", {"groups": -1}, (2, 3, 4)),
    case("group axis 1, channels first", "GroupNormalization", {"groups": 3, "axis": 1}, (2, 6, 2, 3)),
    case("group axis -2", "GroupNormalization", {"groups": 2, "axis": -2}, (2, 3, 4, 2)),
    case(
        "group no center, eps 1e-5",
        "GroupNormalization",
        {"groups": 4, "center": False, "epsilon": 1e-5},
        (2, 3, 8),
    ),
    case("group no scale", "GroupNormalization", {"groups": 2, "scale": False}, (2, 2, 2, 4)),
    case(
        "group with regularizers and constraints",
        "GroupNormalization",
        {
            "groups": 2,
            "gamma_initializer": "random_uniform",
            "beta_initializer": "ones",
            "gamma_regularizer": "l2",
            "beta_regularizer": {"class_name": "L1", "config": {"l1": 0.02}},
            "gamma_constraint": "non_neg",
            "beta_constraint": {"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}},
        },
        (2, 4),
    ),
    # UnitNormalization.
    case("unit default", "UnitNormalization", {}, (3, 4)),
    case("unit axis [1, 2]", "UnitNormalization", {"axis": [1, 2]}, (2, 3, 2)),
    case("unit axis 1 with zeros", "UnitNormalization", {"axis": 1}, (2, 3, 2),
         input_fn=lambda s: np.concatenate([np.zeros((1,) + s[1:]), rng.standard_normal((1,) + s[1:])])),
    # PReLU.
    case("prelu default", "PReLU", {}, (3, 4)),
    case("prelu shared axes [1, 2]", "PReLU", {"shared_axes": [1, 2]}, (2, 3, 2, 4)),
    case("prelu shared axis 1", "PReLU", {"shared_axes": 1}, (2, 3, 4)),
    case(
        "prelu options",
        "PReLU",
        {
            "alpha_initializer": "ones",
            "alpha_regularizer": "l1",
            "alpha_constraint": "non_neg",
        },
        (2, 5),
    ),
    # The others.
    case("identity", "Identity", {}, (2, 3)),
    case("alpha dropout inference", "AlphaDropout", {"rate": 0.3}, (3, 4)),
    case(
        "alpha dropout options",
        "AlphaDropout",
        {"rate": 0.2, "noise_shape": [None, 1], "seed": 7},
        (3, 4),
    ),
    case("activity regularization", "ActivityRegularization", {"l1": 0.01, "l2": 0.02}, (4, 3)),
    case("activity regularization default", "ActivityRegularization", {}, (2, 3)),
]

# AlphaDropout in training: Keras's own draws, to check the statistics property (mean and
# variance kept) and the affine map of kept / dropped entries, not the mask itself.
ad = keras.layers.AlphaDropout(rate=0.25, seed=3)
x = rng.standard_normal((200, 50)).astype("float32")
y = np.asarray(ad(x, training=True))
alpha_dropout_training = {
    "rate": 0.25,
    "inputMean": float(x.mean()),
    "inputVar": float(x.var()),
    "outputMean": float(y.mean()),
    "outputVar": float(y.var()),
}

out = {
    "keras": keras.__version__,
    "backend": keras.backend.backend(),
    "cases": cases,
    "alphaDropoutTraining": alpha_dropout_training,
}
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "layers13_golden.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")
