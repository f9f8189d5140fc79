"""Golden cases for Tessera's ConvLSTM3D, SpectralNormalization, HashedCrossing and
ReversibleEmbedding, from real Keras 3 (numpy backend).

Run: PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/layers_extra14_golden.py
(Keras v3.15.1 extracted to /tmp/keras-src; see ../shared/tools/keras3/README.md.)
Writes test/fixtures/layers_extra14_golden.json:
- convlstm3d: per case the layer's weights (seeded values set with set_weights, Keras's order and
  paths), input and outputs (output, then final h and c with return_state); a saved model
  (.keras bytes, base64; its weight paths) with its input and prediction.
- spectral: per case the wrapped layer's weights and the vector `u` set to fixed values, the
  output of an inference call on them, the output of a training call, `u` and the kernel after
  it, and the output of an inference call after it; Keras's weight order, config and the paths of
  a saved model's weight file.
- reversible: forward (ids → vectors, with the mask) and reverse (vectors → logits) calls.
- hashed_crossing: Keras's HashedCrossing needs TensorFlow (`tf.sparse.cross_hashed`), which this
  machine lacks; its cases are the expected values of Keras's own hashed_crossing_test.py (run
  there under TensorFlow), written out here so that the fixture keeps every golden in one place.
"""
import keras_numpy_env  # noqa: F401  (must come first)

import base64
import io
import json
import os
import zipfile

import h5py
import keras
import numpy as np
from keras import layers as L

rng = np.random.default_rng(1414)


def arr(x):
    x = np.asarray(x)
    return {"shape": list(x.shape), "data": x.astype(np.float64).ravel().tolist()}


def seeded_weights(layer, scale=0.4):
    ws = [(rng.standard_normal(w.shape) * scale).astype(np.float32) for w in layer.weights]
    layer.set_weights(ws)
    return [
        {"path": w.path, "shape": list(w.shape), "data": np.asarray(v, np.float64).ravel().tolist()}
        for w, v in zip(layer.weights, ws)
    ]


def saved(model, path):
    model.save(path)
    out = []
    with open(path, "rb") as f:
        raw = f.read()
    with zipfile.ZipFile(path) as z:
        data = z.read("model.weights.h5")
        cfg = json.loads(z.read("config.json"))
    with h5py.File(io.BytesIO(data), "r") as h:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out.append({"path": name, "shape": list(obj.shape)})
        h.visititems(visit)
    return {"paths": out, "config": cfg, "keras_b64": base64.b64encode(raw).decode()}


def flat_outputs(out):
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    return [arr(o) for o in outs]


os.makedirs("/tmp/kg14", exist_ok=True)
cases = {"convlstm3d": [], "spectral": [], "reversible": [], "hashed_crossing": [], "models": {}}

# ---------------------------------------------------------------------------------------------
# ConvLSTM3D


def convlstm3d_case(name, make_layer, in_shape):
    x = rng.standard_normal(in_shape).astype(np.float32)
    layer = make_layer()
    layer(x[:1])
    weights = seeded_weights(layer)
    cases["convlstm3d"].append({
        "name": name,
        "config": layer.get_config(),
        "weights": weights,
        "input": arr(x),
        "outputs": flat_outputs(layer(x)),
    })


convlstm3d_case(
    "same_seq_state",
    lambda: L.ConvLSTM3D(2, 2, padding="same", return_sequences=True, return_state=True),
    (2, 3, 3, 4, 3, 2))
convlstm3d_case(
    "valid_strides_backwards",
    lambda: L.ConvLSTM3D(2, (2, 3, 2), strides=(2, 1, 2), go_backwards=True),
    (2, 3, 5, 4, 5, 1))
convlstm3d_case(
    "relu_hardsig_nobias_dilated_state",
    lambda: L.ConvLSTM3D(1, 2, dilation_rate=(2, 1, 2), activation="relu",
                         recurrent_activation="hard_sigmoid", use_bias=False, return_state=True),
    (2, 2, 4, 3, 4, 2))
convlstm3d_case(
    "same_strides_no_unit_forget_bias",
    lambda: L.ConvLSTM3D(3, 3, strides=2, padding="same", unit_forget_bias=False),
    (1, 2, 3, 5, 4, 2))


def model_case(key, build, in_shape):
    inp = keras.Input(in_shape[1:])
    model = keras.Model(inp, build(inp))
    for l in model.layers:
        if l.weights:
            seeded_weights(l)
    x = rng.standard_normal(in_shape).astype(np.float32)
    y = model.predict(x, verbose=0)
    rec = saved(model, f"/tmp/kg14/{key}.keras")
    rec["input"] = arr(x)
    rec["output"] = arr(y)
    rec["weight_paths"] = [w.path for w in model.weights]
    cases["models"][key] = rec


model_case("convlstm3d",
           lambda x: L.ConvLSTM3D(2, 2, padding="same", return_sequences=True)(x),
           (2, 2, 3, 3, 2, 1))

# ---------------------------------------------------------------------------------------------
# SpectralNormalization


def spectral_case(name, make_inner, in_shape, power_iterations=1, ints=None, zero_kernel=False):
    if ints is not None:
        x = rng.integers(0, ints, in_shape).astype(np.int32)
    else:
        x = rng.standard_normal(in_shape).astype(np.float32)
    inner = make_inner()
    sn = L.SpectralNormalization(inner, power_iterations=power_iterations)
    sn(x[:1])
    ws = []
    for w in sn.weights:
        v = (rng.standard_normal(w.shape) * 0.5).astype(np.float32)
        if zero_kernel and w.path.endswith(("kernel", "embeddings")):
            v = np.zeros(w.shape, np.float32)
        ws.append(v)
    sn.set_weights(ws)
    weights = [
        {"path": w.path, "shape": list(w.shape), "trainable": bool(w.trainable),
         "data": np.asarray(v, np.float64).ravel().tolist()}
        for w, v in zip(sn.weights, ws)
    ]
    infer_before = sn(x, training=False)
    train_out = sn(x, training=True)
    after = {w.path: arr(np.asarray(w.value)) for w in sn.weights}
    infer_after = sn(x, training=False)
    cases["spectral"].append({
        "name": name,
        "power_iterations": power_iterations,
        "config": sn.get_config(),
        "weights": weights,
        "input": arr(x),
        "int_input": ints is not None,
        "infer_before": arr(infer_before),
        "train_out": arr(train_out),
        "weights_after": after,
        "infer_after": arr(infer_after),
    })


spectral_case("dense", lambda: L.Dense(3), (4, 5))
spectral_case("dense_3_iterations_no_bias", lambda: L.Dense(4, use_bias=False), (3, 2, 6),
              power_iterations=3)
spectral_case("conv2d_2_iterations", lambda: L.Conv2D(2, 2), (2, 4, 4, 3), power_iterations=2)
spectral_case("embedding", lambda: L.Embedding(6, 3), (2, 4), ints=6)
spectral_case("dense_zero_kernel", lambda: L.Dense(2), (2, 3), zero_kernel=True)

# A saved model with a wrapped Dense: the weight file's layout (Keras saves the kernel twice:
# as the wrapper's own variable and as the wrapped layer's).
inp = keras.Input((5,))
sn_model = keras.Model(inp, L.SpectralNormalization(L.Dense(3))(inp))
for w in sn_model.weights:
    w.assign((rng.standard_normal(w.shape) * 0.5).astype(np.float32))
x_sn = rng.standard_normal((2, 5)).astype(np.float32)
rec = saved(sn_model, "/tmp/kg14/spectral.keras")
rec["input"] = arr(x_sn)
rec["output"] = arr(sn_model.predict(x_sn, verbose=0))
rec["weight_paths"] = [w.path for w in sn_model.weights]
cases["models"]["spectral"] = rec

# ---------------------------------------------------------------------------------------------
# ReversibleEmbedding


def reversible_case(name, make_layer, ids_shape, vocab, dim):
    layer = make_layer()
    ids = rng.integers(0, vocab, ids_shape).astype(np.int32)
    ids.flat[0] = 0
    layer(ids)
    weights = seeded_weights(layer, 0.5)
    fwd = layer(ids)
    mask = layer.compute_mask(ids)  # Keras's compute_mask returns None; the mask rides on fwd
    keras_mask = getattr(fwd, "_keras_mask", None)
    h = rng.standard_normal(ids_shape + (dim,)).astype(np.float32)
    rev = layer(h, reverse=True)
    cases["reversible"].append({
        "name": name,
        "config": layer.get_config(),
        "weights": weights,
        "ids": arr(ids),
        "forward": arr(fwd),
        "mask": None if keras_mask is None else arr(np.asarray(keras_mask).astype(np.float64)),
        "compute_mask_is_none": mask is None,
        "hidden": arr(h),
        "reverse": arr(rev),
    })


reversible_case("tied", lambda: L.ReversibleEmbedding(7, 3), (2, 4), 7, 3)
reversible_case("tied_soft_cap_mask_zero",
                lambda: L.ReversibleEmbedding(5, 4, mask_zero=True, logit_soft_cap=0.7),
                (3, 2), 5, 4)
reversible_case("untied", lambda: L.ReversibleEmbedding(6, 2, tie_weights=False), (2, 3), 6, 2)
reversible_case("untied_soft_cap",
                lambda: L.ReversibleEmbedding(4, 3, tie_weights=False, logit_soft_cap=2.5),
                (5,), 4, 3)

model_inp = keras.Input((3,), dtype="int32")
emb = L.ReversibleEmbedding(6, 4, tie_weights=False)
rev_model = keras.Model(model_inp, emb(L.Dense(4)(emb(model_inp)), reverse=True))
for l in rev_model.layers:
    if l.weights:
        seeded_weights(l, 0.5)
x_rev = rng.integers(0, 6, (2, 3)).astype(np.int32)
rec = saved(rev_model, "/tmp/kg14/reversible.keras")
rec["input"] = arr(x_rev)
rec["output"] = arr(rev_model.predict(x_rev, verbose=0))
rec["weight_paths"] = [w.path for w in rev_model.weights]
cases["models"]["reversible"] = rec

# ---------------------------------------------------------------------------------------------
# HashedCrossing (needs TensorFlow: the expected values of Keras's hashed_crossing_test.py)

cases["hashed_crossing"] = [
    {"name": "string_x_int_5_bins", "num_bins": 5, "output_mode": "int",
     "inputs": [["A", "B", "A", "B", "A"], [101, 101, 101, 102, 102]],
     "output": [1, 4, 1, 1, 3]},
    {"name": "scalars_10_bins", "num_bins": 10, "output_mode": "int",
     "inputs": ["A", 101], "output": 1},
]
try:
    cases["hashed_crossing_config"] = L.HashedCrossing(num_bins=5).get_config()
except ImportError as e:  # no TensorFlow: record why
    cases["hashed_crossing_config"] = None
    cases["hashed_crossing_note"] = str(e)

with open(os.path.join(os.path.dirname(__file__), "..", "test", "fixtures",
                       "layers_extra14_golden.json"), "w") as f:
    json.dump(cases, f)
print("ok")
