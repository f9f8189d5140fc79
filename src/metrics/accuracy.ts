/**
 * Accuracy metrics: binary, categorical, sparse categorical, and their top-k forms. The
 * functions return one 0/1 value per element (binary) or per sample (the others), as Keras 3
 * does; the classes average them over an epoch.
 */
import { ValueError } from '../errors.js';
import {
  checkInteger,
  checkOptionKeys,
  checkRange,
  shapeMismatch,
  squeezeOrExpandToSameRank,
  toLabels,
  toPredictions,
} from '../losses/core.js';
import { cast, equal, greater } from '../ops/elementwise.js';
import { squeeze } from '../ops/movement.js';
import { argmax } from '../ops/reduce.js';
import { type Config, registerSerializable } from '../serialization.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { MeanMetricWrapper, type MetricOptions, registerMetricFunction } from './base.js';

/** Options of {@link binaryAccuracy} and {@link BinaryAccuracy}. */
export type BinaryAccuracyOptions = {
  /** Predictions above it count as 1 (default 0.5). */
  threshold?: number;
};

/** Options of the top-k accuracies. */
export type TopKOptions = {
  /** How many of the highest predictions may hold the label (default 5). */
  k?: number;
};

/**
 * Whether each thresholded prediction equals its label.
 *
 * Formula: `[y == (p > threshold)]`, elementwise.
 *
 * Shape: `yTrue` and `yPred` alike (a `[batch]` side meets a `[batch, 1]` side); the result has
 * that shape.
 * @example binaryAccuracy([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]) // [[1], [1], [1], [0]]
 */
export function binaryAccuracy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: BinaryAccuracyOptions = {},
): Tensor {
  const op = 'binaryAccuracy';
  const threshold = checkRange(
    op,
    'threshold',
    options.threshold ?? 0.5,
    Number.NEGATIVE_INFINITY,
    Number.POSITIVE_INFINITY,
  );
  const p0 = toPredictions(yPred, op);
  const t0 = toLabels(yTrue, p0, op);
  const [t, p] = squeezeOrExpandToSameRank(t0, p0);
  if (!shapesEqual(t.shape, p.shape)) throw shapeMismatch(op, t0, p0);
  return cast(equal(t, cast(greater(p, threshold), t.dtype)), 'float32');
}

/**
 * Whether each prediction equals its label exactly (Keras's `metrics.accuracy` function).
 *
 * Formula: `[y == p]`, elementwise.
 *
 * Shape: `yTrue` and `yPred` alike (a `[batch]` side meets a `[batch, 1]` side); the result has
 * that shape.
 * @example exactAccuracy([[1], [2], [3]], [[0], [2], [3]]) // [[0], [1], [1]]
 */
export function exactAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const op = 'accuracy';
  const p0 = toPredictions(yPred, op);
  const t0 = toLabels(yTrue, p0, op);
  const [t, p] = squeezeOrExpandToSameRank(t0, p0);
  if (!shapesEqual(t.shape, p.shape)) throw shapeMismatch(op, t0, p0);
  return cast(equal(t, cast(p, t.dtype)), 'float32');
}

/**
 * How often predictions equal their labels exactly (Keras's `metrics.Accuracy`; the string
 * `'accuracy'` in `compile` picks binary, categorical or sparse accuracy instead).
 *
 * Formula: `Σ w·[y == p] / Σ w` over every element.
 *
 * Shape: `yTrue` and `yPred` alike.
 * @example
 * const m = new Accuracy();
 * m.updateState([[1], [2], [3], [4]], [[0], [2], [3], [4]]);
 * m.result(); // 0.75
 */
export class Accuracy extends MeanMetricWrapper {
  static override readonly className = 'Accuracy';
  override readonly options: Readonly<Config> = {};

  constructor(opts: MetricOptions = {}) {
    checkOptionKeys('Accuracy', opts, ['name']);
    super(exactAccuracy, { name: opts.name ?? 'accuracy' });
  }
}

/** Class-index labels of shape `[...lead]` (a trailing 1 is squeezed) for predictions `[...lead, C]`. */
function sparseLabels(op: string, yTrue: TensorLike, p: Tensor): Tensor {
  const t0 = convertToTensor(yTrue, op, 'yTrue');
  const t = t0.rank === p.rank && t0.rank > 0 && t0.shape[t0.rank - 1] === 1 ? squeeze(t0, -1) : t0;
  if (p.rank === 0 || !shapesEqual(t.shape, p.shape.slice(0, -1))) {
    throw shapeMismatch(
      op,
      t0,
      p,
      'Labels must be class indices of shape [batch] or [batch, 1] for predictions of shape [batch, numClasses].',
    );
  }
  return t;
}

/** One-hot labels must have the predictions' shape. */
function denseLabels(op: string, yTrue: TensorLike, p: Tensor, sparseName: string): Tensor {
  const t = convertToTensor(yTrue, op, 'yTrue');
  if (p.rank === 0 || !shapesEqual(t.shape, p.shape)) {
    const looksSparse = t.rank === p.rank - 1 || (t.rank === p.rank && t.shape[t.rank - 1] === 1);
    throw shapeMismatch(
      op,
      t,
      p,
      looksSparse
        ? `Labels that are class indices need ${sparseName}.`
        : 'Labels must be one-hot, shaped like the predictions.',
    );
  }
  return t;
}

/**
 * Whether the class with the highest prediction is the labelled one.
 *
 * Formula: `[argmax(y) == argmax(p)]` over the last axis.
 *
 * Shape: `yTrue` (one-hot) and `yPred` both `[..., numClasses]`; the result drops the last axis.
 * @example categoricalAccuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]) // [0, 1]
 */
export function categoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const op = 'categoricalAccuracy';
  const p = toPredictions(yPred, op);
  const t = denseLabels(op, yTrue, p, 'sparseCategoricalAccuracy');
  return cast(equal(argmax(t, -1), argmax(p, -1)), 'float32');
}

/**
 * Whether the class with the highest prediction equals the integer label.
 *
 * Formula: `[y == argmax(p)]` over the last axis.
 *
 * Shape: `yTrue` `[batch, ...]` or `[batch, ..., 1]`; `yPred` `[batch, ..., numClasses]`; the
 * result is `[batch, ...]`.
 * @example sparseCategoricalAccuracy([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]) // [0, 1]
 */
export function sparseCategoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const op = 'sparseCategoricalAccuracy';
  const p = toPredictions(yPred, op);
  const t = sparseLabels(op, yTrue, p);
  return cast(equal(cast(t, 'float32'), cast(argmax(p, -1), 'float32')), 'float32');
}

/**
 * Keras's `in_top_k`: the label is in the top k when fewer than k predictions are strictly
 * greater than the label's (ties count in its favour; a NaN at the label never matches).
 */
function inTopK(labels: ArrayLike<number>, p: Tensor, k: number, shape: readonly number[]): Tensor {
  const c = p.shape[p.rank - 1]!;
  const v = p.dataSync();
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= c) continue;
    const target = v[i * c + label]!;
    if (Number.isNaN(target)) continue;
    let greaterCount = 0;
    for (let j = 0; j < c; j++) if (v[i * c + j]! > target) greaterCount++;
    out[i] = greaterCount < k ? 1 : 0;
  }
  const b = p.backend;
  return new Tensor(b.fromArray(out, 'float32'), shape, 'float32', b);
}

/**
 * Whether the labelled class is among the k highest predictions.
 *
 * Formula: `[argmax(y) ∈ topK(p)]` over the last axis.
 *
 * Shape: `yTrue` (one-hot) and `yPred` both `[..., numClasses]`; the result drops the last axis.
 * @example topKCategoricalAccuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], { k: 1 }) // [0, 1]
 */
export function topKCategoricalAccuracy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: TopKOptions = {},
): Tensor {
  const op = 'topKCategoricalAccuracy';
  const k = checkK(op, options.k);
  const p = toPredictions(yPred, op);
  const t = denseLabels(op, yTrue, p, 'sparseTopKCategoricalAccuracy');
  return inTopK(argmax(t, -1).dataSync(), p, k, p.shape.slice(0, -1));
}

/**
 * Whether the integer label is among the k highest predictions.
 *
 * Formula: `[y ∈ topK(p)]` over the last axis.
 *
 * Shape: `yTrue` `[batch, ...]` or `[batch, ..., 1]`; `yPred` `[batch, ..., numClasses]`; the
 * result is `[batch, ...]`.
 * @example sparseTopKCategoricalAccuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], { k: 1 }) // [0, 1]
 */
export function sparseTopKCategoricalAccuracy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: TopKOptions = {},
): Tensor {
  const op = 'sparseTopKCategoricalAccuracy';
  const k = checkK(op, options.k);
  const p = toPredictions(yPred, op);
  const t = sparseLabels(op, yTrue, p);
  return inTopK(t.dataSync(), p, k, t.shape);
}

function checkK(op: string, k: unknown): number {
  const v = checkInteger(op, 'k', k ?? 5);
  if (v < 1) throw new ValueError(`${op}: k must be >= 1, got ${v}`);
  return v;
}

registerMetricFunction('binaryAccuracy', binaryAccuracy, true);
registerMetricFunction('categoricalAccuracy', categoricalAccuracy, true);
registerMetricFunction('sparseCategoricalAccuracy', sparseCategoricalAccuracy, true);
registerMetricFunction('topKCategoricalAccuracy', topKCategoricalAccuracy);
registerMetricFunction('sparseTopKCategoricalAccuracy', sparseTopKCategoricalAccuracy);

/**
 * How often thresholded predictions match binary labels.
 *
 * Formula: `Σ w·[y == (p > threshold)] / Σ w` over every element seen.
 *
 * Shape: `yTrue` and `yPred` alike, e.g. `[batch, 1]`.
 * @example
 * const m = new BinaryAccuracy();
 * m.updateState([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]);
 * m.result(); // 0.75
 */
export class BinaryAccuracy extends MeanMetricWrapper {
  static override readonly className = 'BinaryAccuracy';
  override readonly options: Readonly<Required<BinaryAccuracyOptions>>;

  constructor(opts: BinaryAccuracyOptions & MetricOptions = {}) {
    checkOptionKeys('BinaryAccuracy', opts, ['name', 'threshold']);
    const threshold = checkRange(
      'BinaryAccuracy',
      'threshold',
      opts.threshold ?? 0.5,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    );
    super(binaryAccuracy, { name: opts.name ?? 'binary_accuracy', fnOptions: { threshold } });
    this.options = { threshold };
  }
}

/**
 * How often the highest prediction is the one-hot label's class.
 *
 * Formula: `Σ w·[argmax y == argmax p] / Σ w`.
 *
 * Shape: `yTrue` (one-hot) and `yPred` both `[batch, numClasses]`.
 * @example
 * const m = new CategoricalAccuracy();
 * m.updateState([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
 * m.result(); // 0.5
 */
export class CategoricalAccuracy extends MeanMetricWrapper {
  static override readonly className = 'CategoricalAccuracy';
  override readonly options = {};

  constructor(opts: MetricOptions = {}) {
    checkOptionKeys('CategoricalAccuracy', opts, ['name']);
    super(categoricalAccuracy, { name: opts.name ?? 'categorical_accuracy' });
  }
}

/**
 * How often the highest prediction is the integer label.
 *
 * Formula: `Σ w·[y == argmax p] / Σ w`.
 *
 * Shape: `yTrue` `[batch]` or `[batch, 1]`; `yPred` `[batch, numClasses]`.
 * @example
 * const m = new SparseCategoricalAccuracy();
 * m.updateState([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]);
 * m.result(); // 0.5
 */
export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  static override readonly className = 'SparseCategoricalAccuracy';
  override readonly options = {};

  constructor(opts: MetricOptions = {}) {
    checkOptionKeys('SparseCategoricalAccuracy', opts, ['name']);
    super(sparseCategoricalAccuracy, { name: opts.name ?? 'sparse_categorical_accuracy' });
  }
}

/**
 * How often the one-hot label's class is among the k highest predictions.
 *
 * Formula: `Σ w·[argmax y ∈ topK(p)] / Σ w`.
 *
 * Shape: `yTrue` (one-hot) and `yPred` both `[batch, numClasses]`.
 * @example
 * const m = new TopKCategoricalAccuracy({ k: 1 });
 * m.updateState([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
 * m.result(); // 0.5
 */
export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  static override readonly className = 'TopKCategoricalAccuracy';
  override readonly options: Readonly<Required<TopKOptions>>;

  constructor(opts: TopKOptions & MetricOptions = {}) {
    checkOptionKeys('TopKCategoricalAccuracy', opts, ['name', 'k']);
    const k = checkK('TopKCategoricalAccuracy', opts.k);
    super(topKCategoricalAccuracy, {
      name: opts.name ?? 'top_k_categorical_accuracy',
      fnOptions: { k },
    });
    this.options = { k };
  }
}

/**
 * How often the integer label is among the k highest predictions.
 *
 * Formula: `Σ w·[y ∈ topK(p)] / Σ w`.
 *
 * Shape: `yTrue` `[batch]` or `[batch, 1]`; `yPred` `[batch, numClasses]`.
 * @example
 * const m = new SparseTopKCategoricalAccuracy({ k: 1 });
 * m.updateState([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
 * m.result(); // 0.5
 */
export class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {
  static override readonly className = 'SparseTopKCategoricalAccuracy';
  override readonly options: Readonly<Required<TopKOptions>>;

  constructor(opts: TopKOptions & MetricOptions = {}) {
    checkOptionKeys('SparseTopKCategoricalAccuracy', opts, ['name', 'k']);
    const k = checkK('SparseTopKCategoricalAccuracy', opts.k);
    super(sparseTopKCategoricalAccuracy, {
      name: opts.name ?? 'sparse_top_k_categorical_accuracy',
      fnOptions: { k },
    });
    this.options = { k };
  }
}

for (const cls of [
  Accuracy,
  BinaryAccuracy,
  CategoricalAccuracy,
  SparseCategoricalAccuracy,
  TopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
]) {
  registerSerializable('metric', cls);
}
