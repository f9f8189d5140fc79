/**
 * More of Keras 3's image augmentation layers, the colour family: `RandomGrayscale`,
 * `RandomInvert`, `Solarization`, `RandomPosterization`, `AutoContrast`, `RandomHue`,
 * `RandomSaturation`, `RandomColorDegeneration`, `RandomSharpness`, `RandomGaussianBlur`,
 * `RandomColorJitter` and `Equalization`. The geometric and mixing layers (`RandomErasing`,
 * `RandomShear`, `RandomPerspective`, `MixUp`, `CutMix`) are in augmentation_extra2.ts and
 * re-exported here.
 *
 * As the layers of augmentation.ts, each transforms only when called with `training: true`
 * and is the identity otherwise, except `AutoContrast`, which Keras applies always. Draws come
 * from the layer's own `Generator` when it has a `seed`, else from the global generator, and
 * go through `hostDraw`, so a compiled step redraws at every replay. Factors, value ranges and
 * config keys follow Keras 3.15's code (its quirks included, noted per layer).
 */
import { depthwiseConv2d } from '../../ops/conv.js';
import { tensor } from '../../ops/creation.js';
import { isNaN as isNaNOp, where } from '../../ops/elementwise.js';
import { rgbToGrayscale } from '../../ops/image_api.js';
import { hsvToRgb, rgbToHsv } from '../../ops/image_extra.js';
import { concat } from '../../ops/movement.js';
import type { Generator } from '../../ops/random.js';
import { type Config, type ConfigValue, registerSerializable } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { CallOptions } from '../layer.js';
import { single } from '../layer.js';
import { RandomBrightness, RandomContrast } from './augmentation.js';
import {
  type AugmentFactor,
  type AugmentationArgs,
  AugmentationLayer,
  type ValueRange,
  baseFactor,
  clipTo,
  f32,
  isPair,
  toRange,
  uniformIn,
  unitFactor,
  valueRangeOf,
} from './augmentation_extra2.js';
import { ImageLayer, type ImageLayerArgs } from './image.js';
import { fail } from './image_util.js';

/** The grayscale of a channels-last batch with 3 channels (Keras refuses other counts). */
function gray3(layer: ImageLayer, x4: Tensor): Tensor {
  if (x4.shape[3] !== 3)
    fail(layer, `expects RGB images (3 channels), got ${x4.shape[3]} channels`);
  return rgbToGrayscale(x4);
}

// ---------------------------------------------------------------------------------------------
// RandomGrayscale

/** Options of {@link RandomGrayscale}. */
export interface RandomGrayscaleArgs extends AugmentationArgs {
  /** Probability in [0, 1] that an image turns gray (default 0.5). */
  factor?: number;
}

/**
 * Turns each RGB image gray with probability `factor` during training (all three channels get
 * the luminance); the identity at inference.
 *
 * Formula: `y[b] = u_b < factor ? gray(x[b]) : x[b]`, `gray = 0.2989 r + 0.587 g + 0.114 b`,
 * `u_b ~ U[0, 1)`.
 *
 * Shape: `[batch, h, w, 3]` or `[h, w, 3]` → the same shape.
 * @example
 * new RandomGrayscale({ factor: 0.2 }).apply(images, { training: true });
 */
export class RandomGrayscale extends AugmentationLayer {
  static override readonly className = 'RandomGrayscale';
  readonly factor: number;

  constructor(args: RandomGrayscaleArgs = {}) {
    super(args);
    const f = args.factor ?? 0.5;
    if (typeof f !== 'number' || !(f >= 0 && f <= 1))
      fail(this, `factor must be a number in [0, 1], got ${JSON.stringify(f)}`);
    this.factor = f;
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const gray = gray3(this, b);
      const apply = this.perImage(b, (g) => (g.uniform() < this.factor ? 1 : 0));
      return where(apply, gray, b);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), factor: this.factor };
  }
}

registerSerializable('layer', RandomGrayscale);

// ---------------------------------------------------------------------------------------------
// RandomInvert

/** Options of {@link RandomInvert}. */
export interface RandomInvertArgs extends AugmentationArgs {
  /**
   * The inversion probability is drawn per image from `[lower, upper]`: a number `f` in
   * [0, 1] gives `[0, f]` (default 1: probability U[0, 1], ½ on average).
   */
  factor?: AugmentFactor;
  /** The range of the pixel values (default [0, 255]); an inverted pixel is `high − x`. */
  valueRange?: ValueRange;
}

/**
 * Inverts each image's colours with a random probability during training; the identity at
 * inference. As Keras, the inverse is `high − x` (not `high + low − x`).
 *
 * Formula: `y[b] = t_b < p_b ? high − x[b] : x[b]`, `p_b ~ U[lower, upper]`, `t_b ~ U[0, 1)`.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomInvert({ factor: 0.5, valueRange: [0, 1] }).apply(images, { training: true });
 */
export class RandomInvert extends AugmentationLayer {
  static override readonly className = 'RandomInvert';
  /** The probability range `[lower, upper]`, as Keras stores it. */
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(args: RandomInvertArgs = {}) {
    super(args);
    this.factor = baseFactor(this, 'factor', args.factor ?? 1, [0, 1]);
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], false);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const [lo, hi] = this.factor;
      const apply = this.perImage(b, (g) => {
        const p = uniformIn(g, lo, hi);
        return g.uniform() < p ? 1 : 0;
      });
      return where(apply, b.neg().add(this.valueRange[1]), b);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), factor: [...this.factor], valueRange: [...this.valueRange] };
  }
}

registerSerializable('layer', RandomInvert);

// ---------------------------------------------------------------------------------------------
// Solarization

/** Options of {@link Solarization}. */
export interface SolarizationArgs extends AugmentationArgs {
  /**
   * Added to every pixel (on the 0–255 scale) before thresholding: a number `f` in [0, 1]
   * (drawn from `[0, 255·f]`) or `[lower, upper]` (drawn from `[lower, 255·upper]`, Keras's
   * code). Default 0.
   */
  additionFactor?: AugmentFactor;
  /**
   * Only pixels at or above the threshold (0–255 scale) are inverted: a number or pair as
   * `additionFactor`. Default 0 (every pixel).
   */
  thresholdFactor?: AugmentFactor;
  /** The range of the pixel values, sorted (default [0, 255]). */
  valueRange?: ValueRange;
}

/**
 * Solarizes images during training: on the 0–255 scale, adds a random offset, clips, and
 * inverts the pixels at or above a random threshold; the identity at inference.
 *
 * Formula: `r = clip(s(x) + a, 0, 255)`, `y = s⁻¹(r < t ? r : 255 − r)`, `s` the map of
 * `valueRange` onto [0, 255], `a ~ U[aLower, 255·aUpper]`, `t ~ U[tLower, 255·tUpper]` per image.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new Solarization({ thresholdFactor: [0.5, 0.5] }).apply(images, { training: true });
 */
export class Solarization extends AugmentationLayer {
  static override readonly className = 'Solarization';
  readonly additionFactor: [number, number];
  readonly thresholdFactor: [number, number];
  readonly valueRange: [number, number];

  constructor(args: SolarizationArgs = {}) {
    super(args);
    this.additionFactor = unitFactor(this, 'additionFactor', args.additionFactor ?? 0, false);
    this.thresholdFactor = unitFactor(this, 'thresholdFactor', args.thresholdFactor ?? 0, false);
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], true);
  }

  /**
   * Draws `n` images' (addition, threshold) pairs into `o`, on the 0–255 scale, as Keras:
   * `U[aLower, 255·aUpper]` and `U[tLower, 255·tUpper]` (the lower ends are not scaled).
   */
  protected drawLevels(g: Generator, n: number, o: Float64Array): void {
    const [a0, a1] = this.additionFactor;
    const [t0, t1] = this.thresholdFactor;
    for (let i = 0; i < n; i++) {
      o[2 * i] = uniformIn(g, a0, a1 * 255);
      o[2 * i + 1] = uniformIn(g, t0, t1 * 255);
    }
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const n = b.shape[0]!;
      const levels = this.draw([n, 2], b.dtype, (g, o) => this.drawLevels(g, n, o));
      const add = levels.slice([0, 0], [n, 1]).reshape([n, 1, 1, 1]);
      const thr = levels.slice([0, 1], [n, 1]).reshape([n, 1, 1, 1]);
      const r = toRange(b, this.valueRange, [0, 255]).add(add).clip(0, 255);
      const y = where(r.less(thr), r, r.neg().add(255));
      return toRange(y, [0, 255], this.valueRange);
    });
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      valueRange: [...this.valueRange],
      additionFactor: [...this.additionFactor],
      thresholdFactor: [...this.thresholdFactor],
    };
  }
}

registerSerializable('layer', Solarization);

// ---------------------------------------------------------------------------------------------
// RandomPosterization

/** Options of {@link RandomPosterization}. */
export interface RandomPosterizationArgs extends AugmentationArgs {
  /**
   * Bits kept per channel, integers in [1, 8]: a number `n` (drawn from `[1, n)`, or exactly 1
   * for n = 1) or `[lower, upper]` (drawn from `[lower, upper)`, exactly `lower` when equal).
   */
  factor: AugmentFactor;
  /** The range of the pixel values, sorted (default [0, 255]). */
  valueRange?: ValueRange;
}

/**
 * Keeps only the top bits of each channel (on the 0–255 scale) during training; the identity
 * at inference.
 *
 * Formula: `y = s⁻¹(⌊clip(s(x), 0, 255) / 2^k⌋·2^k)`, `k = 8 − bits`, `bits ~ U{lower … upper − 1}`
 * per image (`lower` when equal), `s` the map of `valueRange` onto [0, 255].
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomPosterization({ factor: [4, 4] }).apply(images, { training: true });
 */
export class RandomPosterization extends AugmentationLayer {
  static override readonly className = 'RandomPosterization';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { factor: 4 };
  /** The bits range `[lower, upper]`, as Keras stores it. */
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(args: RandomPosterizationArgs) {
    super(args);
    const f = args?.factor;
    if (!(Number.isInteger(f) || (isPair(f) && f.every(Number.isInteger))))
      fail(
        this,
        `factor must be an integer or [lower, upper] of integers, got ${JSON.stringify(f)}`,
      );
    this.factor = baseFactor(this, 'factor', f, [1, 8]);
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], true);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const [lo, hi] = this.factor;
      const q = this.perImage(b, (g) => {
        const bits = lo === hi ? lo : lo + Math.floor(g.uniform() * (hi - lo));
        return 2 ** (8 - bits);
      });
      const v = toRange(b, this.valueRange, [0, 255]).clip(0, 255);
      return toRange(v.div(q).floor().mul(q), [0, 255], this.valueRange);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), factor: [...this.factor], valueRange: [...this.valueRange] };
  }
}

registerSerializable('layer', RandomPosterization);

// ---------------------------------------------------------------------------------------------
// AutoContrast

/** Options of {@link AutoContrast}. */
export interface AutoContrastArgs extends ImageLayerArgs {
  /** The range of the pixel values, sorted (default [0, 255]). */
  valueRange?: ValueRange;
}

/**
 * Stretches each channel of each image over the whole value range. Applied in training and at
 * inference, as Keras. A constant channel (no range to stretch) is left unchanged.
 *
 * Formula: on the 0–255 scale, `y = clip((x − lo)·255/(hi − lo), 0, 255)`, `lo`, `hi` the
 * channel's minimum and maximum over height and width.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new AutoContrast({ valueRange: [0, 1] }).apply(images);
 */
export class AutoContrast extends ImageLayer {
  static override readonly className = 'AutoContrast';
  readonly valueRange: [number, number];

  constructor(args: AutoContrastArgs = {}) {
    super(args);
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], true);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    return this.onBatch(x, (b) => {
      const v = toRange(b, this.valueRange, [0, 255]);
      const low = v.min([1, 2], true);
      const high = v.max([1, 2], true);
      const scale = high.sub(low).reciprocal().mul(255);
      const y = v.mul(scale).add(low.neg().mul(scale)).clip(0, 255);
      const r = toRange(y, [0, 255], this.valueRange);
      // Keras keeps the original where the stretch gave NaN (a constant channel).
      return where(isNaNOp(r), b, r);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), valueRange: [...this.valueRange] };
  }
}

registerSerializable('layer', AutoContrast);

// ---------------------------------------------------------------------------------------------
// RandomHue / RandomSaturation

/** Options of {@link RandomHue}. */
export interface RandomHueArgs extends AugmentationArgs {
  /**
   * The hue shift, as a fraction of half a turn: a number `f` in [0, 1] (`[0, f]`) or
   * `[lower, upper]`; each image shifts by `±u/2` turns, `u` drawn from it, the sign at random.
   */
  factor: AugmentFactor;
  /** The range of the pixel values (default [0, 255]). */
  valueRange?: ValueRange;
}

/**
 * Rotates the hue of each RGB image by a random amount during training; the identity at
 * inference.
 *
 * Formula: in HSV of `x` mapped to [0, 1], `h' = wrap(h + d)` (±1 once into [0, 1]),
 * `d = ±u/2`, `u ~ U[lower, upper]`, sign − with probability ½; back to RGB, clipped to
 * [0, 1], mapped back to `valueRange`.
 *
 * Shape: `[batch, h, w, 3]` or `[h, w, 3]` → the same shape.
 * @example
 * new RandomHue({ factor: 0.2 }).apply(images, { training: true });
 */
export class RandomHue extends AugmentationLayer {
  static override readonly className = 'RandomHue';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { factor: 0.1 };
  /** The range `[lower, upper]`, as Keras stores it. */
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(args: RandomHueArgs) {
    super(args);
    this.factor = baseFactor(this, 'factor', args?.factor, [0, 1]);
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], false);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      if (b.shape[3] !== 3) fail(this, `expects RGB images (3 channels), got ${b.shape[3]}`);
      const [lo, hi] = this.factor;
      const d = this.perImage(b, (g) => {
        const sign = g.uniform() > 0.5 ? -1 : 1;
        return sign * f32(uniformIn(g, lo, hi)) * 0.5;
      });
      const hsv = rgbToHsv(toRange(b, this.valueRange, [0, 1]));
      const [n, h, w] = b.shape as [number, number, number, number];
      let hue = hsv.slice([0, 0, 0, 0], [n, h, w, 1]).add(d);
      hue = where(hue.greater(1), hue.sub(1), hue);
      hue = where(hue.less(0), hue.add(1), hue);
      const rest = hsv.slice([0, 0, 0, 1], [n, h, w, 2]);
      const rgb = hsvToRgb(concat([hue, rest], 3)).clip(0, 1);
      return toRange(rgb, [0, 1], this.valueRange);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), factor: [...this.factor], valueRange: [...this.valueRange] };
  }
}

registerSerializable('layer', RandomHue);

/** Options of {@link RandomSaturation}. */
export interface RandomSaturationArgs extends AugmentationArgs {
  /**
   * A number `f` in [−1, 1] (`[−|f|, |f|]`, Keras's code) or `[lower, upper]`; the draw `u`
   * scales the saturation by `u / (1 − u)`: 0.5 keeps it, 0 makes the image gray, 1 saturates.
   */
  factor: AugmentFactor;
  /** The saturation is clipped to this range, sorted (default [0, 255], as Keras). */
  valueRange?: ValueRange;
}

/**
 * Scales the saturation of each RGB image by a random factor during training; the identity
 * at inference. As Keras, the HSV conversion works on the raw values (it is scale-invariant)
 * and the saturation is clipped to `valueRange`.
 *
 * Formula: `s' = clip(s·u/(1 − u + ε), low, high)`, `u ~ U[lower, upper]` per image,
 * `ε = 1e-7`; hue and value kept.
 *
 * Shape: `[batch, h, w, 3]` or `[h, w, 3]` → the same shape.
 * @example
 * new RandomSaturation({ factor: [0.2, 0.8], valueRange: [0, 1] }).apply(images, { training: true });
 */
export class RandomSaturation extends AugmentationLayer {
  static override readonly className = 'RandomSaturation';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { factor: 0.5 };
  /** The range `[lower, upper]`, as Keras stores it. */
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(args: RandomSaturationArgs) {
    super(args);
    this.factor = baseFactor(this, 'factor', args?.factor, [-1, 1]);
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], true);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      if (b.shape[3] !== 3) fail(this, `expects RGB images (3 channels), got ${b.shape[3]}`);
      const [lo, hi] = this.factor;
      const k = this.perImage(b, (g) => {
        const u = f32(uniformIn(g, lo, hi));
        return f32(u / f32(f32(1 - u) + 1e-7));
      });
      const hsv = rgbToHsv(b);
      const [n, h, w] = b.shape as [number, number, number, number];
      const hue = hsv.slice([0, 0, 0, 0], [n, h, w, 1]);
      const sat = clipTo(hsv.slice([0, 0, 0, 1], [n, h, w, 1]).mul(k), this.valueRange);
      const val = hsv.slice([0, 0, 0, 2], [n, h, w, 1]);
      return hsvToRgb(concat([hue, sat, val], 3));
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), factor: [...this.factor], valueRange: [...this.valueRange] };
  }
}

registerSerializable('layer', RandomSaturation);

// ---------------------------------------------------------------------------------------------
// RandomColorDegeneration / RandomSharpness

/** Options of {@link RandomColorDegeneration}. */
export interface RandomColorDegenerationArgs extends AugmentationArgs {
  /**
   * The blend toward gray: a number `f` in [−1, 1] (`[−|f|, |f|]`, Keras's code) or
   * `[lower, upper]`; 0 keeps the image, 1 makes it gray.
   */
  factor: AugmentFactor;
  /** Outputs are clipped to this range, sorted (default [0, 255]). */
  valueRange?: ValueRange;
}

/**
 * Blends each RGB image toward its grayscale by a random amount during training; the
 * identity at inference.
 *
 * Formula: `y = clip(x + u·(gray(x) − x), low, high)`, `u ~ U[lower, upper]` per image.
 *
 * Shape: `[batch, h, w, 3]` or `[h, w, 3]` → the same shape.
 * @example
 * new RandomColorDegeneration({ factor: [0, 0.5] }).apply(images, { training: true });
 */
export class RandomColorDegeneration extends AugmentationLayer {
  static override readonly className = 'RandomColorDegeneration';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { factor: 0.5 };
  /** The range `[lower, upper]`, as Keras stores it. */
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(args: RandomColorDegenerationArgs) {
    super(args);
    this.factor = baseFactor(this, 'factor', args?.factor, [-1, 1]);
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], true);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const gray = gray3(this, b);
      const [lo, hi] = this.factor;
      const u = this.perImage(b, (g) => uniformIn(g, lo, hi));
      return clipTo(b.add(u.mul(gray.sub(b))), this.valueRange);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), factor: [...this.factor], valueRange: [...this.valueRange] };
  }
}

registerSerializable('layer', RandomColorDegeneration);

/** Options of {@link RandomSharpness}. */
export interface RandomSharpnessArgs extends AugmentationArgs {
  /**
   * A number `f` in [0, 1] (`[0, f]`) or `[lower, upper]`; the draw `u` gives sharpness `2u`:
   * 0 blurs (u = 0), 0.5 keeps the image, 1 sharpens.
   */
  factor: AugmentFactor;
  /** Outputs are clipped to this range, sorted (default [0, 255]). */
  valueRange?: ValueRange;
}

/**
 * Sharpens or blurs each image by a random amount during training (PIL's sharpness enhance);
 * the identity at inference.
 *
 * Formula: `y = clip(x + (1 − 2u)·(x ⋆ k − x), low, high)`, `k = [[1,1,1],[1,5,1],[1,1,1]]/13`
 * per channel with zero padding, `u ~ U[lower, upper]` per image.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomSharpness({ factor: [0.5, 1] }).apply(images, { training: true });
 */
export class RandomSharpness extends AugmentationLayer {
  static override readonly className = 'RandomSharpness';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { factor: 0.5 };
  /** The range `[lower, upper]`, as Keras stores it. */
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(args: RandomSharpnessArgs) {
    super(args);
    this.factor = baseFactor(this, 'factor', args?.factor, [0, 1]);
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], true);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const c = b.shape[3]!;
      const [lo, hi] = this.factor;
      const s = this.perImage(b, (g) => 1 - 2 * f32(uniformIn(g, lo, hi)));
      const a = 1 / 13;
      const k = new Float64Array(9 * c).fill(a);
      k.fill(5 / 13, 4 * c, 5 * c);
      const kernel = tensor(k, [3, 3, c, 1], 'float64').cast(b.dtype);
      const smooth = depthwiseConv2d(b, kernel, { padding: 'same' });
      return clipTo(b.add(s.mul(smooth.sub(b))), this.valueRange);
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), factor: [...this.factor], valueRange: [...this.valueRange] };
  }
}

registerSerializable('layer', RandomSharpness);

// ---------------------------------------------------------------------------------------------
// RandomGaussianBlur

/** Options of {@link RandomGaussianBlur}. */
export interface RandomGaussianBlurArgs extends AugmentationArgs {
  /**
   * The blur probability is drawn per image from `[lower, upper]`: a number `f` in [0, 1]
   * gives `[0, f]` (default 1: probability U[0, 1], ½ on average).
   */
  factor?: AugmentFactor;
  /**
   * Odd kernel size: one number or `[alongWidth, alongHeight]` (Keras's `gaussian_blur` order;
   * default 3).
   */
  kernelSize?: number | readonly [number, number] | readonly number[];
  /**
   * The standard deviations (one per axis, shared by the batch) are drawn from `[lower, upper]`
   * (+1e-6): a number `s` in [0, 1] gives `[0, s]`; a pair needs lower ≤ 1 (Keras's check).
   * Default 1.
   */
  sigma?: AugmentFactor;
  /** Outputs are clipped to this range (default [0, 255]). */
  valueRange?: ValueRange;
}

/** Normalized 1-D Gaussian taps at `i − (size − 1)/2`, i = 0 … size − 1. */
function gaussian1d(size: number, sigma: number): number[] {
  const w = Array.from({ length: size }, (_, i) => {
    const x = (i - (size - 1) / 2) / sigma;
    return Math.exp(-0.5 * x * x);
  });
  const total = w.reduce((a, v) => a + v, 0);
  return w.map((v) => v / total);
}

/**
 * Blurs each image with probability drawn from `factor` during training, with a Gaussian
 * kernel of random standard deviations (one draw per call for the batch), then clips to
 * `valueRange`; the identity at inference.
 *
 * Formula: `y[b] = clip(t_b < p_b ? x[b] ⋆ (g_σh ⊗ g_σw) : x[b], low, high)`,
 * `p_b ~ U[lower, upper]`, `t_b ~ U[0, 1)`, `σ ~ U[sLower, sUpper] + 1e-6`; zero padding.
 *
 * Shape: `[batch, h, w, c]` or `[h, w, c]` → the same shape.
 * @example
 * new RandomGaussianBlur({ factor: [1, 1], kernelSize: 5, sigma: [0.5, 1] }).apply(images, { training: true });
 */
export class RandomGaussianBlur extends AugmentationLayer {
  static override readonly className = 'RandomGaussianBlur';
  readonly factor: [number, number];
  /** `[alongWidth, alongHeight]`, as Keras stores it. */
  readonly kernelSize: [number, number];
  readonly sigma: [number, number];
  readonly valueRange: [number, number];

  constructor(args: RandomGaussianBlurArgs = {}) {
    super(args);
    this.factor = baseFactor(this, 'factor', args.factor ?? 1, [0, 1]);
    const ks = args.kernelSize ?? 3;
    const odd = (v: unknown) => Number.isInteger(v) && (v as number) > 0 && (v as number) % 2 === 1;
    const pair = typeof ks === 'number' ? [ks, ks] : ks;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every(odd))
      fail(
        this,
        `kernelSize must be an odd positive integer or two of them, got ${JSON.stringify(ks)}`,
      );
    this.kernelSize = [pair[0]!, pair[1]!];
    this.sigma = baseFactor(this, 'sigma', args.sigma ?? 1, [0, 1]);
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], false);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = this.asFloat(single(inputs, this));
    if (opts.training !== true) return x;
    return this.onBatch(x, (b) => {
      const c = b.shape[3]!;
      const [kx, ky] = this.kernelSize;
      const [p0, p1] = this.factor;
      const [s0, s1] = this.sigma;
      const apply = this.perImage(b, (g) => {
        const p = uniformIn(g, p0, p1);
        return g.uniform() < p ? 1 : 0;
      });
      // The kernel is drawn too, so a compiled replay blurs with fresh standard deviations.
      const kernel = this.draw([ky, kx, c, 1], b.dtype, (g, o) => {
        const gx = gaussian1d(kx, f32(uniformIn(g, s0, s1)) + 1e-6);
        const gy = gaussian1d(ky, f32(uniformIn(g, s0, s1)) + 1e-6);
        for (let i = 0; i < ky; i++)
          for (let j = 0; j < kx; j++)
            o.fill(gy[i]! * gx[j]!, (i * kx + j) * c, (i * kx + j + 1) * c);
      });
      const blurred = depthwiseConv2d(b, kernel, { padding: 'same' });
      return clipTo(where(apply, blurred, b), this.valueRange);
    });
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      factor: [...this.factor],
      kernelSize: [...this.kernelSize],
      sigma: [...this.sigma],
      valueRange: [...this.valueRange],
    };
  }
}

registerSerializable('layer', RandomGaussianBlur);

// ---------------------------------------------------------------------------------------------
// RandomColorJitter

/** Options of {@link RandomColorJitter}. */
export interface RandomColorJitterArgs extends AugmentationArgs {
  /** The range of the pixel values (default [0, 255]). */
  valueRange?: ValueRange;
  /** RandomBrightness's `factor`; null (default) skips brightness. */
  brightnessFactor?: AugmentFactor | null;
  /** RandomContrast's `factor`; null (default) skips contrast. */
  contrastFactor?: AugmentFactor | null;
  /** RandomSaturation's `factor`; null (default) skips saturation. */
  saturationFactor?: AugmentFactor | null;
  /** RandomHue's `factor`; null (default) skips hue. */
  hueFactor?: AugmentFactor | null;
}

/**
 * Applies RandomBrightness, RandomContrast, RandomSaturation and RandomHue in that order
 * during training, each that has a factor; the identity at inference.
 *
 * Formula: `y = hue(saturation(contrast(brightness(x))))`, each step as its layer, skipped
 * when its factor is null.
 *
 * Shape: `[batch, h, w, 3]` or `[h, w, 3]` → the same shape.
 * @example
 * new RandomColorJitter({ brightnessFactor: 0.2, hueFactor: 0.1 }).apply(images, { training: true });
 */
export class RandomColorJitter extends AugmentationLayer {
  static override readonly className = 'RandomColorJitter';
  readonly valueRange: [number, number];
  readonly brightnessFactor: AugmentFactor | null;
  readonly contrastFactor: AugmentFactor | null;
  readonly saturationFactor: AugmentFactor | null;
  readonly hueFactor: AugmentFactor | null;
  private readonly steps: { call(x: Tensor, o: CallOptions): Tensor | Tensor[] }[];

  constructor(args: RandomColorJitterArgs = {}) {
    super(args);
    this.valueRange = valueRangeOf(this, args.valueRange ?? [0, 255], false);
    const raw = (v: AugmentFactor | null | undefined): AugmentFactor | null =>
      v === undefined || v === null ? null : typeof v === 'number' ? v : [...v];
    this.brightnessFactor = raw(args.brightnessFactor);
    this.contrastFactor = raw(args.contrastFactor);
    this.saturationFactor = raw(args.saturationFactor);
    this.hueFactor = raw(args.hueFactor);
    // Each step gets its own seed (seed, seed + 1, …) so the steps' draws are independent.
    const seed = (k: number) => (this.seed === null ? null : this.seed + k);
    const common = { valueRange: this.valueRange, dataFormat: this.dataFormat, dtype: this.dtype };
    const wrapErr = <T>(make: () => T): T => {
      try {
        return make();
      } catch (e) {
        return fail(this, (e as Error).message);
      }
    };
    this.steps = [];
    if (this.brightnessFactor !== null) {
      const factor = this.brightnessFactor;
      this.steps.push(wrapErr(() => new RandomBrightness({ ...common, factor, seed: seed(0) })));
    }
    if (this.contrastFactor !== null) {
      const factor = this.contrastFactor;
      this.steps.push(wrapErr(() => new RandomContrast({ ...common, factor, seed: seed(1) })));
    }
    if (this.saturationFactor !== null) {
      const factor = this.saturationFactor;
      this.steps.push(wrapErr(() => new RandomSaturation({ ...common, factor, seed: seed(2) })));
    }
    if (this.hueFactor !== null) {
      const factor = this.hueFactor;
      this.steps.push(wrapErr(() => new RandomHue({ ...common, factor, seed: seed(3) })));
    }
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    let x = this.asFloat(single(inputs, this));
    this.checkImageShape(x.shape);
    if (opts.training !== true) return x;
    for (const s of this.steps) x = s.call(x, { training: true }) as Tensor;
    return x;
  }

  override getConfig(): Config {
    const v = (f: AugmentFactor | null): ConfigValue =>
      f === null ? null : typeof f === 'number' ? f : [...f];
    return {
      ...super.getConfig(),
      valueRange: [...this.valueRange],
      brightnessFactor: v(this.brightnessFactor),
      contrastFactor: v(this.contrastFactor),
      saturationFactor: v(this.saturationFactor),
      hueFactor: v(this.hueFactor),
    };
  }
}

registerSerializable('layer', RandomColorJitter);

export {
  type AugmentFactor,
  type AugmentationArgs,
  CutMix,
  type CutMixArgs,
  Equalization,
  type EqualizationArgs,
  MixUp,
  type MixUpArgs,
  RandomErasing,
  type RandomErasingArgs,
  RandomPerspective,
  type RandomPerspectiveArgs,
  RandomShear,
  type RandomShearArgs,
  type ShearFillMode,
  type ValueRange,
} from './augmentation_extra2.js';
