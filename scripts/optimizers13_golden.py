"""Golden values for Lion, Ftrl, Adafactor, Lamb, Keras's EMA and gradient accumulation, and
CosineDecayRestarts, from real Keras 3 (v3.15.1) on its numpy backend.

Run: PYTHONPATH=/tmp/keras-src:/work/shared/tools/keras3/shims /usr/bin/python3 \
     scripts/optimizers13_golden.py  (writes test/fixtures/optimizers13_golden.json)

The numpy backend has no autodiff, but `apply_gradients` with given numpy gradients runs the
optimizers' own update code, so the fixture holds seeded variables, seeded gradients, the
variables after every step, every optimizer variable at the end (Keras's order, path, shape)
and `get_config()`.
"""
import json
import os
import re

import keras_numpy_env  # noqa: F401  (must come before keras)
import keras
import numpy as np
from keras import optimizers
from keras.optimizers import schedules

SHAPES = {"k": (3, 4), "b": (4,), "t": (2, 3, 4)}


def camel(k):
    special = {"beta_1": "beta1", "beta_2": "beta2"}
    if k in special:
        return special[k]
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), k)


def run_case(name, cls, kwargs, var_names, steps, seed, slot_kinds):
    rng = np.random.default_rng(seed)
    init = {n: rng.normal(size=SHAPES[n]).astype("float32") for n in var_names}
    kvars = [keras.Variable(init[n].copy(), name=n) for n in var_names]
    opt = cls(**kwargs)
    grads, history = [], []
    for _ in range(steps):
        g = {n: rng.normal(size=SHAPES[n]).astype("float32") for n in var_names}
        grads.append({n: g[n].ravel().tolist() for n in var_names})
        opt.apply_gradients([(g[n], v) for n, v in zip(var_names, kvars)])
        history.append({n: np.asarray(v.numpy()).ravel().tolist() for n, v in zip(var_names, kvars)})
    slots = []
    kind_iter = {n: iter(slot_kinds(n)) for n in var_names}
    for v in opt.variables[2 if not isinstance(opt._learning_rate, schedules.LearningRateSchedule) else 1:]:
        path = v.path.split("/", 1)[1]
        var = next(n for n in sorted(var_names, key=len, reverse=True) if path == n or path.startswith(n + "_"))
        slots.append(
            {
                "path": path,
                "var": var,
                "kind": next(kind_iter[var]),
                "shape": list(v.shape),
                "values": np.asarray(v.numpy(), dtype="float64").ravel().tolist(),
            }
        )
    cfg = opt.get_config()
    args = {}
    for k, v in kwargs.items():
        if isinstance(v, schedules.LearningRateSchedule):
            c = v.get_config()
            v = {"className": type(v).__name__, "config": {camel(a): b for a, b in c.items()}}
        args[camel(k)] = v
    cfg_json = {}
    for k, v in cfg.items():
        if isinstance(v, dict):
            v = {"className": v.get("class_name"), "config": v.get("config")}
        cfg_json[k] = v
    return {
        "name": name,
        "className": type(opt).__name__,
        "args": args,
        "vars": var_names,
        "shapes": {n: list(SHAPES[n]) for n in var_names},
        "init": {n: init[n].ravel().tolist() for n in var_names},
        "grads": grads,
        "history": history,
        "iterations": int(opt.iterations),
        "rawIterations": int(opt._iterations),
        "slots": slots,
        "kerasConfig": cfg_json,
    }


def kinds(*ks):
    return lambda _n: list(ks)


cases = [
    ("lion", optimizers.Lion, {"learning_rate": 0.01}, ["k", "b"], 5, 1, kinds("momentum")),
    (
        "lion_wd",
        optimizers.Lion,
        {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.95, "weight_decay": 0.1},
        ["k", "b"], 5, 2, kinds("momentum"),
    ),
    ("ftrl", optimizers.Ftrl, {"learning_rate": 0.1}, ["k", "b"], 5, 3, kinds("accumulator", "linear")),
    (
        "ftrl_reg",
        optimizers.Ftrl,
        {
            "learning_rate": 0.2,
            "learning_rate_power": -0.7,
            "initial_accumulator_value": 0.2,
            "l1_regularization_strength": 0.05,
            "l2_regularization_strength": 0.02,
            "l2_shrinkage_regularization_strength": 0.03,
            "beta": 0.5,
        },
        ["k", "b"], 5, 4, kinds("accumulator", "linear"),
    ),
    ("adafactor", optimizers.Adafactor, {"learning_rate": 0.01}, ["k", "b", "t"], 5, 5, kinds("r", "c", "velocity")),
    (
        "adafactor_opts",
        optimizers.Adafactor,
        {
            "learning_rate": schedules.ExponentialDecay(0.5, 2, 0.5),
            "beta_2_decay": -0.6,
            "epsilon_2": 0.01,
            "clip_threshold": 0.5,
            "relative_step": False,
        },
        ["k", "b", "t"], 5, 6, kinds("r", "c", "velocity"),
    ),
    ("lamb", optimizers.Lamb, {"learning_rate": 0.01}, ["k", "b"], 5, 7, kinds("momentum", "velocity")),
    (
        "lamb_opts",
        optimizers.Lamb,
        {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-3, "weight_decay": 0.05},
        ["k", "b"], 5, 8, kinds("momentum", "velocity"),
    ),
    (
        "adam_ema",
        optimizers.Adam,
        {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.8, "ema_overwrite_frequency": 3},
        ["k", "b"], 7, 9, kinds("average", "momentum", "velocity"),
    ),
    (
        "sgd_accum",
        optimizers.SGD,
        {"learning_rate": 0.1, "momentum": 0.9, "gradient_accumulation_steps": 3},
        ["k", "b"], 7, 10, kinds("gradientAccumulator", "momentum"),
    ),
    (
        "lion_ema_accum",
        optimizers.Lion,
        {
            "learning_rate": 0.01,
            "use_ema": True,
            "ema_momentum": 0.5,
            "gradient_accumulation_steps": 2,
        },
        ["k", "b"], 6, 11, kinds("average", "gradientAccumulator", "momentum"),
    ),
]

out = {"keras": keras.__version__, "optimizers": [run_case(*c) for c in cases]}

sched_cases = [
    {"initial_learning_rate": 0.1, "first_decay_steps": 10},
    {"initial_learning_rate": 0.5, "first_decay_steps": 7, "t_mul": 1.0, "m_mul": 0.8, "alpha": 0.1},
    {"initial_learning_rate": 1.0, "first_decay_steps": 5, "t_mul": 1.5, "m_mul": 0.9, "alpha": 0.05, "name": "sgdr"},
]
steps = [0, 1, 2, 3, 5, 7, 9, 10, 11, 14, 15, 20, 29, 30, 31, 45, 60, 70, 99, 100, 150, 257]
out["schedules"] = [
    {
        "args": {camel(k): v for k, v in c.items()},
        "steps": steps,
        "values": [float(schedules.CosineDecayRestarts(**c)(s)) for s in steps],
        "kerasConfig": schedules.CosineDecayRestarts(**c).get_config(),
    }
    for c in sched_cases
]

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "optimizers13_golden.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", path)
