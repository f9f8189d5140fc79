/**
 * Pooling layers, as Keras 3's: `MaxPooling1D/2D`, `AveragePooling1D/2D` and
 * `GlobalMaxPooling1D/2D`, `GlobalAveragePooling1D/2D`. None has weights.
 */
import { ValueError } from '../errors.js';
import {
  type ConvPadding,
  type DataFormat,
  type DataFormatArg,
  normalizeDataFormat,
} from '../ops/conv.js';
import {
  avgPool1d,
  avgPool2d,
  globalAvgPool,
  globalMaxPool,
  maxPool1d,
  maxPool2d,
} from '../ops/pooling.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

function fail(layer: Layer, what: string): never {
  throw new ValueError(`${layer.name} (${layer.className}): ${what}`);
}

function tupleArg(
  layer: Layer,
  v: number | readonly number[] | null | undefined,
  rank: number,
  name: string,
): number[] | null {
  if (v === undefined || v === null) return null;
  const list = typeof v === 'number' ? new Array<number>(rank).fill(v) : [...v];
  if (list.length !== rank || list.some((d) => !Number.isInteger(d) || d < 1)) {
    fail(layer, `${name} must be a positive integer or ${rank} of them, got ${JSON.stringify(v)}`);
  }
  return list;
}

function formatArg(layer: Layer, v: DataFormatArg | undefined): DataFormat {
  try {
    return normalizeDataFormat(v, layer.name);
  } catch {
    return fail(
      layer,
      `dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(v)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Window pooling

/** Options of {@link MaxPooling2D} and {@link AveragePooling2D}. */
export interface Pooling2DArgs extends LayerArgs {
  /** Window size: one integer or [height, width] (default 2). */
  poolSize?: number | readonly number[];
  /** Step of the window: one integer or [height, width] (default: poolSize). */
  strides?: number | readonly number[] | null;
  /**
   * 'valid' (default): only whole windows; 'same': ⌈size / stride⌉ outputs, windows cut by
   * the border use their valid positions only.
   */
  padding?: ConvPadding;
  /** 'channelsLast' (default, `[batch, h, w, channels]`) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
}

/** Options of {@link MaxPooling1D} and {@link AveragePooling1D}. */
export interface Pooling1DArgs extends LayerArgs {
  /** Window size (default 2). */
  poolSize?: number | readonly number[];
  /** Step of the window (default: poolSize). */
  strides?: number | readonly number[] | null;
  /** 'valid' (default) or 'same', as in {@link Pooling2DArgs.padding}. */
  padding?: ConvPadding;
  /** 'channelsLast' (default, `[batch, steps, channels]`) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
}

/** The shared body of the window pooling layers. */
abstract class BasePooling extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: ConvPadding;
  readonly dataFormat: DataFormat;
  readonly rank: number;

  constructor(args: Pooling2DArgs | Pooling1DArgs, rank: number) {
    super(args);
    const a = args ?? {};
    this.rank = rank;
    this.poolSize = tupleArg(this, a.poolSize ?? 2, rank, 'poolSize')!;
    this.strides = tupleArg(this, a.strides, rank, 'strides') ?? [...this.poolSize];
    const p = (a.padding ?? 'valid').toLowerCase();
    if (p !== 'valid' && p !== 'same')
      fail(this, `padding must be 'valid' or 'same', got ${JSON.stringify(a.padding)}`);
    this.padding = p;
    this.dataFormat = formatArg(this, a.dataFormat);
    this.inputSpec = { ndim: rank + 2 };
  }

  /** The pooling op's options. */
  protected opts() {
    return { strides: this.strides, padding: this.padding, dataFormat: this.dataFormat };
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    const first = this.dataFormat === 'channelsLast' ? 1 : 2;
    const sp = Array.from({ length: this.rank }, (_, i) => {
      const n = s[first + i] ?? null;
      if (n === null) return null;
      const k = this.poolSize[i]!;
      const st = this.strides[i]!;
      return this.padding === 'valid' ? Math.floor((n - k) / st) + 1 : Math.ceil(n / st);
    });
    const c = s[this.dataFormat === 'channelsLast' ? s.length - 1 : 1] ?? null;
    return this.dataFormat === 'channelsLast' ? [s[0]!, ...sp, c] : [s[0]!, c, ...sp];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      poolSize: [...this.poolSize],
      padding: this.padding,
      strides: [...this.strides],
      dataFormat: this.dataFormat,
    };
  }
}

/**
 * Max pooling over 2-D windows (height × width), per channel.
 *
 * Formula: `y[b, i, j, c] = max_{di < ph, dj < pw} x[b, i·sh + di − top, j·sw + dj − left, c]`
 * (padded positions never win).
 *
 * Shape: `[batch, h, w, c]` → `[batch, oh, ow, c]`, `oh = ⌊(h − ph) / sh⌋ + 1` ('valid') or
 * `⌈h / sh⌉` ('same').
 * @example
 * new MaxPooling2D({ poolSize: 2 }).apply(zeros([1, 26, 26, 32])).shape; // [1, 13, 13, 32]
 */
export class MaxPooling2D extends BasePooling {
  static override readonly className = 'MaxPooling2D';
  constructor(args: Pooling2DArgs = {}) {
    super(args, 2);
  }
  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return maxPool2d(single(inputs, this), this.poolSize, this.opts());
  }
}
registerSerializable('layer', MaxPooling2D);

/**
 * Average pooling over 2-D windows (height × width), per channel; with 'same' padding the
 * windows cut by the border average their valid positions only (as TensorFlow/Keras).
 *
 * Formula: `y[b, i, j, c] = Σ_{valid (di, dj)} x[b, i·sh + di − top, j·sw + dj − left, c] / count`.
 *
 * Shape: as {@link MaxPooling2D}.
 * @example
 * new AveragePooling2D({ poolSize: 2 }).apply(zeros([1, 4, 4, 3])).shape; // [1, 2, 2, 3]
 */
export class AveragePooling2D extends BasePooling {
  static override readonly className = 'AveragePooling2D';
  constructor(args: Pooling2DArgs = {}) {
    super(args, 2);
  }
  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return avgPool2d(single(inputs, this), this.poolSize, this.opts());
  }
}
registerSerializable('layer', AveragePooling2D);

/**
 * Max pooling over 1-D windows of the steps axis, per channel.
 *
 * Formula: `y[b, t, c] = max_{d < p} x[b, t·s + d − left, c]`.
 *
 * Shape: `[batch, steps, c]` → `[batch, ⌊(steps − p) / s⌋ + 1, c]` ('valid') or
 * `[batch, ⌈steps / s⌉, c]` ('same').
 * @example
 * new MaxPooling1D({ poolSize: 2 }).apply(zeros([1, 10, 4])).shape; // [1, 5, 4]
 */
export class MaxPooling1D extends BasePooling {
  static override readonly className = 'MaxPooling1D';
  constructor(args: Pooling1DArgs = {}) {
    super(args, 1);
  }
  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return maxPool1d(single(inputs, this), this.poolSize, this.opts());
  }
}
registerSerializable('layer', MaxPooling1D);

/**
 * Average pooling over 1-D windows of the steps axis (valid positions only), per channel.
 *
 * Formula: `y[b, t, c] = Σ_{valid d} x[b, t·s + d − left, c] / count`.
 *
 * Shape: as {@link MaxPooling1D}.
 * @example
 * new AveragePooling1D({ poolSize: 3, strides: 1 }).apply(zeros([1, 10, 4])).shape; // [1, 8, 4]
 */
export class AveragePooling1D extends BasePooling {
  static override readonly className = 'AveragePooling1D';
  constructor(args: Pooling1DArgs = {}) {
    super(args, 1);
  }
  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return avgPool1d(single(inputs, this), this.poolSize, this.opts());
  }
}
registerSerializable('layer', AveragePooling1D);

// ---------------------------------------------------------------------------------------------
// Global pooling

/** Options of the global pooling layers. */
export interface GlobalPoolingArgs extends LayerArgs {
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
  /** Keep the spatial axes, with size 1 (default false). */
  keepdims?: boolean;
}

abstract class BaseGlobalPooling extends Layer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;
  readonly rank: number;

  constructor(args: GlobalPoolingArgs, rank: number) {
    super(args);
    const a = args ?? {};
    this.rank = rank;
    this.dataFormat = formatArg(this, a.dataFormat);
    this.keepdims = a.keepdims ?? false;
    this.inputSpec = { ndim: rank + 2 };
  }

  protected opts() {
    return { dataFormat: this.dataFormat, keepdims: this.keepdims };
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    const last = this.dataFormat === 'channelsLast';
    const c = s[last ? s.length - 1 : 1] ?? null;
    if (!this.keepdims) return [s[0]!, c];
    const ones = new Array<number>(this.rank).fill(1);
    return last ? [s[0]!, ...ones, c] : [s[0]!, c, ...ones];
  }

  override getConfig(): Config {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}

/**
 * The max over the steps axis, per channel.
 *
 * Formula: `y[b, c] = max_t x[b, t, c]`.
 *
 * Shape: `[batch, steps, c]` → `[batch, c]` (keepdims: `[batch, 1, c]`).
 * @example
 * new GlobalMaxPooling1D().apply(zeros([2, 10, 4])).shape; // [2, 4]
 */
export class GlobalMaxPooling1D extends BaseGlobalPooling {
  static override readonly className = 'GlobalMaxPooling1D';
  constructor(args: GlobalPoolingArgs = {}) {
    super(args, 1);
  }
  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return globalMaxPool(single(inputs, this), this.opts());
  }
}
registerSerializable('layer', GlobalMaxPooling1D);

/**
 * The max over the height and width axes, per channel.
 *
 * Formula: `y[b, c] = max_{i, j} x[b, i, j, c]`.
 *
 * Shape: `[batch, h, w, c]` → `[batch, c]` (keepdims: `[batch, 1, 1, c]`).
 * @example
 * new GlobalMaxPooling2D().apply(zeros([2, 5, 5, 8])).shape; // [2, 8]
 */
export class GlobalMaxPooling2D extends BaseGlobalPooling {
  static override readonly className = 'GlobalMaxPooling2D';
  constructor(args: GlobalPoolingArgs = {}) {
    super(args, 2);
  }
  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return globalMaxPool(single(inputs, this), this.opts());
  }
}
registerSerializable('layer', GlobalMaxPooling2D);

/**
 * The mean over the steps axis, per channel; with a mask (Embedding `maskZero`, Masking), over
 * the unmasked steps only, as Keras.
 *
 * Formula: `y[b, c] = Σ_t m[b, t]·x[b, t, c] / Σ_t m[b, t]` (m = 1 without a mask).
 *
 * Shape: `[batch, steps, c]` → `[batch, c]` (keepdims: `[batch, 1, c]`).
 * @example
 * new GlobalAveragePooling1D().apply(zeros([2, 10, 4])).shape; // [2, 4]
 */
export class GlobalAveragePooling1D extends BaseGlobalPooling {
  static override readonly className = 'GlobalAveragePooling1D';
  constructor(args: GlobalPoolingArgs = {}) {
    super(args, 1);
  }
  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const mask = opts.mask && !Array.isArray(opts.mask) ? opts.mask : null;
    if (!mask) return globalAvgPool(x, this.opts());
    // As Keras: with a [batch, steps] mask (Embedding maskZero, Masking), the mean over the
    // unmasked steps only.
    const last = this.dataFormat === 'channelsLast';
    const w = mask.cast(x.dtype).expandDims(last ? 2 : 1);
    const axis = last ? 1 : 2;
    return x.mul(w).sum(axis, this.keepdims).div(w.sum(axis, this.keepdims));
  }
}
registerSerializable('layer', GlobalAveragePooling1D);

/**
 * The mean over the height and width axes, per channel.
 *
 * Formula: `y[b, c] = mean_{i, j} x[b, i, j, c]`.
 *
 * Shape: `[batch, h, w, c]` → `[batch, c]` (keepdims: `[batch, 1, 1, c]`).
 * @example
 * new GlobalAveragePooling2D().apply(zeros([2, 5, 5, 8])).shape; // [2, 8]
 */
export class GlobalAveragePooling2D extends BaseGlobalPooling {
  static override readonly className = 'GlobalAveragePooling2D';
  constructor(args: GlobalPoolingArgs = {}) {
    super(args, 2);
  }
  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return globalAvgPool(single(inputs, this), this.opts());
  }
}
registerSerializable('layer', GlobalAveragePooling2D);

// Keras's other names for the same classes.
export {
  MaxPooling1D as MaxPool1D,
  MaxPooling2D as MaxPool2D,
  AveragePooling1D as AvgPool1D,
  AveragePooling2D as AvgPool2D,
  GlobalMaxPooling1D as GlobalMaxPool1D,
  GlobalMaxPooling2D as GlobalMaxPool2D,
  GlobalAveragePooling1D as GlobalAvgPool1D,
  GlobalAveragePooling2D as GlobalAvgPool2D,
};
