/**
 * Image resizing as Keras's `ops.image.resize` (channels-last batches): nearest, bilinear,
 * bicubic and Lanczos kernels with Keras's half-pixel rules, antialiasing when shrinking,
 * crop or pad to an aspect ratio, and `smartResize`. The Resizing/CenterCrop layers and
 * `imageDatasetFromDirectory` share it; it is written in gathers and products, so gradients
 * flow to the images.
 */
import { allocArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { gather, pad } from './movement.js';

/** Resampling methods of the resize (and of the Resizing layer). */
export type ResizeInterpolation = 'bilinear' | 'nearest' | 'bicubic' | 'lanczos3' | 'lanczos5';

/** The interpolations resizing knows. */
export const RESIZE_INTERPOLATIONS: readonly ResizeInterpolation[] = [
  'bilinear',
  'nearest',
  'bicubic',
  'lanczos3',
  'lanczos5',
];

/** float32's machine epsilon (Keras's threshold for a vanishing kernel sum is 1000 of them). */
const F32_EPS = 2 ** -23;

/** A resampling kernel on distances ≥ 0 and the distance beyond which it is zero. */
interface Kernel {
  radius: number;
  f: (x: number) => number;
}

function lanczos(radius: number): Kernel {
  return {
    radius,
    f: (x) => {
      if (x > radius) return 0;
      if (x <= 1e-3) return 1;
      return (
        (radius * Math.sin(Math.PI * x) * Math.sin((Math.PI * x) / radius)) / (Math.PI ** 2 * x * x)
      );
    },
  };
}

const KERNELS: Record<Exclude<ResizeInterpolation, 'nearest'>, Kernel> = {
  // Keras's (JAX's) triangle and Keys cubic (a = −0.5) kernels.
  bilinear: { radius: 1, f: (x) => Math.max(0, 1 - x) },
  bicubic: {
    radius: 2,
    f: (x) => {
      if (x >= 2) return 0;
      if (x >= 1) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
      return (1.5 * x - 2.5) * x * x + 1;
    },
  },
  lanczos3: lanczos(3),
  lanczos5: lanczos(5),
};

/**
 * The taps of a resampling of one axis from `n` to `m` samples: for output `j`, `T` input
 * indices and weights (zero-weight padding where fewer are needed). Keras's rule (JAX's
 * `scale_and_translate`): the output sample sits at `s = (j + ½)·n/m − ½` in input
 * coordinates (half-pixel centers); weights are `k(|s − i| / ks)` over the inputs, divided by
 * their sum (so edges clamp), with `ks = max(n/m, 1)` under antialiasing and 1 otherwise.
 */
function kernelTaps(
  n: number,
  m: number,
  kernel: Kernel,
  antialias: boolean,
): { taps: number; index: Int32Array; weight: Float64Array } {
  const inv = 1 / (m / n);
  const ks = antialias ? Math.max(inv, 1) : 1;
  const rows: { i: number[]; w: number[] }[] = [];
  let taps = 1;
  for (let j = 0; j < m; j++) {
    const s = (j + 0.5) * inv - 0.5;
    const lo = Math.max(0, Math.floor(s - kernel.radius * ks));
    const hi = Math.min(n - 1, Math.ceil(s + kernel.radius * ks));
    const i: number[] = [];
    const w: number[] = [];
    let total = 0;
    for (let k = lo; k <= hi; k++) {
      const v = kernel.f(Math.abs(s - k) / ks);
      if (v === 0) continue;
      i.push(k);
      w.push(v);
      total += v;
    }
    // A vanishing sum, or a sample outside the input's extent, gives 0 (Keras's rule).
    const ok = Math.abs(total) > 1000 * F32_EPS && s >= -0.5 && s <= n - 0.5;
    rows.push({ i, w: w.map((v) => (ok ? v / total : 0)) });
    taps = Math.max(taps, i.length);
  }
  const index = new Int32Array(m * taps);
  const weight = new Float64Array(m * taps);
  rows.forEach((r, j) => {
    r.i.forEach((k, t) => {
      index[j * taps + t] = k;
      weight[j * taps + t] = r.w[t]!;
    });
  });
  return { taps, index, weight };
}

/**
 * Nearest-neighbour indices from `n` to `m` samples: `⌊(j + ½)·n/m⌋`, computed in float32 as
 * Keras does (so exact ties round the same way).
 */
function nearestIndices(n: number, m: number): Int32Array {
  const f = Math.fround;
  const out = new Int32Array(m);
  for (let j = 0; j < m; j++) out[j] = Math.min(n - 1, Math.floor(f(f(f(j + 0.5) * n) / m)));
  return out;
}

/** Resamples `axis` of `x` to `m` samples; the identity when the size already matches. */
function resizeAxis(
  x: Tensor,
  axis: number,
  m: number,
  interpolation: ResizeInterpolation,
  antialias: boolean,
): Tensor {
  const n = x.shape[axis]!;
  if (n === m) return x;
  if (interpolation === 'nearest')
    return gather(x, tensor(nearestIndices(n, m), [m], 'int32'), axis);
  const { taps, index, weight } = kernelTaps(n, m, KERNELS[interpolation], antialias);
  const g = gather(x, tensor(index, [m * taps], 'int32'), axis);
  const split = [...x.shape.slice(0, axis), m, taps, ...x.shape.slice(axis + 1)];
  const w = allocArray(x.dtype, weight.length);
  w.set(weight);
  const wShape = [m, taps, ...x.shape.slice(axis + 1).map(() => 1)];
  return g
    .reshape(split)
    .mul(tensor(w, wShape, x.dtype))
    .sum(axis + 1);
}

/**
 * The crop window of Keras's `crop_to_aspect_ratio` / `smart_resize`: the largest
 * central window with the target's aspect ratio, as `[top, left, height, width]`.
 * @example aspectCropBox(6, 5, 3, 4); // [1, 0, 3, 5]
 */
export function aspectCropBox(
  height: number,
  width: number,
  targetHeight: number,
  targetWidth: number,
): [number, number, number, number] {
  const ch = Math.max(Math.min(height, Math.trunc((width * targetHeight) / targetWidth)), 1);
  const cw = Math.max(Math.min(width, Math.trunc((height * targetWidth) / targetHeight)), 1);
  return [Math.trunc((height - ch) / 2), Math.trunc((width - cw) / 2), ch, cw];
}

/** Options of {@link resizeImages} (those of {@link ResizingArgs}). */
export interface ResizeOptions {
  interpolation?: ResizeInterpolation;
  antialias?: boolean;
  cropToAspectRatio?: boolean;
  padToAspectRatio?: boolean;
  fillValue?: number;
}

/**
 * Resizes a channels-last batch `[B, H, W, C]` to `[B, height, width, C]` as Keras's
 * `ops.image.resize`: an optional central crop (or symmetric pad) to the target aspect ratio,
 * then resampling of the height and the width axes.
 * @example resizeImages(zeros([2, 6, 5, 3]), 3, 4, { interpolation: 'bicubic' }).shape; // [2, 3, 4, 3]
 */
export function resizeImages(
  x: Tensor,
  height: number,
  width: number,
  o: ResizeOptions = {},
): Tensor {
  const [b, h, w, c] = x.shape as [number, number, number, number];
  let img = x;
  if (o.cropToAspectRatio) {
    const [top, left, ch, cw] = aspectCropBox(h, w, height, width);
    img = img.slice([0, top, left, 0], [b, ch, cw, c]);
  } else if (o.padToAspectRatio) {
    const ph = Math.max(h, Math.trunc((w * height) / width));
    const pw = Math.max(w, Math.trunc((h * width) / height));
    const top = Math.trunc((ph - h) / 2);
    const left = Math.trunc((pw - w) / 2);
    // Keras pads the same amount on both sides, and only one axis (rows first).
    if (top > 0)
      img = pad(
        img,
        [
          [0, 0],
          [top, top],
          [0, 0],
          [0, 0],
        ],
        o.fillValue ?? 0,
      );
    else if (left > 0)
      img = pad(
        img,
        [
          [0, 0],
          [0, 0],
          [left, left],
          [0, 0],
        ],
        o.fillValue ?? 0,
      );
  }
  const interp = o.interpolation ?? 'bilinear';
  const aa = o.antialias ?? false;
  return resizeAxis(resizeAxis(img, 1, height, interp, aa), 2, width, interp, aa);
}

/**
 * Keras's `smart_resize` on a channels-last batch: the largest central window with
 * the target's aspect ratio, resized (bilinear) to the target.
 * @example smartResize(zeros([1, 6, 5, 3]), 3, 4).shape; // [1, 3, 4, 3]
 */
export function smartResize(x: Tensor, height: number, width: number): Tensor {
  return resizeImages(x, height, width, { cropToAspectRatio: true });
}
