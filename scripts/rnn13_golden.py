"""Golden cases for Tessera's StackedRNNCells (RNN over a list of cells), ConvLSTM1D and
ConvLSTM2D, from real Keras 3 (numpy backend).

Run: PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/rnn13_golden.py
(Keras v3.15.1 extracted to /tmp/keras-src; see ../shared/tools/keras3/README.md.)
Writes test/fixtures/rnn13_golden.json: per case the layer's config, weights (seeded values set
with set_weights, in Keras's order with their paths), inputs, masks, outputs and final states;
for saved models the weight file's dataset paths and shapes, the config.json and the .keras
file itself (base64), so that tests can load what Keras wrote.
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

rng = np.random.default_rng(1313)


def arr(x):
    x = np.asarray(x)
    return {"shape": list(x.shape), "data": x.astype(np.float64).ravel().tolist()}


def seeded_weights(layer):
    ws = [(rng.standard_normal(w.shape) * 0.4).astype(np.float32) for w in layer.weights]
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


def run_case(name, make_layer, in_shape, mask=None):
    x = (rng.standard_normal(in_shape)).astype(np.float32)
    layer = make_layer()
    kwargs = {}
    if mask is not None:
        kwargs["mask"] = mask
    layer(x[:1], **kwargs if mask is None else {"mask": mask[:1]})  # build
    weights = seeded_weights(layer)
    out = layer(x, **kwargs)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    flat = []
    for o in outs:
        if isinstance(o, (list, tuple)):
            flat.extend(o)
        else:
            flat.append(o)
    return {
        "name": name,
        "class_name": layer.__class__.__name__,
        "config": layer.get_config(),
        "weights": weights,
        "input": arr(x),
        "mask": None if mask is None else arr(mask.astype(np.float64)),
        "outputs": [arr(o) for o in flat],
        "nested_state_counts": [len(o) if isinstance(o, (list, tuple)) else 1 for o in outs[1:]],
    }


os.makedirs("/tmp/kg", exist_ok=True)
cases = {"stacked": [], "convlstm": [], "models": {}}

m = rng.random((3, 5)) > 0.35
m[:, 0] = True
m[1, 3:] = False

cases["stacked"].append(run_case(
    "lstm_gru_list_seq_state",
    lambda: L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True, return_state=True),
    (3, 5, 4)))
cases["stacked"].append(run_case(
    "simple_lstm_stacked_backwards_masked",
    lambda: L.RNN(L.StackedRNNCells([L.SimpleRNNCell(3), L.LSTMCell(2)]), go_backwards=True,
                  return_state=True),
    (3, 5, 4), mask=m))
cases["stacked"].append(run_case(
    "three_cells_masked_zero_output",
    lambda: L.RNN([L.GRUCell(2, reset_after=False), L.SimpleRNNCell(3, activation="relu"),
                   L.LSTMCell(2, activation="relu", recurrent_activation="hard_sigmoid")],
                  return_sequences=True, zero_output_for_mask=True),
    (3, 5, 4), mask=m))

cases["convlstm"].append(run_case(
    "conv2d_same_seq_state",
    lambda: L.ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True),
    (2, 3, 5, 4, 2)))
cases["convlstm"].append(run_case(
    "conv2d_valid_strides_backwards",
    lambda: L.ConvLSTM2D(2, (2, 3), strides=2, padding="valid", go_backwards=True),
    (2, 4, 6, 7, 3)))
cases["convlstm"].append(run_case(
    "conv2d_relu_hardsig_nobias_dilated",
    lambda: L.ConvLSTM2D(2, 2, dilation_rate=2, padding="valid", activation="relu",
                         recurrent_activation="hard_sigmoid", use_bias=False, return_state=True),
    (2, 3, 6, 5, 2)))
cases["convlstm"].append(run_case(
    "conv1d_same_dilated_seq",
    lambda: L.ConvLSTM1D(3, 3, dilation_rate=2, padding="same", return_sequences=True),
    (2, 4, 7, 2)))
cases["convlstm"].append(run_case(
    "conv1d_valid_strides_state",
    lambda: L.ConvLSTM1D(2, 2, strides=2, return_state=True, unit_forget_bias=False),
    (2, 3, 7, 3)))
cases["convlstm"].append(run_case(
    "conv2d_masked",
    lambda: L.ConvLSTM2D(2, 3, padding="same", return_sequences=True),
    (3, 5, 4, 3, 2), mask=m))

# Saved models: an RNN over a list of cells, a StackedRNNCells, and ConvLSTMs.
def model_case(key, build, in_shape):
    inp = keras.Input(in_shape[1:])
    model = keras.Model(inp, build(inp))
    for l in model.layers:
        if l.weights:
            seeded_weights(l)
    x = rng.standard_normal(in_shape).astype(np.float32)
    y = model.predict(x, verbose=0)
    rec = saved(model, f"/tmp/kg/{key}.keras")
    rec["input"] = arr(x)
    rec["output"] = arr(y)
    rec["weight_paths"] = [w.path for w in model.weights]
    cases["models"][key] = rec


model_case("stacked_list",
           lambda x: L.Dense(2)(L.RNN([L.LSTMCell(3), L.GRUCell(2), L.LSTMCell(2)])(x)),
           (2, 4, 3))
model_case("stacked_explicit",
           lambda x: L.RNN(L.StackedRNNCells([L.SimpleRNNCell(3), L.SimpleRNNCell(3)]),
                           return_sequences=True)(x),
           (2, 4, 3))
model_case("convlstm2d",
           lambda x: L.ConvLSTM2D(2, 3, padding="same", return_sequences=True)(x),
           (2, 3, 4, 4, 2))
model_case("convlstm1d",
           lambda x: L.ConvLSTM1D(2, 3, strides=2)(x),
           (2, 3, 7, 2))

with open(os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "rnn13_golden.json"), "w") as f:
    json.dump(cases, f)
print("ok")
