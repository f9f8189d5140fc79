/**
 * Focal losses (Lin et al., 2018): binary and categorical crossentropy scaled by a focal factor
 * `(1 − p_t)^γ` that down-weights well-classified examples. Probabilities are clipped to
 * `[ε, 1 − ε]` inside the log, as Keras does.
 */
import { ValueError } from '../errors.js';
import { sigmoid, softmax } from '../ops/activation.js';
import { add, clip, div, log, mul, neg, pow, sub } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { registerSerializable } from '../serialization.js';
import { normalizeAxis } from '../tensor/shape.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import {
  EPSILON,
  Loss,
  type LossOptions,
  checkBoolean,
  checkInteger,
  checkOptionKeys,
  checkRange,
  prepareInputs,
} from './core.js';

/** Options of {@link binaryFocalCrossentropy} and {@link BinaryFocalCrossentropy}. */
export type BinaryFocalCrossentropyOptions = {
  /** Whether to weight class 1 by `alpha` and class 0 by `1 − alpha` (default false). */
  applyClassBalancing?: boolean;
  /** Weight of class 1 when `applyClassBalancing` is set (default 0.25). */
  alpha?: number;
  /** Focusing parameter γ ≥ 0 (default 2; 0 gives plain binary crossentropy). */
  gamma?: number;
  /** Whether `yPred` holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** In [0, 1]: labels move towards 0.5, `y·(1 − s) + 0.5·s` (default 0). */
  labelSmoothing?: number;
  /** Axis the elementwise losses are averaged over (default −1). */
  axis?: number;
};

/** Options of {@link categoricalFocalCrossentropy} and {@link CategoricalFocalCrossentropy}. */
export type CategoricalFocalCrossentropyOptions = {
  /** Weighting factor applied to every class (default 0.25). */
  alpha?: number;
  /** Focusing parameter γ ≥ 0 (default 2). */
  gamma?: number;
  /** Whether `yPred` holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** In [0, 1]: labels become `y·(1 − s) + s / numClasses` (default 0). */
  labelSmoothing?: number;
  /** The class axis (default −1). */
  axis?: number;
};

function checkNumber(op: string, name: string, v: unknown, min = Number.NEGATIVE_INFINITY): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new ValueError(
      `${op}: ${name} must be a finite number${min > Number.NEGATIVE_INFINITY ? ` >= ${min}` : ''}, got ${String(v)}`,
    );
  }
  return v;
}

function resolveBinary(
  op: string,
  o: BinaryFocalCrossentropyOptions,
): Required<BinaryFocalCrossentropyOptions> {
  return {
    applyClassBalancing: checkBoolean(op, 'applyClassBalancing', o.applyClassBalancing ?? false),
    alpha: checkNumber(op, 'alpha', o.alpha ?? 0.25),
    gamma: checkNumber(op, 'gamma', o.gamma ?? 2, 0),
    fromLogits: checkBoolean(op, 'fromLogits', o.fromLogits ?? false),
    labelSmoothing: checkRange(op, 'labelSmoothing', o.labelSmoothing ?? 0, 0, 1),
    axis: checkInteger(op, 'axis', o.axis ?? -1),
  };
}

function resolveCategorical(
  op: string,
  o: CategoricalFocalCrossentropyOptions,
): Required<CategoricalFocalCrossentropyOptions> {
  return {
    alpha: checkNumber(op, 'alpha', o.alpha ?? 0.25),
    gamma: checkNumber(op, 'gamma', o.gamma ?? 2, 0),
    fromLogits: checkBoolean(op, 'fromLogits', o.fromLogits ?? false),
    labelSmoothing: checkRange(op, 'labelSmoothing', o.labelSmoothing ?? 0, 0, 1),
    axis: checkInteger(op, 'axis', o.axis ?? -1),
  };
}

/**
 * Binary focal crossentropy, averaged over `axis` (the last by default).
 *
 * Formula: with p = yPred (or sigmoid(yPred) with `fromLogits`), `p_t = y·p + (1 − y)·(1 − p)`
 * and `bce = −(y·log q + (1 − y)·log(1 − q))` for q = clip(p, ε, 1 − ε):
 * `mean((1 − p_t)^γ · bce)`, times `y·α + (1 − y)·(1 − α)` with `applyClassBalancing`. Label
 * smoothing first maps y to `y·(1 − s) + 0.5·s`.
 *
 * Shape: `yTrue` and `yPred` alike (a `[batch]` side meets a `[batch, 1]` side); the result
 * drops `axis`.
 * @example binaryFocalCrossentropy([[0, 1]], [[0.1, 0.7]], { gamma: 2 }) // [0.0101]
 */
export function binaryFocalCrossentropy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: BinaryFocalCrossentropyOptions = {},
): Tensor {
  const op = 'binaryFocalCrossentropy';
  const o = resolveBinary(op, options);
  let [t, p] = prepareInputs(yTrue, yPred, op);
  const axis = normalizeAxis(o.axis, p.rank, op);
  if (o.labelSmoothing > 0) t = add(mul(t, 1 - o.labelSmoothing), 0.5 * o.labelSmoothing);
  if (o.fromLogits) p = sigmoid(p);
  const q = clip(p, EPSILON, 1 - EPSILON);
  const bce = neg(add(mul(t, log(q)), mul(sub(1, t), log(sub(1, q)))));
  const pT = add(mul(t, p), mul(sub(1, t), sub(1, p)));
  let focal = mul(pow(sub(1, pT), o.gamma), bce);
  if (o.applyClassBalancing) focal = mul(add(mul(t, o.alpha), mul(sub(1, t), 1 - o.alpha)), focal);
  return mean(focal, axis);
}

/**
 * Categorical focal crossentropy between one-hot (or soft) labels and class probabilities.
 *
 * Formula: with q = yPred normalized to sum 1 over `axis` (softmax first with `fromLogits`)
 * and clipped to [ε, 1 − ε]: `Σ_c α·(1 − q_c)^γ · (−y_c·log q_c)`. Label smoothing first maps
 * y to `y·(1 − s) + s / numClasses`.
 *
 * Shape: `yTrue` and `yPred` both `[..., numClasses]`; the result drops `axis`.
 * @example categoricalFocalCrossentropy([[0, 1, 0]], [[0.05, 0.95, 0]]) // [3.2e-5]
 */
export function categoricalFocalCrossentropy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: CategoricalFocalCrossentropyOptions = {},
): Tensor {
  const op = 'categoricalFocalCrossentropy';
  const o = resolveCategorical(op, options);
  let [t, p] = prepareInputs(yTrue, yPred, op);
  const axis = normalizeAxis(o.axis, p.rank, op);
  if (o.labelSmoothing > 0) {
    const numClasses = t.shape[t.rank - 1]!;
    t = add(mul(t, 1 - o.labelSmoothing), o.labelSmoothing / numClasses);
  }
  if (o.fromLogits) p = softmax(p, axis);
  const q = clip(div(p, sum(p, axis, true)), EPSILON, 1 - EPSILON);
  const cce = neg(mul(t, log(q)));
  return sum(mul(mul(pow(sub(1, q), o.gamma), o.alpha), cce), axis);
}

/**
 * {@link binaryFocalCrossentropy} as a loss object.
 *
 * Formula: `reduce(mean((1 − p_t)^γ · bce) · w)`.
 *
 * Shape: as {@link binaryFocalCrossentropy}; `apply` returns a scalar unless `reduction` is
 * `'none'`.
 * @example new BinaryFocalCrossentropy({ gamma: 2, fromLogits: true }).apply([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]).item() // 0.691
 */
export class BinaryFocalCrossentropy extends Loss {
  static override readonly className = 'BinaryFocalCrossentropy';
  readonly options: Readonly<Required<BinaryFocalCrossentropyOptions>>;

  constructor(opts: BinaryFocalCrossentropyOptions & LossOptions = {}) {
    super(opts, 'binary_focal_crossentropy');
    checkOptionKeys('BinaryFocalCrossentropy', opts, [
      'name',
      'reduction',
      'applyClassBalancing',
      'alpha',
      'gamma',
      'fromLogits',
      'labelSmoothing',
      'axis',
    ]);
    this.options = resolveBinary('BinaryFocalCrossentropy', opts);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return binaryFocalCrossentropy(yTrue, yPred, this.options);
  }
}

/**
 * {@link categoricalFocalCrossentropy} as a loss object.
 *
 * Formula: `reduce(Σ_c α·(1 − q_c)^γ·(−y_c·log q_c) · w)`.
 *
 * Shape: as {@link categoricalFocalCrossentropy}; `apply` returns a scalar unless `reduction`
 * is `'none'`.
 * @example new CategoricalFocalCrossentropy().apply([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]).item() // 0.2332
 */
export class CategoricalFocalCrossentropy extends Loss {
  static override readonly className = 'CategoricalFocalCrossentropy';
  readonly options: Readonly<Required<CategoricalFocalCrossentropyOptions>>;

  constructor(opts: CategoricalFocalCrossentropyOptions & LossOptions = {}) {
    super(opts, 'categorical_focal_crossentropy');
    checkOptionKeys('CategoricalFocalCrossentropy', opts, [
      'name',
      'reduction',
      'alpha',
      'gamma',
      'fromLogits',
      'labelSmoothing',
      'axis',
    ]);
    this.options = resolveCategorical('CategoricalFocalCrossentropy', opts);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return categoricalFocalCrossentropy(yTrue, yPred, this.options);
  }
}

for (const cls of [BinaryFocalCrossentropy, CategoricalFocalCrossentropy]) {
  registerSerializable('loss', cls);
}
