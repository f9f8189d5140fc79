/**
 * Keras's NaN-ignoring reductions (numpy's `nan*`), as composites of Tessera's ops.
 */
import { ValueError } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { takeAlongAxis } from './arrange.js';
import { tensor } from './creation.js';
import {
  add,
  cast,
  div,
  greaterEqual,
  isNaN as isNaNOp,
  logicalNot,
  mul,
  sqrt,
  sub,
  where,
} from './elementwise.js';
import { expandDims, reshape, transpose } from './movement.js';
import { toFloat } from './numpy_extra.js';
import { type QuantileMethod, quantile } from './numpy_extra3.js';
import { all, any, argmax, argmin, max, min, prod, sum } from './reduce.js';
import { cumprod, cumsum } from './scan.js';
import { sort } from './sorting.js';

type Axis = number | readonly number[] | null;

// ---------------------------------------------------------------- NaN-ignoring reductions

/** x with NaN replaced by `fill` (ints and bools as they are). */
function unNaN(t: Tensor, fill: number): Tensor {
  return isFloat(t.dtype) ? where(isNaNOp(t), fill, t) : t;
}

/** The count of non-NaN elements of a float `t` over `axis`, in t's dtype. */
function nanCount(t: Tensor, axis: Axis, keepDims: boolean): Tensor {
  return sum(cast(logicalNot(isNaNOp(t)), t.dtype), axis ?? undefined, keepDims);
}

/**
 * Sum ignoring NaN (numpy `nansum`): NaN counts as 0; an all-NaN slice sums to 0.
 *
 * Formula: Σ_{x ≠ NaN} x.
 *
 * Shape: x's shape without the reduced axes (kept as 1 with `keepDims`); bool becomes int32.
 * @example nansum(tensor([1, NaN, 2])) // 3
 */
export function nansum(x: TensorLike, axis: Axis = null, keepDims = false): Tensor {
  const t = convertToTensor(x, 'nansum', 'x');
  return sum(unNaN(t.dtype === 'bool' ? cast(t, 'int32') : t, 0), axis ?? undefined, keepDims);
}

/**
 * Product ignoring NaN (numpy `nanprod`): NaN counts as 1.
 *
 * Formula: Π_{x ≠ NaN} x.
 *
 * Shape: x's shape without the reduced axes; bool becomes int32.
 * @example nanprod(tensor([2, NaN, 3])) // 6
 */
export function nanprod(x: TensorLike, axis: Axis = null, keepDims = false): Tensor {
  const t = convertToTensor(x, 'nanprod', 'x');
  return prod(unNaN(t.dtype === 'bool' ? cast(t, 'int32') : t, 1), axis ?? undefined, keepDims);
}

/**
 * Mean ignoring NaN (numpy `nanmean`): NaN for an all-NaN slice.
 *
 * Formula: Σ_{x ≠ NaN} x / #{x ≠ NaN}.
 *
 * Shape: x's shape without the reduced axes (float).
 * @example nanmean(tensor([1, NaN, 3])) // 2
 */
export function nanmean(x: TensorLike, axis: Axis = null, keepDims = false): Tensor {
  const t = toFloat(x, 'nanmean');
  return div(sum(unNaN(t, 0), axis ?? undefined, keepDims), nanCount(t, axis, keepDims));
}

function nanExtreme(x: TensorLike, axis: Axis, keepDims: boolean, op: 'nanmax' | 'nanmin'): Tensor {
  const t = convertToTensor(x, op, 'x');
  const red = op === 'nanmax' ? max : min;
  if (!isFloat(t.dtype)) return red(t, axis ?? undefined, keepDims);
  const nan = isNaNOp(t);
  const m = red(
    where(nan, op === 'nanmax' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY, t),
    axis ?? undefined,
    keepDims,
  );
  return where(all(nan, axis ?? undefined, keepDims), Number.NaN, m);
}

/**
 * Maximum ignoring NaN (numpy `nanmax`): NaN only for an all-NaN slice.
 *
 * Formula: max_{x ≠ NaN} x.
 *
 * Shape: x's shape without the reduced axes.
 * @example nanmax(tensor([1, NaN, 3])) // 3
 */
export function nanmax(x: TensorLike, axis: Axis = null, keepDims = false): Tensor {
  return nanExtreme(x, axis, keepDims, 'nanmax');
}

/**
 * Minimum ignoring NaN (numpy `nanmin`): NaN only for an all-NaN slice.
 *
 * Formula: min_{x ≠ NaN} x.
 *
 * Shape: x's shape without the reduced axes.
 * @example nanmin(tensor([1, NaN, 3])) // 1
 */
export function nanmin(x: TensorLike, axis: Axis = null, keepDims = false): Tensor {
  return nanExtreme(x, axis, keepDims, 'nanmin');
}

/**
 * Variance ignoring NaN (numpy `nanvar`, population: divides by the non-NaN count).
 *
 * Formula: Σ_{x ≠ NaN} (x − nanmean)² / #{x ≠ NaN}.
 *
 * Shape: x's shape without the reduced axes (float).
 * @example nanvar(tensor([1, NaN, 3])) // 1
 */
export function nanvar(x: TensorLike, axis: Axis = null, keepDims = false): Tensor {
  const t = toFloat(x, 'nanvar');
  const mu = nanmean(t, axis, true);
  const d = unNaN(sub(t, mu), 0);
  return div(sum(mul(d, d), axis ?? undefined, keepDims), nanCount(t, axis, keepDims));
}

/**
 * Standard deviation ignoring NaN (numpy `nanstd`).
 *
 * Formula: √nanvar(x).
 *
 * Shape: x's shape without the reduced axes (float).
 * @example nanstd(tensor([1, NaN, 3])) // 1
 */
export function nanstd(x: TensorLike, axis: Axis = null, keepDims = false): Tensor {
  return sqrt(nanvar(toFloat(x, 'nanstd'), axis, keepDims));
}

function nanArg(
  x: TensorLike,
  axis: number | null,
  keepDims: boolean,
  op: 'nanargmax' | 'nanargmin',
): Tensor {
  let t = convertToTensor(x, op, 'x');
  const rank = t.rank;
  if (axis === null) t = reshape(t, [-1]);
  const ax = axis === null ? 0 : normalizeAxis(axis, t.rank, op);
  const arg = op === 'nanargmax' ? argmax : argmin;
  let out: Tensor;
  if (!isFloat(t.dtype)) out = arg(t, ax);
  else {
    const nan = isNaNOp(t);
    const i = arg(
      where(nan, op === 'nanargmax' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY, t),
      ax,
    );
    out = where(all(nan, ax), -1, i);
  }
  if (!keepDims) return out;
  return axis === null ? reshape(out, new Array<number>(rank).fill(1)) : expandDims(out, ax);
}

/**
 * Index of the maximum ignoring NaN (Keras `nanargmax`): −1 for an all-NaN slice; over the
 * flattened x when `axis` is null.
 *
 * Formula: argmax_{x ≠ NaN} x.
 *
 * Shape: x's shape without `axis` (int32).
 * @example nanargmax(tensor([1, NaN, 3])) // 2
 */
export function nanargmax(x: TensorLike, axis: number | null = null, keepDims = false): Tensor {
  return nanArg(x, axis, keepDims, 'nanargmax');
}

/**
 * Index of the minimum ignoring NaN (Keras `nanargmin`): −1 for an all-NaN slice.
 *
 * Formula: argmin_{x ≠ NaN} x.
 *
 * Shape: x's shape without `axis` (int32).
 * @example nanargmin(tensor([NaN, 2, 1])) // 2
 */
export function nanargmin(x: TensorLike, axis: number | null = null, keepDims = false): Tensor {
  return nanArg(x, axis, keepDims, 'nanargmin');
}

/**
 * Cumulative sum treating NaN as 0 (numpy `nancumsum`); over the flattened x when `axis` is null.
 *
 * Formula: y_i = Σ_{j ≤ i, x_j ≠ NaN} x_j.
 *
 * Shape: `x.shape` (`[x.size]` when `axis` is null).
 * @example nancumsum(tensor([1, NaN, 2])) // [1, 1, 3]
 */
export function nancumsum(x: TensorLike, axis: number | null = null): Tensor {
  return cumsum(unNaN(convertToTensor(x, 'nancumsum', 'x'), 0), axis);
}

/**
 * Cumulative product treating NaN as 1 (numpy `nancumprod`).
 *
 * Formula: y_i = Π_{j ≤ i, x_j ≠ NaN} x_j.
 *
 * Shape: `x.shape` (`[x.size]` when `axis` is null).
 * @example nancumprod(tensor([2, NaN, 3])) // [2, 2, 6]
 */
export function nancumprod(x: TensorLike, axis: number | null = null): Tensor {
  return cumprod(unNaN(convertToTensor(x, 'nancumprod', 'x'), 1), axis);
}

function nanQuantileImpl(
  x: TensorLike,
  q: number | readonly number[],
  axis: Axis,
  method: QuantileMethod,
  keepDims: boolean,
  op: string,
): Tensor {
  const t = toFloat(x, op);
  if (!['linear', 'lower', 'higher', 'midpoint', 'nearest'].includes(method))
    throw new ValueError(
      `${op}: method must be 'linear', 'lower', 'higher', 'midpoint' or 'nearest', got '${method}'`,
    );
  const qs = typeof q === 'number' ? [q] : [...q];
  for (const v of qs)
    if (!(v >= 0 && v <= 1))
      throw new ValueError(
        `${op}: ${op === 'nanpercentile' ? `q must be in [0, 100], got ${v * 100}` : `q must be in [0, 1], got ${v}`}`,
      );
  const nanMask = isNaNOp(t);
  if (!any(nanMask).item()) return quantile(t, q, axis, method, keepDims);
  const axes = normalizeAxes(axis, t.rank, op);
  const rest = t.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const restShape = rest.map((i) => t.shape[i]!);
  const n = axes.reduce((a, i) => a * t.shape[i]!, 1);
  if (n === 0) throw new ValueError(`${op}: cannot take a quantile of an empty axis`);
  const lines = reshape(transpose(t, [...rest, ...axes]), [...restShape, n]);
  // NaN sorts last as +∞; each line's count of real values places its quantiles.
  const s = sort(where(isNaNOp(lines), Number.POSITIVE_INFINITY, lines), -1);
  const counts = sum(cast(logicalNot(isNaNOp(lines)), 'int32'), -1).dataSync();
  const m = counts.length;
  const k = qs.length;
  const lo = new Int32Array(m * k);
  const hi = new Int32Array(m * k);
  const fr = new Float64Array(m * k);
  const empty = new Uint8Array(m * k);
  for (let r = 0; r < m; r++) {
    const c = counts[r]!;
    for (let j = 0; j < k; j++) {
      const o = r * k + j;
      if (c === 0) {
        empty[o] = 1;
        continue;
      }
      const p = qs[j]! * (c - 1);
      const f = Math.floor(p);
      const g = Math.min(f + 1, c - 1);
      let pick: number | null = null;
      if (method === 'lower') pick = f;
      else if (method === 'higher') pick = Math.ceil(p);
      else if (method === 'nearest') pick = p - f === 0.5 ? (f % 2 === 0 ? f : g) : Math.round(p);
      lo[o] = pick ?? f;
      hi[o] = pick ?? g;
      fr[o] = method === 'midpoint' ? (p === f ? 0 : 0.5) : pick === null ? p - f : 0;
    }
  }
  const shp = [...restShape, k];
  const a = takeAlongAxis(s, tensor(lo, shp, 'int32'), -1);
  const b = takeAlongAxis(s, tensor(hi, shp, 'int32'), -1);
  const f = tensor(t.dtype === 'float64' ? fr : Float32Array.from(fr), shp, t.dtype);
  const d = sub(b, a);
  let y = where(greaterEqual(f, 0.5), sub(b, mul(d, sub(1, f))), add(a, mul(d, f)));
  y = where(tensor(empty, shp, 'bool'), Number.NaN, y);
  const ax = restShape.length;
  const kept = keepDims ? t.shape.map((dd, i) => (axes.includes(i) ? 1 : dd)) : restShape;
  y = reshape(transpose(y, [ax, ...restShape.map((_, i) => i)]), [k, ...kept]);
  return typeof q === 'number' ? reshape(y, kept) : y;
}

/**
 * Quantiles ignoring NaN (numpy `nanquantile`): as {@link quantile} on each slice's non-NaN
 * values (NaN for an all-NaN slice); same `method`s, gradient through the sort.
 *
 * Formula (linear): s the sorted non-NaN values (n of them), p = q (n − 1): s[⌊p⌋] + (p − ⌊p⌋)(s[⌊p⌋+1] − s[⌊p⌋]).
 *
 * Shape: q's shape followed by x's shape without the reduced axes (float).
 * @example nanquantile(tensor([1, NaN, 3]), 0.5) // 2
 */
export function nanquantile(
  x: TensorLike,
  q: number | readonly number[],
  axis: Axis = null,
  method: QuantileMethod = 'linear',
  keepDims = false,
): Tensor {
  return nanQuantileImpl(x, q, axis, method, keepDims, 'nanquantile');
}

/**
 * Percentiles ignoring NaN (numpy `nanpercentile`): {@link nanquantile} at q / 100.
 *
 * Formula: nanpercentile(x, q) = nanquantile(x, q / 100).
 *
 * Shape: as {@link nanquantile}.
 * @example nanpercentile(tensor([1, NaN, 3]), 50) // 2
 */
export function nanpercentile(
  x: TensorLike,
  q: number | readonly number[],
  axis: Axis = null,
  method: QuantileMethod = 'linear',
  keepDims = false,
): Tensor {
  const qq = typeof q === 'number' ? q / 100 : q.map((v) => v / 100);
  return nanQuantileImpl(x, qq, axis, method, keepDims, 'nanpercentile');
}

/**
 * Median ignoring NaN (numpy `nanmedian`).
 *
 * Formula: nanmedian(x) = nanquantile(x, 0.5).
 *
 * Shape: x's shape without the reduced axes (float).
 * @example nanmedian(tensor([1, NaN, 3, 4])) // 3
 */
export function nanmedian(x: TensorLike, axis: Axis = null, keepDims = false): Tensor {
  return nanQuantileImpl(x, 0.5, axis, 'linear', keepDims, 'nanmedian');
}
