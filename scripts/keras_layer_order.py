"""Writes test/fixtures/keras_layer_order.json: `model.layers` names and `model.weights` paths
of small graphs, as real Keras 3 orders them. src/models/functional_order.test.ts builds the
same graphs in Tessera and compares.

Run with the unmodified Keras 3 source and the numpy-backend stand-ins of
shared/tools/keras3 (see its README):

    PYTHONPATH=/tmp/keras-src:<shared>/tools/keras3/shims /usr/bin/python3 \
        scripts/keras_layer_order.py > test/fixtures/keras_layer_order.json
"""

import keras_numpy_env  # noqa: F401  (must come first: selects the numpy backend)

import json
import sys

import keras
from keras import layers as L


def graphs():
    # Two input branches of different depths, two outputs (the model of issue 10).
    a = keras.Input((10, 6), name="a")
    b = keras.Input((6, 6, 3), name="b")
    x = L.Flatten(name="flatten")(L.Conv1D(8, 3, name="conv1d")(a))
    y = L.Conv2D(4, 3, name="conv2d")(b)
    y = L.Flatten(name="flatten_1")(L.BatchNormalization(name="bn")(y))
    z = L.Concatenate(name="concatenate")([x, y])
    yield "two_branches", keras.Model([a, b], [L.Dense(2, name="o1")(z), L.Dense(1, name="o2")(y)])

    # A shared layer whose second node consumes a layer that its first node feeds.
    x = keras.Input((3,), name="x")
    c, l = L.Dense(3, name="c"), L.Dense(3, name="l")
    yield "shared_twice", keras.Model(x, c(l(c(x))))

    # An input that no output uses, listed second and first.
    x = keras.Input((3,), name="x")
    u = keras.Input((2,), name="u")
    y = L.Dense(2, name="d")(x)
    yield "unused_input_last", keras.Model([x, u], y)
    yield "unused_input_first", keras.Model([u, x], y)

    # The order of the outputs breaks ties between layers of equal depth.
    x = keras.Input((3,), name="x")
    d2 = L.Dense(2, name="d2")(L.Dense(2, name="d1")(x))
    e1 = L.Dense(2, name="e1")(x)
    yield "outputs_e_d", keras.Model(x, [e1, d2])
    yield "outputs_d_e", keras.Model(x, [d2, e1])

    # A residual connection.
    x = keras.Input((3,), name="x")
    b = L.Dense(3, name="b")(L.Dense(3, name="a")(x))
    yield "residual", keras.Model(x, L.Add(name="add")([x, b]))

    # A functional model applied twice inside another, on inputs of different depths.
    ii = keras.Input((3,), name="ii")
    inner = keras.Model(ii, L.Dense(3, name="inner_d")(ii), name="inner")
    x = keras.Input((3,), name="x")
    z = keras.Input((3,), name="z")
    h = inner(L.Dense(3, name="pre")(x))
    k = inner(z)
    yield "nested_twice", keras.Model([x, z], L.Concatenate(name="cat")([h, k]))

    # BatchNormalization between Dense layers, in a Sequential nested in a functional model.
    seq = keras.Sequential(
        [keras.Input((4,)), L.Dense(5, name="s1"), L.BatchNormalization(name="sbn"), L.Dense(3, name="s2")],
        name="seq",
    )
    x = keras.Input((4,), name="x")
    y = L.BatchNormalization(name="bn0")(x)
    yield "bn_nested", keras.Model(x, L.Dense(2, name="head")(seq(y)))


def main():
    out = {"keras_version": keras.__version__, "graphs": {}}
    for name, model in graphs():
        out["graphs"][name] = {
            "layers": [layer.name for layer in model.layers],
            "weights": [
                {"path": v.path, "shape": list(v.shape), "trainable": bool(v.trainable)}
                for v in model.weights
            ],
        }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
