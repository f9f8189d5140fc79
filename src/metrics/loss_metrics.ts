/**
 * Keras's loss-named metrics: the weighted mean of a loss function over an epoch
 * (`metrics.BinaryCrossentropy`, `metrics.Hinge`, …), with Keras's default names and options.
 * Each is a {@link MeanMetricWrapper} whose config holds the options rather than a function id.
 */
import { checkOptionKeys } from '../losses/core.js';
import { categoricalHinge, hinge, squaredHinge } from '../losses/hinge.js';
import {
  type BinaryCrossentropyOptions,
  type CategoricalCrossentropyOptions,
  binaryCrossentropy,
  categoricalCrossentropy,
  kullbackLeiblerDivergence,
  poisson,
} from '../losses/probabilistic.js';
import {
  type CosineSimilarityOptions,
  cosineSimilarity,
  logCosh,
  meanAbsolutePercentageError,
  meanSquaredLogarithmicError,
} from '../losses/regression.js';
import { neg } from '../ops/elementwise.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import {
  MeanMetricWrapper,
  type MetricFunction,
  type MetricOptions,
  registerMetricFunction,
} from './base.js';

/** A mean metric over a fixed function, whose options are the function's options. */
abstract class LossMean extends MeanMetricWrapper {
  override readonly options: Readonly<Config>;

  constructor(
    cls: string,
    fn: MetricFunction,
    opts: MetricOptions & Config,
    defaultName: string,
    fnOptions: Config,
  ) {
    checkOptionKeys(cls, opts, ['name', ...Object.keys(fnOptions)]);
    super(fn, { name: (opts.name as string | undefined) ?? defaultName, fnOptions });
    this.options = { ...fnOptions };
  }
}

/**
 * Binary crossentropy, averaged over an epoch.
 *
 * Formula: `Σ w·bce(y, p) / Σ w`, bce as {@link binaryCrossentropy} (mean over the last axis).
 *
 * Shape: `yTrue` and `yPred` alike, e.g. `[batch, 1]`.
 * @example
 * const m = new BinaryCrossentropy();
 * m.updateState([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]);
 * m.result(); // 0.815
 */
export class BinaryCrossentropy extends LossMean {
  static override readonly className = 'BinaryCrossentropy';
  constructor(opts: MetricOptions & Omit<BinaryCrossentropyOptions, 'axis'> = {}) {
    super('BinaryCrossentropy', binaryCrossentropy as MetricFunction, opts, 'binary_crossentropy', {
      fromLogits: opts.fromLogits ?? false,
      labelSmoothing: opts.labelSmoothing ?? 0,
    });
  }
}

/**
 * Categorical crossentropy, averaged over an epoch.
 *
 * Formula: `Σ w·(−Σ_c y_c·log p_c) / Σ w`, as {@link categoricalCrossentropy}.
 *
 * Shape: `yTrue` and `yPred` both `[batch, numClasses]`.
 * @example
 * const m = new CategoricalCrossentropy();
 * m.updateState([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]);
 * m.result(); // 1.177
 */
export class CategoricalCrossentropy extends LossMean {
  static override readonly className = 'CategoricalCrossentropy';
  constructor(opts: MetricOptions & CategoricalCrossentropyOptions = {}) {
    super(
      'CategoricalCrossentropy',
      categoricalCrossentropy as MetricFunction,
      opts,
      'categorical_crossentropy',
      {
        fromLogits: opts.fromLogits ?? false,
        labelSmoothing: opts.labelSmoothing ?? 0,
        axis: opts.axis ?? -1,
      },
    );
  }
}

/**
 * Kullback-Leibler divergence, averaged over an epoch.
 *
 * Formula: `Σ w·Σ_c y·log(y / p) / Σ w`, both clipped to [ε, 1].
 *
 * Shape: `yTrue` and `yPred` both `[batch, numClasses]`.
 * @example
 * const m = new KLDivergence();
 * m.updateState([[0.5, 0.5]], [[0.9, 0.1]]);
 * m.result(); // 0.511
 */
export class KLDivergence extends LossMean {
  static override readonly className = 'KLDivergence';
  constructor(opts: MetricOptions = {}) {
    super('KLDivergence', kullbackLeiblerDivergence, opts, 'kl_divergence', {});
  }
}

/**
 * Poisson loss, averaged over an epoch.
 *
 * Formula: `Σ w·mean(p − y·log(p + ε)) / Σ w`.
 *
 * Shape: `yTrue` and `yPred` alike.
 * @example
 * const m = new Poisson();
 * m.updateState([[0, 1], [0, 0]], [[1, 1], [0, 0]]);
 * m.result(); // 0.5
 */
export class Poisson extends LossMean {
  static override readonly className = 'Poisson';
  constructor(opts: MetricOptions = {}) {
    super('Poisson', poisson, opts, 'poisson', {});
  }
}

/**
 * Hinge loss, averaged over an epoch.
 *
 * Formula: `Σ w·mean(max(1 − y·p, 0)) / Σ w`, y ∈ {−1, 1} (0/1 labels are mapped).
 *
 * Shape: `yTrue` and `yPred` alike.
 * @example
 * const m = new Hinge();
 * m.updateState([[1, -1]], [[0.5, -2]]);
 * m.result(); // 0.25
 */
export class Hinge extends LossMean {
  static override readonly className = 'Hinge';
  constructor(opts: MetricOptions = {}) {
    super('Hinge', hinge, opts, 'hinge', {});
  }
}

/**
 * Squared hinge loss, averaged over an epoch.
 *
 * Formula: `Σ w·mean(max(1 − y·p, 0)²) / Σ w`.
 *
 * Shape: `yTrue` and `yPred` alike.
 * @example
 * const m = new SquaredHinge();
 * m.updateState([[1, -1]], [[0.5, -2]]);
 * m.result(); // 0.125
 */
export class SquaredHinge extends LossMean {
  static override readonly className = 'SquaredHinge';
  constructor(opts: MetricOptions = {}) {
    super('SquaredHinge', squaredHinge, opts, 'squared_hinge', {});
  }
}

/**
 * Categorical hinge loss, averaged over an epoch.
 *
 * Formula: `Σ w·max(max((1 − y)·p) − Σ y·p + 1, 0) / Σ w`.
 *
 * Shape: `yTrue` (one-hot) and `yPred` both `[batch, numClasses]`.
 * @example
 * const m = new CategoricalHinge();
 * m.updateState([[0, 1, 0]], [[0.2, 0.5, 0.3]]);
 * m.result(); // 0.8
 */
export class CategoricalHinge extends LossMean {
  static override readonly className = 'CategoricalHinge';
  constructor(opts: MetricOptions = {}) {
    super('CategoricalHinge', categoricalHinge, opts, 'categorical_hinge', {});
  }
}

/**
 * Log-cosh error, averaged over an epoch (Keras's default name is `'logcosh'`).
 *
 * Formula: `Σ w·mean(log cosh(p − y)) / Σ w`.
 *
 * Shape: `yTrue` and `yPred` alike.
 * @example
 * const m = new LogCoshError();
 * m.updateState([[0, 1]], [[1, 1]]);
 * m.result(); // 0.217
 */
export class LogCoshError extends LossMean {
  static override readonly className = 'LogCoshError';
  constructor(opts: MetricOptions = {}) {
    super('LogCoshError', logCosh, opts, 'logcosh', {});
  }
}

/**
 * Mean squared logarithmic error over an epoch.
 *
 * Formula: `Σ w·mean((log(1 + max(y, ε)) − log(1 + max(p, ε)))²) / Σ w`.
 *
 * Shape: `yTrue` and `yPred` alike.
 * @example
 * const m = new MeanSquaredLogarithmicError();
 * m.updateState([[0, 1]], [[1, 1]]);
 * m.result(); // 0.240
 */
export class MeanSquaredLogarithmicError extends LossMean {
  static override readonly className = 'MeanSquaredLogarithmicError';
  constructor(opts: MetricOptions = {}) {
    super(
      'MeanSquaredLogarithmicError',
      meanSquaredLogarithmicError,
      opts,
      'mean_squared_logarithmic_error',
      {},
    );
  }
}

/**
 * Mean absolute percentage error over an epoch.
 *
 * Formula: `Σ w·100·mean(|y − p| / max(|y|, ε)) / Σ w`.
 *
 * Shape: `yTrue` and `yPred` alike.
 * @example
 * const m = new MeanAbsolutePercentageError();
 * m.updateState([[1, 2]], [[1.5, 2]]);
 * m.result(); // 25
 */
export class MeanAbsolutePercentageError extends LossMean {
  static override readonly className = 'MeanAbsolutePercentageError';
  constructor(opts: MetricOptions = {}) {
    super(
      'MeanAbsolutePercentageError',
      meanAbsolutePercentageError,
      opts,
      'mean_absolute_percentage_error',
      {},
    );
  }
}

/**
 * The cosine similarity of labels and predictions along `axis` (positive, unlike the loss).
 *
 * Formula: `Σ_axis ŷ·p̂` with both L2-normalized.
 *
 * Shape: `yTrue` and `yPred` alike; the result drops `axis`.
 * @example cosineSimilarityMetric([[0, 1]], [[1, 1]]) // [0.707]
 */
export function cosineSimilarityMetric(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: CosineSimilarityOptions = {},
): Tensor {
  return neg(cosineSimilarity(yTrue, yPred, options));
}

/**
 * Cosine similarity, averaged over an epoch.
 *
 * Formula: `Σ w·cos(y, p) / Σ w`, the cosine along `axis` (default −1).
 *
 * Shape: `yTrue` and `yPred` alike, e.g. `[batch, features]`.
 * @example
 * const m = new CosineSimilarity();
 * m.updateState([[0, 1], [1, 1]], [[1, 0], [1, 1]]);
 * m.result(); // 0.5
 */
export class CosineSimilarity extends LossMean {
  static override readonly className = 'CosineSimilarity';
  constructor(opts: MetricOptions & CosineSimilarityOptions = {}) {
    super('CosineSimilarity', cosineSimilarityMetric as MetricFunction, opts, 'cosine_similarity', {
      axis: opts.axis ?? -1,
    });
  }
}

registerMetricFunction('cosineSimilarityMetric', cosineSimilarityMetric as MetricFunction, true);

for (const cls of [
  BinaryCrossentropy,
  CategoricalCrossentropy,
  KLDivergence,
  Poisson,
  Hinge,
  SquaredHinge,
  CategoricalHinge,
  LogCoshError,
  MeanSquaredLogarithmicError,
  MeanAbsolutePercentageError,
  CosineSimilarity,
]) {
  registerSerializable('metric', cls);
}
