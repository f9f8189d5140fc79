"""Golden cases for the colour and geometric augmentation layers of
src/layers/preprocessing/augmentation_extra.ts / augmentation_extra2.ts, computed by real
Keras 3 (numpy backend).

Keras's random draws cannot be matched, so every case pins the transform: a factor range of
one value (RandomSaturation, RandomColorDegeneration, RandomSharpness, RandomPosterization,
RandomGrayscale 1.0, RandomInvert (1, 1), Solarization with its default factors,
RandomGaussianBlur with a fixed sigma), deterministic layers (AutoContrast, Equalization), and, where Keras draws a random
sign (RandomHue, RandomShear), both signs through `transform_images` with an explicit
transformation: the test accepts either per image. RandomPerspective is computed through
`transform_images` with fixed corner offsets, and Solarization with fixed addition and
threshold levels (Keras leaves the lower end of those draws unscaled, so no factor pins them);
the test overrides those layers' draws alike.

Run (see shared/tools/keras3/README.md; the Keras source is extracted outside the repository):
    PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/augmentation_extra_golden.py
Writes test/fixtures/augmentation_extra_golden.json.
"""
import json
import os

import keras_numpy_env  # noqa: F401  (must come before keras)
import numpy as np

import keras

rng = np.random.default_rng(20260921)


def arr(a):
    a = np.asarray(a, dtype="float32")
    return {"shape": list(a.shape), "data": [float(repr(v)) for v in a.ravel()]}


def plain(v):
    return json.loads(json.dumps(v, default=lambda o: list(o) if isinstance(o, tuple) else str(o)))


inputs = {
    "rgb255": (rng.uniform(0, 255, (2, 5, 6, 3))).astype("float32"),
    "rgb01": (rng.uniform(0, 1, (2, 4, 5, 3))).astype("float32"),
    "rgb255_cf": (rng.uniform(0, 255, (2, 3, 5, 4))).astype("float32"),
    "gray_levels": np.round(rng.uniform(40, 200, (2, 6, 5, 2))).astype("float32"),
    "single": (rng.uniform(0, 255, (4, 5, 3))).astype("float32"),
}
# A constant channel, which AutoContrast leaves unchanged.
inputs["rgb255"][1, :, :, 2] = 77.0

cases = []


def case(name, cls, args, inp, training=True, keras_args=None):
    kargs = keras_args if keras_args is not None else args
    layer = getattr(keras.layers, cls)(**kargs)
    y = np.asarray(layer(inputs[inp], training=training))
    cases.append(
        {
            "name": name,
            "layer": cls,
            "args": args,
            "input": inp,
            "training": training,
            "outputs": [arr(y)],
            "config": plain(layer.get_config()),
        }
    )


def both_signs(name, cls, args, kargs, inp, make_t):
    """Outputs for transformation sign +1 and −1 (each image may take either)."""
    layer = getattr(keras.layers, cls)(**kargs)
    outs = []
    for s in (1.0, -1.0):
        x = inputs[inp]
        y = np.asarray(layer.transform_images(x, make_t(s, x.shape[0]), training=True))
        outs.append(arr(y))
    cases.append(
        {
            "name": name,
            "layer": cls,
            "args": args,
            "input": inp,
            "training": True,
            "outputs": outs,
            "config": plain(layer.get_config()),
        }
    )


case("grayscale all", "RandomGrayscale", {"factor": 1.0}, "rgb255")
case("grayscale inference", "RandomGrayscale", {"factor": 1.0}, "rgb255", training=False)
case("invert always", "RandomInvert", {"factor": [1.0, 1.0]}, "rgb255")
case("invert [0,1]", "RandomInvert", {"factor": [1.0, 1.0], "valueRange": [0, 1]}, "rgb01",
     keras_args={"factor": (1.0, 1.0), "value_range": (0, 1)})
case("solarize all", "Solarization", {}, "rgb255")
# Keras draws thresholds from U[lower, 255·upper] (the lower end unscaled), so a pinned
# threshold needs an explicit transformation; the test overrides the layer's draw alike.
for label, levels, kargs, args, inp in (
    ("solarize threshold 127.5", (0.0, 127.5), {}, {}, "rgb255"),
    ("solarize addition 25.5 threshold 153 [0,1]", (25.5, 153.0), {"value_range": (0, 1)},
     {"valueRange": [0, 1]}, "rgb01"),
):
    layer = keras.layers.Solarization(**kargs)
    x = inputs[inp]
    n = x.shape[0]
    t = {"additions": np.full((n, 1, 1, 1), levels[0], "float32"),
         "thresholds": np.full((n, 1, 1, 1), levels[1], "float32")}
    y = np.asarray(layer.transform_images(x, t, training=True))
    cases.append({"name": label, "layer": "Solarization", "args": args, "input": inp,
                  "training": True, "outputs": [arr(y)], "levels": list(levels),
                  "config": plain(layer.get_config())})
case("posterize 3 bits", "RandomPosterization", {"factor": [3, 3]}, "rgb255",
     keras_args={"factor": (3, 3)})
case("posterize 1 bit [0,1]", "RandomPosterization", {"factor": 1, "valueRange": [0, 1]}, "rgb01",
     keras_args={"factor": 1, "value_range": (0, 1)})
case("autocontrast", "AutoContrast", {}, "rgb255", training=False)
case("autocontrast [0,1] training", "AutoContrast", {"valueRange": [0, 1]}, "rgb01",
     keras_args={"value_range": (0, 1)})
case("autocontrast single", "AutoContrast", {}, "single", training=False)
case("saturation 0.8", "RandomSaturation", {"factor": [0.8, 0.8]}, "rgb255",
     keras_args={"factor": (0.8, 0.8)})
case("saturation 0.3 [0,1]", "RandomSaturation", {"factor": [0.3, 0.3], "valueRange": [0, 1]},
     "rgb01", keras_args={"factor": (0.3, 0.3), "value_range": (0, 1)})
case("saturation 0 gray", "RandomSaturation", {"factor": [0, 0]}, "rgb255",
     keras_args={"factor": (0.0, 0.0)})
case("degenerate 0.6", "RandomColorDegeneration", {"factor": [0.6, 0.6]}, "rgb255",
     keras_args={"factor": (0.6, 0.6)})
case("degenerate -0.5", "RandomColorDegeneration", {"factor": [-0.5, -0.5]}, "rgb255",
     keras_args={"factor": (-0.5, -0.5)})
case("sharpness 0.9", "RandomSharpness", {"factor": [0.9, 0.9]}, "rgb255",
     keras_args={"factor": (0.9, 0.9)})
case("sharpness 0.1 [0,1]", "RandomSharpness", {"factor": [0.1, 0.1], "valueRange": [0, 1]},
     "rgb01", keras_args={"factor": (0.1, 0.1), "value_range": (0, 1)})
case("sharpness channels_first", "RandomSharpness",
     {"factor": [0.8, 0.8], "dataFormat": "channelsFirst"}, "rgb255_cf",
     keras_args={"factor": (0.8, 0.8), "data_format": "channels_first"})
case("blur sigma 0.7", "RandomGaussianBlur", {"factor": [1, 1], "sigma": [0.7, 0.7]}, "rgb255",
     keras_args={"factor": (1.0, 1.0), "sigma": (0.7, 0.7)})
case("blur 5x3 sigma 0.9", "RandomGaussianBlur",
     {"factor": [1, 1], "kernelSize": [5, 3], "sigma": [0.9, 0.9]}, "rgb255",
     keras_args={"factor": (1.0, 1.0), "kernel_size": (5, 3), "sigma": (0.9, 0.9)})
case("equalize", "Equalization", {}, "gray_levels")
case("equalize 64 bins [0,1]", "Equalization", {"bins": 64, "valueRange": [0, 1]}, "rgb01",
     keras_args={"bins": 64, "value_range": (0, 1)})
case("equalize inference", "Equalization", {}, "gray_levels", training=False)

both_signs("hue 0.4", "RandomHue", {"factor": [0.4, 0.4]}, {"factor": (0.4, 0.4)}, "rgb255",
           lambda s, n: {"factor": np.full((n,), s * 0.4 * 0.5, "float32")})
both_signs("hue 0.9 [0,1]", "RandomHue", {"factor": [0.9, 0.9], "valueRange": [0, 1]},
           {"factor": (0.9, 0.9), "value_range": (0, 1)}, "rgb01",
           lambda s, n: {"factor": np.full((n,), s * 0.9 * 0.5, "float32")})
for fm in ("reflect", "constant", "nearest", "wrap"):
    both_signs(f"shear {fm}", "RandomShear",
               {"xFactor": [0.3, 0.3], "yFactor": [0.2, 0.2], "fillMode": fm, "fillValue": 9},
               {"x_factor": (0.3, 0.3), "y_factor": (0.2, 0.2), "fill_mode": fm, "fill_value": 9.0},
               "rgb255",
               lambda s, n: {"shear_factor": np.tile(np.array([[0.3, 0.2]], "float32") * s, (n, 1)),
                             "input_shape": (n, 5, 6, 3)})

# RandomPerspective with fixed corner offsets.
offsets = np.array(
    [[[0.1, -0.05], [-0.2, 0.1], [0.05, 0.15], [-0.1, -0.1]],
     [[-0.15, 0.2], [0.1, 0.0], [0.2, -0.1], [0.0, 0.05]]], "float32")
for interp in ("bilinear", "nearest"):
    layer = keras.layers.RandomPerspective(factor=1.0, scale=1.0, interpolation=interp, fill_value=3.0)
    x = inputs["rgb255"]
    n, h, w = x.shape[:3]
    start = np.repeat(np.array([[[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]]], "float32"), n, 0)
    t = {"apply_perspective": np.array([True, True]), "start_points": start,
         "end_points": start + start * offsets, "input_shape": x.shape}
    y = np.asarray(layer.transform_images(x, t, training=True))
    cases.append({"name": f"perspective {interp}", "layer": "RandomPerspective",
                  "args": {"interpolation": interp, "fillValue": 3}, "input": "rgb255",
                  "training": True, "outputs": [arr(y)], "offsets": arr(offsets),
                  "config": plain(layer.get_config())})

out = {"inputs": {k: arr(v) for k, v in inputs.items()}, "cases": cases}
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "augmentation_extra_golden.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {path}")
