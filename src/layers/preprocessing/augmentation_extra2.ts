/**
 * More of Keras 3's image augmentation layers, the geometric and mixing family:
 * `RandomErasing`, `RandomShear`, `RandomPerspective`, `MixUp`, `CutMix` and `Equalization`, and the base
 * class and option checks the colour layers of augmentation_extra.ts share (that file
 * re-exports the layers of this one).
 *
 * Each layer transforms only when called with `training: true` and is the identity otherwise.
 * Draws come from the layer's own `Generator` when it has a `seed`, else from the global
 * generator, and go through `hostDraw`, so a compiled step redraws at every replay. MixUp and
 * CutMix take `images` or `[images, labels]` (Keras's `{"images", "labels"}` dict) and mix the
 * labels as the images.
 */
import { tensor } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import { affineTransform, perspectiveTransform } from '../../ops/image_extra2.js';
import { concat, gather, scatterAdd } from '../../ops/movement.js';
import { Generator, globalGenerator, hostDraw } from '../../ops/random.js';
import { cumsum } from '../../ops/scan.js';
import { type Config, registerSerializable } from '../../serialization.js';
import { type DType, allocArray } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type CallOptions, single } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { ImageLayer, type ImageLayerArgs } from './image.js';
import { fail, finiteNumber, oneOf, positiveInt } from './image_util.js';

/** Options of every layer of this family that draws random numbers. */
export interface AugmentationArgs extends ImageLayerArgs {
  /**
   * Seed of the layer's own generator, so its transforms repeat from construction whatever
   * else draws random numbers. Default: the global generator (see `setSeed`).
   */
  seed?: number | null;
}

/** A factor option: one number or `[lower, upper]`. */
export type AugmentFactor = number | readonly [number, number] | readonly number[];
/** A `[low, high]` value range option. */
export type ValueRange = readonly [number, number] | readonly number[];

/** @internal Rounds to float32 (Keras computes its draws in float32). @example f32(0.1) */
export const f32 = Math.fround;

/**
 * @internal Base of the random layers of this family: the seed, its generator and draws.
 * @example class MyLayer extends AugmentationLayer { ... this.draw([n], dt, (g, o) => ...) ... }
 */
export abstract class AugmentationLayer extends ImageLayer {
  readonly seed: number | null;
  // A public field: BackupAndRestore finds layers' generators among their own properties.
  readonly generator: Generator | null;

  constructor(args: AugmentationArgs | undefined) {
    super(args);
    const seed = args?.seed ?? null;
    if (seed !== null && (typeof seed !== 'number' || !Number.isFinite(seed)))
      fail(this, `seed must be a finite number or null, got ${JSON.stringify(seed)}`);
    this.seed = seed;
    this.generator = seed === null ? null : new Generator(seed);
  }

  /** The generator draws come from; asked for when a draw runs (a compiled replay too). */
  protected gen(): Generator {
    return this.generator ?? globalGenerator();
  }

  /**
   * A tensor of `shape` in `dtype` whose values `fill` draws (in float64, row-major) through
   * `hostDraw`, so a compiled step redraws at each replay.
   */
  protected draw(
    shape: number[],
    dtype: DType,
    fill: (g: Generator, o: Float64Array) => void,
  ): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = hostDraw(allocArray('float64', size) as Float64Array, (o) => fill(this.gen(), o));
    const t = tensor(data, shape, 'float64');
    return dtype === 'float64' ? t : t.cast(dtype);
  }

  /** One value per image, `[B, 1, 1, 1]`, drawn by `f` in the batch's dtype. */
  protected perImage(x4: Tensor, f: (g: Generator) => number): Tensor {
    return this.draw([x4.shape[0]!, 1, 1, 1], x4.dtype, (g, o) => {
      for (let i = 0; i < o.length; i++) o[i] = f(g);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), seed: this.seed };
  }
}

// ---------------------------------------------------------------------------------------------
// Option checks (Keras's rules)

/**
 * @internal Keras's `_set_factor` of BaseImagePreprocessingLayer with `bounds`: a number `f` in
 * bounds gives `[max(−|f|, lower bound), |f|]`; a pair needs `pair[0] ≤ upper bound` and
 * `pair[1] ≥ lower bound` and is sorted.
 * @example baseFactor(layer, 'factor', 0.3, [0, 1]); // [0, 0.3]
 */
export function baseFactor(
  layer: ImageLayer,
  name: string,
  v: unknown,
  bounds: [number, number],
): [number, number] {
  const bad = (): never =>
    fail(
      layer,
      `${name} must be a number in [${bounds[0]}, ${bounds[1]}] or [lower, upper] with lower <= ${bounds[1]} and upper >= ${bounds[0]}, got ${JSON.stringify(v)}`,
    );
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < bounds[0] || v > bounds[1]) bad();
    const a = Math.abs(v);
    return [Math.max(-a, bounds[0]), a];
  }
  if (!isPair(v)) return bad();
  if (v[0] > bounds[1] || v[1] < bounds[0]) bad();
  return v[0] <= v[1] ? [v[0], v[1]] : [v[1], v[0]];
}

/**
 * @internal A factor whose every value lies in [0, 1] (Keras's Solarization and RandomShear
 * rule): a number `f` gives `[0, f]` (`symmetric`: `[−f, f]`), a pair is sorted.
 * @example unitFactor(layer, 'xFactor', 0.2, true); // [-0.2, 0.2]
 */
export function unitFactor(
  layer: ImageLayer,
  name: string,
  v: unknown,
  symmetric: boolean,
): [number, number] {
  const ok = (x: number) => Number.isFinite(x) && x >= 0 && x <= 1;
  const bad = (): never =>
    fail(
      layer,
      `${name} must be a number or [lower, upper] with values in [0, 1], got ${JSON.stringify(v)}`,
    );
  if (typeof v === 'number') {
    if (!ok(v)) bad();
    return [symmetric ? -v : 0, v];
  }
  if (!isPair(v) || !ok(v[0]) || !ok(v[1])) return bad();
  return v[0] <= v[1] ? [v[0], v[1]] : [v[1], v[0]];
}

/**
 * @internal Whether `v` is two finite numbers.
 * @example isPair([0, 1]); // true
 */
export function isPair(v: unknown): v is [number, number] {
  return (
    Array.isArray(v) &&
    v.length === 2 &&
    v.every((e) => typeof e === 'number' && Number.isFinite(e))
  );
}

/**
 * @internal A `[low, high]` value range option (sorted when Keras sorts it), or a ValueError
 * naming the layer.
 * @example valueRangeOf(layer, [0, 1], true); // [0, 1]
 */
export function valueRangeOf(layer: ImageLayer, v: unknown, sort: boolean): [number, number] {
  if (!isPair(v))
    fail(layer, `valueRange must be [low, high] (two finite numbers), got ${JSON.stringify(v)}`);
  return sort && v[0] > v[1] ? [v[1], v[0]] : [v[0], v[1]];
}

/**
 * @internal Keras's `_transform_value_range`: maps `from` linearly onto `to`.
 * Formula: `y = (x − from₀) / (from₁ − from₀) · (to₁ − to₀) + to₀`.
 * @example toRange(x, [0, 1], [0, 255]);
 */
export function toRange(x: Tensor, from: readonly number[], to: readonly number[]): Tensor {
  if (from[0] === to[0] && from[1] === to[1]) return x;
  return x
    .sub(from[0]!)
    .div(from[1]! - from[0]!)
    .mul(to[1]! - to[0]!)
    .add(to[0]!);
}

/**
 * @internal Clips to `[lo, hi]` as `np.clip` (low above high gives high everywhere).
 * @example clipTo(x, [0, 255]);
 */
export function clipTo(x: Tensor, [lo, hi]: readonly number[]): Tensor {
  return lo! <= hi! ? x.clip(lo!, hi!) : x.maximum(lo!).minimum(hi!);
}

/**
 * @internal A uniform draw in `[lo, hi)`: `lo + (hi − lo)·u`.
 * @example uniformIn(g, 0, 1);
 */
export function uniformIn(g: Generator, lo: number, hi: number): number {
  return lo + (hi - lo) * g.uniform();
}

/** `[1, h, 1, 1]` row and `[1, 1, w, 1]` column coordinates of a channels-last grid. */
function gridYX(h: number, w: number, dtype: DType): [Tensor, Tensor] {
  const ar = (n: number) => Array.from({ length: n }, (_, i) => i);
  return [tensor(ar(h), [1, h, 1, 1], dtype), tensor(ar(w), [1, 1, w, 1], dtype)];
}

/**
 * The mask `[B, H, W, 1]` of boxes `[x0, x1, y0, y1]` per image (columns of `box`, `[B, 4]`):
 * `x0 ≤ j < x1` and `y0 ≤ i < y1`, as Keras's `_generate_batch_mask`.
 */
function boxMask(box: Tensor, h: number, w: number): Tensor {
  const n = box.shape[0]!;
  const [gy, gx] = gridYX(h, w, box.dtype);
  const c = (k: number) => box.slice([0, k], [n, 1]).reshape([n, 1, 1, 1]);
  return gx
    .greaterEqual(c(0))
    .logicalAnd(gx.less(c(1)))
    .logicalAnd(gy.greaterEqual(c(2)))
    .logicalAnd(gy.less(c(3)));
}

// ---------------------------------------------------------------------------------------------
// RandomErasing

/** Options of {@link RandomErasing}. */
export interface RandomErasingArgs extends AugmentationArgs {
  /**
   * The erasing probability is drawn per image from `[lower, upper]`: a number `f` in [0, 1]
   * gives `[0, f]` (default 1: probability U[0, 1], ½ on average).
   */
  factor?: AugmentFactor;
  /**
   * The erased fraction of each side is `√u`, `u` drawn per side from `[lower, upper]` (a
   * number `s` in [0, 1] gives `[0, s]`; default [0.02, 0.33]).
   */
  scale?: AugmentFactor;
  /**
   * What erased pixels get, clipped to `valueRange`: a number, one number per channel (3, as
   * Keras), or null (default) for Gaussian noise `N(0, 1)·high`.
   */
  fillValue?: number | readonly number[] | null;
  /** The range of the pixel values (default [0, 255]). */
  valueRange?: ValueRange;
}

/**
 * Erases one random rectangle of each image with a random probability during training (Zhong
 * et al. 2017); the identity at inference. Only the rectangle changes.
 *
 * Formula: `y[b, i, j] = fill` where `x0 ≤ j < x1`, `y0 ≤ i < y1` (when erasing image b),
 * else `x[b, i, j]`; `lw = √u·W`, `x0 = v·(W − lw)`, `x1 = x0 + lw` (rows alike),
 * `u ~ U[sLower, sUpper]`, `v ~ U[0, 1)`; erase when `t < p`, `p ~ U[lower, upper]`, `t ~ U[0, 1)`.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomErasing({ factor: [1, 1], scale: [0.1, 0.2], fillValue: 0 }).apply(images, { training: true });
 */
export class RandomErasing extends AugmentationLayer {
  static override readonly className = 'RandomErasing';
  readonly factor: [number, number];
  readonly scale: [number, number];
  readonly fillValue: number | number[] | null;
  readonly valueRange: [number, number];

  constructor(args: RandomErasingArgs = {}) {
    super(args);
    this.factor = baseFactor(this, 'factor', args.factor ?? 1, [0, 1]);
    this.scale = baseFactor(this, 'scale', args.scale ?? [0.02, 0.33], [0, 1]);
    const fv = args.fillValue ?? null;
    if (
      !(
        fv === null ||
        (typeof fv === 'number' && Number.isFinite(fv)) ||
        (Array.isArray(fv) && fv.length === 3 && fv.every((e) => Number.isFinite(e)))
      )
    )
      fail(
        this,
        `fillValue must be null, a finite number or three of them, got ${JSON.stringify(fv)}`,
      );
    this.fillValue = fv === null || typeof fv === 'number' ? fv : [...fv];
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], false);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const [n, h, w, c] = b.shape as [number, number, number, number];
      const dt = b.dtype;
      const [s0, s1] = this.scale;
      const [p0, p1] = this.factor;
      const box = this.draw([n, 5], dt, (g, o) => {
        for (let i = 0; i < n; i++) {
          const rw = Math.sqrt(f32(uniformIn(g, s0, s1)));
          const rh = Math.sqrt(f32(uniformIn(g, s0, s1)));
          const lw = f32(rw * w);
          const lh = f32(rh * h);
          const x0 = f32(g.uniform() * (w - lw));
          const y0 = f32(g.uniform() * (h - lh));
          const p = uniformIn(g, p0, p1);
          o.set([x0, x0 + lw, y0, y0 + lh, g.uniform() < p ? 1 : 0], 5 * i);
        }
      });
      const mask = boxMask(box, h, w).logicalAnd(
        box.slice([0, 4], [n, 1]).reshape([n, 1, 1, 1]).greater(0),
      );
      const fv = this.fillValue;
      let fill: Tensor;
      if (fv === null) {
        const hi = this.valueRange[1];
        fill = this.draw([n, h, w, c], dt, (g, o) => {
          for (let i = 0; i < o.length; i++) o[i] = g.normal() * hi;
        });
      } else if (typeof fv === 'number') {
        fill = tensor([fv], [1], dt);
      } else {
        if (c !== fv.length)
          fail(this, `fillValue has ${fv.length} values but the images have ${c} channels`);
        fill = tensor(fv, [c], dt);
      }
      return where(mask, clipTo(fill, this.valueRange), b);
    });
  }

  override getConfig(): Config {
    const fv = this.fillValue;
    return {
      ...super.getConfig(),
      factor: [...this.factor],
      scale: [...this.scale],
      fillValue: fv === null || typeof fv === 'number' ? fv : [...fv],
      valueRange: [...this.valueRange],
    };
  }
}

registerSerializable('layer', RandomErasing);

// ---------------------------------------------------------------------------------------------
// RandomShear / RandomPerspective

/** Fill modes of {@link RandomShear} (Keras's). */
export type ShearFillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';

/** Options of {@link RandomShear}. */
export interface RandomShearArgs extends AugmentationArgs {
  /**
   * Horizontal shear (x moves by `s·y`): a number `f` in [0, 1] (`s ~ U[−f, f]`) or
   * `[lower, upper]` in [0, 1]. Default 0.
   */
  xFactor?: AugmentFactor;
  /** Vertical shear (y moves by `s·x`), as `xFactor`. Default 0. */
  yFactor?: AugmentFactor;
  /** `'bilinear'` (default) or `'nearest'`. */
  interpolation?: 'bilinear' | 'nearest';
  /** Points mapped outside the image: `'reflect'` (default), `'wrap'`, `'constant'`, `'nearest'`. */
  fillMode?: ShearFillMode;
  /** The value of `fillMode: 'constant'` (default 0). */
  fillValue?: number;
}

/**
 * Shears each image about its top-left corner by random amounts during training; the identity
 * at inference. As Keras, one random sign per image applies to both shears.
 *
 * Formula: `y[i, j] = x̃(i + σ·sy·j, j + σ·sx·i)`, `sx ~ U[xLower, xUpper]`,
 * `sy ~ U[yLower, yUpper]`, `σ = ±1` with probability ½, x̃ sampled as `affineTransform`.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomShear({ xFactor: 0.2, yFactor: 0.2 }).apply(images, { training: true });
 */
export class RandomShear extends AugmentationLayer {
  static override readonly className = 'RandomShear';
  /** The option as given (Keras stores `[lower, upper]`, which its own check then refuses). */
  readonly xFactor: AugmentFactor;
  /** The option as given. */
  readonly yFactor: AugmentFactor;
  private readonly xRange: [number, number];
  private readonly yRange: [number, number];
  readonly interpolation: 'bilinear' | 'nearest';
  readonly fillMode: ShearFillMode;
  readonly fillValue: number;

  constructor(args: RandomShearArgs = {}) {
    super(args);
    this.xRange = unitFactor(this, 'xFactor', args.xFactor ?? 0, true);
    this.yRange = unitFactor(this, 'yFactor', args.yFactor ?? 0, true);
    const raw = (v: AugmentFactor | undefined) =>
      v === undefined ? 0 : typeof v === 'number' ? v : [...v];
    this.xFactor = raw(args.xFactor);
    this.yFactor = raw(args.yFactor);
    this.interpolation = oneOf(this, 'interpolation', args.interpolation ?? 'bilinear', [
      'bilinear',
      'nearest',
    ] as const);
    this.fillMode = oneOf(this, 'fillMode', args.fillMode ?? 'reflect', [
      'reflect',
      'wrap',
      'constant',
      'nearest',
    ] as const);
    this.fillValue = finiteNumber(this, 'fillValue', args.fillValue ?? 0);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const n = b.shape[0]!;
      const [x0, x1] = this.xRange;
      const [y0, y1] = this.yRange;
      const m = this.draw([n, 8], b.dtype, (g, o) => {
        for (let i = 0; i < n; i++) {
          const sign = g.uniform() > 0.5 ? -1 : 1;
          const sy = f32(uniformIn(g, y0, y1));
          const sx = f32(uniformIn(g, x0, x1));
          o.set([1, sx * sign, 0, sy * sign, 1, 0, 0, 0], 8 * i);
        }
      });
      return affineTransform(b, m, {
        interpolation: this.interpolation,
        fillMode: this.fillMode,
        fillValue: this.fillValue,
      });
    });
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      xFactor: typeof this.xFactor === 'number' ? this.xFactor : [...this.xFactor],
      yFactor: typeof this.yFactor === 'number' ? this.yFactor : [...this.yFactor],
      fillMode: this.fillMode,
      interpolation: this.interpolation,
      fillValue: this.fillValue,
    };
  }
}

registerSerializable('layer', RandomShear);

/** Options of {@link RandomPerspective}. */
export interface RandomPerspectiveArgs extends AugmentationArgs {
  /**
   * The warp probability is drawn per image from `[lower, upper]`: a number `f` in [0, 1]
   * gives `[0, f]` (default 1: probability U[0, 1], ½ on average).
   */
  factor?: AugmentFactor;
  /** Strength in [0, 1]: corners move by up to `scale/2` of their coordinates (default 1). */
  scale?: number;
  /** `'bilinear'` (default) or `'nearest'`. */
  interpolation?: 'bilinear' | 'nearest';
  /** The value of points from outside the image (default 0). */
  fillValue?: number;
}

/**
 * Warps each image by a random perspective transform with a random probability during
 * training; the identity at inference.
 *
 * Formula: corners `c ∈ {(0, 0), (W−1, 0), (0, H−1), (W−1, H−1)}` move to `c + c ⊙ d`,
 * `d ~ U[−scale/2, scale/2]²` per corner; `y = perspectiveTransform(x, corners, moved)` when
 * `t < p` (`p ~ U[lower, upper]`, `t ~ U[0, 1)`), else `x`.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomPerspective({ factor: [1, 1], scale: 0.3 }).apply(images, { training: true });
 */
export class RandomPerspective extends AugmentationLayer {
  static override readonly className = 'RandomPerspective';
  readonly factor: [number, number];
  readonly scale: number;
  readonly interpolation: 'bilinear' | 'nearest';
  readonly fillValue: number;

  constructor(args: RandomPerspectiveArgs = {}) {
    super(args);
    this.factor = baseFactor(this, 'factor', args.factor ?? 1, [0, 1]);
    const s = args.scale ?? 1;
    if (typeof s !== 'number' || !(s >= 0 && s <= 1))
      fail(this, `scale must be a number in [0, 1], got ${JSON.stringify(s)}`);
    this.scale = s;
    this.interpolation = oneOf(this, 'interpolation', args.interpolation ?? 'bilinear', [
      'bilinear',
      'nearest',
    ] as const);
    this.fillValue = finiteNumber(this, 'fillValue', args.fillValue ?? 0);
  }

  /**
   * Draws `n` images' transforms into `o` (`9n` values): per image a flag (1: warp), then the
   * 8 corner offsets `d` (x, y per corner, in the corner order of the formula).
   */
  protected drawTransform(g: Generator, n: number, o: Float64Array): void {
    const [p0, p1] = this.factor;
    const half = 0.5 * this.scale;
    for (let i = 0; i < n; i++) {
      const p = uniformIn(g, p0, p1);
      o[9 * i] = g.uniform() < p ? 1 : 0;
      for (let k = 1; k < 9; k++) o[9 * i + k] = f32(uniformIn(g, -half, half));
    }
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const [n, h, w] = b.shape as [number, number, number, number];
      const t = this.draw([n, 9], b.dtype, (g, o) => this.drawTransform(g, n, o));
      const corners = [0, 0, w - 1, 0, 0, h - 1, w - 1, h - 1];
      const start = tensor(Array.from({ length: n }, () => corners).flat(), [n, 4, 2], b.dtype);
      const d = t.slice([0, 1], [n, 8]).reshape([n, 4, 2]);
      const end = start.add(start.mul(d));
      const warped = perspectiveTransform(b, start, end, {
        interpolation: this.interpolation,
        fillValue: this.fillValue,
      });
      return where(t.slice([0, 0], [n, 1]).reshape([n, 1, 1, 1]), warped, b);
    });
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      factor: [...this.factor],
      scale: this.scale,
      interpolation: this.interpolation,
      fillValue: this.fillValue,
    };
  }
}

registerSerializable('layer', RandomPerspective);

// ---------------------------------------------------------------------------------------------
// MixUp / CutMix

/** A Gamma(a, 1) draw (Marsaglia–Tsang; `a < 1` by the `u^(1/a)` boost). */
function gammaDraw(g: Generator, a: number): number {
  if (a < 1) return gammaDraw(g, a + 1) * g.uniform() ** (1 / a);
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let z: number;
    let v: number;
    do {
      z = g.normal();
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    const u = g.uniform();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, a) draw as `X / (X + Y)` of two Gamma(a) draws (a fair coin if both underflow). */
function betaDraw(g: Generator, a: number): number {
  const x = gammaDraw(g, a);
  const y = gammaDraw(g, a);
  return x + y > 0 ? x / (x + y) : g.uniform() < 0.5 ? 0 : 1;
}

/** A uniform random permutation of `0 … n − 1` (Fisher–Yates) written into `o` at `off`. */
function permutation(g: Generator, n: number, o: Float64Array, off: number): void {
  for (let i = 0; i < n; i++) o[off + i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(i + 1);
    const t = o[off + i]!;
    o[off + i] = o[off + j]!;
    o[off + j] = t;
  }
}

/** Options of {@link MixUp}. */
export interface MixUpArgs extends AugmentationArgs {
  /** The Beta(α, α) parameter of the mixing weights (default 0.2). */
  alpha?: number;
}

/** The images and (optional) labels of a mixing layer's input. */
function mixInputs(layer: ImageLayer, inputs: Tensor | Tensor[]): [Tensor, Tensor | null] {
  if (!Array.isArray(inputs)) return [inputs, null];
  if (inputs.length === 1) return [inputs[0]!, null];
  if (inputs.length !== 2)
    fail(layer, `expects images or [images, labels], got ${inputs.length} inputs`);
  return [inputs[0]!, inputs[1]!];
}

/** Labels mixed as `w·l + (1 − w)·l[perm]`, `w` `[B]` broadcast over the labels' other axes. */
function mixLabels(labels: Tensor, w: Tensor, perm: Tensor, dtype: DType): Tensor {
  const l = labels.dtype === dtype ? labels : labels.cast(dtype);
  const n = l.shape[0]!;
  const wb = w.reshape([n, ...l.shape.slice(1).map(() => 1)]);
  return l.mul(wb).add(gather(l, perm, 0).mul(wb.neg().add(1)));
}

/** The output shapes of a mixing layer: the images' shape and the labels' (if given). */
function mixShapes(
  layer: ImageLayer & { imageShape(s: SymbolicShape): SymbolicShape },
  s: SymbolicShape | SymbolicShape[],
): SymbolicShape | SymbolicShape[] {
  if (s.length > 0 && Array.isArray(s[0])) {
    const list = s as SymbolicShape[];
    if (list.length === 1) return layer.imageShape(list[0]!);
    if (list.length !== 2)
      fail(layer, `expects images or [images, labels], got ${list.length} inputs`);
    return [layer.imageShape(list[0]!), list[1]!];
  }
  return layer.imageShape(s as SymbolicShape);
}

/**
 * Mixes each image (and its label) with another image of the batch during training (Zhang et
 * al. 2018); the identity at inference. Takes `images` or `[images, labels]` and returns the
 * same structure; labels (e.g. one-hot, `[batch, classes]`) are mixed with the same weights.
 *
 * Formula: `y[b] = w_b·x[b] + (1 − w_b)·x[π(b)]`, `l'[b] = w_b·l[b] + (1 − w_b)·l[π(b)]`,
 * `w_b ~ Beta(α, α)`, π a random permutation of the batch.
 *
 * Shape: `[batch, h, w, c]` (and labels `[batch, …]`) → the same shapes.
 * @example
 * const [x, y] = new MixUp({ alpha: 0.2 }).apply([images, oneHotLabels], { training: true }) as Tensor[];
 */
export class MixUp extends AugmentationLayer {
  static override readonly className = 'MixUp';
  readonly alpha: number;

  constructor(args: MixUpArgs = {}) {
    super(args);
    const a = args.alpha ?? 0.2;
    if (typeof a !== 'number' || !Number.isFinite(a) || a <= 0)
      fail(this, `alpha must be a positive number, got ${JSON.stringify(a)}`);
    this.alpha = a;
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor | Tensor[] {
    const [raw, labels] = mixInputs(this, inputs);
    const x = this.asFloat(raw);
    const out = (imgs: Tensor, l: Tensor | null) => (labels === null ? imgs : [imgs, l!]);
    if (opts.training !== true) return out(x, labels);
    let mixed: Tensor | null = null;
    const imgs = this.onBatch(x, (b) => {
      const n = b.shape[0]!;
      const t = this.draw([2 * n], 'float64', (g, o) => {
        permutation(g, n, o, 0);
        for (let i = 0; i < n; i++) o[n + i] = betaDraw(g, this.alpha);
      });
      const perm = t.slice([0], [n]).cast('int32');
      const w = t.slice([n], [n]).cast(b.dtype);
      if (labels !== null) mixed = mixLabels(labels, w, perm, b.dtype);
      const wb = w.reshape([n, 1, 1, 1]);
      return b.mul(wb).add(gather(b, perm, 0).mul(wb.neg().add(1)));
    });
    return out(imgs, mixed);
  }

  /** The images' output shape (checked). */
  imageShape(s: SymbolicShape): SymbolicShape {
    this.checkImageShape(s);
    return s;
  }

  override computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return mixShapes(this, s) as SymbolicShape;
  }

  override getConfig(): Config {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

registerSerializable('layer', MixUp);

/** Options of {@link CutMix}. */
export interface CutMixArgs extends AugmentationArgs {
  /**
   * The Beta(α, α) parameter α of the patch sizes is drawn per call from `[lower, upper]`
   * (+1e-6): a number `f` in [0, 1] gives `[0, f]` (default 1).
   */
  factor?: AugmentFactor;
}

/**
 * Pastes a random rectangle of another image of the batch into each image during training
 * (Yun et al. 2019), mixing the labels by the pasted area; the identity at inference and for a
 * single unbatched image (as Keras). Takes `images` or `[images, labels]`.
 *
 * Formula: with `λ ~ Beta(α, α)`, `r = √(1 − λ)`, `lw = r·W`, `x0 = u·(W − lw)`, `x1 = x0 + lw`
 * (rows alike): `y[b, i, j] = x[π(b), i, j]` inside the box, `x[b, i, j]` outside;
 * `l'[b] = m_b·l[b] + (1 − m_b)·l[π(b)]`, `m_b = 1 − (x1 − x0)(y1 − y0)/(W·H)`.
 *
 * Shape: `[batch, h, w, c]` (and labels `[batch, …]`) → the same shapes.
 * @example
 * const [x, y] = new CutMix().apply([images, oneHotLabels], { training: true }) as Tensor[];
 */
export class CutMix extends AugmentationLayer {
  static override readonly className = 'CutMix';
  readonly factor: [number, number];

  constructor(args: CutMixArgs = {}) {
    super(args);
    this.factor = baseFactor(this, 'factor', args.factor ?? 1, [0, 1]);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor | Tensor[] {
    const [raw, labels] = mixInputs(this, inputs);
    const x = this.asFloat(raw);
    const out = (imgs: Tensor, l: Tensor | null) => (labels === null ? imgs : [imgs, l!]);
    if (opts.training !== true || x.rank === 3) {
      this.checkImageShape(x.shape);
      return out(x, labels);
    }
    let mixed: Tensor | null = null;
    const imgs = this.onBatch(x, (b) => {
      const [n, h, w] = b.shape as [number, number, number, number];
      const [f0, f1] = this.factor;
      const t = this.draw([5 * n], 'float64', (g, o) => {
        const alpha = f32(uniformIn(g, f0, f1)) + 1e-6;
        for (let i = 0; i < n; i++) {
          const r = f32(Math.sqrt(1 - f32(betaDraw(g, alpha))));
          const lw = f32(r * w);
          const lh = f32(r * h);
          const x0 = f32(g.uniform() * (w - lw));
          const y0 = f32(g.uniform() * (h - lh));
          o.set([x0, x0 + lw, y0, y0 + lh], 4 * i);
        }
        permutation(g, n, o, 4 * n);
      });
      const box = t
        .slice([0], [4 * n])
        .reshape([n, 4])
        .cast(b.dtype);
      const perm = t.slice([4 * n], [n]).cast('int32');
      if (labels !== null) {
        const col = (k: number) => box.slice([0, k], [n, 1]).reshape([n]);
        const area = col(1)
          .sub(col(0))
          .mul(col(3).sub(col(2)));
        mixed = mixLabels(labels, area.div(-(w * h)).add(1), perm, b.dtype);
      }
      return where(boxMask(box, h, w), gather(b, perm, 0), b);
    });
    return out(imgs, mixed);
  }

  /** The images' output shape (checked). */
  imageShape(s: SymbolicShape): SymbolicShape {
    this.checkImageShape(s);
    return s;
  }

  override computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return mixShapes(this, s) as SymbolicShape;
  }

  override getConfig(): Config {
    return { ...super.getConfig(), factor: [...this.factor] };
  }
}

registerSerializable('layer', CutMix);

// ---------------------------------------------------------------------------------------------
// Equalization

/** Options of {@link Equalization}. */
export interface EqualizationArgs extends ImageLayerArgs {
  /** The range of the pixel values, sorted (default [0, 255]). */
  valueRange?: ValueRange;
  /** Number of histogram bins (a positive integer, default 256). */
  bins?: number;
}

/**
 * Histogram-equalizes each channel during training; the identity at inference (Keras's code
 * transforms only in training). As Keras, a channel's histogram counts that channel over the
 * whole batch; a channel with at most one occupied bin is left unchanged.
 *
 * Formula: on the 0–255 scale, bin `i(v) = clip(⌊v·(bins − 1)/255⌋, 0, bins − 1)`, `cdf` the
 * cumulative histogram, `lut = clip(round((cdf − cdf_min)·255 / (cdf_last − cdf_min)), 0, 255)`,
 * `y = lut[i(x)]`.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new Equalization().apply(images, { training: true });
 */
export class Equalization extends ImageLayer {
  static override readonly className = 'Equalization';
  readonly valueRange: [number, number];
  readonly bins: number;

  constructor(args: EqualizationArgs = {}) {
    super(args);
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], true);
    this.bins = positiveInt(this, 'bins', args.bins ?? 256);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const [n, h, w, c] = b.shape as [number, number, number, number];
      const nb = this.bins;
      const v = toRange(b, this.valueRange, [0, 255]);
      const bin = (t: Tensor) =>
        t
          .clip(0, nb - 1)
          .floor()
          .cast('int32');
      // Histogram index and lookup index, in Keras's two operation orders.
      const hIdx = bin(v.mul(nb - 1).div(255));
      const lIdx = bin(v.div(255).mul(nb - 1));
      const out: Tensor[] = [];
      for (let ch = 0; ch < c; ch++) {
        const chan = v.slice([0, 0, 0, ch], [n, h, w, 1]);
        const idx = hIdx.slice([0, 0, 0, ch], [n, h, w, 1]).reshape([-1]);
        const hist = scatterAdd(tensor(new Float32Array(n * h * w).fill(1), [n * h * w]), idx, [
          nb,
        ]);
        const cdf = cumsum(hist, 0);
        const cdfMin = where(cdf.greater(0), cdf, Number.POSITIVE_INFINITY).min();
        const last = cdf.slice([nb - 1], [1]);
        let den = last.sub(cdfMin);
        den = where(den.equal(0), 1, den);
        const lut = cdf.sub(cdfMin).mul(255).div(den).round().clip(0, 255).cast(b.dtype);
        const eq = lut.gather(lIdx.slice([0, 0, 0, ch], [n, h, w, 1]).reshape([-1]), 0);
        const occupied = hist.greater(0).cast('float32').sum();
        out.push(where(occupied.lessEqual(1), chan, eq.reshape([n, h, w, 1])));
      }
      return toRange(concat(out, 3), [0, 255], this.valueRange);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), bins: this.bins, valueRange: [...this.valueRange] };
  }
}

registerSerializable('layer', Equalization);
