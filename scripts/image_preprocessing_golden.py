"""Golden outputs of Keras 3's image preprocessing and augmentation layers for
src/layers/preprocessing/image.test.ts, from real Keras on its numpy backend (see
../shared/tools/keras3/README.md):

  PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/image_preprocessing_golden.py

Writes test/fixtures/image_preprocessing_golden.json. Random layers are recorded only where
their output does not depend on the draw: inference mode, and factors of the form [a, a] (one
possible translation, rotation, zoom or brightness delta; for RandomContrast [-a, a], whose
draw range is [1 + a, 1 + a]). Each case's `args` are the Tessera options (camelCase keys and
data formats), made from the Keras keyword arguments in `kwargs`.
"""
import json
import re

import keras_numpy_env  # noqa: F401  (must come before keras)
import numpy as np
import keras

rng = np.random.RandomState(7)
# Integer pixel values: exact in float32 and in JSON.
img = rng.randint(0, 256, size=(5, 7, 3)).astype("float32")
batch = rng.randint(0, 256, size=(2, 6, 5, 1)).astype("float32")
img_cf = np.transpose(img, (2, 0, 1)).copy()
inputs = {"img": img, "batch": batch, "img_cf": img_cf, "unit": batch / 255.0}

cases = []


def camel(key):
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key)


def ts_args(kwargs):
    out = {}
    for k, v in kwargs.items():
        if k == "data_format":
            v = {"channels_last": "channelsLast", "channels_first": "channelsFirst"}[v]
        if isinstance(v, tuple):
            v = list(v)
        out[camel(k)] = v
    return out


def rounded(a):
    # float32 holds ~7.2 significant digits; 8 keep the fixture exact enough and small.
    return [float("%.8g" % v) for v in np.asarray(a, dtype="float64").ravel()]


def case(name, layer_name, kwargs, x_name, training=False):
    layer = getattr(keras.layers, layer_name)(**kwargs)
    y = np.asarray(layer(inputs[x_name], training=training))
    cases.append(
        {
            "name": name,
            "layer": layer_name,
            "kwargs": kwargs,
            "args": ts_args(kwargs),
            "input": x_name,
            "training": training,
            "shape": list(y.shape),
            "output": rounded(y),
        }
    )


# Rescaling: any rank; per-channel scale broadcasts against the last axis.
case("rescaling_unit", "Rescaling", {"scale": 1.0 / 255}, "img")
case("rescaling_offset", "Rescaling", {"scale": 1.0 / 127.5, "offset": -1.0}, "batch")
case("rescaling_per_channel", "Rescaling", {"scale": [0.5, 1.0, 2.0], "offset": 0.25}, "img")

# Resizing: every interpolation, up and down, aspect options.
for interp in ["bilinear", "nearest", "bicubic", "lanczos3", "lanczos5"]:
    case(f"resize_{interp}_up", "Resizing", {"height": 8, "width": 11, "interpolation": interp}, "img")
    case(f"resize_{interp}_down", "Resizing", {"height": 3, "width": 4, "interpolation": interp}, "img")
    case(f"resize_{interp}_mixed", "Resizing", {"height": 4, "width": 9, "interpolation": interp}, "batch")
case("resize_same_size", "Resizing", {"height": 5, "width": 7}, "img")
case("resize_antialias_bilinear", "Resizing", {"height": 2, "width": 3, "antialias": True}, "img")
case("resize_antialias_bicubic", "Resizing", {"height": 3, "width": 2, "interpolation": "bicubic", "antialias": True}, "batch")
case("resize_crop_aspect", "Resizing", {"height": 4, "width": 4, "crop_to_aspect_ratio": True}, "img")
case("resize_crop_aspect_nearest", "Resizing", {"height": 3, "width": 6, "crop_to_aspect_ratio": True, "interpolation": "nearest"}, "batch")
case("resize_pad_aspect_rows", "Resizing", {"height": 4, "width": 4, "pad_to_aspect_ratio": True, "fill_value": 7.0}, "img")
case("resize_pad_aspect_cols", "Resizing", {"height": 3, "width": 6, "pad_to_aspect_ratio": True}, "batch")
case("resize_channels_first", "Resizing", {"height": 3, "width": 10, "data_format": "channels_first"}, "img_cf")

# CenterCrop: smaller targets slice; a larger one (in either axis) goes through smart_resize.
case("center_crop_smaller", "CenterCrop", {"height": 3, "width": 4}, "img")
case("center_crop_even_odd", "CenterCrop", {"height": 4, "width": 2}, "batch")
case("center_crop_larger", "CenterCrop", {"height": 7, "width": 9}, "img")
case("center_crop_mixed", "CenterCrop", {"height": 3, "width": 9}, "img")
case("center_crop_batch_larger", "CenterCrop", {"height": 8, "width": 4}, "batch")
case("center_crop_channels_first", "CenterCrop", {"height": 3, "width": 3, "data_format": "channels_first"}, "img_cf")

# smart_resize (what RandomCrop's docstring promises at inference).
for name, x_name, size in [("smart_resize_img", "img", (3, 4)), ("smart_resize_batch", "batch", (7, 4))]:
    y = np.asarray(keras.preprocessing.image.smart_resize(inputs[x_name], size))
    cases.append(
        {
            "name": name,
            "layer": "smart_resize",
            "kwargs": {"size": list(size)},
            "args": {"height": size[0], "width": size[1]},
            "input": x_name,
            "training": False,
            "shape": list(y.shape),
            "output": rounded(y),
        }
    )

# Random layers in inference mode: the identity.
case("flip_inference", "RandomFlip", {"seed": 1}, "batch")
case("translation_inference", "RandomTranslation", {"height_factor": 0.5, "width_factor": 0.5, "seed": 1}, "img")
case("rotation_inference", "RandomRotation", {"factor": 0.5, "seed": 1}, "img")
case("zoom_inference", "RandomZoom", {"height_factor": 0.5, "seed": 1}, "batch")
case("contrast_inference", "RandomContrast", {"factor": 0.5, "seed": 1}, "img")
case("brightness_inference", "RandomBrightness", {"factor": 0.5, "seed": 1}, "img")

# RandomCrop in training where the crop is determined: an axis not larger than the target.
case("crop_train_equal_height", "RandomCrop", {"height": 6, "width": 3, "seed": 1}, "batch", True)
case("crop_train_smaller_input", "RandomCrop", {"height": 7, "width": 4, "seed": 1}, "batch", True)
case("crop_train_same_size", "RandomCrop", {"height": 5, "width": 7, "seed": 1}, "img", True)
case("crop_train_wider", "RandomCrop", {"height": 3, "width": 9, "seed": 1}, "img", True)

fill_modes = ["reflect", "wrap", "constant", "nearest"]

# RandomTranslation with [a, a] factors.
for fm in fill_modes:
    for interp in ["bilinear", "nearest"]:
        case(
            f"translation_{fm}_{interp}",
            "RandomTranslation",
            {"height_factor": (0.3, 0.3), "width_factor": (-0.45, -0.45), "fill_mode": fm, "interpolation": interp, "fill_value": 9.0},
            "img",
            True,
        )
    case(
        f"translation_far_{fm}",
        "RandomTranslation",
        {"height_factor": (-1.0, -1.0), "width_factor": (0.9, 0.9), "fill_mode": fm},
        "batch",
        True,
    )

# RandomRotation with [a, a] factors (a full turn is 1).
for fm in fill_modes:
    case(f"rotation_{fm}", "RandomRotation", {"factor": (0.1, 0.1), "fill_mode": fm, "fill_value": 3.0}, "img", True)
    case(f"rotation_neg_{fm}", "RandomRotation", {"factor": (-0.3, -0.3), "fill_mode": fm}, "batch", True)
case("rotation_quarter_nearest", "RandomRotation", {"factor": (0.25, 0.25), "interpolation": "nearest", "fill_mode": "constant"}, "img", True)
case("rotation_nearest", "RandomRotation", {"factor": (0.07, 0.07), "interpolation": "nearest"}, "img", True)

# RandomZoom with [a, a] factors: positive zooms out, negative in.
for fm in fill_modes:
    case(f"zoom_out_{fm}", "RandomZoom", {"height_factor": (0.5, 0.5), "fill_mode": fm, "fill_value": 2.0}, "img", True)
    case(f"zoom_in_{fm}", "RandomZoom", {"height_factor": (-0.3, -0.3), "width_factor": (0.2, 0.2), "fill_mode": fm}, "batch", True)
case("zoom_out_nearest_interp", "RandomZoom", {"height_factor": (0.5, 0.5), "interpolation": "nearest"}, "img", True)
case("zoom_in_nearest_interp", "RandomZoom", {"height_factor": (-0.4, -0.4), "width_factor": (0.6, 0.6), "interpolation": "nearest", "fill_mode": "constant"}, "batch", True)

# RandomContrast: [-a, a] draws the contrast factor 1 + a; values clipped to value_range.
case("contrast_1_3", "RandomContrast", {"factor": (-0.3, 0.3)}, "img", True)
case("contrast_1_8_batch", "RandomContrast", {"factor": (-0.8, 0.8)}, "batch", True)
case("contrast_unit_range", "RandomContrast", {"factor": (-0.5, 0.5), "value_range": (0, 1)}, "unit", True)

# RandomBrightness: [a, a] adds a · (high − low), clipped to value_range.
case("brightness_up", "RandomBrightness", {"factor": (0.2, 0.2)}, "img", True)
case("brightness_down_batch", "RandomBrightness", {"factor": (-0.5, -0.5)}, "batch", True)
case("brightness_unit_range", "RandomBrightness", {"factor": (0.3, 0.3), "value_range": (1, 0)}, "unit", True)

out = {
    "keras_version": keras.__version__,
    "inputs": {k: {"shape": list(v.shape), "data": rounded(v)} for k, v in inputs.items()},
    "cases": cases,
}
with open("test/fixtures/image_preprocessing_golden.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(f"{len(cases)} cases")
