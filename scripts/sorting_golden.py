#!/usr/bin/python3
"""Golden cases for src/ops/sorting.ts, scan.ts and arrange.ts, from NumPy and PyTorch.

Run with Debian's python (numpy and torch installed):
    /usr/bin/python3 scripts/sorting_golden.py > test/fixtures/sorting_golden.json

Each case holds its inputs, NumPy's output and, for some, PyTorch's autograd gradient of
sum(w * op(x)) for a fixed w. NaN is written as null (JSON has no NaN).
"""
import json

import numpy as np
import torch

rng = np.random.default_rng(20240613)


def enc(a):
    """A nested list with NaN as None."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return [None if np.isnan(v) else float(v) for v in a.ravel()]
    return [int(v) for v in a.ravel()]


def arr(a):
    a = np.asarray(a)
    return {"values": enc(a), "shape": list(a.shape)}


def grad_of(fn, x, extra=None):
    """Gradient of sum(w * fn(x)) by torch autograd, w drawn from rng; returns (w, grad)."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fn(xt)
    w = rng.standard_normal(tuple(y.shape))
    (torch.tensor(w) * y).sum().backward()
    return arr(w), arr(xt.grad.numpy())


cases = []


def case(op, x, args, out, grad=None, **kw):
    c = {"op": op, "x": arr(x), "args": args, "out": arr(out)}
    if grad is not None:
        c["w"], c["grad"] = grad
    c.update(kw)
    cases.append(c)


# sort / argsort: ties (small integers) and NaN; numpy's stable sort, NaN last.
for shape, axis in [((4, 6), -1), ((4, 6), 0), ((2, 3, 5), 1), ((7,), 0)]:
    x = rng.integers(-3, 4, size=shape).astype(np.float64)
    x[rng.random(shape) < 0.15] = np.nan
    case("sort", x, {"axis": axis}, np.sort(x, axis=axis))
    case("argsort", x, {"axis": axis}, np.argsort(x, axis=axis, kind="stable"))
x = rng.standard_normal((3, 5))
case("sort", x, {"axis": None}, np.sort(x, axis=None))
for axis in [-1, 0]:
    x = rng.standard_normal((3, 5))
    case(
        "sort",
        x,
        {"axis": axis},
        np.sort(x, axis=axis),
        grad_of(lambda t: torch.sort(t, dim=axis, stable=True).values, x),
    )

# topK: distinct values (torch leaves the order of ties to the implementation).
for shape, k in [((5,), 3), ((3, 6), 2), ((2, 3, 4), 4), ((3, 6), 0)]:
    x = rng.standard_normal(shape)
    v, i = torch.topk(torch.tensor(x), k, dim=-1, largest=True, sorted=True)
    case(
        "topK",
        x,
        {"k": k},
        v.numpy(),
        grad_of(lambda t: torch.topk(t, k, dim=-1).values, x) if k > 0 else None,
        indices=arr(i.numpy()),
    )

# cumsum / cumprod, with zeros for cumprod's gradient.
for axis in [0, 1, -1, None]:
    x = rng.standard_normal((3, 4))
    tdim = 0 if axis is None else axis
    flat = (lambda t: t.reshape(-1)) if axis is None else (lambda t: t)
    case(
        "cumsum",
        x,
        {"axis": axis},
        np.cumsum(x, axis=axis),
        grad_of(lambda t: torch.cumsum(flat(t), dim=tdim), x),
    )
    xz = rng.standard_normal((3, 4))
    xz[0, 1] = 0.0
    xz[2, 2] = 0.0
    xz[1, 0] = 0.0
    xz[1, 3] = 0.0
    case(
        "cumprod",
        xz,
        {"axis": axis},
        np.cumprod(xz, axis=axis),
        grad_of(lambda t: torch.cumprod(flat(t), dim=tdim), xz),
    )

# flip, roll, repeat, triu, tril, take_along_axis.
x = rng.standard_normal((2, 3, 4))
for axis in [None, 0, -1, [0, 2]]:
    case("flip", x, {"axis": axis}, np.flip(x, axis=tuple(axis) if isinstance(axis, list) else axis))
def torch_roll(t, shift, axis):
    """torch.roll with NumPy's pairing: one axis with several shifts adds them."""
    if axis is None:
        return torch.roll(t, shift)
    if isinstance(shift, list) and not isinstance(axis, list):
        return torch.roll(t, sum(shift), dims=axis)
    return torch.roll(t, tuple(shift) if isinstance(shift, list) else shift, dims=tuple(axis) if isinstance(axis, list) else axis)


for shift, axis in [(2, None), (-1, 1), (5, -1), ([1, 2], [0, 2]), ([1, -3], 2)]:
    np_shift = tuple(shift) if isinstance(shift, list) else shift
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    case(
        "roll",
        x,
        {"shift": shift, "axis": axis},
        np.roll(x, np_shift, axis=np_axis),
        grad_of(lambda t: torch_roll(t, shift, axis), x),
    )
for repeats, axis in [(2, None), (3, 1), ([1, 0, 2], 1), ([2, 1], 0), (0, -1)]:
    case(
        "repeat",
        x,
        {"repeats": repeats, "axis": axis},
        np.repeat(x, repeats, axis=axis),
        grad_of(
            lambda t: torch.repeat_interleave(t, torch.tensor(repeats), dim=axis),
            x,
        ),
    )
m = rng.standard_normal((2, 3, 4))
for k in [0, 1, -1, 5, -4]:
    case("triu", m, {"k": k}, np.triu(m, k))
    case("tril", m, {"k": k}, np.tril(m, k))
for ishape, axis in [((2, 5, 4), 1), ((2, 3, 2), -1), ((1, 3, 4), 0), ((2, 1, 4), 1)]:
    n = x.shape[axis]
    idx = rng.integers(-n, n, size=ishape)
    case("takeAlongAxis", x, {"axis": axis}, np.take_along_axis(x, idx, axis=axis), indices=arr(idx))
# Gradient of take_along_axis with repeated indices (no broadcasting, as torch.gather).
idx = np.array([[0, 0, 2], [1, 1, 1]])
xg = rng.standard_normal((2, 3))
case(
    "takeAlongAxis",
    xg,
    {"axis": 1},
    np.take_along_axis(xg, idx, axis=1),
    grad_of(lambda t: torch.gather(t, 1, torch.tensor(idx)), xg),
    indices=arr(idx),
)

print(json.dumps({"generator": "scripts/sorting_golden.py", "numpy": np.__version__, "torch": torch.__version__, "cases": cases}))
