/**
 * What every loss shares: the `Loss` base class, the three reductions, sample-weight handling,
 * and the conversion and shape checks that turn a mismatch between labels and predictions into
 * an error naming the loss and both shapes.
 */
import { noGrad } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { cast, div, greater, maximum, mul, where } from '../ops/elementwise.js';
import { expandDims, reshape, squeeze } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import type { Config, Serializable } from '../serialization.js';
import { isFloat } from '../tensor/dtype.js';
import { broadcastShapes, shapesEqual, sizeOf } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';

/** Keras's fuzz factor `backend.epsilon()`: the clipping bound of probabilities and logs. */
export const EPSILON = 1e-7;

/**
 * How {@link Loss.apply} reduces the weighted per-sample losses: `'sum_over_batch_size'` (the
 * sum divided by the number of loss elements), `'sum'`, or `'none'` (no reduction).
 */
export type Reduction = 'sum_over_batch_size' | 'sum' | 'none';

const REDUCTIONS: readonly Reduction[] = ['sum_over_batch_size', 'sum', 'none'];

/** A loss as a plain function: labels and predictions in, per-sample losses out. */
export type LossFunction = (yTrue: TensorLike, yPred: TensorLike) => Tensor;

/** Options shared by every {@link Loss} class. */
export interface LossOptions {
  /** Name shown in logs (default: Keras's name, e.g. `'mean_squared_error'`). */
  name?: string;
  /** Reduction applied by {@link Loss.apply} (default `'sum_over_batch_size'`). */
  reduction?: Reduction;
}

/**
 * Predictions as a float tensor (ints and bools become float32, as Keras computes losses in
 * floatx).
 * @internal
 */
export function toPredictions(yPred: TensorLike, op: string): Tensor {
  const t = convertToTensor(yPred, op, 'yPred');
  return isFloat(t.dtype) ? t : cast(t, 'float32');
}

/** Labels (or weights) in the dtype of the predictions. @internal */
export function toLabels(yTrue: TensorLike, like: Tensor, op: string, arg = 'yTrue'): Tensor {
  const t = convertToTensor(yTrue, op, arg);
  return t.dtype === like.dtype ? t : cast(t, like.dtype);
}

/**
 * Keras's `squeeze_or_expand_to_same_rank`: when the ranks differ by one and the longer tensor
 * ends in a size-1 axis, that axis is squeezed (or, with `expandRank1`, a rank-1 partner gets
 * one appended), so `[batch]` labels meet `[batch, 1]` predictions. Anything else is left as is.
 *
 * Formula: none; a reshape.
 *
 * Shape: `[n]` with `[n, 1]` gives `[n, 1]` twice; `[n, k]` with `[n, k, 1]` gives `[n, k]` twice.
 * @example squeezeOrExpandToSameRank(tensor([1, 0]), tensor([[0.8], [0.3]]))[0].shape // [2, 1]
 */
export function squeezeOrExpandToSameRank(
  a: Tensor,
  b: Tensor,
  expandRank1 = true,
): [Tensor, Tensor] {
  if (a.rank === b.rank) return [a, b];
  if (a.rank === b.rank + 1 && a.shape[a.rank - 1] === 1) {
    return b.rank === 1 && expandRank1 ? [a, expandDims(b, -1)] : [squeeze(a, -1), b];
  }
  if (b.rank === a.rank + 1 && b.shape[b.rank - 1] === 1) {
    return a.rank === 1 && expandRank1 ? [expandDims(a, -1), b] : [a, squeeze(b, -1)];
  }
  return [a, b];
}

/**
 * Converts both inputs, lines their ranks up as Keras does, and requires equal shapes of rank
 * ≥ 1. `hint` is appended to the error (for instance, which other loss fits the shapes).
 * @internal
 */
export function prepareInputs(
  yTrue: TensorLike,
  yPred: TensorLike,
  loss: string,
  hint?: (t: Tensor, p: Tensor) => string | undefined,
): [Tensor, Tensor] {
  const p0 = toPredictions(yPred, loss);
  const t0 = toLabels(yTrue, p0, loss);
  const [t, p] = squeezeOrExpandToSameRank(t0, p0);
  if (p.rank === 0 || !shapesEqual(t.shape, p.shape)) {
    throw shapeMismatch(loss, t0, p0, hint?.(t0, p0));
  }
  return [t, p];
}

/** The ShapeError every loss throws when labels do not fit predictions. @internal */
export function shapeMismatch(
  loss: string,
  yTrue: Tensor,
  yPred: Tensor,
  hint?: string,
): ShapeError {
  const why = yPred.rank === 0 ? ' (predictions need at least one axis)' : '';
  return new ShapeError(
    `${loss}: labels of shape ${fmtShape(yTrue.shape)} do not fit predictions of shape ` +
      `${fmtShape(yPred.shape)}${why}.${hint ? ` ${hint}` : ''}`,
  );
}

/** Throws a ValueError unless `v` is a finite number in `[lo, hi]`. @internal */
export function checkRange(op: string, name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    throw new ValueError(`${op}: ${name} must be a number in [${lo}, ${hi}], got ${String(v)}`);
  }
  return v;
}

/** Throws a ValueError unless `v` is an integer. @internal */
export function checkInteger(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new ValueError(`${op}: ${name} must be an integer, got ${String(v)}`);
  }
  return v;
}

/** Throws a ValueError unless `v` is a boolean. @internal */
export function checkBoolean(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean')
    throw new ValueError(`${op}: ${name} must be a boolean, got ${String(v)}`);
  return v;
}

/**
 * Rejects option keys a class does not know, so that a typo in a JSON config (`fromLogit`)
 * fails loudly instead of silently training with the default.
 * @internal
 */
export function checkOptionKeys(cls: string, opts: object, allowed: readonly string[]): void {
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) {
      throw new ValueError(`${cls}: unknown option '${k}'. Known options: ${allowed.join(', ')}`);
    }
  }
}

/**
 * Lines sample weights up with the per-sample losses: Keras's rank fix-up first, then weights
 * of lower rank that match the leading axes (one weight per sample for per-timestep losses)
 * get trailing size-1 axes. The weights must then broadcast over the losses without growing
 * them.
 * @internal
 */
export function alignWeights(values: Tensor, weights: Tensor, op: string): Tensor {
  let w = weights;
  // Keras's rank fix-up, applied to the weights only so that the losses keep their shape.
  if (values.rank === w.rank + 1 && values.shape[values.rank - 1] === 1) w = expandDims(w, -1);
  else if (w.rank === values.rank + 1 && w.shape[w.rank - 1] === 1) w = squeeze(w, -1);
  if (w.rank < values.rank && w.rank > 0 && shapesEqual(w.shape, values.shape.slice(0, w.rank))) {
    w = reshape(w, [...w.shape, ...new Array<number>(values.rank - w.rank).fill(1)]);
  }
  let out: number[] | null;
  try {
    out = broadcastShapes(values.shape, w.shape, op);
  } catch {
    out = null;
  }
  if (out === null || !shapesEqual(out, values.shape)) {
    throw new ShapeError(
      `${op}: sample weights of shape ${fmtShape(weights.shape)} do not broadcast over the ` +
        `per-sample losses of shape ${fmtShape(values.shape)}`,
    );
  }
  return w;
}

/**
 * Weights and reduces per-sample losses the way Keras's `reduce_weighted_values` does. A mask
 * (0/1, shaped like the losses) zeroes entries; under `sum_over_batch_size` the kept entries
 * are scaled by total/kept so that the mean runs over kept entries only.
 *
 * Formula: `'sum'`: Σ l·w; `'sum_over_batch_size'`: Σ l·w / size(l) (0 for no elements);
 * `'none'`: l·w.
 *
 * Shape: `[]` for `'sum'` and `'sum_over_batch_size'`; the losses' shape for `'none'`.
 * @example reduceWeightedLoss(tensor([1, 2, 3]), [1, 0, 1], 'sum') // 4
 */
export function reduceWeightedLoss(
  losses: Tensor,
  sampleWeight?: TensorLike | null,
  reduction: Reduction = 'sum_over_batch_size',
  mask?: Tensor | null,
  op = 'loss',
): Tensor {
  checkReduction(op, reduction);
  let w: Tensor | null =
    sampleWeight === undefined || sampleWeight === null
      ? null
      : toLabels(sampleWeight, losses, op, 'sampleWeight');
  if (mask) {
    let m = cast(mask, losses.dtype);
    if (reduction === 'sum_over_batch_size') {
      // size / kept (0 when nothing is kept) computed in the backend, not read on the host,
      // so a compiled step with a masked loss (ignoreClass) replays.
      const size = m.size;
      const mm = m;
      const scale = noGrad(() => {
        const kept = sum(mm);
        return where(greater(kept, 0), div(size, maximum(kept, 1)), 0);
      });
      m = mul(m, scale);
    }
    w = w ? mul(alignWeights(m, w, op), m) : m;
  }
  let values = losses;
  if (w) values = mul(values, alignWeights(values, w, op));
  if (reduction === 'none' || values.rank === 0) return values;
  const total = sum(values);
  if (reduction === 'sum') return total;
  const n = sizeOf(values.shape);
  // Keras divides with divide_no_nan: an empty batch gives 0, not NaN.
  return n > 0 ? div(total, n) : mul(total, 0);
}

function checkReduction(op: string, reduction: unknown): asserts reduction is Reduction {
  if (!REDUCTIONS.includes(reduction as Reduction)) {
    throw new ValueError(
      `${op}: reduction must be one of ${REDUCTIONS.map((r) => `'${r}'`).join(', ')}, got ${JSON.stringify(reduction)}`,
    );
  }
}

/**
 * Base class of the loss objects. A subclass implements {@link Loss.call} (per-sample losses);
 * {@link Loss.apply} weights and reduces them. Subclasses define `static className`, keep their
 * options in `options` (plain JSON values), and register with
 * `registerSerializable('loss', Cls)`.
 *
 * Formula: `apply = reduce(call(yTrue, yPred) · sampleWeight)`.
 *
 * Shape: `call` returns the predictions' shape without the reduced axis; `apply` returns a
 * scalar (or, with `reduction: 'none'`, the per-sample losses).
 * @example
 * const mse = new MeanSquaredError();
 * mse.apply([[0, 1]], [[1, 1]]).item(); // 0.5
 */
export abstract class Loss implements Serializable {
  /** Name under which the class is registered (survives minification). */
  static readonly className: string = 'Loss';
  /** Name shown in logs. */
  readonly name: string;
  /** Reduction applied by {@link Loss.apply}. */
  readonly reduction: Reduction;
  /** The loss-specific options, as plain JSON values (part of the config). */
  abstract readonly options: Readonly<Config>;

  /**
   * @param opts name and reduction
   * @param defaultName Keras's default name of the loss
   */
  constructor(opts: LossOptions, defaultName: string) {
    const reduction = opts.reduction ?? 'sum_over_batch_size';
    checkReduction(new.target.className, reduction);
    if (opts.name !== undefined && typeof opts.name !== 'string') {
      throw new ValueError(
        `${new.target.className}: name must be a string, got ${String(opts.name)}`,
      );
    }
    this.name = opts.name ?? defaultName;
    this.reduction = reduction;
  }

  /** Per-sample losses (no weighting, no reduction). */
  abstract call(yTrue: TensorLike, yPred: TensorLike): Tensor;

  /**
   * Entries excluded from the loss (1 = kept), shaped like the per-sample losses, or null.
   * Under `sum_over_batch_size` the mean then runs over the kept entries.
   */
  protected computeMask(_yTrue: TensorLike, _yPred: TensorLike): Tensor | null {
    return null;
  }

  /**
   * The loss value: per-sample losses times `sampleWeight` (broadcast over them), reduced by
   * `reduction`. This is what a training step minimizes.
   */
  apply(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): Tensor {
    const losses = this.call(yTrue, yPred);
    return reduceWeightedLoss(
      losses,
      sampleWeight,
      this.reduction,
      this.computeMask(yTrue, yPred),
      this.name,
    );
  }

  /** `{name, reduction, ...options}` as plain JSON. */
  getConfig(): Config {
    return { name: this.name, reduction: this.reduction, ...this.options };
  }

  /** Rebuilds the loss from {@link Loss.getConfig}'s output. */
  static fromConfig<T extends Loss>(this: new (opts: never) => T, config: Config): T {
    return new (this as unknown as new (opts: Config) => T)(config);
  }
}
