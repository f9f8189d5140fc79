import { ShapeError, fmtShape } from '../errors.js';
import { logSoftmax } from '../ops/activation.js';
/**
 * Probabilistic losses: binary, categorical and sparse categorical crossentropy, Kullback-
 * Leibler divergence and Poisson. Probabilities are clipped to `[ε, 1 − ε]` (ε = 1e-7) before
 * any log, as Keras does; the `fromLogits` forms never exponentiate a large positive number.
 */
import {
  abs,
  add,
  cast,
  clip,
  div,
  exp,
  log,
  log1p,
  maximum,
  mul,
  neg,
  notEqual,
  sub,
  where,
} from '../ops/elementwise.js';
import { expandDims, oneHot, squeeze } from '../ops/movement.js';
import { mean, sum } from '../ops/reduce.js';
import { be, wrap } from '../ops/util.js';
import { registerSerializable } from '../serialization.js';
import { normalizeAxis, shapesEqual } from '../tensor/shape.js';
import { Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import {
  EPSILON,
  Loss,
  type LossOptions,
  checkBoolean,
  checkInteger,
  checkOptionKeys,
  checkRange,
  prepareInputs,
  shapeMismatch,
  toPredictions,
} from './core.js';

/** Options of {@link binaryCrossentropy} and {@link BinaryCrossentropy}. */
export type BinaryCrossentropyOptions = {
  /** Whether `yPred` holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** In [0, 1]: labels move towards 0.5, `y·(1 − s) + 0.5·s` (default 0). */
  labelSmoothing?: number;
  /** Axis the elementwise losses are averaged over (default −1). */
  axis?: number;
};

/** Options of {@link categoricalCrossentropy} and {@link CategoricalCrossentropy}. */
export type CategoricalCrossentropyOptions = {
  /** Whether `yPred` holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** In [0, 1]: labels become `y·(1 − s) + s / numClasses` (default 0). */
  labelSmoothing?: number;
  /** The class axis (default −1). */
  axis?: number;
};

/** Options of {@link sparseCategoricalCrossentropy} and {@link SparseCategoricalCrossentropy}. */
export type SparseCategoricalCrossentropyOptions = {
  /** Whether `yPred` holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** A label value whose samples get loss 0 and are left out of the mean (default none). */
  ignoreClass?: number | null;
};

function resolveSmoothing(
  op: string,
  o: BinaryCrossentropyOptions | CategoricalCrossentropyOptions,
): Required<BinaryCrossentropyOptions> {
  return {
    fromLogits: checkBoolean(op, 'fromLogits', o.fromLogits ?? false),
    labelSmoothing: checkRange(op, 'labelSmoothing', o.labelSmoothing ?? 0, 0, 1),
    axis: checkInteger(op, 'axis', o.axis ?? -1),
  };
}

function resolveSparse(
  op: string,
  o: SparseCategoricalCrossentropyOptions,
): Required<SparseCategoricalCrossentropyOptions> {
  const ignoreClass = o.ignoreClass ?? null;
  return {
    fromLogits: checkBoolean(op, 'fromLogits', o.fromLogits ?? false),
    ignoreClass: ignoreClass === null ? null : checkInteger(op, 'ignoreClass', ignoreClass),
  };
}

/** log of probabilities normalized along `axis`, clipped to [ε, 1 − ε] (Keras's probability path). */
function clippedLogProbs(p: Tensor, axis: number): Tensor {
  return log(clip(div(p, sum(p, axis, true)), EPSILON, 1 - EPSILON));
}

/**
 * Binary crossentropy, averaged over `axis` (the last by default).
 *
 * Formula: with p = clip(yPred, ε, 1 − ε), `−mean(y·log p + (1 − y)·log(1 − p))`. With
 * `fromLogits`, for logits x: `mean(max(x, 0) − x·y + log(1 + e^(−|x|)))`, which stays finite
 * for any x. Label smoothing first maps y to `y·(1 − s) + 0.5·s`.
 *
 * Shape: `yTrue` and `yPred` alike (a `[batch]` side meets a `[batch, 1]` side); the result
 * drops `axis`.
 * @example binaryCrossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) // [0.916, 0.714]
 */
export function binaryCrossentropy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: BinaryCrossentropyOptions = {},
): Tensor {
  const op = 'binaryCrossentropy';
  const o = resolveSmoothing(op, options);
  let [t, p] = prepareInputs(yTrue, yPred, op, (t0, p0) =>
    t0.rank === p0.rank - 1 && p0.shape[p0.rank - 1]! > 1
      ? 'Labels with one axis fewer than multi-class predictions look like class indices: use sparseCategoricalCrossentropy.'
      : 'binaryCrossentropy needs one label per prediction.',
  );
  const axis = normalizeAxis(o.axis, p.rank, op);
  if (o.labelSmoothing > 0) t = add(mul(t, 1 - o.labelSmoothing), 0.5 * o.labelSmoothing);
  let elementwise: Tensor;
  if (o.fromLogits) {
    // max(x, 0) − x·z + log(1 + e^(−|x|)): e^(−|x|) ≤ 1, so nothing overflows for large |x|.
    elementwise = add(sub(maximum(p, 0), mul(p, t)), log1p(exp(neg(abs(p)))));
  } else {
    const q = clip(p, EPSILON, 1 - EPSILON);
    elementwise = neg(add(mul(t, log(q)), mul(sub(1, t), log(sub(1, q)))));
  }
  return mean(elementwise, axis);
}

/**
 * Categorical crossentropy between one-hot (or soft) labels and class probabilities.
 *
 * Formula: `−Σ_c y_c·log p_c` over `axis`, where p is `yPred` normalized to sum 1 and clipped
 * to [ε, 1 − ε], or `logSoftmax(yPred)` with `fromLogits`. Label smoothing first maps y to
 * `y·(1 − s) + s / numClasses`.
 *
 * Shape: `yTrue` and `yPred` both `[..., numClasses]` (numClasses > 1); the result drops `axis`.
 * Integer class labels of shape `[batch]` belong to {@link sparseCategoricalCrossentropy}.
 * @example categoricalCrossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]) // [0.0513, 2.303]
 */
export function categoricalCrossentropy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: CategoricalCrossentropyOptions = {},
): Tensor {
  const op = 'categoricalCrossentropy';
  const o = resolveSmoothing(op, options);
  let [t, p] = prepareInputs(yTrue, yPred, op, classIndexHint);
  const axis = normalizeAxis(o.axis, p.rank, op);
  const numClasses = p.shape[axis]!;
  if (numClasses === 1) {
    throw new ShapeError(
      `${op}: predictions of shape ${fmtShape(p.shape)} have a single class, so the loss is always 0. For two classes with one output, use binaryCrossentropy.`,
    );
  }
  if (o.labelSmoothing > 0) t = add(mul(t, 1 - o.labelSmoothing), o.labelSmoothing / numClasses);
  const logProbs = o.fromLogits ? logSoftmax(p, axis) : clippedLogProbs(p, axis);
  return neg(sum(mul(t, logProbs), axis));
}

function classIndexHint(t: Tensor, p: Tensor): string | undefined {
  const classes = p.shape[p.rank - 1]!;
  const lead = p.shape.slice(0, -1);
  const indices =
    (t.rank === p.rank - 1 && shapesEqual(t.shape, lead)) ||
    (t.rank === p.rank && t.shape[t.rank - 1] === 1 && shapesEqual(t.shape.slice(0, -1), lead));
  return indices
    ? `Labels of shape ${fmtShape(t.shape)} look like class indices: use sparseCategoricalCrossentropy, ` +
        `or one-hot encode them with oneHot(labels, ${classes}).`
    : undefined;
}

/**
 * Checks integer class labels: each must be an integer in [0, numClasses) unless it equals
 * `ignoreClass`. Returns int32 indices (ignored ones replaced by 0) and the keep mask. The
 * check runs inside the backend (`checkIndices`), not as a host read here, so a compiled
 * train step with this loss stays traceable and its replays still check every batch.
 */
function classIndices(
  labels: Tensor,
  numClasses: number,
  ignoreClass: number | null,
  op: string,
): { indices: Tensor; keep: Tensor | null } {
  const keep = ignoreClass === null ? null : notEqual(labels, ignoreClass);
  // Ignored labels may hold anything (padding): 0 takes their place before the check.
  const checked = keep ? where(keep, labels, 0) : labels;
  const b = be();
  const at = `(element {position} of labels of shape ${fmtShape(labels.shape)})`;
  const forP = `for predictions with ${numClasses} classes`;
  const h = b.checkIndices(checked.handleOn(b), checked.size, numClasses, checked.dtype, {
    outOfRange: `${op}: label {value} ${at} is out of range [0, ${numClasses}) ${forP}`,
    notInteger: `${op}: label {value} ${at} is not an integer class index ${forP}`,
  });
  return { indices: wrap(b, h, labels.shape, 'int32'), keep };
}

/**
 * Sparse categorical crossentropy: categorical crossentropy with integer class labels.
 *
 * Formula: `−log p[label]`, where p is `yPred` normalized to sum 1 and clipped to
 * [ε, 1 − ε], or `logSoftmax(yPred)` with `fromLogits`. Samples whose label equals
 * `ignoreClass` get 0.
 *
 * Shape: `yTrue` `[batch, ...]` or `[batch, ..., 1]` of integer (or integer-valued float)
 * labels; `yPred` `[batch, ..., numClasses]`; the result is `[batch, ...]`.
 * @example sparseCategoricalCrossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]) // [0.0513, 2.303]
 */
export function sparseCategoricalCrossentropy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: SparseCategoricalCrossentropyOptions = {},
): Tensor {
  const op = 'sparseCategoricalCrossentropy';
  const o = resolveSparse(op, options);
  const p = toPredictions(yPred, op);
  const t0 = convertToTensor(yTrue, op, 'yTrue');
  const t = t0.rank === p.rank && t0.rank > 0 && t0.shape[t0.rank - 1] === 1 ? squeeze(t0, -1) : t0;
  if (p.rank === 0 || !shapesEqual(t.shape, p.shape.slice(0, -1))) {
    const oneHotLike = shapesEqual(t0.shape, p.shape) && p.shape[p.rank - 1]! > 1;
    throw shapeMismatch(
      op,
      t0,
      p,
      oneHotLike
        ? 'Labels shaped like the predictions look one-hot: use categoricalCrossentropy.'
        : 'Labels must be class indices of shape [batch] or [batch, 1] for predictions of shape [batch, numClasses].',
    );
  }
  const numClasses = p.shape[p.rank - 1]!;
  const { indices, keep } = classIndices(t, numClasses, o.ignoreClass, op);
  // Ignored samples may hold anything (padding); a constant row keeps their gradient exactly 0.
  const safe = keep ? where(expandDims(keep, -1), p, 1) : p;
  const logProbs = o.fromLogits ? logSoftmax(safe, -1) : clippedLogProbs(safe, -1);
  const losses = neg(sum(mul(cast(oneHot(indices, numClasses), p.dtype), logProbs), -1));
  return keep ? where(keep, losses, 0) : losses;
}

/**
 * Kullback-Leibler divergence between label and predicted distributions.
 *
 * Formula: with both clipped to [ε, 1], `Σ y·log(y / p)` over the last axis.
 *
 * Shape: `yTrue` and `yPred` alike; the result drops the last axis.
 * @example kullbackLeiblerDivergence([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) // [0.916, 0]
 */
export function kullbackLeiblerDivergence(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t0, p0] = prepareInputs(yTrue, yPred, 'kullbackLeiblerDivergence');
  const t = clip(t0, EPSILON, 1);
  const p = clip(p0, EPSILON, 1);
  return sum(mul(t, log(div(t, p))), -1);
}

/**
 * Poisson loss, the negative log-likelihood of counts `y` under rates `yPred` (up to a term
 * independent of the prediction).
 *
 * Formula: `mean(p − y·log(p + ε))` over the last axis.
 *
 * Shape: `yTrue` and `yPred` alike; the result drops the last axis.
 * @example poisson([[1, 2]], [[1, 2]]) // [(1 + 2 − 2·log 2) / 2] ≈ [0.807]
 */
export function poisson(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = prepareInputs(yTrue, yPred, 'poisson');
  return mean(sub(p, mul(t, log(add(p, EPSILON)))), -1);
}

/**
 * {@link binaryCrossentropy} as a loss object.
 *
 * Formula: `reduce(mean_axis(−y·log p − (1 − y)·log(1 − p)) · w)`.
 *
 * Shape: as {@link binaryCrossentropy}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new BinaryCrossentropy({ fromLogits: true }).apply([[1], [0]], [[2.5], [-1]]).item()
 */
export class BinaryCrossentropy extends Loss {
  static override readonly className = 'BinaryCrossentropy';
  readonly options: Readonly<Required<BinaryCrossentropyOptions>>;

  constructor(opts: BinaryCrossentropyOptions & LossOptions = {}) {
    super(opts, 'binary_crossentropy');
    checkOptionKeys('BinaryCrossentropy', opts, [
      'name',
      'reduction',
      'fromLogits',
      'labelSmoothing',
      'axis',
    ]);
    this.options = resolveSmoothing('BinaryCrossentropy', opts);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return binaryCrossentropy(yTrue, yPred, this.options);
  }
}

/**
 * {@link categoricalCrossentropy} as a loss object.
 *
 * Formula: `reduce(−Σ_c y_c·log p_c · w)`.
 *
 * Shape: as {@link categoricalCrossentropy}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new CategoricalCrossentropy({ labelSmoothing: 0.1 }).apply([[0, 1]], [[0.3, 0.7]]).item()
 */
export class CategoricalCrossentropy extends Loss {
  static override readonly className = 'CategoricalCrossentropy';
  readonly options: Readonly<Required<CategoricalCrossentropyOptions>>;

  constructor(opts: CategoricalCrossentropyOptions & LossOptions = {}) {
    super(opts, 'categorical_crossentropy');
    checkOptionKeys('CategoricalCrossentropy', opts, [
      'name',
      'reduction',
      'fromLogits',
      'labelSmoothing',
      'axis',
    ]);
    this.options = resolveSmoothing('CategoricalCrossentropy', opts);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return categoricalCrossentropy(yTrue, yPred, this.options);
  }
}

/**
 * {@link sparseCategoricalCrossentropy} as a loss object. With `ignoreClass`, the
 * `sum_over_batch_size` mean runs over the samples that are not ignored (as Keras's mask does).
 *
 * Formula: `reduce(−log p[label] · w)`.
 *
 * Shape: as {@link sparseCategoricalCrossentropy}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new SparseCategoricalCrossentropy({ fromLogits: true }).apply([0, 2], [[2, 0, 0], [0, 0, 3]]).item()
 */
export class SparseCategoricalCrossentropy extends Loss {
  static override readonly className = 'SparseCategoricalCrossentropy';
  readonly options: Readonly<Required<SparseCategoricalCrossentropyOptions>>;

  constructor(opts: SparseCategoricalCrossentropyOptions & LossOptions = {}) {
    super(opts, 'sparse_categorical_crossentropy');
    checkOptionKeys('SparseCategoricalCrossentropy', opts, [
      'name',
      'reduction',
      'fromLogits',
      'ignoreClass',
    ]);
    this.options = resolveSparse('SparseCategoricalCrossentropy', opts);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return sparseCategoricalCrossentropy(yTrue, yPred, this.options);
  }

  protected override computeMask(yTrue: TensorLike, yPred: TensorLike): Tensor | null {
    const ignore = this.options.ignoreClass;
    if (ignore === null) return null;
    const t = convertToTensor(yTrue, this.name, 'yTrue');
    const rankP =
      yPred instanceof Tensor ? yPred.rank : convertToTensor(yPred, this.name, 'yPred').rank;
    const labels = t.rank === rankP && t.shape[t.rank - 1] === 1 ? squeeze(t, -1) : t;
    return cast(labels, 'float32').notEqual(ignore);
  }
}

/**
 * {@link kullbackLeiblerDivergence} as a loss object (Keras's `KLDivergence`).
 *
 * Formula: `reduce(Σ y·log(y / p) · w)`, both clipped to [ε, 1].
 *
 * Shape: as {@link kullbackLeiblerDivergence}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new KLDivergence().apply([[0.5, 0.5]], [[0.9, 0.1]]).item() // 0.511
 */
export class KLDivergence extends Loss {
  static override readonly className = 'KLDivergence';
  readonly options = {};

  constructor(opts: LossOptions = {}) {
    super(opts, 'kl_divergence');
    checkOptionKeys('KLDivergence', opts, ['name', 'reduction']);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return kullbackLeiblerDivergence(yTrue, yPred);
  }
}

/**
 * {@link poisson} as a loss object.
 *
 * Formula: `reduce(mean(p − y·log(p + ε)) · w)`.
 *
 * Shape: as {@link poisson}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new Poisson().apply([[1, 0]], [[1, 0.5]]).item()
 */
export class Poisson extends Loss {
  static override readonly className = 'Poisson';
  readonly options = {};

  constructor(opts: LossOptions = {}) {
    super(opts, 'poisson');
    checkOptionKeys('Poisson', opts, ['name', 'reduction']);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return poisson(yTrue, yPred);
  }
}

for (const cls of [
  BinaryCrossentropy,
  CategoricalCrossentropy,
  SparseCategoricalCrossentropy,
  KLDivergence,
  Poisson,
]) {
  registerSerializable('loss', cls);
}
