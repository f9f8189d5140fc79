"""Golden cases for Tessera's linear algebra (numpy/scipy values, torch gradients of Σ w·f).
Run: /usr/bin/python3 scripts/linalg_golden.py → test/fixtures/linalg_golden.json"""
import json
import os

import numpy as np
import scipy.linalg
import torch

rng = np.random.default_rng(11)


def arr(x):
    x = np.asarray(x, dtype=np.float64)
    return {"shape": list(x.shape), "data": x.ravel().tolist()}


def well(shape):
    a = rng.standard_normal(shape)
    n = shape[-1]
    return a + n * np.eye(n)


def spd(shape):
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


cases = []


def add(op, inputs, fn_np, fn_torch, extra=None):
    y = fn_np(*inputs)
    w = rng.standard_normal(np.shape(y))
    ts = [torch.tensor(x, requires_grad=True) for x in inputs]
    (fn_torch(*ts) * torch.tensor(w)).sum().backward()
    cases.append({"op": op, "extra": extra or {}, "inputs": [arr(x) for x in inputs], "y": arr(y), "w": arr(w), "grads": [arr(t.grad.numpy()) for t in ts]})


for shape in [(3, 3), (2, 4, 4)]:
    a = well(shape)
    add("inv", [a], np.linalg.inv, torch.linalg.inv)
    add("det", [well(shape)], np.linalg.det, torch.linalg.det)
    a = well(shape)
    b = rng.standard_normal(shape[:-1] + (2,))
    add("solve", [a, b], np.linalg.solve, torch.linalg.solve)
add("solve_vector", [well((3, 3)), rng.standard_normal(3)], np.linalg.solve, torch.linalg.solve)
for lower in (True, False):
    a = well((4, 4))
    a = np.tril(a) if lower else np.triu(a)
    b = rng.standard_normal((4, 3))
    add(
        "triangular_solve",
        [a, b],
        lambda x, y: scipy.linalg.solve_triangular(x, y, lower=lower),
        lambda x, y: torch.linalg.solve_triangular(x, y, upper=not lower),
        {"lower": lower},
    )
for upper in (False, True):
    a = spd((2, 3, 3))
    add(
        "cholesky",
        [a],
        lambda x: np.swapaxes(np.linalg.cholesky(x), -1, -2) if upper else np.linalg.cholesky(x),
        lambda x: torch.linalg.cholesky(x, upper=upper),
        {"upper": upper},
    )

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "linalg_golden.json")
with open(path, "w") as f:
    json.dump({"generator": "scripts/linalg_golden.py (numpy/scipy, torch 1.13 autograd)", "cases": cases}, f)
print("ok", len(cases))
