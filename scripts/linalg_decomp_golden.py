"""Golden cases for Tessera's matrix decompositions and norms (src/ops/linalg_decomp.ts,
src/ops/linalg_norm.ts): values from numpy/scipy (as Keras 3's numpy backend computes them) and
torch gradients of a loss that does not depend on the sign conventions of the factors.
Run: /usr/bin/python3 scripts/linalg_decomp_golden.py → test/fixtures/linalg_decomp_golden.json

Losses (the test computes the same ones from Tessera's outputs):
  qr:    Σ w1·(Q diag(c) R) + Σ w2·Q² + Σ w3·R²
  svd:   Σ ws·S + Σ w1·(U diag(c) Vh) + Σ w2·U² + Σ w3·Vh²   (U, Vh narrowed to k = min(m, n))
  eigh:  Σ ww·w + Σ w1·(V diag(c) Vᵀ) + Σ w2·V²
  others: Σ w·f(x)
"""
import json
import os
import warnings

import numpy as np
import scipy.linalg
import torch

rng = np.random.default_rng(23)


def arr(x):
    x = np.asarray(x, dtype=np.float64)
    return {"shape": list(x.shape), "data": x.ravel().tolist()}


def randn(*shape):
    return rng.standard_normal(shape)


def tt(x):
    return torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


def grad_of(inputs, fn):
    ts = [tt(x) for x in inputs]
    y = fn(*ts)
    if y.requires_grad:
        y.backward()
    # A loss that does not depend on an input (the vector 0-"norm") leaves no gradient: zeros.
    return [arr(np.zeros(t.shape) if t.grad is None else t.grad.numpy()) for t in ts]


cases = []


def add(op, inputs, out, extra=None, w=None, grads=None):
    cases.append(
        {
            "op": op,
            "extra": extra or {},
            "inputs": [arr(x) for x in inputs],
            "out": {k: arr(v) for k, v in out.items()},
            "w": {k: arr(v) for k, v in (w or {}).items()},
            "grads": grads,
        }
    )


def mT(x):
    return x.transpose(-1, -2)


# ---- qr
for shape, mode in [((4, 3), "reduced"), ((3, 3), "reduced"), ((3, 5), "reduced"), ((2, 4, 3), "reduced"),
                    ((4, 3), "complete"), ((3, 5), "complete")]:
    a = randn(*shape)
    q, r = np.linalg.qr(a, mode=mode)
    k = min(shape[-2:])
    w = {"c": randn(k), "w1": randn(*a.shape), "w2": randn(*q.shape), "w3": randn(*r.shape)}
    grads = None
    if not (mode == "complete" and shape[-2] > shape[-1]):

        def loss(x):
            Q, R = torch.linalg.qr(x, mode=mode)
            Wt = {kk: torch.tensor(v) for kk, v in w.items()}
            return ((Q * Wt["c"]) @ R * Wt["w1"]).sum() + (Wt["w2"] * Q**2).sum() + (Wt["w3"] * R**2).sum()

        grads = grad_of([a], loss)
    add("qr", [a], {"q": q, "r": r}, {"mode": mode}, w, grads)

# ---- svd
for shape, full in [((4, 3), False), ((3, 3), False), ((3, 5), False), ((2, 3, 4), False), ((4, 3), True),
                    ((3, 5), True)]:
    a = randn(*shape)
    u, s, vh = np.linalg.svd(a, full_matrices=full)
    k = min(shape[-2:])
    m, n = shape[-2:]
    w = {"ws": randn(*s.shape), "c": randn(k), "w1": randn(*a.shape), "w2": randn(*(shape[:-2] + (m, k))),
         "w3": randn(*(shape[:-2] + (k, n)))}

    def loss(x):
        U, S, Vh = torch.linalg.svd(x, full_matrices=full)
        U = U[..., :, :k]
        Vh = Vh[..., :k, :]
        Wt = {kk: torch.tensor(v) for kk, v in w.items()}
        return ((Wt["ws"] * S).sum() + ((U * Wt["c"]) @ Vh * Wt["w1"]).sum() + (Wt["w2"] * U**2).sum()
                + (Wt["w3"] * Vh**2).sum())

    add("svd", [a], {"u": u, "s": s, "vh": vh}, {"fullMatrices": full}, w, grad_of([a], loss))
a = randn(2, 3, 4)
ws = randn(2, 3)
add("svd_values", [a], {"s": np.linalg.svd(a, compute_uv=False)}, {}, {"ws": ws},
    grad_of([a], lambda x: (torch.linalg.svdvals(x) * torch.tensor(ws)).sum()))

# ---- eigh (only the lower triangle is read; the input here is symmetric)
for shape in [(3, 3), (4, 4), (2, 3, 3)]:
    b = randn(*shape)
    a = b + np.swapaxes(b, -1, -2)
    ev, v = np.linalg.eigh(a)
    w = {"ww": randn(*ev.shape), "c": randn(shape[-1]), "w1": randn(*shape), "w2": randn(*shape)}

    def loss(x):
        E, V = torch.linalg.eigh(x)
        Wt = {kk: torch.tensor(val) for kk, val in w.items()}
        return (Wt["ww"] * E).sum() + ((V * Wt["c"]) @ mT(V) * Wt["w1"]).sum() + (Wt["w2"] * V**2).sum()

    add("eigh", [a], {"w": ev, "v": v}, {}, w, grad_of([a], loss))

# ---- lu_factor (scipy: 0-based row interchanges)
for shape in [(4, 4), (2, 3, 3), (3, 5), (5, 3)]:
    a = randn(*shape)
    flat = a.reshape((-1,) + shape[-2:])
    lus, pivs = zip(*[scipy.linalg.lu_factor(x) for x in flat])
    lu = np.stack(lus).reshape(shape)
    piv = np.stack(pivs).reshape(shape[:-2] + (min(shape[-2:]),))
    w = {"w": randn(*shape)}
    grads = None
    if shape[-1] == shape[-2]:
        grads = grad_of([a], lambda x: (torch.linalg.lu_factor(x)[0] * torch.tensor(w["w"])).sum())
    add("lu_factor", [a], {"lu": lu, "pivots": piv}, {}, w, grads)
a = np.array([[0.0, 2.0, 1.0], [0.0, 4.0, 2.0], [0.0, 1.0, 3.0]])  # singular: a zero column
with warnings.catch_warnings():
    warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
    lu, piv = scipy.linalg.lu_factor(a)
add("lu_factor", [a], {"lu": lu, "pivots": piv}, {}, {"w": randn(3, 3)}, None)

# ---- pinv
for shape in [(4, 3), (3, 5), (2, 3, 3)]:
    a = randn(*shape)
    y = np.linalg.pinv(a)
    w = {"w": randn(*y.shape)}
    add("pinv", [a], {"y": y}, {}, w, grad_of([a], lambda x: (torch.linalg.pinv(x) * torch.tensor(w["w"])).sum()))
a = randn(4, 2) @ randn(2, 3)  # rank 2
add("pinv", [a], {"y": np.linalg.pinv(a)}, {"valuesOnly": True}, {}, None)

# ---- lstsq (Keras returns numpy's first value; rcond=None is eps·max(m, n))
for ashape, bshape in [((5, 3), (5, 2)), ((5, 3), (5,)), ((3, 5), (3,)), ((4, 4), (4, 3))]:
    a = randn(*ashape)
    b = randn(*bshape)
    x = np.linalg.lstsq(a, b, rcond=None)[0]
    w = {"w": randn(*x.shape)}

    def f(ta, tb):
        p = torch.linalg.pinv(ta)
        xx = p @ tb if tb.dim() == 2 else (p @ tb.unsqueeze(-1)).squeeze(-1)
        return (xx * torch.tensor(w["w"])).sum()

    add("lstsq", [a, b], {"x": x}, {}, w, grad_of([a, b], f))
a = randn(5, 2) @ randn(2, 3)  # rank 2: the minimum-norm solution
b = randn(5)
add("lstsq", [a, b], {"x": np.linalg.lstsq(a, b, rcond=None)[0]}, {"valuesOnly": True}, {}, None)

# ---- matrix_rank
r2 = randn(4, 2) @ randn(2, 3)
batch = np.stack([randn(3, 3), np.outer(randn(3), randn(3)), np.zeros((3, 3))])
for a, tol in [(r2, None), (batch, None), (randn(3, 5), None), (np.diag([1.0, 1e-3, 1e-9]), None),
               (np.diag([1.0, 1e-3, 1e-9]), 1e-2)]:
    add("matrix_rank", [a], {"rank": np.linalg.matrix_rank(a, tol=tol)}, {"tol": tol}, {}, None)

# ---- norm
x1 = randn(5)
x2 = randn(3, 4)
x3 = randn(2, 3, 4)
norm_cases = [
    (x1, None, None, False), (x1, 1, None, False), (x1, 2, None, False), (x1, np.inf, None, False),
    (x1, -np.inf, None, False), (x1, 0, None, False), (x1, 3, None, False), (x1, -1, None, False),
    (x1, 0.5, None, True),
    (x2, None, None, False), (x2, None, None, True), (x2, None, 1, False), (x2, 2, 0, True),
    (x2, 1, [1], False),
    (x2, "fro", None, False), (x2, "nuc", None, False), (x2, 1, None, False), (x2, -1, None, False),
    (x2, 2, None, False), (x2, -2, None, False), (x2, np.inf, None, False), (x2, -np.inf, None, False),
    (x3, None, None, False), (x3, None, [1, 2], False), (x3, "fro", [2, 0], True), (x3, "nuc", [1, 2], False),
    (x3, 1, [2, 1], False), (x3, np.inf, [0, 2], True), (x3, -2, [-1, -2], False), (x3, 2, [1, 2], True),
    (x3, 3, -1, False),
]
for x, ord_, axis, keepdims in norm_cases:
    ax = tuple(axis) if isinstance(axis, list) else axis
    y = np.linalg.norm(x, ord=ord_, axis=ax, keepdims=keepdims)
    w = {"w": randn(*np.shape(y))}

    def f(t):
        if ord_ is None and ax is None:
            v = torch.linalg.norm(t, keepdim=keepdims) if t.dim() <= 2 else torch.linalg.vector_norm(t, keepdim=keepdims)
            if keepdims and t.dim() > 2:
                v = v.reshape([1] * t.dim())
        else:
            v = torch.linalg.norm(t, ord=ord_, dim=ax, keepdim=keepdims)
        return (v * torch.tensor(w["w"])).sum()

    ordj = {np.inf: "inf", -np.inf: "-inf"}.get(ord_, ord_) if not isinstance(ord_, str) else ord_
    add("norm", [x], {"y": y}, {"ord": ordj, "axis": axis, "keepdims": keepdims}, w, grad_of([x], f))

# ---- cholesky_inverse (Keras: x is the Cholesky factor; L⁻ᵀL⁻¹, or U⁻¹U⁻ᵀ with upper)
for shape, upper in [((3, 3), False), ((2, 4, 4), False), ((3, 3), True)]:
    b = randn(*shape)
    spd = b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])
    low = np.linalg.cholesky(spd)
    f_in = np.swapaxes(low, -1, -2) if upper else low
    y = np.linalg.inv(spd)
    w = {"w": randn(*shape)}

    def f(t):
        eye = torch.eye(shape[-1], dtype=torch.float64).expand(t.shape)
        inv_chol = torch.linalg.solve_triangular(t, eye, upper=upper)
        out = inv_chol @ mT(inv_chol) if upper else mT(inv_chol) @ inv_chol
        return (out * torch.tensor(w["w"])).sum()

    add("cholesky_inverse", [f_in], {"y": y}, {"upper": upper}, w, grad_of([f_in], f))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "linalg_decomp_golden.json")
with open(path, "w") as fh:
    json.dump({"generator": "scripts/linalg_decomp_golden.py (numpy/scipy values, torch 1.13 autograd)", "cases": cases}, fh)
print("ok", len(cases))
