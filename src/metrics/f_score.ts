/**
 * F-scores: the weighted harmonic mean of precision and recall per class (FBetaScore, F1Score),
 * counted over an epoch and optionally averaged over classes ('micro', 'macro', 'weighted').
 */
import { noGrad } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { EPSILON, checkOptionKeys, toLabels, toPredictions } from '../losses/core.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { TensorLike } from '../tensor/tensor.js';
import { Metric, type MetricOptions } from './base.js';

/** How {@link FBetaScore} combines the classes: per class (null), or one averaged score. */
export type FScoreAverage = 'micro' | 'macro' | 'weighted' | null;

/** Options of {@link FBetaScore} and {@link F1Score}. */
export type FScoreOptions = {
  /** null (default: one score per class, read with `results()`), 'micro', 'macro' or 'weighted'. */
  average?: FScoreAverage;
  /**
   * Predictions above it count as positive, in (0, 1]; null (default) marks each row's largest
   * prediction (when it is not ~0) as the positive one.
   */
  threshold?: number | null;
};

/** Options of {@link FBetaScore}. */
export type FBetaScoreOptions = FScoreOptions & {
  /** Weight of recall against precision, > 0 (default 1). */
  beta?: number;
};

/**
 * The F-beta score over an epoch, per class or averaged.
 *
 * Formula: per class, `P = TP / (TP + FP + ε)`, `R = TP / (TP + FN + ε)`,
 * `F = (1 + β²)·P·R / (β²·P + R + ε)`; 'micro' pools the counts of every class first, 'macro'
 * averages the per-class scores, 'weighted' averages them weighted by each class's (weighted)
 * number of positive labels. Counts are weighted by the per-sample weights.
 *
 * Shape: `yTrue` (0/1) and `yPred` both `[batch, numClasses]`; `sampleWeight` `[batch]`.
 * @example
 * const m = new FBetaScore({ beta: 2, threshold: 0.5 });
 * m.updateState([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0]]);
 * m.results(); // [0.3846, 0.9091, 0.8333]
 */
export class FBetaScore extends Metric {
  static override readonly className: string = 'FBetaScore';
  override readonly options: Readonly<{
    average: FScoreAverage;
    beta: number;
    threshold: number | null;
  }>;
  private tp: Float64Array | null = null;
  private fp: Float64Array | null = null;
  private fn: Float64Array | null = null;
  private support: Float64Array | null = null;

  constructor(opts: FBetaScoreOptions & MetricOptions = {}, defaultName = 'fbeta_score') {
    super(opts, defaultName);
    const cls = (new.target as { className: string }).className;
    checkOptionKeys(cls, opts, ['name', 'average', 'beta', 'threshold']);
    const average = opts.average ?? null;
    if (average !== null && average !== 'micro' && average !== 'macro' && average !== 'weighted') {
      throw new ValueError(
        `${cls}: average must be null, 'micro', 'macro' or 'weighted', got ${JSON.stringify(opts.average)}`,
      );
    }
    const beta = opts.beta ?? 1;
    if (typeof beta !== 'number' || !Number.isFinite(beta) || beta <= 0)
      throw new ValueError(`${cls}: beta must be a number > 0, got ${String(beta)}`);
    const threshold = opts.threshold ?? null;
    if (
      threshold !== null &&
      (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1))
    ) {
      throw new ValueError(`${cls}: threshold must be in (0, 1] or null, got ${String(threshold)}`);
    }
    this.options = { average, beta, threshold };
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    const { t, p, w, c } = noGrad(() => {
      const p0 = toPredictions(yPred, this.name);
      const t0 = toLabels(yTrue, p0, this.name);
      if (
        p0.rank !== 2 ||
        t0.rank !== 2 ||
        t0.shape[0] !== p0.shape[0] ||
        t0.shape[1] !== p0.shape[1]
      ) {
        throw new ShapeError(
          `${this.name}: expects labels and predictions of shape [batch, numClasses], got ${fmtShape(t0.shape)} and ${fmtShape(p0.shape)}`,
        );
      }
      let wv: ArrayLike<number> | null = null;
      if (sampleWeight !== undefined && sampleWeight !== null) {
        const w0 = toLabels(sampleWeight, p0, this.name, 'sampleWeight');
        if (w0.size !== p0.shape[0]) {
          throw new ShapeError(
            `${this.name}: sample weights must have shape [${p0.shape[0]}] (one per sample), got ${fmtShape(w0.shape)}`,
          );
        }
        wv = w0.dataSync();
      }
      return { t: t0.dataSync(), p: p0.dataSync(), w: wv, c: p0.shape[1]! };
    });
    const micro = this.options.average === 'micro';
    const size = micro ? 1 : c;
    if (this.tp === null) {
      this.tp = new Float64Array(size);
      this.fp = new Float64Array(size);
      this.fn = new Float64Array(size);
      this.support = new Float64Array(size);
      this.classes = c;
    } else if (this.classes !== c) {
      throw new ShapeError(`${this.name}: batches must keep ${this.classes} classes, got ${c}`);
    }
    const thr = this.options.threshold;
    for (let r = 0; r < t.length / c; r++) {
      const wr = w ? w[r]! : 1;
      let rowMax = Number.NEGATIVE_INFINITY;
      if (thr === null) for (let j = 0; j < c; j++) rowMax = Math.max(rowMax, p[r * c + j]!);
      for (let j = 0; j < c; j++) {
        const pv = p[r * c + j]!;
        const pos = thr === null ? pv >= rowMax && Math.abs(pv) > 1e-9 : pv > thr;
        const y = t[r * c + j]!;
        const pred = pos ? 1 : 0;
        const k = micro ? 0 : j;
        this.tp[k]! += pred * y * wr;
        this.fp![k]! += pred * (1 - y) * wr;
        this.fn![k]! += (1 - pred) * y * wr;
        this.support![k]! += y * wr;
      }
    }
  }

  private classes = 0;

  /** The score of each class (average null), or the averaged score as a one-element list. */
  results(): number[] {
    if (this.tp === null) return this.options.average === null ? [] : [0];
    const b2 = this.options.beta ** 2;
    const f = Array.from(this.tp, (tp, k) => {
      const precision = tp / (tp + this.fp![k]! + EPSILON);
      const recall = tp / (tp + this.fn![k]! + EPSILON);
      return ((precision * recall) / (b2 * precision + recall + EPSILON)) * (1 + b2);
    });
    const avg = this.options.average;
    if (avg === null) return f;
    if (avg === 'weighted') {
      const total = this.support!.reduce((a, b) => a + b, 0) + EPSILON;
      return [f.reduce((a, v, k) => a + (v * this.support![k]!) / total, 0)];
    }
    return [f.reduce((a, b) => a + b, 0) / f.length];
  }

  /** The averaged score; with `average: null`, only for one class (else use `results()`). */
  result(): number {
    const r = this.results();
    if (r.length === 1) return r[0]!;
    if (r.length === 0) return 0;
    throw new ValueError(
      `${this.name}: average null gives ${r.length} per-class scores; use results() or set average`,
    );
  }

  resetState(): void {
    this.tp = null;
    this.fp = null;
    this.fn = null;
    this.support = null;
    this.classes = 0;
  }

  override getConfig(): Config {
    return { name: this.name, ...this.options };
  }
}

/**
 * The F1 score over an epoch: {@link FBetaScore} with β = 1.
 *
 * Formula: `F1 = 2·P·R / (P + R + ε)` per class, averaged as `average` says.
 *
 * Shape: `yTrue` (0/1) and `yPred` both `[batch, numClasses]`; `sampleWeight` `[batch]`.
 * @example
 * const m = new F1Score({ threshold: 0.5 });
 * m.updateState([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0]]);
 * m.results(); // [0.5, 0.8, 0.667]
 */
export class F1Score extends FBetaScore {
  static override readonly className = 'F1Score';

  constructor(opts: FScoreOptions & MetricOptions = {}) {
    checkOptionKeys('F1Score', opts, ['name', 'average', 'threshold']);
    super({ ...opts, beta: 1 } as FBetaScoreOptions, 'f1_score');
  }

  override getConfig(): Config {
    const { beta: _b, ...rest } = super.getConfig();
    return rest;
  }
}

for (const cls of [FBetaScore, F1Score]) registerSerializable('metric', cls);
