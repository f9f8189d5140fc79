/**
 * Overlap and metric-learning losses: Dice and Tversky (segmentation: one minus a soft overlap
 * ratio) and Circle (embeddings: pairs of the same label pulled together, others pushed apart).
 */
import { noGrad } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { softplus } from '../ops/activation.js';
import { eye } from '../ops/creation.js';
import {
  add,
  cast,
  div,
  equal,
  exp,
  greater,
  log,
  logicalAnd,
  logicalNot,
  maximum,
  mul,
  sub,
  where,
} from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { reshape, squeeze, transpose } from '../ops/movement.js';
import { max, sum } from '../ops/reduce.js';
import type { ConfigValue } from '../serialization.js';
import { registerSerializable } from '../serialization.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import {
  EPSILON,
  Loss,
  type LossOptions,
  checkBoolean,
  checkOptionKeys,
  prepareInputs,
  toLabels,
  toPredictions,
} from './core.js';

/** The axes Dice and Tversky sum over: null (every axis, one value per batch), one, or several. */
export type OverlapAxis = number | number[] | null;

/** Options of {@link dice} and {@link Dice}. */
export type DiceOptions = {
  /** Axes summed over (default null: every axis, so the loss is one number). */
  axis?: OverlapAxis;
};

/** Options of {@link tversky} and {@link Tversky}. */
export type TverskyOptions = {
  /** Weight of false positives (default 0.5). */
  alpha?: number;
  /** Weight of false negatives (default 0.5). */
  beta?: number;
  /** Axes summed over (default null: every axis). */
  axis?: OverlapAxis;
};

/** Options of {@link circle} and {@link Circle}. */
export type CircleOptions = {
  /** Scale of the similarity scores (default 80). */
  gamma?: number;
  /** Relaxation margin m (default 0.4): optima 1 + m / −m, decision margins 1 − m / m. */
  margin?: number;
  /** Whether an embedding's pair with itself is left out of the positives (default true). */
  removeDiagonal?: boolean;
};

function checkAxis(op: string, axis: unknown): OverlapAxis {
  if (axis === undefined || axis === null) return null;
  const ok = (a: unknown) => typeof a === 'number' && Number.isInteger(a);
  if (ok(axis)) return axis as number;
  if (Array.isArray(axis) && axis.length > 0 && axis.every(ok)) return [...(axis as number[])];
  throw new ValueError(
    `${op}: axis must be null, an integer or a non-empty list of integers, got ${JSON.stringify(axis)}`,
  );
}

function checkFinite(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`${op}: ${name} must be a finite number, got ${String(v)}`);
  return v;
}

const sumOver = (x: Tensor, axis: OverlapAxis): Tensor =>
  axis === null ? sum(x) : sum(x, axis as number | number[]);

/**
 * Dice loss: one minus the soft Dice coefficient.
 *
 * Formula: `1 − 2·Σ y·p / (Σ y + Σ p + ε)`, sums over `axis` (every axis when null).
 *
 * Shape: `yTrue` and `yPred` alike, e.g. `[batch, h, w, 1]`; the result drops the summed axes
 * (a scalar for `axis: null`).
 * @example dice([[1, 1], [0, 0]], [[0, 1], [0, 1]]) // 0.5
 */
export function dice(yTrue: TensorLike, yPred: TensorLike, options: DiceOptions = {}): Tensor {
  const op = 'dice';
  const axis = checkAxis(op, options.axis);
  const [t, p] = prepareInputs(yTrue, yPred, op);
  const inter = sumOver(mul(t, p), axis);
  const denom = add(add(sumOver(t, axis), sumOver(p, axis)), EPSILON);
  return sub(1, div(mul(inter, 2), denom));
}

/**
 * Tversky loss: Dice with separate weights for false positives and false negatives
 * (α = β = 0.5 gives Dice, up to ε).
 *
 * Formula: with `TP = Σ y·p`, `FP = Σ (1 − p)·y`, `FN = Σ p·(1 − y)` (Keras's naming), the
 * loss is `1 − TP / (TP + α·FP + β·FN + ε)`, sums over `axis` (every axis when null).
 *
 * Shape: `yTrue` and `yPred` alike; the result drops the summed axes.
 * @example tversky([[1, 1], [0, 0]], [[0, 1], [0, 1]], { alpha: 0.3, beta: 0.7 }) // 0.5
 */
export function tversky(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: TverskyOptions = {},
): Tensor {
  const op = 'tversky';
  const axis = checkAxis(op, options.axis);
  const alpha = checkFinite(op, 'alpha', options.alpha ?? 0.5);
  const beta = checkFinite(op, 'beta', options.beta ?? 0.5);
  const [t, p] = prepareInputs(yTrue, yPred, op);
  const tp = sumOver(mul(t, p), axis);
  const fp = sumOver(mul(sub(1, p), t), axis);
  const fn = sumOver(mul(p, sub(1, t)), axis);
  const denom = add(add(add(tp, mul(fp, alpha)), mul(fn, beta)), EPSILON);
  return sub(1, div(tp, denom));
}

/** Stand-in for −∞ that keeps gradients finite. */
const NEG_BIG = -1e30;

/** log Σ exp(x) over axis 1 where `mask` is 1; NEG_BIG for rows with no entry. */
function maskedLogSumExp(x: Tensor, mask: Tensor): Tensor {
  const has = greater(sum(mask, 1), 0);
  const c = noGrad(() => {
    const m = max(where(mask, x, NEG_BIG), 1, true);
    return where(greater(m, NEG_BIG / 2), m, 0);
  });
  const e = mul(mask, exp(sub(where(mask, x, c), c)));
  const s = sum(e, 1);
  return where(has, add(log(where(has, s, 1)), squeeze(c, 1)), NEG_BIG);
}

/**
 * Circle loss between integer labels and L2-normalized embeddings (Sun et al., 2020); each
 * embedding of the batch is the query, the whole batch the reference set.
 *
 * Formula: with cosine distances `d = max(1 − P·Pᵀ, 0)`, positives (same label) and negatives,
 * `αₚ = max(m + d, 0)`, `αₙ = max(1 + m − d, 0)`: `softplus(logΣexp_pos(−γ·αₚ·(m − d)) +
 * logΣexp_neg(γ·αₙ·(1 − m − d)))` per row; a row with no positives or no negatives gives 0,
 * and {@link Circle} averages over the rows with a positive loss.
 *
 * Shape: `yTrue` `[batch]` (or `[batch, 1]`) integer labels, `yPred` `[batch, dim]`; the result
 * is `[batch]`.
 * @example circle([0, 1, 0], unitEmbeddings) // [batch] losses
 */
export function circle(yTrue: TensorLike, yPred: TensorLike, options: CircleOptions = {}): Tensor {
  const op = 'circle';
  const o = resolveCircle(op, options);
  const p = toPredictions(yPred, op);
  const t0 = toLabels(yTrue, p, op);
  if (p.rank !== 2)
    throw new ShapeError(
      `${op}: embeddings must have shape [batch, dim], got ${fmtShape(p.shape)}`,
    );
  const n = p.shape[0]!;
  if (t0.size !== n || t0.rank > 2 || (t0.rank === 2 && t0.shape[1] !== 1)) {
    throw new ShapeError(
      `${op}: labels must have shape [${n}] or [${n}, 1] (one label per embedding), got ${fmtShape(t0.shape)}`,
    );
  }
  const labels = cast(cast(reshape(t0, [n]), 'int32'), p.dtype);
  let posMask = equal(reshape(labels, [n, 1]), reshape(labels, [1, n]));
  const negMask = logicalNot(posMask);
  if (o.removeDiagonal) posMask = logicalAnd(posMask, logicalNot(eye(n, n, 'bool')));
  const pos = cast(posMask, p.dtype);
  const neg = cast(negMask, p.dtype);
  const d = maximum(sub(1, matmul(p, transpose(p))), 0);
  const posW = maximum(mul(add(d, o.margin), pos), 0);
  const negW = maximum(mul(sub(1 + o.margin, d), neg), 0);
  const posD = mul(mul(posW, sub(o.margin, d)), -o.gamma);
  const negD = mul(mul(negW, sub(1 - o.margin, d)), o.gamma);
  return softplus(add(maskedLogSumExp(posD, pos), maskedLogSumExp(negD, neg)));
}

function resolveCircle(op: string, o: CircleOptions): Required<CircleOptions> {
  return {
    gamma: checkFinite(op, 'gamma', o.gamma ?? 80),
    margin: checkFinite(op, 'margin', o.margin ?? 0.4),
    removeDiagonal: checkBoolean(op, 'removeDiagonal', o.removeDiagonal ?? true),
  };
}

/**
 * {@link dice} as a loss object.
 *
 * Formula: `reduce((1 − 2·Σ y·p / (Σ y + Σ p + ε)) · w)`.
 *
 * Shape: as {@link dice}; with `axis: null` the loss is already one number.
 * @example new Dice({ axis: [1, 2, 3] }).apply(masks, probabilities).item()
 */
export class Dice extends Loss {
  static override readonly className = 'Dice';
  readonly options: Readonly<{ axis: ConfigValue }>;
  private readonly axis: OverlapAxis;

  constructor(opts: DiceOptions & LossOptions = {}) {
    super(opts, 'dice');
    checkOptionKeys('Dice', opts, ['name', 'reduction', 'axis']);
    this.axis = checkAxis('Dice', opts.axis);
    this.options = { axis: this.axis };
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return dice(yTrue, yPred, { axis: this.axis });
  }
}

/**
 * {@link tversky} as a loss object.
 *
 * Formula: `reduce((1 − TP / (TP + α·FP + β·FN + ε)) · w)`.
 *
 * Shape: as {@link tversky}.
 * @example new Tversky({ alpha: 0.3, beta: 0.7, axis: [1, 2, 3] }).apply(masks, probabilities).item()
 */
export class Tversky extends Loss {
  static override readonly className = 'Tversky';
  readonly options: Readonly<{ alpha: number; beta: number; axis: ConfigValue }>;
  private readonly axis: OverlapAxis;

  constructor(opts: TverskyOptions & LossOptions = {}) {
    super(opts, 'tversky');
    checkOptionKeys('Tversky', opts, ['name', 'reduction', 'alpha', 'beta', 'axis']);
    this.axis = checkAxis('Tversky', opts.axis);
    this.options = {
      alpha: checkFinite('Tversky', 'alpha', opts.alpha ?? 0.5),
      beta: checkFinite('Tversky', 'beta', opts.beta ?? 0.5),
      axis: this.axis,
    };
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return tversky(yTrue, yPred, { ...this.options, axis: this.axis });
  }
}

/**
 * {@link circle} as a loss object. Rows whose loss is 0 (no positive or no negative pair) are
 * masked out, so `'sum_over_batch_size'` averages over the rows with a loss, as Keras does.
 *
 * Formula: `reduce(circle(y, P) · w)` over the rows with a positive loss.
 *
 * Shape: as {@link circle}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new Circle({ gamma: 80, margin: 0.4 }).apply(labels, unitNormalize(embeddings)).item()
 */
export class Circle extends Loss {
  static override readonly className = 'Circle';
  readonly options: Readonly<Required<CircleOptions>>;

  constructor(opts: CircleOptions & LossOptions = {}) {
    super(opts, 'circle');
    checkOptionKeys('Circle', opts, ['name', 'reduction', 'gamma', 'margin', 'removeDiagonal']);
    this.options = resolveCircle('Circle', opts);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return circle(yTrue, yPred, this.options);
  }

  protected override computeMask(yTrue: TensorLike, yPred: TensorLike): Tensor | null {
    return noGrad(() => greater(circle(yTrue, yPred, this.options), 0));
  }
}

for (const cls of [Dice, Tversky, Circle]) registerSerializable('loss', cls);
