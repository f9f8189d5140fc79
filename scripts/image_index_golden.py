"""Keras's file order for image_dataset_from_directory (dataset_utils.index_directory: class
folders, os.walk order, seeded NumPy shuffle) on a small tree, for
src/data/image_dataset.test.ts. Run with real Keras (see ../shared/tools/keras3/README.md):

  PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/image_index_golden.py
"""
import json
import os
import tempfile

import keras_numpy_env  # noqa: F401
from keras.src.utils import dataset_utils

TREE = ["cat/img0.png", "cat/img1.png", "cat/more/z4.png", "cat/a_sub/q.png", "cat/B.png", "dog/x.jpg", "dog/y.png", "dog/deep/er/k.png", "dog/deep/a.png"]
root = tempfile.mkdtemp()
for f in TREE:
    os.makedirs(os.path.dirname(os.path.join(root, f)), exist_ok=True)
    open(os.path.join(root, f), "w").close()
out = {"tree": TREE, "orders": []}
for shuffle, seed in [(False, None), (True, 123), (True, 7)]:
    p, l, c = dataset_utils.index_directory(root, "inferred", formats=(".png", ".jpg", ".jpeg"), shuffle=shuffle, seed=seed)
    out["orders"].append({"shuffle": shuffle, "seed": seed, "paths": [os.path.relpath(x, root) for x in p], "labels": [int(v) for v in l], "classes": c})
json.dump(out, open("test/fixtures/image_index_golden.json", "w"), indent=1)
