/**
 * Keras 3's random image augmentation layers: `RandomFlip`, `RandomCrop`,
 * `RandomTranslation`, `RandomRotation`, `RandomZoom`, `RandomContrast` and
 * `RandomBrightness`. Each transforms only when called with `training: true` and is the
 * identity otherwise (RandomCrop, whose output is smaller, center-crops instead). Each image
 * of a batch gets its own draw (RandomCrop: one window per batch, as Keras).
 *
 * Randomness: draws come from the global generator (`setSeed`) or, given a `seed`, from the
 * layer's own `Generator`, so two layers with equal seeds make equal transforms. Every draw
 * goes through `hostDraw`: a compiled step redraws at each replay instead of freezing one
 * transform. The geometric layers turn their draw into gather taps (source pixel and weight)
 * inside the draw, so the warp itself is one gather, one multiply and one sum: differentiable
 * with respect to the images (not to the random parameters).
 */
import { tensor } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import { aspectCropBox, resizeImages, smartResize } from '../../ops/image.js';
import { gather } from '../../ops/movement.js';
import { Generator, globalGenerator, hostDraw } from '../../ops/random.js';
import { type Config, type ConfigValue, registerSerializable } from '../../serialization.js';
import { allocArray } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { CallOptions } from '../layer.js';
import { single, singleShape } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { ImageLayer, type ImageLayerArgs } from './image.js';
import { fail, finiteNumber, oneOf, positiveInt } from './image_util.js';

/** Options of every random layer. */
export interface RandomImageLayerArgs extends ImageLayerArgs {
  /**
   * Seed of the layer's own generator, so its transforms repeat from construction whatever
   * else draws random numbers. Default: the global generator (see `setSeed`).
   */
  seed?: number | null;
}

/** A factor: one number (a symmetric range) or `[lower, upper]`. */
export type Factor = number | readonly [number, number] | readonly number[];

/** Base of the random layers: the seed and its generator. */
abstract class RandomImageLayer extends ImageLayer {
  readonly seed: number | null;
  // A public field: BackupAndRestore finds layers' generators among their own properties.
  readonly generator: Generator | null;

  constructor(args: RandomImageLayerArgs | undefined) {
    super(args);
    const seed = args?.seed ?? null;
    if (seed !== null && !Number.isFinite(seed))
      fail(this, `seed must be a finite number or null, got ${seed}`);
    this.seed = seed;
    this.generator = seed === null ? null : new Generator(seed);
  }

  /** The generator draws come from; asked for when a draw runs (a compiled replay too). */
  protected gen(): Generator {
    return this.generator ?? globalGenerator();
  }

  /**
   * One value per image, `[B, 1, 1, 1]`, drawn by `f` through `hostDraw` in the input's dtype.
   */
  protected perImage(x4: Tensor, f: (g: Generator) => number): Tensor {
    const n = x4.shape[0]!;
    const out = hostDraw(allocArray(x4.dtype, n), (o) => {
      const g = this.gen();
      for (let i = 0; i < o.length; i++) o[i] = f(g);
    });
    return tensor(out, [n, 1, 1, 1], x4.dtype);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), seed: this.seed };
  }
}

/** The range `[lower, upper]` of a factor, checked as Keras's `_set_factor` of the layer. */
function factorRange(
  layer: ImageLayer,
  name: string,
  v: unknown,
  bounds: [number, number],
  perValue: (x: number) => boolean,
  rule: string,
): [number, number] {
  const bad = (): never =>
    fail(layer, `${name} must be a number or [lower, upper] ${rule}, got ${JSON.stringify(v)}`);
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || !perValue(v)) bad();
    const a = Math.abs(v);
    return [Math.max(-a, bounds[0]), a];
  }
  if (
    !Array.isArray(v) ||
    v.length !== 2 ||
    !v.every((e) => typeof e === 'number' && Number.isFinite(e))
  )
    return bad();
  if (!perValue(v[0]) || !perValue(v[1])) bad();
  const [a, b] = v as [number, number];
  return a <= b ? [a, b] : [b, a];
}

/** Keras's rule for RandomRotation, RandomBrightness and RandomContrast factors. */
function baseFactor(layer: ImageLayer, v: unknown, bounds: [number, number]): [number, number] {
  const rule = `in [${bounds[0]}, ${bounds[1]}]`;
  if (Array.isArray(v)) {
    // Keras checks only the first entry against the upper bound and the second against the
    // lower one (so [-0.3, 0.3] is a valid contrast factor: it draws from [1.3, 1.3]).
    const ok = v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number';
    if (!ok || v[0] > bounds[1] || v[1] < bounds[0]) {
      fail(
        layer,
        `factor must be a number ${rule} or [lower, upper] with lower <= ${bounds[1]} and upper >= ${bounds[0]}, got ${JSON.stringify(v)}`,
      );
    }
    return factorRange(layer, 'factor', v, bounds, () => true, rule);
  }
  return factorRange(layer, 'factor', v, bounds, (x) => x >= bounds[0] && x <= bounds[1], rule);
}

const f32 = Math.fround;

// ---------------------------------------------------------------------------------------------
// RandomFlip

/** Flip directions of {@link RandomFlip}. */
export type FlipMode = 'horizontal' | 'vertical' | 'horizontal_and_vertical';

/** Options of {@link RandomFlip}. */
export interface RandomFlipArgs extends RandomImageLayerArgs {
  /**
   * `'horizontal'` (left–right), `'vertical'` (up–down) or `'horizontal_and_vertical'`
   * (default; one draw flips both axes, i.e. a 180° turn). `'horizontalAndVertical'` is
   * accepted.
   */
  mode?: FlipMode | 'horizontalAndVertical';
}

/**
 * Flips each image with probability ½ during training; the identity at inference.
 *
 * Formula: `y[b] = f_b ? flip(x[b]) : x[b]`, `f_b ~ Bernoulli(½)` per image.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomFlip({ mode: 'horizontal', seed: 1 }).apply(images, { training: true });
 */
export class RandomFlip extends RandomImageLayer {
  static override readonly className = 'RandomFlip';
  readonly mode: FlipMode;

  constructor(args: RandomFlipArgs = {}) {
    super(args);
    const m =
      args?.mode === 'horizontalAndVertical'
        ? 'horizontal_and_vertical'
        : (args?.mode ?? 'horizontal_and_vertical');
    this.mode = oneOf(this, 'mode', m, [
      'horizontal',
      'vertical',
      'horizontal_and_vertical',
    ] as const);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const [, h, w] = b.shape as [number, number, number, number];
      const rev = (n: number) =>
        tensor(
          Array.from({ length: n }, (_, i) => n - 1 - i),
          [n],
          'int32',
        );
      let flipped = b;
      if (this.mode !== 'vertical') flipped = gather(flipped, rev(w), 2);
      if (this.mode !== 'horizontal') flipped = gather(flipped, rev(h), 1);
      // Keras flips where a uniform draw is <= 0.5.
      const flips = this.perImage(b, (g) => (g.uniform() <= 0.5 ? 1 : 0));
      return where(flips, flipped, b);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), mode: this.mode };
  }
}

registerSerializable('layer', RandomFlip);

// ---------------------------------------------------------------------------------------------
// RandomCrop

/** Options of {@link RandomCrop}. */
export interface RandomCropArgs extends RandomImageLayerArgs {
  /** Height of the crop (a positive integer). */
  height: number;
  /** Width of the crop (a positive integer). */
  width: number;
}

/**
 * Crops a random `height × width` window during training, the same window for every image of
 * the batch (as Keras). At inference (and in training when the image is not larger than the
 * target along both axes) the crop is deterministic: inference takes the largest central
 * window with the target's aspect ratio resized to the target (`smart_resize`, as Keras
 * documents); training on such an image follows Keras's code (a window of the target size
 * from that box's corner, resized when the image is too small).
 *
 * Formula (training, `h > height` and `w > width`): `y[b, i, j] = x[b, i + t, j + l]`,
 * `t ~ U{0 … h − height}`, `l ~ U{0 … w − width}`.
 *
 * Shape: `[batch, h, w, c]` → `[batch, height, width, c]` (a single image alike).
 * @example
 * new RandomCrop({ height: 24, width: 24 }).apply(zeros([8, 32, 32, 3]), { training: true }).shape; // [8, 24, 24, 3]
 */
export class RandomCrop extends RandomImageLayer {
  static override readonly className = 'RandomCrop';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { height: 2, width: 2 };
  readonly height: number;
  readonly width: number;

  constructor(args: RandomCropArgs) {
    super(args);
    this.height = positiveInt(this, 'height', args?.height);
    this.width = positiveInt(this, 'width', args.width);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    return this.onBatch(x, (b) => {
      const [n, h, w, c] = b.shape as [number, number, number, number];
      const th = this.height;
      const tw = this.width;
      if (opts.training !== true) return smartResize(b, th, tw);
      if (h > th && w > tw) {
        // One window for the batch: rows top…top+th−1 and columns left…left+tw−1.
        const idx = hostDraw(allocArray('int32', th + tw), (o) => {
          const g = this.gen();
          const top = Math.floor(g.uniform() * (h - th + 1));
          const left = Math.floor(g.uniform() * (w - tw + 1));
          for (let i = 0; i < th; i++) o[i] = top + i;
          for (let j = 0; j < tw; j++) o[th + j] = left + j;
        });
        const t = tensor(idx, [th + tw], 'int32');
        return gather(gather(b, t.slice([0], [th]), 1), t.slice([th], [tw]), 2);
      }
      // Keras's code: a target-sized window from the aspect box's corner, clipped to the
      // image, then resized (bilinear) if the clip left it smaller.
      const [top, left] = aspectCropBox(h, w, th, tw);
      const ch = Math.min(th, h - top);
      const cw = Math.min(tw, w - left);
      const win = b.slice([0, top, left, 0], [n, ch, cw, c]);
      return ch === th && cw === tw ? win : resizeImages(win, th, tw);
    });
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.withSize(singleShape(inputShape, this), this.height, this.width);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), height: this.height, width: this.width };
  }
}

registerSerializable('layer', RandomCrop);

// ---------------------------------------------------------------------------------------------
// Affine warps: RandomTranslation, RandomRotation, RandomZoom

/** How the affine layers fill points that map outside the image. */
export type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';
/** How the affine layers sample between pixels. */
export type WarpInterpolation = 'bilinear' | 'nearest';

/** Options shared by RandomTranslation, RandomRotation and RandomZoom. */
export interface AffineArgs extends RandomImageLayerArgs {
  /**
   * Points mapped outside the image read: `'reflect'` (default; `d c b a | a b c d | d c b a`,
   * mirrored about the edge), `'wrap'` (`a b c d | a b c d`), `'constant'` (`fillValue`) or
   * `'nearest'` (`a a a a | a b c d | d d d d`).
   */
  fillMode?: FillMode;
  /** `'bilinear'` (default) or `'nearest'` (the closest pixel, halves rounding up). */
  interpolation?: WarpInterpolation;
  /** The value of `fillMode: 'constant'` (default 0). */
  fillValue?: number;
}

/** A source index along an axis of `n` for `k` under a fill mode; −1 for the constant fill. */
function mapIndex(k: number, n: number, mode: FillMode): number {
  if (k >= 0 && k < n) return k;
  switch (mode) {
    case 'constant':
      return -1;
    case 'nearest':
      return k < 0 ? 0 : n - 1;
    case 'wrap':
      return ((k % n) + n) % n;
    default: {
      // Symmetric reflection (NumPy's 'symmetric' pad): period 2n.
      const m = ((k % (2 * n)) + 2 * n) % (2 * n);
      return m < n ? m : 2 * n - 1 - m;
    }
  }
}

/**
 * Writes the gather taps of per-image affine maps into `o`. Output pixel (row i, column j) of
 * image b reads the input at `x' = a0·j + a1·i + a2`, `y' = b0·j + b1·i + b2` (Keras's
 * `affine_transform` convention, `m` holding `[a0, a1, a2, b0, b1, b2]` per image). Layout:
 * `N·T` flat source indices, then `N·T` weights, then (constant mode) `N` weights of the fill.
 */
function writeTaps(
  o: Float64Array,
  m: Float64Array,
  [bn, h, w]: [number, number, number],
  nearest: boolean,
  mode: FillMode,
): void {
  const taps = nearest ? 1 : 4;
  const n = bn * h * w;
  const wOff = n * taps;
  const fOff = 2 * n * taps;
  const ky = [0, 0, 0, 0];
  const kx = [0, 0, 0, 0];
  const kw = [1, 0, 0, 0];
  for (let b = 0; b < bn; b++) {
    const [a0, a1, a2, b0, b1, b2] = m.subarray(6 * b, 6 * b + 6) as unknown as number[];
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const p = (b * h + i) * w + j;
        const sx = i * a1! + j * a0! + a2!;
        const sy = i * b1! + j * b0! + b2!;
        if (nearest) {
          // Spline order 0 (scipy): round half up.
          ky[0] = Math.floor(sy + 0.5);
          kx[0] = Math.floor(sx + 0.5);
        } else {
          const y0 = Math.floor(sy);
          const x0 = Math.floor(sx);
          const fy = sy - y0;
          const fx = sx - x0;
          ky[0] = y0;
          kx[0] = x0;
          kw[0] = (1 - fy) * (1 - fx);
          ky[1] = y0;
          kx[1] = x0 + 1;
          kw[1] = (1 - fy) * fx;
          ky[2] = y0 + 1;
          kx[2] = x0;
          kw[2] = fy * (1 - fx);
          ky[3] = y0 + 1;
          kx[3] = x0 + 1;
          kw[3] = fy * fx;
        }
        let fill = 0;
        for (let t = 0; t < taps; t++) {
          const r = mapIndex(ky[t]!, h, mode);
          const c = mapIndex(kx[t]!, w, mode);
          if (r < 0 || c < 0) {
            o[p * taps + t] = b * h * w;
            o[wOff + p * taps + t] = 0;
            fill += kw[t]!;
          } else {
            o[p * taps + t] = (b * h + r) * w + c;
            o[wOff + p * taps + t] = kw[t]!;
          }
        }
        if (mode === 'constant') o[fOff + p] = fill;
      }
    }
  }
}

/** Base of the affine warps: fill mode, interpolation, and the warp of a batch. */
abstract class AffineLayer extends RandomImageLayer {
  readonly fillMode: FillMode;
  readonly interpolation: WarpInterpolation;
  readonly fillValue: number;

  constructor(args: AffineArgs) {
    super(args);
    this.fillMode = oneOf(this, 'fillMode', args?.fillMode ?? 'reflect', [
      'reflect',
      'wrap',
      'constant',
      'nearest',
    ] as const);
    this.interpolation = oneOf(this, 'interpolation', args?.interpolation ?? 'bilinear', [
      'bilinear',
      'nearest',
    ] as const);
    this.fillValue = finiteNumber(this, 'fillValue', args?.fillValue ?? 0);
  }

  /**
   * Draws the affine maps of `bn` images of `h × w`: `[a0, a1, a2, b0, b1, b2]` per image, output
   * pixel → input point (see {@link writeTaps}), float32-rounded as Keras computes them.
   */
  protected abstract drawMaps(g: Generator, bn: number, h: number, w: number): Float64Array;

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => this.warp(b));
  }

  /** The warp of a channels-last batch by freshly drawn maps: one gather of the taps. */
  private warp(x4: Tensor): Tensor {
    const [bn, h, w, c] = x4.shape as [number, number, number, number];
    const nearest = this.interpolation === 'nearest';
    const taps = nearest ? 1 : 4;
    const constant = this.fillMode === 'constant';
    const n = bn * h * w;
    const size = 2 * n * taps + (constant ? n : 0);
    const mode = this.fillMode;
    // Float64: exact flat indices for any image size, and the weights in one draw.
    const data = hostDraw(allocArray('float64', size) as Float64Array, (o) => {
      writeTaps(o, this.drawMaps(this.gen(), bn, h, w), [bn, h, w], nearest, mode);
    });
    const d = tensor(data, [size], 'float64');
    const idx = d.slice([0], [n * taps]).cast('int32');
    const wts = d
      .slice([n * taps], [n * taps])
      .cast(x4.dtype)
      .reshape([n, taps, 1]);
    let y = gather(x4.reshape([n, c]), idx, 0)
      .reshape([n, taps, c])
      .mul(wts)
      .sum(1);
    if (constant && this.fillValue !== 0) {
      y = y.add(
        d
          .slice([2 * n * taps], [n])
          .cast(x4.dtype)
          .reshape([n, 1])
          .mul(this.fillValue),
      );
    }
    return y.reshape([bn, h, w, c]);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      fillMode: this.fillMode,
      interpolation: this.interpolation,
      fillValue: this.fillValue,
    };
  }
}

/** A uniform draw in `[lo, hi)` (Keras's `lo + (hi − lo)·u`; `[a, a]` gives exactly a). */
function uniformIn(g: Generator, lo: number, hi: number): number {
  return lo + (hi - lo) * g.uniform();
}

/** A factor as it came (number or pair), for the config. */
function rawFactor(v: Factor | null): ConfigValue {
  return v === null ? null : typeof v === 'number' ? v : [...v];
}

// RandomTranslation -----------------------------------------------------------------------------

/** Options of {@link RandomTranslation}. */
export interface RandomTranslationArgs extends AffineArgs {
  /**
   * Vertical shift as a fraction of the height: a number `f` (shifts in `[−f, f]`) or
   * `[lower, upper]`, values in [−1, 1]. Positive moves the image down.
   */
  heightFactor: Factor;
  /**
   * Horizontal shift as a fraction of the width: a number or `[lower, upper]`, values in
   * [−1, 1]. Positive moves the image right.
   */
  widthFactor: Factor;
}

/**
 * Shifts each image by a random fraction of its size during training; the identity at
 * inference. Uncovered areas follow `fillMode`.
 *
 * Formula: `y[i, j] = x[i − ty, j − tx]` (interpolated), `ty = u·h`, `u ~ U[hLower, hUpper]`,
 * `tx = v·w`, `v ~ U[wLower, wUpper]`.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomTranslation({ heightFactor: 0.1, widthFactor: 0.1 }).apply(images, { training: true });
 */
export class RandomTranslation extends AffineLayer {
  static override readonly className = 'RandomTranslation';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { heightFactor: 0.1, widthFactor: 0.1 };
  readonly heightFactor: Factor;
  readonly widthFactor: Factor;
  private readonly heightRange: [number, number];
  private readonly widthRange: [number, number];

  constructor(args: RandomTranslationArgs) {
    super(args);
    const inRange = (x: number) => x >= -1 && x <= 1;
    const rule = 'with values in [-1, 1]';
    this.heightRange = factorRange(
      this,
      'heightFactor',
      args?.heightFactor,
      [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
      inRange,
      rule,
    );
    this.widthRange = factorRange(
      this,
      'widthFactor',
      args.widthFactor,
      [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
      inRange,
      rule,
    );
    this.heightFactor = rawFactor(args?.heightFactor) as Factor;
    this.widthFactor = rawFactor(args.widthFactor) as Factor;
  }

  protected drawMaps(g: Generator, bn: number, h: number, w: number): Float64Array {
    const m = new Float64Array(6 * bn);
    const [hl, hu] = this.heightRange;
    const [wl, wu] = this.widthRange;
    const ty = Array.from({ length: bn }, () => f32(f32(uniformIn(g, hl, hu)) * h));
    const tx = Array.from({ length: bn }, () => f32(f32(uniformIn(g, wl, wu)) * w));
    for (let b = 0; b < bn; b++) m.set([1, 0, -tx[b]!, 0, 1, -ty[b]!], 6 * b);
    return m;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      heightFactor: rawFactor(this.heightFactor),
      widthFactor: rawFactor(this.widthFactor),
    };
  }
}

registerSerializable('layer', RandomTranslation);

// RandomRotation --------------------------------------------------------------------------------

/** Options of {@link RandomRotation}. */
export interface RandomRotationArgs extends AffineArgs {
  /**
   * Rotation as a fraction of a full turn (2π): a number `f` (angles in `[−f, f]·360°`) or
   * `[lower, upper]`, in [−1, 1]. Positive turns counter-clockwise on screen.
   */
  factor: Factor;
}

/**
 * Rotates each image about its center by a random angle during training; the identity at
 * inference. Areas from outside the image follow `fillMode`.
 *
 * Formula: with θ ~ U[lower, upper]·2π and center `(cx, cy) = ((w − 1)/2, (h − 1)/2)`,
 * `y[i, j] = x[cy + (j − cx)·sin θ + (i − cy)·cos θ, cx + (j − cx)·cos θ − (i − cy)·sin θ]`.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomRotation({ factor: 0.1, fillMode: 'constant' }).apply(images, { training: true });
 */
export class RandomRotation extends AffineLayer {
  static override readonly className = 'RandomRotation';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { factor: 0.1 };
  /** The range `[lower, upper]` (fractions of a turn), as Keras stores it. */
  readonly factor: [number, number];

  constructor(args: RandomRotationArgs) {
    super(args);
    this.factor = baseFactor(this, args?.factor, [-1, 1]);
  }

  protected drawMaps(g: Generator, bn: number, h: number, w: number): Float64Array {
    const m = new Float64Array(6 * bn);
    const lo = this.factor[0] * 360;
    const hi = this.factor[1] * 360;
    const angles = Array.from({ length: bn }, () => f32(uniformIn(g, lo, hi)));
    // Keras's _compute_affine_matrix in float32, center (0.5, 0.5) of (size − 1).
    const cx = f32(0.5 * (w - 1));
    const cy = f32(0.5 * (h - 1));
    for (let b = 0; b < bn; b++) {
      const t = f32(angles[b]! * f32(Math.PI / 180));
      const cos = f32(Math.cos(t));
      const sin = f32(Math.sin(t));
      const a0 = cos;
      const a1 = -sin;
      const a2 = f32(f32(cx - f32(cx * a0)) - f32(cy * a1));
      const b0 = sin;
      const b1 = cos;
      const b2 = f32(f32(cy - f32(cx * b0)) - f32(cy * b1));
      m.set([a0, a1, a2, b0, b1, b2], 6 * b);
    }
    return m;
  }

  override getConfig(): Config {
    return { ...super.getConfig(), factor: [...this.factor] };
  }
}

registerSerializable('layer', RandomRotation);

// RandomZoom ------------------------------------------------------------------------------------

/** Options of {@link RandomZoom}. */
export interface RandomZoomArgs extends AffineArgs {
  /**
   * Vertical zoom as a fraction of the height: a number `f` (zooms in `[−f, f]`) or
   * `[lower, upper]`, values in (−1, 1]. Positive zooms out (the image shrinks), negative in.
   */
  heightFactor: Factor;
  /**
   * Horizontal zoom, as `heightFactor`; default (null): the same draw as the height, which
   * keeps the aspect ratio.
   */
  widthFactor?: Factor | null;
}

/**
 * Zooms each image about its center by a random factor during training; the identity at
 * inference. Areas from outside the image follow `fillMode`.
 *
 * Formula: `y[i, j] = x[cy + (i − cy)·zh, cx + (j − cx)·zw]`, `zh = 1 + u`,
 * `u ~ U[hLower, hUpper]` (zw alike, or = zh), `(cx, cy) = ((w − 1)/2, (h − 1)/2)`.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomZoom({ heightFactor: [-0.2, 0.2] }).apply(images, { training: true });
 */
export class RandomZoom extends AffineLayer {
  static override readonly className = 'RandomZoom';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { heightFactor: 0.1 };
  readonly heightFactor: Factor;
  readonly widthFactor: Factor | null;
  private readonly heightRange: [number, number];
  private readonly widthRange: [number, number] | null;

  constructor(args: RandomZoomArgs) {
    super(args);
    const inRange = (x: number) => x > -1 && x <= 1;
    const rule = 'with values in (-1, 1]';
    this.heightRange = factorRange(
      this,
      'heightFactor',
      args?.heightFactor,
      [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
      inRange,
      rule,
    );
    const wf = args.widthFactor ?? null;
    this.widthRange =
      wf === null
        ? null
        : factorRange(
            this,
            'widthFactor',
            wf,
            [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
            inRange,
            rule,
          );
    this.heightFactor = rawFactor(args?.heightFactor) as Factor;
    this.widthFactor = rawFactor(wf) as Factor | null;
  }

  protected drawMaps(g: Generator, bn: number, h: number, w: number): Float64Array {
    const m = new Float64Array(6 * bn);
    const [hl, hu] = this.heightRange;
    const zh = Array.from({ length: bn }, () => f32(uniformIn(g, 1 + hl, 1 + hu)));
    const wr = this.widthRange;
    const zw = wr ? Array.from({ length: bn }, () => f32(uniformIn(g, 1 + wr[0], 1 + wr[1]))) : zh;
    const halfW = f32((w - 1) / 2);
    const halfH = f32((h - 1) / 2);
    for (let b = 0; b < bn; b++) {
      const x = zw[b]!;
      const y = zh[b]!;
      m.set([x, 0, f32(halfW * f32(1 - x)), 0, y, f32(halfH * f32(1 - y))], 6 * b);
    }
    return m;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      heightFactor: rawFactor(this.heightFactor),
      widthFactor: rawFactor(this.widthFactor),
    };
  }
}

registerSerializable('layer', RandomZoom);

// ---------------------------------------------------------------------------------------------
// RandomContrast / RandomBrightness

/** A `[low, high]` value range option. */
function valueRangeArg(layer: ImageLayer, v: unknown): [number, number] {
  if (
    !Array.isArray(v) ||
    v.length !== 2 ||
    !v.every((e) => typeof e === 'number' && Number.isFinite(e))
  ) {
    fail(layer, `valueRange must be [low, high] (two finite numbers), got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1]];
}

/** Options of {@link RandomContrast}. */
export interface RandomContrastArgs extends RandomImageLayerArgs {
  /**
   * A number `f` in [0, 1] or `[lower, upper]` (Keras's check: lower ≤ 1, upper ≥ 0); the
   * contrast factor is drawn from `[1 − lower, 1 + upper]`. As Keras 3.15's code, a number
   * gives `[0, f]`, so it only raises contrast; `[-a, a]` fixes the factor at `1 + a`.
   */
  factor: Factor;
  /** The range of the pixel values; outputs are clipped to it (default [0, 255]). */
  valueRange?: readonly [number, number] | readonly number[];
}

/**
 * Scales each channel's deviation from its mean by a random factor per image during
 * training, then clips to `valueRange`; the identity at inference.
 *
 * Formula: `y = clip((x − μ)·k + μ, low, high)`, μ the mean of the image's channel over height
 * and width, `k ~ U[1 − lower, 1 + upper]` per image.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomContrast({ factor: 0.2 }).apply(images, { training: true });
 */
export class RandomContrast extends RandomImageLayer {
  static override readonly className = 'RandomContrast';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { factor: 0.1 };
  /** The range `[lower, upper]`, as Keras stores it. */
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(args: RandomContrastArgs) {
    super(args);
    this.factor = baseFactor(this, args?.factor, [0, 1]);
    this.valueRange = valueRangeArg(this, args.valueRange ?? [0, 255]);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const [lower, upper] = this.factor;
      const dt = b.dtype;
      const k = this.perImage(b, (g) => {
        const v = uniformIn(g, 1 - lower, 1 + upper);
        return dt === 'float32' ? f32(v) : v;
      });
      const mean = b.mean([1, 2], true);
      const y = b.sub(mean).mul(k).add(mean);
      const [lo, hi] = this.valueRange;
      // np.clip with low > high gives high everywhere; keep that rather than refuse.
      return lo <= hi ? y.clip(lo, hi) : y.maximum(lo).minimum(hi);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), factor: [...this.factor], valueRange: [...this.valueRange] };
  }
}

registerSerializable('layer', RandomContrast);

/** Options of {@link RandomBrightness}. */
export interface RandomBrightnessArgs extends RandomImageLayerArgs {
  /**
   * A number `f` in [−1, 1] (deltas in `[−|f|, |f|]`) or `[lower, upper]`: fractions of the
   * value range added to every pixel of an image.
   */
  factor: Factor;
  /** The range of the pixel values, sorted; outputs are clipped to it (default [0, 255]). */
  valueRange?: readonly [number, number] | readonly number[];
}

/**
 * Adds a random brightness offset per image during training, then clips to `valueRange`; the
 * identity at inference.
 *
 * Formula: `y = clip(x + u·(high − low), low, high)`, `u ~ U[lower, upper]` per image.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomBrightness({ factor: 0.2, valueRange: [0, 1] }).apply(images, { training: true });
 */
export class RandomBrightness extends RandomImageLayer {
  static override readonly className = 'RandomBrightness';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { factor: 0.1 };
  /** The range `[lower, upper]`, as Keras stores it. */
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(args: RandomBrightnessArgs) {
    super(args);
    this.factor = baseFactor(this, args?.factor, [-1, 1]);
    const [a, b] = valueRangeArg(this, args.valueRange ?? [0, 255]);
    this.valueRange = a <= b ? [a, b] : [b, a];
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const [lower, upper] = this.factor;
      const [lo, hi] = this.valueRange;
      const dt = b.dtype;
      const delta = this.perImage(b, (g) => {
        const v = uniformIn(g, lower, upper);
        return dt === 'float32' ? f32(f32(v) * (hi - lo)) : v * (hi - lo);
      });
      return b.add(delta).clip(lo, hi);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), factor: [...this.factor], valueRange: [...this.valueRange] };
  }
}

registerSerializable('layer', RandomBrightness);
