"""Golden values for src/ops/numpy_extra*.ts: seeded inputs, numpy outputs, and torch autograd
gradients of sum(w * f) for the differentiable ops. Writes test/fixtures/numpy_extra_golden.json.

Run: /usr/bin/python3 scripts/numpy_extra_golden.py
"""
import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20261207)


def enc(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def arr(a):
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.float64)
    return {"shape": list(a.shape), "data": [enc(v) for v in a.reshape(-1)]}


def u(shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape)


cases = []


def case(name, inputs, np_fn, torch_fn=None):
    out = np_fn(*inputs)
    c = {"name": name, "inputs": [arr(x) for x in inputs]}
    if isinstance(out, (list, tuple)):
        c["outs"] = [arr(o) for o in out]
    else:
        c["out"] = arr(out)
    if torch_fn is not None:
        ts = [torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True) for x in inputs]
        y = torch_fn(*ts)
        w = rng.normal(size=tuple(y.shape))
        (y * torch.tensor(w)).sum().backward()
        c["w"] = [float(v) for v in np.asarray(w).reshape(-1)]
        c["grads"] = [[float(v) for v in t.grad.numpy().reshape(-1)] for t in ts]
    cases.append(c)


A = u((3, 4), -3, 3)
B = u((4,), -3, 3)
# elementwise math
case("cosh", [A], np.cosh, torch.cosh)
case("sinh", [A], np.sinh, torch.sinh)
case("tan", [u((3, 4), -1.4, 1.4)], np.tan, torch.tan)
case("arcsin", [u((3, 4), -0.95, 0.95)], np.arcsin, torch.asin)
case("arccos", [u((3, 4), -0.95, 0.95)], np.arccos, torch.acos)
case("arctan", [A], np.arctan, torch.atan)
case("arctan2", [A, B], np.arctan2, torch.atan2)
case("arcsinh", [A], np.arcsinh, torch.asinh)
case("arccosh", [u((3, 4), 1.1, 5)], np.arccosh, torch.acosh)
case("arctanh", [u((3, 4), -0.95, 0.95)], np.arctanh, torch.atanh)
case("cbrt", [A], np.cbrt, lambda x: torch.sign(x) * x.abs() ** (1 / 3))
case("exp2", [A], np.exp2, torch.exp2)
case("log2", [u((3, 4), 0.1, 5)], np.log2, torch.log2)
case("log10", [u((3, 4), 0.1, 5)], np.log10, torch.log10)
case("logaddexp", [A, B], np.logaddexp, torch.logaddexp)
case("logaddexp2", [A, B], np.logaddexp2, torch.logaddexp2)
case("hypot", [A, B], np.hypot, torch.hypot)
case("deg2rad", [A], np.deg2rad, torch.deg2rad)
case("rad2deg", [A], np.rad2deg, torch.rad2deg)
case("sinc", [np.array([0.0, 0.25, -1.5, 2.0, 0.7, -0.3])], np.sinc, torch.sinc)
case("trunc", [A], np.trunc)
case("fmod", [A, np.array([1.5, -2.0, 0.7, -1.1])], np.fmod, torch.fmod)
case("floorDivide", [A, np.array([1.5, -2.0, 0.7, -1.1])], np.floor_divide)
spec = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.0, 1e-9])
case("signbit", [spec], np.signbit)
case("isinf", [spec], np.isinf)
case("isposinf", [spec], np.isposinf)
case("isneginf", [spec], np.isneginf)
case("nanToNum", [spec], lambda x: np.nan_to_num(x.astype(np.float32)))
case("heaviside", [spec, np.array([0.5])], np.heaviside)
ic1 = np.array([1.0, 1.0 + 1e-6, 1.0 + 1e-4, np.inf, np.inf, np.nan, 0.0, 1e-9])
ic2 = np.array([1.0, 1.0, 1.0, np.inf, -np.inf, np.nan, 1e-9, 0.0])
case("isclose", [ic1, ic2], np.isclose)
case("isclose_nan", [ic1, ic2], lambda a, b: np.isclose(a, b, rtol=1e-3, atol=0.0, equal_nan=True))
# reductions
case("ptp", [A], lambda x: np.ptp(x, axis=-1))
case("average", [A, B], lambda x, w: np.average(x, axis=1, weights=w), lambda x, w: (x * w).sum(1) / w.sum())
case("average_full", [A, u((3, 4), 0.5, 2)], lambda x, w: np.average(x, axis=0, weights=w))
case("countNonzero", [np.array([[0, 1, 2], [0, 0, 3]])], lambda x: np.count_nonzero(x, axis=0))
# activations (torch references)
case("celu", [A], lambda x: np.where(x > 0, x, 0.7 * np.expm1(x / 0.7)), lambda x: torch.where(x > 0, x, 0.7 * torch.expm1(x / 0.7)))
case("glu", [u((2, 6))], lambda x: x[:, :3] / (1 + np.exp(-x[:, 3:])), lambda x: torch.nn.functional.glu(x, -1))
case("logSigmoid", [A], lambda x: -np.logaddexp(0, -x), torch.nn.functional.logsigmoid)
case("hardSilu", [A * 2], lambda x: x * np.clip(x + 3, 0, 6) / 6, torch.nn.functional.hardswish)
case("softShrink", [A], lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)), lambda x: torch.nn.functional.softshrink(x, 0.5))
case("tanhShrink", [A], lambda x: x - np.tanh(x), torch.nn.functional.tanhshrink)
case("squareplus", [A], lambda x: (x + np.sqrt(x * x + 4)) / 2, lambda x: (x + torch.sqrt(x * x + 4)) / 2)
# shapes and products
M = u((3, 4))
case("moveaxis", [u((2, 3, 4))], lambda x: np.moveaxis(x, [0, 2], [-1, 0]))
case("rot90_1", [M], lambda x: np.rot90(x, 1))
case("rot90_3", [u((2, 3, 4))], lambda x: np.rot90(x, 3, axes=(2, 0)))
case("rot90_2", [M], lambda x: np.rot90(x, -2))
case("outer", [B, u((3,))], np.outer, lambda a, b: torch.outer(a, b))
case("inner", [u((2, 4)), u((3, 4))], np.inner, lambda a, b: torch.inner(a, b))
case("dot_nd", [u((2, 3, 4)), u((5, 4, 2))], np.dot, lambda a, b: torch.tensordot(a, b, ([2], [1])))
case("dot_v", [u((2, 3, 4)), B], np.dot, lambda a, b: torch.matmul(a, b))
case("kron", [u((2, 3)), u((3, 2))], np.kron, torch.kron)
case("kron_rank", [u((2,)), u((2, 3))], np.kron, torch.kron)
case("cross", [u((4, 3)), u((1, 3))], np.cross, lambda a, b: torch.linalg.cross(a, b.expand(4, 3)))
case("cross_axis", [u((3, 2)), u((3, 2))], lambda a, b: np.cross(a, b, axisa=0, axisb=0, axisc=0),
     lambda a, b: torch.linalg.cross(a, b, dim=0))
case("trace", [u((3, 4, 2))], lambda x: np.trace(x, 1, 0, 1), lambda x: torch.diagonal(x, 1, 0, 1).sum(-1))
case("diagonal", [u((3, 4, 2))], lambda x: np.diagonal(x, -1, 2, 0), lambda x: torch.diagonal(x, -1, 2, 0))
case("diag_k", [u((3,))], lambda x: np.diag(x, -2), lambda x: torch.diag(x, -2))
case("diff", [u((3, 5))], lambda x: np.diff(x, 2, axis=1), lambda x: torch.diff(x, 2, dim=1))
case("tri", [], lambda: np.tri(3, 5, 1))
# statistics, search
Q = u((4, 5))
case("quantile", [Q], lambda x: np.quantile(x, [0.0, 0.3, 0.5, 0.9, 1.0], axis=1),
     lambda x: torch.quantile(x, torch.tensor([0.0, 0.3, 0.5, 0.9, 1.0]), dim=1))
case("quantile_keep", [u((2, 3, 4))], lambda x: np.quantile(x, 0.25, axis=(0, 2), keepdims=True))
case("percentile", [Q], lambda x: np.percentile(x, 37.5))
QM = u((3, 6))
for meth in ["lower", "higher", "midpoint", "nearest"]:
    case("quantile_" + meth, [QM], lambda x, m=meth: np.quantile(x, [0.0, 0.1, 0.3, 0.5, 0.7, 1.0], axis=1, method=m))
case("median", [Q], lambda x: np.median(x, axis=0), lambda x: torch.quantile(x, 0.5, dim=0))
case("median_nan", [np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]])], lambda x: np.median(x, axis=1))
case("trapezoid", [Q, np.sort(u((5,), 0, 3))], lambda y, x: np.trapz(y, x, axis=1),
     lambda y, x: torch.trapezoid(y, x, dim=1))
case("trapezoid_dx", [Q], lambda y: np.trapz(y, dx=0.5, axis=0), lambda y: torch.trapezoid(y, dx=0.5, dim=0))
seq = np.array([-1.0, 0.0, 0.0, 2.0, 5.0])
vals = np.array([[-2.0, 0.0, 1.0], [2.0, 5.0, 9.0]])
case("searchsorted_left", [seq, vals], lambda s, v: np.searchsorted(s, v, "left"))
case("searchsorted_right", [seq, vals], lambda s, v: np.searchsorted(s, v, "right"))
case("digitize", [vals, seq[[0, 1, 3, 4]]], lambda x, b: np.digitize(x, b))
case("digitize_right", [vals, seq[[0, 1, 3, 4]]], lambda x, b: np.digitize(x, b, right=True))
case("digitize_dec", [vals, seq[[4, 3, 1, 0]]], lambda x, b: np.digitize(x, b))
case("logspace", [], lambda: np.logspace(-1, 2, 7, endpoint=False, base=2.0))
case("geomspace", [], lambda: np.geomspace(-1000, -1, 5))
case("vander", [np.array([1.5, -2.0, 0.5])], lambda x: np.vander(x, 4), lambda x: torch.stack([x**3, x**2, x, torch.ones_like(x)], 1))
case("unique", [np.array([3.0, 1.0, np.nan, 3.0, -0.5, np.nan, 1.0])], np.unique)
case("take", [u((3, 4))], lambda x: np.take(x, np.array([[-1, 0], [2, 2]]), axis=1))
# Appended last, so that the draws of the cases above stay as they were.
case("mish", [u((3, 4), -5, 5)], lambda x: x * np.tanh(np.logaddexp(0, x)), torch.nn.functional.mish)

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "numpy_extra_golden.json")
with open(path, "w") as f:
    json.dump({"cases": cases}, f)
print(f"wrote {len(cases)} cases to {path}")
