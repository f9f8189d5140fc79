/**
 * Cumulative sums and products along an axis (Keras's `cumsum`, `cumprod`). Both run as
 * Hillis–Steele scans: ⌈log₂ n⌉ steps of "shift by s along the axis, combine", built from
 * slice, pad and an elementwise add or multiply, so they need no primitive of their own.
 */
import { noGrad, record } from '../autograd/tape.js';
import { ShapeError } from '../errors.js';
import { normalizeAxis } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { add, cast, mul } from './elementwise.js';
import { pad, reshape, slice } from './movement.js';

/**
 * `y` moved by `s` along `ax`: toward higher positions (the first `s` become `fill`), or toward
 * lower ones when `reverse` (the last `s` become `fill`).
 */
function shift(y: Tensor, s: number, ax: number, fill: number, reverse: boolean): Tensor {
  const n = y.shape[ax]!;
  const begin = y.shape.map((_, d) => (d === ax && reverse ? s : 0));
  const size = y.shape.map((dim, d) => (d === ax ? n - s : dim));
  const paddings = y.shape.map((_, d) =>
    d === ax ? ((reverse ? [0, s] : [s, 0]) as [number, number]) : ([0, 0] as [number, number]),
  );
  return pad(slice(y, begin, size), paddings, fill);
}

/** The inclusive scan of `combine` along `ax` (from the end when `reverse`). */
function scan(
  t: Tensor,
  ax: number,
  reverse: boolean,
  combine: (a: Tensor, b: Tensor) => Tensor,
  identity: number,
): Tensor {
  const n = t.shape[ax]!;
  let y = t;
  for (let s = 1; s < n; s *= 2) y = combine(y, shift(y, s, ax, identity, reverse));
  return y;
}

/** Cumulative sum along `ax`; its backward is the cumulative sum taken the other way. */
function cumsumAlong(t: Tensor, ax: number, reverse: boolean): Tensor {
  const y = noGrad(() => scan(t, ax, reverse, add, 0));
  return record('cumsum', [t], y, (dy) => [cumsumAlong(dy, ax, !reverse)]);
}

/** `x` and the axis to scan: `null`/undefined flattens (Keras), bool counts as int32 (NumPy). */
function scanInput(x: TensorLike, axis: number | null | undefined, op: string): [Tensor, number] {
  let t = convertToTensor(x, op, 'x');
  if (t.dtype === 'bool') t = cast(t, 'int32');
  if (axis === null || axis === undefined) return [reshape(t, [-1]), 0];
  if (t.rank === 0) {
    throw new ShapeError(`${op}: x must have rank >= 1 for axis ${axis}, got a scalar`);
  }
  return [t, normalizeAxis(axis, t.rank, op)];
}

/**
 * Cumulative sum along `axis` (`null`/undefined: over the flattened tensor, as Keras). The
 * backward is the reverse cumulative sum of the upstream gradient.
 *
 * Formula: `y[…, i, …] = Σ_{j ≤ i} x[…, j, …]`.
 *
 * Shape: `x.shape` (`[x.size]` when `axis` is null); bool becomes int32.
 * @example cumsum(tensor([[1, 2], [3, 4]]), 0) // [[1, 2], [4, 6]]
 */
export function cumsum(x: TensorLike, axis?: number | null): Tensor {
  const [t, ax] = scanInput(x, axis, 'cumsum');
  return cumsumAlong(t, ax, false);
}

/**
 * Cumulative product along `axis` (`null`/undefined: over the flattened tensor, as Keras). The
 * gradient is that of the scan's multiplications, which never divides by `x`, so it is exact
 * where `x` holds zeros: `∂y_i/∂x_k = Π_{j ≤ i, j ≠ k} x_j` for `k ≤ i`.
 *
 * Formula: `y[…, i, …] = Π_{j ≤ i} x[…, j, …]`.
 *
 * Shape: `x.shape` (`[x.size]` when `axis` is null); bool becomes int32.
 * @example cumprod(tensor([1, 2, 3, 4])) // [1, 2, 6, 24]
 */
export function cumprod(x: TensorLike, axis?: number | null): Tensor {
  const [t, ax] = scanInput(x, axis, 'cumprod');
  return scan(t, ax, false, mul, 1);
}
