/**
 * Confusion counts at thresholds (TruePositives, FalsePositives, TrueNegatives, FalseNegatives)
 * and the metrics that read one rate at the best threshold meeting a constraint on another
 * (PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity).
 * A prediction is positive when strictly above the threshold; a label when it is nonzero.
 */
import { noGrad } from '../autograd/tape.js';
import { ValueError } from '../errors.js';
import {
  alignWeights,
  checkInteger,
  checkOptionKeys,
  checkRange,
  shapeMismatch,
  squeezeOrExpandToSameRank,
  toLabels,
  toPredictions,
} from '../losses/core.js';
import { broadcastTo } from '../ops/movement.js';
import { type Config, registerSerializable } from '../serialization.js';
import { shapesEqual } from '../tensor/shape.js';
import type { TensorLike } from '../tensor/tensor.js';
import { Metric, type MetricOptions } from './base.js';

type Kind = 'tp' | 'fp' | 'tn' | 'fn';
type Counts = Record<Kind, Float64Array>;

const zeros = (n: number): Counts => ({
  tp: new Float64Array(n),
  fp: new Float64Array(n),
  tn: new Float64Array(n),
  fn: new Float64Array(n),
});

/** Adds this batch's weighted counts at every threshold to `acc`. */
function addCounts(
  op: string,
  acc: Counts,
  yTrue: TensorLike,
  yPred: TensorLike,
  sampleWeight: TensorLike | null | undefined,
  thresholds: readonly number[],
  clip: boolean,
  classId: number | null,
): void {
  const { pv, tv, wv, c } = noGrad(() => {
    const p0 = toPredictions(yPred, op);
    const t0 = toLabels(yTrue, p0, op);
    const [p, t] = squeezeOrExpandToSameRank(p0, t0);
    if (!shapesEqual(p.shape, t.shape)) throw shapeMismatch(op, t0, p0);
    const w =
      sampleWeight === undefined || sampleWeight === null
        ? null
        : broadcastTo(alignWeights(p, toLabels(sampleWeight, p, op, 'sampleWeight'), op), p.shape);
    return {
      pv: p.dataSync(),
      tv: t.dataSync(),
      wv: w?.dataSync() ?? null,
      c: p.rank === 0 ? 1 : p.shape[p.rank - 1]!,
    };
  });
  if (classId !== null && (classId < 0 || classId >= c))
    throw new ValueError(
      `${op}: classId ${classId} is out of range [0, ${c}) for predictions with ${c} classes on the last axis`,
    );
  for (let i = 0; i < pv.length; i++) {
    if (classId !== null && i % c !== classId) continue;
    const w = wv ? wv[i]! : 1;
    const pred = clip ? Math.min(Math.max(pv[i]!, 0), 1) : pv[i]!;
    const label = tv[i] !== 0;
    for (let k = 0; k < thresholds.length; k++) {
      const pos = pred > thresholds[k]!;
      const key: Kind = label ? (pos ? 'tp' : 'fn') : pos ? 'fp' : 'tn';
      acc[key][k]! += w;
    }
  }
}

/** Options of the confusion counts ({@link TruePositives} and its siblings). */
export type ThresholdCountOptions = {
  /** One threshold or several in [0, 1] (default 0.5). */
  thresholds?: number | number[] | null;
};

/** The shared code of the four count metrics. */
abstract class ConfusionCount extends Metric {
  override readonly options: Readonly<{ thresholds: number | number[] | null }>;
  /** The thresholds compared with the predictions. */
  readonly thresholds: readonly number[];
  private counts: Counts;
  protected abstract readonly kind: Kind;

  constructor(cls: string, opts: ThresholdCountOptions & MetricOptions, defaultName: string) {
    super(opts, defaultName);
    checkOptionKeys(cls, opts, ['name', 'thresholds']);
    const init = opts.thresholds ?? null;
    const list = init === null ? [0.5] : Array.isArray(init) ? init : [init];
    if (list.length === 0) throw new ValueError(`${cls}: thresholds must not be empty`);
    for (const x of list) {
      if (typeof x !== 'number' || !(x >= 0 && x <= 1))
        throw new ValueError(
          `${cls}: threshold values must be in [0, 1], got ${JSON.stringify(init)}`,
        );
    }
    this.thresholds = [...list];
    this.options = { thresholds: Array.isArray(init) ? [...init] : init };
    this.counts = zeros(list.length);
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    addCounts(this.name, this.counts, yTrue, yPred, sampleWeight, this.thresholds, false, null);
  }

  /** The count at each threshold. */
  results(): number[] {
    return Array.from(this.counts[this.kind]);
  }

  /** The count at the single threshold (use `results()` for several). */
  result(): number {
    if (this.thresholds.length !== 1)
      throw new ValueError(
        `${this.name}: ${this.thresholds.length} thresholds give ${this.thresholds.length} values; use results()`,
      );
    return this.counts[this.kind][0]!;
  }

  resetState(): void {
    this.counts = zeros(this.thresholds.length);
  }

  override getConfig(): Config {
    const t = this.options.thresholds;
    return { name: this.name, thresholds: Array.isArray(t) ? [...t] : t };
  }
}

/**
 * The (weighted) number of true positives over an epoch, at each threshold.
 *
 * Formula: `Σ w·[y ≠ 0 and p > threshold]`.
 *
 * Shape: `yTrue` and `yPred` alike; every element is one binary prediction.
 * @example
 * const m = new TruePositives();
 * m.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
 * m.result(); // 2
 */
export class TruePositives extends ConfusionCount {
  static override readonly className = 'TruePositives';
  protected readonly kind = 'tp';
  constructor(opts: ThresholdCountOptions & MetricOptions = {}) {
    super('TruePositives', opts, 'true_positives');
  }
}

/**
 * The (weighted) number of false positives over an epoch, at each threshold.
 *
 * Formula: `Σ w·[y = 0 and p > threshold]`.
 *
 * Shape: `yTrue` and `yPred` alike; every element is one binary prediction.
 * @example
 * const m = new FalsePositives();
 * m.updateState([0, 1, 0, 0], [0, 0, 1, 1]);
 * m.result(); // 2
 */
export class FalsePositives extends ConfusionCount {
  static override readonly className = 'FalsePositives';
  protected readonly kind = 'fp';
  constructor(opts: ThresholdCountOptions & MetricOptions = {}) {
    super('FalsePositives', opts, 'false_positives');
  }
}

/**
 * The (weighted) number of true negatives over an epoch, at each threshold.
 *
 * Formula: `Σ w·[y = 0 and p ≤ threshold]`.
 *
 * Shape: `yTrue` and `yPred` alike; every element is one binary prediction.
 * @example
 * const m = new TrueNegatives();
 * m.updateState([0, 1, 0, 0], [1, 1, 0, 0]);
 * m.result(); // 2
 */
export class TrueNegatives extends ConfusionCount {
  static override readonly className = 'TrueNegatives';
  protected readonly kind = 'tn';
  constructor(opts: ThresholdCountOptions & MetricOptions = {}) {
    super('TrueNegatives', opts, 'true_negatives');
  }
}

/**
 * The (weighted) number of false negatives over an epoch, at each threshold.
 *
 * Formula: `Σ w·[y ≠ 0 and p ≤ threshold]`.
 *
 * Shape: `yTrue` and `yPred` alike; every element is one binary prediction.
 * @example
 * const m = new FalseNegatives();
 * m.updateState([0, 1, 1, 1], [0, 1, 0, 0]);
 * m.result(); // 2
 */
export class FalseNegatives extends ConfusionCount {
  static override readonly className = 'FalseNegatives';
  protected readonly kind = 'fn';
  constructor(opts: ThresholdCountOptions & MetricOptions = {}) {
    super('FalseNegatives', opts, 'false_negatives');
  }
}

/** Options shared by the constrained-rate metrics. */
export type RateAtOptions = {
  /** Number of thresholds, evenly spaced over [0, 1] (default 200; 1 means the single 0.5). */
  numThresholds?: number;
  /** Only this class (an index into the last axis) is evaluated (default: every element). */
  classId?: number | null;
};

type Rates = { tpr: number; tnr: number; precision: number };

/** Shared code: counts at `numThresholds` thresholds, then max of one rate where another ≥ value. */
abstract class RateAtRate extends Metric {
  override readonly options: Readonly<Config>;
  readonly thresholds: readonly number[];
  private readonly evenly: boolean;
  private counts: Counts;
  private readonly classId: number | null;
  private readonly value: number;
  protected abstract readonly constrained: keyof Rates;
  protected abstract readonly dependent: keyof Rates;

  constructor(
    cls: string,
    key: string,
    opts: RateAtOptions & MetricOptions & Config,
    defaultName: string,
  ) {
    super(opts, defaultName);
    checkOptionKeys(cls, opts, ['name', key, 'numThresholds', 'classId']);
    const value = checkRange(cls, key, opts[key], 0, 1);
    const n = checkInteger(cls, 'numThresholds', opts.numThresholds ?? 200);
    if (n <= 0) throw new ValueError(`${cls}: numThresholds must be an integer > 0, got ${n}`);
    const classId = opts.classId ?? null;
    if (classId !== null) checkInteger(cls, 'classId', classId);
    this.thresholds =
      n === 1 ? [0.5] : [0, ...Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1)), 1];
    this.evenly = n !== 1;
    this.counts = zeros(this.thresholds.length);
    this.classId = classId;
    this.value = value;
    this.options = { [key]: value, numThresholds: n, classId };
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    addCounts(
      this.name,
      this.counts,
      yTrue,
      yPred,
      sampleWeight,
      this.thresholds,
      this.evenly,
      this.classId,
    );
  }

  result(): number {
    const { tp, fp, tn, fn } = this.counts;
    const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
    let best = 0;
    for (let k = 0; k < this.thresholds.length; k++) {
      const r: Rates = {
        tpr: div(tp[k]!, tp[k]! + fn[k]!),
        tnr: div(tn[k]!, tn[k]! + fp[k]!),
        precision: div(tp[k]!, tp[k]! + fp[k]!),
      };
      if (r[this.constrained] >= this.value) best = Math.max(best, r[this.dependent]);
    }
    return best;
  }

  resetState(): void {
    this.counts = zeros(this.thresholds.length);
  }
}

/**
 * The best precision over thresholds whose recall is at least `recall`.
 *
 * Formula: `max_t {P_t : R_t ≥ recall}` (0 when none), P = TP/(TP+FP), R = TP/(TP+FN) at the
 * thresholds `i/(numThresholds − 1)`.
 *
 * Shape: `yTrue` (0/1) and `yPred` alike; with `classId`, `[batch, numClasses]`.
 * @example
 * const m = new PrecisionAtRecall({ recall: 0.5 });
 * m.updateState([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]);
 * m.result(); // 0.5
 */
export class PrecisionAtRecall extends RateAtRate {
  static override readonly className = 'PrecisionAtRecall';
  protected readonly constrained = 'tpr';
  protected readonly dependent = 'precision';
  constructor(opts: RateAtOptions & MetricOptions & { recall: number }) {
    super('PrecisionAtRecall', 'recall', opts, 'precision_at_recall');
  }
}

/**
 * The best recall over thresholds whose precision is at least `precision`.
 *
 * Formula: `max_t {R_t : P_t ≥ precision}` (0 when none).
 *
 * Shape: `yTrue` (0/1) and `yPred` alike; with `classId`, `[batch, numClasses]`.
 * @example
 * const m = new RecallAtPrecision({ precision: 0.8 });
 * m.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]);
 * m.result(); // 0.5
 */
export class RecallAtPrecision extends RateAtRate {
  static override readonly className = 'RecallAtPrecision';
  protected readonly constrained = 'precision';
  protected readonly dependent = 'tpr';
  constructor(opts: RateAtOptions & MetricOptions & { precision: number }) {
    super('RecallAtPrecision', 'precision', opts, 'recall_at_precision');
  }
}

/**
 * The best sensitivity (recall) over thresholds whose specificity is at least `specificity`.
 *
 * Formula: `max_t {TP/(TP+FN) : TN/(TN+FP) ≥ specificity}` (0 when none).
 *
 * Shape: `yTrue` (0/1) and `yPred` alike; with `classId`, `[batch, numClasses]`.
 * @example
 * const m = new SensitivityAtSpecificity({ specificity: 0.5 });
 * m.updateState([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]);
 * m.result(); // 0.5
 */
export class SensitivityAtSpecificity extends RateAtRate {
  static override readonly className = 'SensitivityAtSpecificity';
  protected readonly constrained = 'tnr';
  protected readonly dependent = 'tpr';
  constructor(opts: RateAtOptions & MetricOptions & { specificity: number }) {
    super('SensitivityAtSpecificity', 'specificity', opts, 'sensitivity_at_specificity');
  }
}

/**
 * The best specificity over thresholds whose sensitivity (recall) is at least `sensitivity`.
 *
 * Formula: `max_t {TN/(TN+FP) : TP/(TP+FN) ≥ sensitivity}` (0 when none).
 *
 * Shape: `yTrue` (0/1) and `yPred` alike; with `classId`, `[batch, numClasses]`.
 * @example
 * const m = new SpecificityAtSensitivity({ sensitivity: 0.5 });
 * m.updateState([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]);
 * m.result(); // 0.667
 */
export class SpecificityAtSensitivity extends RateAtRate {
  static override readonly className = 'SpecificityAtSensitivity';
  protected readonly constrained = 'tpr';
  protected readonly dependent = 'tnr';
  constructor(opts: RateAtOptions & MetricOptions & { sensitivity: number }) {
    super('SpecificityAtSensitivity', 'sensitivity', opts, 'specificity_at_sensitivity');
  }
}

for (const cls of [
  TruePositives,
  FalsePositives,
  TrueNegatives,
  FalseNegatives,
  PrecisionAtRecall,
  RecallAtPrecision,
  SensitivityAtSpecificity,
  SpecificityAtSensitivity,
]) {
  registerSerializable('metric', cls);
}
