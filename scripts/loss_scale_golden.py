"""Golden values for LossScaleOptimizer from real Keras 3 (v3.15.1) on its numpy backend.

Run: PYTHONPATH=/tmp/keras-src:/work/shared/tools/keras3/shims /usr/bin/python3 \
     scripts/loss_scale_golden.py  (writes test/fixtures/loss_scale_golden.json)

The numpy backend has no autodiff, but `apply` with given numpy gradients runs the wrapper's
own code (check_finite, the unscale, the inner update, the scale and counter updates), so the
fixture holds, per case: the initial variables, the gradients given to `apply` (gradients of the
scaled loss, with an inf and a NaN injected), after every step the variables, `dynamic_scale`,
`step_counter`, `iterations` and `scale_loss(1.0)`, every optimizer variable at the end
(Keras's order and path) and `get_config()`.

It also holds a `.keras` file (base64) of a small Sequential model compiled with
LossScaleOptimizer(Adam) whose optimizer has taken three steps, one of them skipped, with the
model's predictions on a fixed input, to check that such files load.
"""
import base64
import json
import os
import tempfile

import keras_numpy_env  # noqa: F401  (must come before keras)
import keras
import numpy as np
from keras import optimizers

INF = float("inf")
NAN = float("nan")


def listed(a):
    # JSON has no inf/NaN: write them as strings.
    out = []
    for x in np.asarray(a, dtype=np.float64).ravel().tolist():
        out.append("inf" if x == INF else "-inf" if x == -INF else "nan" if x != x else x)
    return out


def run_case(name, make_inner, initial_scale, growth, grads):
    w0 = np.array([[0.5, -1.0], [1.5, 2.0]], dtype="float32")
    b0 = np.array([0.25, -0.75], dtype="float32")
    w = keras.Variable(w0.copy(), name="w")
    b = keras.Variable(b0.copy(), name="b")
    opt = optimizers.LossScaleOptimizer(
        make_inner(), initial_scale=initial_scale, dynamic_growth_steps=growth
    )
    history = []
    for gw, gb in grads:
        opt.apply(
            [np.array(gw, dtype="float32"), np.array(gb, dtype="float32")], [w, b]
        )
        history.append(
            {
                "w": listed(w.numpy()),
                "b": listed(b.numpy()),
                "dynamic_scale": float(opt.dynamic_scale.numpy()),
                "step_counter": int(opt.step_counter.numpy()),
                "iterations": int(opt.iterations.numpy()),
                "scale_loss": float(np.asarray(opt.scale_loss(1.0))),
            }
        )
    return {
        "name": name,
        "initial_scale": initial_scale,
        "dynamic_growth_steps": growth,
        "w0": listed(w0),
        "b0": listed(b0),
        "grads": [{"w": listed(gw), "b": listed(gb)} for gw, gb in grads],
        "history": history,
        "variables": [
            {"path": v.path, "shape": list(v.shape), "values": listed(v.numpy())}
            for v in opt.variables
        ],
        "config": keras.saving.serialize_keras_object(opt),
    }


def keras_file():
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(2, name="dense")], name="lso_model"
    )
    opt = optimizers.LossScaleOptimizer(
        optimizers.Adam(learning_rate=0.01), initial_scale=256.0, dynamic_growth_steps=2
    )
    model.compile(optimizer=opt, loss="mse")
    tv = model.trainable_variables
    rng = np.random.default_rng(5)
    steps = []
    for k in range(3):
        g = [rng.normal(size=v.shape).astype("float32") * 256.0 for v in tv]
        if k == 1:
            g[0][0, 0] = INF
        steps.append([listed(x) for x in g])
        opt.apply(g, tv)
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], dtype="float32")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "lso.keras")
        model.save(path)
        with open(path, "rb") as f:
            data = f.read()
    return {
        "file_base64": base64.b64encode(data).decode("ascii"),
        "compile_config": model.get_compile_config(),
        "x": listed(x),
        "predictions": listed(model.predict(x, verbose=0)),
        "weights": [{"path": v.path, "values": listed(v.numpy())} for v in model.weights],
        "optimizer_variables": [
            {"path": v.path, "shape": list(v.shape), "values": listed(v.numpy())}
            for v in opt.variables
        ],
    }


def main():
    grads = [
        ([[8.0, -4.0], [2.0, 16.0]], [4.0, -8.0]),
        ([[INF, 1.0], [2.0, 3.0]], [1.0, 2.0]),
        ([[4.0, 4.0], [-2.0, 1.0]], [0.5, -1.0]),
        ([[1.0, 2.0], [3.0, 4.0]], [NAN, 1.0]),
        ([[2.0, -2.0], [1.0, 0.5]], [1.0, 1.0]),
        ([[-1.0, 3.0], [0.25, 2.0]], [2.0, -0.5]),
        ([[0.5, 0.5], [-4.0, 1.0]], [-1.0, 0.25]),
        ([[6.0, -1.0], [1.0, 2.0]], [0.0, 3.0]),
    ]
    # First, so that Keras's automatic names carry no suffix.
    default = optimizers.LossScaleOptimizer(optimizers.SGD())
    default_config = keras.saving.serialize_keras_object(default)
    cases = [
        run_case("sgd", lambda: optimizers.SGD(learning_rate=0.1), 8.0, 3, grads),
        run_case(
            "adam",
            lambda: optimizers.Adam(learning_rate=0.01),
            8.0,
            3,
            grads,
        ),
        run_case(
            "sgd_momentum_growth1",
            lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9),
            4.0,
            1,
            grads,
        ),
    ]
    out = {
        "keras_version": keras.__version__,
        "cases": cases,
        "default_config": default_config,
        "keras_file": keras_file(),
    }
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "test", "fixtures", "loss_scale_golden.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
