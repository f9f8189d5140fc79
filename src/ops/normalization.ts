/**
 * Normalization ops, as Keras 3's `keras.ops`: `moments`, `batchNormalization` and
 * `layerNormalization`. They are composites of the reduce and elementwise ops, so their
 * gradients are the true gradients through the statistics (a batch's mean and variance depend
 * on every element of the batch).
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { add, cast, mul, neg, rsqrt, square, sub } from './elementwise.js';
import { mean } from './reduce.js';

/** A float tensor for a normalization op: ints are cast to float32, bools refused. */
function floatInput(x: TensorLike, op: string, arg: string): Tensor {
  const t = convertToTensor(x, op, arg);
  if (t.dtype === 'bool') throw new DTypeError(`${op}: ${arg} must be numeric, got bool`);
  return isFloat(t.dtype) ? t : cast(t, 'float32');
}

/**
 * Mean and (biased, population) variance over `axes`, as Keras `ops.moments`:
 * `mean = Σx / n`, `variance = Σ(x − mean)² / n`, `n` the number of reduced elements.
 *
 * Shape: `x`'s shape without the reduced axes (kept as 1 with `keepDims`), for both.
 * @example
 * const [m, v] = moments(tensor([[1, 2], [3, 6]]), 0); // m [2, 4], v [1, 4]
 */
export function moments(
  x: TensorLike,
  axes: number | readonly number[],
  keepDims = false,
): [Tensor, Tensor] {
  const t = floatInput(x, 'moments', 'x');
  const ax = normalizeAxes(axes, t.rank, 'moments');
  const m = mean(t, ax, true);
  const v = mean(square(sub(t, m)), ax, keepDims);
  return [keepDims ? m : m.reshape(t.shape.filter((_, i) => !ax.includes(i))), v];
}

/** Options of {@link batchNormalization}. */
export interface BatchNormalizationOptions {
  /** Added to the normalized value (β), shape `[x.shape[axis]]`. */
  offset?: TensorLike | null;
  /** Multiplies the normalized value (γ), shape `[x.shape[axis]]`. */
  scale?: TensorLike | null;
  /** Added to the variance before the square root (default 1e-3, as Keras). */
  epsilon?: number;
}

/**
 * Normalizes `x` with given per-channel statistics, as Keras `ops.batch_normalization`:
 * `y = (x − mean) / √(variance + epsilon) · scale + offset`, the vectors laid along `axis`.
 *
 * Computed as Keras does: `inv = scale / √(variance + epsilon)`, `y = x·inv + (offset − mean·inv)`.
 *
 * Shape: `x` any rank ≥ 1; `mean`, `variance`, `offset`, `scale` `[x.shape[axis]]`; output as `x`.
 * @example
 * batchNormalization(tensor([[1, 2], [3, 4]]), [2, 3], [1, 1], -1, { epsilon: 0 }); // [[-1, -1], [1, 1]]
 */
export function batchNormalization(
  x: TensorLike,
  meanIn: TensorLike,
  varianceIn: TensorLike,
  axis = -1,
  opts: BatchNormalizationOptions = {},
): Tensor {
  const op = 'batchNormalization';
  const t = floatInput(x, op, 'x');
  if (t.rank === 0) throw new ShapeError(`${op}: x must have rank >= 1, got a scalar`);
  const ax = normalizeAxis(axis, t.rank, op);
  const c = t.shape[ax]!;
  const bshape = t.shape.map((d, i) => (i === ax ? d : 1));
  const vec = (v: TensorLike, name: string): Tensor => {
    let u = convertToTensor(v, op, name);
    const ok = u.size === c && (u.rank <= 1 || u.shape.every((d, i) => d === bshape[i]));
    if (!ok) {
      throw new ShapeError(
        `${op}: ${name} must have shape [${c}] (axis ${ax} of x ${fmtShape(t.shape)}), got ${fmtShape(u.shape)}`,
      );
    }
    if (u.dtype !== t.dtype) u = cast(u, t.dtype);
    return t.rank === 1 || ax === t.rank - 1 ? u.reshape([c]) : u.reshape(bshape);
  };
  const eps = opts.epsilon ?? 1e-3;
  if (!Number.isFinite(eps) || eps < 0)
    throw new ValueError(`${op}: epsilon must be a finite number >= 0, got ${eps}`);
  const m = vec(meanIn, 'mean');
  let inv = rsqrt(add(vec(varianceIn, 'variance'), eps));
  if (opts.scale !== undefined && opts.scale !== null) inv = mul(inv, vec(opts.scale, 'scale'));
  let res = neg(mul(m, inv));
  if (opts.offset !== undefined && opts.offset !== null) res = add(res, vec(opts.offset, 'offset'));
  return add(mul(t, inv), res);
}

/** Options of {@link layerNormalization}. */
export interface LayerNormalizationOptions {
  /** Scale γ, of shape `x.shape[a]` for the axes `a` (in the order given). */
  gamma?: TensorLike | null;
  /** Offset β, same shape as `gamma`; ignored with `rmsScaling`. */
  beta?: TensorLike | null;
  /** The axis or axes normalized over (default -1). */
  axis?: number | readonly number[];
  /** Added to the variance (default 1e-7, Keras's `backend.epsilon()` for the op). */
  epsilon?: number;
  /**
   * Keras's `rms_scaling`: `y = x / √(var(x) + epsilon) · γ` (no centering of the output, no β).
   * Keras 3 computes the variance here, not the mean of squares, and so does Tessera.
   */
  rmsScaling?: boolean;
}

/**
 * Layer normalization over `axis`, as Keras `ops.layer_normalization`: per sample,
 * `y = (x − mean) / √(variance + epsilon) · gamma + beta`, the statistics over `axis`.
 *
 * Shape: output as `x`; `gamma`, `beta` of shape `[x.shape[a] for a in axis]`.
 * @example
 * layerNormalization(tensor([[1, 3]]), { epsilon: 0 }); // [[-1, 1]]
 */
export function layerNormalization(x: TensorLike, opts: LayerNormalizationOptions = {}): Tensor {
  const op = 'layerNormalization';
  const t = floatInput(x, op, 'x');
  const given = typeof opts.axis === 'number' ? [opts.axis] : [...(opts.axis ?? [-1])];
  if (given.length === 0) throw new ValueError(`${op}: axis must name at least one axis`);
  const axes = given.map((a) => normalizeAxis(a, t.rank, op));
  if (new Set(axes).size !== axes.length)
    throw new ValueError(`${op}: axis has repeated entries: [${given.join(', ')}]`);
  const eps = opts.epsilon ?? 1e-7;
  if (!Number.isFinite(eps) || eps < 0)
    throw new ValueError(`${op}: epsilon must be a finite number >= 0, got ${eps}`);
  const pshape = axes.map((a) => t.shape[a]!);
  const bshape = t.shape.map((d, i) => (axes.includes(i) ? d : 1));
  const lastOnly = axes.length === 1 && axes[0] === t.rank - 1;
  const param = (v: TensorLike, name: string): Tensor => {
    let u = convertToTensor(v, op, name);
    const n = pshape.reduce((a, b) => a * b, 1);
    if (u.size !== n) {
      throw new ShapeError(
        `${op}: ${name} must have shape ${fmtShape(pshape)} (axes [${axes.join(', ')}] of x ${fmtShape(t.shape)}), got ${fmtShape(u.shape)}`,
      );
    }
    if (u.dtype !== t.dtype) u = cast(u, t.dtype);
    // Keras reshapes (never transposes) the parameter into the broadcast shape.
    return lastOnly ? u.reshape(pshape) : u.reshape(bshape);
  };
  const gamma = opts.gamma === undefined || opts.gamma === null ? null : param(opts.gamma, 'gamma');
  if (opts.rmsScaling) {
    const m = mean(t, axes, true);
    const v = mean(square(sub(t, m)), axes, true);
    const y = mul(t, rsqrt(add(v, eps)));
    return gamma ? mul(y, gamma) : y;
  }
  const beta = opts.beta === undefined || opts.beta === null ? null : param(opts.beta, 'beta');
  const [m, v] = moments(t, axes, true);
  let inv = rsqrt(add(v, eps));
  if (gamma) inv = mul(inv, gamma);
  let res = neg(mul(m, inv));
  if (beta) res = add(res, beta);
  return add(mul(t, inv), res);
}
