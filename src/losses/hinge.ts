/**
 * Hinge losses for maximum-margin classifiers: hinge, squared hinge and categorical hinge.
 * Labels are −1/1; hinge and squared hinge also take 0/1 labels and map them to −1/1, as
 * Keras 3 does.
 */
import { add, maximum, mul, square, sub } from '../ops/elementwise.js';
import { max, mean, sum } from '../ops/reduce.js';
import { registerSerializable } from '../serialization.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { Loss, type LossOptions, checkOptionKeys, prepareInputs } from './core.js';

/** 0/1 labels become −1/1; labels with any other value are left alone (Keras's rule). */
function toSignedLabels(t: Tensor): Tensor {
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) if (v[i] !== 0 && v[i] !== 1) return t;
  return sub(mul(t, 2), 1);
}

/**
 * Hinge loss.
 *
 * Formula: `mean(max(1 − y·p, 0))` over the last axis, with y ∈ {−1, 1} (0/1 labels are
 * mapped to −1/1 when every label is 0 or 1).
 *
 * Shape: `yTrue` and `yPred` alike; the result drops the last axis.
 * @example hinge([[1, -1]], [[0.5, -2]]) // [0.25]
 */
export function hinge(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = prepareInputs(yTrue, yPred, 'hinge');
  return mean(maximum(sub(1, mul(toSignedLabels(t), p)), 0), -1);
}

/**
 * Squared hinge loss.
 *
 * Formula: `mean(max(1 − y·p, 0)²)` over the last axis, with y ∈ {−1, 1} (0/1 labels are
 * mapped to −1/1 when every label is 0 or 1).
 *
 * Shape: `yTrue` and `yPred` alike; the result drops the last axis.
 * @example squaredHinge([[1, -1]], [[0.5, -2]]) // [0.125]
 */
export function squaredHinge(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = prepareInputs(yTrue, yPred, 'squaredHinge');
  return mean(square(maximum(sub(1, mul(toSignedLabels(t), p)), 0)), -1);
}

/**
 * Categorical hinge loss for one-hot labels: the margin between the true class's score and
 * the best other class's.
 *
 * Formula: `max(neg − pos + 1, 0)` with `pos = Σ y·p` and `neg = max((1 − y)·p)` over the
 * last axis.
 *
 * Shape: `yTrue` and `yPred` both `[..., numClasses]`; the result drops the last axis.
 * @example categoricalHinge([[0, 1, 0]], [[0.2, 0.5, 0.3]]) // [0.8]
 */
export function categoricalHinge(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = prepareInputs(yTrue, yPred, 'categoricalHinge');
  const pos = sum(mul(t, p), -1);
  const neg = max(mul(sub(1, t), p), -1);
  return maximum(add(sub(neg, pos), 1), 0);
}

/**
 * {@link hinge} as a loss object.
 *
 * Formula: `reduce(mean(max(1 − y·p, 0)) · w)`.
 *
 * Shape: as {@link hinge}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new Hinge().apply([[1, 0]], [[0.5, -2]]).item() // 0.25
 */
export class Hinge extends Loss {
  static override readonly className = 'Hinge';
  readonly options = {};

  constructor(opts: LossOptions = {}) {
    super(opts, 'hinge');
    checkOptionKeys('Hinge', opts, ['name', 'reduction']);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return hinge(yTrue, yPred);
  }
}

/**
 * {@link squaredHinge} as a loss object.
 *
 * Formula: `reduce(mean(max(1 − y·p, 0)²) · w)`.
 *
 * Shape: as {@link squaredHinge}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new SquaredHinge().apply([[1, -1]], [[0.5, -2]]).item() // 0.125
 */
export class SquaredHinge extends Loss {
  static override readonly className = 'SquaredHinge';
  readonly options = {};

  constructor(opts: LossOptions = {}) {
    super(opts, 'squared_hinge');
    checkOptionKeys('SquaredHinge', opts, ['name', 'reduction']);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return squaredHinge(yTrue, yPred);
  }
}

/**
 * {@link categoricalHinge} as a loss object.
 *
 * Formula: `reduce(max(max((1 − y)·p) − Σ y·p + 1, 0) · w)`.
 *
 * Shape: as {@link categoricalHinge}; `apply` returns a scalar unless `reduction` is `'none'`.
 * @example new CategoricalHinge().apply([[0, 1, 0]], [[0.2, 0.5, 0.3]]).item() // 0.8
 */
export class CategoricalHinge extends Loss {
  static override readonly className = 'CategoricalHinge';
  readonly options = {};

  constructor(opts: LossOptions = {}) {
    super(opts, 'categorical_hinge');
    checkOptionKeys('CategoricalHinge', opts, ['name', 'reduction']);
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return categoricalHinge(yTrue, yPred);
  }
}

for (const cls of [Hinge, SquaredHinge, CategoricalHinge]) registerSerializable('loss', cls);
