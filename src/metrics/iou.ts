/**
 * Intersection-over-union metrics for segmentation: a confusion matrix of integer classes
 * accumulated over an epoch, then `TP / (TP + FP + FN)` per class. As in Keras (whose matrix is
 * int32), labels, predictions and sample weights are truncated to integers.
 */
import { noGrad } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { EPSILON, checkBoolean, checkInteger, checkOptionKeys } from '../losses/core.js';
import { cast, greaterEqual } from '../ops/elementwise.js';
import { broadcastTo } from '../ops/movement.js';
import { argmax } from '../ops/reduce.js';
import { type Config, registerSerializable } from '../serialization.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { Metric, type MetricOptions } from './base.js';

/** Options of {@link IoU} (and, without `targetClassIds`, of {@link MeanIoU}). */
export type IoUOptions = {
  /** Number of classes: the confusion matrix is numClasses × numClasses. */
  numClasses: number;
  /** The classes whose IoUs are averaged. */
  targetClassIds: number[];
  /** A label value left out of the metric (e.g. a 'void' class), or null (default). */
  ignoreClass?: number | null;
  /** Whether labels are class indices (default true) or scores to take the argmax of. */
  sparseYTrue?: boolean;
  /** Whether predictions are class indices (default true) or scores to take the argmax of. */
  sparseYPred?: boolean;
  /** The class axis of dense labels/predictions (default −1). */
  axis?: number;
};

/** Options of {@link MeanIoU}. */
export type MeanIoUOptions = Omit<IoUOptions, 'targetClassIds'>;
/** Options of {@link OneHotIoU}. */
export type OneHotIoUOptions = Omit<IoUOptions, 'sparseYTrue'>;
/** Options of {@link OneHotMeanIoU}. */
export type OneHotMeanIoUOptions = Omit<MeanIoUOptions, 'sparseYTrue'>;

const KEYS = [
  'name',
  'numClasses',
  'targetClassIds',
  'ignoreClass',
  'sparseYTrue',
  'sparseYPred',
  'axis',
];

/**
 * IoU of chosen classes over an epoch, averaged over the classes that occur.
 *
 * Formula: with the (weighted) confusion matrix C (rows: labels, columns: predictions),
 * `IoU_c = C_cc / (Σ_j C_cj + Σ_i C_ic − C_cc + ε)`; the result is `Σ IoU_c / (n + ε)` over
 * the target classes, n the number of target classes whose denominator is > 0 (absent classes
 * count 0 and are not in n). Labels or predictions outside [0, numClasses), and labels equal to
 * `ignoreClass`, are left out.
 *
 * Shape: `yTrue` and `yPred` of any shape with the same number of elements (class indices), or
 * `[..., numClasses]` scores when not sparse; `sampleWeight` broadcast over the labels.
 * @example
 * const m = new IoU({ numClasses: 2, targetClassIds: [0] });
 * m.updateState([0, 0, 1, 1], [0, 1, 0, 1]);
 * m.result(); // 0.333
 */
export class IoU extends Metric {
  static override readonly className: string = 'IoU';
  override readonly options: Readonly<Required<IoUOptions>>;
  private cm: Float64Array;

  constructor(opts: IoUOptions & MetricOptions, defaultName = 'io_u') {
    super(opts ?? ({} as IoUOptions), defaultName);
    const cls = (new.target as { className: string }).className;
    checkOptionKeys(cls, opts ?? {}, KEYS);
    const n = checkInteger(cls, 'numClasses', opts?.numClasses);
    if (n < 1) throw new ValueError(`${cls}: numClasses must be >= 1, got ${n}`);
    const ids = opts.targetClassIds;
    if (!Array.isArray(ids) || ids.length === 0)
      throw new ValueError(
        `${cls}: targetClassIds must be a non-empty list of class ids, got ${JSON.stringify(ids)}`,
      );
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= n)
        throw new ValueError(
          `${cls}: target class id ${JSON.stringify(id)} is out of range [0, ${n})`,
        );
    }
    const ignore = opts.ignoreClass ?? null;
    this.options = {
      numClasses: n,
      targetClassIds: [...ids],
      ignoreClass: ignore === null ? null : checkInteger(cls, 'ignoreClass', ignore),
      sparseYTrue: checkBoolean(cls, 'sparseYTrue', opts.sparseYTrue ?? true),
      sparseYPred: checkBoolean(cls, 'sparseYPred', opts.sparseYPred ?? true),
      axis: checkInteger(cls, 'axis', opts.axis ?? -1),
    };
    this.cm = new Float64Array(n * n);
  }

  private classes(x: TensorLike, sparse: boolean, arg: string): Tensor {
    const t = convertToTensor(x, this.name, arg);
    return sparse ? t : argmax(t, this.options.axis);
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    const { t, p, w } = noGrad(() => {
      const tt = this.classes(yTrue, this.options.sparseYTrue, 'yTrue');
      const pp = this.classes(yPred, this.options.sparseYPred, 'yPred');
      if (tt.size !== pp.size) {
        throw new ShapeError(
          `${this.name}: labels of shape ${fmtShape(tt.shape)} (as classes) do not match predictions of shape ${fmtShape(pp.shape)} (as classes): expected the same number of elements`,
        );
      }
      let wv: ArrayLike<number> | null = null;
      if (sampleWeight !== undefined && sampleWeight !== null) {
        const w0 = cast(convertToTensor(sampleWeight, this.name, 'sampleWeight'), 'float64');
        const flat = w0.rank > 1 ? w0.reshape([-1]) : w0;
        try {
          wv = broadcastTo(flat, [tt.size]).dataSync();
        } catch {
          throw new ShapeError(
            `${this.name}: sample weights of shape ${fmtShape(w0.shape)} do not broadcast over ${tt.size} labels`,
          );
        }
      }
      return { t: tt.dataSync(), p: pp.dataSync(), w: wv };
    });
    const n = this.options.numClasses;
    const ignore = this.options.ignoreClass;
    for (let i = 0; i < t.length; i++) {
      const a = Math.trunc(Number(t[i]));
      const b = Math.trunc(Number(p[i]));
      if (a < 0 || a >= n || b < 0 || b >= n || a === ignore) continue;
      this.cm[a * n + b]! += w ? Math.trunc(w[i]!) : 1;
    }
  }

  /** The IoU of every class (0 for a class that never occurs). */
  perClass(): number[] {
    const n = this.options.numClasses;
    return Array.from({ length: n }, (_, c) => {
      let row = 0;
      let col = 0;
      for (let j = 0; j < n; j++) {
        row += this.cm[c * n + j]!;
        col += this.cm[j * n + c]!;
      }
      const tp = this.cm[c * n + c]!;
      const denom = row + col - tp;
      return denom > 1e-9 ? tp / (denom + EPSILON) : 0;
    });
  }

  result(): number {
    const n = this.options.numClasses;
    const iou = this.perClass();
    let total = 0;
    let valid = 0;
    for (const c of this.options.targetClassIds) {
      let denom = -this.cm[c * n + c]!;
      for (let j = 0; j < n; j++) denom += this.cm[c * n + j]! + this.cm[j * n + c]!;
      if (denom > 1e-9) valid += 1;
      total += iou[c]!;
    }
    return total / (valid + EPSILON);
  }

  resetState(): void {
    this.cm.fill(0);
  }

  override getConfig(): Config {
    return { name: this.name, ...this.options, targetClassIds: [...this.options.targetClassIds] };
  }
}

/**
 * Mean IoU over every class ({@link IoU} with all classes as targets).
 *
 * Formula: `Σ_c IoU_c / (n + ε)`, n the number of classes that occur in labels or predictions.
 *
 * Shape: as {@link IoU}.
 * @example
 * const m = new MeanIoU({ numClasses: 2 });
 * m.updateState([0, 0, 1, 1], [0, 1, 0, 1]);
 * m.result(); // 0.333
 */
export class MeanIoU extends IoU {
  static override readonly className: string = 'MeanIoU';

  constructor(opts: MeanIoUOptions & MetricOptions, defaultName = 'mean_io_u') {
    const n = opts?.numClasses;
    checkOptionKeys(
      (new.target as { className: string }).className,
      opts ?? {},
      KEYS.filter((k) => k !== 'targetClassIds'),
    );
    super(
      {
        ...opts,
        targetClassIds: Number.isInteger(n) && n > 0 ? Array.from({ length: n }, (_, i) => i) : [],
      },
      defaultName,
    );
  }

  override getConfig(): Config {
    const { targetClassIds: _t, ...rest } = super.getConfig();
    return rest;
  }
}

/**
 * {@link IoU} for one-hot labels: labels (and, unless `sparseYPred`, predictions) are turned
 * into classes by an argmax over `axis`.
 *
 * Formula: as {@link IoU} on `argmax(yTrue)` and `argmax(yPred)`.
 *
 * Shape: `yTrue` `[..., numClasses]`; `yPred` alike (or class indices with `sparseYPred`).
 * @example
 * const m = new OneHotIoU({ numClasses: 3, targetClassIds: [0, 2] });
 * m.updateState([[0, 0, 1], [1, 0, 0]], [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7]]);
 * m.result(); // 0.25
 */
export class OneHotIoU extends IoU {
  static override readonly className = 'OneHotIoU';

  constructor(opts: OneHotIoUOptions & MetricOptions) {
    checkOptionKeys(
      'OneHotIoU',
      opts ?? {},
      KEYS.filter((k) => k !== 'sparseYTrue'),
    );
    super({ ...opts, sparseYTrue: false, sparseYPred: opts?.sparseYPred ?? false }, 'one_hot_io_u');
  }

  override getConfig(): Config {
    const { sparseYTrue: _s, ...rest } = super.getConfig();
    return rest;
  }
}

/**
 * {@link MeanIoU} for one-hot labels (argmax over `axis` first).
 *
 * Formula: as {@link MeanIoU} on `argmax(yTrue)` and `argmax(yPred)`.
 *
 * Shape: `yTrue` `[..., numClasses]`; `yPred` alike (or class indices with `sparseYPred`).
 * @example
 * const m = new OneHotMeanIoU({ numClasses: 3 });
 * m.updateState([[0, 0, 1], [1, 0, 0]], [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7]]);
 * m.result(); // 0.25
 */
export class OneHotMeanIoU extends MeanIoU {
  static override readonly className = 'OneHotMeanIoU';

  constructor(opts: OneHotMeanIoUOptions & MetricOptions) {
    checkOptionKeys(
      'OneHotMeanIoU',
      opts ?? {},
      KEYS.filter((k) => k !== 'sparseYTrue' && k !== 'targetClassIds'),
    );
    super(
      { ...opts, sparseYTrue: false, sparseYPred: opts?.sparseYPred ?? false },
      'one_hot_mean_io_u',
    );
  }

  override getConfig(): Config {
    const { sparseYTrue: _s, ...rest } = super.getConfig();
    return rest;
  }
}

/** Options of {@link BinaryIoU}. */
export type BinaryIoUOptions = {
  /** The classes (0, 1 or both) whose IoUs are averaged (default [0, 1]). */
  targetClassIds?: number[];
  /** Predictions at or above it count as class 1 (default 0.5). */
  threshold?: number;
};

/**
 * IoU for binary labels and scores (Keras's `BinaryIoU`): predictions are thresholded to 0/1,
 * then {@link IoU} with two classes.
 *
 * Formula: as {@link IoU} on `y` and `[p ≥ threshold]`, classes 0 and 1.
 *
 * Shape: `yTrue` and `yPred` with the same number of elements.
 * @example
 * const m = new BinaryIoU({ threshold: 0.3 });
 * m.updateState([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7]);
 * m.result(); // 0.333
 */
export class BinaryIoU extends IoU {
  static override readonly className = 'BinaryIoU';
  readonly threshold: number;

  constructor(opts: BinaryIoUOptions & MetricOptions = {}) {
    checkOptionKeys('BinaryIoU', opts, ['name', 'targetClassIds', 'threshold']);
    const { threshold = 0.5, ...rest } = opts;
    super({ ...rest, numClasses: 2, targetClassIds: rest.targetClassIds ?? [0, 1] }, 'binary_io_u');
    if (typeof threshold !== 'number' || !Number.isFinite(threshold))
      throw new ValueError(`BinaryIoU: threshold must be a finite number, got ${threshold}`);
    this.threshold = threshold;
  }

  override updateState(
    yTrue: TensorLike,
    yPred: TensorLike,
    sampleWeight?: TensorLike | null,
  ): void {
    const p = noGrad(() =>
      cast(greaterEqual(convertToTensor(yPred, this.name, 'yPred'), this.threshold), 'int32'),
    );
    super.updateState(yTrue, p, sampleWeight);
  }

  override getConfig(): Config {
    return {
      name: this.name,
      targetClassIds: [...this.options.targetClassIds],
      threshold: this.threshold,
    };
  }
}

for (const cls of [IoU, MeanIoU, OneHotIoU, OneHotMeanIoU, BinaryIoU])
  registerSerializable('metric', cls);
