"""Golden cases for Tessera's einsum: numpy's einsum for values, torch autograd for gradients.

Run with Debian's python3 (numpy and torch): /usr/bin/python3 scripts/einsum_golden.py
Writes test/fixtures/einsum_golden.json. Inputs are float64, seeded.
"""
import json
import os

import numpy as np
import torch

rng = np.random.default_rng(20261207)

CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(2, 3), (3, 2)]),
    ("ba,cb", [(2, 3), (4, 2)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("abc,cde->abde", [(2, 3, 4), (4, 2, 5)]),
    ("abcd,cde->abe", [(2, 3, 2, 4), (2, 4, 5)]),
    ("aecd,abcd->acbe", [(2, 5, 3, 4), (2, 6, 3, 4)]),
    ("acbe,aecd->abcd", [(2, 3, 6, 5), (2, 5, 3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ijk->ki", [(2, 3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,kj->ik", [(3, 4), (2, 4)]),
    ("...ij,...jk->...ik", [(2, 3, 4, 5), (5, 2)]),
    ("...b,bc->...c", [(2, 3, 4), (4, 5)]),
    ("b...,b->...", [(3, 2, 4), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("abc,ac->b", [(2, 3, 4), (2, 4)]),
    ("ij,j->i", [(3, 1), (4,)]),
]

cases = []
for eq, shapes in CASES:
    xs = [rng.standard_normal(s) for s in shapes]
    y = np.einsum(eq, *xs)
    w = rng.standard_normal(np.shape(y))
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    (torch.einsum(eq, *ts) * torch.tensor(w)).sum().backward()
    cases.append(
        {
            "equation": eq,
            "inputs": [{"shape": list(x.shape), "data": x.ravel().tolist()} for x in xs],
            "output": {"shape": list(np.shape(y)), "data": np.ravel(y).tolist()},
            "w": np.ravel(w).tolist(),
            "grads": [t.grad.numpy().ravel().tolist() for t in ts],
        }
    )

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "einsum_golden.json")
with open(out, "w") as f:
    json.dump({"generator": "scripts/einsum_golden.py (numpy einsum, torch autograd)", "cases": cases}, f)
print(f"wrote {len(cases)} cases")
