/**
 * More layers of Keras 3's activation, core and regularization families: `PReLU` (a learned
 * leak), `Identity`, `AlphaDropout` (dropout for self-normalizing networks) and
 * `ActivityRegularization` (an L1/L2 penalty on the activations, added to the loss).
 */
import { type ConstraintIdentifier, getConstraint } from '../constraints.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { type InitializerIdentifier, getInitializer } from '../initializers.js';
import { scalar, tensor } from '../ops/creation.js';
import { Generator, globalGenerator, hostDraw } from '../ops/random.js';
import { type RegularizerIdentifier, getRegularizer } from '../regularizers.js';
import { type Config, type ConfigValue, registerSerializable } from '../serialization.js';
import { allocArray, isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { serializeOpt } from './config_util.js';
import {
  type CallOptions,
  Layer,
  type LayerArgs,
  type LayerVariable,
  single,
  singleShape,
} from './layer.js';
import { type SymbolicShape, fmtShapeNull } from './symbolic.js';

// ---------------------------------------------------------------------------------------------
// PReLU

/** Options of {@link PReLU}. */
export interface PReLUArgs extends LayerArgs {
  /** Initializer of the slopes `alpha` (default zeros: a ReLU at the start). */
  alphaInitializer?: InitializerIdentifier;
  /** Regularizer of `alpha`. */
  alphaRegularizer?: RegularizerIdentifier | null;
  /** Constraint on `alpha`, applied after each optimizer step. */
  alphaConstraint?: ConstraintIdentifier | null;
  /**
   * Axes (≥ 1; the batch axis is 0) along which one slope is shared, e.g. `[1, 2]` for one
   * slope per channel of `[batch, height, width, channels]` maps (default none: one slope per
   * input entry).
   */
  sharedAxes?: number | readonly number[] | null;
}

/**
 * Parametric rectified linear unit (He et al., 2015), as Keras 3's layer: a leaky ReLU whose
 * negative slopes `alpha` are learned, one per input entry (batch axis excluded) or shared
 * along `sharedAxes`.
 *
 * Formula: `f(x) = x` for `x ≥ 0`, `alpha · x` otherwise; computed as Keras does,
 * `relu(x) − alpha · relu(−x)`.
 *
 * Shape: `[batch, ...dims]` → the same shape; `alpha` is `dims` with each shared axis set to 1.
 * @example
 * new PReLU({ alphaInitializer: { className: 'Constant', config: { value: 0.25 } } })
 *   .apply(tensor([[-2, 3]])); // [[-0.5, 3]]
 */
export class PReLU extends Layer {
  static override readonly className = 'PReLU';
  readonly sharedAxes: readonly number[] | null;
  private readonly args: PReLUArgs;
  alpha: LayerVariable | null = null;

  constructor(args: PReLUArgs = {}) {
    super(args);
    this.args = args;
    const s = args.sharedAxes ?? null;
    const list = s === null ? null : typeof s === 'number' ? [s] : s;
    if (
      list !== null &&
      (!Array.isArray(list) || !list.every((a) => Number.isInteger(a) && a >= 1))
    ) {
      throw new ValueError(
        `${this.name} (PReLU): sharedAxes must be an integer >= 1 or a list of them (axis 0 is the batch), got ${JSON.stringify(s)}`,
      );
    }
    this.sharedAxes = list === null ? null : [...list];
    this.supportsMasking = true;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const shared = this.sharedAxes ?? [];
    const bad = shared.find((a) => a >= shape.length);
    if (bad !== undefined) {
      throw new ShapeError(
        `${this.name} (PReLU): shared axis ${bad} is out of range for input shape ${fmtShapeNull(shape)} (axes 1 to ${shape.length - 1})`,
      );
    }
    const pshape: number[] = [];
    const axes: Record<number, number> = {};
    for (let i = 1; i < shape.length; i++) {
      if (shared.includes(i)) {
        pshape.push(1);
        continue;
      }
      const d = shape[i];
      if (d === null || d === undefined) {
        throw new ValueError(
          `${this.name} (PReLU): axis ${i} of the input must be known (or listed in sharedAxes), got shape ${fmtShapeNull(shape)}`,
        );
      }
      pshape.push(d);
      axes[i] = d;
    }
    const a = this.args;
    this.alpha = this.addWeight({
      name: 'alpha',
      shape: pshape,
      initializer: a.alphaInitializer ?? 'zeros',
      regularizer: a.alphaRegularizer,
      constraint: a.alphaConstraint,
    });
    this.inputSpec = { ndim: shape.length, axes };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    let x = single(inputs, this);
    if (x.dtype !== this.dtype) x = x.cast(this.dtype);
    return x.relu().sub(this.alpha!.mul(x.neg().relu()));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      alphaInitializer: serializeOpt(getInitializer(a.alphaInitializer ?? 'zeros')),
      alphaRegularizer: serializeOpt(
        a.alphaRegularizer ? getRegularizer(a.alphaRegularizer) : null,
      ),
      alphaConstraint: serializeOpt(a.alphaConstraint ? getConstraint(a.alphaConstraint) : null),
      sharedAxes: this.sharedAxes ? ([...this.sharedAxes] as ConfigValue) : null,
    };
  }
}

registerSerializable('layer', PReLU);

// ---------------------------------------------------------------------------------------------
// Identity

/**
 * Returns its input unchanged (a placeholder, as Keras 3's layer). A mask passes through.
 *
 * Formula: `y = x`.
 *
 * Shape: any → the same shape.
 * @example
 * new Identity().apply(tensor([1, 2])); // [1, 2]
 */
export class Identity extends Layer {
  static override readonly className = 'Identity';

  constructor(args: LayerArgs = {}) {
    super(args);
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return single(inputs, this);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }
}

registerSerializable('layer', Identity);

// ---------------------------------------------------------------------------------------------
// AlphaDropout

/** SELU's constants, as Keras's layer spells them. */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Options of {@link AlphaDropout}. */
export interface AlphaDropoutArgs extends LayerArgs {
  /** Fraction of the entries to drop, in [0, 1). */
  rate: number;
  /**
   * Shape of the keep/drop mask, broadcast against the input; `null` entries take the input's
   * size (e.g. `[null, 1, null]` drops the same features at every timestep). Default: the
   * input's shape.
   */
  noiseShape?: readonly (number | null)[] | null;
  /**
   * Seed of a private generator, so that this layer's masks repeat from construction whatever
   * else draws random numbers. Default: the global generator (see `setSeed`).
   */
  seed?: number | null;
}

/**
 * Alpha dropout (Klambauer et al., 2017), as Keras 3's layer: in training mode, dropped
 * entries are set to SELU's negative saturation value `α' = −λα`, then an affine map restores
 * the input's mean and variance (for inputs of mean 0 and variance 1), which keeps a SELU
 * network self-normalizing. At inference (`training` not true) it is the identity.
 *
 * Formula: `y = a · (x · m + α' · (1 − m)) + b`, `m ~ Bernoulli(1 − rate)` of shape
 * `noiseShape`, `a = ((1 − rate)(1 + rate · α'²))^(−1/2)`, `b = −a · α' · rate`.
 *
 * Shape: any → the same shape.
 * @example
 * new AlphaDropout({ rate: 0.1 }).apply(randomNormal([64, 16]), { training: true });
 */
export class AlphaDropout extends Layer {
  static override readonly className = 'AlphaDropout';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { rate: 0 };
  readonly rate: number;
  readonly noiseShape: readonly (number | null)[] | null;
  readonly seed: number | null;
  private readonly generator: Generator | null;

  constructor(args: AlphaDropoutArgs) {
    super(args);
    const rate = args?.rate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new ValueError(
        `${this.name} (AlphaDropout): rate must be a number in [0, 1), got ${JSON.stringify(rate)}`,
      );
    }
    const ns = args.noiseShape ?? null;
    if (
      ns !== null &&
      (!Array.isArray(ns) || ns.some((d) => d !== null && (!Number.isInteger(d) || d < 1)))
    ) {
      throw new ValueError(
        `${this.name} (AlphaDropout): noiseShape must be an array of positive integers or nulls, got ${JSON.stringify(ns)}`,
      );
    }
    const seed = args.seed ?? null;
    if (seed !== null && !Number.isFinite(seed)) {
      throw new ValueError(
        `${this.name} (AlphaDropout): seed must be a finite number, got ${JSON.stringify(seed)}`,
      );
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
        `${this.name} (AlphaDropout): noiseShape ${fmtShapeNull(ns)} does not broadcast against the input shape ${fmtShape(shape)}`,
      );
    }
    return out;
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = single(inputs, this);
    if (opts.training !== true || this.rate === 0) return x;
    const shape = this.maskShape(x.shape);
    const dtype = isFloat(x.dtype) ? x.dtype : 'float32';
    const gen = this.generator;
    const n = shape.reduce((p, d) => p * d, 1);
    const rate = this.rate;
    // hostDraw: a compiled step redraws this mask on every replay instead of freezing it.
    const keep = hostDraw(allocArray(dtype, n), (o) => {
      const g = gen ?? globalGenerator();
      for (let i = 0; i < o.length; i++) o[i] = g.uniform() >= rate ? 1 : 0;
    });
    const m = tensor(keep, shape, dtype);
    const alphaP = -SELU_ALPHA * SELU_SCALE;
    const a = ((1 - rate) * (1 + rate * alphaP * alphaP)) ** -0.5;
    const b = -a * alphaP * rate;
    const xd = x.cast(dtype);
    // a·(x·m + α'·(1 − m)) + b = a·m·(x − α') + (a·α' + b)
    return xd
      .sub(alphaP)
      .mul(m)
      .mul(a)
      .add(a * alphaP + b);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      rate: this.rate,
      seed: this.seed,
      noiseShape: this.noiseShape ? ([...this.noiseShape] as ConfigValue) : null,
    };
  }
}

registerSerializable('layer', AlphaDropout);

// ---------------------------------------------------------------------------------------------
// ActivityRegularization

/** Options of {@link ActivityRegularization}. */
export interface ActivityRegularizationArgs extends LayerArgs {
  /** L1 factor (≥ 0, default 0). */
  l1?: number;
  /** L2 factor (≥ 0, default 0). */
  l2?: number;
}

/**
 * Returns its input unchanged and adds an L1/L2 penalty on it to the layer's losses (hence to
 * the training objective), divided by the batch size as Keras 3 does for activity
 * regularizers.
 *
 * Formula: `y = x`; loss `(l1 · Σ|x| + l2 · Σx²) / batchSize` (a scalar input: not divided).
 *
 * Shape: any → the same shape.
 * @example
 * const r = new ActivityRegularization({ l1: 0.01 });
 * r.apply(tensor([[1, -2], [3, 0]])); r.losses; // [0.03] (0.01 · 6 / 2)
 */
export class ActivityRegularization extends Layer {
  static override readonly className = 'ActivityRegularization';
  readonly l1: number;
  readonly l2: number;

  constructor(args: ActivityRegularizationArgs = {}) {
    super(args);
    const check = (what: string, v: unknown): number => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new ValueError(
          `${this.name} (ActivityRegularization): ${what} must be a finite number >= 0, got ${JSON.stringify(v)}`,
        );
      }
      return v;
    };
    this.l1 = check('l1', args.l1 ?? 0);
    this.l2 = check('l2', args.l2 ?? 0);
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const dtype = isFloat(x.dtype) ? x.dtype : this.dtype;
    const xf = x.cast(dtype);
    let loss: Tensor | null = null;
    if (this.l1 !== 0) loss = xf.abs().sum().mul(this.l1);
    if (this.l2 !== 0) {
      const t = xf.square().sum().mul(this.l2);
      loss = loss ? loss.add(t) : t;
    }
    if (loss === null) loss = scalar(0, dtype);
    else if (x.rank > 0) {
      const n = x.shape[0]!;
      loss = n === 0 ? scalar(0, dtype) : loss.div(n);
    }
    this.addLoss(loss);
    return x;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), l1: this.l1, l2: this.l2 };
  }
}

registerSerializable('layer', ActivityRegularization);
