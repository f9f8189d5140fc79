/**
 * 3-D reshaping layers, as Keras 3's: `UpSampling3D`, `ZeroPadding3D` and `Cropping3D`, on
 * `[batch, depth, height, width, channels]` data (or channels-first). Built on broadcast,
 * pad and slice, so their gradients come from those ops. None has weights.
 */
import { ShapeError, ValueError } from '../errors.js';
import { type DataFormat, type DataFormatArg, normalizeDataFormat } from '../ops/conv.js';
import { broadcastTo, reshape } from '../ops/movement.js';
import { cropping, zeroPadding } from '../ops/pooling.js';
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

/** Three `[before, after]` pairs. */
export type Pairs3 = [[number, number], [number, number], [number, number]];

/**
 * `[[front, back], [top, bottom], [left, right]]` from an integer (all sides), three symmetric
 * integers, or three pairs (Keras's three forms).
 */
function pairs3d(layer: Layer, v: number | readonly (number | readonly number[])[], name: string) {
  const bad = (): never =>
    fail(
      layer,
      `${name} must be an integer, [symDepth, symHeight, symWidth], or [[front, back], [top, bottom], [left, right]] of non-negative integers, got ${JSON.stringify(v)}`,
    );
  if (typeof v === 'number') {
    if (!isCount(v)) bad();
    return [
      [v, v],
      [v, v],
      [v, v],
    ] as Pairs3;
  }
  if (!Array.isArray(v) || v.length !== 3) return bad();
  return v.map((e) => {
    if (typeof e === 'number') {
      if (!isCount(e)) bad();
      return [e, e] as [number, number];
    }
    if (!Array.isArray(e) || e.length !== 2 || !e.every(isCount)) return bad();
    return [e[0]!, e[1]!] as [number, number];
  }) as Pairs3;
}

/** The spatial axes (batch included) of 5-D data. */
function spatialAxes(df: DataFormat): number[] {
  return df === 'channelsLast' ? [1, 2, 3] : [2, 3, 4];
}

function checkRank5(layer: Layer, x: Tensor, df: DataFormat): void {
  if (x.rank !== 5) {
    throw new ShapeError(
      `${layer.name} (${layer.className}): expected input of rank 5 (${df === 'channelsLast' ? '[batch, depth, height, width, channels]' : '[batch, channels, depth, height, width]'}), got shape ${fmtShapeNull(x.shape)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// UpSampling3D

/** Options of {@link UpSampling3D}. */
export interface UpSampling3DArgs extends LayerArgs {
  /** Upsampling factors: one integer or [depth, height, width] (default 2). */
  size?: number | readonly number[];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
}

/**
 * Upsamples volumes by repeating each voxel `size` times along depth, height and width
 * (nearest neighbour; gradients sum over the copies).
 *
 * Formula: `y[b, i, j, k, c] = x[b, ⌊i / sd⌋, ⌊j / sh⌋, ⌊k / sw⌋, c]`.
 *
 * Shape: `[batch, d, h, w, c]` → `[batch, d·sd, h·sh, w·sw, c]` (channelsFirst alike).
 * @example
 * new UpSampling3D({ size: 2 }).apply(zeros([1, 2, 3, 4, 5])).shape; // [1, 4, 6, 8, 5]
 */
export class UpSampling3D extends Layer {
  static override readonly className = 'UpSampling3D';
  readonly size: number[];
  readonly dataFormat: DataFormat;

  constructor(args: UpSampling3DArgs = {}) {
    super(args);
    const a = args ?? {};
    const v = a.size ?? 2;
    const list = typeof v === 'number' ? [v, v, v] : [...v];
    if (list.length !== 3 || list.some((d) => !Number.isInteger(d) || d < 1))
      fail(this, `size must be a positive integer or 3 of them, got ${JSON.stringify(a.size)}`);
    this.size = list;
    this.dataFormat = formatArg(this, a.dataFormat);
    this.inputSpec = { ndim: 5 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    checkRank5(this, x, this.dataFormat);
    if (this.size.every((s) => s === 1)) return x;
    const axes = spatialAxes(this.dataFormat);
    // Each spatial axis gets a size-s axis after it, broadcast, then merged.
    const small: number[] = [];
    const big: number[] = [];
    const out: number[] = [];
    x.shape.forEach((d, ax) => {
      const i = axes.indexOf(ax);
      small.push(d);
      big.push(d);
      if (i >= 0) {
        small.push(1);
        big.push(this.size[i]!);
        out.push(d * this.size[i]!);
      } else {
        out.push(d);
      }
    });
    return reshape(broadcastTo(reshape(x, small), big), out);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = [...singleShape(inputShape, this)];
    spatialAxes(this.dataFormat).forEach((ax, i) => {
      const d = s[ax];
      s[ax] = d === null || d === undefined ? null : d * this.size[i]!;
    });
    return s;
  }

  override getConfig(): Config {
    return { ...super.getConfig(), size: [...this.size], dataFormat: this.dataFormat };
  }
}
registerSerializable('layer', UpSampling3D);

// ---------------------------------------------------------------------------------------------
// ZeroPadding3D

/** Options of {@link ZeroPadding3D}. */
export interface ZeroPadding3DArgs extends LayerArgs {
  /**
   * Zeros added around the volume: an integer (every side), [symDepth, symHeight, symWidth],
   * or [[front, back], [top, bottom], [left, right]] (default 1).
   */
  padding?: number | readonly (number | readonly number[])[];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
}

/**
 * Pads the depth, height and width axes with zeros.
 *
 * Formula: `y[b, i + front, j + top, k + left, c] = x[b, i, j, k, c]`, zeros elsewhere.
 *
 * Shape: `[batch, d, h, w, c]` → `[batch, d + front + back, h + top + bottom, w + left + right, c]`.
 * @example
 * new ZeroPadding3D({ padding: 1 }).apply(zeros([1, 2, 3, 4, 5])).shape; // [1, 4, 5, 6, 5]
 */
export class ZeroPadding3D extends Layer {
  static override readonly className = 'ZeroPadding3D';
  readonly padding: Pairs3;
  readonly dataFormat: DataFormat;

  constructor(args: ZeroPadding3DArgs = {}) {
    super(args);
    this.padding = pairs3d(this, args?.padding ?? 1, 'padding');
    this.dataFormat = formatArg(this, args?.dataFormat);
    this.inputSpec = { ndim: 5 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    checkRank5(this, x, this.dataFormat);
    return zeroPadding(x, this.padding, this.dataFormat);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = [...singleShape(inputShape, this)];
    spatialAxes(this.dataFormat).forEach((ax, i) => {
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
registerSerializable('layer', ZeroPadding3D);

// ---------------------------------------------------------------------------------------------
// Cropping3D

/** Throws when a cropping leaves nothing of an axis (Keras's check). */
function checkCrop(layer: Layer, shape: SymbolicShape, ax: number, b: number, a: number): void {
  const d = shape[ax];
  if (d !== null && d !== undefined && b + a >= d) {
    throw new ShapeError(
      `${layer.name} (${layer.className}): cropping [${b}, ${a}] leaves nothing of axis ${ax} (size ${d}), got input shape ${fmtShapeNull(shape)}`,
    );
  }
}

/** Options of {@link Cropping3D}. */
export interface Cropping3DArgs extends LayerArgs {
  /**
   * Positions removed: an integer (every side), [symDepth, symHeight, symWidth], or
   * [[front, back], [top, bottom], [left, right]] (default 1).
   */
  cropping?: number | readonly (number | readonly number[])[];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormatArg;
}

/**
 * Crops the depth, height and width axes.
 *
 * Formula: `y[b, i, j, k, c] = x[b, i + front, j + top, k + left, c]`.
 *
 * Shape: `[batch, d, h, w, c]` → `[batch, d − front − back, h − top − bottom, w − left − right, c]`.
 * @example
 * new Cropping3D({ cropping: [1, 0, 2] }).apply(zeros([1, 4, 4, 6, 3])).shape; // [1, 2, 4, 2, 3]
 */
export class Cropping3D extends Layer {
  static override readonly className = 'Cropping3D';
  readonly cropping: Pairs3;
  readonly dataFormat: DataFormat;

  constructor(args: Cropping3DArgs = {}) {
    super(args);
    this.cropping = pairs3d(this, args?.cropping ?? 1, 'cropping');
    this.dataFormat = formatArg(this, args?.dataFormat);
    this.inputSpec = { ndim: 5 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    checkRank5(this, x, this.dataFormat);
    spatialAxes(this.dataFormat).forEach((ax, i) =>
      checkCrop(this, x.shape, ax, ...this.cropping[i]!),
    );
    return cropping(x, this.cropping, this.dataFormat);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = [...singleShape(inputShape, this)];
    spatialAxes(this.dataFormat).forEach((ax, i) => {
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
registerSerializable('layer', Cropping3D);
