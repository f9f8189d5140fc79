/**
 * Weight initializers, as Keras 3's `keras.initializers`: `init.call(shape, dtype)` returns a new
 * tensor. Names, defaults, fan computation and the truncated-normal correction follow Keras 3.
 *
 * Seeding. An initializer built with a `seed` draws from a private generator seeded afresh on
 * every call, so repeated calls return the same values (Keras 3's documented behaviour for an
 * integer seed). Without a seed, every call draws from Tessera's global generator: calls give
 * different values, and `setSeed(n)` makes a whole run repeatable. Keras 3 instead fixes a random
 * seed when an unseeded initializer is built (so its calls repeat too); Tessera keeps to the one
 * global switch so that `setSeed(n)` alone reproduces a model built from unseeded initializers,
 * as it does every other random draw. Two initializers given the same seed give the same values.
 */
import { ValueError, fmtShape } from './errors.js';
import { full, ones, tensor, zeros } from './ops/creation.js';
import {
  Generator,
  globalGenerator,
  randomNormal,
  randomUniform,
  truncatedNormal,
} from './ops/random.js';
import {
  type Config,
  type Serializable,
  type SerializedObject,
  registerSerializable,
  resolveIdentifier,
} from './serialization.js';
import { type DType, isDType, isFloat } from './tensor/dtype.js';
import { checkShape, sizeOf } from './tensor/shape.js';
import type { Tensor } from './tensor/tensor.js';

/**
 * Base class of every initializer: `call(shape, dtype)` returns a fresh tensor of that shape.
 * Subclasses define `static className`, `getConfig()` and `static fromConfig(config)` and are
 * registered under the category `'initializer'`.
 *
 * Formula: w = f(shape), one draw per call.
 * @example
 * class Halves extends Initializer {
 *   static override readonly className = 'Halves';
 *   call(shape: readonly number[], dtype?: DType) { return full(shape, 0.5, dtype); }
 *   static fromConfig() { return new Halves(); }
 * }
 * registerSerializable('initializer', Halves);
 */
export abstract class Initializer implements Serializable {
  /** The class name written in configs (Keras's, for built-ins). */
  static readonly className: string = 'Initializer';

  /** A new tensor of `shape` and `dtype` (default float32). */
  abstract call(shape: readonly number[], dtype?: DType): Tensor;

  /** The constructor arguments as plain JSON. */
  getConfig(): Config {
    return {};
  }

  /** The registered class name of this instance. */
  get className(): string {
    return (this.constructor as typeof Initializer).className;
  }
}

// ---------------------------------------------------------------- helpers

function checkFinite(owner: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ValueError(`${owner}: ${name} must be a finite number, got ${String(v)}`);
  }
  return v;
}

function checkSeed(owner: string, seed: unknown): number | undefined {
  if (seed === undefined || seed === null) return undefined;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new ValueError(`${owner}: seed must be an integer, got ${String(seed)}`);
  }
  return seed;
}

/** Validates the call arguments and returns the dtype (float32 when none is given). */
function checkCall(
  owner: string,
  shape: readonly number[],
  dtype: DType | undefined,
  floatOnly: boolean,
): DType {
  if (!Array.isArray(shape)) {
    throw new ValueError(
      `${owner}: shape must be an array of non-negative integers, got ${String(shape)}`,
    );
  }
  checkShape(shape, owner);
  const dt = dtype ?? 'float32';
  if (!isDType(dt)) throw new ValueError(`${owner}: unknown dtype '${String(dt)}'`);
  if (floatOnly && !isFloat(dt)) {
    throw new ValueError(`${owner}: dtype must be float32 or float64, got ${dt}`);
  }
  return dt;
}

/** `table[key]` for an own string key, else undefined (so 'toString' and non-strings miss). */
function lookup<T>(table: Readonly<Record<string, T>>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}

// ---------------------------------------------------------------- constants

/**
 * All zeros.
 *
 * Formula: w = 0.
 * @example new Zeros().call([2, 2]) // [[0, 0], [0, 0]]
 */
export class Zeros extends Initializer {
  static override readonly className = 'Zeros';

  call(shape: readonly number[], dtype?: DType): Tensor {
    return zeros(shape, checkCall('Zeros', shape, dtype, false));
  }

  /** Rebuilds from a config (Zeros takes none). */
  static fromConfig(_config: Config = {}): Zeros {
    return new Zeros();
  }
}

/**
 * All ones.
 *
 * Formula: w = 1.
 * @example new Ones().call([2]) // [1, 1]
 */
export class Ones extends Initializer {
  static override readonly className = 'Ones';

  call(shape: readonly number[], dtype?: DType): Tensor {
    return ones(shape, checkCall('Ones', shape, dtype, false));
  }

  /** Rebuilds from a config (Ones takes none). */
  static fromConfig(_config: Config = {}): Ones {
    return new Ones();
  }
}

/** Arguments of {@link Constant}. */
export interface ConstantArgs {
  /** The fill value (default 0). */
  value?: number;
}

/**
 * Every element set to one scalar `value` (default 0).
 *
 * Formula: w = value.
 * @example new Constant({ value: 3 }).call([2]) // [3, 3]
 */
export class Constant extends Initializer {
  static override readonly className = 'Constant';
  readonly value: number;

  constructor(args: ConstantArgs = {}) {
    super();
    this.value = checkFinite('Constant', 'value', args.value ?? 0);
  }

  call(shape: readonly number[], dtype?: DType): Tensor {
    return full(shape, this.value, checkCall('Constant', shape, dtype, false));
  }

  override getConfig(): Config {
    return { value: this.value };
  }

  /** Rebuilds from `{value}`. */
  static fromConfig(config: Config): Constant {
    return new Constant({ value: config.value as number | undefined });
  }
}

/** Arguments of {@link Identity}. */
export interface IdentityArgs {
  /** Multiplies the identity (default 1). */
  gain?: number;
}

/**
 * The identity matrix times `gain`, for 2-D shapes only (a non-square shape gets ones on the
 * main diagonal, like `eye(rows, cols)`).
 *
 * Formula: wᵢⱼ = gain if i = j, else 0.
 * @example new Identity({ gain: 2 }).call([2, 3]) // [[2, 0, 0], [0, 2, 0]]
 */
export class Identity extends Initializer {
  static override readonly className = 'Identity';
  readonly gain: number;

  constructor(args: IdentityArgs = {}) {
    super();
    this.gain = checkFinite('Identity', 'gain', args.gain ?? 1);
  }

  call(shape: readonly number[], dtype?: DType): Tensor {
    const dt = checkCall('Identity', shape, dtype, false);
    if (shape.length !== 2)
      throw new ValueError(`Identity: needs a 2-D shape, got ${fmtShape(shape)}`);
    const [rows, cols] = shape as [number, number];
    const values = new Float64Array(rows * cols);
    for (let i = 0; i < Math.min(rows, cols); i++) values[i * cols + i] = this.gain;
    return tensor(values, shape, dt);
  }

  override getConfig(): Config {
    return { gain: this.gain };
  }

  /** Rebuilds from `{gain}`. */
  static fromConfig(config: Config): Identity {
    return new Identity({ gain: config.gain as number | undefined });
  }
}

// ---------------------------------------------------------------- random

/** The `seed` argument shared by random initializers. */
export interface SeedArgs {
  /**
   * An integer: every call returns the same values. Absent or null: every call draws from the
   * global generator (repeatable after `setSeed(n)`).
   */
  seed?: number | null;
}

/**
 * Base class of the random initializers: holds the optional seed and writes it to the config.
 *
 * Formula: w ~ a distribution; seeded calls restart its generator from `seed`.
 * @example new RandomNormal({ seed: 1 }).seed // 1
 */
export abstract class RandomInitializer extends Initializer {
  /** The seed, or undefined to draw from the global generator. */
  readonly seed: number | undefined;

  protected constructor(owner: string, seed: number | null | undefined) {
    super();
    this.seed = checkSeed(owner, seed);
  }

  /** Options for the random ops: a seed only when this initializer has one. */
  protected randomOpts(dtype: DType): { dtype: DType; seed?: number } {
    return this.seed === undefined ? { dtype } : { dtype, seed: this.seed };
  }

  override getConfig(): Config {
    return { seed: this.seed ?? null };
  }
}

/** Arguments of {@link RandomNormal} and {@link TruncatedNormal}. */
export interface NormalArgs extends SeedArgs {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation (default 0.05). */
  stddev?: number;
}

function checkStddev(owner: string, stddev: number): number {
  checkFinite(owner, 'stddev', stddev);
  if (stddev < 0) throw new ValueError(`${owner}: stddev must be >= 0, got ${stddev}`);
  return stddev;
}

/**
 * Samples from a normal distribution (Keras 3 defaults mean 0, stddev 0.05).
 *
 * Formula: w ~ N(mean, stddev²).
 * @example new RandomNormal({ mean: 0, stddev: 1, seed: 42 }).call([2, 2])
 */
export class RandomNormal extends RandomInitializer {
  static override readonly className = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;

  constructor(args: NormalArgs = {}) {
    super('RandomNormal', args.seed);
    this.mean = checkFinite('RandomNormal', 'mean', args.mean ?? 0);
    this.stddev = checkStddev('RandomNormal', args.stddev ?? 0.05);
  }

  call(shape: readonly number[], dtype?: DType): Tensor {
    const dt = checkCall('RandomNormal', shape, dtype, true);
    return randomNormal(shape, this.mean, this.stddev, this.randomOpts(dt));
  }

  override getConfig(): Config {
    return { ...super.getConfig(), mean: this.mean, stddev: this.stddev };
  }

  /** Rebuilds from `{mean, stddev, seed}`. */
  static fromConfig(config: Config): RandomNormal {
    return new RandomNormal(config as NormalArgs);
  }
}

/**
 * Samples from a normal distribution truncated at two standard deviations: values farther
 * from the mean are redrawn (Keras 3 defaults mean 0, stddev 0.05). The variance after
 * truncation is about 0.774·stddev².
 *
 * Formula: w ~ N(mean, stddev²) conditioned on |w − mean| ≤ 2·stddev.
 * @example new TruncatedNormal({ stddev: 1, seed: 42 }).call([3])
 */
export class TruncatedNormal extends RandomInitializer {
  static override readonly className = 'TruncatedNormal';
  readonly mean: number;
  readonly stddev: number;

  constructor(args: NormalArgs = {}) {
    super('TruncatedNormal', args.seed);
    this.mean = checkFinite('TruncatedNormal', 'mean', args.mean ?? 0);
    this.stddev = checkStddev('TruncatedNormal', args.stddev ?? 0.05);
  }

  call(shape: readonly number[], dtype?: DType): Tensor {
    const dt = checkCall('TruncatedNormal', shape, dtype, true);
    return truncatedNormal(shape, this.mean, this.stddev, this.randomOpts(dt));
  }

  override getConfig(): Config {
    return { ...super.getConfig(), mean: this.mean, stddev: this.stddev };
  }

  /** Rebuilds from `{mean, stddev, seed}`. */
  static fromConfig(config: Config): TruncatedNormal {
    return new TruncatedNormal(config as NormalArgs);
  }
}

/** Arguments of {@link RandomUniform}. */
export interface UniformArgs extends SeedArgs {
  /** Lower bound, inclusive (default −0.05). */
  minval?: number;
  /** Upper bound, exclusive (default 0.05). */
  maxval?: number;
}

/**
 * Samples uniformly from [minval, maxval) (Keras 3 defaults −0.05 and 0.05).
 *
 * Formula: w ~ U[minval, maxval).
 * @example new RandomUniform({ minval: -1, maxval: 1, seed: 7 }).call([4])
 */
export class RandomUniform extends RandomInitializer {
  static override readonly className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;

  constructor(args: UniformArgs = {}) {
    super('RandomUniform', args.seed);
    this.minval = checkFinite('RandomUniform', 'minval', args.minval ?? -0.05);
    this.maxval = checkFinite('RandomUniform', 'maxval', args.maxval ?? 0.05);
    if (this.minval > this.maxval) {
      throw new ValueError(
        `RandomUniform: need minval <= maxval, got ${this.minval}, ${this.maxval}`,
      );
    }
  }

  call(shape: readonly number[], dtype?: DType): Tensor {
    const dt = checkCall('RandomUniform', shape, dtype, true);
    return randomUniform(shape, this.minval, this.maxval, this.randomOpts(dt));
  }

  override getConfig(): Config {
    return { ...super.getConfig(), minval: this.minval, maxval: this.maxval };
  }

  /** Rebuilds from `{minval, maxval, seed}`. */
  static fromConfig(config: Config): RandomUniform {
    return new RandomUniform(config as UniformArgs);
  }
}

// ---------------------------------------------------------------- variance scaling

/** Which fan divides the scale in {@link VarianceScaling}. */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
/** The distribution {@link VarianceScaling} draws from. */
export type Distribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform';

const MODES: Record<string, FanMode> = {
  fanIn: 'fanIn',
  fanOut: 'fanOut',
  fanAvg: 'fanAvg',
  fan_in: 'fanIn',
  fan_out: 'fanOut',
  fan_avg: 'fanAvg',
};
const DISTRIBUTIONS: Record<string, Distribution> = {
  truncatedNormal: 'truncatedNormal',
  untruncatedNormal: 'untruncatedNormal',
  uniform: 'uniform',
  truncated_normal: 'truncatedNormal',
  untruncated_normal: 'untruncatedNormal',
  // Keras 3 still reads the Keras 2 name 'normal' as the truncated normal.
  normal: 'truncatedNormal',
};

/**
 * Stddev of a standard normal truncated to [−2, 2]. Dividing by it makes the variance after
 * truncation equal the target (Keras's constant).
 */
const TRUNCATED_STDDEV = 0.87962566103423978;

/**
 * The fans of a weight shape, as Keras computes them: rank 0 → (1, 1); rank 1 → (n, n);
 * rank 2 `[in, out]` → (in, out); rank > 2 (conv kernels `[...spatial, in, out]`) → both
 * multiplied by the receptive field size prod(spatial).
 *
 * Formula: rf = Π shape[:−2]; fanIn = shape[−2]·rf, fanOut = shape[−1]·rf.
 * @example computeFans([3, 3, 16, 32]) // { fanIn: 144, fanOut: 288 }
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  let rf = 1;
  for (const d of shape.slice(0, -2)) rf *= d;
  return { fanIn: shape[shape.length - 2]! * rf, fanOut: shape[shape.length - 1]! * rf };
}

/** Arguments of {@link VarianceScaling}; Keras's snake_case values are accepted too. */
export interface VarianceScalingArgs extends SeedArgs {
  /** Positive scale (default 1). */
  scale?: number;
  /** Which fan divides the scale (default `'fanIn'`). */
  mode?: FanMode | 'fan_in' | 'fan_out' | 'fan_avg';
  /** Distribution (default `'truncatedNormal'`). */
  distribution?: Distribution | 'truncated_normal' | 'untruncated_normal' | 'normal';
}

/**
 * Samples with a variance that adapts to the weight's fans: n = fanIn, fanOut or their mean
 * (by `mode`), s = scale / max(1, n). Keras 3 defaults: scale 1, fanIn, truncatedNormal.
 *
 * Formula: truncatedNormal: stddev = √s / 0.87962566 before truncation (so the variance after
 * is s); untruncatedNormal: stddev = √s; uniform: U[−√(3s), √(3s)].
 * @example new VarianceScaling({ scale: 0.1, mode: 'fanIn', distribution: 'uniform' }).call([2, 2])
 */
export class VarianceScaling extends RandomInitializer {
  static override readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;

  constructor(args: VarianceScalingArgs = {}) {
    const owner = (new.target as typeof VarianceScaling).className;
    super(owner, args.seed);
    const scale = checkFinite(owner, 'scale', args.scale ?? 1);
    if (scale <= 0) throw new ValueError(`${owner}: scale must be positive, got ${scale}`);
    const mode = lookup(MODES, args.mode ?? 'fanIn');
    if (mode === undefined) {
      throw new ValueError(
        `${owner}: unknown mode '${String(args.mode)}'; valid: fanIn, fanOut, fanAvg`,
      );
    }
    const distribution = lookup(DISTRIBUTIONS, args.distribution ?? 'truncatedNormal');
    if (distribution === undefined) {
      throw new ValueError(
        `${owner}: unknown distribution '${String(args.distribution)}'; valid: truncatedNormal, untruncatedNormal, uniform`,
      );
    }
    this.scale = scale;
    this.mode = mode;
    this.distribution = distribution;
  }

  call(shape: readonly number[], dtype?: DType): Tensor {
    return this.draw(shape, dtype, computeFans(shape));
  }

  /**
   * A draw whose fans are the products of the given axes (Keras's `input_axes` and
   * `output_axes`, which EinsumDense sets for kernels of any rank).
   *
   * Formula: fanIn = Π shape[inputAxes], fanOut = Π shape[outputAxes].
   * @example glorot.callWithAxes([8, 2, 4], [0], [1, 2]) // fans 8 and 8
   */
  callWithAxes(
    shape: readonly number[],
    inputAxes: readonly number[],
    outputAxes: readonly number[],
    dtype?: DType,
  ): Tensor {
    const prod = (axes: readonly number[]) => axes.reduce((p, a) => p * shape[a]!, 1);
    return this.draw(shape, dtype, { fanIn: prod(inputAxes), fanOut: prod(outputAxes) });
  }

  private draw(
    shape: readonly number[],
    dtype: DType | undefined,
    { fanIn, fanOut }: { fanIn: number; fanOut: number },
  ): Tensor {
    const dt = checkCall(this.className, shape, dtype, true);
    const n =
      this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const s = this.scale / Math.max(1, n);
    const opts = this.randomOpts(dt);
    if (this.distribution === 'truncatedNormal') {
      return truncatedNormal(shape, 0, Math.sqrt(s) / TRUNCATED_STDDEV, opts);
    }
    if (this.distribution === 'untruncatedNormal')
      return randomNormal(shape, 0, Math.sqrt(s), opts);
    const limit = Math.sqrt(3 * s);
    return randomUniform(shape, -limit, limit, opts);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      scale: this.scale,
      mode: this.mode,
      distribution: this.distribution,
    };
  }

  /** Rebuilds from `{scale, mode, distribution, seed}` (Keras's snake_case values accepted). */
  static fromConfig(config: Config): VarianceScaling {
    return new VarianceScaling(config as VarianceScalingArgs);
  }
}

/**
 * Glorot (Xavier) uniform, Keras's default kernel initializer: variance scaling with scale 1,
 * fanAvg, uniform.
 *
 * Formula: w ~ U[−limit, limit], limit = √(6 / (fanIn + fanOut)).
 * @example new GlorotUniform({ seed: 1 }).call([784, 128])
 */
export class GlorotUniform extends VarianceScaling {
  static override readonly className: string = 'GlorotUniform';

  constructor(args: SeedArgs = {}) {
    super({ scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: args.seed ?? null });
  }

  override getConfig(): Config {
    return { seed: this.seed ?? null };
  }

  /** Rebuilds from `{seed}`. */
  static override fromConfig(config: Config): GlorotUniform {
    return new GlorotUniform({ seed: config.seed as number | null | undefined });
  }
}

/**
 * Glorot (Xavier) normal: variance scaling with scale 1, fanAvg, truncated normal.
 *
 * Formula: w ~ truncated N(0, σ²) with post-truncation σ = √(2 / (fanIn + fanOut)).
 * @example new GlorotNormal({ seed: 1 }).call([784, 128])
 */
export class GlorotNormal extends VarianceScaling {
  static override readonly className: string = 'GlorotNormal';

  constructor(args: SeedArgs = {}) {
    super({ scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', seed: args.seed ?? null });
  }

  override getConfig(): Config {
    return { seed: this.seed ?? null };
  }

  /** Rebuilds from `{seed}`. */
  static override fromConfig(config: Config): GlorotNormal {
    return new GlorotNormal({ seed: config.seed as number | null | undefined });
  }
}

/**
 * He uniform (for ReLU networks): variance scaling with scale 2, fanIn, uniform.
 *
 * Formula: w ~ U[−limit, limit], limit = √(6 / fanIn).
 * @example new HeUniform({ seed: 1 }).call([3, 3, 16, 32])
 */
export class HeUniform extends VarianceScaling {
  static override readonly className: string = 'HeUniform';

  constructor(args: SeedArgs = {}) {
    super({ scale: 2, mode: 'fanIn', distribution: 'uniform', seed: args.seed ?? null });
  }

  override getConfig(): Config {
    return { seed: this.seed ?? null };
  }

  /** Rebuilds from `{seed}`. */
  static override fromConfig(config: Config): HeUniform {
    return new HeUniform({ seed: config.seed as number | null | undefined });
  }
}

/**
 * He normal (for ReLU networks): variance scaling with scale 2, fanIn, truncated normal.
 *
 * Formula: w ~ truncated N(0, σ²) with post-truncation σ = √(2 / fanIn).
 * @example new HeNormal({ seed: 1 }).call([3, 3, 16, 32])
 */
export class HeNormal extends VarianceScaling {
  static override readonly className: string = 'HeNormal';

  constructor(args: SeedArgs = {}) {
    super({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: args.seed ?? null });
  }

  override getConfig(): Config {
    return { seed: this.seed ?? null };
  }

  /** Rebuilds from `{seed}`. */
  static override fromConfig(config: Config): HeNormal {
    return new HeNormal({ seed: config.seed as number | null | undefined });
  }
}

/**
 * LeCun uniform: variance scaling with scale 1, fanIn, uniform.
 *
 * Formula: w ~ U[−limit, limit], limit = √(3 / fanIn).
 * @example new LecunUniform({ seed: 1 }).call([64, 64])
 */
export class LecunUniform extends VarianceScaling {
  static override readonly className: string = 'LecunUniform';

  constructor(args: SeedArgs = {}) {
    super({ scale: 1, mode: 'fanIn', distribution: 'uniform', seed: args.seed ?? null });
  }

  override getConfig(): Config {
    return { seed: this.seed ?? null };
  }

  /** Rebuilds from `{seed}`. */
  static override fromConfig(config: Config): LecunUniform {
    return new LecunUniform({ seed: config.seed as number | null | undefined });
  }
}

/**
 * LeCun normal (pairs with selu): variance scaling with scale 1, fanIn, truncated normal.
 *
 * Formula: w ~ truncated N(0, σ²) with post-truncation σ = √(1 / fanIn).
 * @example new LecunNormal({ seed: 1 }).call([64, 64])
 */
export class LecunNormal extends VarianceScaling {
  static override readonly className: string = 'LecunNormal';

  constructor(args: SeedArgs = {}) {
    super({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', seed: args.seed ?? null });
  }

  override getConfig(): Config {
    return { seed: this.seed ?? null };
  }

  /** Rebuilds from `{seed}`. */
  static override fromConfig(config: Config): LecunNormal {
    return new LecunNormal({ seed: config.seed as number | null | undefined });
  }
}

// ---------------------------------------------------------------- orthogonal

/** Arguments of {@link Orthogonal}. */
export interface OrthogonalArgs extends SeedArgs {
  /** Multiplies the orthogonal matrix (default 1). */
  gain?: number;
}

/**
 * A (semi-)orthogonal matrix times `gain` (Saxe et al., 2014), as Keras: the Q factor of the QR
 * decomposition of a standard normal matrix, with columns multiplied by sign(diag R) so that Q
 * is uniformly distributed. Shapes of rank > 2 are built as the matrix
 * [prod(shape[:−1]), shape[−1]] and reshaped. With more rows than columns the columns are
 * orthonormal (WᵀW = gain²·I), otherwise the rows are (WWᵀ = gain²·I).
 *
 * Formula: A ~ N(0, 1)^(max(r,c)×min(r,c)), A = QR, W = gain · (Q·diag(sign(diag R))) (transposed when r < c).
 * @example new Orthogonal({ seed: 3 }).call([6, 4]) // WᵀW ≈ I₄
 */
export class Orthogonal extends RandomInitializer {
  static override readonly className = 'Orthogonal';
  readonly gain: number;

  constructor(args: OrthogonalArgs = {}) {
    super('Orthogonal', args.seed);
    this.gain = checkFinite('Orthogonal', 'gain', args.gain ?? 1);
  }

  call(shape: readonly number[], dtype?: DType): Tensor {
    const dt = checkCall('Orthogonal', shape, dtype, true);
    if (shape.length < 2) {
      throw new ValueError(`Orthogonal: needs a shape of rank >= 2, got ${fmtShape(shape)}`);
    }
    const rows = sizeOf(shape.slice(0, -1));
    const cols = shape[shape.length - 1]!;
    if (rows === 0 || cols === 0) return zeros(shape, dt);
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    // Same draws as randomNormal(…, {seed}) would make, but kept in float64 for the QR.
    const gen = this.seed === undefined ? globalGenerator() : new Generator(this.seed);
    const a = new Float64Array(m * n);
    for (let i = 0; i < a.length; i++) a[i] = gen.normal();
    const q = orthonormalFactor(a, m, n);
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const v = this.gain * q[i * n + j]!;
        if (rows >= cols) out[i * cols + j] = v;
        else out[j * cols + i] = v;
      }
    }
    return tensor(out, shape, dt);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), gain: this.gain };
  }

  /** Rebuilds from `{gain, seed}`. */
  static fromConfig(config: Config): Orthogonal {
    return new Orthogonal(config as OrthogonalArgs);
  }
}

/**
 * Q·diag(sign(diag R)) for the reduced QR decomposition of the row-major m×n matrix `a`
 * (m ≥ n), by Householder reflections. Householder rather than Gram–Schmidt because its Q stays
 * orthogonal to rounding error however ill-conditioned `a` is. The sign correction makes R's
 * diagonal positive, which pins the factorization down uniquely, so the result does not depend
 * on the QR algorithm (it equals what Keras's LAPACK-backed `ops.qr` gives after its own
 * correction). `a` is overwritten.
 */
function orthonormalFactor(a: Float64Array, m: number, n: number): Float64Array {
  const vs: Float64Array[] = [];
  const signs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const x0 = a[k * n + k]!;
    // Reflect x onto −sign(x₀)·‖x‖·e₁, so that v = x − that never cancels.
    const alpha = x0 >= 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = a[i * n + k]!;
    v[0]! -= alpha;
    let vnorm = 0;
    for (let i = 0; i < v.length; i++) vnorm += v[i]! ** 2;
    vnorm = Math.sqrt(vnorm);
    if (vnorm > 0) {
      for (let i = 0; i < v.length; i++) v[i]! /= vnorm;
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i - k]! * a[i * n + j]!;
        for (let i = k; i < m; i++) a[i * n + j]! -= 2 * v[i - k]! * dot;
      }
    }
    vs.push(v);
    // R[k][k] is alpha (or x₀ when the column was already zero below the diagonal).
    const rkk = vnorm > 0 ? alpha : x0;
    signs[k] = rkk < 0 ? -1 : 1;
  }
  // Q = H₀H₁…Hₙ₋₁ applied to the first n columns of the identity, innermost reflection first.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * q[i * n + j]!;
      if (dot === 0) continue;
      for (let i = k; i < m; i++) q[i * n + j]! -= 2 * v[i - k]! * dot;
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) q[i * n + j]! *= signs[j];
  return q;
}

// ---------------------------------------------------------------- lookup

const CLASSES = [
  Zeros,
  Ones,
  Constant,
  Identity,
  RandomNormal,
  RandomUniform,
  TruncatedNormal,
  VarianceScaling,
  GlorotUniform,
  GlorotNormal,
  HeUniform,
  HeNormal,
  LecunUniform,
  LecunNormal,
  Orthogonal,
] as const;
for (const cls of CLASSES) registerSerializable<Initializer>('initializer', cls);
// Class names older Keras 3 releases wrote into configs.
registerSerializable<Initializer>('initializer', {
  className: 'OrthogonalInitializer',
  fromConfig: (c) => Orthogonal.fromConfig(c),
});
registerSerializable<Initializer>('initializer', {
  className: 'IdentityInitializer',
  fromConfig: (c) => Identity.fromConfig(c),
});

/** The initializer names `getInitializer` accepts (camelCase). */
export type InitializerId =
  | 'zeros'
  | 'ones'
  | 'constant'
  | 'identity'
  | 'randomNormal'
  | 'randomUniform'
  | 'truncatedNormal'
  | 'varianceScaling'
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heUniform'
  | 'heNormal'
  | 'lecunUniform'
  | 'lecunNormal'
  | 'orthogonal';

/** Keras's snake_case spellings of the names, accepted on input. */
export type InitializerAlias =
  | 'random_normal'
  | 'random_uniform'
  | 'truncated_normal'
  | 'variance_scaling'
  | 'glorot_uniform'
  | 'glorot_normal'
  | 'he_uniform'
  | 'he_normal'
  | 'lecun_uniform'
  | 'lecun_normal';

/** What `getInitializer` accepts. */
export type InitializerIdentifier =
  | InitializerId
  | InitializerAlias
  | Initializer
  | SerializedObject;

const IDS: Readonly<Record<InitializerId, () => Initializer>> = {
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  constant: () => new Constant(),
  identity: () => new Identity(),
  randomNormal: () => new RandomNormal(),
  randomUniform: () => new RandomUniform(),
  truncatedNormal: () => new TruncatedNormal(),
  varianceScaling: () => new VarianceScaling(),
  glorotUniform: () => new GlorotUniform(),
  glorotNormal: () => new GlorotNormal(),
  heUniform: () => new HeUniform(),
  heNormal: () => new HeNormal(),
  lecunUniform: () => new LecunUniform(),
  lecunNormal: () => new LecunNormal(),
  orthogonal: () => new Orthogonal(),
};

const ALIASES: Readonly<Record<string, InitializerId>> = {
  random_normal: 'randomNormal',
  random_uniform: 'randomUniform',
  truncated_normal: 'truncatedNormal',
  variance_scaling: 'varianceScaling',
  glorot_uniform: 'glorotUniform',
  glorot_normal: 'glorotNormal',
  he_uniform: 'heUniform',
  he_normal: 'heNormal',
  lecun_uniform: 'lecunUniform',
  lecun_normal: 'lecunNormal',
  // Keras's own short aliases.
  uniform: 'randomUniform',
  normal: 'randomNormal',
  one: 'ones',
  zero: 'zeros',
};

/**
 * The initializer for an identifier, as Keras's `initializers.get`: a name (camelCase, Keras
 * snake_case, or a registered class name such as `'GlorotUniform'`) builds one with default
 * arguments; an `Initializer` is returned as is; `{className, config}` is deserialized.
 *
 * Formula: none (a lookup).
 * @example
 * getInitializer('glorotUniform').call([3, 2]);
 * getInitializer({ className: 'RandomNormal', config: { stddev: 1, seed: 5 } });
 */
export function getInitializer(id: InitializerIdentifier): Initializer {
  return resolveIdentifier(
    {
      fn: 'getInitializer',
      category: 'initializer',
      what: 'an Initializer',
      isInstance: (v): v is Initializer => v instanceof Initializer,
      ids: IDS,
      aliases: ALIASES,
    },
    id,
  );
}
