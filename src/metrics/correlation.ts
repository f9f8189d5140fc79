/**
 * Correlation metrics: the Pearson correlation of labels and predictions along an axis,
 * averaged over an epoch.
 */
import {
  checkInteger,
  checkOptionKeys,
  shapeMismatch,
  squeezeOrExpandToSameRank,
  toLabels,
  toPredictions,
} from '../losses/core.js';
import { add, div, mul, square, sub } from '../ops/elementwise.js';
import { mean, std, variance } from '../ops/reduce.js';
import { registerSerializable } from '../serialization.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import {
  MeanMetricWrapper,
  type MetricFunction,
  type MetricOptions,
  registerMetricFunction,
} from './base.js';

/** Options of {@link pearsonCorrelation} and {@link PearsonCorrelation}. */
export type PearsonCorrelationOptions = {
  /** The axis the correlation is computed along (default −1). */
  axis?: number;
};

/**
 * Pearson correlation coefficient of labels and predictions along `axis`.
 *
 * Formula: `mean(((y − ȳ)/σ_y)·((p − p̄)/σ_p))` over `axis`, with population standard
 * deviations (NaN where either side is constant, as Keras).
 *
 * Shape: `yTrue` and `yPred` alike, e.g. `[batch, features]`; the result drops `axis`.
 * @example pearsonCorrelation([[1, 2, 3]], [[2, 4, 7]]) // [0.993]
 */
export function pearsonCorrelation(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: PearsonCorrelationOptions = {},
): Tensor {
  const op = 'pearsonCorrelation';
  const axis = checkInteger(op, 'axis', options.axis ?? -1);
  const p0 = toPredictions(yPred, op);
  const t0 = toLabels(yTrue, p0, op);
  const [t, p] = squeezeOrExpandToSameRank(t0, p0);
  if (t.rank === 0 || !shapesEqual(t.shape, p.shape)) throw shapeMismatch(op, t0, p0);
  let tn = sub(t, mean(t, axis, true));
  let pn = sub(p, mean(p, axis, true));
  tn = div(tn, std(tn, axis, true));
  pn = div(pn, std(pn, axis, true));
  return mean(mul(tn, pn), axis);
}

/**
 * Pearson correlation, averaged over an epoch (each sample's correlation along `axis`,
 * weighted by its sample weight).
 *
 * Formula: `Σ w·r(y, p) / Σ w` with r as {@link pearsonCorrelation}.
 *
 * Shape: `yTrue` and `yPred` alike, e.g. `[batch, features]`.
 * @example
 * const m = new PearsonCorrelation();
 * m.updateState([[1, 2, 3]], [[2, 4, 7]]);
 * m.result(); // 0.993
 */
export class PearsonCorrelation extends MeanMetricWrapper {
  static override readonly className = 'PearsonCorrelation';
  override readonly options: Readonly<{ axis: number }>;

  constructor(opts: MetricOptions & PearsonCorrelationOptions = {}) {
    checkOptionKeys('PearsonCorrelation', opts, ['name', 'axis']);
    const axis = checkInteger('PearsonCorrelation', 'axis', opts.axis ?? -1);
    super(pearsonCorrelation as MetricFunction, {
      name: opts.name ?? 'pearson_correlation',
      fnOptions: { axis },
    });
    this.options = { axis };
  }
}

registerMetricFunction('pearsonCorrelation', pearsonCorrelation as MetricFunction, true);
registerSerializable('metric', PearsonCorrelation);

/**
 * Concordance correlation along an axis (Keras's `concordance_correlation`), as Keras
 * computes it: note its covariance term centres the labels on the predictions' mean.
 *
 * Formula: `mean(2·(y − mean p)·(p − mean p) / (var y + var p + (mean y − mean p)² + ε))`
 * along `axis`, ε = 1e-7.
 *
 * Shape: `yTrue` and `yPred` alike; the result drops `axis`.
 * @example concordanceCorrelation([[0, 1, 0.5]], [[0.1, 0.9, 0.5]]) // [0.9756]
 */
export function concordanceCorrelation(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: PearsonCorrelationOptions = {},
): Tensor {
  const op = 'concordanceCorrelation';
  const axis = checkInteger(op, 'axis', options.axis ?? -1);
  const p0 = toPredictions(yPred, op);
  const t0 = toLabels(yTrue, p0, op);
  const [t, p] = squeezeOrExpandToSameRank(t0, p0);
  if (t.rank === 0 || !shapesEqual(t.shape, p.shape)) throw shapeMismatch(op, t0, p0);
  const tMean = mean(t, axis, true);
  const pMean = mean(p, axis, true);
  const tVar = variance(sub(t, tMean), axis, true);
  const pVar = variance(sub(p, pMean), axis, true);
  const covar = mul(sub(t, pMean), sub(p, pMean));
  const norm = add(add(tVar, pVar), square(sub(tMean, pMean)));
  return mean(div(mul(covar, 2), add(norm, 1e-7)), axis);
}

/**
 * Concordance correlation, averaged over an epoch (Keras's `ConcordanceCorrelation`).
 *
 * Formula: `Σ w·c(y, p) / Σ w` with c as {@link concordanceCorrelation}.
 *
 * Shape: `yTrue` and `yPred` alike, e.g. `[batch, features]`.
 * @example
 * const m = new ConcordanceCorrelation();
 * m.updateState([[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]]);
 * m.result(); // 0.9816
 */
export class ConcordanceCorrelation extends MeanMetricWrapper {
  static override readonly className = 'ConcordanceCorrelation';
  override readonly options: Readonly<{ axis: number }>;

  constructor(opts: MetricOptions & PearsonCorrelationOptions = {}) {
    checkOptionKeys('ConcordanceCorrelation', opts, ['name', 'axis']);
    const axis = checkInteger('ConcordanceCorrelation', 'axis', opts.axis ?? -1);
    super(concordanceCorrelation as MetricFunction, {
      name: opts.name ?? 'concordance_correlation',
      fnOptions: { axis },
    });
    this.options = { axis };
  }
}

registerMetricFunction('concordanceCorrelation', concordanceCorrelation as MetricFunction, true);
registerSerializable('metric', ConcordanceCorrelation);
