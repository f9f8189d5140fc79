"""Golden cases for Tessera's Attention, AdditiveAttention and GroupQueryAttention, from real
Keras 3 (numpy backend).

Run: PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/attention_layers_golden.py
(Keras v3.15.1 extracted to /tmp/keras-src; see ../shared/tools/keras3/README.md.)
Writes test/fixtures/attention_layers_golden.json: per case the layer's config, weights (seeded
values set with set_weights, in Keras's order with their paths), inputs, masks, outputs and
attention scores; for saved functional models the weight file's dataset paths and shapes and
the config.json.
"""
import keras_numpy_env  # noqa: F401  (must come first)

import json
import os
import zipfile

import h5py
import io
import keras
import numpy as np

rng = np.random.default_rng(2413)


def arr(x):
    x = np.asarray(x)
    return {"shape": list(x.shape), "data": x.astype(np.float64).ravel().tolist()}


def seeded_weights(layer):
    ws = [(rng.standard_normal(w.shape) * 0.5 + (0.8 if len(w.shape) == 0 else 0)).astype(np.float32) for w in layer.weights]
    layer.set_weights(ws)
    return [{"path": w.path, "shape": list(w.shape), "data": np.asarray(v, np.float64).ravel().tolist()} for w, v in zip(layer.weights, ws)]


def h5_layout(model, path):
    model.save(path)
    out = []
    with zipfile.ZipFile(path) as z:
        data = z.read("model.weights.h5")
        cfg = json.loads(z.read("config.json"))
    with h5py.File(io.BytesIO(data), "r") as h:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out.append({"path": name, "shape": list(obj.shape)})
        h.visititems(visit)
    return out, cfg


def mask(b, t, p=0.3):
    m = rng.random((b, t)) > p
    m[:, 0] = True
    return m


os.makedirs("/tmp/kg", exist_ok=True)
cases = {"attention": [], "gqa": [], "models": {}}

# Attention / AdditiveAttention: (name, class, kwargs, q shape, v shape, k shape, call options).
ATT = [
    ("dot", "Attention", {}, (2, 3, 4), (2, 5, 4), None, {}),
    ("dot_scale_key_scores", "Attention", {"use_scale": True}, (2, 3, 4), (2, 5, 6), (2, 5, 4), {"scores": True}),
    ("concat", "Attention", {"score_mode": "concat"}, (2, 4, 3), (2, 3, 3), None, {}),
    ("concat_scale_masks", "Attention", {"score_mode": "concat", "use_scale": True}, (2, 4, 3), (2, 5, 3), None, {"masks": True, "scores": True}),
    ("dot_causal_vmask", "Attention", {}, (2, 5, 4), None, None, {"causal": True, "vmask": True, "scores": True}),
    ("rank4", "Attention", {"use_scale": True}, (2, 2, 3, 4), (2, 2, 5, 4), None, {}),
    ("additive", "AdditiveAttention", {}, (2, 3, 4), (2, 5, 4), None, {}),
    ("additive_noscale_key", "AdditiveAttention", {"use_scale": False}, (2, 3, 4), (2, 5, 6), (2, 5, 4), {"scores": True}),
    ("additive_masks_causal", "AdditiveAttention", {}, (2, 4, 3), None, None, {"masks": True, "causal": True, "scores": True}),
]
for name, cls, kw, q_shape, v_shape, k_shape, opt in ATT:
    layer = getattr(keras.layers, cls)(**kw)
    q = rng.standard_normal(q_shape).astype(np.float32)
    v = q if v_shape is None else rng.standard_normal(v_shape).astype(np.float32)
    k = None if k_shape is None else rng.standard_normal(k_shape).astype(np.float32)
    inputs = [q, v] if k is None else [q, v, k]
    layer.build([x.shape for x in inputs])
    weights = seeded_weights(layer)
    masks = None
    if opt.get("masks"):
        masks = [mask(q.shape[0], q.shape[1]), mask(v.shape[0], v.shape[1])]
    elif opt.get("vmask"):
        masks = [None, mask(v.shape[0], v.shape[1])]
    res = layer(
        inputs,
        mask=masks,
        return_attention_scores=opt.get("scores", False),
        use_causal_mask=opt.get("causal", False),
    )
    out, scores = res if opt.get("scores") else (res, None)
    cases["attention"].append(
        {
            "name": name,
            "class": cls,
            "config": layer.get_config(),
            "query": arr(q),
            "value": None if v_shape is None else arr(v),
            "key": None if k is None else arr(k),
            "masks": None if masks is None else [None if m is None else arr(m.astype(np.float32)) for m in masks],
            "use_causal_mask": opt.get("causal", False),
            "return_attention_scores": opt.get("scores", False),
            "weights": weights,
            "output": arr(np.asarray(out)),
            "scores": None if scores is None else arr(np.asarray(scores)),
            "output_shape": list(layer.compute_output_shape([x.shape for x in inputs])),
        }
    )

# GroupQueryAttention: (name, kwargs, q shape, v shape, k shape, call options).
GQA = [
    ("self", dict(head_dim=3, num_query_heads=4, num_key_value_heads=2), (2, 4, 6), None, None, {}),
    ("cross_key_mqa", dict(head_dim=2, num_query_heads=3, num_key_value_heads=1), (2, 3, 5), (2, 4, 5), (2, 4, 7), {}),
    ("causal_dpa", dict(head_dim=3, num_query_heads=4, num_key_value_heads=2), (2, 5, 6), None, None, {"causal": True}),
    ("causal_scores", dict(head_dim=3, num_query_heads=4, num_key_value_heads=2), (2, 5, 6), None, None, {"causal": True, "scores": True}),
    ("attention_mask", dict(head_dim=2, num_query_heads=2, num_key_value_heads=2), (2, 4, 5), (2, 3, 5), None, {"attention_mask": True}),
    ("nobias_scores", dict(head_dim=2, num_query_heads=4, num_key_value_heads=2, use_bias=False), (2, 3, 4), (2, 5, 4), None, {"scores": True}),
    ("sliding_causal", dict(head_dim=2, num_query_heads=2, num_key_value_heads=1, sliding_window=2), (2, 5, 4), None, None, {"causal": True}),
    ("gate", dict(head_dim=2, num_query_heads=4, num_key_value_heads=2, use_gate=True), (2, 3, 4), (2, 4, 4), None, {}),
    # Padded queries: fully masked rows. The fused path keeps them uniform; the scores path zeroes them.
    ("qv_masks_dpa", dict(head_dim=2, num_query_heads=2, num_key_value_heads=1), (2, 4, 4), (2, 5, 4), None, {"masks": True}),
    ("qv_masks_scores", dict(head_dim=2, num_query_heads=2, num_key_value_heads=1), (2, 4, 4), (2, 5, 4), None, {"masks": True, "scores": True}),
]
for name, kw, q_shape, v_shape, k_shape, opt in GQA:
    layer = keras.layers.GroupQueryAttention(**kw)
    q = rng.standard_normal(q_shape).astype(np.float32)
    v = q if v_shape is None else rng.standard_normal(v_shape).astype(np.float32)
    k = None if k_shape is None else rng.standard_normal(k_shape).astype(np.float32)
    layer.build(q.shape, v.shape, None if k is None else k.shape)
    weights = seeded_weights(layer)
    call = {}
    am = None
    if opt.get("attention_mask"):
        am = rng.random((q.shape[0], q.shape[1], v.shape[1])) > 0.3
        am[:, :, 0] = True
        call["attention_mask"] = am
    qm = vm = None
    if opt.get("masks"):
        qm, vm = mask(q.shape[0], q.shape[1], 0.4), mask(v.shape[0], v.shape[1])
        qm[:, -1] = False
        call["query_mask"], call["value_mask"] = qm, vm
    res = layer(q, v, key=k, use_causal_mask=opt.get("causal", False), return_attention_scores=opt.get("scores", False), **call)
    out, scores = res if opt.get("scores") else (res, None)
    cases["gqa"].append(
        {
            "name": name,
            "config": layer.get_config(),
            "query": arr(q),
            "value": None if v_shape is None else arr(v),
            "key": None if k is None else arr(k),
            "attention_mask": None if am is None else arr(am.astype(np.float32)),
            "query_mask": None if qm is None else arr(qm.astype(np.float32)),
            "value_mask": None if vm is None else arr(vm.astype(np.float32)),
            "use_causal_mask": opt.get("causal", False),
            "return_attention_scores": opt.get("scores", False),
            "weights": weights,
            "output": arr(np.asarray(out)),
            "scores": None if scores is None else arr(np.asarray(scores)),
        }
    )


def model_case(model, x, path):
    ws = [(rng.standard_normal(w.shape) * 0.5 + (0.8 if len(w.shape) == 0 else 0)).astype(np.float32) for w in model.weights]
    model.set_weights(ws)
    layout, cfg = h5_layout(model, path)
    back = keras.models.load_model(path)
    assert np.allclose(np.asarray(back(x)), np.asarray(model(x)), atol=1e-6)
    return {
        "weights": [{"path": w.path, "shape": list(w.shape), "data": v.astype(np.float64).ravel().tolist()} for w, v in zip(model.weights, ws)],
        "input": [arr(t) for t in x] if isinstance(x, list) else arr(x),
        "output": arr(np.asarray(model(x))),
        "h5": layout,
        "config": cfg,
    }


# A decoder-style functional model: GroupQueryAttention (causal self-attention), then Dense.
inp = keras.Input(shape=(5, 8))
att = keras.layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2, name="gqa")(inp, inp, use_causal_mask=True)
model = keras.Model(inp, keras.layers.Dense(3)(att))
cases["models"]["gqa"] = model_case(model, rng.standard_normal((2, 5, 8)).astype(np.float32), "/tmp/kg/gqa.keras")

# Attention and AdditiveAttention on [query, value] lists, with a causal flag.
q_in = keras.Input(shape=(4, 6))
v_in = keras.Input(shape=(5, 6))
a = keras.layers.Attention(use_scale=True, score_mode="concat", name="att")([q_in, v_in])
b = keras.layers.AdditiveAttention(name="add")([q_in, q_in], use_causal_mask=True)
model = keras.Model([q_in, v_in], keras.layers.Concatenate()([a, b]))
xs = [rng.standard_normal((2, 4, 6)).astype(np.float32), rng.standard_normal((2, 5, 6)).astype(np.float32)]
cases["models"]["attention"] = model_case(model, xs, "/tmp/kg/att.keras")

# Keras masks through a graph: Embedding(mask_zero) into both layers (padded queries and keys).
tok = keras.Input(shape=(5,), dtype="int32")
emb = keras.layers.Embedding(7, 6, mask_zero=True)(tok)
g = keras.layers.GroupQueryAttention(head_dim=3, num_query_heads=2, num_key_value_heads=1, name="gqa")(emb, emb)
a = keras.layers.Attention(use_scale=True, name="att")([emb, emb])
model = keras.Model(tok, keras.layers.Concatenate()([g, a]))
ids = np.array([[3, 1, 4, 0, 0], [5, 2, 6, 1, 0]], np.int32)
cases["models"]["masked"] = model_case(model, ids, "/tmp/kg/masked.keras")

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "attention_layers_golden.json")
with open(out, "w") as f:
    json.dump({"generator": "scripts/attention_layers_golden.py (Keras 3.15.1, numpy backend)", **cases}, f)
print("ok", len(cases["attention"]), len(cases["gqa"]))
