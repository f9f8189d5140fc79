/**
 * Normalization layers, as Keras 3's: `BatchNormalization` (batch statistics in training,
 * moving statistics at inference) and `LayerNormalization` (per-sample statistics).
 */
import { noGrad } from '../autograd/tape.js';
import { type ConstraintIdentifier, getConstraint } from '../constraints.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { type InitializerIdentifier, getInitializer } from '../initializers.js';
import { batchNormalization, layerNormalization, moments } from '../ops/normalization.js';
import { type RegularizerIdentifier, getRegularizer } from '../regularizers.js';
import { type Config, type ConfigValue, registerSerializable } from '../serialization.js';
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

/** Keras's `backend.epsilon()`, guarding the masked statistics against an all-masked batch. */
const FUZZ = 1e-7;

const regOpt = (r: RegularizerIdentifier | null | undefined) =>
  serializeOpt(r ? getRegularizer(r) : null);
const conOpt = (c: ConstraintIdentifier | null | undefined) =>
  serializeOpt(c ? getConstraint(c) : null);

// ---------------------------------------------------------------------------------------------
// BatchNormalization

/** Options of {@link BatchNormalization}. */
export interface BatchNormalizationArgs extends LayerArgs {
  /** The features (channels) axis, normalized per entry (default -1: the last axis). */
  axis?: number;
  /** Momentum of the moving mean and variance (default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Whether to add the learned offset `beta` (default true). */
  center?: boolean;
  /** Whether to multiply by the learned scale `gamma` (default true). */
  scale?: boolean;
  /** Initializer of `beta` (default zeros). */
  betaInitializer?: InitializerIdentifier;
  /** Initializer of `gamma` (default ones). */
  gammaInitializer?: InitializerIdentifier;
  /** Initializer of the moving mean (default zeros). */
  movingMeanInitializer?: InitializerIdentifier;
  /** Initializer of the moving variance (default ones). */
  movingVarianceInitializer?: InitializerIdentifier;
  /** Regularizer of `beta`. */
  betaRegularizer?: RegularizerIdentifier | null;
  /** Regularizer of `gamma`. */
  gammaRegularizer?: RegularizerIdentifier | null;
  /** Constraint on `beta`, applied after each optimizer step. */
  betaConstraint?: ConstraintIdentifier | null;
  /** Constraint on `gamma`, applied after each optimizer step. */
  gammaConstraint?: ConstraintIdentifier | null;
  /**
   * Keras's cross-replica statistics. Tessera trains on one device, so it has no effect; it is
   * kept in the config (default false).
   */
  synchronized?: boolean;
}

function checkNumber(
  layer: Layer,
  name: string,
  v: unknown,
  ok: (x: number) => boolean,
  want: string,
): number {
  if (typeof v !== 'number' || !ok(v)) {
    throw new ValueError(
      `${layer.name} (${layer.className}): ${name} must be ${want}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/**
 * Normalizes its input per feature (channel) along `axis`, as Keras 3's layer.
 *
 * Formula: `y = γ · (x − μ) / √(σ² + epsilon) + β`. In training mode (`training: true`, layer
 * trainable) `μ` and `σ²` are the mean and biased variance of the batch over every axis but
 * `axis` (with a mask: over the unmasked timesteps only), the gradient flows through them, and
 * the moving statistics are updated, outside the gradient, as
 * `moving = moving · momentum + batch · (1 − momentum)` (the biased batch variance, as Keras 3).
 * Otherwise (inference, or `trainable = false`) `μ` and `σ²` are the moving mean and variance.
 *
 * Freezing: as Keras 3, setting `trainable = false` runs the layer in inference mode even when
 * called with `training: true`, and its `gamma`/`beta` are not trained.
 *
 * Shape: any rank ≥ 1 → the same shape; `gamma`, `beta`, `movingMean`, `movingVariance` are
 * `[inputShape[axis]]`. A mask, if given, has the input's shape without the last axis.
 * @example
 * const bn = new BatchNormalization();
 * bn.apply(tensor([[1, 2], [3, 6]]), { training: true }); // ≈ [[-1, -1], [1, 1]]
 */
export class BatchNormalization extends Layer {
  static override readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly synchronized: boolean;
  private readonly args: BatchNormalizationArgs;
  gamma: LayerVariable | null = null;
  beta: LayerVariable | null = null;
  movingMean: LayerVariable | null = null;
  movingVariance: LayerVariable | null = null;
  /** The axis resolved against the built input rank. */
  private posAxis = -1;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    this.args = args;
    this.axis = checkNumber(this, 'axis', args.axis ?? -1, Number.isInteger, 'an integer');
    this.momentum = checkNumber(
      this,
      'momentum',
      args.momentum ?? 0.99,
      Number.isFinite,
      'a finite number',
    );
    this.epsilon = checkNumber(
      this,
      'epsilon',
      args.epsilon ?? 1e-3,
      (e) => Number.isFinite(e) && e >= 0,
      'a finite number >= 0',
    );
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.synchronized = args.synchronized ?? false;
    this.supportsMasking = true;
  }

  private resolveAxis(shape: SymbolicShape): number {
    const r = shape.length;
    if (this.axis < -r || this.axis >= r) {
      throw new ShapeError(
        `${this.name} (BatchNormalization): axis ${this.axis} is out of range for input shape ${fmtShapeNull(shape)}`,
      );
    }
    return this.axis < 0 ? this.axis + r : this.axis;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const ax = this.resolveAxis(shape);
    const c = shape[ax];
    if (c === null || c === undefined) {
      throw new ValueError(
        `${this.name} (BatchNormalization): axis ${this.axis} of the input must be known, got shape ${fmtShapeNull(shape)}`,
      );
    }
    const a = this.args;
    if (this.scale) {
      this.gamma = this.addWeight({
        name: 'gamma',
        shape: [c],
        initializer: a.gammaInitializer ?? 'ones',
        regularizer: a.gammaRegularizer,
        constraint: a.gammaConstraint,
      });
    }
    if (this.center) {
      this.beta = this.addWeight({
        name: 'beta',
        shape: [c],
        initializer: a.betaInitializer ?? 'zeros',
        regularizer: a.betaRegularizer,
        constraint: a.betaConstraint,
      });
    }
    this.movingMean = this.addWeight({
      name: 'moving_mean',
      shape: [c],
      initializer: a.movingMeanInitializer ?? 'zeros',
      trainable: false,
    });
    this.movingVariance = this.addWeight({
      name: 'moving_variance',
      shape: [c],
      initializer: a.movingVarianceInitializer ?? 'ones',
      trainable: false,
    });
    this.posAxis = ax;
    this.inputSpec = { ndim: shape.length, axes: { [this.axis]: c } };
  }

  /** Batch mean and biased variance, `[channels]`; with a mask, over unmasked steps (Keras). */
  private batchMoments(x: Tensor, mask: Tensor | null): [Tensor, Tensor] {
    const c = x.shape[this.posAxis]!;
    const axes = x.shape.map((_, i) => i).filter((i) => i !== this.posAxis);
    if (!mask) {
      const [m, v] = moments(x, axes, false);
      return [m.reshape([c]), v.reshape([c])];
    }
    const w = mask.cast(x.dtype).expandDims(-1);
    const wx = w.mul(x);
    const count = w.sum(axes, true).add(FUZZ);
    const m = wx.sum(axes, true).div(count);
    const v = w.mul(wx.sub(m).square()).sum(axes, true).div(count);
    return [m.reshape([c]), v.reshape([c])];
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    let x = single(inputs, this);
    if (x.dtype !== this.dtype) x = x.cast(this.dtype);
    const mask = opts.mask && !Array.isArray(opts.mask) ? opts.mask : null;
    if (mask && mask.rank !== x.rank - 1) {
      throw new ShapeError(
        `${this.name} (BatchNormalization): the mask must have one axis less than the input, got mask shape ${fmtShape(mask.shape)} for input shape ${fmtShape(x.shape)}`,
      );
    }
    const movingMean = this.movingMean!;
    const movingVariance = this.movingVariance!;
    let mean: Tensor;
    let variance: Tensor;
    if (opts.training === true && this.trainable) {
      [mean, variance] = this.batchMoments(x, mask);
      const mom = this.momentum;
      const bm = mean;
      const bv = variance;
      noGrad(() => {
        movingMean.assign(
          movingMean
            .value()
            .mul(mom)
            .add(bm.detach().mul(1 - mom)),
        );
        movingVariance.assign(
          movingVariance
            .value()
            .mul(mom)
            .add(bv.detach().mul(1 - mom)),
        );
      });
    } else {
      mean = movingMean;
      variance = movingVariance;
    }
    return batchNormalization(x, mean, variance, this.posAxis, {
      offset: this.beta,
      scale: this.gamma,
      epsilon: this.epsilon,
    });
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    this.resolveAxis(shape);
    return shape;
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeOpt(getInitializer(a.betaInitializer ?? 'zeros')),
      gammaInitializer: serializeOpt(getInitializer(a.gammaInitializer ?? 'ones')),
      movingMeanInitializer: serializeOpt(getInitializer(a.movingMeanInitializer ?? 'zeros')),
      movingVarianceInitializer: serializeOpt(
        getInitializer(a.movingVarianceInitializer ?? 'ones'),
      ),
      betaRegularizer: regOpt(a.betaRegularizer),
      gammaRegularizer: regOpt(a.gammaRegularizer),
      betaConstraint: conOpt(a.betaConstraint),
      gammaConstraint: conOpt(a.gammaConstraint),
      synchronized: this.synchronized,
    };
  }
}

registerSerializable('layer', BatchNormalization);

// ---------------------------------------------------------------------------------------------
// LayerNormalization

/** Options of {@link LayerNormalization}. */
export interface LayerNormalizationArgs extends LayerArgs {
  /** The axis or axes normalized over, per sample (default -1: the last axis). */
  axis?: number | readonly number[];
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Whether to add the learned offset `beta` (default true). */
  center?: boolean;
  /** Whether to multiply by the learned scale `gamma` (default true). */
  scale?: boolean;
  /**
   * Keras's `rms_scaling` (default false): `center` and `scale` are ignored, only `gamma` is
   * created, and `y = x / √(var(x) + epsilon) · γ`. As in Keras 3, the variance (not the mean
   * of squares) is used, and `x` itself is not centred.
   */
  rmsScaling?: boolean;
  /** Initializer of `beta` (default zeros). */
  betaInitializer?: InitializerIdentifier;
  /** Initializer of `gamma` (default ones). */
  gammaInitializer?: InitializerIdentifier;
  /** Regularizer of `beta`. */
  betaRegularizer?: RegularizerIdentifier | null;
  /** Regularizer of `gamma`. */
  gammaRegularizer?: RegularizerIdentifier | null;
  /** Constraint on `beta`. */
  betaConstraint?: ConstraintIdentifier | null;
  /** Constraint on `gamma`. */
  gammaConstraint?: ConstraintIdentifier | null;
}

/**
 * Layer normalization (Ba et al., 2016), as Keras 3's layer: each sample is normalized over
 * `axis` by its own mean and (biased) variance, then scaled and shifted per entry of `axis`.
 * It behaves the same in training and inference.
 *
 * Formula: `y = (x − mean) / √(var + epsilon) · γ + β`, mean and var over `axis`
 * (with `rmsScaling`: `y = x / √(var + epsilon) · γ`).
 *
 * Shape: any → the same shape; `gamma`, `beta` are `[inputShape[a] for a in axis]`.
 * @example
 * new LayerNormalization().apply(tensor([[1, 3], [2, 2]])); // ≈ [[-1, 1], [0, 0]]
 */
export class LayerNormalization extends Layer {
  static override readonly className = 'LayerNormalization';
  readonly axis: number | readonly number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly rmsScaling: boolean;
  private readonly args: LayerNormalizationArgs;
  gamma: LayerVariable | null = null;
  beta: LayerVariable | null = null;

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    this.args = args;
    const axis = args.axis ?? -1;
    const list = typeof axis === 'number' ? [axis] : axis;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((a) => Number.isInteger(a)) ||
      new Set(list).size !== list.length
    ) {
      throw new ValueError(
        `${this.name} (LayerNormalization): axis must be an integer or a non-empty list of distinct integers, got ${JSON.stringify(axis)}`,
      );
    }
    this.axis = typeof axis === 'number' ? axis : [...axis];
    this.epsilon = checkNumber(
      this,
      'epsilon',
      args.epsilon ?? 1e-3,
      (e) => Number.isFinite(e) && e >= 0,
      'a finite number >= 0',
    );
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.rmsScaling = args.rmsScaling ?? false;
    this.supportsMasking = true;
  }

  private axes(shape: SymbolicShape): number[] {
    const r = shape.length;
    const list = typeof this.axis === 'number' ? [this.axis] : this.axis;
    const out = list.map((a) => (a < 0 ? a + r : a));
    if (out.some((a) => a < 0 || a >= r) || new Set(out).size !== out.length) {
      throw new ShapeError(
        `${this.name} (LayerNormalization): axis ${JSON.stringify(this.axis)} is out of range for input shape ${fmtShapeNull(shape)}`,
      );
    }
    return out;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const axes = this.axes(shape);
    const pshape = axes.map((a) => shape[a]);
    if (pshape.some((d) => d === null || d === undefined)) {
      throw new ValueError(
        `${this.name} (LayerNormalization): the normalized axes ${JSON.stringify(this.axis)} of the input must be known, got shape ${fmtShapeNull(shape)}`,
      );
    }
    const a = this.args;
    if (this.scale || this.rmsScaling) {
      this.gamma = this.addWeight({
        name: 'gamma',
        shape: pshape as number[],
        initializer: a.gammaInitializer ?? 'ones',
        regularizer: a.gammaRegularizer,
        constraint: a.gammaConstraint,
      });
    }
    if (this.center && !this.rmsScaling) {
      this.beta = this.addWeight({
        name: 'beta',
        shape: pshape as number[],
        initializer: a.betaInitializer ?? 'zeros',
        regularizer: a.betaRegularizer,
        constraint: a.betaConstraint,
      });
    }
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    let x = single(inputs, this);
    if (x.dtype !== this.dtype) x = x.cast(this.dtype);
    return layerNormalization(x, {
      gamma: this.gamma,
      beta: this.beta,
      axis: this.axes(x.shape),
      epsilon: this.epsilon,
      rmsScaling: this.rmsScaling,
    });
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    this.axes(shape);
    return shape;
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      axis: (typeof this.axis === 'number' ? this.axis : [...this.axis]) as ConfigValue,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      rmsScaling: this.rmsScaling,
      betaInitializer: serializeOpt(getInitializer(a.betaInitializer ?? 'zeros')),
      gammaInitializer: serializeOpt(getInitializer(a.gammaInitializer ?? 'ones')),
      betaRegularizer: regOpt(a.betaRegularizer),
      gammaRegularizer: regOpt(a.gammaRegularizer),
      betaConstraint: conOpt(a.betaConstraint),
      gammaConstraint: conOpt(a.gammaConstraint),
    };
  }
}

registerSerializable('layer', LayerNormalization);
