"""Golden values for src/ops/fft.ts: numpy.fft for the transforms (float64), Keras 3's
ops.stft/istft (numpy backend, scipy.signal underneath; they return float32) for the
short-time ones. Writes
test/fixtures/fft_golden.json.

Run: PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/fft_golden.py
"""
import json
import os

import keras_numpy_env  # noqa: F401  (must precede keras)
import numpy as np
from keras import ops

rng = np.random.default_rng(20261207)


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


cases = []


def case(name, inputs, outs, **args):
    cases.append({"name": name, "inputs": [arr(x) for x in inputs], "outs": [arr(o) for o in outs], "args": args})


re, im = rng.normal(size=(2, 3, 6)), rng.normal(size=(2, 3, 6))
z = np.fft.fft(re + 1j * im)
case("fft", [re, im], [z.real, z.imag])
z = np.fft.ifft(re + 1j * im)
case("ifft", [re, im], [z.real, z.imag])
re2, im2 = rng.normal(size=(2, 4, 5)), rng.normal(size=(2, 4, 5))
z = np.fft.fft2(re2 + 1j * im2)
case("fft2", [re2, im2], [z.real, z.imag])
z = np.fft.ifft2(re2 + 1j * im2)
case("ifft2", [re2, im2], [z.real, z.imag])
x = rng.normal(size=(3, 7))
for n in [None, 5, 10]:
    z = np.fft.rfft(x, n=n)
    case(f"rfft_{n}", [x], [z.real, z.imag], fft_length=n)
sr, si = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
for n in [None, 9, 6]:
    case(f"irfft_{n}", [sr, si], [np.fft.irfft(sr + 1j * si, n=n)], fft_length=n)

sig = rng.normal(size=(2, 40))
for name, kw in [
    ("stft_hann_center", dict(sequence_length=8, sequence_stride=4, fft_length=8)),
    ("stft_hamming_pad", dict(sequence_length=6, sequence_stride=3, fft_length=10, window="hamming")),
    ("stft_nowin_nocenter", dict(sequence_length=8, sequence_stride=5, fft_length=8, window=None, center=False)),
]:
    r, i = ops.stft(sig, **kw)
    case(name, [sig], [np.asarray(r), np.asarray(i)], **kw)
    # istft of the same spectrum, with the same settings (Keras's length default).
    y = ops.istft((r, i), **kw)
    case("i" + name, [np.asarray(r), np.asarray(i)], [np.asarray(y)], **kw)
    y = ops.istft((r, i), length=33, **kw)
    case("i" + name + "_len33", [np.asarray(r), np.asarray(i)], [np.asarray(y)], length=33, **kw)

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "fft_golden.json")
with open(path, "w") as f:
    json.dump({"source": "numpy.fft and keras 3.15.1 ops.stft/istft (numpy backend)", "cases": cases}, f)
print(f"wrote {len(cases)} cases to {path}")
