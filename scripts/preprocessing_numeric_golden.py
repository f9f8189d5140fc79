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

json.dump(
    {"keras": keras.__version__, "batches": [b.tolist() for b in batches], "normalization": norm, "category_encoding": enc},
    open("test/fixtures/preprocessing_numeric_golden.json", "w"),
)
