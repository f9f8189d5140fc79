"""Golden cases for tensordot, erfinv and the segment reductions (numpy, scipy; torch for
gradients). Run: /usr/bin/python3 scripts/math_extra_golden.py → test/fixtures/math_extra_golden.json"""
import json
import os

import numpy as np
import scipy.special
import torch

rng = np.random.default_rng(7)
out = {"tensordot": [], "erfinv": {}, "segment": []}

for sa, sb, axes in [
    ((3, 4), (4, 5), 1),
    ((2, 3, 4), (3, 4, 2), 2),
    ((2, 3, 4), (4, 3, 5), [[1, 2], [1, 0]]),
    ((3, 2), (2, 3), 0),
    ((2, 3, 4), (4,), [[-1], [0]]),
]:
    a = rng.standard_normal(sa)
    b = rng.standard_normal(sb)
    y = np.tensordot(a, b, axes=axes)
    w = rng.standard_normal(np.shape(y))
    ta = torch.tensor(a, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    (torch.tensordot(ta, tb, dims=axes) * torch.tensor(w)).sum().backward()
    out["tensordot"].append(
        {
            "a": {"shape": list(sa), "data": a.ravel().tolist()},
            "b": {"shape": list(sb), "data": b.ravel().tolist()},
            "axes": axes,
            "y": {"shape": list(np.shape(y)), "data": np.ravel(y).tolist()},
            "w": np.ravel(w).tolist(),
            "ga": ta.grad.numpy().ravel().tolist(),
            "gb": tb.grad.numpy().ravel().tolist(),
        }
    )

x = np.concatenate([np.linspace(-0.999999, 0.999999, 41), [0.0, 0.5, -0.9, 0.99, 1e-8, -1e-4]])
out["erfinv"] = {"x": x.tolist(), "y": scipy.special.erfinv(x).tolist()}

for n, inner, ids, num in [
    (6, (), [0, 0, 1, 2, 2, 2], None),
    (5, (3,), [1, -1, 1, 3, 0], 5),
    (4, (2, 2), [2, 0, 2, 0], None),
]:
    d = rng.standard_normal((n, *inner))
    ids_a = np.array(ids)
    valid = ids_a >= 0
    m = num if num is not None else ids_a.max() + 1
    s = np.zeros((m, *inner))
    mx = np.full((m, *inner), -np.inf)
    np.add.at(s, ids_a[valid], d[valid])
    np.maximum.at(mx, ids_a[valid], d[valid])
    out["segment"].append(
        {
            "data": {"shape": [n, *inner], "data": d.ravel().tolist()},
            "ids": ids,
            "num": num,
            "sum": s.ravel().tolist(),
            "max": [v if np.isfinite(v) else None for v in mx.ravel().tolist()],
            "shape": [int(m), *inner],
        }
    )

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "math_extra_golden.json")
with open(path, "w") as f:
    json.dump({"generator": "scripts/math_extra_golden.py (numpy, scipy, torch)", **out}, f)
print("ok")
