"""Golden outputs of Keras 3's MelSpectrogram layer (numpy backend) for
src/layers/preprocessing/audio.test.ts, and a .keras file of a model holding one.
Writes test/fixtures/mel_golden.json and test/fixtures/mel_spectrogram.keras.

Run: PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/mel_golden.py
"""
import json
import os

import keras_numpy_env  # noqa: F401  (must precede keras)
import keras
import numpy as np

rng = np.random.default_rng(20261207)
here = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures")


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


t = np.arange(400) / 8000.0
sig = np.stack([np.sin(2 * np.pi * 440 * t), 0.5 * np.sin(2 * np.pi * 1500 * t)]) + 0.05 * rng.normal(size=(2, 400))
sig = sig.astype(np.float32)
cases = []
for name, cfg, x in [
    ("db", dict(fft_length=64, sequence_stride=16, num_mel_bins=10, sampling_rate=8000), sig),
    (
        "amplitude_hamming",
        dict(fft_length=64, sequence_stride=20, sequence_length=48, window="hamming", num_mel_bins=8,
             sampling_rate=8000, min_freq=100.0, max_freq=3000, power_to_db=False, mag_exp=1.0),
        sig,
    ),
    ("rank1_topdb", dict(fft_length=32, sequence_stride=8, num_mel_bins=6, sampling_rate=8000, top_db=20.0, ref_power=2.0), sig[0]),
]:
    layer = keras.layers.MelSpectrogram(**cfg)
    y = np.asarray(layer(x))
    cases.append({"name": name, "config": cfg, "input": arr(x), "output": arr(y)})

model = keras.Sequential([keras.Input((400,)), keras.layers.MelSpectrogram(fft_length=64, sequence_stride=16, num_mel_bins=10, sampling_rate=8000)])
model.save(os.path.join(here, "mel_spectrogram.keras"))
cases.append({"name": "model", "config": {}, "input": arr(sig), "output": arr(np.asarray(model.predict(sig, verbose=0)))})

with open(os.path.join(here, "mel_golden.json"), "w") as f:
    json.dump({"source": "keras 3.15.1 MelSpectrogram (numpy backend)", "cases": cases}, f)
print(f"wrote {len(cases)} cases")
