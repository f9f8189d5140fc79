/**
 * Regression losses: mean squared / absolute / absolute percentage / squared logarithmic
 * error, Huber, log-cosh and cosine similarity. Each averages (or, for cosine similarity,
 * sums) over the last axis, giving one value per sample.
 */
import { softplus } from '../ops/activation.js';
import {
  abs,
  add,
  div,
  lessEqual,
  log,
  maximum,
  minimum,
  mul,
  neg,
  rsqrt,
  square,
  sub,
  where,
} from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { registerSerializable } from '../serialization.js';
import { normalizeAxis } from '../tensor/shape.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import {
  EPSILON,
  Loss,
  type LossOptions,
  checkInteger,
  checkOptionKeys,
  checkRange,
  prepareInputs,
} from './core.js';

/** Options of {@link huber} and {@link Huber}. */
export type HuberOptions = {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
};

/** Options of {@link cosineSimilarity} and {@link CosineSimilarity}. */
export type CosineSimilarityOptions = {
  /** The feature axis the similarity is computed along (default −1). */
  axis?: number;
};

/**
 * Mean squared error.
 *
 * Formula: `mean((y − p)²)` over the last axis.
 *
 * Shape: `yTrue` and `yPred` alike (a `[batch]` side meets a `[batch, 1]` side); the result
 * drops the last axis.
 * @example meanSquaredError([[0, 1], [0, 0]], [[1, 1], [1, 0]]) // [0.5, 0.5]
 */
export function meanSquaredError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = prepareInputs(yTrue, yPred, 'meanSquaredError');
  return mean(square(sub(t, p)), -1);
}

/**
 * Mean absolute error.
 *
 * Formula: `mean(|y − p|)` over the last axis.
 *
 * Shape: `yTrue` and `yPred` alike; the result drops the last axis.
 * @example meanAbsoluteError([[0, 1], [0, 0]], [[1, 1], [1, 0]]) // [0.5, 0.5]
 */
export function meanAbsoluteError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = prepareInputs(yTrue, yPred, 'meanAbsoluteError');
  return mean(abs(sub(t, p)), -1);
}

/**
 * Mean absolute percentage error, in percent.
 *
 * Formula: `100 · mean(|y − p| / max(|y|, ε))` over the last axis.
 *
 * Shape: `yTrue` and `yPred` alike; the result drops the last axis.
 * @example meanAbsolutePercentageError([[2, 4]], [[1, 5]]) // [37.5]
 */
export function meanAbsolutePercentageError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = prepareInputs(yTrue, yPred, 'meanAbsolutePercentageError');
  return mul(mean(abs(div(sub(t, p), maximum(abs(t), EPSILON))), -1), 100);
}

/**
 * Mean squared logarithmic error; values below ε count as ε.
 *
 * Formula: `mean((log(max(p, ε) + 1) − log(max(y, ε) + 1))²)` over the last axis.
 *
 * Shape: `yTrue` and `yPred` alike; the result drops the last axis.
 * @example meanSquaredLogarithmicError([[0, 1]], [[1, 1]]) // [0.240]
 */
export function meanSquaredLogarithmicError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = prepareInputs(yTrue, yPred, 'meanSquaredLogarithmicError');
  const logP = log(add(maximum(p, EPSILON), 1));
  const logT = log(add(maximum(t, EPSILON), 1));
  return mean(square(sub(logP, logT)), -1);
}

/**
 * Huber loss: quadratic for small errors, linear for large ones.
 *
 * Formula: with e = p − y, `mean(½e²)` where |e| ≤ δ and `mean(δ|e| − ½δ²)` elsewhere, over
 * the last axis.
 *
 * Shape: `yTrue` and `yPred` alike; the result drops the last axis.
 * @example huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) // [0.18, 0.13]
 */
export function huber(yTrue: TensorLike, yPred: TensorLike, options: HuberOptions = {}): Tensor {
  const delta = resolveHuber('huber', options).delta;
  const [t, p] = prepareInputs(yTrue, yPred, 'huber');
  const err = sub(p, t);
  const absErr = abs(err);
  const quadratic = mul(square(err), 0.5);
  const linear = sub(mul(absErr, delta), 0.5 * delta * delta);
  return mean(where(lessEqual(absErr, delta), quadratic, linear), -1);
}

function resolveHuber(op: string, o: HuberOptions): Required<HuberOptions> {
  return { delta: checkRange(op, 'delta', o.delta ?? 1, 0, Number.MAX_VALUE) };
}

/**
 * Logarithm of the hyperbolic cosine of the error: like MSE/2 for small errors and like
 * |e| − log 2 for large ones, without overflowing cosh.
 *
 * Formula: with e = p − y, `mean(e + softplus(−2e) − log 2)` over the last axis.
 *
 * Shape: `yTrue` and `yPred` alike; the result drops the last axis.
 * @example logCosh([[0, 1], [0, 0]], [[1, 1], [0, 0]]) // [0.217, 0]
 */
export function logCosh(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = prepareInputs(yTrue, yPred, 'logCosh');
  const err = sub(p, t);
  return mean(sub(add(err, softplus(mul(err, -2))), Math.LN2), -1);
}

/** x / max(‖x‖₂, ε) along `axis`, written as Keras's `x · min(rsqrt(Σx²), 1/ε)`. */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return mul(x, minimum(rsqrt(sum(square(x), axis, true)), 1 / EPSILON));
}

/**
 * Cosine similarity as a loss: the negated cosine, so that minimizing it aligns the vectors
 * (−1 = same direction, 0 = orthogonal, or a zero vector).
 *
 * Formula: `−Σ (y / max(‖y‖, ε)) · (p / max(‖p‖, ε))` along `axis`.
 *
 * Shape: `yTrue` and `yPred` alike; the result drops `axis`.
 * @example cosineSimilarity([[0, 1], [1, 1]], [[1, 0], [1, 1]]) // [0, −1]
 */
export function cosineSimilarity(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: CosineSimilarityOptions = {},
): Tensor {
  const op = 'cosineSimilarity';
  const o = resolveCosine(op, options);
  const [t, p] = prepareInputs(yTrue, yPred, op);
  const axis = normalizeAxis(o.axis, p.rank, op);
  return neg(sum(mul(l2Normalize(t, axis), l2Normalize(p, axis)), axis));
}

function resolveCosine(op: string, o: CosineSimilarityOptions): Required<CosineSimilarityOptions> {
  return { axis: checkInteger(op, 'axis', o.axis ?? -1) };
}

/**
 * {@link meanSquaredError} as a loss object.
 *
 * Formula: `reduce(mean((y − p)²) · w)`.
 *
 * Shape: as {@link meanSquaredError}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new MeanSquaredError().apply([[0, 1]], [[1, 1]]).item() // 0.5
 */
export class MeanSquaredError extends Loss {
  static override readonly className = 'MeanSquaredError';
  readonly options = {};

  constructor(opts: LossOptions = {}) {
    super(opts, 'mean_squared_error');
    checkOptionKeys('MeanSquaredError', opts, ['name', 'reduction']);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return meanSquaredError(yTrue, yPred);
  }
}

/**
 * {@link meanAbsoluteError} as a loss object.
 *
 * Formula: `reduce(mean(|y − p|) · w)`.
 *
 * Shape: as {@link meanAbsoluteError}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new MeanAbsoluteError().apply([[0, 1]], [[1, 1]]).item() // 0.5
 */
export class MeanAbsoluteError extends Loss {
  static override readonly className = 'MeanAbsoluteError';
  readonly options = {};

  constructor(opts: LossOptions = {}) {
    super(opts, 'mean_absolute_error');
    checkOptionKeys('MeanAbsoluteError', opts, ['name', 'reduction']);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return meanAbsoluteError(yTrue, yPred);
  }
}

/**
 * {@link meanAbsolutePercentageError} as a loss object.
 *
 * Formula: `reduce(100 · mean(|y − p| / max(|y|, ε)) · w)`.
 *
 * Shape: as {@link meanAbsolutePercentageError}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new MeanAbsolutePercentageError().apply([[2, 4]], [[1, 5]]).item() // 37.5
 */
export class MeanAbsolutePercentageError extends Loss {
  static override readonly className = 'MeanAbsolutePercentageError';
  readonly options = {};

  constructor(opts: LossOptions = {}) {
    super(opts, 'mean_absolute_percentage_error');
    checkOptionKeys('MeanAbsolutePercentageError', opts, ['name', 'reduction']);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return meanAbsolutePercentageError(yTrue, yPred);
  }
}

/**
 * {@link meanSquaredLogarithmicError} as a loss object.
 *
 * Formula: `reduce(mean((log(max(p, ε) + 1) − log(max(y, ε) + 1))²) · w)`.
 *
 * Shape: as {@link meanSquaredLogarithmicError}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new MeanSquaredLogarithmicError().apply([[0, 1]], [[1, 1]]).item() // 0.240
 */
export class MeanSquaredLogarithmicError extends Loss {
  static override readonly className = 'MeanSquaredLogarithmicError';
  readonly options = {};

  constructor(opts: LossOptions = {}) {
    super(opts, 'mean_squared_logarithmic_error');
    checkOptionKeys('MeanSquaredLogarithmicError', opts, ['name', 'reduction']);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return meanSquaredLogarithmicError(yTrue, yPred);
  }
}

/**
 * {@link huber} as a loss object.
 *
 * Formula: `reduce(mean(½e² if |e| ≤ δ else δ|e| − ½δ²) · w)`, e = p − y.
 *
 * Shape: as {@link huber}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new Huber({ delta: 0.5 }).apply([[0, 1]], [[2, 1]]).item() // 0.4375
 */
export class Huber extends Loss {
  static override readonly className = 'Huber';
  readonly options: Readonly<Required<HuberOptions>>;

  constructor(opts: HuberOptions & LossOptions = {}) {
    super(opts, 'huber_loss');
    checkOptionKeys('Huber', opts, ['name', 'reduction', 'delta']);
    this.options = resolveHuber('Huber', opts);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return huber(yTrue, yPred, this.options);
  }
}

/**
 * {@link logCosh} as a loss object.
 *
 * Formula: `reduce(mean(log cosh(p − y)) · w)`.
 *
 * Shape: as {@link logCosh}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new LogCosh().apply([[0, 1], [0, 0]], [[1, 1], [0, 0]]).item() // 0.108
 */
export class LogCosh extends Loss {
  static override readonly className = 'LogCosh';
  readonly options = {};

  constructor(opts: LossOptions = {}) {
    super(opts, 'log_cosh');
    checkOptionKeys('LogCosh', opts, ['name', 'reduction']);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return logCosh(yTrue, yPred);
  }
}

/**
 * {@link cosineSimilarity} as a loss object.
 *
 * Formula: `reduce(−cos(y, p) · w)` along `axis`.
 *
 * Shape: as {@link cosineSimilarity}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new CosineSimilarity().apply([[0, 1], [1, 1]], [[1, 0], [1, 1]]).item() // −0.5
 */
export class CosineSimilarity extends Loss {
  static override readonly className = 'CosineSimilarity';
  readonly options: Readonly<Required<CosineSimilarityOptions>>;

  constructor(opts: CosineSimilarityOptions & LossOptions = {}) {
    super(opts, 'cosine_similarity');
    checkOptionKeys('CosineSimilarity', opts, ['name', 'reduction', 'axis']);
    this.options = resolveCosine('CosineSimilarity', opts);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return cosineSimilarity(yTrue, yPred, this.options);
  }
}

for (const cls of [
  MeanSquaredError,
  MeanAbsoluteError,
  MeanAbsolutePercentageError,
  MeanSquaredLogarithmicError,
  Huber,
  LogCosh,
  CosineSimilarity,
]) {
  registerSerializable('loss', cls);
}
