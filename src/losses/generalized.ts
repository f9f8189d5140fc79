/**
 * The generalized cross-entropy (Zhang and Sabuncu, 2018), Keras's
 * `categorical_generalized_cross_entropy`: a loss between cross-entropy and mean absolute
 * error that tolerates noisy labels.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { cast, div, mul, pow, sub } from '../ops/elementwise.js';
import { oneHot } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import { registerSerializable } from '../serialization.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { Loss, type LossOptions, checkOptionKeys } from './core.js';

/** Options of {@link categoricalGeneralizedCrossEntropy}. */
export type GeneralizedCrossEntropyOptions = {
  /** The noise parameter in (0, 1): towards 0 cross-entropy, towards 1 MAE (default 0.5). */
  q?: number;
};

function checkQ(op: string, q: number): number {
  if (!(typeof q === 'number' && q > 0 && q < 1))
    throw new ValueError(`${op}: q must be in the interval (0, 1), got ${q}`);
  return q;
}

/**
 * Generalized cross-entropy of integer labels against class probabilities.
 *
 * Formula: with p the predicted probability of the true class, `(1 − p^q) / q`.
 *
 * Shape: `yTrue` `[batch]` class indices, `yPred` `[batch, numClasses]` → `[batch]`.
 * @example categoricalGeneralizedCrossEntropy([0], [[0.7, 0.3]]) // [(1 − √0.7) / 0.5]
 */
export function categoricalGeneralizedCrossEntropy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: GeneralizedCrossEntropyOptions = {},
): Tensor {
  const op = 'categoricalGeneralizedCrossEntropy';
  const q = checkQ(op, options.q ?? 0.5);
  const p = convertToTensor(yPred, op, 'yPred');
  const t = convertToTensor(yTrue, op, 'yTrue');
  if (p.rank < 1 || t.rank !== p.rank - 1 || t.shape.some((d, i) => d !== p.shape[i]))
    throw new ShapeError(
      `${op}: expected integer labels [batch] for predictions [batch, numClasses], got labels ${fmtShape(t.shape)} and predictions ${fmtShape(p.shape)}`,
    );
  const classes = p.shape[p.rank - 1]!;
  const hot = cast(oneHot(cast(t, 'int32'), classes), p.dtype);
  const pTrue = sum(mul(p, hot), -1);
  return div(sub(1, pow(pTrue, q)), q);
}

/**
 * {@link categoricalGeneralizedCrossEntropy} as a loss object (Keras's
 * `CategoricalGeneralizedCrossEntropy`).
 *
 * Formula: `reduce((1 − p^q) / q · w)`.
 *
 * Shape: as {@link categoricalGeneralizedCrossEntropy}.
 * @example new CategoricalGeneralizedCrossEntropy({ q: 0.3 }).apply(labels, probabilities)
 */
export class CategoricalGeneralizedCrossEntropy extends Loss {
  static override readonly className = 'CategoricalGeneralizedCrossEntropy';
  readonly options: Readonly<{ q: number }>;

  constructor(opts: GeneralizedCrossEntropyOptions & LossOptions = {}) {
    super(opts, 'categorical_generalized_cross_entropy');
    checkOptionKeys('CategoricalGeneralizedCrossEntropy', opts, ['name', 'reduction', 'q']);
    this.options = { q: checkQ('CategoricalGeneralizedCrossEntropy', opts.q ?? 0.5) };
  }

  call(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return categoricalGeneralizedCrossEntropy(yTrue, yPred, this.options);
  }
}

registerSerializable('loss', CategoricalGeneralizedCrossEntropy);
