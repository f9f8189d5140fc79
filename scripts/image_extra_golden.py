"""Golden outputs of the rest of Keras 3's `keras.ops.image` for src/ops/image_extra.test.ts,
from real Keras on its numpy backend (see ../shared/tools/keras3/README.md):

  PYTHONPATH=/tmp/keras-src:../shared/tools/keras3/shims /usr/bin/python3 scripts/image_extra_golden.py

Writes test/fixtures/image_extra_golden.json. Each case names the Keras op (`op`), its Keras
keyword arguments (`kwargs`), the Tessera options made from them (`args`: camelCase keys and
data formats), the named inputs it reads (`inputs`), and the output's shape and values.
"""
import json
import re

import keras_numpy_env  # noqa: F401  (must come before keras)
import numpy as np
import keras
from keras import ops

rng = np.random.RandomState(11)


def f32(a):
    return np.asarray(a, dtype="float32")


# Small inputs; integer-valued pixels are exact in float32 and JSON.
img = f32(rng.randint(0, 256, size=(5, 7, 3)))
batch = f32(rng.randint(0, 256, size=(2, 6, 5, 2)))
img_cf = np.transpose(img, (2, 0, 1)).copy()
unit = f32(rng.uniform(0, 1, size=(2, 4, 5, 3)))
# Some gray (r = g = b), black and saturated pixels, and ties between the largest channels.
unit[0, 0, 0] = [0.5, 0.5, 0.5]
unit[0, 0, 1] = [0.0, 0.0, 0.0]
unit[0, 0, 2] = [1.0, 0.0, 0.0]
unit[0, 0, 3] = [0.25, 0.75, 0.75]
unit[0, 0, 4] = [0.6, 0.6, 0.1]
unit_cf = np.transpose(unit, (0, 3, 1, 2)).copy()
hsv = f32(rng.uniform(0, 1, size=(3, 4, 3)))
hsv[0, 0] = [1.0, 0.5, 0.5]  # hue 1 wraps to 0
hsv[0, 1] = [0.5, 0.0, 0.3]
small = f32(rng.uniform(0, 1, size=(5, 6)))
vol = f32(rng.randint(0, 10, size=(2, 4, 5, 6, 2)))
other = f32(np.clip(unit + rng.normal(0, 0.1, size=unit.shape), 0, 1))
big = f32(rng.uniform(0, 1, size=(2, 12, 13, 2)))
big2 = f32(np.clip(big + rng.normal(0, 0.2, size=big.shape), 0, 1))

inputs = {
    "img": img,
    "batch": batch,
    "img_cf": img_cf,
    "unit": unit,
    "unit_cf": unit_cf,
    "hsv": hsv,
    "small": small,
    "vol": vol,
    "other": other,
    "big": big,
    "big2": big2,
    # Affine transforms, rows [a0, a1, a2, b0, b1, b2, c0, c1]. c0 = c1 = 0: Keras documents them
    # as ignored outside TensorFlow (its numpy and JAX backends in fact scale the channel
    # coordinate by them); Tessera ignores them.
    "t_rot": f32([0.8, -0.6, 2.5, 0.6, 0.8, -1.7, 0, 0]),
    "t_batch": f32([[1.3, 0.2, -4.1, -0.3, 0.9, 2.2, 0, 0], [0.7, 0.0, 3.3, 0.0, 1.6, -2.6, 0, 0]]),
    "t_far": f32([2.7, 0.3, -9.2, 0.4, 3.1, -8.3, 0, 0]),
    # Coordinates for map_coordinates: some far outside, to check each fill's periodic extension.
    "coords2": f32(
        [
            [0.0, 1.5, 4.0, -0.7, 5.6, -6.3, 9.2, 2.25, 3.75, 12.4, -11.1, 1.0],
            [0.0, 2.25, 5.0, 3.4, -1.2, 7.7, -8.6, 0.5, 5.9, 3.3, -13.8, 2.0],
        ]
    ),
    # Within one period outside the input: NumPy's 'wrap' pad (which Keras's numpy backend
    # uses) stops being periodic when a pad exceeds the axis (np.pad(arange(6), (15, 3), "wrap")
    # restarts at 0 after the first 9), so far-out points under 'wrap' are checked by hand.
    "coords2_wrap": f32(
        [
            [0.0, 1.5, 4.0, -0.7, 5.6, -3.3, 8.2, 2.25, 3.75, -3.9, 7.1, 1.0],
            [0.0, 2.25, 5.0, 3.4, -1.2, 7.7, -4.6, 0.5, 5.9, 10.3, -2.8, 2.0],
        ]
    ),
    "t_mid": f32([1.6, 0.3, -4.2, 0.2, 1.5, -3.1, 0, 0]),
    "coords3": f32(rng.uniform(-3, 9, size=(3, 2, 5))),
    "start": f32([[0, 0], [0, 4], [6, 0], [6, 4]]),
    "end": f32([[0.5, 0.3], [0.2, 4.4], [5.6, -0.4], [6.3, 3.8]]),
    "start_b": f32([[[0, 0], [0, 5], [4, 0], [4, 5]], [[0, 0], [0, 5], [4, 0], [4, 5]]]),
    "end_b": f32([[[0.3, 0.6], [0.7, 5.2], [3.6, -0.9], [4.4, 4.1]], [[1.1, 1.2], [0.4, 4.3], [3.3, 0.5], [4.9, 5.6]]]),
}

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


def case(name, op, names, kwargs=None, positional=()):
    kwargs = kwargs or {}
    fn = getattr(ops.image, op)
    y = np.asarray(fn(*[inputs[n] for n in names], *positional, **kwargs))
    cases.append(
        {
            "name": name,
            "op": op,
            "inputs": list(names),
            "positional": [rounded(p) if isinstance(p, np.ndarray) else p for p in positional],
            "kwargs": kwargs,
            "args": ts_args(kwargs),
            "shape": list(y.shape),
            "output": rounded(y),
        }
    )


# pad_images / crop_images: each way of giving two of (before, after, target) per axis.
case("pad_top_left_target", "pad_images", ["img"], dict(top_padding=1, left_padding=2, target_height=8, target_width=10))
case("pad_bottom_right", "pad_images", ["batch"], dict(top_padding=0, bottom_padding=2, left_padding=1, right_padding=3))
case("pad_target_after", "pad_images", ["img"], dict(bottom_padding=1, target_height=7, right_padding=0, target_width=9))
case("pad_channels_first", "pad_images", ["img_cf"], dict(top_padding=2, bottom_padding=1, left_padding=1, target_width=8, data_format="channels_first"))
case("crop_top_left_target", "crop_images", ["img"], dict(top_cropping=1, left_cropping=2, target_height=3, target_width=4))
case("crop_bottom_right", "crop_images", ["batch"], dict(top_cropping=1, bottom_cropping=2, left_cropping=0, right_cropping=1))
case("crop_target_after", "crop_images", ["img"], dict(bottom_cropping=1, target_height=2, right_cropping=3, target_width=3))
case("crop_channels_first", "crop_images", ["img_cf"], dict(top_cropping=2, bottom_cropping=1, left_cropping=1, target_width=4, data_format="channels_first"))

# extract_patches (2-D and 3-D), valid and same padding, strides, dilation.
case("patches_2x2", "extract_patches", ["img"], dict(size=2))
case("patches_2x3_stride1", "extract_patches", ["batch"], dict(size=(2, 3), strides=(1, 1)))
case("patches_same", "extract_patches", ["img"], dict(size=(3, 2), strides=(2, 3), padding="same"))
case("patches_dilated", "extract_patches", ["batch"], dict(size=(2, 2), strides=1, dilation_rate=2))
case("patches_dilated_same", "extract_patches", ["img"], dict(size=(2, 3), strides=1, dilation_rate=(2, 1), padding="same"))
case("patches_channels_first", "extract_patches", ["img_cf"], dict(size=(2, 2), strides=(1, 2), data_format="channels_first"))
case("patches_3d", "extract_patches_3d", ["vol"], dict(size=(2, 2, 3)))
case("patches_3d_same", "extract_patches_3d", ["vol"], dict(size=(2, 3, 2), strides=(1, 2, 2), padding="same"))
case("patches_3d_via_extract_patches", "extract_patches", ["vol"], dict(size=(3, 2, 2), strides=(1, 1, 2)))

# Colour spaces.
case("rgb_to_hsv", "rgb_to_hsv", ["unit"])
case("rgb_to_hsv_channels_first", "rgb_to_hsv", ["unit_cf"], dict(data_format="channels_first"))
case("hsv_to_rgb", "hsv_to_rgb", ["hsv"])
case("hsv_to_rgb_channels_first", "hsv_to_rgb", ["unit_cf"], dict(data_format="channels_first"))

# affine_transform: both interpolations under every fill mode.
for fm in ["constant", "nearest", "wrap", "mirror", "reflect"]:
    for interp in ["bilinear", "nearest"]:
        case(f"affine_{interp}_{fm}", "affine_transform", ["img", "t_rot"], dict(interpolation=interp, fill_mode=fm, fill_value=3.5))
    case(f"affine_far_{fm}", "affine_transform", ["img", "t_mid" if fm == "wrap" else "t_far"], dict(fill_mode=fm))
case("affine_batch", "affine_transform", ["batch", "t_batch"])
case("affine_batch_nearest_wrap", "affine_transform", ["batch", "t_batch"], dict(interpolation="nearest", fill_mode="wrap"))
case("affine_channels_first", "affine_transform", ["img_cf", "t_rot"], dict(fill_mode="reflect", data_format="channels_first"))

# map_coordinates: 2-D and 3-D inputs, orders 0 and 1, every fill mode.
for fm in ["constant", "nearest", "wrap", "mirror", "reflect"]:
    for order in [0, 1]:
        coords = "coords2_wrap" if fm == "wrap" else "coords2"
        case(f"map_{order}_{fm}", "map_coordinates", ["small", coords], dict(order=order, fill_mode=fm, fill_value=-2.0))
for fm in ["constant", "wrap", "mirror"]:
    for order in [0, 1]:
        case(f"map_3d_{order}_{fm}", "map_coordinates", ["img", "coords3"], dict(order=order, fill_mode=fm))

# gaussian_blur: Keras reads kernel_size[0] and sigma[0] along the width, [1] along the height
# (every backend builds outer(kernel_1d(size[1]), kernel_1d(size[0]))); the 4x2 case pins it.
case("blur_default", "gaussian_blur", ["img"])
case("blur_5x3", "gaussian_blur", ["batch"], dict(kernel_size=(5, 3), sigma=(1.5, 0.8)))
case("blur_4x2", "gaussian_blur", ["img"], dict(kernel_size=(4, 2), sigma=(0.7, 2.0)))
case("blur_channels_first", "gaussian_blur", ["img_cf"], dict(kernel_size=(3, 5), sigma=(1.0, 1.2), data_format="channels_first"))

# perspective_transform.
case("perspective", "perspective_transform", ["img", "start", "end"])
case("perspective_nearest", "perspective_transform", ["img", "start", "end"], dict(interpolation="nearest", fill_value=9.0))
case("perspective_batch", "perspective_transform", ["batch", "start_b", "end_b"], dict(fill_value=-1.0))
case("perspective_channels_first", "perspective_transform", ["img_cf", "start", "end"], dict(data_format="channels_first"))

# sobel_edges (batches only).
case("sobel", "sobel_edges", ["batch"])
case("sobel_channels_first", "sobel_edges", ["unit_cf"], dict(data_format="channels_first"))

# scale_and_translate.
case("st_linear_up", "scale_and_translate", ["small"], positional=((9, 8), f32([1.8, 1.4]), f32([0.3, -0.5]), (0, 1), "linear"))
case("st_cubic_down_aa", "scale_and_translate", ["small"], positional=((3, 4), f32([0.6, 0.7]), f32([0.2, 0.1]), (0, 1), "cubic"))
case("st_lanczos3_no_aa", "scale_and_translate", ["batch"], dict(antialias=False), positional=((2, 4, 3, 2), f32([0.7, 0.6]), f32([0.4, 0.0]), (1, 2), "lanczos3"))
case("st_lanczos5_one_axis", "scale_and_translate", ["img"], positional=((5, 11, 3), f32([1.5]), f32([0.75]), (1,), "lanczos5"))
case("st_shift_out", "scale_and_translate", ["small"], positional=((5, 6), f32([1.0, 1.0]), f32([2.0, -3.0]), (0, 1), "bilinear"))

# ssim.
case("ssim_batch", "ssim", ["big", "big2"])
case("ssim_small_filter", "ssim", ["unit", "other"], dict(filter_size=3, filter_sigma=0.8))
case("ssim_max_val", "ssim", ["batch", "batch"], dict(max_val=255.0, filter_size=5))
inputs["big0"] = big[0]
inputs["big20"] = big2[0]
case("ssim_single", "ssim", ["big0", "big20"], dict(filter_size=7, k1=0.02, k2=0.05))

out = {
    "keras_version": keras.__version__,
    "inputs": {k: {"shape": list(v.shape), "data": rounded(v)} for k, v in inputs.items()},
    "cases": cases,
}
with open("test/fixtures/image_extra_golden.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(f"{len(cases)} cases")
