"""Golden values for src/ops/numpy_extra5.ts and numpy_extra6.ts: seeded inputs and the outputs
of real Keras 3.15.1 `keras.ops` on its numpy backend (floatx float64, so that float inputs
stay float64), except
where noted (sparsemax: the paper's formula in numpy, see below). Writes
test/fixtures/numpy_extra5_golden.json.

Run: PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/numpy_extra5_golden.py
"""
import json
import math
import os

import keras_numpy_env  # noqa: F401  (must precede keras)
import keras
import numpy as np
import scipy.special
from keras import ops

# Keras converts float64 arrays to floatx; float64 keeps the goldens in double precision.
keras.config.set_floatx("float64")

rng = np.random.default_rng(20260515)


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
        dt = "bool"
    elif np.issubdtype(a.dtype, np.integer):
        dt = "int32"
    elif a.dtype == np.float32:
        dt = "float32"
    else:
        dt = "float64"
    return {"shape": list(a.shape), "dtype": dt, "data": [enc(v) for v in a.reshape(-1)]}


cases = []


def case(name, inputs, fn):
    # Inputs are recorded before the call, and the call gets copies: Keras's numpy
    # scatter_update and slice_update write into their input.
    c = {"name": name, "inputs": [arr(x) for x in inputs]}
    out = fn(*[np.copy(x) for x in inputs])
    if isinstance(out, (list, tuple)):
        c["outs"] = [arr(o) for o in out]
    else:
        c["out"] = arr(out)
    cases.append(c)


def u(shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape)


def i32(a):
    return np.asarray(a, dtype=np.int32)


A = u((3, 4), -3, 3)
B = u((4,), -3, 3)
nanA = A.copy()
nanA[0, 1] = np.nan
nanA[2, 0] = np.nan
nanA[2, 3] = np.nan
allnan = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, -2.0]])

# elementwise math
# erfc, i0 and angle: Keras wraps scipy/numpy but rounds the result to float32 whatever the
# input; the goldens call the wrapped functions directly to keep double precision.
case("erfc", [np.array([-3.0, -0.7, 0.0, 0.3, 1.9, 2.1, 4.5, 9.0, 30.0])], scipy.special.erfc)
case("fabs", [A], ops.fabs)
case("fabs_int", [i32([-3, 0, 4])], ops.fabs)
case("fmax", [np.array([1.0, np.nan, np.nan, -2.0]), np.array([np.nan, 2.0, np.nan, 3.0])], ops.fmax)
case("fmin", [np.array([1.0, np.nan, np.nan, -2.0]), np.array([np.nan, 2.0, np.nan, 3.0])], ops.fmin)
case("fmax_bcast", [A, B], ops.fmax)
case("ldexp", [A, i32([[1, -2, 0, 5]] * 3)], ops.ldexp)
# nextafter: Keras computes in float32 even for float64 arrays, so the inputs are float32.
case("nextafter", [np.array([1.0, 0.0, -1.0, 2.0, 5.0, 3.5], np.float32), np.array([2.0, -1.0, 0.0, 2.0, -np.inf, 0.0], np.float32)], ops.nextafter)
case("i0", [np.array([-12.0, -8.0, -3.2, 0.0, 0.5, 7.99, 8.0, 8.01, 20.0, 100.0])], np.i0)
# integers and bits
P = i32([[12, -18, 0, 7], [35, 9, 0, -4]])
Q = i32([[18, 12, 5, 0], [-21, 6, 0, 6]])
case("gcd", [P, Q], ops.gcd)
case("lcm", [P, Q], ops.lcm)
case("bitwise_and", [P, Q], ops.bitwise_and)
case("bitwise_or", [P, Q], ops.bitwise_or)
case("bitwise_xor", [P, Q], ops.bitwise_xor)
case("bitwise_not", [P], ops.bitwise_not)
case("bitwise_and_bool", [np.array([True, True, False]), np.array([True, False, False])], ops.bitwise_and)
case("bitwise_left_shift", [i32([1, -3, 5, 7, 1]), i32([3, 2, 31, 0, 30])], ops.bitwise_left_shift)
case("bitwise_right_shift", [i32([64, -64, 5, -1, 1000]), i32([3, 3, 1, 5, 31])], ops.bitwise_right_shift)
# complex helpers on real inputs
case("angle", [np.array([-2.0, -0.0, 0.0, 3.0, np.nan])], np.angle)
case("real", [A], ops.real)
case("imag", [A], ops.imag)
case("conj", [A], ops.conj)
case("isreal", [A], ops.isreal)
case("copy", [A], ops.copy)
# windows: inputs are the lengths
for w in ["bartlett", "blackman", "hamming", "hanning"]:
    for m in [0, 1, 2, 5, 8]:
        case(f"{w}_{m}", [], lambda w=w, m=m: getattr(ops, w)(m))
for m, beta in [(1, 3.0), (6, 0.0), (7, 5.0), (10, 14.0)]:
    case(f"kaiser_{m}_{beta}", [], lambda m=m, beta=beta: ops.kaiser(m, beta))
# statistics
case("corrcoef", [u((3, 6))], ops.corrcoef)
case("corrcoef_1d", [u((5,))], ops.corrcoef)
case("cdist", [u((2, 3, 4)), u((2, 5, 4))], ops.cdist)
for mode in ["valid", "same", "full"]:
    case(f"correlate_{mode}", [u((7,)), u((3,))], lambda a, v, mode=mode: ops.correlate(a, v, mode))
    case(f"correlate_{mode}_long_v", [u((3,)), u((6,))], lambda a, v, mode=mode: ops.correlate(a, v, mode))
    case(f"correlate_{mode}_even", [u((6,)), u((4,))], lambda a, v, mode=mode: ops.correlate(a, v, mode))
H = np.array([0.1, 0.5, 0.5, 2.0, -1.0, 0.75, 0.3, 1.99])
case("histogram", [H], lambda x: ops.histogram(x, bins=4))
case("histogram_range", [H], lambda x: ops.histogram(x, bins=3, range=(0.0, 1.0)))
# sets and selection
case("isin", [i32([[1, 2, 3], [4, 5, 6]]), i32([6, 1, 9])], ops.isin)
case("isin_invert", [i32([[1, 2, 3], [4, 5, 6]]), i32([6, 1, 9])], lambda a, b: ops.isin(a, b, invert=True))
C1 = A > 1
C2 = A < -1
case("select", [C1, C2, A, -A], lambda c1, c2, a, b: ops.select([c1, c2], [a, b], default=0.5))
case("unravel_index", [i32([0, 5, 11, 7])], lambda i: ops.unravel_index(i, (3, 4)))
# NaN-ignoring reductions
for name, fn in [
    ("nansum", ops.nansum),
    ("nanmean", ops.nanmean),
    ("nanmax", ops.nanmax),
    ("nanmin", ops.nanmin),
    ("nanprod", ops.nanprod),
    ("nanvar", ops.nanvar),
    ("nanstd", ops.nanstd),
    ("nanmedian", ops.nanmedian),
]:
    case(f"{name}_all", [nanA], fn)
    case(f"{name}_ax1", [nanA], lambda x, fn=fn: fn(x, axis=1))
    case(f"{name}_ax0_keep", [nanA], lambda x, fn=fn: fn(x, axis=0, keepdims=True))
for name, fn in [("nanargmax", ops.nanargmax), ("nanargmin", ops.nanargmin)]:
    case(f"{name}_all", [nanA], fn)
    case(f"{name}_ax1", [nanA], lambda x, fn=fn: fn(x, axis=1))
    case(f"{name}_allnan", [allnan], lambda x, fn=fn: fn(x, axis=1))
case("nancumsum", [nanA], lambda x: ops.nancumsum(x, axis=1))
case("nancumprod", [nanA], lambda x: ops.nancumprod(x, axis=0))
case("nancumsum_flat", [nanA], ops.nancumsum)
for method in ["linear", "lower", "higher", "midpoint", "nearest"]:
    case(
        f"nanquantile_{method}",
        [nanA],
        lambda x, method=method: ops.nanquantile(x, np.array([0.0, 0.3, 0.5, 1.0]), axis=1, method=method),
    )
case("nanquantile_allnan", [allnan], lambda x: ops.nanquantile(x, 0.4, axis=1))
case("nanpercentile", [nanA], lambda x: ops.nanpercentile(x, 30.0, axis=0, keepdims=True))
# nn
D = u((2, 2, 3, 8))
case("depth_to_space", [D], lambda x: ops.depth_to_space(x, 2))
case("depth_to_space_cf", [D], lambda x: ops.depth_to_space(np.transpose(x, (0, 3, 1, 2)), 2, data_format="channels_first"))
S = u((2, 4, 6, 3))
case("space_to_depth", [S], lambda x: ops.space_to_depth(x, 2))
case("space_to_depth_cf", [S], lambda x: ops.space_to_depth(np.transpose(x, (0, 3, 1, 2)), 2, data_format="channels_first"))
case("extract_sequences", [u((2, 10))], lambda x: ops.extract_sequences(x, 4, 3))
case("multi_hot", [i32([[1, 3, 3], [0, 0, 4]])], lambda x: ops.multi_hot(x, 5))
case("multi_hot_1d", [i32([2, 0, 2])], lambda x: ops.multi_hot(x, 4))
case("psnr", [u((3, 4), 0, 1), u((3, 4), 0, 1)], lambda a, b: ops.psnr(a, b, 1.0))
case("rms_normalization", [A, u((4,), 0.5, 2)], lambda x, s: ops.rms_normalization(x, s))
case("rms_normalization_axis0", [A], lambda x: ops.rms_normalization(x, axis=0, epsilon=1e-3))
T = u((3, 4), 0, 1)
case("binary_crossentropy", [T, u((3, 4), 0.05, 0.95)], ops.binary_crossentropy)
case("binary_crossentropy_logits", [T, A], lambda t, o: ops.binary_crossentropy(t, o, from_logits=True))
# math, linalg
case("segment_min", [u((5, 2)), i32([0, 2, 0, 2, -1])], lambda d, s: ops.segment_min(d, s, num_segments=4))
case("in_top_k", [i32([1, 0, 2]), np.array([[0.1, 0.5, 0.5], [0.2, 0.2, 0.6], [0.3, 0.3, 0.3]])], lambda t, p: ops.in_top_k(t, p, 1))
case("in_top_k2", [i32([1, 0, 2]), np.array([[0.1, 0.5, 0.4], [0.2, 0.1, 0.6], [0.9, 0.3, 0.1]])], lambda t, p: ops.in_top_k(t, p, 2))
M = u((2, 3, 3), -2, 2)
case("slogdet", [M], ops.slogdet)
case("logdet", [M], ops.logdet)
# core
case("scatter", [i32([[0, 1], [2, 0], [0, 1]]), np.array([5.0, 7.0, 1.0])], lambda i, v: ops.scatter(i, v, (3, 2)))
case("scatter_rows", [i32([[2], [0]]), u((2, 3))], lambda i, v: ops.scatter(i, v, (4, 3)))
case("scatter_update", [A, i32([[0, 1], [2, 3], [0, 1]]), np.array([10.0, 20.0, 30.0])], ops.scatter_update)
case("scatter_update_add", [A, i32([[0, 1], [2, 3], [0, 1]]), np.array([10.0, 20.0, 30.0])], lambda x, i, v: ops.scatter_update(x, i, v, reduction="add"))
case("slice_update", [A, u((2, 2))], lambda x, v: ops.slice_update(x, (1, 2), v))
case("saturate_cast", [np.array([1e10, -np.inf, np.inf, 3.7, -3.7], np.float32)], lambda x: ops.saturate_cast(x, "int32"))
case("view", [np.array([1.0, -2.5, 0.0], np.float32)], lambda x: ops.view(x, "int32"))


# sparsemax: Keras 3.15.1 computes τ = (Σ over the support of the cumulative sums − 1) / k in
# every backend, which does not project onto the simplex; the golden is the paper's formula.
def sparsemax_ref(x, axis=-1):
    z = -np.sort(-x, axis=axis)
    cs = np.cumsum(z, axis=axis)
    r_shape = [1] * x.ndim
    r_shape[axis] = -1
    r = np.arange(1, x.shape[axis] + 1).reshape(r_shape)
    support = 1 + r * z > cs
    k = np.sum(support, axis=axis, keepdims=True)
    csk = np.take_along_axis(cs, k - 1, axis=axis)
    tau = (csk - 1) / k
    return np.maximum(x - tau, 0.0)


case("sparsemax", [u((3, 5), -2, 2)], sparsemax_ref)
case("sparsemax_axis0", [u((4, 3), -2, 2)], lambda x: sparsemax_ref(x, 0))
# Appended last, so that the draws of the cases above stay as they were.
case("segment_prod", [u((6, 2), -2, 2), i32([0, 2, 0, 2, -1, 0])], lambda d, s: ops.segment_prod(d, s, num_segments=4))

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "numpy_extra5_golden.json")
with open(out, "w") as f:
    json.dump({"source": "keras 3.15.1 numpy backend (scripts/numpy_extra5_golden.py)", "cases": cases}, f)
print(f"{len(cases)} cases -> {out}")
