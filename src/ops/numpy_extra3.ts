/**
 * Keras 3 `keras.ops` numpy-style ops, part 3: indexing and searching (`take`, `searchsorted`,
 * `digitize`, `bincount`, and the host-side `unique` and `nonzero`), order statistics
 * (`quantile`, `percentile`, `median`, with numpy's linear interpolation and gradients through
 * the sort), `trapezoid`, and creation helpers (`logspace`, `geomspace`, `vander`, `fullLike`,
 * `empty`, `emptyLike`).
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { type DType, isFloat } from '../tensor/dtype.js';
import { normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { full, ones, tensor, zeros } from './creation.js';
import {
  add,
  cast,
  greaterEqual,
  isNaN as isNaNOp,
  less,
  lessEqual,
  mul,
  sub,
  where,
} from './elementwise.js';
import { gather, oneHot, reshape, slice, stack, transpose } from './movement.js';
import { any, sum } from './reduce.js';
import { sort } from './sorting.js';

// ---------------------------------------------------------------- indexing and searching

/**
 * numpy's `take`: elements of x at `indices` along `axis` (of the flattened x when null);
 * negative indices count from the end. The gradient scatters back to the taken positions.
 *
 * Shape: `x.shape[:axis] + indices.shape + x.shape[axis+1:]` (`indices.shape` when null).
 * @example take(tensor([[1, 2], [3, 4]]), tensor([-1, 0]), 1) // [[2, 1], [4, 3]]
 */
export function take(x: TensorLike, indices: TensorLike, axis: number | null = null): Tensor {
  let t = convertToTensor(x, 'take', 'x');
  let idx = convertToTensor(indices, 'take', 'indices');
  if (isFloat(idx.dtype) || idx.dtype === 'bool') idx = cast(idx, 'int32');
  if (axis === null) t = reshape(t, [-1]);
  else if (t.rank === 0) throw new ValueError('take: x must have rank >= 1 to take along an axis');
  const ax = axis === null ? 0 : normalizeAxis(axis, t.rank, 'take');
  const n = t.shape[ax]!;
  idx = where(less(idx, 0), add(idx, n), idx);
  return gather(t, idx, ax);
}

/**
 * Where `values` would be inserted into the sorted 1-D `sortedSequence` to keep it sorted
 * (int32): `'left'` gives the first such index, `'right'` the last.
 *
 * Formula: left: #{i : s[i] < v}; right: #{i : s[i] ≤ v}.
 *
 * Shape: `values.shape`.
 * @example searchsorted(tensor([1, 2, 2, 3]), tensor([2, 5])) // [1, 4]
 */
export function searchsorted(
  sortedSequence: TensorLike,
  values: TensorLike,
  side: 'left' | 'right' = 'left',
): Tensor {
  const s = convertToTensor(sortedSequence, 'searchsorted', 'sortedSequence');
  const v = convertToTensor(values, 'searchsorted', 'values');
  if (s.rank !== 1)
    throw new ValueError(
      `searchsorted: sortedSequence must be 1-D, got shape ${fmtShape(s.shape)}`,
    );
  if (side !== 'left' && side !== 'right')
    throw new ValueError(`searchsorted: side must be 'left' or 'right', got '${side}'`);
  const sv = reshape(s, [...v.shape.map(() => 1), s.shape[0]!]);
  const vv = reshape(v, [...v.shape, 1]);
  const hit = side === 'left' ? less(sv, vv) : lessEqual(sv, vv);
  return sum(cast(hit, 'int32'), -1);
}

/**
 * The index (int32) of the bin each x falls in, for monotonic `bins` (numpy's `digitize`):
 * for increasing bins, i such that bins[i−1] ≤ x < bins[i] (`right`: bins[i−1] < x ≤ bins[i]).
 * Reads `bins` on the host to check their order.
 *
 * Shape: `x.shape`.
 * @example digitize(tensor([0.5, 1, 2.5]), tensor([1, 2, 3])) // [0, 1, 2]
 */
export function digitize(x: TensorLike, bins: TensorLike, right = false): Tensor {
  const t = convertToTensor(x, 'digitize', 'x');
  const b = convertToTensor(bins, 'digitize', 'bins');
  if (b.rank !== 1) throw new ValueError(`digitize: bins must be 1-D, got ${fmtShape(b.shape)}`);
  const v = b.dataSync();
  let inc = true;
  let dec = true;
  for (let i = 1; i < v.length; i++) {
    if (v[i]! < v[i - 1]!) inc = false;
    if (v[i]! > v[i - 1]!) dec = false;
  }
  if (!inc && !dec)
    throw new ValueError('digitize: bins must be monotonically increasing or decreasing');
  const side = right ? 'left' : 'right';
  if (inc) return searchsorted(b, t, side);
  const rev = tensor(Array.from(v).reverse(), [v.length], b.dtype);
  return sub(v.length, searchsorted(rev, t, side));
}

/**
 * Counts occurrences of each non-negative integer in x (1-D, or 2-D counted per row), or sums
 * `weights` per value; the output has max(x) + 1 bins (at least `minlength`). Reads x on the
 * host to size the output; differentiable in `weights`.
 *
 * Formula: out[v] = Σ_{i : x[i] = v} w[i] (w = 1 without weights).
 *
 * Shape: `[bins]`, or `[rows, bins]` for 2-D x.
 * @example bincount(tensor([0, 1, 1, 3], undefined, 'int32')) // [1, 2, 0, 1]
 */
export function bincount(x: TensorLike, weights?: TensorLike | null, minlength = 0): Tensor {
  const t = convertToTensor(x, 'bincount', 'x');
  if (t.dtype !== 'int32') throw new DTypeError(`bincount: x must be int32, got ${t.dtype}`);
  if (t.rank !== 1 && t.rank !== 2)
    throw new ValueError(`bincount: x must be 1-D or 2-D, got shape ${fmtShape(t.shape)}`);
  if (!Number.isInteger(minlength) || minlength < 0)
    throw new ValueError(`bincount: minlength must be a non-negative integer, got ${minlength}`);
  const vals = t.dataSync();
  let top = -1;
  for (let i = 0; i < vals.length; i++) {
    if (vals[i]! < 0) throw new ValueError(`bincount: x has a negative value ${vals[i]}`);
    if (vals[i]! > top) top = vals[i]!;
  }
  const depth = Math.max(top + 1, minlength);
  if (weights === undefined || weights === null) {
    if (depth === 0) return zeros([...t.shape.slice(0, -1), 0], 'int32');
    return sum(cast(oneHot(t, depth), 'int32'), -2);
  }
  let w = convertToTensor(weights, 'bincount', 'weights');
  if (w.shape.length !== t.shape.length || w.shape.some((d, i) => d !== t.shape[i]))
    throw new ShapeError(
      `bincount: weights ${fmtShape(w.shape)} must have x's shape ${fmtShape(t.shape)}`,
    );
  if (w.dtype === 'bool') w = cast(w, 'int32');
  if (depth === 0) return zeros([...t.shape.slice(0, -1), 0], w.dtype);
  const hot = cast(oneHot(t, depth), w.dtype);
  return sum(mul(hot, reshape(w, [...w.shape, 1])), -2);
}

/**
 * The sorted distinct values of the flattened x (NaNs collapse into one, last). Computed on the
 * host; not differentiable.
 *
 * Shape: `[number of distinct values]`.
 * @example unique(tensor([3, 1, 3, 2])) // [1, 2, 3]
 */
export function unique(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'unique', 'x');
  const v = Array.from(t.dataSync() as ArrayLike<number>);
  const nan = v.some((a) => Number.isNaN(a));
  const sorted = v.filter((a) => !Number.isNaN(a)).sort((a, b) => a - b);
  const out: number[] = [];
  for (const a of sorted)
    if (out.length === 0 || (!Object.is(out[out.length - 1], a) && out[out.length - 1] !== a))
      out.push(a);
  if (nan) out.push(Number.NaN);
  return tensor(out, [out.length], t.dtype);
}

/**
 * The indices (int32) of the nonzero elements, one tensor per axis (numpy's `nonzero`).
 * Computed on the host.
 *
 * Shape: `rank` tensors of shape `[number of nonzeros]`.
 * @example nonzero(tensor([[0, 1], [2, 0]])) // [[0, 1], [1, 0]]
 */
export function nonzero(x: TensorLike): Tensor[] {
  const t = convertToTensor(x, 'nonzero', 'x');
  if (t.rank === 0) throw new ValueError('nonzero: x must have rank >= 1, got a scalar');
  const v = t.dataSync();
  const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const cols: number[][] = t.shape.map(() => []);
  for (let i = 0; i < v.length; i++) {
    if (v[i] === 0) continue;
    strides.forEach((s, d) => cols[d]!.push(Math.floor(i / s) % t.shape[d]!));
  }
  return cols.map((c) => tensor(c, [c.length], 'int32'));
}

// ---------------------------------------------------------------- order statistics

/** How a quantile between two sorted elements is computed (numpy's `method`). */
export type QuantileMethod = 'linear' | 'lower' | 'higher' | 'midpoint' | 'nearest';

/**
 * The q-th quantiles over `axis` (all axes when null); a NaN in a reduced line gives NaN. q is a
 * number or a list in [0, 1]. `method` is numpy's: `'linear'` (default) interpolates,
 * `'lower'`/`'higher'` take the element below/above, `'midpoint'` their mean, `'nearest'` the
 * nearer one (ties to the even index). The gradient flows to the (one or two) elements used.
 *
 * Formula (linear): with s the sorted line of length n and p = q (n − 1):
 * s[⌊p⌋] + (p − ⌊p⌋)(s[⌊p⌋ + 1] − s[⌊p⌋]).
 *
 * Shape: `q`'s shape (`[]` or `[len(q)]`) followed by x's shape without the reduced axes
 * (kept as 1 with `keepDims`); float.
 * @example quantile(tensor([1, 2, 3, 4]), 0.5) // 2.5
 */
export function quantile(
  x: TensorLike,
  q: number | readonly number[],
  axis: number | readonly number[] | null = null,
  method: QuantileMethod = 'linear',
  keepDims = false,
): Tensor {
  return quantileImpl(x, q, axis, method, keepDims, 'quantile');
}

function quantileImpl(
  x: TensorLike,
  q: number | readonly number[],
  axis: number | readonly number[] | null,
  method: QuantileMethod,
  keepDims: boolean,
  op: string,
): Tensor {
  let t = convertToTensor(x, op, 'x');
  if (!['linear', 'lower', 'higher', 'midpoint', 'nearest'].includes(method))
    throw new ValueError(
      `${op}: method must be 'linear', 'lower', 'higher', 'midpoint' or 'nearest', got '${method}'`,
    );
  if (!isFloat(t.dtype)) t = cast(t, 'float32');
  const qs = typeof q === 'number' ? [q] : [...q];
  for (const v of qs)
    if (!(v >= 0 && v <= 1))
      throw new ValueError(
        `${op}: ${op === 'percentile' ? 'q must be in [0, 100]' : 'q must be in [0, 1]'}, got ${op === 'percentile' ? v * 100 : v}`,
      );
  const axes = normalizeAxes(axis, t.rank, op);
  const rest = t.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const n = axes.reduce((a, i) => a * t.shape[i]!, 1);
  if (n === 0) throw new ValueError(`${op}: cannot take a quantile of an empty axis`);
  const restShape = rest.map((i) => t.shape[i]!);
  const lines = reshape(transpose(t, [...rest, ...axes]), [...restShape, n]);
  const s = sort(lines, -1);
  const lo: number[] = [];
  const hi: number[] = [];
  const frac: number[] = [];
  for (const v of qs) {
    const p = v * (n - 1);
    const f = Math.floor(p);
    const g = Math.min(f + 1, n - 1);
    let pick: number | null = null;
    if (method === 'lower') pick = f;
    else if (method === 'higher') pick = Math.ceil(p);
    // numpy rounds the virtual index half to even.
    else if (method === 'nearest') pick = p - f === 0.5 ? (f % 2 === 0 ? f : g) : Math.round(p);
    lo.push(pick ?? f);
    hi.push(pick ?? g);
    if (method === 'midpoint') frac.push(p === f ? 0 : 0.5);
    else frac.push(pick === null ? p - f : 0);
  }
  const ax = restShape.length;
  const a = gather(s, tensor(lo, [qs.length], 'int32'), ax);
  const b = gather(s, tensor(hi, [qs.length], 'int32'), ax);
  const fr = tensor(frac, [qs.length], t.dtype);
  const d = sub(b, a);
  // numpy's _lerp: from the nearer end, so that q = 1 returns the maximum exactly.
  let y = where(greaterEqual(fr, 0.5), sub(b, mul(d, sub(1, fr))), add(a, mul(d, fr)));
  y = where(any(isNaNOp(s), -1, true), Number.NaN, y);
  // y: [...rest, k] → [k, ...rest(kept)].
  const kept = keepDims ? t.shape.map((dd, i) => (axes.includes(i) ? 1 : dd)) : restShape;
  y = transpose(y, [ax, ...restShape.map((_, i) => i)]);
  y = reshape(y, [qs.length, ...kept]);
  return typeof q === 'number' ? reshape(y, kept) : y;
}

/**
 * The q-th percentiles (q in [0, 100]) over `axis`: {@link quantile} at q / 100 (same
 * `method`s).
 *
 * Shape: as {@link quantile}.
 * @example percentile(tensor([1, 2, 3, 4]), 50) // 2.5
 */
export function percentile(
  x: TensorLike,
  q: number | readonly number[],
  axis: number | readonly number[] | null = null,
  method: QuantileMethod = 'linear',
  keepDims = false,
): Tensor {
  const qq = typeof q === 'number' ? q / 100 : q.map((v) => v / 100);
  return quantileImpl(x, qq, axis, method, keepDims, 'percentile');
}

/**
 * The median over `axis` (the mean of the two middle values for even lengths).
 *
 * Shape: x's shape without the reduced axes (kept as 1 with `keepDims`); float.
 * @example median(tensor([3, 1, 4, 2])) // 2.5
 */
export function median(
  x: TensorLike,
  axis: number | readonly number[] | null = null,
  keepDims = false,
): Tensor {
  return quantileImpl(x, 0.5, axis, 'linear', keepDims, 'median');
}

/**
 * Integrates y along `axis` with the trapezoidal rule, at sample points `x` (1-D, or y's
 * shape) or spacing `dx`.
 *
 * Formula: Σ_i (x[i+1] − x[i]) (y[i+1] + y[i]) / 2.
 *
 * Shape: y's shape without `axis`; float.
 * @example trapezoid(tensor([1, 2, 3])) // 4
 */
export function trapezoid(y: TensorLike, x?: TensorLike | null, dx = 1, axis = -1): Tensor {
  let t = convertToTensor(y, 'trapezoid', 'y');
  if (!isFloat(t.dtype)) t = cast(t, 'float32');
  if (t.rank === 0) throw new ValueError('trapezoid: y must have rank >= 1, got a scalar');
  const ax = normalizeAxis(axis, t.rank, 'trapezoid');
  const len = t.shape[ax]!;
  if (len < 2) return sum(mul(t, 0), ax);
  const size = t.shape.map((d, j) => (j === ax ? len - 1 : d));
  const at = (u: Tensor, off: number) =>
    slice(
      u,
      u.shape.map((_, j) => (j === ax ? off : 0)),
      size,
    );
  const mid = mul(add(at(t, 1), at(t, 0)), 0.5);
  if (x === undefined || x === null) return mul(sum(mid, ax), dx);
  let xs = convertToTensor(x, 'trapezoid', 'x');
  if (xs.dtype !== t.dtype) xs = cast(xs, t.dtype);
  let d: Tensor;
  if (xs.rank === 1) {
    if (xs.shape[0] !== len)
      throw new ShapeError(
        `trapezoid: x has ${xs.shape[0]} points but axis ${ax} of y ${fmtShape(t.shape)} has ${len}`,
      );
    d = reshape(
      sub(slice(xs, [1], [len - 1]), slice(xs, [0], [len - 1])),
      t.shape.map((dd, j) => (j === ax ? len - 1 : 1)),
    );
  } else {
    if (xs.shape.length !== t.shape.length || xs.shape.some((dd, i) => dd !== t.shape[i]))
      throw new ShapeError(
        `trapezoid: x ${fmtShape(xs.shape)} must be 1-D or have y's shape ${fmtShape(t.shape)}`,
      );
    d = sub(at(xs, 1), at(xs, 0));
  }
  return sum(mul(d, mid), ax);
}

// ---------------------------------------------------------------- creation

function checkNum(num: number, op: string): void {
  if (!Number.isInteger(num) || num < 0)
    throw new ValueError(`${op}: num must be a non-negative integer, got ${num}`);
}

function linspaceHost(start: number, stop: number, num: number, endpoint: boolean): number[] {
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const out = Array.from({ length: num }, (_, i) => start + i * step);
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

/**
 * Numbers spaced evenly on a log scale: base^linspace(start, stop).
 *
 * Shape: `[num]`.
 * @example logspace(0, 2, 3) // [1, 10, 100]
 */
export function logspace(
  start: number,
  stop: number,
  num = 50,
  endpoint = true,
  base = 10,
  dtype: DType = 'float32',
): Tensor {
  checkNum(num, 'logspace');
  const v = linspaceHost(start, stop, num, endpoint).map((e) => base ** e);
  return tensor(v, [num], dtype);
}

/**
 * Numbers spaced evenly on a log scale from `start` to `stop` (a geometric progression); both
 * must be nonzero and of the same sign.
 *
 * Shape: `[num]`.
 * @example geomspace(1, 1000, 4) // [1, 10, 100, 1000]
 */
export function geomspace(
  start: number,
  stop: number,
  num = 50,
  endpoint = true,
  dtype: DType = 'float32',
): Tensor {
  checkNum(num, 'geomspace');
  if (start === 0 || stop === 0)
    throw new ValueError('geomspace: start and stop must be nonzero (a geometric sequence)');
  if (Math.sign(start) !== Math.sign(stop))
    throw new ValueError('geomspace: start and stop must have the same sign');
  const sgn = Math.sign(start);
  const v = linspaceHost(
    Math.log10(Math.abs(start)),
    Math.log10(Math.abs(stop)),
    num,
    endpoint,
  ).map((e) => sgn * 10 ** e);
  if (num > 0) v[0] = start;
  if (num > 1 && endpoint) v[num - 1] = stop;
  return tensor(v, [num], dtype);
}

/**
 * The Vandermonde matrix of a 1-D x: columns x^(N−1), …, x, 1 (or increasing powers).
 *
 * Shape: `[x.length, N]` (N defaults to x's length).
 * @example vander(tensor([1, 2, 3]), 3) // [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
 */
export function vander(x: TensorLike, n?: number | null, increasing = false): Tensor {
  const t = convertToTensor(x, 'vander', 'x');
  if (t.rank !== 1) throw new ValueError(`vander: x must be 1-D, got shape ${fmtShape(t.shape)}`);
  const cols = n ?? t.shape[0]!;
  if (!Number.isInteger(cols) || cols < 0)
    throw new ValueError(`vander: N must be a non-negative integer, got ${cols}`);
  const base = t.dtype === 'bool' ? cast(t, 'int32') : t;
  if (cols === 0) return zeros([t.shape[0]!, 0], base.dtype);
  const powers: Tensor[] = [ones(base.shape, base.dtype)];
  for (let i = 1; i < cols; i++) powers.push(mul(powers[i - 1]!, base));
  if (!increasing) powers.reverse();
  return stack(powers, 1);
}

/**
 * A tensor of x's shape filled with `fillValue` (in `dtype`, x's dtype by default).
 *
 * Shape: `x.shape`.
 * @example fullLike(tensor([1, 2]), 7) // [7, 7]
 */
export function fullLike(x: TensorLike, fillValue: number, dtype?: DType): Tensor {
  const t = convertToTensor(x, 'fullLike', 'x');
  return full(t.shape, fillValue, dtype ?? t.dtype);
}

/**
 * Keras `empty`: a tensor of `shape` (Tessera fills it with zeros).
 *
 * Shape: `shape`.
 * @example empty([2]) // [0, 0]
 */
export function empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return zeros(shape, dtype);
}

/**
 * Keras `empty_like`: a tensor of x's shape (Tessera fills it with zeros).
 *
 * Shape: `x.shape`.
 * @example emptyLike(tensor([1, 2])) // [0, 0]
 */
export function emptyLike(x: TensorLike, dtype?: DType): Tensor {
  const t = convertToTensor(x, 'emptyLike', 'x');
  return zeros(t.shape, dtype ?? t.dtype);
}
