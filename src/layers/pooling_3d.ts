/**
 * 3-D pooling layers, as Keras 3's: `MaxPooling3D`, `AveragePooling3D`, `GlobalMaxPooling3D`
 * and `GlobalAveragePooling3D`. None has weights. The window pools are composites of the 2-D
 * pooling op (height × width on each depth slice, then depth with a `[pd, 1]` window), so
 * their gradients come from it; the global pools are reductions.
 */
import { ShapeError, ValueError } from '../errors.js';
import {
  type ConvPadding,
  type DataFormat,
  type DataFormatArg,
  normalizeDataFormat,
} from '../ops/conv.js';
import { reshape, transpose } from '../ops/movement.js';
import { avgPool2d, globalAvgPool, globalMaxPool, maxPool2d } from '../ops/pooling.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from './layer.js';
import { type SymbolicShape, fmtShapeNull } from './symbolic.js';

function fail(layer: Layer, what: string): never {
  throw new ValueError(`${layer.name} (${layer.className}): ${what}`);
}

function tuple3(layer: Layer, v: number | readonly number[], name: string): number[] {
  const list = typeof v === 'number' ? [v, v, v] : [...v];
  if (list.length !== 3 || list.some((d) => !Number.isInteger(d) || d < 1)) {
    fail(layer, `${name} must be a positive integer or 3 of them, got ${JSON.stringify(v)}`);
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

function checkRank5(layer: Layer, x: Tensor, df: DataFormat): void {
  if (x.rank !== 5) {
    throw new ShapeError(
      `${layer.name} (${layer.className}): expected input of rank 5 (${df === 'channelsLast' ? '[batch, depth, height, width, channels]' : '[batch, channels, depth, height, width]'}), got shape ${fmtShapeNull(x.shape)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Window pooling

/** Options of {@link MaxPooling3D} and {@link AveragePooling3D}. */
export interface Pooling3DArgs extends LayerArgs {
  /** Window size: one integer or [depth, height, width] (default 2). */
  poolSize?: number | readonly number[];
  /** Step of the window: one integer or [depth, height, width] (default: poolSize). */
  strides?: number | readonly number[] | null;
  /**
   * 'valid' (default): only whole windows; 'same': ⌈size / stride⌉ outputs, windows cut by
   * the border use their valid positions only.
   */
  padding?: ConvPadding;
  /** 'channelsLast' (default, `[batch, d, h, w, channels]`) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
}

abstract class BasePooling3D extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: ConvPadding;
  readonly dataFormat: DataFormat;
  protected abstract readonly kind: 'max' | 'avg';

  constructor(args: Pooling3DArgs) {
    super(args);
    const a = args ?? {};
    this.poolSize = tuple3(this, a.poolSize ?? 2, 'poolSize');
    this.strides =
      a.strides === undefined || a.strides === null
        ? [...this.poolSize]
        : tuple3(this, a.strides, 'strides');
    const p = (a.padding ?? 'valid').toLowerCase();
    if (p !== 'valid' && p !== 'same')
      fail(this, `padding must be 'valid' or 'same', got ${JSON.stringify(a.padding)}`);
    this.padding = p;
    this.dataFormat = formatArg(this, a.dataFormat);
    this.inputSpec = { ndim: 5 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x0 = single(inputs, this);
    checkRank5(this, x0, this.dataFormat);
    const first = this.dataFormat === 'channelsFirst';
    const x = first ? transpose(x0, [0, 2, 3, 4, 1]) : x0;
    const [n, d, h, w, c] = x.shape as [number, number, number, number, number];
    const pool = this.kind === 'max' ? maxPool2d : avgPool2d;
    const [pd, ph, pw] = this.poolSize as [number, number, number];
    const [sd, sh, sw] = this.strides as [number, number, number];
    const opts = { padding: this.padding };
    if (this.padding === 'valid' && (d < pd || h < ph || w < pw)) {
      throw new ShapeError(
        `${this.name} (${this.className}): poolSize [${this.poolSize.join(', ')}] does not fit the input's spatial size [${d}, ${h}, ${w}] with padding 'valid', got input shape ${fmtShapeNull(x0.shape)}`,
      );
    }
    // Height × width on each depth slice, then depth with a [pd, 1] window. Both max and the
    // valid-position mean factor over a box window, so this equals the 3-D pool.
    const hw = pool(reshape(x, [n * d, h, w, c]), [ph, pw], { ...opts, strides: [sh, sw] });
    const [, oh, ow] = hw.shape as [number, number, number, number];
    const dd = pool(reshape(hw, [n, d, oh * ow, c]), [pd, 1], { ...opts, strides: [sd, 1] });
    const y = reshape(dd, [n, dd.shape[1]!, oh, ow, c]);
    return first ? transpose(y, [0, 4, 1, 2, 3]) : y;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    const first = this.dataFormat === 'channelsLast' ? 1 : 2;
    const sp = [0, 1, 2].map((i) => {
      const n = s[first + i] ?? null;
      if (n === null) return null;
      const k = this.poolSize[i]!;
      const st = this.strides[i]!;
      return this.padding === 'valid' ? Math.floor((n - k) / st) + 1 : Math.ceil(n / st);
    });
    const c = s[this.dataFormat === 'channelsLast' ? 4 : 1] ?? null;
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
 * Max pooling over 3-D windows (depth × height × width), per channel.
 *
 * Formula: `y[b, i, j, k, c] = max_{di < pd, dj < ph, dk < pw} x[b, i·sd + di − front,
 * j·sh + dj − top, k·sw + dk − left, c]` (padded positions never win).
 *
 * Shape: `[batch, d, h, w, c]` → `[batch, od, oh, ow, c]`, `od = ⌊(d − pd) / sd⌋ + 1`
 * ('valid') or `⌈d / sd⌉` ('same'), and alike for h and w.
 * @example
 * new MaxPooling3D({ poolSize: 2 }).apply(zeros([1, 8, 8, 8, 3])).shape; // [1, 4, 4, 4, 3]
 */
export class MaxPooling3D extends BasePooling3D {
  static override readonly className = 'MaxPooling3D';
  protected readonly kind = 'max';
  constructor(args: Pooling3DArgs = {}) {
    super(args);
  }
}
registerSerializable('layer', MaxPooling3D);

/**
 * Average pooling over 3-D windows (depth × height × width), per channel; with 'same'
 * padding the windows cut by the border average their valid positions only (as Keras).
 *
 * Formula: `y[b, i, j, k, c] = Σ_{valid (di, dj, dk)} x[b, i·sd + di − front, j·sh + dj − top,
 * k·sw + dk − left, c] / count`.
 *
 * Shape: as {@link MaxPooling3D}.
 * @example
 * new AveragePooling3D({ poolSize: 2 }).apply(zeros([1, 4, 4, 4, 3])).shape; // [1, 2, 2, 2, 3]
 */
export class AveragePooling3D extends BasePooling3D {
  static override readonly className = 'AveragePooling3D';
  protected readonly kind = 'avg';
  constructor(args: Pooling3DArgs = {}) {
    super(args);
  }
}
registerSerializable('layer', AveragePooling3D);

// ---------------------------------------------------------------------------------------------
// Global pooling

/** Options of {@link GlobalMaxPooling3D} and {@link GlobalAveragePooling3D}. */
export interface GlobalPooling3DArgs extends LayerArgs {
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
  /** Keep the spatial axes, with size 1 (default false). */
  keepdims?: boolean;
}

abstract class BaseGlobalPooling3D extends Layer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;
  protected abstract readonly kind: 'max' | 'avg';

  constructor(args: GlobalPooling3DArgs) {
    super(args);
    const a = args ?? {};
    this.dataFormat = formatArg(this, a.dataFormat);
    this.keepdims = a.keepdims ?? false;
    this.inputSpec = { ndim: 5 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    checkRank5(this, x, this.dataFormat);
    const opts = { dataFormat: this.dataFormat, keepdims: this.keepdims };
    return this.kind === 'max' ? globalMaxPool(x, opts) : globalAvgPool(x, opts);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    const last = this.dataFormat === 'channelsLast';
    const c = s[last ? s.length - 1 : 1] ?? null;
    if (!this.keepdims) return [s[0]!, c];
    return last ? [s[0]!, 1, 1, 1, c] : [s[0]!, c, 1, 1, 1];
  }

  override getConfig(): Config {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}

/**
 * The max over the depth, height and width axes, per channel.
 *
 * Formula: `y[b, c] = max_{i, j, k} x[b, i, j, k, c]`.
 *
 * Shape: `[batch, d, h, w, c]` → `[batch, c]` (keepdims: `[batch, 1, 1, 1, c]`).
 * @example
 * new GlobalMaxPooling3D().apply(zeros([2, 4, 5, 5, 8])).shape; // [2, 8]
 */
export class GlobalMaxPooling3D extends BaseGlobalPooling3D {
  static override readonly className = 'GlobalMaxPooling3D';
  protected readonly kind = 'max';
  constructor(args: GlobalPooling3DArgs = {}) {
    super(args);
  }
}
registerSerializable('layer', GlobalMaxPooling3D);

/**
 * The mean over the depth, height and width axes, per channel.
 *
 * Formula: `y[b, c] = mean_{i, j, k} x[b, i, j, k, c]`.
 *
 * Shape: `[batch, d, h, w, c]` → `[batch, c]` (keepdims: `[batch, 1, 1, 1, c]`).
 * @example
 * new GlobalAveragePooling3D().apply(zeros([2, 4, 5, 5, 8])).shape; // [2, 8]
 */
export class GlobalAveragePooling3D extends BaseGlobalPooling3D {
  static override readonly className = 'GlobalAveragePooling3D';
  protected readonly kind = 'avg';
  constructor(args: GlobalPooling3DArgs = {}) {
    super(args);
  }
}
registerSerializable('layer', GlobalAveragePooling3D);

// Keras's other names for the same classes.
export {
  MaxPooling3D as MaxPool3D,
  AveragePooling3D as AvgPool3D,
  GlobalMaxPooling3D as GlobalMaxPool3D,
  GlobalAveragePooling3D as GlobalAvgPool3D,
};
