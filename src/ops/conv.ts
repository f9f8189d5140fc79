/**
 * Convolutions, as Keras 3's `ops.conv` family: conv1d, conv2d, conv2dTranspose,
 * depthwiseConv2d and separableConv2d. Data is channels-last (`[batch, …spatial, channels]`)
 * unless `dataFormat: 'channelsFirst'`, which is handled by transposes around the NHWC
 * kernels. Every convolution reaches the backend as a 2-D one (conv1d has height 1, depthwise
 * is grouped with one input channel per group, the transposed convolution is the input
 * gradient of a convolution), through three recorded ops whose backwards are expressed with
 * one another: `conv2d`, `conv2dBackpropInput` and `conv2dBackpropFilter`.
 */
import { record } from '../autograd/tape.js';
import type { ConvArgs } from '../backend/backend.js';
import { windowOutputSize } from '../backend/base.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { type DType, isFloat, upcast } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { cast } from './elementwise.js';
import { reshape, transpose } from './movement.js';
import { be, wrap } from './util.js';

// ---------------------------------------------------------------------------------------------
// Shared option handling (also used by the pooling ops and the layers)

/** Axis order of image-like data: channels last (`[batch, …spatial, channels]`, the default) or first. */
export type DataFormat = 'channelsLast' | 'channelsFirst';
/** A data format; Keras's snake_case spellings are accepted too. */
export type DataFormatArg = DataFormat | 'channels_last' | 'channels_first';
/** Padding of a convolution or pool: none, or enough to keep `ceil(size / stride)` outputs. */
export type ConvPadding = 'valid' | 'same';

/** Resolves a data format (default channelsLast), accepting Keras's snake_case. */
export function normalizeDataFormat(df: DataFormatArg | undefined | null, op: string): DataFormat {
  if (df === undefined || df === null || df === 'channelsLast' || df === 'channels_last')
    return 'channelsLast';
  if (df === 'channelsFirst' || df === 'channels_first') return 'channelsFirst';
  throw new ValueError(
    `${op}: dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(df)}`,
  );
}

/**
 * A number or a list of `n` numbers as a list of `n` positive integers (Keras's
 * `standardize_tuple`); `allowZero` admits 0 (paddings, croppings).
 */
export function normalizeTuple(
  v: number | readonly number[] | undefined,
  n: number,
  name: string,
  op: string,
  allowZero = false,
): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : v ? [...v] : [];
  const min = allowZero ? 0 : 1;
  if (list.length !== n || list.some((d) => !Number.isInteger(d) || d < min)) {
    throw new ValueError(
      `${op}: ${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer or ${n} of them, got ${JSON.stringify(v)}`,
    );
  }
  return list;
}

/** Checks a padding mode against the ones an op accepts. */
export function checkPadding<P extends string>(
  padding: string | undefined,
  allowed: readonly P[],
  op: string,
): P {
  const p = padding ?? 'valid';
  if (!allowed.includes(p as P)) {
    throw new ValueError(
      `${op}: padding must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${JSON.stringify(padding)}`,
    );
  }
  return p as P;
}

/**
 * Padding `[before, after]` of one spatial axis (TensorFlow's rule): 'valid' none; 'same'
 * `max((⌈size/stride⌉ − 1)·stride + k′ − size, 0)` split with the extra one after; 'causal'
 * `k′ − 1` before. `k′ = (k − 1)·dilation + 1` is the dilated window.
 */
export function paddingFor(
  mode: 'valid' | 'same' | 'causal',
  size: number,
  k: number,
  stride: number,
  dilation: number,
): [number, number] {
  const dk = (k - 1) * dilation + 1;
  if (mode === 'valid') return [0, 0];
  if (mode === 'causal') return [dk - 1, 0];
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + dk - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Throws `op: x must have rank r (…), got shape […]`. */
export function checkRank(t: Tensor, rank: number, op: string, arg: string, layout: string): void {
  if (t.rank !== rank) {
    throw new ShapeError(
      `${op}: ${arg} must have rank ${rank} (${layout}), got shape ${fmtShape(t.shape)}`,
    );
  }
}

/** Both operands in one float dtype (ints promote to float32; bool is refused). */
function floatPair(a: Tensor, b: Tensor, op: string): [Tensor, Tensor] {
  if (a.dtype === 'bool' || b.dtype === 'bool') {
    throw new DTypeError(`${op}: bool operands are not supported, got ${a.dtype} and ${b.dtype}`);
  }
  const u = upcast(a.dtype, b.dtype);
  const dt: DType = isFloat(u) ? u : 'float32';
  return [a.dtype === dt ? a : cast(a, dt), b.dtype === dt ? b : cast(b, dt)];
}

const AXIS_NAMES_2D = ['height', 'width'] as const;

/**
 * Explicit `[top, bottom, left, right]` padding for a channels-last input, checking that each
 * (dilated) kernel fits in its padded input.
 */
function resolvePadding(
  op: string,
  mode: 'valid' | 'same' | 'causal',
  sizes: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  names: readonly string[],
  describe: string,
  what = 'kernel',
): [number, number][] {
  return sizes.map((size, i) => {
    const k = kernel[i]!;
    const d = dilations[i]!;
    const pads = paddingFor(mode, size, k, strides[i]!, d);
    const dk = (k - 1) * d + 1;
    const padded = size + pads[0] + pads[1];
    if (dk > padded) {
      const dil = d > 1 ? ` (dilated to ${dk})` : '';
      const padNote = pads[0] + pads[1] > 0 ? ` (padded from ${size})` : '';
      throw new ShapeError(
        `${op}: ${what} ${names[i]} ${k}${dil} is larger than the input ${names[i]} ${padded}${padNote} with padding '${mode}'; ${describe}`,
      );
    }
    return pads;
  });
}

// ---------------------------------------------------------------------------------------------
// The three recorded NHWC ops

/** Output `[n, oh, ow, cout]` of a conv2d primitive. */
function convOutShape(xShape: Shape, fShape: Shape, a: ConvArgs): number[] {
  const [n, h, w] = xShape as [number, number, number];
  const [kh, kw, , cout] = fShape as [number, number, number, number];
  const [pt, pb, pl, pr] = a.padding;
  return [
    n,
    windowOutputSize(h, kh, a.strides[0], a.dilations[0], pt, pb),
    windowOutputSize(w, kw, a.strides[1], a.dilations[1], pl, pr),
    cout,
  ];
}

function sameDType(t: Tensor, dt: DType): Tensor {
  return t.dtype === dt ? t : cast(t, dt);
}

/**
 * y = conv2d(x, f) on NHWC data with explicit geometry. Backward: dx = conv2dBackpropInput(dy,
 * f), df = conv2dBackpropFilter(x, dy); each is computed only when its input needs it.
 */
function conv2dRaw(x: Tensor, f: Tensor, a: ConvArgs): Tensor {
  const b = be();
  const h = b.conv2d(x.handleOn(b), x.shape, f.handleOn(b), f.shape, a, x.dtype);
  const y = wrap(b, h, convOutShape(x.shape, f.shape, a), x.dtype);
  return record('conv2d', [x, f], y, (dy) => {
    const g = sameDType(dy, x.dtype);
    return [
      x.requiresGrad ? conv2dBackpropInputRaw(g, f, x.shape, a) : null,
      f.requiresGrad ? conv2dBackpropFilterRaw(x, g, f.shape, a) : null,
    ];
  });
}

/**
 * The input gradient of conv2d (the transposed convolution), linear in dy and in f.
 * Backward: d(dy) = conv2d(g, f), df = conv2dBackpropFilter(g, dy).
 */
function conv2dBackpropInputRaw(dy: Tensor, f: Tensor, xShape: Shape, a: ConvArgs): Tensor {
  const b = be();
  const h = b.conv2dBackpropInput(
    dy.handleOn(b),
    dy.shape,
    f.handleOn(b),
    f.shape,
    xShape,
    a,
    dy.dtype,
  );
  const y = wrap(b, h, xShape, dy.dtype);
  return record('conv2dBackpropInput', [dy, f], y, (gIn) => {
    const g = sameDType(gIn, dy.dtype);
    return [
      dy.requiresGrad ? conv2dRaw(g, f, a) : null,
      f.requiresGrad ? conv2dBackpropFilterRaw(g, dy, f.shape, a) : null,
    ];
  });
}

/**
 * The filter gradient of conv2d, linear in x and in dy.
 * Backward: dx = conv2dBackpropInput(dy, g), d(dy) = conv2d(x, g).
 */
function conv2dBackpropFilterRaw(x: Tensor, dy: Tensor, fShape: Shape, a: ConvArgs): Tensor {
  const b = be();
  const h = b.conv2dBackpropFilter(
    x.handleOn(b),
    x.shape,
    dy.handleOn(b),
    dy.shape,
    fShape,
    a,
    x.dtype,
  );
  const y = wrap(b, h, fShape, x.dtype);
  return record('conv2dBackpropFilter', [x, dy], y, (gIn) => {
    const g = sameDType(gIn, x.dtype);
    return [
      x.requiresGrad ? conv2dBackpropInputRaw(dy, g, x.shape, a) : null,
      dy.requiresGrad ? conv2dRaw(x, g, a) : null,
    ];
  });
}

// ---------------------------------------------------------------------------------------------
// Public ops

/** Options of {@link conv2d}. */
export interface Conv2DOptions {
  /** Step of the window, one number or [height, width] (default 1). */
  strides?: number | readonly number[];
  /** 'valid' (default): no padding; 'same': zero padding so the output is ⌈size/stride⌉. */
  padding?: ConvPadding;
  /** Spacing of the kernel taps, one number or [height, width] (default 1). */
  dilationRate?: number | readonly number[];
  /**
   * Channel groups (default 1): input channels and filters are split into `groups` parts and
   * output part g sees only input part g; the kernel then has `channels / groups` inputs.
   */
  groups?: number;
  /** Axis order of x and of the output (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/** Options of {@link conv1d}. */
export interface Conv1DOptions {
  /** Step of the window (default 1). */
  strides?: number | readonly number[];
  /** 'valid' (default), 'same', or 'causal': left padding only, so y[t] sees x[≤ t]. */
  padding?: ConvPadding | 'causal';
  /** Spacing of the kernel taps (default 1). */
  dilationRate?: number | readonly number[];
  /** Channel groups (default 1), as in {@link Conv2DOptions.groups}. */
  groups?: number;
  /** Axis order of x and of the output (default 'channelsLast': `[batch, steps, channels]`). */
  dataFormat?: DataFormatArg;
}

function groupsOf(g: number | undefined, op: string): number {
  const groups = g ?? 1;
  if (!Number.isInteger(groups) || groups < 1) {
    throw new ValueError(`${op}: groups must be a positive integer, got ${JSON.stringify(g)}`);
  }
  return groups;
}

/** Checks channels against kernel and groups for a channels-last x and a `[...k, cin/g, cout]` kernel. */
function checkChannels(op: string, x: Tensor, k: Tensor, groups: number, describe: string): void {
  const c = x.shape[x.rank - 1]!;
  const cg = k.shape[k.rank - 2]!;
  const cout = k.shape[k.rank - 1]!;
  if (c % groups !== 0 || cout % groups !== 0) {
    throw new ValueError(
      `${op}: groups (${groups}) must divide the input channels (${c}) and the filters (${cout}); ${describe}`,
    );
  }
  if (c !== cg * groups) {
    throw new ShapeError(
      `${op}: input channels (${c}) must equal the kernel's input channels (${cg}) × groups (${groups}); ${describe}`,
    );
  }
}

/** NHWC conv with validation of geometry; `xs`/`ks` are the caller's shapes, for messages. */
function convNHWC(
  op: string,
  x: Tensor,
  k: Tensor,
  strides: readonly [number, number],
  dilations: readonly [number, number],
  mode: 'valid' | 'same' | 'causal',
  groups: number,
  names: readonly string[],
  describe: string,
  spatialAxes: readonly number[] = [0, 1],
): Tensor {
  checkChannels(op, x, k, groups, describe);
  // Only the named spatial axes are checked (conv1d's height axis is a size-1 stand-in).
  const sizes = spatialAxes.map((a) => x.shape[1 + a]!);
  const kern = spatialAxes.map((a) => k.shape[a]!);
  const st = spatialAxes.map((a) => strides[a]!);
  const dl = spatialAxes.map((a) => dilations[a]!);
  const pads = resolvePadding(op, mode, sizes, kern, st, dl, names, describe);
  const full: [number, number][] = [
    [0, 0],
    [0, 0],
  ];
  spatialAxes.forEach((a, i) => {
    full[a] = pads[i]!;
  });
  const args: ConvArgs = {
    strides: [strides[0], strides[1]],
    dilations: [dilations[0], dilations[1]],
    padding: [full[0]![0], full[0]![1], full[1]![0], full[1]![1]],
    groups,
  };
  return conv2dRaw(x, k, args);
}

function shapesNote(x: Tensor, k: Tensor, kName = 'kernel'): string {
  return `x ${fmtShape(x.shape)}, ${kName} ${fmtShape(k.shape)}`;
}

/**
 * 2-D convolution (cross-correlation, as Keras and TensorFlow), optionally strided, dilated
 * and grouped.
 *
 * Formula: `y[b, i, j, o] = Σ_{di, dj, c} x[b, i·sh + di·dh − top, j·sw + dj·dw − left, g·C′ + c]
 * · k[di, dj, c, o]` with g = ⌊o / (filters / groups)⌋, C′ = channels / groups, and zeros
 * outside x.
 *
 * Shape: x `[batch, h, w, channels]` (channelsFirst: `[batch, channels, h, w]`), kernel
 * `[kh, kw, channels / groups, filters]` → `[batch, oh, ow, filters]` with
 * `oh = ⌊(h − (kh − 1)·dh − 1) / sh⌋ + 1` ('valid') or `⌈h / sh⌉` ('same').
 * @example conv2d(ones([1, 3, 3, 1]), ones([2, 2, 1, 1])) // [[[[4], [4]], [[4], [4]]]]
 */
export function conv2d(x: TensorLike, kernel: TensorLike, opts: Conv2DOptions = {}): Tensor {
  const op = 'conv2d';
  let xt = convertToTensor(x, op, 'x');
  let kt = convertToTensor(kernel, op, 'kernel');
  const df = normalizeDataFormat(opts.dataFormat, op);
  const layout =
    df === 'channelsLast' ? '[batch, height, width, channels]' : '[batch, channels, height, width]';
  checkRank(xt, 4, op, 'x', layout);
  checkRank(kt, 4, op, 'kernel', '[kernelHeight, kernelWidth, inChannels / groups, filters]');
  [xt, kt] = floatPair(xt, kt, op);
  const strides = normalizeTuple(opts.strides ?? 1, 2, 'strides', op) as [number, number];
  const dil = normalizeTuple(opts.dilationRate ?? 1, 2, 'dilationRate', op) as [number, number];
  const mode = checkPadding(opts.padding, ['valid', 'same'] as const, op);
  const groups = groupsOf(opts.groups, op);
  const describe = shapesNote(xt, kt);
  const xl = df === 'channelsFirst' ? transpose(xt, [0, 2, 3, 1]) : xt;
  const y = convNHWC(op, xl, kt, strides, dil, mode, groups, AXIS_NAMES_2D, describe);
  return df === 'channelsFirst' ? transpose(y, [0, 3, 1, 2]) : y;
}

/**
 * 1-D convolution over the steps axis, optionally strided, dilated, grouped or causal (run
 * as a 2-D convolution of height 1).
 *
 * Formula: `y[b, t, o] = Σ_{d, c} x[b, t·s + d·dil − left, g·C′ + c] · k[d, c, o]`.
 *
 * Shape: x `[batch, steps, channels]` (channelsFirst: `[batch, channels, steps]`), kernel
 * `[k, channels / groups, filters]` → `[batch, outSteps, filters]`; 'causal' and 'same' keep
 * `⌈steps / s⌉`.
 * @example conv1d(ones([1, 4, 1]), ones([2, 1, 1]), { padding: 'causal' }) // [[[1], [2], [2], [2]]]
 */
export function conv1d(x: TensorLike, kernel: TensorLike, opts: Conv1DOptions = {}): Tensor {
  const op = 'conv1d';
  let xt = convertToTensor(x, op, 'x');
  let kt = convertToTensor(kernel, op, 'kernel');
  const df = normalizeDataFormat(opts.dataFormat, op);
  const layout = df === 'channelsLast' ? '[batch, steps, channels]' : '[batch, channels, steps]';
  checkRank(xt, 3, op, 'x', layout);
  checkRank(kt, 3, op, 'kernel', '[kernelSize, inChannels / groups, filters]');
  [xt, kt] = floatPair(xt, kt, op);
  const [s] = normalizeTuple(opts.strides ?? 1, 1, 'strides', op);
  const [d] = normalizeTuple(opts.dilationRate ?? 1, 1, 'dilationRate', op);
  const mode = checkPadding(opts.padding, ['valid', 'same', 'causal'] as const, op);
  const groups = groupsOf(opts.groups, op);
  const describe = shapesNote(xt, kt);
  const xl = df === 'channelsFirst' ? transpose(xt, [0, 2, 1]) : xt;
  const [n, steps, c] = xl.shape as [number, number, number];
  const x4 = reshape(xl, [n, 1, steps, c]);
  const k4 = reshape(kt, [1, ...kt.shape]);
  const y4 = convNHWC(op, x4, k4, [1, s!], [1, d!], mode, groups, ['length'], describe, [1]);
  const y = reshape(y4, [n, y4.shape[2]!, y4.shape[3]!]);
  return df === 'channelsFirst' ? transpose(y, [0, 2, 1]) : y;
}

/** Options of {@link conv2dTranspose}. */
export interface Conv2DTransposeOptions {
  /** Step of the (forward) window, one number or [height, width] (default 1). */
  strides?: number | readonly number[];
  /** 'valid' (default) or 'same', as in Keras (see the output-size formula). */
  padding?: ConvPadding;
  /**
   * Extra rows/columns added to one side of the output, one number or [height, width]; each
   * must be smaller than its stride. Default: none (the size then follows Keras's rule).
   */
  outputPadding?: number | readonly number[] | null;
  /** Spacing of the kernel taps (default 1). */
  dilationRate?: number | readonly number[];
  /** Axis order of x and of the output (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/**
 * Keras's `deconv_output_length`: the output size of a transposed convolution along one axis.
 *
 * Formula (k′ = (k − 1)·dilation + 1): without outputPadding, 'valid' → `n·s + max(k′ − s, 0)`,
 * 'same' → `n·s`; with it, `(n − 1)·s + k′ − 2·pad + outputPadding` where pad is `⌊k′/2⌋`
 * ('same') or 0 ('valid').
 * @example deconvOutputLength(4, 3, 'valid', null, 2) // 9
 */
export function deconvOutputLength(
  n: number,
  k: number,
  padding: ConvPadding,
  outputPadding: number | null,
  stride: number,
  dilation = 1,
): number {
  const dk = (k - 1) * dilation + 1;
  if (outputPadding === null) {
    return padding === 'valid' ? n * stride + Math.max(dk - stride, 0) : n * stride;
  }
  const pad = padding === 'same' ? Math.floor(dk / 2) : 0;
  return (n - 1) * stride + dk - 2 * pad + outputPadding;
}

/**
 * Transposed 2-D convolution (sometimes called deconvolution): the gradient of a
 * {@link conv2d} with respect to its input, applied to x. As Keras, the kernel is
 * `[kh, kw, filters, inChannels]`.
 *
 * Formula: `y = ∂(Σ conv2d(z, k) · x)/∂z`, i.e. each input pixel scatters `x[b, i, j, :] ·
 * k[di, dj, :, :]ᵀ` to `y[b, i·sh + di·dh − top, j·sw + dj·dw − left, :]`; the padding is the
 * one the forward convolution from y's size would use.
 *
 * Shape: x `[batch, h, w, inChannels]`, kernel `[kh, kw, filters, inChannels]` →
 * `[batch, oh, ow, filters]` with oh from {@link deconvOutputLength}.
 * @example conv2dTranspose(ones([1, 2, 2, 1]), ones([2, 2, 1, 1]), { strides: 2 }).shape // [1, 4, 4, 1]
 */
export function conv2dTranspose(
  x: TensorLike,
  kernel: TensorLike,
  opts: Conv2DTransposeOptions = {},
): Tensor {
  const op = 'conv2dTranspose';
  let xt = convertToTensor(x, op, 'x');
  let kt = convertToTensor(kernel, op, 'kernel');
  const df = normalizeDataFormat(opts.dataFormat, op);
  const layout =
    df === 'channelsLast' ? '[batch, height, width, channels]' : '[batch, channels, height, width]';
  checkRank(xt, 4, op, 'x', layout);
  checkRank(kt, 4, op, 'kernel', '[kernelHeight, kernelWidth, filters, inChannels]');
  [xt, kt] = floatPair(xt, kt, op);
  const strides = normalizeTuple(opts.strides ?? 1, 2, 'strides', op) as [number, number];
  const dil = normalizeTuple(opts.dilationRate ?? 1, 2, 'dilationRate', op) as [number, number];
  const mode = checkPadding(opts.padding, ['valid', 'same'] as const, op);
  const outPad =
    opts.outputPadding === undefined || opts.outputPadding === null
      ? null
      : normalizeTuple(opts.outputPadding, 2, 'outputPadding', op, true);
  const describe = shapesNote(xt, kt);
  if (outPad) {
    outPad.forEach((p, i) => {
      if (p >= strides[i]!) {
        throw new ValueError(
          `${op}: outputPadding (${outPad.join(', ')}) must be smaller than strides (${strides.join(', ')})`,
        );
      }
    });
  }
  const xl = df === 'channelsFirst' ? transpose(xt, [0, 2, 3, 1]) : xt;
  const [n, h, w, c] = xl.shape as [number, number, number, number];
  const [kh, kw, filters, kin] = kt.shape as [number, number, number, number];
  if (c !== kin) {
    throw new ShapeError(
      `${op}: input channels (${c}) must equal the kernel's last axis (${kin}); ${describe}`,
    );
  }
  const sizes = [h, w];
  const ks = [kh, kw];
  const outSizes = sizes.map((s, i) =>
    deconvOutputLength(s, ks[i]!, mode, outPad ? outPad[i]! : null, strides[i]!, dil[i]!),
  );
  if (outSizes.some((s) => s < 1)) {
    throw new ShapeError(
      `${op}: the output would be empty (${outSizes.join(' x ')}); ${describe} with padding '${mode}'`,
    );
  }
  // The padding the forward convolution from the output size would use (TensorFlow's rule).
  const pads = outSizes.map((s, i) => {
    if (mode === 'valid') return [0, 0] as [number, number];
    const dk = (ks[i]! - 1) * dil[i]! + 1;
    const total = Math.max((sizes[i]! - 1) * strides[i]! + dk - s, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)] as [number, number];
  });
  const args: ConvArgs = {
    strides,
    dilations: dil,
    padding: [pads[0]![0], pads[0]![1], pads[1]![0], pads[1]![1]],
    groups: 1,
  };
  const yShape = [n, outSizes[0]!, outSizes[1]!, filters];
  const check = convOutShape(yShape, kt.shape, args);
  if (check[1] !== h || check[2] !== w) {
    throw new ShapeError(
      `${op}: output size ${outSizes.join(' x ')} is inconsistent with the input ${h} x ${w}; ${describe}`,
    );
  }
  const y = conv2dBackpropInputRaw(xl, kt, yShape, args);
  return df === 'channelsFirst' ? transpose(y, [0, 3, 1, 2]) : y;
}

/** Options of {@link depthwiseConv2d} and {@link separableConv2d}. */
export interface DepthwiseConv2DOptions {
  /** Step of the window, one number or [height, width] (default 1). */
  strides?: number | readonly number[];
  /** 'valid' (default) or 'same'. */
  padding?: ConvPadding;
  /** Spacing of the kernel taps (default 1). */
  dilationRate?: number | readonly number[];
  /** Axis order of x and of the output (default 'channelsLast'). */
  dataFormat?: DataFormatArg;
}

/**
 * Depthwise 2-D convolution: each input channel is convolved with its own `multiplier`
 * filters (a grouped convolution with one group per channel).
 *
 * Formula: `y[b, i, j, c·m + q] = Σ_{di, dj} x[b, i·sh + di·dh − top, j·sw + dj·dw − left, c] ·
 * k[di, dj, c, q]`.
 *
 * Shape: x `[batch, h, w, channels]`, kernel `[kh, kw, channels, multiplier]` →
 * `[batch, oh, ow, channels·multiplier]`.
 * @example depthwiseConv2d(ones([1, 3, 3, 2]), ones([3, 3, 2, 1])).shape // [1, 1, 1, 2]
 */
export function depthwiseConv2d(
  x: TensorLike,
  kernel: TensorLike,
  opts: DepthwiseConv2DOptions = {},
): Tensor {
  return depthwise('depthwiseConv2d', x, kernel, opts);
}

function depthwise(
  op: string,
  x: TensorLike,
  kernel: TensorLike,
  opts: DepthwiseConv2DOptions,
): Tensor {
  let xt = convertToTensor(x, op, 'x');
  let kt = convertToTensor(kernel, op, 'depthwiseKernel');
  const df = normalizeDataFormat(opts.dataFormat, op);
  const layout =
    df === 'channelsLast' ? '[batch, height, width, channels]' : '[batch, channels, height, width]';
  checkRank(xt, 4, op, 'x', layout);
  checkRank(kt, 4, op, 'depthwiseKernel', '[kernelHeight, kernelWidth, channels, multiplier]');
  [xt, kt] = floatPair(xt, kt, op);
  const strides = normalizeTuple(opts.strides ?? 1, 2, 'strides', op) as [number, number];
  const dil = normalizeTuple(opts.dilationRate ?? 1, 2, 'dilationRate', op) as [number, number];
  const mode = checkPadding(opts.padding, ['valid', 'same'] as const, op);
  const describe = shapesNote(xt, kt, 'depthwiseKernel');
  const xl = df === 'channelsFirst' ? transpose(xt, [0, 2, 3, 1]) : xt;
  const c = xl.shape[3]!;
  const [kh, kw, kc, m] = kt.shape as [number, number, number, number];
  if (c !== kc) {
    throw new ShapeError(
      `${op}: input channels (${c}) must equal the depthwise kernel's channels (${kc}); ${describe}`,
    );
  }
  const k = reshape(kt, [kh, kw, 1, c * m]);
  const y = convNHWC(op, xl, k, strides, dil, mode, c, AXIS_NAMES_2D, describe);
  return df === 'channelsFirst' ? transpose(y, [0, 3, 1, 2]) : y;
}

/**
 * Depthwise-separable 2-D convolution: a {@link depthwiseConv2d} followed by a 1×1
 * {@link conv2d} that mixes the channels.
 *
 * Formula: `y = conv2d(depthwiseConv2d(x, dk), pk)` (strides, padding and dilation apply to
 * the depthwise step).
 *
 * Shape: x `[batch, h, w, channels]`, depthwiseKernel `[kh, kw, channels, multiplier]`,
 * pointwiseKernel `[1, 1, channels·multiplier, filters]` → `[batch, oh, ow, filters]`.
 * @example separableConv2d(ones([1, 3, 3, 2]), ones([3, 3, 2, 1]), ones([1, 1, 2, 4])).shape // [1, 1, 1, 4]
 */
export function separableConv2d(
  x: TensorLike,
  depthwiseKernel: TensorLike,
  pointwiseKernel: TensorLike,
  opts: DepthwiseConv2DOptions = {},
): Tensor {
  const op = 'separableConv2d';
  const pk = convertToTensor(pointwiseKernel, op, 'pointwiseKernel');
  checkRank(pk, 4, op, 'pointwiseKernel', '[1, 1, channels · multiplier, filters]');
  const dk = convertToTensor(depthwiseKernel, op, 'depthwiseKernel');
  if (pk.shape[0] !== 1 || pk.shape[1] !== 1) {
    throw new ShapeError(
      `${op}: pointwiseKernel must be 1 x 1 spatially, got shape ${fmtShape(pk.shape)}`,
    );
  }
  const mid = dk.rank === 4 ? dk.shape[2]! * dk.shape[3]! : -1;
  if (dk.rank === 4 && pk.shape[2] !== mid) {
    throw new ShapeError(
      `${op}: pointwiseKernel input channels (${pk.shape[2]}) must equal channels × multiplier (${mid}); depthwiseKernel ${fmtShape(dk.shape)}, pointwiseKernel ${fmtShape(pk.shape)}`,
    );
  }
  const d = depthwise(op, x, dk, opts);
  return conv2d(d, pk, { dataFormat: opts.dataFormat });
}

// ---------------------------------------------------------------------------------------------
// Bias

/**
 * Adds a per-channel bias, as `tf.nn.bias_add`: along the last axis (channelsLast) or axis 1
 * (channelsFirst). Channels-last runs without broadcast index arithmetic (the bias is tiled
 * once, then a same-shape add), and the bias gradient is one `ones · dy` product.
 *
 * Formula: `y[…, c] = x[…, c] + bias[c]`; backward dx = dy, dbias[c] = Σ_{…} dy[…, c].
 *
 * Shape: x `[batch, …, channels]` (channelsFirst `[batch, channels, …]`), bias `[channels]` →
 * x's shape.
 * @example biasAdd(zeros([2, 3]), tensor([1, 2, 3])) // [[1, 2, 3], [1, 2, 3]]
 */
export function biasAdd(x: TensorLike, bias: TensorLike, dataFormat?: DataFormatArg): Tensor {
  const op = 'biasAdd';
  let xt = convertToTensor(x, op, 'x');
  let bt = convertToTensor(bias, op, 'bias');
  const df = normalizeDataFormat(dataFormat, op);
  if (bt.rank !== 1 || xt.rank < 2) {
    throw new ShapeError(
      `${op}: needs x of rank >= 2 and a rank-1 bias, got x ${fmtShape(xt.shape)}, bias ${fmtShape(bt.shape)}`,
    );
  }
  const axis = df === 'channelsLast' ? xt.rank - 1 : 1;
  const c = xt.shape[axis]!;
  if (bt.shape[0] !== c) {
    throw new ShapeError(
      `${op}: bias length ${bt.shape[0]} differs from the channels (${c}, axis ${axis}) of x ${fmtShape(xt.shape)}`,
    );
  }
  [xt, bt] = floatPair(xt, bt, op);
  if (df === 'channelsFirst') {
    return xt.add(reshape(bt, [c, ...new Array<number>(xt.rank - 2).fill(1)]));
  }
  const b = be();
  const dt = xt.dtype;
  const rows = xt.size / Math.max(c, 1);
  // A row operand: every backend has a fast path for [rows, c] + [c].
  const h = b.binary('add', xt.handleOn(b), [rows, c], bt.handleOn(b), [c], [rows, c], dt, dt);
  const y = wrap(b, h, xt.shape, dt);
  return record(op, [xt, bt], y, (dyIn) => {
    const dy = sameDType(dyIn, dt);
    if (!bt.requiresGrad) return [dy, null];
    const db = b.reduce('sum', dy.handleOn(b), [rows, c], [0], dt, dt);
    return [dy, wrap(b, db, [c], dt)];
  });
}

export { AXIS_NAMES_2D, resolvePadding };
