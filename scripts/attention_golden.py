"""Golden cases for Tessera's EinsumDense and MultiHeadAttention, from real Keras 3 (numpy backend).

Run: PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/attention_golden.py
(Keras v3.15.1 extracted to /tmp/keras-src; see ../shared/tools/keras3/README.md.)
Writes test/fixtures/attention_golden.json: per case the layer's config, weights (seeded values
set with set_weights, in Keras's order with their paths), inputs and outputs, and for the saved
.keras archive the weight file's dataset paths and shapes.
"""
import keras_numpy_env  # noqa: F401  (must come first)

import io
import json
import os
import zipfile

import h5py
import keras
import numpy as np

rng = np.random.default_rng(1207)


def arr(x):
    x = np.asarray(x)
    return {"shape": list(x.shape), "data": x.astype(np.float64).ravel().tolist()}


def seeded_weights(layer):
    ws = [rng.standard_normal(w.shape).astype(np.float32) * 0.5 for w in layer.weights]
    layer.set_weights(ws)
    return [{"path": w.path, "shape": list(w.shape), "data": v.astype(np.float64).ravel().tolist()} for w, v in zip(layer.weights, ws)]


def h5_layout(model):
    buf = io.BytesIO()
    path = "/tmp/kg/m.keras"
    model.save(path)
    out = []
    with zipfile.ZipFile(path) as z:
        with z.open("model.weights.h5") as f:
            data = f.read()
    with h5py.File(io.BytesIO(data), "r") as h:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out.append({"path": name, "shape": list(obj.shape)})
        h.visititems(visit)
    cfg = json.loads(zipfile.ZipFile(path).read("config.json"))
    return out, cfg


cases = {"einsum_dense": [], "mha": []}

for eq, out_shape, bias, in_shape, act in [
    ("ab,bc->ac", 4, "c", (3, 5), None),
    ("abc,cde->abde", (None, 2, 3), "de", (2, 4, 5), None),
    ("abc,cd->abd", (4, 6), "d", (2, 4, 3), "relu"),
    ("...b,bc->...c", 4, "c", (2, 3, 5), None),
    ("ab...,bc->ac...", (4, 3), "c", (2, 5, 3), None),
    ("abcd,cde->abe", (None, 6), "e", (2, 3, 2, 4), None),
    ("abc,cde->abde", (None, 2, 3), None, (2, 4, 5), None),
]:
    layer = keras.layers.EinsumDense(eq, output_shape=out_shape, bias_axes=bias, activation=act)
    x = rng.standard_normal(in_shape).astype(np.float32)
    layer.build(in_shape)
    weights = seeded_weights(layer)
    y = np.asarray(layer(x))
    cases["einsum_dense"].append(
        {
            "equation": eq,
            "config": layer.get_config(),
            "input": arr(x),
            "weights": weights,
            "output": arr(y),
            "output_shape": list(layer.compute_output_shape(in_shape)),
        }
    )

MHA = [
    ("self", dict(num_heads=2, key_dim=3), (2, 4, 5), None, {}),
    ("cross", dict(num_heads=2, key_dim=3, value_dim=4), (2, 4, 5), (2, 6, 7), {}),
    ("cross_key", dict(num_heads=3, key_dim=2), (2, 3, 5), (2, 4, 6), {"key_shape": (2, 4, 3)}),
    ("causal", dict(num_heads=2, key_dim=4), (2, 5, 6), None, {"use_causal_mask": True}),
    ("mask", dict(num_heads=2, key_dim=3), (2, 4, 5), (2, 3, 5), {"attention_mask": True}),
    ("scores", dict(num_heads=2, key_dim=3), (2, 4, 5), (2, 3, 5), {"return_attention_scores": True}),
    ("out_shape_nobias", dict(num_heads=2, key_dim=3, output_shape=(2, 4), use_bias=False), (2, 4, 5), None, {}),
    ("axes2d", dict(num_heads=2, key_dim=2, attention_axes=(1, 2)), (2, 3, 2, 4), None, {}),
]
for name, kw, q_shape, v_shape, call in MHA:
    layer = keras.layers.MultiHeadAttention(**kw)
    q = rng.standard_normal(q_shape).astype(np.float32)
    v = q if v_shape is None else rng.standard_normal(v_shape).astype(np.float32)
    k = None
    if "key_shape" in call:
        k = rng.standard_normal(call["key_shape"]).astype(np.float32)
    args = {}
    mask = None
    if call.get("attention_mask"):
        mask = rng.random((q_shape[0], q_shape[1], v.shape[1])) > 0.3
        mask[:, :, 0] = True
        args["attention_mask"] = mask
    if call.get("use_causal_mask"):
        args["use_causal_mask"] = True
    if call.get("return_attention_scores"):
        args["return_attention_scores"] = True
    layer.build(q.shape, v.shape, None if k is None else k.shape)
    weights = seeded_weights(layer)
    res = layer(q, v, key=k, **args)
    out, scores = (res if call.get("return_attention_scores") else (res, None))
    case = {
        "name": name,
        "config": layer.get_config(),
        "query": arr(q),
        "value": None if v_shape is None else arr(v),
        "key": None if k is None else arr(k),
        "attention_mask": None if mask is None else arr(mask.astype(np.float32)),
        "use_causal_mask": bool(call.get("use_causal_mask", False)),
        "return_attention_scores": bool(call.get("return_attention_scores", False)),
        "weights": weights,
        "output": arr(np.asarray(out)),
        "scores": None if scores is None else arr(np.asarray(scores)),
    }
    cases["mha"].append(case)

# A functional model with self-attention (causal), saved: the weight file's layout.
inp = keras.Input(shape=(5, 8))
att = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(inp, inp, use_causal_mask=True)
model = keras.Model(inp, keras.layers.Dense(3)(att))
model_w = [rng.standard_normal(w.shape).astype(np.float32) * 0.5 for w in model.weights]
model.set_weights(model_w)
xm = rng.standard_normal((2, 5, 8)).astype(np.float32)
layout, cfg = h5_layout(model)
cases["model"] = {
    "weights": [{"path": w.path, "shape": list(w.shape), "data": v.astype(np.float64).ravel().tolist()} for w, v in zip(model.weights, model_w)],
    "input": arr(xm),
    "output": arr(np.asarray(model(xm))),
    "h5": layout,
    "config": cfg,
}

# keras.ops.dot_product_attention (the numpy backend's reference implementation).
cases["dpa"] = []
for name, (b, t, s_, n, h), kw in [
    ("plain", (2, 3, 4, 2, 5), {}),
    ("scale_bias", (1, 4, 4, 3, 2), {"scale": 0.3, "bias": True}),
    ("mask", (2, 3, 5, 2, 4), {"mask": True}),
    ("causal", (2, 5, 5, 2, 3), {"is_causal": True}),
    ("causal_mask_bias", (1, 4, 6, 2, 3), {"is_causal": True, "mask": True, "bias": True}),
]:
    q = rng.standard_normal((b, t, n, h)).astype(np.float32)
    k = rng.standard_normal((b, s_, n, h)).astype(np.float32)
    v = rng.standard_normal((b, s_, n, h)).astype(np.float32)
    bias = rng.standard_normal((1, n, t, s_)).astype(np.float32) if kw.get("bias") else None
    mask = None
    if kw.get("mask"):
        mask = rng.random((b, 1, t, s_)) > 0.3
        mask[..., 0] = True
    y = keras.ops.dot_product_attention(q, k, v, bias=bias, mask=mask, scale=kw.get("scale"), is_causal=kw.get("is_causal", False))
    cases["dpa"].append(
        {
            "name": name,
            "query": arr(q),
            "key": arr(k),
            "value": arr(v),
            "bias": None if bias is None else arr(bias),
            "mask": None if mask is None else arr(mask.astype(np.float32)),
            "scale": kw.get("scale"),
            "is_causal": kw.get("is_causal", False),
            "output": arr(np.asarray(y)),
        }
    )

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "attention_golden.json")
with open(out, "w") as f:
    json.dump({"generator": "scripts/attention_golden.py (Keras 3.15.1, numpy backend)", **cases}, f)
print("ok", len(cases["einsum_dense"]), len(cases["mha"]))
