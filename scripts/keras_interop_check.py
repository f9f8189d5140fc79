"""Loads .keras files that Tessera wrote into real Keras 3 and reports what Keras sees.

Used by src/io/keras_interop.test.ts. Run with the unmodified Keras 3 source and the numpy
backend stand-ins (see shared/tools/keras3/README.md):

    PYTHONPATH=/tmp/keras-src:<shared>/tools/keras3/shims /usr/bin/python3 \
        scripts/keras_interop_check.py manifest.json

The manifest lists cases: {name, file, inputs: [{shape, data}], trainable: [{name, shape,
value, slots: {<Keras slot kind>: values}}]}. For each case this prints, as one JSON document on
stdout: whether `keras.saving.load_model(file, compile=True)` succeeded (or its error),
`model.layers` names, `model.weights` shapes, the loaded values of the trainable variables and
of their optimizer slots compared with Tessera's (same position in `trainable_variables`), and the
predictions on the inputs. The comparisons with Tessera's predictions happen in the test.
"""

import keras_numpy_env  # noqa: F401  (must come first: selects the numpy backend)

import json
import sys
import traceback

import keras
import numpy as np


def max_diff(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64).reshape(a.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def check_case(case):
    out = {"name": case["name"]}
    try:
        model = keras.saving.load_model(case["file"], compile=True)
    except Exception as e:  # report, do not crash the other cases
        out["error"] = f"{type(e).__name__}: {e}"
        out["trace"] = traceback.format_exc()[-2000:]
        return out
    out["class"] = type(model).__name__
    out["layers"] = [layer.name for layer in model.layers]
    out["weights"] = [
        {"path": v.path, "shape": list(v.shape), "trainable": bool(v.trainable)}
        for v in model.weights
    ]
    # Every variable in Keras's `model.weights` order, flattened: the test compares them
    # with Tessera's `model.weights` in order.
    out["weight_values"] = [
        np.asarray(v.numpy(), dtype=np.float64).ravel().tolist() for v in model.weights
    ]

    opt = model.optimizer
    out["optimizer"] = type(opt).__name__ if opt is not None else None
    problems = []
    tv = model.trainable_variables
    tess = case["trainable"]
    if len(tv) != len(tess):
        problems.append(
            f"Keras has {len(tv)} trainable variables, Tessera wrote {len(tess)}"
        )
    slot_diff = 0.0
    value_diff = 0.0
    slots_checked = 0
    if opt is not None and getattr(opt, "built", False):
        out["optimizer_variables"] = [
            {"name": v.name, "path": v.path, "shape": list(v.shape)} for v in opt.variables
        ]
        out["iterations"] = int(np.asarray(opt.iterations.numpy()))
        # Keras names each slot after the model variable it was built for
        # (`<variable path with _>_<kind>`), whatever the optimizer; the value in it came
        # from the file by position, so a slot written for another variable shows here.
        by_name = {v.name: v for v in opt.variables}
        for i, (v, t) in enumerate(zip(tv, tess)):
            if list(v.shape) != list(t["shape"]):
                problems.append(
                    f"trainable variable {i} '{v.path}' has shape {list(v.shape)}, "
                    f"Tessera's '{t['name']}' has {t['shape']}"
                )
                continue
            value_diff = max(value_diff, max_diff(v.numpy(), t["value"]))
            for kind, values in t["slots"].items():
                name = f"{v.path.replace('/', '_')}_{kind}"
                s = by_name.get(name)
                if s is None:
                    problems.append(
                        f"no optimizer variable '{name}' (has {sorted(by_name)})"
                    )
                    continue
                if list(s.shape) != list(v.shape):
                    problems.append(
                        f"{kind} slot of '{v.path}' has shape {list(s.shape)}, "
                        f"the variable {list(v.shape)}"
                    )
                    continue
                slot_diff = max(slot_diff, max_diff(s.numpy(), values))
                slots_checked += 1
    else:
        problems.append("the optimizer was not built (its variables were not loaded)")
    out["slots_checked"] = slots_checked
    out["problems"] = problems
    out["value_diff"] = value_diff
    out["slot_diff"] = slot_diff

    xs = [
        np.asarray(x["data"], dtype=np.float32).reshape(x["shape"]) for x in case["inputs"]
    ]
    pred = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    preds = pred if isinstance(pred, (list, tuple)) else [pred]
    out["predictions"] = [
        {"shape": list(p.shape), "data": np.asarray(p, dtype=np.float64).ravel().tolist()}
        for p in preds
    ]
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    results = [check_case(c) for c in manifest["cases"]]
    json.dump({"keras_version": keras.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
