/**
 * Pooling and spatial resampling, as Keras 3's ops: maxPool1d/2d and avgPool1d/2d (backend
 * primitives, 1-D as 2-D with height 1), globalMaxPool/globalAvgPool (reductions),
 * upSampling1d/2d (nearest by broadcasting; bilinear as two small interpolation matmuls),
 * resizeBilinear, zeroPadding and cropping (pad and slice). Data is channels-last unless
 * `dataFormat: 'channelsFirst'`. Each backward is beside its forward or comes from the ops
 * used.
 */
import { record } from '../autograd/tape.js';
import type { PoolArgs } from '../backend/backend.js';
import { windowOutputSize } from '../backend/base.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import {
  AXIS_NAMES_2D,
  type ConvPadding,
  type DataFormatArg,
  checkPadding,
  checkRank,
  normalizeDataFormat,
  normalizeTuple,
  resolvePadding,
} from './conv.js';
import { tensor } from './creation.js';
import { cast } from './elementwise.js';
import { matmul } from './matmul.js';
import { broadcastTo, pad, reshape, slice, transpose } from './movement.js';
import { max, mean } from './reduce.js';
import { be, wrap } from './util.js';

/** A float tensor (ints promote to float32; bool is refused). */
function floatInput(x: TensorLike, op: string): Tensor {
  const t = convertToTensor(x, op, 'x');
  if (t.dtype === 'bool') throw new DTypeError(`${op}: bool input is not supported`);
  return isFloat(t.dtype) ? t : cast(t, 'float32');
}

// ---------------------------------------------------------------------------------------------
// Window pooling

/** Options of the pooling ops. */
export interface Pool2DOptions {
  /** Step of the window, one number or [height, width] (default: the pool size). */
  strides?: number | readonly number[] | null;
  /** 'valid' (default): windows inside the input; 'same': ⌈size/stride⌉ outputs, padded windows. */
  padding?: ConvPadding;
  /** Axis order of x and of the output (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/** Options of the 1-D pooling ops. */
export interface Pool1DOptions {
  /** Step of the window (default: the pool size). */
  strides?: number | readonly number[] | null;
  /** 'valid' (default) or 'same'. */
  padding?: ConvPadding;
  /** Axis order (default 'channelsLast': `[batch, steps, channels]`). */
  dataFormat?: DataFormatArg;
}

type PoolKind = 'max' | 'avg';

/** maxPool2d / avgPool2d on NHWC data with explicit geometry; backward via the backend primitive. */
function poolRaw(kind: PoolKind, x: Tensor, a: PoolArgs): Tensor {
  const b = be();
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [pt, pb, pl, pr] = a.padding;
  const oh = windowOutputSize(h, a.poolSize[0], a.strides[0], 1, pt, pb);
  const ow = windowOutputSize(w, a.poolSize[1], a.strides[1], 1, pl, pr);
  const outShape = [n, oh, ow, c];
  if (kind === 'max') {
    // Keep the argmax where the backend records it: the backward then scatters dy straight to
    // it instead of searching x again. Only when every window holds an input position, so that
    // every index is valid for the backend's scatter (always so for 'valid' and 'same').
    const both = everyWindowHasInput(h, w, a, oh, ow)
      ? b.maxPool2dWithArgmax(x.handleOn(b), x.shape, a, x.dtype)
      : null;
    if (both) {
      const [yh, argmax] = both;
      const y = wrap(b, yh, outShape, x.dtype);
      const numOut = n * oh * ow * c;
      return record('maxPool2d', [x], y, (dyIn) => {
        const dy = dyIn.dtype === x.dtype ? dyIn : cast(dyIn, x.dtype);
        const h_ = b.maxPool2dBackwardFromArgmax(dy.handleOn(b), argmax, numOut, x.shape, x.dtype);
        return [wrap(b, h_, x.shape, x.dtype)];
      });
    }
    const y = wrap(b, b.maxPool2d(x.handleOn(b), x.shape, a, x.dtype), outShape, x.dtype);
    return record('maxPool2d', [x], y, (dyIn) => {
      const dy = dyIn.dtype === x.dtype ? dyIn : cast(dyIn, x.dtype);
      const h_ = b.maxPool2dBackward(dy.handleOn(b), dy.shape, x.handleOn(b), x.shape, a, x.dtype);
      return [wrap(b, h_, x.shape, x.dtype)];
    });
  }
  const y = wrap(b, b.avgPool2d(x.handleOn(b), x.shape, a, x.dtype), outShape, x.dtype);
  return record('avgPool2d', [x], y, (dyIn) => {
    const dy = dyIn.dtype === x.dtype ? dyIn : cast(dyIn, x.dtype);
    const h_ = b.avgPool2dBackward(dy.handleOn(b), dy.shape, x.shape, a, x.dtype);
    return [wrap(b, h_, x.shape, x.dtype)];
  });
}

/**
 * Whether every pooling window overlaps the input. Window starts grow with the output index, so
 * checking the first (its end past 0) and the last (its start before the edge) covers all.
 */
function everyWindowHasInput(h: number, w: number, a: PoolArgs, oh: number, ow: number): boolean {
  const axis = (size: number, k: number, s: number, before: number, out: number) =>
    out <= 0 || (k - before > 0 && (out - 1) * s - before < size);
  return (
    axis(h, a.poolSize[0], a.strides[0], a.padding[0], oh) &&
    axis(w, a.poolSize[1], a.strides[1], a.padding[2], ow)
  );
}

function pool2d(
  kind: PoolKind,
  op: string,
  x: TensorLike,
  poolSize: number | readonly number[],
  opts: Pool2DOptions,
): Tensor {
  const xt = floatInput(x, op);
  const df = normalizeDataFormat(opts.dataFormat, op);
  const layout =
    df === 'channelsLast' ? '[batch, height, width, channels]' : '[batch, channels, height, width]';
  checkRank(xt, 4, op, 'x', layout);
  const ps = normalizeTuple(poolSize, 2, 'poolSize', op);
  const st = normalizeTuple(opts.strides ?? ps, 2, 'strides', op);
  const mode = checkPadding(opts.padding, ['valid', 'same'] as const, op);
  const xl = df === 'channelsFirst' ? transpose(xt, [0, 2, 3, 1]) : xt;
  const sizes = [xl.shape[1]!, xl.shape[2]!];
  const describe = `x ${fmtShape(xt.shape)}, poolSize [${ps.join(', ')}]`;
  const pads = resolvePadding(op, mode, sizes, ps, st, [1, 1], AXIS_NAMES_2D, describe, 'pool');
  const args: PoolArgs = {
    poolSize: [ps[0]!, ps[1]!],
    strides: [st[0]!, st[1]!],
    padding: [pads[0]![0], pads[0]![1], pads[1]![0], pads[1]![1]],
  };
  const y = poolRaw(kind, xl, args);
  return df === 'channelsFirst' ? transpose(y, [0, 3, 1, 2]) : y;
}

function pool1d(
  kind: PoolKind,
  op: string,
  x: TensorLike,
  poolSize: number | readonly number[],
  opts: Pool1DOptions,
): Tensor {
  const xt = floatInput(x, op);
  const df = normalizeDataFormat(opts.dataFormat, op);
  const layout = df === 'channelsLast' ? '[batch, steps, channels]' : '[batch, channels, steps]';
  checkRank(xt, 3, op, 'x', layout);
  const [ps] = normalizeTuple(poolSize, 1, 'poolSize', op);
  const [st] = normalizeTuple(opts.strides ?? ps, 1, 'strides', op);
  const mode = checkPadding(opts.padding, ['valid', 'same'] as const, op);
  const xl = df === 'channelsFirst' ? transpose(xt, [0, 2, 1]) : xt;
  const [n, steps, c] = xl.shape as [number, number, number];
  const describe = `x ${fmtShape(xt.shape)}, poolSize ${ps}`;
  const [pads] = resolvePadding(op, mode, [steps], [ps!], [st!], [1], ['length'], describe, 'pool');
  const args: PoolArgs = { poolSize: [1, ps!], strides: [1, st!], padding: [0, 0, ...pads!] };
  const y4 = poolRaw(kind, reshape(xl, [n, 1, steps, c]), args);
  const y = reshape(y4, [n, y4.shape[2]!, c]);
  return df === 'channelsFirst' ? transpose(y, [0, 2, 1]) : y;
}

/**
 * 2-D max pooling: the max of each window (padded positions never win). The gradient goes to
 * the first max of each window (row-major order), as TensorFlow.
 *
 * Formula: `y[b, i, j, c] = max_{di < ph, dj < pw} x[b, i·sh + di − top, j·sw + dj − left, c]`.
 *
 * Shape: `[batch, h, w, c]` → `[batch, oh, ow, c]`, `oh = ⌊(h − ph) / sh⌋ + 1` ('valid') or
 * `⌈h / sh⌉` ('same').
 * @example maxPool2d(tensor([[[[1], [2]], [[3], [4]]]]), 2) // [[[[4]]]]
 */
export function maxPool2d(
  x: TensorLike,
  poolSize: number | readonly number[],
  opts: Pool2DOptions = {},
): Tensor {
  return pool2d('max', 'maxPool2d', x, poolSize, opts);
}

/**
 * 2-D average pooling: the mean of each window over its valid (non-padded) positions, as
 * TensorFlow/Keras with 'same' padding.
 *
 * Formula: `y[b, i, j, c] = Σ_{valid (di, dj)} x[b, i·sh + di − top, j·sw + dj − left, c] / count`.
 *
 * Shape: as {@link maxPool2d}.
 * @example avgPool2d(tensor([[[[1], [2]], [[3], [4]]]]), 2) // [[[[2.5]]]]
 */
export function avgPool2d(
  x: TensorLike,
  poolSize: number | readonly number[],
  opts: Pool2DOptions = {},
): Tensor {
  return pool2d('avg', 'avgPool2d', x, poolSize, opts);
}

/**
 * 1-D max pooling over the steps axis.
 *
 * Formula: `y[b, t, c] = max_{d < p} x[b, t·s + d − left, c]`.
 *
 * Shape: `[batch, steps, c]` → `[batch, ⌊(steps − p) / s⌋ + 1, c]` ('valid') or
 * `[batch, ⌈steps / s⌉, c]` ('same').
 * @example maxPool1d(tensor([[[1], [3], [2], [0]]]), 2) // [[[3], [2]]]
 */
export function maxPool1d(
  x: TensorLike,
  poolSize: number | readonly number[],
  opts: Pool1DOptions = {},
): Tensor {
  return pool1d('max', 'maxPool1d', x, poolSize, opts);
}

/**
 * 1-D average pooling over the steps axis (valid positions only).
 *
 * Formula: `y[b, t, c] = Σ_{valid d} x[b, t·s + d − left, c] / count`.
 *
 * Shape: as {@link maxPool1d}.
 * @example avgPool1d(tensor([[[1], [3], [2], [0]]]), 2) // [[[2], [1]]]
 */
export function avgPool1d(
  x: TensorLike,
  poolSize: number | readonly number[],
  opts: Pool1DOptions = {},
): Tensor {
  return pool1d('avg', 'avgPool1d', x, poolSize, opts);
}

// ---------------------------------------------------------------------------------------------
// Global pooling

/** Options of the global pooling ops. */
export interface GlobalPoolOptions {
  /** Axis order (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
  /** Keep the spatial axes as size 1 (default false). */
  keepdims?: boolean;
}

function spatialAxes(x: Tensor, df: 'channelsLast' | 'channelsFirst', op: string): number[] {
  if (x.rank < 3) {
    throw new ShapeError(
      `${op}: x must have rank >= 3 ([batch, ...spatial, channels]), got shape ${fmtShape(x.shape)}`,
    );
  }
  const first = df === 'channelsLast' ? 1 : 2;
  return Array.from({ length: x.rank - 2 }, (_, i) => first + i);
}

/**
 * Max over every spatial axis (a max reduction; ties share the gradient).
 *
 * Formula: `y[b, c] = max_{spatial} x[b, …, c]`.
 *
 * Shape: `[batch, ...spatial, c]` → `[batch, c]` (keepdims: `[batch, 1, …, 1, c]`).
 * @example globalMaxPool(tensor([[[1], [5], [2]]])) // [[5]]
 */
export function globalMaxPool(x: TensorLike, opts: GlobalPoolOptions = {}): Tensor {
  const op = 'globalMaxPool';
  const t = floatInput(x, op);
  const axes = spatialAxes(t, normalizeDataFormat(opts.dataFormat, op), op);
  return max(t, axes, opts.keepdims ?? false);
}

/**
 * Mean over every spatial axis.
 *
 * Formula: `y[b, c] = mean_{spatial} x[b, …, c]`.
 *
 * Shape: `[batch, ...spatial, c]` → `[batch, c]` (keepdims: `[batch, 1, …, 1, c]`).
 * @example globalAvgPool(tensor([[[1], [5], [3]]])) // [[3]]
 */
export function globalAvgPool(x: TensorLike, opts: GlobalPoolOptions = {}): Tensor {
  const op = 'globalAvgPool';
  const t = floatInput(x, op);
  const axes = spatialAxes(t, normalizeDataFormat(opts.dataFormat, op), op);
  return mean(t, axes, opts.keepdims ?? false);
}

// ---------------------------------------------------------------------------------------------
// Upsampling and resizing

/**
 * Repeats each step `size` times (nearest-neighbour upsampling; gradients sum over copies).
 *
 * Formula: `y[b, t, c] = x[b, ⌊t / size⌋, c]`.
 *
 * Shape: `[batch, steps, c]` → `[batch, steps·size, c]`.
 * @example upSampling1d(tensor([[[1], [2]]]), 2) // [[[1], [1], [2], [2]]]
 */
export function upSampling1d(x: TensorLike, size = 2): Tensor {
  const op = 'upSampling1d';
  const t = convertToTensor(x, op, 'x');
  checkRank(t, 3, op, 'x', '[batch, steps, channels]');
  const [s] = normalizeTuple(size, 1, 'size', op);
  if (s === 1) return t;
  const [n, steps, c] = t.shape as [number, number, number];
  return reshape(broadcastTo(reshape(t, [n, steps, 1, c]), [n, steps, s!, c]), [n, steps * s!, c]);
}

/** Options of {@link upSampling2d}. */
export interface UpSampling2DOptions {
  /** 'nearest' (default): repeat rows and columns; 'bilinear': TensorFlow's half-pixel resize. */
  interpolation?: 'nearest' | 'bilinear';
  /** Axis order (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/**
 * Upsamples rows by `size[0]` and columns by `size[1]`: nearest repeats each pixel; bilinear
 * is `tf.image.resize(..., 'bilinear')` (half-pixel centers), as Keras's UpSampling2D.
 *
 * Formula: nearest `y[b, i, j, c] = x[b, ⌊i / sh⌋, ⌊j / sw⌋, c]`; bilinear see
 * {@link resizeBilinear}.
 *
 * Shape: `[batch, h, w, c]` → `[batch, h·sh, w·sw, c]`.
 * @example upSampling2d(tensor([[[[1], [2]]]]), [1, 2]) // [[[[1], [1], [2], [2]]]]
 */
export function upSampling2d(
  x: TensorLike,
  size: number | readonly number[] = 2,
  opts: UpSampling2DOptions = {},
): Tensor {
  const op = 'upSampling2d';
  const t = convertToTensor(x, op, 'x');
  const df = normalizeDataFormat(opts.dataFormat, op);
  const layout =
    df === 'channelsLast' ? '[batch, height, width, channels]' : '[batch, channels, height, width]';
  checkRank(t, 4, op, 'x', layout);
  const [sh, sw] = normalizeTuple(size, 2, 'size', op) as [number, number];
  const interp = opts.interpolation ?? 'nearest';
  const [n, a, b, c] = t.shape as [number, number, number, number];
  if (interp === 'bilinear') {
    const [h, w] = df === 'channelsLast' ? [a, b] : [b, c];
    return resizeBilinear(t, [h * sh, w * sw], { dataFormat: df });
  }
  if (interp !== 'nearest') {
    throw new ValueError(
      `${op}: interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(interp)}`,
    );
  }
  if (sh === 1 && sw === 1) return t;
  if (df === 'channelsLast') {
    const big = broadcastTo(reshape(t, [n, a, 1, b, 1, c]), [n, a, sh, b, sw, c]);
    return reshape(big, [n, a * sh, b * sw, c]);
  }
  const big = broadcastTo(reshape(t, [n, a, b, 1, c, 1]), [n, a, b, sh, c, sw]);
  return reshape(big, [n, a, b * sh, c * sw]);
}

/**
 * The `[outSize, inSize]` matrix of 1-D linear interpolation with half-pixel centers
 * (TensorFlow's `resize_bilinear(half_pixel_centers=True)`): source `(o + ½)·in/out − ½`,
 * clamped at the edges.
 */
function interpolationMatrix(inSize: number, outSize: number): Float64Array {
  const m = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = (o + 0.5) * scale - 0.5;
    const lo = Math.floor(src);
    const lerp = src - lo;
    const l = Math.max(lo, 0);
    const u = Math.min(Math.ceil(src), inSize - 1);
    m[o * inSize + l]! += 1 - lerp;
    m[o * inSize + u]! += lerp;
  }
  return m;
}

/** Options of {@link resizeBilinear}. */
export interface ResizeOptions {
  /** Axis order (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/**
 * Bilinear resize to `[outHeight, outWidth]` with half-pixel centers, as `tf.image.resize`
 * (method 'bilinear', no antialiasing) and Keras 3's `ops.image.resize`. Computed as two
 * interpolation matmuls, so the gradient comes from matmul's.
 *
 * Formula: per axis, source `s = (o + ½)·in/out − ½`, `y = (1 − f)·x[max(⌊s⌋, 0)] +
 * f·x[min(⌈s⌉, in − 1)]` with `f = s − ⌊s⌋`; rows first, then columns.
 *
 * Shape: `[batch, h, w, c]` → `[batch, outHeight, outWidth, c]`.
 * @example resizeBilinear(tensor([[[[0], [1]]]]), [1, 4]) // [[[[0], [0.25], [0.75], [1]]]]
 */
export function resizeBilinear(
  x: TensorLike,
  size: readonly number[],
  opts: ResizeOptions = {},
): Tensor {
  const op = 'resizeBilinear';
  const t = floatInput(x, op);
  const df = normalizeDataFormat(opts.dataFormat, op);
  const layout =
    df === 'channelsLast' ? '[batch, height, width, channels]' : '[batch, channels, height, width]';
  checkRank(t, 4, op, 'x', layout);
  const [oh, ow] = normalizeTuple(size, 2, 'size', op) as [number, number];
  const [n, a, b, c] = t.shape as [number, number, number, number];
  const [h, w] = df === 'channelsLast' ? [a, b] : [b, c];
  if (h === 0 || w === 0) {
    throw new ShapeError(`${op}: cannot resize an empty image, got shape ${fmtShape(t.shape)}`);
  }
  const mh = tensor(interpolationMatrix(h, oh), [oh, h], t.dtype);
  const mw = tensor(interpolationMatrix(w, ow), [ow, w], t.dtype);
  if (df === 'channelsFirst') {
    // [n·c, h, w] → Mh · x · Mwᵀ.
    const rows = matmul(mh, reshape(t, [n * a, h, w]));
    return reshape(matmul(rows, mw, false, true), [n, a, oh, ow]);
  }
  // [n, h, w·c] → Mh · x, then [n·oh, w, c] → Mw · x.
  const rows = matmul(mh, reshape(t, [n, h, w * c]));
  const cols = matmul(mw, reshape(rows, [n * oh, w, c]));
  return reshape(cols, [n, oh, ow, c]);
}

// ---------------------------------------------------------------------------------------------
// Zero padding and cropping

/** `[before, after]` per spatial axis from Keras's padding/cropping forms. */
export function normalizePairs(
  v: number | readonly (number | readonly number[])[],
  n: number,
  name: string,
  op: string,
): [number, number][] {
  const bad = () =>
    new ValueError(
      `${op}: ${name} must be a non-negative integer, ${n} of them, or ${n} [before, after] pairs, got ${JSON.stringify(v)}`,
    );
  const int = (d: unknown): d is number => Number.isInteger(d) && (d as number) >= 0;
  if (typeof v === 'number') {
    if (!int(v)) throw bad();
    return Array.from({ length: n }, () => [v, v] as [number, number]);
  }
  if (!Array.isArray(v) || v.length !== n) throw bad();
  return v.map((e) => {
    if (typeof e === 'number') {
      if (!int(e)) throw bad();
      return [e, e] as [number, number];
    }
    if (!Array.isArray(e) || e.length !== 2 || !e.every(int)) throw bad();
    return [e[0]!, e[1]!] as [number, number];
  });
}

function spatialStart(df: 'channelsLast' | 'channelsFirst'): number {
  return df === 'channelsLast' ? 1 : 2;
}

/**
 * Pads the spatial axes with zeros: `padding[d] = [before, after]` for spatial axis d.
 *
 * Formula: `y[b, …, i + before, …, c] = x[b, …, i, …, c]`, zeros elsewhere.
 *
 * Shape: `[batch, ...spatial, c]` → each spatial size grows by before + after.
 * @example zeroPadding(tensor([[[1], [2]]]), [[1, 0]]) // [[[0], [1], [2]]]
 */
export function zeroPadding(
  x: TensorLike,
  padding: readonly (readonly [number, number])[],
  dataFormat?: DataFormatArg,
): Tensor {
  const op = 'zeroPadding';
  const t = convertToTensor(x, op, 'x');
  const df = normalizeDataFormat(dataFormat, op);
  const nSpatial = t.rank - 2;
  if (nSpatial < 1 || padding.length !== nSpatial) {
    throw new ShapeError(
      `${op}: x ${fmtShape(t.shape)} needs rank >= 3 and one [before, after] pair per spatial axis, got ${padding.length} pairs`,
    );
  }
  const pairs = normalizePairs(padding, nSpatial, 'padding', op);
  const s0 = spatialStart(df);
  const all = t.shape.map((_, d) =>
    d >= s0 && d < s0 + nSpatial ? pairs[d - s0]! : ([0, 0] as [number, number]),
  );
  return pad(t, all);
}

/**
 * Crops the spatial axes: `cropping[d] = [before, after]` removed from spatial axis d; at least
 * one position must remain.
 *
 * Formula: `y[b, …, i, …, c] = x[b, …, i + before, …, c]`.
 *
 * Shape: `[batch, ...spatial, c]` → each spatial size shrinks by before + after.
 * @example cropping(tensor([[[1], [2], [3]]]), [[1, 1]]) // [[[2]]]
 */
export function cropping(
  x: TensorLike,
  crop: readonly (readonly [number, number])[],
  dataFormat?: DataFormatArg,
): Tensor {
  const op = 'cropping';
  const t = convertToTensor(x, op, 'x');
  const df = normalizeDataFormat(dataFormat, op);
  const nSpatial = t.rank - 2;
  if (nSpatial < 1 || crop.length !== nSpatial) {
    throw new ShapeError(
      `${op}: x ${fmtShape(t.shape)} needs rank >= 3 and one [before, after] pair per spatial axis, got ${crop.length} pairs`,
    );
  }
  const pairs = normalizePairs(crop, nSpatial, 'cropping', op);
  const s0 = spatialStart(df);
  const begin = t.shape.map(() => 0);
  const size = [...t.shape];
  pairs.forEach(([b, a], i) => {
    const d = s0 + i;
    const dim = t.shape[d]!;
    if (b + a >= dim) {
      throw new ShapeError(
        `${op}: cropping [${b}, ${a}] leaves nothing of spatial axis ${i} (size ${dim}) of x ${fmtShape(t.shape)}`,
      );
    }
    begin[d] = b;
    size[d] = dim - b - a;
  });
  return slice(t, begin, size);
}
