/**
 * More normalization layers, as Keras 3's: `RMSNormalization` (root-mean-square scaling),
 * `GroupNormalization` (statistics per sample and group of channels) and `UnitNormalization`
 * (unit L2 norm). All behave the same in training and inference, and are composites of
 * elementwise ops and reductions.
 */
import { type ConstraintIdentifier, getConstraint } from '../constraints.js';
import { ShapeError, ValueError } from '../errors.js';
import { type InitializerIdentifier, getInitializer } from '../initializers.js';
import { moments } from '../ops/normalization.js';
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

const regOpt = (r: RegularizerIdentifier | null | undefined) =>
  serializeOpt(r ? getRegularizer(r) : null);
const conOpt = (c: ConstraintIdentifier | null | undefined) =>
  serializeOpt(c ? getConstraint(c) : null);

/** Checks an `epsilon`-like option: a finite number ≥ 0. */
function checkEpsilon(layer: Layer, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ValueError(
      `${layer.name} (${layer.className}): epsilon must be a finite number >= 0, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Checks an axis option: an integer, or a non-empty list of distinct integers. */
function checkAxisList(layer: Layer, axis: unknown): number | number[] {
  if (typeof axis === 'number' && Number.isInteger(axis)) return axis;
  if (
    Array.isArray(axis) &&
    axis.length > 0 &&
    axis.every((a) => Number.isInteger(a)) &&
    new Set(axis).size === axis.length
  ) {
    return [...(axis as number[])];
  }
  throw new ValueError(
    `${layer.name} (${layer.className}): axis must be an integer or a non-empty list of distinct integers, got ${JSON.stringify(axis)}`,
  );
}

/** The axes of `axis` resolved against `shape`'s rank, sorted; a ShapeError when out of range. */
function resolveAxes(
  layer: Layer,
  axis: number | readonly number[],
  shape: SymbolicShape,
): number[] {
  const r = shape.length;
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = list.map((a) => (a < 0 ? a + r : a));
  if (out.some((a) => a < 0 || a >= r) || new Set(out).size !== out.length) {
    throw new ShapeError(
      `${layer.name} (${layer.className}): axis ${JSON.stringify(axis)} is out of range for input shape ${fmtShapeNull(shape)}`,
    );
  }
  return out.sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// RMSNormalization

/** Options of {@link RMSNormalization}. */
export interface RMSNormalizationArgs extends LayerArgs {
  /** The axis or axes normalized over, per sample (default -1: the last axis). */
  axis?: number | readonly number[];
  /** Added to the mean of squares before the square root (default 1e-6). */
  epsilon?: number;
}

/**
 * Root mean square normalization (Zhang & Sennrich, 2019), as Keras 3's layer: each sample is
 * divided by the root mean square of its entries over `axis`, then multiplied by a learned
 * `scale` per entry of `axis`. The input is not centred.
 *
 * Formula: `y = x / √(mean(x²) + epsilon) · scale`, the mean over `axis`.
 *
 * Keras broadcasts `scale` from the last axis, so there only trailing axes work; here `scale`
 * is laid along `axis` wherever it is (the same result for trailing axes).
 *
 * Shape: any → the same shape; `scale` is `[inputShape[a] for a in sorted(axis)]`.
 * @example
 * new RMSNormalization().apply(tensor([[3, 4]])); // ≈ [[0.8485, 1.1314]]
 */
export class RMSNormalization extends Layer {
  static override readonly className = 'RMSNormalization';
  readonly axis: number | readonly number[];
  readonly epsilon: number;
  scale: LayerVariable | null = null;

  constructor(args: RMSNormalizationArgs = {}) {
    super(args);
    this.axis = checkAxisList(this, args.axis ?? -1);
    this.epsilon = checkEpsilon(this, args.epsilon ?? 1e-6);
    this.supportsMasking = true;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const axes = resolveAxes(this, this.axis, shape);
    const pshape = axes.map((a) => shape[a]);
    if (pshape.some((d) => d === null || d === undefined)) {
      throw new ValueError(
        `${this.name} (RMSNormalization): the normalized axes ${JSON.stringify(this.axis)} of the input must be known, got shape ${fmtShapeNull(shape)}`,
      );
    }
    this.scale = this.addWeight({ name: 'scale', shape: pshape as number[], initializer: 'ones' });
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    let x = single(inputs, this);
    if (x.dtype !== this.dtype) x = x.cast(this.dtype);
    const axes = resolveAxes(this, this.axis, x.shape);
    const bshape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    const rrms = x.square().mean(axes, true).add(this.epsilon).rsqrt();
    return x.mul(rrms).mul(this.scale!.reshape(bshape));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    resolveAxes(this, this.axis, shape);
    return shape;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      axis: (typeof this.axis === 'number' ? this.axis : [...this.axis]) as ConfigValue,
      epsilon: this.epsilon,
    };
  }
}

registerSerializable('layer', RMSNormalization);

// ---------------------------------------------------------------------------------------------
// GroupNormalization

/** Options of {@link GroupNormalization}. */
export interface GroupNormalizationArgs extends LayerArgs {
  /**
   * Number of groups the channels are split into (default 32); it must divide the number of
   * channels. `-1`: one group per channel (instance normalization); `1`: one group (close to
   * layer normalization).
   */
  groups?: number;
  /** The channels axis (default -1: the last axis); not the batch axis. */
  axis?: number;
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
  /** Regularizer of `beta`. */
  betaRegularizer?: RegularizerIdentifier | null;
  /** Regularizer of `gamma`. */
  gammaRegularizer?: RegularizerIdentifier | null;
  /** Constraint on `beta`, applied after each optimizer step. */
  betaConstraint?: ConstraintIdentifier | null;
  /** Constraint on `gamma`, applied after each optimizer step. */
  gammaConstraint?: ConstraintIdentifier | null;
}

/**
 * Group normalization (Wu & He, 2018), as Keras 3's layer: the channels along `axis` are split
 * into `groups` consecutive groups, and each sample is normalized per group by the mean and
 * (biased) variance over the group's channels and every other non-batch axis; then scaled and
 * shifted per channel. It behaves the same in training and inference.
 *
 * Formula: `y = (x − μ_g) / √(σ²_g + epsilon) · γ + β`, computed as Keras does:
 * `inv = γ / √(σ²_g + epsilon)`, `y = x · inv + (β − μ_g · inv)`.
 *
 * Shape: any rank ≥ 2 → the same shape; `gamma`, `beta` are `[inputShape[axis]]`.
 * @example
 * new GroupNormalization({ groups: 2 }).apply(tensor([[1, 3, 5, 9]])); // ≈ [[-1, 1, -1, 1]]
 */
export class GroupNormalization extends Layer {
  static override readonly className = 'GroupNormalization';
  readonly groups: number;
  readonly axis: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly args: GroupNormalizationArgs;
  gamma: LayerVariable | null = null;
  beta: LayerVariable | null = null;

  constructor(args: GroupNormalizationArgs = {}) {
    super(args);
    this.args = args;
    const groups = args.groups ?? 32;
    if (!Number.isInteger(groups) || (groups <= 0 && groups !== -1)) {
      throw new ValueError(
        `${this.name} (GroupNormalization): groups must be a positive integer (or -1 for instance normalization), got ${JSON.stringify(groups)}`,
      );
    }
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) {
      throw new ValueError(
        `${this.name} (GroupNormalization): axis must be an integer, got ${JSON.stringify(axis)}`,
      );
    }
    this.groups = groups;
    this.axis = axis;
    this.epsilon = checkEpsilon(this, args.epsilon ?? 1e-3);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.supportsMasking = true;
  }

  /** The channels axis resolved against `shape`, checked not to be the batch axis. */
  private channelAxis(shape: SymbolicShape): number {
    const r = shape.length;
    const ax = this.axis < 0 ? this.axis + r : this.axis;
    if (ax < 0 || ax >= r) {
      throw new ShapeError(
        `${this.name} (GroupNormalization): axis ${this.axis} is out of range for input shape ${fmtShapeNull(shape)}`,
      );
    }
    if (ax === 0) {
      throw new ValueError(
        `${this.name} (GroupNormalization): axis must not be the batch axis 0, got axis ${this.axis} for input shape ${fmtShapeNull(shape)}`,
      );
    }
    return ax;
  }

  /** The number of groups for `channels` channels, checked to divide them. */
  private groupsFor(channels: number): number {
    const g = this.groups === -1 ? channels : this.groups;
    if (channels < g) {
      throw new ValueError(
        `${this.name} (GroupNormalization): the number of groups (${g}) cannot be more than the number of channels, got ${channels} channels on axis ${this.axis}`,
      );
    }
    if (channels % g !== 0) {
      throw new ValueError(
        `${this.name} (GroupNormalization): the number of groups (${g}) must divide the number of channels, got ${channels} channels on axis ${this.axis}`,
      );
    }
    return g;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const ax = this.channelAxis(shape);
    const c = shape[ax];
    if (c === null || c === undefined) {
      throw new ValueError(
        `${this.name} (GroupNormalization): axis ${this.axis} of the input must be known, got shape ${fmtShapeNull(shape)}`,
      );
    }
    this.groupsFor(c);
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
    this.inputSpec = { ndim: shape.length, axes: { [this.axis]: c } };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    let x = single(inputs, this);
    if (x.dtype !== this.dtype) x = x.cast(this.dtype);
    const ax = this.channelAxis(x.shape);
    const c = x.shape[ax]!;
    const g = this.groupsFor(c);
    // [..., C, ...] → [..., G, C/G, ...]; statistics over every axis but the batch and G.
    const gshape = [...x.shape.slice(0, ax), g, c / g, ...x.shape.slice(ax + 1)];
    const xg = x.reshape(gshape);
    const axes = gshape.map((_, i) => i).filter((i) => i !== 0 && i !== ax);
    const [mean, variance] = moments(xg, axes, true);
    const bshape = gshape.map((d, i) => (i === ax || i === ax + 1 ? d : 1));
    let inv = variance.add(this.epsilon).rsqrt();
    if (this.gamma) inv = inv.mul(this.gamma.reshape(bshape));
    let res = mean.neg().mul(inv);
    if (this.beta) res = res.add(this.beta.reshape(bshape));
    return xg.mul(inv).add(res).reshape(x.shape);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    this.channelAxis(shape);
    return shape;
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      groups: this.groups,
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeOpt(getInitializer(a.betaInitializer ?? 'zeros')),
      gammaInitializer: serializeOpt(getInitializer(a.gammaInitializer ?? 'ones')),
      betaRegularizer: regOpt(a.betaRegularizer),
      gammaRegularizer: regOpt(a.gammaRegularizer),
      betaConstraint: conOpt(a.betaConstraint),
      gammaConstraint: conOpt(a.gammaConstraint),
    };
  }
}

registerSerializable('layer', GroupNormalization);

// ---------------------------------------------------------------------------------------------
// UnitNormalization

/** Options of {@link UnitNormalization}. */
export interface UnitNormalizationArgs extends LayerArgs {
  /** The axis or axes whose L2 norm is made 1, per sample (default -1: the last axis). */
  axis?: number | readonly number[];
}

/**
 * Scales each sample to unit L2 norm over `axis`, as Keras 3's layer (`ops.normalize` with
 * order 2 and epsilon 1e-12). It has no weights.
 *
 * Formula: `y = x · min(1 / √(Σ x²), 1e12)`, the sum over `axis` (an all-zero slice stays 0).
 *
 * Shape: any → the same shape.
 * @example
 * new UnitNormalization().apply(tensor([[3, 4]])); // [[0.6, 0.8]]
 */
export class UnitNormalization extends Layer {
  static override readonly className = 'UnitNormalization';
  readonly axis: number | readonly number[];

  constructor(args: UnitNormalizationArgs = {}) {
    super(args);
    this.axis = checkAxisList(this, args.axis ?? -1);
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    let x = single(inputs, this);
    if (x.dtype !== this.dtype) x = x.cast(this.dtype);
    const axes = resolveAxes(this, this.axis, x.shape);
    // Keras: x · min(rsqrt(Σx²), 1/epsilon). The floor under Σx² keeps rsqrt (and its
    // gradient) finite at 0 without changing any value: 1e-24 is where the cap begins.
    const inv = x.square().sum(axes, true).maximum(1e-24).rsqrt().minimum(1e12);
    return x.mul(inv);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    resolveAxes(this, this.axis, shape);
    return shape;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      axis: (typeof this.axis === 'number' ? this.axis : [...this.axis]) as ConfigValue,
    };
  }
}

registerSerializable('layer', UnitNormalization);
