/**
 * Spatial reshaping layers, as Keras 3's: `UpSampling1D/2D`, `ZeroPadding1D/2D` and
 * `Cropping1D/2D`. None has weights.
 */
import { ShapeError, ValueError } from '../errors.js';
import { type DataFormat, type DataFormatArg, normalizeDataFormat } from '../ops/conv.js';
import { cropping, upSampling1d, upSampling2d, zeroPadding } from '../ops/pooling.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from './layer.js';
import { type SymbolicShape, fmtShapeNull } from './symbolic.js';

function fail(layer: Layer, what: string): never {
  throw new ValueError(`${layer.name} (${layer.className}): ${what}`);
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

const isCount = (d: unknown): d is number => Number.isInteger(d) && (d as number) >= 0;

/** A 1-D `[before, after]` pair from an integer (symmetric) or a pair. */
function pair1d(layer: Layer, v: number | readonly number[], name: string): [number, number] {
  if (typeof v === 'number' && isCount(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every(isCount)) return [v[0]!, v[1]!];
  return fail(
    layer,
    `${name} must be a non-negative integer or [before, after], got ${JSON.stringify(v)}`,
  );
}

/**
 * 2-D `[[top, bottom], [left, right]]` from an integer (all sides), `[symH, symW]`, or two
 * pairs (Keras's three forms).
 */
function pairs2d(
  layer: Layer,
  v: number | readonly (number | readonly number[])[],
  name: string,
): [[number, number], [number, number]] {
  const bad = (): never =>
    fail(
      layer,
      `${name} must be an integer, [symmetricHeight, symmetricWidth], or [[top, bottom], [left, right]] of non-negative integers, got ${JSON.stringify(v)}`,
    );
  if (typeof v === 'number') {
    if (!isCount(v)) bad();
    return [
      [v, v],
      [v, v],
    ];
  }
  if (!Array.isArray(v) || v.length !== 2) return bad();
  const out = v.map((e) => {
    if (typeof e === 'number') {
      if (!isCount(e)) bad();
      return [e, e] as [number, number];
    }
    if (!Array.isArray(e) || e.length !== 2 || !e.every(isCount)) return bad();
    return [e[0]!, e[1]!] as [number, number];
  });
  return [out[0]!, out[1]!];
}

/** Spatial axes (batch included) of a `rank`-D spatial input. */
function spatialAxes(df: DataFormat, rank: number): number[] {
  const first = df === 'channelsLast' ? 1 : 2;
  return Array.from({ length: rank }, (_, i) => first + i);
}

// ---------------------------------------------------------------------------------------------
// UpSampling

/** Options of {@link UpSampling1D}. */
export interface UpSampling1DArgs extends LayerArgs {
  /** How many times each step is repeated (default 2). */
  size?: number;
}

/**
 * Repeats each step `size` times along the steps axis.
 *
 * Formula: `y[b, t, c] = x[b, ⌊t / size⌋, c]`.
 *
 * Shape: `[batch, steps, c]` → `[batch, steps·size, c]`.
 * @example
 * new UpSampling1D({ size: 3 }).apply(zeros([1, 4, 2])).shape; // [1, 12, 2]
 */
export class UpSampling1D extends Layer {
  static override readonly className = 'UpSampling1D';
  readonly size: number;

  constructor(args: UpSampling1DArgs = {}) {
    super(args);
    const s = args?.size ?? 2;
    if (!Number.isInteger(s) || s < 1)
      fail(this, `size must be a positive integer, got ${JSON.stringify(args?.size)}`);
    this.size = s;
    this.inputSpec = { ndim: 3 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return upSampling1d(single(inputs, this), this.size);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    return [s[0]!, s[1] === null ? null : s[1]! * this.size, s[2]!];
  }

  override getConfig(): Config {
    return { ...super.getConfig(), size: this.size };
  }
}
registerSerializable('layer', UpSampling1D);

/** Options of {@link UpSampling2D}. */
export interface UpSampling2DArgs extends LayerArgs {
  /** Upsampling factors: one integer or [rows, columns] (default 2). */
  size?: number | readonly number[];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
  /**
   * 'nearest' (default): repeat rows and columns; 'bilinear': TensorFlow's half-pixel bilinear
   * resize (`tf.image.resize`), as Keras 3.
   */
  interpolation?: 'nearest' | 'bilinear';
}

/**
 * Upsamples images by integer factors: nearest repeats each pixel, bilinear interpolates with
 * half-pixel centers (Keras 3 / `tf.image.resize`).
 *
 * Formula: nearest `y[b, i, j, c] = x[b, ⌊i / sh⌋, ⌊j / sw⌋, c]`; bilinear, per axis,
 * `s = (o + ½)/factor − ½`, `y = (1 − f)·x[max(⌊s⌋, 0)] + f·x[min(⌈s⌉, n − 1)]`, f = s − ⌊s⌋.
 *
 * Shape: `[batch, h, w, c]` → `[batch, h·sh, w·sw, c]` (channelsFirst alike).
 * @example
 * new UpSampling2D({ size: 2, interpolation: 'bilinear' }).apply(zeros([1, 4, 4, 3])).shape; // [1, 8, 8, 3]
 */
export class UpSampling2D extends Layer {
  static override readonly className = 'UpSampling2D';
  readonly size: number[];
  readonly dataFormat: DataFormat;
  readonly interpolation: 'nearest' | 'bilinear';

  constructor(args: UpSampling2DArgs = {}) {
    super(args);
    const a = args ?? {};
    const v = a.size ?? 2;
    const list = typeof v === 'number' ? [v, v] : [...v];
    if (list.length !== 2 || list.some((d) => !Number.isInteger(d) || d < 1))
      fail(this, `size must be a positive integer or 2 of them, got ${JSON.stringify(a.size)}`);
    this.size = list;
    this.dataFormat = formatArg(this, a.dataFormat);
    const interp = a.interpolation ?? 'nearest';
    if (interp !== 'nearest' && interp !== 'bilinear')
      fail(this, `interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(interp)}`);
    this.interpolation = interp;
    this.inputSpec = { ndim: 4 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return upSampling2d(single(inputs, this), this.size, {
      interpolation: this.interpolation,
      dataFormat: this.dataFormat,
    });
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = [...singleShape(inputShape, this)];
    spatialAxes(this.dataFormat, 2).forEach((ax, i) => {
      const d = s[ax];
      s[ax] = d === null || d === undefined ? null : d * this.size[i]!;
    });
    return s;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      size: [...this.size],
      dataFormat: this.dataFormat,
      interpolation: this.interpolation,
    };
  }
}
registerSerializable('layer', UpSampling2D);

// ---------------------------------------------------------------------------------------------
// ZeroPadding

/** Options of {@link ZeroPadding1D}. */
export interface ZeroPadding1DArgs extends LayerArgs {
  /** Zeros added at the start and end of the steps axis: one integer or [before, after] (default 1). */
  padding?: number | readonly number[];
  /** 'channelsLast' (default, `[batch, steps, c]`) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
}

/**
 * Pads the steps axis with zeros.
 *
 * Formula: `y[b, t + before, c] = x[b, t, c]`, zeros elsewhere.
 *
 * Shape: `[batch, steps, c]` → `[batch, steps + before + after, c]`.
 * @example
 * new ZeroPadding1D({ padding: [1, 2] }).apply(zeros([1, 4, 3])).shape; // [1, 7, 3]
 */
export class ZeroPadding1D extends Layer {
  static override readonly className = 'ZeroPadding1D';
  readonly padding: [number, number];
  readonly dataFormat: DataFormat;

  constructor(args: ZeroPadding1DArgs = {}) {
    super(args);
    this.padding = pair1d(this, args?.padding ?? 1, 'padding');
    this.dataFormat = formatArg(this, args?.dataFormat);
    this.inputSpec = { ndim: 3 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return zeroPadding(single(inputs, this), [this.padding], this.dataFormat);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = [...singleShape(inputShape, this)];
    const ax = spatialAxes(this.dataFormat, 1)[0]!;
    const d = s[ax];
    s[ax] = d === null || d === undefined ? null : d + this.padding[0] + this.padding[1];
    return s;
  }

  override getConfig(): Config {
    return { ...super.getConfig(), padding: [...this.padding], dataFormat: this.dataFormat };
  }
}
registerSerializable('layer', ZeroPadding1D);

/** Options of {@link ZeroPadding2D}. */
export interface ZeroPadding2DArgs extends LayerArgs {
  /**
   * Zeros added around the image: an integer (every side), [symmetricHeight, symmetricWidth],
   * or [[top, bottom], [left, right]] (default 1).
   */
  padding?: number | readonly (number | readonly number[])[];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
}

/**
 * Pads the height and width axes with zeros.
 *
 * Formula: `y[b, i + top, j + left, c] = x[b, i, j, c]`, zeros elsewhere.
 *
 * Shape: `[batch, h, w, c]` → `[batch, h + top + bottom, w + left + right, c]`.
 * @example
 * new ZeroPadding2D({ padding: 1 }).apply(zeros([1, 28, 28, 1])).shape; // [1, 30, 30, 1]
 */
export class ZeroPadding2D extends Layer {
  static override readonly className = 'ZeroPadding2D';
  readonly padding: [[number, number], [number, number]];
  readonly dataFormat: DataFormat;

  constructor(args: ZeroPadding2DArgs = {}) {
    super(args);
    this.padding = pairs2d(this, args?.padding ?? 1, 'padding');
    this.dataFormat = formatArg(this, args?.dataFormat);
    this.inputSpec = { ndim: 4 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return zeroPadding(single(inputs, this), this.padding, this.dataFormat);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = [...singleShape(inputShape, this)];
    spatialAxes(this.dataFormat, 2).forEach((ax, i) => {
      const d = s[ax];
      const [b, a] = this.padding[i]!;
      s[ax] = d === null || d === undefined ? null : d + b + a;
    });
    return s;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      padding: this.padding.map((p) => [...p]),
      dataFormat: this.dataFormat,
    };
  }
}
registerSerializable('layer', ZeroPadding2D);

// ---------------------------------------------------------------------------------------------
// Cropping

/** Throws when a cropping leaves nothing of an axis (Keras's check). */
function checkCrop(layer: Layer, shape: SymbolicShape, ax: number, b: number, a: number): void {
  const d = shape[ax];
  if (d !== null && d !== undefined && b + a >= d) {
    throw new ShapeError(
      `${layer.name} (${layer.className}): cropping [${b}, ${a}] leaves nothing of axis ${ax} (size ${d}), got input shape ${fmtShapeNull(shape)}`,
    );
  }
}

/** Options of {@link Cropping1D}. */
export interface Cropping1DArgs extends LayerArgs {
  /** Steps removed at the start and end: one integer or [before, after] (default [1, 1]). */
  cropping?: number | readonly number[];
}

/**
 * Crops the steps axis of `[batch, steps, c]` data.
 *
 * Formula: `y[b, t, c] = x[b, t + before, c]`.
 *
 * Shape: `[batch, steps, c]` → `[batch, steps − before − after, c]`.
 * @example
 * new Cropping1D({ cropping: [1, 2] }).apply(zeros([1, 6, 3])).shape; // [1, 3, 3]
 */
export class Cropping1D extends Layer {
  static override readonly className = 'Cropping1D';
  readonly cropping: [number, number];

  constructor(args: Cropping1DArgs = {}) {
    super(args);
    this.cropping = pair1d(this, args?.cropping ?? 1, 'cropping');
    this.inputSpec = { ndim: 3 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    checkCrop(this, x.shape, 1, ...this.cropping);
    return cropping(x, [this.cropping]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = [...singleShape(inputShape, this)];
    checkCrop(this, s, 1, ...this.cropping);
    const d = s[1];
    s[1] = d === null || d === undefined ? null : d - this.cropping[0] - this.cropping[1];
    return s;
  }

  override getConfig(): Config {
    return { ...super.getConfig(), cropping: [...this.cropping] };
  }
}
registerSerializable('layer', Cropping1D);

/** Options of {@link Cropping2D}. */
export interface Cropping2DArgs extends LayerArgs {
  /**
   * Rows and columns removed: an integer (every side), [symmetricHeight, symmetricWidth], or
   * [[top, bottom], [left, right]] (default 0).
   */
  cropping?: number | readonly (number | readonly number[])[];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
}

/**
 * Crops the height and width axes.
 *
 * Formula: `y[b, i, j, c] = x[b, i + top, j + left, c]`.
 *
 * Shape: `[batch, h, w, c]` → `[batch, h − top − bottom, w − left − right, c]`.
 * @example
 * new Cropping2D({ cropping: [[2, 2], [4, 4]] }).apply(zeros([1, 28, 28, 3])).shape; // [1, 24, 20, 3]
 */
export class Cropping2D extends Layer {
  static override readonly className = 'Cropping2D';
  readonly cropping: [[number, number], [number, number]];
  readonly dataFormat: DataFormat;

  constructor(args: Cropping2DArgs = {}) {
    super(args);
    this.cropping = pairs2d(this, args?.cropping ?? 0, 'cropping');
    this.dataFormat = formatArg(this, args?.dataFormat);
    this.inputSpec = { ndim: 4 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    spatialAxes(this.dataFormat, 2).forEach((ax, i) =>
      checkCrop(this, x.shape, ax, ...this.cropping[i]!),
    );
    return cropping(x, this.cropping, this.dataFormat);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = [...singleShape(inputShape, this)];
    spatialAxes(this.dataFormat, 2).forEach((ax, i) => {
      const [b, a] = this.cropping[i]!;
      checkCrop(this, s, ax, b, a);
      const d = s[ax];
      s[ax] = d === null || d === undefined ? null : d - b - a;
    });
    return s;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      cropping: this.cropping.map((p) => [...p]),
      dataFormat: this.dataFormat,
    };
  }
}
registerSerializable('layer', Cropping2D);
