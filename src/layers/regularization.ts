/**
 * Noise and dropout layers, as Keras 3's regularization layers: `SpatialDropout1D/2D/3D`
 * (drop whole channels), `GaussianNoise` (additive noise) and `GaussianDropout` (multiplicative
 * noise). All are active only in training mode (`training: true`) and the identity otherwise.
 * Random draws come from the global generator (`setSeed`), or from a private one when the layer
 * is given a `seed`.
 */
import { ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { Generator, globalGenerator, hostDraw } from '../ops/random.js';
import { type Config, registerSerializable } from '../serialization.js';
import { type DType, allocArray, isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Options shared by the random layers. */
interface SeedOption {
  /**
   * Seed of a private generator, so that this layer's noise repeats from construction whatever
   * else draws random numbers. Default: the global generator (see `setSeed`).
   */
  seed?: number | null;
}

/**
 * A tensor of `shape` filled by `f(generator)`, in a float dtype. The fill goes through
 * `hostDraw` and asks for the generator when it runs, so a compiled step redraws the noise at
 * every replay from the generator current then, exactly as an eager call would.
 */
function drawTensor(
  shape: readonly number[],
  dtype: DType,
  gen: () => Generator,
  f: (g: Generator) => number,
): Tensor {
  const dt: DType = isFloat(dtype) ? dtype : 'float32';
  const n = shape.reduce((a, b) => a * b, 1);
  const out = hostDraw(allocArray(dt, n), (o) => {
    const g = gen();
    for (let i = 0; i < o.length; i++) o[i] = f(g);
  });
  return tensor(out, shape, dt);
}

/** Base of the random layers: the seed, its generator, and the identity shape. */
abstract class RandomLayer extends Layer {
  readonly seed: number | null;
  private readonly generator: Generator | null;

  constructor(args: LayerArgs & SeedOption) {
    super(args);
    const seed = args?.seed ?? null;
    if (seed !== null && !Number.isFinite(seed)) {
      throw new ValueError(
        `${this.name} (${this.className}): seed must be a finite number, got ${seed}`,
      );
    }
    this.seed = seed;
    this.generator = seed === null ? null : new Generator(seed);
    this.supportsMasking = true;
  }

  /** The generator draws come from. */
  protected gen(): Generator {
    return this.generator ?? globalGenerator();
  }

  /** Checks a rate-like option in `[0, 1)` (`[0, 1]` when `closed`). */
  protected checkRate(name: string, v: unknown, closed = false): number {
    if (typeof v !== 'number' || !(v >= 0 && (closed ? v <= 1 : v < 1))) {
      throw new ValueError(
        `${this.name} (${this.className}): ${name} must be a number in [0, 1${closed ? ']' : ')'}, got ${v}`,
      );
    }
    return v;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), seed: this.seed };
  }
}

// ---------------------------------------------------------------------------------------------
// SpatialDropout1D / 2D / 3D

/** Options of {@link SpatialDropout1D}. */
export interface SpatialDropout1DArgs extends LayerArgs, SeedOption {
  /** Fraction of the channels to drop, in [0, 1). */
  rate: number;
}

/** Options of {@link SpatialDropout2D} and {@link SpatialDropout3D}. */
export interface SpatialDropout2DArgs extends SpatialDropout1DArgs {
  /**
   * Where the channels axis is: `'channelsLast'` (default; `[batch, ..., channels]`) or
   * `'channelsFirst'` (`[batch, channels, ...]`). Keras's snake_case spellings are accepted.
   */
  dataFormat?: 'channelsLast' | 'channelsFirst' | 'channels_last' | 'channels_first';
}

/** Options of {@link SpatialDropout3D}. */
export type SpatialDropout3DArgs = SpatialDropout2DArgs;

/** Base of the spatial dropouts: one keep/drop draw per (sample, channel). */
abstract class BaseSpatialDropout extends RandomLayer {
  readonly rate: number;
  readonly dataFormat: 'channelsLast' | 'channelsFirst';

  constructor(args: SpatialDropout2DArgs, rank: number) {
    super(args);
    this.rate = this.checkRate('rate', args?.rate);
    const df = args.dataFormat ?? 'channelsLast';
    if (df === 'channelsLast' || df === 'channels_last') this.dataFormat = 'channelsLast';
    else if (df === 'channelsFirst' || df === 'channels_first') this.dataFormat = 'channelsFirst';
    else {
      throw new ValueError(
        `${this.name} (${this.className}): dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(df)}`,
      );
    }
    this.inputSpec = { ndim: rank };
  }

  /** `[batch, 1, …, 1, channels]` (or channels first). */
  private noiseShape(shape: readonly number[]): number[] {
    const c = this.dataFormat === 'channelsLast' ? shape.length - 1 : 1;
    return shape.map((d, i) => (i === 0 || i === c ? d : 1));
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = single(inputs, this);
    if (opts.training !== true || this.rate === 0) return x;
    const rate = this.rate;
    const mask = drawTensor(
      this.noiseShape(x.shape),
      x.dtype,
      () => this.gen(),
      (g) => (g.uniform() >= rate ? 1 : 0),
    );
    return x.div(1 - rate).mul(mask);
  }
}

/**
 * Dropout of whole 1-D feature maps: in training, each channel of each sample is either kept
 * (scaled by `1 / (1 − rate)`) or zeroed at every timestep. At inference it is the identity.
 *
 * Formula: `y[b, t, c] = x[b, t, c] · m[b, c] / (1 − rate)`, `m ~ Bernoulli(1 − rate)`.
 *
 * Shape: `[batch, timesteps, channels]` → the same shape.
 * @example
 * new SpatialDropout1D({ rate: 0.5 }).apply(ones([2, 5, 4]), { training: true });
 * // each [b, :, c] column is all 0 or all 2
 */
export class SpatialDropout1D extends BaseSpatialDropout {
  static override readonly className = 'SpatialDropout1D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { rate: 0 };

  constructor(args: SpatialDropout1DArgs) {
    super({ ...args, dataFormat: 'channelsLast' }, 3);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), rate: this.rate };
  }
}

registerSerializable('layer', SpatialDropout1D);

/**
 * Dropout of whole 2-D feature maps (channels), as {@link SpatialDropout1D} for images.
 *
 * Formula: `y[b, h, w, c] = x[b, h, w, c] · m[b, c] / (1 − rate)` (channelsLast).
 *
 * Shape: `[batch, rows, cols, channels]` (channelsLast) or `[batch, channels, rows, cols]` →
 * the same shape.
 * @example
 * new SpatialDropout2D({ rate: 0.2 }).apply(x, { training: true });
 */
export class SpatialDropout2D extends BaseSpatialDropout {
  static override readonly className = 'SpatialDropout2D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { rate: 0 };

  constructor(args: SpatialDropout2DArgs) {
    super(args, 4);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), rate: this.rate, dataFormat: this.dataFormat };
  }
}

registerSerializable('layer', SpatialDropout2D);

/**
 * Dropout of whole 3-D feature maps (channels), as {@link SpatialDropout2D} for volumes.
 *
 * Formula: `y[b, d1, d2, d3, c] = x[b, d1, d2, d3, c] · m[b, c] / (1 − rate)` (channelsLast).
 *
 * Shape: `[batch, d1, d2, d3, channels]` (channelsLast) or `[batch, channels, d1, d2, d3]` →
 * the same shape.
 * @example
 * new SpatialDropout3D({ rate: 0.2 }).apply(x, { training: true });
 */
export class SpatialDropout3D extends BaseSpatialDropout {
  static override readonly className = 'SpatialDropout3D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { rate: 0 };

  constructor(args: SpatialDropout3DArgs) {
    super(args, 5);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), rate: this.rate, dataFormat: this.dataFormat };
  }
}

registerSerializable('layer', SpatialDropout3D);

// ---------------------------------------------------------------------------------------------
// GaussianNoise

/** Options of {@link GaussianNoise}. */
export interface GaussianNoiseArgs extends LayerArgs, SeedOption {
  /** Standard deviation of the noise, in [0, 1] (Keras 3's range). */
  stddev: number;
}

/**
 * Adds zero-centred Gaussian noise in training mode (a form of data augmentation); the identity
 * at inference.
 *
 * Formula: `y = x + n`, `n ~ N(0, stddev²)` elementwise.
 *
 * Shape: any → the same shape.
 * @example
 * new GaussianNoise({ stddev: 0.1 }).apply(zeros([2, 3]), { training: true });
 */
export class GaussianNoise extends RandomLayer {
  static override readonly className = 'GaussianNoise';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { stddev: 0 };
  readonly stddev: number;

  constructor(args: GaussianNoiseArgs) {
    super(args);
    this.stddev = this.checkRate('stddev', args?.stddev, true);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = single(inputs, this);
    if (opts.training !== true || this.stddev === 0) return x;
    const s = this.stddev;
    const dtype = isFloat(x.dtype) ? x.dtype : this.dtype;
    return x.add(
      drawTensor(
        x.shape,
        dtype,
        () => this.gen(),
        (g) => s * g.normal(),
      ),
    );
  }

  override getConfig(): Config {
    return { ...super.getConfig(), stddev: this.stddev };
  }
}

registerSerializable('layer', GaussianNoise);

// ---------------------------------------------------------------------------------------------
// GaussianDropout

/** Options of {@link GaussianDropout}. */
export interface GaussianDropoutArgs extends LayerArgs, SeedOption {
  /** Drop probability of the equivalent dropout, in [0, 1). */
  rate: number;
}

/**
 * Multiplies its input by Gaussian noise of mean 1 in training mode; the identity at
 * inference. The noise's standard deviation `√(rate / (1 − rate))` matches the variance of
 * dropout with that rate.
 *
 * Formula: `y = x · n`, `n ~ N(1, rate / (1 − rate))` elementwise.
 *
 * Shape: any → the same shape.
 * @example
 * new GaussianDropout({ rate: 0.2 }).apply(ones([2, 3]), { training: true });
 */
export class GaussianDropout extends RandomLayer {
  static override readonly className = 'GaussianDropout';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { rate: 0 };
  readonly rate: number;

  constructor(args: GaussianDropoutArgs) {
    super(args);
    this.rate = this.checkRate('rate', args?.rate);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = single(inputs, this);
    if (opts.training !== true || this.rate === 0) return x;
    const s = Math.sqrt(this.rate / (1 - this.rate));
    const dtype = isFloat(x.dtype) ? x.dtype : this.dtype;
    return x.mul(
      drawTensor(
        x.shape,
        dtype,
        () => this.gen(),
        (g) => 1 + s * g.normal(),
      ),
    );
  }

  override getConfig(): Config {
    return { ...super.getConfig(), rate: this.rate };
  }
}

registerSerializable('layer', GaussianDropout);
