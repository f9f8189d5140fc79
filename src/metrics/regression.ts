/**
 * Regression metrics: mean squared error, mean absolute error, root mean squared error and
 * the R² score (coefficient of determination).
 */
import { noGrad } from '../autograd/tape.js';
import { ValueError } from '../errors.js';
import {
  alignWeights,
  checkInteger,
  checkOptionKeys,
  shapeMismatch,
  squeezeOrExpandToSameRank,
  toLabels,
  toPredictions,
} from '../losses/core.js';
import { meanAbsoluteError, meanSquaredError } from '../losses/regression.js';
import { square, sub } from '../ops/elementwise.js';
import { broadcastTo, reshape } from '../ops/movement.js';
import { type Config, registerSerializable } from '../serialization.js';
import { shapesEqual } from '../tensor/shape.js';
import type { TensorLike } from '../tensor/tensor.js';
import { Mean, MeanMetricWrapper, Metric, type MetricOptions } from './base.js';

/**
 * Mean squared error over an epoch.
 *
 * Formula: `Σ w·mean((y − p)²) / Σ w`, the inner mean over the last axis.
 *
 * Shape: `yTrue` and `yPred` alike, e.g. `[batch, outputs]`.
 * @example
 * const m = new MeanSquaredError();
 * m.updateState([[0, 1], [0, 0]], [[1, 1], [0, 0]]);
 * m.result(); // 0.25
 */
export class MeanSquaredError extends MeanMetricWrapper {
  static override readonly className = 'MeanSquaredError';
  override readonly options = {};

  constructor(opts: MetricOptions = {}) {
    checkOptionKeys('MeanSquaredError', opts, ['name']);
    super(meanSquaredError, { name: opts.name ?? 'mean_squared_error' });
  }
}

/**
 * Mean absolute error over an epoch.
 *
 * Formula: `Σ w·mean(|y − p|) / Σ w`, the inner mean over the last axis.
 *
 * Shape: `yTrue` and `yPred` alike, e.g. `[batch, outputs]`.
 * @example
 * const m = new MeanAbsoluteError();
 * m.updateState([[0, 1], [0, 0]], [[1, 1], [0, 0]]);
 * m.result(); // 0.25
 */
export class MeanAbsoluteError extends MeanMetricWrapper {
  static override readonly className = 'MeanAbsoluteError';
  override readonly options = {};

  constructor(opts: MetricOptions = {}) {
    checkOptionKeys('MeanAbsoluteError', opts, ['name']);
    super(meanAbsoluteError, { name: opts.name ?? 'mean_absolute_error' });
  }
}

/**
 * Root mean squared error over an epoch: the square root taken after averaging, so it is not
 * the mean of per-batch RMSEs.
 *
 * Formula: `√(Σ w·mean((y − p)²) / Σ w)`.
 *
 * Shape: `yTrue` and `yPred` alike, e.g. `[batch, outputs]`.
 * @example
 * const m = new RootMeanSquaredError();
 * m.updateState([[0, 1], [0, 0]], [[1, 1], [0, 0]]);
 * m.result(); // 0.5
 */
export class RootMeanSquaredError extends Mean {
  static override readonly className: string = 'RootMeanSquaredError';

  constructor(opts: MetricOptions = {}) {
    checkOptionKeys('RootMeanSquaredError', opts, ['name']);
    super({ name: opts.name ?? 'root_mean_squared_error' });
  }

  /** Adds the squared errors of a batch. */
  override updateState(
    yTrue: TensorLike,
    yPred: TensorLike,
    sampleWeight?: TensorLike | null,
  ): void {
    const errors = noGrad(() => {
      const p0 = toPredictions(yPred, this.name);
      const t0 = toLabels(yTrue, p0, this.name);
      const [t, p] = squeezeOrExpandToSameRank(t0, p0);
      if (!shapesEqual(t.shape, p.shape)) throw shapeMismatch(this.name, t0, p0);
      return square(sub(p, t));
    });
    this.accumulate(errors, sampleWeight);
  }

  override result(): number {
    return Math.sqrt(super.result());
  }
}

/** Options of {@link R2Score}. */
export type R2ScoreOptions = {
  /**
   * How the scores of several outputs (last axis) combine: `'uniform_average'` (default),
   * `'variance_weighted_average'`, or null (per output: read them with `results()`).
   */
  classAggregation?: 'uniform_average' | 'variance_weighted_average' | null;
  /** Number of regressors for the adjusted R² (default 0: plain R²). */
  numRegressors?: number;
};

/**
 * R² score, the coefficient of determination, accumulated over batches as Keras does.
 *
 * Formula: per output, `1 − Σ w(y − p)² / Σ w(y − ȳ)²` with ȳ the weighted mean of y (a score
 * of −∞, from constant labels, reads 0), then averaged over outputs. With `numRegressors` r
 * and n samples: `1 − (1 − R²)(n − 1)/(n − r − 1)`.
 *
 * Shape: `yTrue` and `yPred` `[batch, outputs]` (`[batch]` counts as one output).
 * @example
 * const m = new R2Score();
 * m.updateState([[1], [4], [3]], [[2], [4], [4]]);
 * m.result(); // 0.571
 */
export class R2Score extends Metric {
  static override readonly className = 'R2Score';
  override readonly options: Readonly<Required<R2ScoreOptions>>;
  private sum: Float64Array | null = null;
  private squaredSum: Float64Array | null = null;
  private residual: Float64Array | null = null;
  private count: Float64Array | null = null;
  private numSamples = 0;

  constructor(opts: R2ScoreOptions & MetricOptions = {}) {
    super(opts, 'r2_score');
    checkOptionKeys('R2Score', opts, ['name', 'classAggregation', 'numRegressors']);
    const agg = opts.classAggregation === undefined ? 'uniform_average' : opts.classAggregation;
    if (agg !== null && agg !== 'uniform_average' && agg !== 'variance_weighted_average') {
      throw new ValueError(
        `R2Score: classAggregation must be 'uniform_average', 'variance_weighted_average' or null, got ${JSON.stringify(agg)}`,
      );
    }
    const numRegressors = checkInteger('R2Score', 'numRegressors', opts.numRegressors ?? 0);
    if (numRegressors < 0)
      throw new ValueError(`R2Score: numRegressors must be >= 0, got ${numRegressors}`);
    this.options = { classAggregation: agg, numRegressors };
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    const { t, p, w } = noGrad(() => {
      const p0 = toPredictions(yPred, this.name);
      const t0 = toLabels(yTrue, p0, this.name);
      let [tt, pp] = squeezeOrExpandToSameRank(t0, p0);
      if (!shapesEqual(tt.shape, pp.shape) || tt.rank === 0 || tt.rank > 2) {
        throw shapeMismatch(
          this.name,
          t0,
          p0,
          'R2Score needs labels and predictions of shape [batch, outputs].',
        );
      }
      if (tt.rank === 1) {
        tt = reshape(tt, [-1, 1]);
        pp = reshape(pp, [-1, 1]);
      }
      const ww =
        sampleWeight === undefined || sampleWeight === null
          ? null
          : broadcastTo(
              alignWeights(tt, toLabels(sampleWeight, tt, this.name, 'sampleWeight'), this.name),
              tt.shape,
            );
      return { t: tt, p: pp, w: ww };
    });
    const outputs = t.shape[1]!;
    if (this.sum === null) {
      this.sum = new Float64Array(outputs);
      this.squaredSum = new Float64Array(outputs);
      this.residual = new Float64Array(outputs);
      this.count = new Float64Array(outputs);
    } else if (this.sum.length !== outputs) {
      throw new ValueError(
        `${this.name}: batches must keep ${this.sum.length} outputs, got ${outputs}`,
      );
    }
    const tv = t.dataSync();
    const pv = p.dataSync();
    const wv = w?.dataSync();
    for (let i = 0; i < tv.length; i++) {
      const j = i % outputs;
      const wi = wv ? wv[i]! : 1;
      const y = tv[i]!;
      this.sum[j]! += wi * y;
      this.squaredSum![j]! += wi * y * y;
      this.residual![j]! += wi * (y - pv[i]!) ** 2;
      this.count![j]! += wi;
    }
    this.numSamples += tv.length;
  }

  /** The score of each output (what `classAggregation: null` reports). */
  results(): number[] {
    if (this.sum === null) return [];
    return Array.from(this.sum, (s, j) => {
      const total = this.squaredSum![j]! - s * (s / this.count![j]!);
      const raw = 1 - this.residual![j]! / total;
      return raw === Number.NEGATIVE_INFINITY || raw === Number.POSITIVE_INFINITY ? 0 : raw;
    });
  }

  /** The aggregated score (adjusted when `numRegressors` > 0). */
  result(): number {
    const raw = this.results();
    const agg = this.options.classAggregation;
    if (agg === null) {
      if (raw.length !== 1)
        throw new ValueError(
          `${this.name}: classAggregation null gives ${raw.length} scores; use results()`,
        );
      return this.adjust(raw[0]!);
    }
    if (raw.length === 0) return Number.NaN;
    let score: number;
    if (agg === 'uniform_average') score = raw.reduce((a, b) => a + b, 0) / raw.length;
    else {
      const totals = Array.from(
        this.sum!,
        (s, j) => this.squaredSum![j]! - s * (s / this.count![j]!),
      );
      score = raw.reduce((a, r, j) => a + totals[j]! * r, 0) / totals.reduce((a, b) => a + b, 0);
    }
    return this.adjust(score);
  }

  /** Keras falls back to the plain score when the adjusted formula would divide by ≤ 0. */
  private adjust(r2: number): number {
    const n = this.numSamples;
    const r = this.options.numRegressors;
    if (r === 0 || r >= n - 1) return r2;
    return 1 - ((1 - r2) * (n - 1)) / (n - r - 1);
  }

  resetState(): void {
    this.sum = null;
    this.squaredSum = null;
    this.residual = null;
    this.count = null;
    this.numSamples = 0;
  }

  override getConfig(): Config {
    return { name: this.name, ...this.options };
  }
}

for (const cls of [MeanSquaredError, MeanAbsoluteError, RootMeanSquaredError, R2Score])
  registerSerializable('metric', cls);
