"""Golden outputs of Keras 3's data utilities (pad_sequences, to_categorical, normalize) for
src/data/utils.test.ts. Run with real Keras on its numpy backend (see
../shared/tools/keras3/README.md):

  PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/data_utils_golden.py
"""
import json
import keras_numpy_env  # noqa: F401  (must come before keras)
import numpy as np
import keras

seqs = [[1, 2, 3, 4, 5], [6], [], [7, 8, 9]]
pad = []
for kw in [
    {},
    {"maxlen": 3},
    {"maxlen": 3, "padding": "post"},
    {"maxlen": 3, "truncating": "post"},
    {"maxlen": 6, "padding": "post", "truncating": "post", "value": -1},
]:
    out = keras.utils.pad_sequences(seqs, **kw)
    pad.append({"kwargs": kw, "out": out.tolist(), "dtype": str(out.dtype)})
float_pad = keras.utils.pad_sequences([[0.5, 1.5], [2.5]], dtype="float32", maxlen=3)

cat = []
for y, n in [
    ([0, 2, 1, 3], None),
    ([0, 2, 1], 5),
    ([[1], [0], [2]], None),
    ([1.0, 0.0, 2.7], None),
    ([[0, 1], [2, 0]], 3),
]:
    # A list takes the array path (the one users with numpy labels get on every backend).
    out = np.asarray(keras.utils.to_categorical(y, n))
    cat.append({"y": y, "num_classes": n, "out": out.tolist(), "shape": list(out.shape)})

x = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [1.0, -2.0, 2.0]])
norm = [
    {"axis": -1, "order": 2, "out": keras.utils.normalize(x, -1, 2).tolist()},
    # Not axis=0: Keras's numpy path turns axis 0 into -1 (`axis or -1`) when it expands the
    # norm back, dividing row i by column i's norm; the tests derive axis 0 by hand instead.
    {"axis": -1, "order": 1, "out": keras.utils.normalize(x, -1, 1).tolist()},
]
json.dump(
    {
        "keras": keras.__version__,
        "seqs": seqs,
        "pad": pad,
        "float_pad": float_pad.tolist(),
        "categorical": cat,
        "x": x.tolist(),
        "normalize": norm,
    },
    open("test/fixtures/data_utils_golden.json", "w"),
    indent=1,
)
