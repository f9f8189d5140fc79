/**
 * Core layers without weights, as Keras 3's: `Activation`, `Flatten`, `Reshape`, `Permute`,
 * `RepeatVector` and `Dropout`.
 */
import {
  type ActivationFn,
  type ActivationIdentifier,
  getActivation,
  serializeActivation,
} from '../activations.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { Generator, globalGenerator, hostDraw } from '../ops/random.js';
import { type Config, type ConfigValue, registerSerializable } from '../serialization.js';
import { allocArray, isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from './layer.js';
import { type SymbolicShape, fmtShapeNull } from './symbolic.js';

// ---------------------------------------------------------------------------------------------
// Activation

/** Options of {@link Activation}. */
export interface ActivationArgs extends LayerArgs {
  /** The activation: a name (`'relu'`, `'softmax'`…), a registered name, or a function. */
  activation: ActivationIdentifier;
}

/**
 * Applies an activation function to its input.
 *
 * Formula: `y = activation(x)`.
 *
 * Shape: any → the same shape.
 * @example
 * new Activation({ activation: 'relu' }).apply(tensor([[-1, 2]])); // [[0, 2]]
 */
export class Activation extends Layer {
  static override readonly className = 'Activation';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { activation: 'linear' };
  readonly activation: ActivationFn;

  constructor(args: ActivationArgs) {
    super(args);
    if (!args || !('activation' in args)) {
      throw new ValueError(`${this.name} (Activation): the 'activation' option is required`);
    }
    this.activation = getActivation(args.activation);
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return this.activation(single(inputs, this));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), activation: serializeActivation(this.activation) };
  }
}

registerSerializable('layer', Activation);

// ---------------------------------------------------------------------------------------------
// Flatten

/** Options of {@link Flatten}. */
export interface FlattenArgs extends LayerArgs {
  /**
   * Ordering of the input's axes. Only `'channelsLast'` (the default; Keras's
   * `'channels_last'` is accepted too) is supported: the values are flattened in their stored
   * order.
   */
  dataFormat?: 'channelsLast' | 'channels_last';
}

/**
 * Flattens every axis but the batch axis.
 *
 * Formula: `y[b, i] = x[b, …]` in row-major order, `i` running over the non-batch elements.
 *
 * Shape: `[batch, d1, …, dn]` → `[batch, d1·…·dn]`; a rank-1 input `[batch]` gives
 * `[batch, 1]`, as Keras.
 * @example
 * new Flatten().apply(zeros([2, 3, 4])).shape; // [2, 12]
 */
export class Flatten extends Layer {
  static override readonly className = 'Flatten';
  readonly dataFormat = 'channelsLast' as const;

  constructor(args: FlattenArgs = {}) {
    super(args);
    const df = args.dataFormat ?? 'channelsLast';
    if (df !== 'channelsLast' && df !== 'channels_last') {
      throw new ValueError(
        `${this.name} (Flatten): dataFormat must be 'channelsLast' (the only layout Tessera supports), got ${JSON.stringify(df)}`,
      );
    }
    this.inputSpec = { minNdim: 1 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const rest = x.shape.slice(1).reduce((a, b) => a * b, 1);
    return x.reshape([x.shape[0]!, rest]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    const rest = s.slice(1);
    const flat = rest.some((d) => d === null)
      ? null
      : (rest as number[]).reduce((a, b) => a * b, 1);
    return [s[0] ?? null, flat];
  }

  override getConfig(): Config {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }
}

registerSerializable('layer', Flatten);

// ---------------------------------------------------------------------------------------------
// Reshape

/** Options of {@link Reshape}. */
export interface ReshapeArgs extends LayerArgs {
  /**
   * Shape of one output sample, without the batch axis. One entry may be `-1`: it is inferred
   * from the number of values per sample.
   */
  targetShape: readonly number[];
}

/**
 * Reshapes each sample to `targetShape`, keeping the batch axis.
 *
 * Formula: `y[b] = reshape(x[b], targetShape)` (row-major order is kept).
 *
 * Shape: `[batch, ...s]` → `[batch, ...targetShape]`, where `-1` is inferred and the number
 * of values per sample must not change.
 * @example
 * new Reshape({ targetShape: [3, -1] }).apply(zeros([2, 12])).shape; // [2, 3, 4]
 */
export class Reshape extends Layer {
  static override readonly className = 'Reshape';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { targetShape: [1] };
  readonly targetShape: readonly number[];

  constructor(args: ReshapeArgs) {
    super(args);
    const t = args?.targetShape;
    if (!Array.isArray(t)) {
      throw new ValueError(
        `${this.name} (Reshape): targetShape must be an array of integers, got ${JSON.stringify(t)}`,
      );
    }
    if (t.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1))) {
      throw new ValueError(
        `${this.name} (Reshape): targetShape entries must be positive integers or -1, got ${fmtShape(t)}`,
      );
    }
    if (t.filter((d) => d === -1).length > 1) {
      throw new ValueError(
        `${this.name} (Reshape): targetShape may contain at most one -1, got ${fmtShape(t)}`,
      );
    }
    this.targetShape = [...t];
  }

  /** The output shape for an input shape; throws naming both shapes when sizes disagree. */
  private resolve(shape: SymbolicShape): SymbolicShape {
    const rest = shape.slice(1);
    const target = this.targetShape;
    const fail = (detail: string): never => {
      throw new ShapeError(
        `${this.name} (Reshape): cannot reshape input of shape ${fmtShapeNull(shape)} into target shape ${fmtShape(target)} (batch axis kept): ${detail}`,
      );
    };
    const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const free = target.indexOf(-1);
    if (rest.some((d) => d === null)) {
      return [shape[0] ?? null, ...target.map((d) => (d === -1 ? null : d))];
    }
    const size = (rest as number[]).reduce((a, b) => a * b, 1);
    if (free < 0) {
      if (size !== known) fail(`${size} values per sample, the target holds ${known}`);
      return [shape[0] ?? null, ...target];
    }
    if (size % known !== 0) fail(`${size} values per sample are not a multiple of ${known}`);
    return [shape[0] ?? null, ...target.map((d) => (d === -1 ? size / known : d))];
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const out = this.resolve(x.shape);
    return x.reshape([x.shape[0]!, ...(out.slice(1) as number[])]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.resolve(singleShape(inputShape, this));
  }

  override getConfig(): Config {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}

registerSerializable('layer', Reshape);

// ---------------------------------------------------------------------------------------------
// Permute

/** Options of {@link Permute}. */
export interface PermuteArgs extends LayerArgs {
  /**
   * The permutation of the non-batch axes, 1-based as in Keras: `[2, 1]` swaps the two axes of
   * each sample. Must hold each of `1..dims.length` once.
   */
  dims: readonly number[];
}

/**
 * Permutes the non-batch axes of its input.
 *
 * Formula: `y = transpose(x, [0, ...dims])`.
 *
 * Shape: `[batch, d1, …, dn]` → `[batch, d_dims[0], …, d_dims[n-1]]`.
 * @example
 * new Permute({ dims: [2, 1] }).apply(zeros([4, 10, 64])).shape; // [4, 64, 10]
 */
export class Permute extends Layer {
  static override readonly className = 'Permute';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { dims: [1] };
  readonly dims: readonly number[];

  constructor(args: PermuteArgs) {
    super(args);
    const dims = args?.dims;
    const ok =
      Array.isArray(dims) &&
      dims.every((d) => Number.isInteger(d)) &&
      [...dims].sort((a, b) => a - b).every((d, i) => d === i + 1);
    if (!ok || dims.length === 0) {
      throw new ValueError(
        `${this.name} (Permute): dims must hold each of 1..n exactly once (1-based, batch axis excluded), got ${JSON.stringify(dims)}`,
      );
    }
    this.dims = [...dims];
    this.inputSpec = { ndim: dims.length + 1 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return single(inputs, this).transpose([0, ...this.dims]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    return [s[0] ?? null, ...this.dims.map((d) => s[d] ?? null)];
  }

  override getConfig(): Config {
    return { ...super.getConfig(), dims: [...this.dims] };
  }
}

registerSerializable('layer', Permute);

// ---------------------------------------------------------------------------------------------
// RepeatVector

/** Options of {@link RepeatVector}. */
export interface RepeatVectorArgs extends LayerArgs {
  /** How many times to repeat each sample's vector (a positive integer). */
  n: number;
}

/**
 * Repeats each sample's feature vector `n` times along a new axis 1.
 *
 * Formula: `y[b, i, f] = x[b, f]` for `i < n`.
 *
 * Shape: `[batch, features]` → `[batch, n, features]`.
 * @example
 * new RepeatVector({ n: 3 }).apply(zeros([2, 32])).shape; // [2, 3, 32]
 */
export class RepeatVector extends Layer {
  static override readonly className = 'RepeatVector';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { n: 1 };
  readonly n: number;

  constructor(args: RepeatVectorArgs) {
    super(args);
    if (!args || !Number.isInteger(args.n) || args.n < 1) {
      throw new ValueError(
        `${this.name} (RepeatVector): n must be a positive integer, got ${args?.n}`,
      );
    }
    this.n = args.n;
    this.inputSpec = { ndim: 2 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    return x.expandDims(1).broadcastTo([x.shape[0]!, this.n, x.shape[1]!]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    return [s[0] ?? null, this.n, s[1] ?? null];
  }

  override getConfig(): Config {
    return { ...super.getConfig(), n: this.n };
  }
}

registerSerializable('layer', RepeatVector);

// ---------------------------------------------------------------------------------------------
// Dropout

/** Options of {@link Dropout}. */
export interface DropoutArgs extends LayerArgs {
  /** Fraction of the input units to drop, in [0, 1). */
  rate: number;
  /**
   * Shape of the binary mask, broadcast against the input: e.g. `[null, 1, null]` drops the
   * same features at every timestep. `null` entries take the input's size. Default: the
   * input's shape.
   */
  noiseShape?: readonly (number | null)[] | null;
  /**
   * Seed of a private generator, so that this layer's masks repeat from construction
   * whatever else draws random numbers. Default: the global generator (see `setSeed`).
   */
  seed?: number | null;
}

/**
 * Randomly sets a fraction `rate` of its inputs to 0 during training, scaling the others by
 * `1 / (1 − rate)` so that the expected sum is unchanged ("inverted" dropout). At inference
 * (`training` not true) it is the identity.
 *
 * Formula: `y = x · m / (1 − rate)` with `m ~ Bernoulli(1 − rate)` of shape `noiseShape`.
 *
 * Shape: any → the same shape.
 * @example
 * const d = new Dropout({ rate: 0.5 });
 * d.apply(ones([2, 4]), { training: true }); // about half 0s, the others 2
 */
export class Dropout extends Layer {
  static override readonly className = 'Dropout';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { rate: 0 };
  readonly rate: number;
  readonly noiseShape: readonly (number | null)[] | null;
  readonly seed: number | null;
  private readonly generator: Generator | null;

  constructor(args: DropoutArgs) {
    super(args);
    const rate = args?.rate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new ValueError(`${this.name} (Dropout): rate must be a number in [0, 1), got ${rate}`);
    }
    const ns = args.noiseShape ?? null;
    if (
      ns !== null &&
      (!Array.isArray(ns) || ns.some((d) => d !== null && (!Number.isInteger(d) || d < 1)))
    ) {
      throw new ValueError(
        `${this.name} (Dropout): noiseShape must be an array of positive integers or nulls, got ${JSON.stringify(ns)}`,
      );
    }
    const seed = args.seed ?? null;
    if (seed !== null && !Number.isFinite(seed)) {
      throw new ValueError(`${this.name} (Dropout): seed must be a finite number, got ${seed}`);
    }
    this.rate = rate;
    this.noiseShape = ns ? [...ns] : null;
    this.seed = seed;
    this.generator = seed === null ? null : new Generator(seed);
    this.supportsMasking = true;
  }

  /** The concrete mask shape for an input shape, checked to broadcast against it. */
  private maskShape(shape: readonly number[]): number[] {
    if (!this.noiseShape) return [...shape];
    const ns = this.noiseShape;
    const out = ns.map((d, i) => (d === null ? shape[i]! : d));
    if (ns.length !== shape.length || out.some((d, i) => d !== 1 && d !== shape[i])) {
      throw new ShapeError(
        `${this.name} (Dropout): noiseShape ${fmtShapeNull(ns)} does not broadcast against the input shape ${fmtShape(shape)}`,
      );
    }
    return out;
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = single(inputs, this);
    if (opts.training !== true || this.rate === 0) return x;
    const shape = this.maskShape(x.shape);
    const dtype = isFloat(x.dtype) ? x.dtype : 'float32';
    const g = this.generator ?? globalGenerator();
    const n = shape.reduce((a, b) => a * b, 1);
    const rate = this.rate;
    // hostDraw: a compiled step redraws this mask on every replay instead of freezing it.
    const keep = hostDraw(allocArray(dtype, n), (o) => {
      for (let i = 0; i < o.length; i++) o[i] = g.uniform() >= rate ? 1 : 0;
    });
    const mask = tensor(keep, shape, dtype);
    return x.div(1 - this.rate).mul(mask);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      rate: this.rate,
      noiseShape: this.noiseShape ? ([...this.noiseShape] as ConfigValue) : null,
      seed: this.seed,
    };
  }
}

registerSerializable('layer', Dropout);
