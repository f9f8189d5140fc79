/**
 * Confusion-matrix metrics: precision, recall and AUC. Each update counts (weighted) true and
 * false positives and negatives at one or more thresholds, in JS numbers; a prediction is
 * positive when it is strictly above the threshold and a label is positive when it is nonzero.
 */
import { noGrad } from '../autograd/tape.js';
import { ValueError } from '../errors.js';
import {
  EPSILON,
  alignWeights,
  checkBoolean,
  checkInteger,
  checkOptionKeys,
  shapeMismatch,
  squeezeOrExpandToSameRank,
  toLabels,
  toPredictions,
} from '../losses/core.js';
import { sigmoid } from '../ops/activation.js';
import { broadcastTo } from '../ops/movement.js';
import { type Config, registerSerializable } from '../serialization.js';
import { shapesEqual } from '../tensor/shape.js';
import type { TensorLike } from '../tensor/tensor.js';
import { Metric, type MetricOptions } from './base.js';

/** Keras's stand-in for −∞: predictions outside the top k are set to it. */
const NEG_INF = -1e10;

/** Weighted confusion counts, one entry per threshold. */
interface Counts {
  tp: Float64Array;
  fp: Float64Array;
  tn: Float64Array;
  fn: Float64Array;
}

interface CountOptions {
  topK?: number | null;
  classId?: number | null;
  fromLogits?: boolean;
  clip?: boolean;
}

const divNoNan = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/**
 * Keras's `update_confusion_matrix_variables` for flattened (not multi-label) data: optional
 * top-k filtering along the last axis, optional selection of one class, then counts at every
 * threshold. Sample weights broadcast over the predictions from the leading axis.
 */
function confusionCounts(
  op: string,
  yTrue: TensorLike,
  yPred: TensorLike,
  thresholds: readonly number[],
  sampleWeight: TensorLike | null | undefined,
  o: CountOptions,
): Counts {
  return noGrad(() => {
    let p0 = toPredictions(yPred, op);
    if (o.fromLogits) p0 = sigmoid(p0);
    const t0 = toLabels(yTrue, p0, op);
    const [p, t] = squeezeOrExpandToSameRank(p0, t0);
    if (!shapesEqual(p.shape, t.shape)) throw shapeMismatch(op, t0, p0);
    const pv = Float64Array.from(p.dataSync());
    const tv = t.dataSync();
    const wv =
      sampleWeight === undefined || sampleWeight === null
        ? null
        : broadcastTo(
            alignWeights(p, toLabels(sampleWeight, p, op, 'sampleWeight'), op),
            p.shape,
          ).dataSync();
    const c = p.rank === 0 ? 1 : p.shape[p.rank - 1]!;
    if (o.topK !== undefined && o.topK !== null) filterTopK(pv, c, o.topK);
    let selected: (i: number) => boolean = () => true;
    if (o.classId !== undefined && o.classId !== null) {
      const id = o.classId;
      if (p.rank < 2)
        throw new ValueError(
          `${op}: classId needs predictions of shape [batch, numClasses], got rank ${p.rank}`,
        );
      if (id < 0 || id >= c) throw new ValueError(`${op}: classId ${id} is out of range [0, ${c})`);
      selected = (i) => i % c === id;
    }
    const n = thresholds.length;
    const counts: Counts = {
      tp: new Float64Array(n),
      fp: new Float64Array(n),
      tn: new Float64Array(n),
      fn: new Float64Array(n),
    };
    for (let i = 0; i < pv.length; i++) {
      if (!selected(i)) continue;
      const w = wv ? wv[i]! : 1;
      const pred = o.clip ? Math.min(Math.max(pv[i]!, 0), 1) : pv[i]!;
      const label = tv[i] !== 0;
      for (let k = 0; k < n; k++) {
        const pos = pred > thresholds[k]!;
        if (label) {
          if (pos) counts.tp[k]! += w;
          else counts.fn[k]! += w;
        } else if (pos) counts.fp[k]! += w;
        else counts.tn[k]! += w;
      }
    }
    return counts;
  });
}

/** Keeps the k largest values of each row (ties: lower index first, as `top_k`); the rest become NEG_INF. */
function filterTopK(v: Float64Array, c: number, k: number): void {
  const idx = Array.from({ length: c }, (_, j) => j);
  for (let r = 0; r < v.length; r += c) {
    const order = [...idx].sort((a, b) => v[r + b]! - v[r + a]! || a - b);
    for (let j = k; j < c; j++) v[r + order[j]!] = NEG_INF;
  }
}

function parseThresholds(op: string, t: unknown, dflt: number): number[] {
  if (t === undefined || t === null) return [dflt];
  const list = Array.isArray(t) ? t : [t];
  if (list.length === 0) throw new ValueError(`${op}: thresholds must not be empty`);
  for (const x of list) {
    if (typeof x !== 'number' || !(x >= 0 && x <= 1)) {
      throw new ValueError(`${op}: threshold values must be in [0, 1], got ${JSON.stringify(t)}`);
    }
  }
  return list as number[];
}

/** Options of {@link Precision} and {@link Recall}. */
export type PrecisionRecallOptions = {
  /** One threshold or several in [0, 1] (default 0.5; with `topK`, every top-k prediction counts). */
  thresholds?: number | number[] | null;
  /** Only the k highest predictions of each sample can be positive. */
  topK?: number | null;
  /** Only this class (an index into the last axis) is evaluated. */
  classId?: number | null;
};

/** Shared state of precision and recall: TP plus FP or FN per threshold. */
abstract class ThresholdMetric extends Metric {
  override readonly options: Readonly<{
    thresholds: number | number[] | null;
    topK: number | null;
    classId: number | null;
  }>;
  /** The thresholds compared with the predictions. */
  readonly thresholds: readonly number[];
  protected tp: Float64Array;
  protected other: Float64Array;

  constructor(cls: string, opts: PrecisionRecallOptions & MetricOptions, defaultName: string) {
    super(opts, defaultName);
    checkOptionKeys(cls, opts, ['name', 'thresholds', 'topK', 'classId']);
    const topK = opts.topK ?? null;
    const classId = opts.classId ?? null;
    if (topK !== null && checkInteger(cls, 'topK', topK) < 1)
      throw new ValueError(`${cls}: topK must be >= 1, got ${topK}`);
    if (classId !== null) checkInteger(cls, 'classId', classId);
    const init = opts.thresholds ?? null;
    this.thresholds = parseThresholds(cls, init, topK === null ? 0.5 : NEG_INF);
    this.options = { thresholds: Array.isArray(init) ? [...init] : init, topK, classId };
    this.tp = new Float64Array(this.thresholds.length);
    this.other = new Float64Array(this.thresholds.length);
  }

  /** Which count divides TP besides TP itself. */
  protected abstract readonly otherCount: 'fp' | 'fn';

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    const c = confusionCounts(this.name, yTrue, yPred, this.thresholds, sampleWeight, this.options);
    const other = c[this.otherCount];
    for (let k = 0; k < this.thresholds.length; k++) {
      this.tp[k]! += c.tp[k];
      this.other[k]! += other[k];
    }
  }

  /** The metric at each threshold. */
  results(): number[] {
    return Array.from(this.tp, (tp, k) => divNoNan(tp, tp + this.other[k]!));
  }

  /** The metric at the single threshold (use {@link ThresholdMetric.results} for several). */
  result(): number {
    if (this.thresholds.length !== 1) {
      throw new ValueError(
        `${this.name}: ${this.thresholds.length} thresholds give ${this.thresholds.length} values; use results()`,
      );
    }
    return this.results()[0]!;
  }

  resetState(): void {
    this.tp.fill(0);
    this.other.fill(0);
  }
}

/**
 * Precision: the fraction of positive predictions whose label is positive.
 *
 * Formula: `TP / (TP + FP)` (0 when nothing is predicted positive), with a prediction positive
 * when `p > threshold` (or, with `topK`, when it is among the sample's k highest).
 *
 * Shape: `yTrue` and `yPred` alike (labels 0/1); with `topK`/`classId`, `[batch, numClasses]`.
 * @example
 * const m = new Precision();
 * m.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
 * m.result(); // 0.667
 */
export class Precision extends ThresholdMetric {
  static override readonly className = 'Precision';
  protected readonly otherCount = 'fp';

  constructor(opts: PrecisionRecallOptions & MetricOptions = {}) {
    super('Precision', opts, 'precision');
  }
}

/**
 * Recall: the fraction of positive labels that are predicted positive.
 *
 * Formula: `TP / (TP + FN)` (0 when there is no positive label), with a prediction positive
 * when `p > threshold` (or, with `topK`, when it is among the sample's k highest).
 *
 * Shape: `yTrue` and `yPred` alike (labels 0/1); with `topK`/`classId`, `[batch, numClasses]`.
 * @example
 * const m = new Recall();
 * m.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
 * m.result(); // 0.667
 */
export class Recall extends ThresholdMetric {
  static override readonly className = 'Recall';
  protected readonly otherCount = 'fn';

  constructor(opts: PrecisionRecallOptions & MetricOptions = {}) {
    super('Recall', opts, 'recall');
  }
}

/** Options of {@link AUC}. */
export type AUCOptions = {
  /** Number of thresholds, evenly spaced over [0, 1] (default 200, must be > 1). */
  numThresholds?: number;
  /** `'ROC'` (default) or `'PR'` (precision-recall). */
  curve?: 'ROC' | 'PR';
  /** Riemann sum: `'interpolation'` (default), `'minoring'` or `'majoring'`. */
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** Explicit thresholds in [0, 1] instead of `numThresholds` even ones. */
  thresholds?: number[] | null;
  /** Whether predictions are logits (a sigmoid is applied first). Default false. */
  fromLogits?: boolean;
};

/**
 * Area under the ROC or precision-recall curve, approximated over fixed thresholds as Keras
 * does (so it differs slightly from the exact rank-based AUC).
 *
 * Formula: thresholds `[−ε, 1/(n−1), …, (n−2)/(n−1), 1 + ε]`. ROC: `Σ (FPRᵢ − FPRᵢ₊₁)·(TPRᵢ +
 * TPRᵢ₊₁)/2` (a Riemann sum with midpoint heights; 'minoring'/'majoring' use the min/max of
 * the two). PR with 'interpolation': Davis & Goadrich's interpolation of TP and FP between
 * thresholds, `Σ slope·(ΔTP + intercept·log(Pᵢ/Pᵢ₊₁)) / (TPᵢ₊₁ + FNᵢ₊₁)`.
 *
 * Shape: `yTrue` (0/1) and `yPred` alike; every element counts as one binary prediction.
 * @example
 * const m = new AUC({ numThresholds: 3 });
 * m.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]);
 * m.result(); // 0.75
 */
export class AUC extends Metric {
  static override readonly className = 'AUC';
  override readonly options: Readonly<{
    numThresholds: number;
    curve: 'ROC' | 'PR';
    summationMethod: 'interpolation' | 'minoring' | 'majoring';
    thresholds: number[] | null;
    fromLogits: boolean;
  }>;
  /** Every threshold, endpoints included. */
  readonly thresholds: readonly number[];
  private readonly evenlySpaced: boolean;
  private counts: Counts;

  constructor(opts: AUCOptions & MetricOptions = {}) {
    super(opts, 'auc');
    checkOptionKeys('AUC', opts, [
      'name',
      'numThresholds',
      'curve',
      'summationMethod',
      'thresholds',
      'fromLogits',
    ]);
    const curve = String(opts.curve ?? 'ROC').toUpperCase();
    if (curve !== 'ROC' && curve !== 'PR')
      throw new ValueError(`AUC: curve must be 'ROC' or 'PR', got ${JSON.stringify(opts.curve)}`);
    const method = String(opts.summationMethod ?? 'interpolation').toLowerCase();
    if (method !== 'interpolation' && method !== 'minoring' && method !== 'majoring') {
      throw new ValueError(
        `AUC: summationMethod must be 'interpolation', 'minoring' or 'majoring', got ${JSON.stringify(opts.summationMethod)}`,
      );
    }
    let inner: number[];
    let numThresholds: number;
    if (opts.thresholds !== undefined && opts.thresholds !== null) {
      inner = [...parseThresholds('AUC', opts.thresholds, 0.5)].sort((a, b) => a - b);
      numThresholds = inner.length + 2;
      this.evenlySpaced = isEvenlySpaced([0, ...inner, 1]);
    } else {
      numThresholds = checkInteger('AUC', 'numThresholds', opts.numThresholds ?? 200);
      if (numThresholds <= 1)
        throw new ValueError(`AUC: numThresholds must be an integer > 1, got ${numThresholds}`);
      inner = Array.from({ length: numThresholds - 2 }, (_, i) => (i + 1) / (numThresholds - 1));
      this.evenlySpaced = true;
    }
    // Endpoints just outside [0, 1] make predictions of exactly 0 or 1 land on the curve's ends.
    this.thresholds = [-EPSILON, ...inner, 1 + EPSILON];
    this.options = {
      numThresholds,
      curve,
      summationMethod: method,
      thresholds: opts.thresholds ? inner : null,
      fromLogits: checkBoolean('AUC', 'fromLogits', opts.fromLogits ?? false),
    };
    this.counts = emptyCounts(numThresholds);
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    // Keras's bucketed path (taken for evenly spaced thresholds) clips predictions to [0, 1].
    const c = confusionCounts(this.name, yTrue, yPred, this.thresholds, sampleWeight, {
      fromLogits: this.options.fromLogits,
      clip: this.evenlySpaced,
    });
    for (const key of ['tp', 'fp', 'tn', 'fn'] as const) {
      for (let k = 0; k < this.thresholds.length; k++) this.counts[key][k]! += c[key][k];
    }
  }

  result(): number {
    const { tp, fp, tn, fn } = this.counts;
    const n = this.thresholds.length;
    const { curve, summationMethod } = this.options;
    let area = 0;
    if (curve === 'PR' && summationMethod === 'interpolation') {
      for (let i = 0; i < n - 1; i++) {
        const pA = tp[i]! + fp[i]!;
        const pB = tp[i + 1]! + fp[i + 1]!;
        const dtp = tp[i]! - tp[i + 1]!;
        const slope = divNoNan(dtp, Math.max(pA - pB, 0));
        const intercept = tp[i + 1]! - slope * pB;
        const ratio = pA > 0 && pB > 0 ? divNoNan(pA, Math.max(pB, 0)) : 1;
        area += divNoNan(
          slope * (dtp + intercept * Math.log(ratio)),
          Math.max(tp[i + 1]! + fn[i + 1]!, 0),
        );
      }
      return area;
    }
    const recall = Array.from(tp, (v, i) => divNoNan(v, v + fn[i]!));
    const x = curve === 'ROC' ? Array.from(fp, (v, i) => divNoNan(v, v + tn[i]!)) : recall;
    const y = curve === 'ROC' ? recall : Array.from(tp, (v, i) => divNoNan(v, v + fp[i]!));
    for (let i = 0; i < n - 1; i++) {
      const a = y[i]!;
      const b = y[i + 1]!;
      const h =
        summationMethod === 'interpolation'
          ? (a + b) / 2
          : summationMethod === 'minoring'
            ? Math.min(a, b)
            : Math.max(a, b);
      area += (x[i]! - x[i + 1]!) * h;
    }
    return area;
  }

  resetState(): void {
    this.counts = emptyCounts(this.thresholds.length);
  }

  override getConfig(): Config {
    return {
      name: this.name,
      ...this.options,
      thresholds: this.options.thresholds ? [...this.options.thresholds] : null,
    };
  }
}

function emptyCounts(n: number): Counts {
  return {
    tp: new Float64Array(n),
    fp: new Float64Array(n),
    tn: new Float64Array(n),
    fn: new Float64Array(n),
  };
}

/** Keras's `is_evenly_distributed_thresholds`: i/(n−1) for every i (NumPy `allclose`, atol ε). */
function isEvenlySpaced(t: readonly number[]): boolean {
  if (t.length < 3) return false;
  return t.every((v, i) => {
    const even = i / (t.length - 1);
    return Math.abs(v - even) <= EPSILON + 1e-5 * Math.abs(even);
  });
}

for (const cls of [Precision, Recall, AUC]) registerSerializable('metric', cls);
