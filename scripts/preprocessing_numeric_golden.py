"""Golden outputs of Keras 3's Normalization and CategoryEncoding for
src/layers/preprocessing/numeric.test.ts, from real Keras on its numpy backend (see
../shared/tools/keras3/README.md):

  PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/preprocessing_numeric_golden.py
"""
import json
import keras_numpy_env  # noqa: F401  (must come before keras)
import numpy as np
import keras

rng = np.random.RandomState(0)
x2 = (rng.randn(6, 3) * [1.0, 10.0, 0.1] + [0.0, 5.0, -2.0]).astype("float32")
x3 = rng.randn(4, 2, 3).astype("float32")
batches = [rng.randn(5, 3).astype("float32") * 2 + 1 for _ in range(3)]

norm = []


def case(name, kwargs, adapt, x):
    layer = keras.layers.Normalization(**kwargs)
    if adapt is not None:
        layer.adapt(adapt)
    out = np.asarray(layer(x))
    weights = [np.asarray(w).tolist() for w in layer.weights]
    norm.append(
        {
            "name": name,
            "kwargs": kwargs,
            "x": x.tolist(),
            "out": out.tolist(),
            "weights": weights,
            "weight_names": [w.path.split("/")[-1] for w in layer.weights],
            "config": {k: v for k, v in layer.get_config().items() if k in ("axis", "invert", "mean", "variance")},
        }
    )


case("adapt_last_axis", {}, x2, x2)
case("adapt_axis_none", {"axis": None}, x2, x2)
case("adapt_rank3_axis_1_2", {"axis": [1, 2]}, x3, x3)
case("adapt_rank3_axis_1", {"axis": 1}, x3, x3)
case("fixed", {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 0.0, 0.25]}, None, x2)
case("fixed_scalar", {"mean": 2.0, "variance": 9.0}, None, x2)
case("invert", {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 1.0, 0.25], "invert": True}, None, x2)
# The batches together: Tessera's adapt streamed over them must agree (Keras's iterable path
# needs TensorFlow to tell a tf.data.Dataset apart).
case("adapt_concat", {}, np.concatenate(batches), batches[0])

enc = []
ids2 = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
for mode in ["multi_hot", "one_hot", "count"]:
    layer = keras.layers.CategoryEncoding(num_tokens=4, output_mode=mode)
    for name, ids in [("rank2", ids2), ("rank1", np.array([3, 2, 0, 1])), ("column", np.array([[3], [2], [0]]))]:
        enc.append({"mode": mode, "name": name, "x": ids.tolist(), "out": np.asarray(layer(ids)).tolist()})
weighted = keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")
cw = np.array([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]])
enc.append({"mode": "count", "name": "weighted", "x": ids2.tolist(), "count_weights": cw.tolist(), "out": np.asarray(weighted(ids2, count_weights=cw)).tolist()})

disc = []
docx = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
for mode in ["int", "one_hot", "multi_hot", "count"]:
    layer = keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode=mode)
    disc.append({"name": f"boundaries_{mode}", "kwargs": {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": mode}, "x": docx.tolist(), "out": np.asarray(layer(docx)).tolist()})
big = (rng.randn(1000) * 3 + rng.rand(1000) ** 3 * 10).astype("float32")
for name, data, kw in [
    ("doc_adapt", docx, {"num_bins": 4, "epsilon": 0.01}),
    ("big_4", big, {"num_bins": 4}),
    ("big_10_eps_0.1", big, {"num_bins": 10, "epsilon": 0.1}),
    ("big_7_eps_0.002", big, {"num_bins": 7, "epsilon": 0.002}),
]:
    layer = keras.layers.Discretization(**kw)
    # What adapt() does with an array (its first line asks for TensorFlow to rule out a
    # tf.data.Dataset): reset, one update, finalize.
    layer.reset_state()
    layer.update_state(data)
    layer.finalize_state()
    disc.append({"name": name, "kwargs": kw, "adapt": data.tolist(), "x": docx.tolist(), "boundaries": [float(b) for b in layer.bin_boundaries], "out": np.asarray(layer(docx)).tolist()})
# adapt over batches, as Keras's adapt does for a dataset: update_state per batch.
layer = keras.layers.Discretization(num_bins=5)
layer.reset_state()
chunks = [big[:300], big[300:650], big[650:]]
for c in chunks:
    layer.update_state(c)
layer.finalize_state()
disc.append({"name": "batched_5", "kwargs": {"num_bins": 5}, "batches": [c.tolist() for c in chunks], "x": docx.tolist(), "boundaries": [float(b) for b in layer.bin_boundaries], "out": np.asarray(layer(docx)).tolist()})

json.dump(
    {"keras": keras.__version__, "batches": [b.tolist() for b in batches], "normalization": norm, "category_encoding": enc, "discretization": disc},
    open("test/fixtures/preprocessing_numeric_golden.json", "w"),
)
