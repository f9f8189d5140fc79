/**
 * The metric base class and the mean-based metrics. A metric accumulates statistics over an
 * epoch (`updateState` per batch, `result` at the end, `resetState` between epochs). It never
 * feeds gradients: every update runs under `noGrad` and the state lives in plain JS numbers.
 */
import { noGrad } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import {
  checkOptionKeys,
  squeezeOrExpandToSameRank,
  toLabels,
  toPredictions,
} from '../losses/core.js';
import {
  type LossId,
  canonicalLossId,
  getLossFunction,
  lossFunctionId,
} from '../losses/registry.js';
import { scalar } from '../ops/creation.js';
import { mul } from '../ops/elementwise.js';
import { broadcastTo, concat } from '../ops/movement.js';
import { mean, sum } from '../ops/reduce.js';
import type { Config, ConfigValue, Serializable } from '../serialization.js';
import { registerSerializable } from '../serialization.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';

/** Options shared by every {@link Metric}. */
export type MetricOptions = {
  /** Name shown in logs (default: Keras's name, e.g. `'binary_accuracy'`). */
  name?: string;
};

/**
 * A metric as a plain function: per-sample (or per-element) values that {@link Mean}
 * averages. Options, when the function takes any, come third.
 */
export type MetricFunction = (yTrue: TensorLike, yPred: TensorLike) => Tensor;

const metricFunctions = new Map<string, MetricFunction>();
/** Metric functions that are pure tensor code (no host read), safe inside a compiled step. */
const tensorOnly = new Set<unknown>();
/** Built-in losses that read labels back on the host (hinge's 0/1 check, CTC's lengths). */
const HOST_LOSSES = new Set(['hinge', 'squared_hinge', 'categorical_hinge', 'ctc']);

/**
 * Makes a metric function serializable by id inside {@link MeanMetricWrapper} configs;
 * `pure` marks it as tensor code with no host read, so a compiled step can record it.
 * @internal
 */
export function registerMetricFunction(id: string, fn: MetricFunction, pure = false): void {
  metricFunctions.set(id, fn);
  if (pure) tensorOnly.add(fn);
}

/** Whether `fn` is a built-in metric or loss function known to make no host read. */
function isTensorOnly(fn: unknown): boolean {
  if (tensorOnly.has(fn)) return true;
  const id = lossFunctionId(fn);
  return id !== undefined && !HOST_LOSSES.has(id);
}

/** The id of a registered metric function or built-in loss function, or undefined. @internal */
export function metricFunctionId(fn: unknown): string | undefined {
  for (const [id, f] of metricFunctions) if (f === fn) return id;
  return lossFunctionId(fn);
}

/** The metric function or loss function named `id`, or undefined. @internal */
export function lookupMetricFunction(id: string): MetricFunction | undefined {
  const m = metricFunctions.get(id);
  if (m) return m;
  return canonicalLossId(id) ? getLossFunction(id as LossId) : undefined;
}

/**
 * Base class of the metrics. Subclasses implement `updateState`, `result` and `resetState`,
 * keep their options in `options` (plain JSON), define `static className` and register with
 * `registerSerializable('metric', Cls)`.
 *
 * Formula: defined by each subclass; `result()` summarizes every batch since the last reset.
 *
 * Shape: `updateState` takes labels and predictions as the matching loss does; `result()` is a
 * number.
 * @example
 * const m = new BinaryAccuracy();
 * m.updateState([[1], [0]], [[0.9], [0.8]]);
 * m.result(); // 0.5
 */
export abstract class Metric implements Serializable {
  /** Name under which the class is registered (survives minification). */
  static readonly className: string = 'Metric';
  /** Name shown in logs. */
  readonly name: string;
  /** The metric-specific options, as plain JSON values (part of the config). */
  abstract readonly options: Readonly<Config>;

  /**
   * @param opts the name
   * @param defaultName Keras's default name of the metric
   */
  constructor(opts: MetricOptions, defaultName: string) {
    if (opts.name !== undefined && typeof opts.name !== 'string') {
      throw new ValueError(
        `${new.target.className}: name must be a string, got ${String(opts.name)}`,
      );
    }
    this.name = opts.name ?? defaultName;
  }

  /**
   * The tensor part of one update: this batch's statistics as tensors, computed without any
   * host read so that a compiled step can record them and the trainer can read every metric
   * and the loss back in one read; {@link mergeStatistics} then adds the values. Null (the
   * default) when the metric updates on the host, through {@link updateState}.
   */
  batchStatistics(_yTrue: Tensor, _yPred: Tensor, _sampleWeight: Tensor | null): Tensor[] | null {
    return null;
  }

  /** The host part: adds the values of the tensors {@link batchStatistics} returned. */
  mergeStatistics(_values: readonly number[]): void {
    throw new ValueError(`${this.name}: this metric has no tensor statistics to merge`);
  }

  /** Accumulates one batch. */
  abstract updateState(
    yTrue: TensorLike,
    yPred: TensorLike,
    sampleWeight?: TensorLike | null,
  ): void;

  /** The metric over every batch since the last reset. */
  abstract result(): number;

  /** Forgets every batch (call at the start of each epoch). */
  abstract resetState(): void;

  /** `{name, ...options}` as plain JSON. */
  getConfig(): Config {
    return { name: this.name, ...this.options };
  }

  /** Rebuilds the metric from {@link Metric.getConfig}'s output. */
  static fromConfig<T extends Metric>(this: new (opts: never) => T, config: Config): T {
    return new (this as unknown as new (opts: Config) => T)(config);
  }
}

/**
 * Sums and counts of Keras's `reduce_to_samplewise_values`: values are averaged over their
 * trailing axes down to the weights' rank, weighted, then averaged down to one per sample;
 * the count is the number of samples, or the sum of the (per-sample) weights.
 * @internal
 */
export function samplewiseSums(
  values: Tensor,
  sampleWeight: TensorLike | null | undefined,
  op: string,
): { total: number; count: number } {
  return noGrad(() => {
    const { total, count } = samplewiseTensors(values, sampleWeight, op);
    const [t, c] = concat([total.reshape([1]), count.reshape([1])], 0).dataSync();
    return { total: t!, count: c! };
  });
}

/**
 * {@link samplewiseSums} as tensors (a 0-d total and count), with no host read.
 * @internal
 */
export function samplewiseTensors(
  values: Tensor,
  sampleWeight: TensorLike | null | undefined,
  op: string,
): { total: Tensor; count: Tensor } {
  return noGrad(() => {
    let v = values;
    if (sampleWeight === undefined || sampleWeight === null) {
      if (v.rank > 1) v = mean(v, range(1, v.rank));
      return { total: sum(v), count: scalar(v.rank >= 1 ? v.shape[0]! : 1, v.dtype) };
    }
    let w = toLabels(sampleWeight, v, op, 'sampleWeight');
    [v, w] = squeezeOrExpandToSameRank(v, w);
    const wRank = w.rank;
    if (v.rank > wRank) v = mean(v, range(wRank, v.rank));
    try {
      w = broadcastTo(w, v.shape);
    } catch {
      throw new ShapeError(
        `${op}: sample weights of shape ${fmtShape(w.shape)} do not broadcast over values of shape ${fmtShape(values.shape)}`,
      );
    }
    v = mul(v, w);
    if (wRank > 1) w = mean(w, range(1, wRank));
    if (v.rank > 1) v = mean(v, range(1, v.rank));
    return { total: sum(v), count: sum(w) };
  });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/**
 * The (weighted) mean of the values given to every `updateState` since the last reset.
 *
 * Formula: `Σ v·w / Σ w` over samples, each sample's values first averaged over its trailing
 * axes (w = 1 without weights); 0 before any update.
 *
 * Shape: `values` `[batch, ...]` (or a scalar, one sample); `sampleWeight` broadcast over
 * `values` from the leading axis.
 * @example
 * const m = new Mean();
 * m.updateState([1, 3, 5, 7]);
 * m.result(); // 4
 */
export class Mean extends Metric {
  static override readonly className: string = 'Mean';
  readonly options: Readonly<Config> = {};
  private total = 0;
  private count = 0;

  constructor(opts: MetricOptions = {}) {
    super(opts, 'mean');
    checkOptionKeys('Mean', opts, ['name']);
  }

  /**
   * Adds a batch of values (Keras's `Mean.update_state(values, sample_weight)`: the first
   * argument is the values themselves, not labels).
   */
  override updateState(values: TensorLike, sampleWeight?: TensorLike | null): void {
    const v = noGrad(() => toPredictions(values, this.name));
    this.accumulate(v, sampleWeight);
  }

  /** Adds per-sample values computed by a subclass. */
  protected accumulate(values: Tensor, sampleWeight?: TensorLike | null): void {
    const { total, count } = samplewiseSums(values, sampleWeight, this.name);
    this.total += total;
    this.count += count;
  }

  /** Adds `[total, count]` from {@link MeanMetricWrapper.batchStatistics}. */
  override mergeStatistics(values: readonly number[]): void {
    this.total += values[0]!;
    this.count += values[1]!;
  }

  result(): number {
    // divide_no_nan, as Keras: no samples (or zero total weight) reads 0.
    return this.count === 0 ? 0 : this.total / this.count;
  }

  resetState(): void {
    this.total = 0;
    this.count = 0;
  }
}

/** Options of {@link MeanMetricWrapper}. */
export type MeanMetricWrapperOptions = MetricOptions & {
  /** Passed to the function as its third argument. */
  fnOptions?: Config;
};

/**
 * Turns a function `(yTrue, yPred) => per-sample values` (any loss function, or a metric
 * function such as {@link binaryAccuracy}) into a metric: the weighted mean of its values.
 * Wrappers of built-in functions serialize with the function's id.
 *
 * Formula: `Σ fn(y, p)·w / Σ w` over every sample seen since the last reset.
 *
 * Shape: whatever `fn` accepts.
 * @example
 * const m = new MeanMetricWrapper(meanSquaredError, { name: 'mse' });
 * m.updateState([[0, 1]], [[1, 1]]);
 * m.result(); // 0.5
 */
export class MeanMetricWrapper extends Mean {
  static override readonly className: string = 'MeanMetricWrapper';
  override readonly options: Readonly<Config>;
  /** The wrapped function. */
  readonly fn: MetricFunction;
  /** Options passed to `fn`. */
  readonly fnOptions: Readonly<Config>;

  /**
   * @param fn a function, the id of a built-in loss or metric function, or a config
   *   `{fn: id, name?, fnOptions?}` (what {@link MeanMetricWrapper.fromConfig} passes)
   * @param opts name (default: the function's name) and options for `fn`
   */
  constructor(fn: MetricFunction | string | Config, opts: MeanMetricWrapperOptions = {}) {
    const merged: MeanMetricWrapperOptions =
      typeof fn === 'object' && fn !== null ? (({ fn: _f, ...rest }) => rest)(fn) : opts;
    const f = typeof fn === 'object' && fn !== null ? fn.fn : fn;
    const resolved = typeof f === 'string' ? lookupMetricFunction(f) : f;
    if (typeof resolved !== 'function') {
      throw new ValueError(
        `MeanMetricWrapper: fn must be a function or the id of a loss or metric function, got ${JSON.stringify(f)}`,
      );
    }
    super({ name: merged.name ?? (resolved.name || 'mean_metric_wrapper') });
    checkOptionKeys('MeanMetricWrapper', merged, ['name', 'fnOptions']);
    this.fn = resolved;
    this.fnOptions = merged.fnOptions ?? {};
    const id = metricFunctionId(resolved);
    this.options = id ? { fn: id, fnOptions: { ...this.fnOptions } as ConfigValue } : {};
  }

  /**
   * `[Σ v·w, Σ w]` of this batch as tensors, for built-in functions that make no host read;
   * null for others (a custom function may read values back: it runs through `updateState`).
   */
  override batchStatistics(
    yTrue: Tensor,
    yPred: Tensor,
    sampleWeight: Tensor | null,
  ): Tensor[] | null {
    if (!isTensorOnly(this.fn)) return null;
    return noGrad(() => {
      const values = (this.fn as (t: TensorLike, p: TensorLike, o: Config) => Tensor)(
        yTrue,
        yPred,
        this.fnOptions,
      );
      const { total, count } = samplewiseTensors(values, sampleWeight, this.name);
      return [total, count];
    });
  }

  /** Computes `fn(yTrue, yPred)` without recording gradients and adds its weighted mean. */
  override updateState(
    yTrue: TensorLike,
    yPred: TensorLike,
    sampleWeight?: TensorLike | null,
  ): void {
    const values = noGrad(() =>
      (this.fn as (t: TensorLike, p: TensorLike, o: Config) => Tensor)(
        yTrue,
        yPred,
        this.fnOptions,
      ),
    );
    this.accumulate(values, sampleWeight);
  }

  override getConfig(): Config {
    if (this.constructor === MeanMetricWrapper && !('fn' in this.options)) {
      throw new ValueError(
        `MeanMetricWrapper '${this.name}': a custom function cannot be serialized. Subclass Metric with a static className and register it with registerSerializable('metric', Cls).`,
      );
    }
    return super.getConfig();
  }
}

/**
 * The (weighted) sum of every value seen since the last reset (Keras's `metrics.Sum`).
 *
 * Formula: `Σ v·w` (sample weights broadcast over each sample's values).
 *
 * Shape: values `[batch, ...]`, sample weights `[batch]` or broadcasting to the values.
 * @example
 * const m = new Sum();
 * m.updateState([1, 3, 5, 7]);
 * m.result(); // 16
 */
export class Sum extends Metric {
  static override readonly className: string = 'Sum';
  readonly options: Readonly<Config> = {};
  private total = 0;

  constructor(opts: MetricOptions = {}) {
    super(opts, 'sum');
    checkOptionKeys('Sum', opts, ['name']);
  }

  /** Adds a batch of values (the first argument is the values, as Keras's `Sum`). */
  override updateState(values: TensorLike, sampleWeight?: TensorLike | null): void {
    this.total += noGrad(() => {
      let v = toPredictions(values, this.name);
      if (sampleWeight !== undefined && sampleWeight !== null) {
        let w = toLabels(sampleWeight, v, this.name, 'sampleWeight');
        [v, w] = squeezeOrExpandToSameRank(v, w);
        // Values beyond the weights' axes are summed first (Keras's reduce_fn = sum).
        if (v.rank > w.rank) v = sum(v, range(w.rank, v.rank));
        try {
          w = broadcastTo(w, v.shape);
        } catch {
          throw new ShapeError(
            `${this.name} (Sum): sample weights of shape ${fmtShape(w.shape)} do not broadcast over values of shape ${fmtShape(v.shape)}`,
          );
        }
        v = mul(v, w);
      }
      return sum(v).dataSync()[0]!;
    });
  }

  result(): number {
    return this.total;
  }

  resetState(): void {
    this.total = 0;
  }
}

registerSerializable('metric', Mean);
registerSerializable('metric', MeanMetricWrapper);
registerSerializable('metric', Sum);
