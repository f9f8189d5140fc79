/**
 * Activation layers with parameters, as Keras 3's: `ReLU`, `LeakyReLU`, `Softmax`, `ELU`.
 * (For a plain activation by name, see `Activation` in `core.ts`.)
 */
import { ValueError } from '../errors.js';
import { elu, leakyRelu, softmax } from '../ops/activation.js';
import { logSumExp } from '../ops/reduce.js';
import { type Config, type ConfigValue, registerSerializable } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

function checkNumber(layer: Layer, what: string, v: unknown, allowNull = false): void {
  if (allowNull && (v === null || v === undefined)) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ValueError(
      `${layer.name} (${layer.className}): ${what} must be a finite number >= 0, got ${String(v)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// ReLU

/** Options of {@link ReLU}. */
export interface ReLUArgs extends LayerArgs {
  /** Upper bound of the output (≥ 0); default none. */
  maxValue?: number | null;
  /** Slope below the threshold (≥ 0); default 0. */
  negativeSlope?: number;
  /** Inputs at or below it are "negative" (≥ 0); default 0. */
  threshold?: number;
}

/**
 * Rectified linear unit with Keras's optional cap, leak and threshold.
 *
 * Formula: `f(x) = maxValue` for `x ≥ maxValue`; `x` for `threshold < x < maxValue`;
 * `negativeSlope · (x − threshold)` otherwise.
 *
 * Shape: any → the same shape.
 * @example
 * new ReLU({ maxValue: 10, negativeSlope: 0.5 }).apply(tensor([-10, -5, 0, 5, 10])); // [-5, -2.5, 0, 5, 10]
 */
export class ReLU extends Layer {
  static override readonly className = 'ReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;

  constructor(args: ReLUArgs = {}) {
    super(args);
    checkNumber(this, 'maxValue', args.maxValue, true);
    checkNumber(this, 'negativeSlope', args.negativeSlope ?? 0);
    checkNumber(this, 'threshold', args.threshold ?? 0);
    this.maxValue = args.maxValue ?? null;
    this.negativeSlope = args.negativeSlope ?? 0;
    this.threshold = args.threshold ?? 0;
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const { maxValue, negativeSlope: slope, threshold } = this;
    // The same composition as keras.activations.relu.
    if (slope !== 0 && maxValue === null && threshold === 0) return leakyRelu(x, slope);
    let y = threshold !== 0 ? x.mul(x.greater(threshold).cast(x.dtype)) : x.relu();
    if (maxValue !== null) y = y.clip(0, maxValue);
    if (slope !== 0) y = y.sub(x.neg().add(threshold).relu().mul(slope));
    return y;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      maxValue: this.maxValue,
      negativeSlope: this.negativeSlope,
      threshold: this.threshold,
    };
  }
}

registerSerializable('layer', ReLU);

// ---------------------------------------------------------------------------------------------
// LeakyReLU

/** Options of {@link LeakyReLU}. */
export interface LeakyReLUArgs extends LayerArgs {
  /** Slope for negative inputs (≥ 0); default 0.3, Keras 3's layer default. */
  negativeSlope?: number;
  /** @deprecated Keras 2's name of `negativeSlope`; when given, it wins, as in Keras 3. */
  alpha?: number;
}

/**
 * Leaky rectified linear unit.
 *
 * Formula: `f(x) = x` for `x ≥ 0`, `negativeSlope · x` otherwise.
 *
 * Shape: any → the same shape.
 * @example
 * new LeakyReLU().apply(tensor([-1, 2])); // [-0.3, 2]
 */
export class LeakyReLU extends Layer {
  static override readonly className = 'LeakyReLU';
  readonly negativeSlope: number;

  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    const slope = args.alpha ?? args.negativeSlope ?? 0.3;
    checkNumber(this, 'negativeSlope', slope);
    this.negativeSlope = slope;
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return leakyRelu(single(inputs, this), this.negativeSlope);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), negativeSlope: this.negativeSlope };
  }
}

registerSerializable('layer', LeakyReLU);

// ---------------------------------------------------------------------------------------------
// Softmax

/** Options of {@link Softmax}. */
export interface SoftmaxArgs extends LayerArgs {
  /** Axis, or axes, normalised over (default -1). */
  axis?: number | readonly number[];
}

/**
 * Softmax over an axis (or several). With a mask (1 keep, 0 drop, broadcast against the
 * input), masked positions get −1e9 added before normalising, as Keras's layer does.
 *
 * Formula: `f(x)ᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x)` over `axis`.
 *
 * Shape: any → the same shape.
 * @example
 * new Softmax().apply(tensor([[1, 2, 1]])); // [[0.2119, 0.5761, 0.2119]]
 */
export class Softmax extends Layer {
  static override readonly className = 'Softmax';
  readonly axis: number | readonly number[];

  constructor(args: SoftmaxArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    const list = typeof axis === 'number' ? [axis] : axis;
    if (!Array.isArray(list) || list.length === 0 || list.some((a) => !Number.isInteger(a))) {
      throw new ValueError(
        `${this.name} (Softmax): axis must be an integer or a non-empty list of integers, got ${JSON.stringify(axis)}`,
      );
    }
    this.axis = typeof axis === 'number' ? axis : [...axis];
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    let x = single(inputs, this);
    const mask = opts.mask;
    if (mask && !Array.isArray(mask)) {
      x = x.add(mask.cast(x.dtype).neg().add(1).mul(-1e9));
    }
    const axis = this.axis;
    if (typeof axis === 'number') return softmax(x, axis);
    if (axis.length === 1) return softmax(x, axis[0]);
    return x.sub(logSumExp(x, [...axis], true)).exp();
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      axis: (typeof this.axis === 'number' ? this.axis : [...this.axis]) as ConfigValue,
    };
  }
}

registerSerializable('layer', Softmax);

// ---------------------------------------------------------------------------------------------
// ELU

/** Options of {@link ELU}. */
export interface ELUArgs extends LayerArgs {
  /** Scale of the negative part (default 1). */
  alpha?: number;
}

/**
 * Exponential linear unit.
 *
 * Formula: `f(x) = x` for `x > 0`, `alpha · (eˣ − 1)` otherwise.
 *
 * Shape: any → the same shape.
 * @example
 * new ELU().apply(tensor([-1, 2])); // [-0.6321, 2]
 */
export class ELU extends Layer {
  static override readonly className = 'ELU';
  readonly alpha: number;

  constructor(args: ELUArgs = {}) {
    super(args);
    const alpha = args.alpha ?? 1;
    if (typeof alpha !== 'number' || !Number.isFinite(alpha)) {
      throw new ValueError(
        `${this.name} (ELU): alpha must be a finite number, got ${String(alpha)}`,
      );
    }
    this.alpha = alpha;
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return elu(single(inputs, this), this.alpha);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

registerSerializable('layer', ELU);
